"""Which model predicts *your* text best: perplexity, measured the way ``llama-perplexity`` does.

A catalogue's benchmark scores say how a model does on someone else's text. Perplexity on the
user's own documents says how well each installed model (or each quantization of one model)
predicts that kind of text, on this computer, with the speed beside it. The figure follows
llama.cpp's ``llama-perplexity`` exactly, so it can be checked against that tool
(bench/perplexity.py does):

* the whole text is tokenized once (BOS first where the model uses one);
* it is cut into whole windows of ``window`` tokens (window *i* is
  ``tokens[i * window:(i + 1) * window]``; a tail shorter than a window is left out);
* each window is evaluated from an empty cache, and only its second half is scored
  (``first = window // 2``), so every scored token has at least half a window of context;
* perplexity = exp(total negative log-likelihood / tokens scored).

Perplexity per token is **not comparable across tokenizers**: a model whose tokens are longer
predicts fewer, harder tokens. Every result therefore also carries bits per character
(log2 of the perplexity times tokens per character of this text), which is comparable across
model families on the same text, and the tokens per character themselves.

The model is reached only through the :class:`~app.core.backend.TextScorer` protocol: the
local engine provides it, a remote server does not (it cannot score a text's own tokens).

Stop (a :class:`threading.Event`) is checked between windows. A stopped run with at least one
window scored gives a result marked ``partial`` (its figure covers only the windows done, and
it is never saved); a run stopped before its first window raises :class:`EvaluationStopped`.
Complete results are stored in ``<data>/evaluations.json`` beside the speed measurements,
keyed by model file, text fingerprint and window.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from app.core.backend import (
    Backend,
    BackendError,
    LoadInfo,
    LoadOptions,
    ModelRef,
    TextScorer,
    without_surrogates,
)
from app.core.extract import ExtractedText, InputError, check_text, extract_text
from app.core.limits import CONTEXT_MIN, Bound
from app.core.model_bench import device_label, read_result_rows, write_json_atomically
from app.core.paths import app_dirs

log = logging.getLogger(__name__)

EVAL_FILE = "evaluations.json"
EVAL_VERSION = 1
DEFAULT_WINDOW = 512  # llama-perplexity's usual -c, so figures compare with published ones
WINDOW_BOUND = Bound("the window", 16, 32_768, True, "tokens")
_store_lock = threading.Lock()

Stage = Literal["loading", "tokenizing", "scoring"]


class EvaluationError(Exception):
    """The evaluation cannot run; ``message`` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EvaluationStopped(EvaluationError):
    """Stop was asked before the first window was scored: there is no figure at all."""


class TextTooShort(InputError):
    """The text has fewer tokens than one window; ``suggested`` is a window that would fit
    (0 when none would), so each face can say how to fix it in its own words."""

    def __init__(self, tokens: int, window: int) -> None:
        self.tokens = tokens
        self.window = window
        self.suggested = suggest_window(tokens)
        hint = f", for example {self.suggested} tokens" if self.suggested else ""
        super().__init__(
            f"The text has {tokens:,} tokens with this model; perplexity needs at least one "
            f"window of {window:,} tokens. Use a longer text, or a smaller window{hint}."
        )


def suggest_window(tokens: int) -> int:
    """The largest power of two that fits ``tokens`` at least twice (so more than one window
    is averaged), and is at least the smallest window; 0 when the text is too short for any."""
    size = 1 << max(0, tokens.bit_length() - 1)
    while size > WINDOW_BOUND.minimum and size * 2 > tokens:
        size //= 2
    if size < WINDOW_BOUND.minimum or size > tokens:
        return 0
    return int(min(size, WINDOW_BOUND.maximum))


def check_window(window: int) -> int:
    """``window`` if it is a usable window size, else :class:`InputError` saying the range."""
    if isinstance(window, bool) or not isinstance(window, int):
        raise InputError(f"The window must be a whole number {WINDOW_BOUND.describe()}.")
    if not WINDOW_BOUND.minimum <= window <= WINDOW_BOUND.maximum:
        raise InputError(f"The window must be {WINDOW_BOUND.describe()}, not {window:,}.")
    return window


def read_document(path: Path) -> ExtractedText:
    """A document's text for evaluation: the same reader (and the same refusals of empty,
    binary, unsupported or too-large files) as every text tool."""
    return extract_text(Path(path))


def text_fingerprint(text: str) -> str:
    """SHA-256 of the text as evaluated: the same words give the same key whatever the file
    was called, and an edited document is a new text."""
    return hashlib.sha256(without_surrogates(text).encode("utf-8")).hexdigest()


# --- progress and results ---------------------------------------------------------------------


