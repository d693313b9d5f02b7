"""Measured speed of a model on this computer, and where the measurements are kept.

A catalogue can only guess how fast a model runs here; a 20-second measurement knows. The
benchmark runs through the :class:`~app.core.backend.Backend` protocol (any backend: the
local engine or a remote server), so it measures exactly what the user will get:

* prompt speed: tokens per second while the model reads a prompt of about 256 tokens that
  starts with a fresh nonce, so nothing is reused from the KV cache;
* generation speed: tokens per second while it writes (the engine's own figure, which leaves
  out the time to the first token).

Results are stored in ``<data>/benchmarks.json``, keyed by model id, thread count and
device, because the same model is a different speed on 2 threads than on 8, or on the GPU.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.backend import (
    Backend,
    BackendError,
    Done,
    Error,
    LoadInfo,
    LoadOptions,
    ModelRef,
    SamplingParams,
    Stats,
)
from app.core.paths import app_dirs

log = logging.getLogger(__name__)

BENCH_FILE = "benchmarks.json"
BENCH_VERSION = 1
PROMPT_TOKENS = 256
GENERATE_TOKENS = 64
MIN_GENERATED = 8  # fewer tokens than this give a meaningless rate: run again

_FILLER = (
    "The river town kept a ledger of every boat that passed, its cargo, its crew and the "
    "weather on the day. "
)
_TASK = (
    "Write a long, detailed story about the ledger, the boats and the people of the town. "
    "Do not stop early."
)
_store_lock = threading.Lock()


class BenchmarkError(Exception):
    """The benchmark could not run; the message is for the user."""


@dataclass(frozen=True)
class BenchResult:
    """One measurement of one model on this computer."""

    model_id: str
    threads: int
    device: str  # "CPU", or e.g. "CUDA 28/28" (backend and layers on the GPU)
    prompt_tokens: int
    prompt_tps: float
    generated_tokens: int
    generation_tps: float
    n_ctx: int
    engine_version: str
    measured_at: str  # ISO 8601, UTC

    @property
    def key(self) -> str:
        return benchmark_key(self.model_id, self.threads, self.device)


def benchmark_key(model_id: str, threads: int, device: str) -> str:
    return f"{model_id}|{threads}|{device}"


def device_label(info: LoadInfo) -> str:
    """How a load ran: "CPU", or the GPU backend with its share of layers."""
    if info.gpu_layers > 0 and info.device != "CPU":
        return f"{info.device} {info.gpu_layers}/{info.n_layers}"
    return "CPU"


def benchmarks_path() -> Path:
    return app_dirs().data / BENCH_FILE


def load_benchmarks(path: Path | None = None) -> dict[str, BenchResult]:
    """Every stored measurement; an unreadable file counts as none (it is only a cache)."""
    results: dict[str, BenchResult] = {}
    for key, row in read_result_rows(path or benchmarks_path(), "benchmark").items():
        try:
            results[key] = BenchResult(**row)
        except TypeError:
            continue
    return results


def read_result_rows(path: Path, what: str) -> dict[str, dict[str, Any]]:
    """The ``results`` rows of a store written by :func:`write_json_atomically`; a missing or
    unreadable file is none (the benchmark and evaluation stores only record measurements
    that can be taken again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s file %s: %s", what, path, exc)
        return {}
    rows = data.get("results", {}) if isinstance(data, dict) else {}
    if not isinstance(rows, dict):
        return {}
    return {str(k): v for k, v in rows.items() if isinstance(v, dict)}


def save_benchmark(result: BenchResult, path: Path | None = None) -> None:
    """Add or replace one measurement (atomic write: a crash never leaves half a file)."""
    path = path or benchmarks_path()
    with _store_lock:
        results = load_benchmarks(path)
        results[result.key] = result
        payload: dict[str, Any] = {
            "version": BENCH_VERSION,
            "results": {key: asdict(value) for key, value in sorted(results.items())},
        }
        write_json_atomically(path, payload)


def write_json_atomically(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` to ``path`` through a temporary file: a crash never leaves half a
    file (the benchmark and evaluation stores both keep results this way)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def known_speed(
    model_id: str,
    *,
    threads: int | None = None,
    device: str | None = None,
    results: dict[str, BenchResult] | None = None,
) -> BenchResult | None:
    """The measurement to show for a model: the matching set-up if there is one, else the
    most recent measurement of the model in any set-up."""
    results = results if results is not None else load_benchmarks()
    mine = [r for r in results.values() if r.model_id == model_id]
    if not mine:
        return None
    exact = [
        r
        for r in mine
        if (threads is None or r.threads == threads) and (device is None or r.device == device)
    ]
    return max(exact or mine, key=lambda r: r.measured_at)


def _prompt(backend: Backend, target_tokens: int) -> str:
    """About ``target_tokens`` tokens of text, counted with the model's own tokenizer."""
    nonce = secrets.token_hex(8)  # a fresh start: nothing can come from the KV cache
    head = f"Reference {nonce}. "
    fixed = backend.count_tokens(head + _TASK)
    step = max(1, backend.count_tokens(_FILLER))
    repeats = max(1, (target_tokens - fixed) // step)
    return head + _FILLER * repeats + _TASK


@dataclass(frozen=True)
class BenchStep:
    """What a benchmark is doing now; each face words it in its own language."""

    stage: str  # "loading" | "measuring"
    model: str
    run: int = 0

    def english(self) -> str:
        """The command line's wording."""
        if self.stage == "loading":
            return f"Loading {self.model}…"
        return f"Measuring speed (run {self.run})…"


def run_benchmark(
    backend: Backend,
    model: ModelRef,
    options: LoadOptions,
    *,
    prompt_tokens: int = PROMPT_TOKENS,
    generate_tokens: int = GENERATE_TOKENS,
    progress: Callable[[BenchStep], None] | None = None,
    save: bool = True,
) -> BenchResult:
    """Load ``model`` with ``options`` and measure it; the result is stored unless ``save``
    is False. Raises :class:`BenchmarkError` (or BackendError from the load)."""
    say = progress or (lambda _step: None)
    say(BenchStep("loading", model.label))
    info = backend.load(model, options)
    prompt_tokens = max(16, min(prompt_tokens, info.n_ctx - generate_tokens - 64))
    text = _prompt(backend, prompt_tokens)
    params = SamplingParams(temperature=0.8, top_p=0.95, max_tokens=generate_tokens, seed=7)
    stats: Stats | None = None
    for attempt in range(2):
        say(BenchStep("measuring", model.label, attempt + 1))
        stats = _one_run(backend, text, params)
        if stats.generated_tokens >= MIN_GENERATED:
            break
        text = _prompt(backend, prompt_tokens)  # the model stopped early: a new prompt
    assert stats is not None
    evaluated = stats.prompt_tokens - stats.cached_tokens
    if stats.prompt_eval_s <= 0 or evaluated <= 0 or stats.tokens_per_s <= 0:
        raise BenchmarkError(
            f"{model.label} produced too little output to measure "
            f"({stats.generated_tokens} tokens). Try the benchmark again."
        )
    result = BenchResult(
        model_id=info.model_id or model.model_id or model.path.name,
        threads=info.n_threads,
        device=device_label(info),
        prompt_tokens=evaluated,
        prompt_tps=round(evaluated / stats.prompt_eval_s, 1),
        generated_tokens=stats.generated_tokens,
        generation_tps=round(stats.tokens_per_s, 1),
        n_ctx=info.n_ctx,
        engine_version=info.engine_version,
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if save:
        save_benchmark(result)
    return result


def _one_run(backend: Backend, text: str, params: SamplingParams) -> Stats:
    stats: Stats | None = None
    error: str | None = None
    reason = ""
    for event in backend.stream([{"role": "user", "content": text}], params):
        if isinstance(event, Stats):
            stats = event
        elif isinstance(event, Error):
            error = event.message
        elif isinstance(event, Done):
            reason = event.reason
    if error is not None:
        raise BackendError(error)
    if stats is None or reason == "cancelled":
        raise BenchmarkError("The benchmark was stopped before it finished.")
    return stats
