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
from app.core.reference_metrics import (
    PeakMemory,
    ReferenceTask,
    engine_pid_of,
    run_reference_task,
)

log = logging.getLogger(__name__)

EVAL_FILE = "evaluations.json"
EVAL_VERSION = 1
DEFAULT_WINDOW = 512  # llama-perplexity's usual -c, so figures compare with published ones
WINDOW_BOUND = Bound("the window", 16, 32_768, True, "tokens")
_store_lock = threading.Lock()

Stage = Literal["loading", "tokenizing", "scoring", "task"]


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
    task: str = ""  # stage "task": "translate" or "summarise"; ``done`` is tokens written

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
        if self.stage == "task":
            doing = "translating" if self.task == "translate" else "summarising"
            return f"{self.model}: {doing} the text, {self.done:,} tokens written"
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
    peak_rss: int = 0  # bytes: the engine process's largest resident set while measuring
    # Scored against the user's reference (``--reference``); empty / None when not asked.
    task: str = ""  # "translate" or "summarise"
    target: str = ""  # the translation's language code
    reference_name: str = ""
    reference_sha256: str = ""
    chrf: float | None = None  # translation, 0-100
    rouge_l: float | None = None  # summary, ROUGE-L F1, 0-1
    task_seconds: float = 0.0  # the pipeline's wall time
    task_tokens: int = 0  # tokens the pipeline wrote

    @property
    def key(self) -> str:
        task = f"{self.task}:{self.target}:{self.reference_sha256[:16]}" if self.task else ""
        return evaluation_key(self.model_file, self.text_sha256, self.window, task)

    @property
    def reference_score(self) -> tuple[str, float] | None:
        """The metric's name and value, when the output was scored against a reference."""
        if self.chrf is not None:
            return "chrF", self.chrf
        if self.rouge_l is not None:
            return "ROUGE-L", self.rouge_l
        return None


def evaluation_key(model_file: str, text_sha256: str, window: int, task: str = "") -> str:
    """One stored result per model file, text and window, and per reference task (so a
    perplexity-only run does not overwrite a scored translation, nor the other way)."""
    key = f"{model_file}|{text_sha256}|{window}"
    return f"{key}|{task}" if task else key


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


def eval_load_options(
    options: LoadOptions, window: int, *, keep_context: bool = False
) -> LoadOptions:
    """The user's load options with a context that holds one window (and no less than the
    smallest context llama.cpp is given anywhere in Parley). ``keep_context`` keeps the
    user's context when it is larger: a translate or summarise run then reads the document
    in the same parts the tools do."""
    n_ctx = max(window, CONTEXT_MIN, options.n_ctx if keep_context else 0)
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
    reference: ReferenceTask | None = None,
) -> EvalResult:
    """Load ``model`` on ``backend`` and measure its perplexity on ``text``; with
    ``reference``, also run that task's pipeline on ``text`` and score it against the
    reference. The engine's peak memory is sampled throughout (loading included).

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
    with PeakMemory(engine_pid_of(backend)) as memory:
        say(EvalProgress(label, "loading"))
        load_options = eval_load_options(options, window, keep_context=reference is not None)
        info: LoadInfo = backend.load(model, load_options)
        if stop is not None and stop.is_set():
            raise EvaluationStopped(
                "The evaluation was stopped before the first window was scored."
            )
        measured = measure(
            backend,
            text,
            window=window,
            model_label=label,
            progress=progress,
            stop=stop,
            context=info.n_ctx,
        )
        outcome = None
        if reference is not None and not measured.partial and not (stop and stop.is_set()):
            outcome = run_reference_task(
                backend,
                reference,
                text,
                on_token=lambda n: say(EvalProgress(label, "task", n, task=reference.task)),
                stop=stop,
            )
    partial = measured.partial or (
        reference is not None and (outcome is None or outcome.status != "complete")
    )
    scored: dict[str, Any] = {}
    if reference is not None:
        scored = {
            "task": reference.task,
            "target": reference.target,
            "reference_name": reference.reference_name,
            "reference_sha256": reference.reference_sha256,
        }
        if outcome is not None and outcome.status == "complete":
            metric = "chrf" if reference.task == "translate" else "rouge_l"
            scored |= {
                metric: outcome.score,
                "task_seconds": outcome.seconds,
                "task_tokens": outcome.generated_tokens,
            }
        elif outcome is not None and outcome.status == "error":
            raise EvaluationError(outcome.error or f"The {reference.task} run failed.")
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
        partial=partial,
        peak_rss=memory.peak,
        **scored,
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