@dataclass(frozen=True)
class EvalProgress:
    """Where one model's evaluation stands; each face words it in its own language."""

    model: str
    stage: Stage
    done: int = 0  # windows scored
    total: int = 0  # windows in the text
    elapsed_s: float = 0.0  # since scoring started
    tokens_per_s: float = 0.0  # tokens evaluated per second so far
    perplexity: float | None = None  # of the windows done so far

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the pace so far; None before the first window."""
        if self.done <= 0 or self.total <= 0:
            return None
        return self.elapsed_s / self.done * (self.total - self.done)

    def english(self) -> str:
        """The command line's wording."""
        if self.stage == "loading":
            return f"Loading {self.model}…"
        if self.stage == "tokenizing":
            return f"{self.model}: reading the text…"
        line = f"{self.model}: window {self.done}/{self.total}"
        if self.perplexity is not None:
            line += f", PPL {self.perplexity:.3f}"
        if self.tokens_per_s > 0:
            line += f", {self.tokens_per_s:.0f} tokens/s"
        eta = self.eta_s
        if eta is not None and self.done < self.total:
            line += f", {format_duration(eta)} left"
        return line


def format_duration(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``; the CLI and the dialog show times the same way."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


@dataclass(frozen=True)
class EvalResult:
    """One model's perplexity on one text with one window, and what it took."""

    model_id: str
    model_file: str  # the GGUF's file name: two quantizations are two files
    model_size: int  # bytes
    quant: str  # e.g. "Q4_K_M"; "" when the header does not say
    text_name: str  # the file name, or "pasted text"
    text_sha256: str
    text_chars: int
    text_tokens: int  # of the whole text, BOS not counted
    window: int
    windows: int  # windows scored
    windows_total: int  # whole windows in the text
    scored_tokens: int
    nll: float  # summed negative log-likelihood, in nats
    perplexity: float
    bits_per_char: float  # comparable across tokenizers on the same text
    tokens_per_char: float
    tokens_per_s: float  # tokens evaluated per second (prompt processing, every logit read)
    seconds: float  # scoring time, loading not included
    threads: int
    device: str
    engine_version: str
    measured_at: str  # ISO 8601, UTC
    partial: bool = False  # stopped early: covers only ``windows`` of ``windows_total``

    @property
    def key(self) -> str:
        return evaluation_key(self.model_file, self.text_sha256, self.window)


def evaluation_key(model_file: str, text_sha256: str, window: int) -> str:
    return f"{model_file}|{text_sha256}|{window}"


def bits_per_char(perplexity: float, tokens_per_char: float) -> float:
    """Bits per character from perplexity per token: log2(PPL) bits per token, times tokens
    per character. Estimated with the whole text's tokens per character (the scored halves
    of the windows are a sample of the same text)."""
    return math.log2(perplexity) * tokens_per_char


# --- the measurement --------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """What scoring the windows of one tokenized text gave (no model facts yet)."""

    text_tokens: int  # BOS not counted
    windows: int
    windows_total: int
    scored_tokens: int
    nll: float
    seconds: float
    partial: bool

    @property
    def perplexity(self) -> float:
        return math.exp(self.nll / self.scored_tokens)


def _bos_tokens(scorer: TextScorer) -> int:
    """1 when the model's tokenizer puts BOS before a text, else 0 (tokens of "")."""
    return min(1, len(scorer.tokenize("")))


def measure(
    scorer: TextScorer,
    text: str,
    *,
    window: int = DEFAULT_WINDOW,
    model_label: str = "",
    progress: Callable[[EvalProgress], None] | None = None,
    stop: threading.Event | None = None,
    context: int | None = None,
) -> Measurement:
    """Score ``text``'s whole windows with a loaded model (see the module's description).

    ``context`` is the loaded context length, when known, to refuse a window that does not
    fit before any work. Raises :class:`TextTooShort` when there is not one whole window,
    :class:`EvaluationStopped` when stopped before the first window.
    """
    say = progress or (lambda _p: None)
    check_window(window)
    if context is not None and window > context:
        raise InputError(
            f"A window of {window:,} tokens does not fit the model's loaded context of "
            f"{context:,} tokens."
        )
    say(EvalProgress(model_label, "tokenizing"))
    tokens = scorer.tokenize(text)
    content = max(0, len(tokens) - _bos_tokens(scorer))
    total = len(tokens) // window
    if total == 0:
        raise TextTooShort(len(tokens), window)
    first = window // 2
    nll = 0.0
    count = 0
    done = 0
    started = time.perf_counter()
    say(EvalProgress(model_label, "scoring", 0, total))
    for index in range(total):
        if stop is not None and stop.is_set():
            break
        part_nll, part_count = scorer.window_nll(
            tokens[index * window : (index + 1) * window], first
        )
        nll += part_nll
        count += part_count
        done += 1
        elapsed = time.perf_counter() - started
        say(
            EvalProgress(
                model_label,
                "scoring",
                done,
                total,
                elapsed,
                done * window / elapsed if elapsed > 0 else 0.0,
                math.exp(nll / count) if count else None,
            )
        )
    if done == 0 or count == 0:
        raise EvaluationStopped("The evaluation was stopped before the first window was scored.")
    return Measurement(
        text_tokens=content,
        windows=done,
        windows_total=total,
        scored_tokens=count,
        nll=nll,
        seconds=time.perf_counter() - started,
        partial=done < total,
    )


def _quantization(path: Path) -> str:
    from app.core.gguf import InvalidModelError, read_gguf_metadata

    try:
        return read_gguf_metadata(path).quant
    except (InvalidModelError, OSError):
        return ""


def eval_load_options(options: LoadOptions, window: int) -> LoadOptions:
    """The user's load options with a context that holds one window (and no less than the
    smallest context llama.cpp is given anywhere in Parley)."""
    n_ctx = max(window, CONTEXT_MIN)
    return replace(options, n_ctx=n_ctx, n_batch=max(16, min(options.n_batch, n_ctx)))


def evaluate_model(
    backend: Backend,
    model: ModelRef,
    options: LoadOptions,
    text: str,
    *,
    window: int = DEFAULT_WINDOW,
    text_name: str = "",
    progress: Callable[[EvalProgress], None] | None = None,
    stop: threading.Event | None = None,
    save: bool = True,
) -> EvalResult:
    """Load ``model`` on ``backend`` and measure its perplexity on ``text``.

    A complete result is saved unless ``save`` is False; a partial one (Stop) never is.
    Bad input raises :class:`InputError` (before the model loads where it can be told
    without the tokenizer), a model that fails to load :class:`BackendError` with the
    engine's message, a backend that cannot score :class:`EvaluationError`.
    """
    check_text(text)
    check_window(window)
    if not isinstance(backend, TextScorer):
        raise EvaluationError(
            "Perplexity needs a model running on this computer: a server does not give the "
            "probabilities of a text's own tokens."
        )
    label = model.label
    say = progress or (lambda _p: None)
    say(EvalProgress(label, "loading"))
    info: LoadInfo = backend.load(model, eval_load_options(options, window))
    if stop is not None and stop.is_set():
        raise EvaluationStopped("The evaluation was stopped before the first window was scored.")
    measured = measure(
        backend,
        text,
        window=window,
        model_label=label,
        progress=progress,
        stop=stop,
        context=info.n_ctx,
    )
    chars = len(text)
    per_char = measured.text_tokens / chars if chars else 0.0
    ppl = measured.perplexity
    path = Path(info.path or model.path)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    result = EvalResult(
        model_id=info.model_id or model.model_id or path.name,
        model_file=path.name,
        model_size=size,
        quant=_quantization(path),
        text_name=text_name or "pasted text",
        text_sha256=text_fingerprint(text),
        text_chars=chars,
        text_tokens=measured.text_tokens,
        window=window,
        windows=measured.windows,
        windows_total=measured.windows_total,
        scored_tokens=measured.scored_tokens,
        nll=measured.nll,
        perplexity=ppl,
        bits_per_char=bits_per_char(ppl, per_char),
        tokens_per_char=per_char,
        tokens_per_s=measured.windows * window / measured.seconds if measured.seconds else 0.0,
        seconds=measured.seconds,
        threads=info.n_threads,
        device=device_label(info),
        engine_version=info.engine_version,
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        partial=measured.partial,
    )
    if save and not result.partial:
        save_evaluation(result)
    return result


# --- the store --------------------------------------------------------------------------------


def evaluations_path() -> Path:
    return app_dirs().data / EVAL_FILE


_FIELDS = frozenset(f.name for f in fields(EvalResult))


def load_evaluations(path: Path | None = None) -> dict[str, EvalResult]:
    """Every stored evaluation; an unreadable file counts as none (it is only a record of
    measurements that can be taken again)."""
    results: dict[str, EvalResult] = {}
    for key, row in read_result_rows(path or evaluations_path(), "evaluation").items():
        try:
            results[key] = EvalResult(**{k: v for k, v in row.items() if k in _FIELDS})
        except TypeError:
            continue
    return results


def save_evaluation(result: EvalResult, path: Path | None = None) -> None:
    """Add or replace one evaluation (atomic write: a crash never leaves half a file)."""
    path = path or evaluations_path()
    with _store_lock:
        results = load_evaluations(path)
        results[result.key] = result
        payload: dict[str, Any] = {
            "version": EVAL_VERSION,
            "results": {key: asdict(value) for key, value in sorted(results.items())},
        }
        write_json_atomically(path, payload)


def saved_evaluations(
    *,
    model_files: Sequence[str] | None = None,
    text_sha256: str | None = None,
    results: dict[str, EvalResult] | None = None,
) -> list[EvalResult]:
    """Stored evaluations, newest first, optionally of some model files or of one text."""
    results = results if results is not None else load_evaluations()
    chosen = [
        r
        for r in results.values()
        if (model_files is None or r.model_file in model_files)
        and (text_sha256 is None or r.text_sha256 == text_sha256)
    ]
    return sorted(chosen, key=lambda r: r.measured_at, reverse=True)


__all__ = [
    "DEFAULT_WINDOW",
    "WINDOW_BOUND",
    "BackendError",
    "EvalProgress",
    "EvalResult",
    "EvaluationError",
    "EvaluationStopped",
    "InputError",
    "Measurement",
    "TextTooShort",
    "bits_per_char",
    "check_window",
    "evaluate_model",
    "evaluation_key",
    "evaluations_path",
    "format_duration",
    "load_evaluations",
    "measure",
    "read_document",
    "save_evaluation",
    "saved_evaluations",
    "suggest_window",
    "text_fingerprint",
]
