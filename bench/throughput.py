"""Throughput of work done as several sequences in one llama.cpp batch (issue 14).

Batch sentiment: the same texts labelled by the same pipeline on the same loaded model, once
with the engine's batched scoring (``LocalBackend.score_choices_many``: the shared
instructions evaluated once, the items packed into one batch as sequences of their own) and
once one text per request (the backend with its batched scoring hidden, so the pipeline falls
back to ``score_choices``). The row is items/s batched against items/s one at a time (target:
ratio >= 1.8), with how many labels the two agree on (the issue asks for >= 98 %).

The texts are the sentiment benchmark's (:mod:`bench.sentiment`): clearly polar public
review snippets, half movie reviews, half product reviews, ``PARLEY_BENCH_ITEMS`` of them
(200 by default; a smaller number makes a quick smoke run). Both paths first label a few
texts untimed, so the model's calibration and the cached instruction prefix are in place
before either is timed. ``PARLEY_BENCH_THROUGHPUT_MODELS`` chooses the models
(``second,starter`` by default: the 0.5B test model carries the target, the starter is
shown for information).

Parallel generation: ``PARALLEL`` short replies (greedy, ``PARALLEL_TOKENS`` tokens each)
generated together with ``LocalBackend.stream_many`` against the same replies one after
another, aggregate tokens/s (informational: the summarise and ``parley serve`` rows of the
issue build on it). The two must give the same text, which the row reports.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.core.backend import GenerationRequest, LoadOptions, ModelRef, SamplingParams, Token
from app.core.paths import starter_model_path
from app.core.pipelines.sentiment import analyse_batch
from app.engine.local import LocalBackend
from bench.sentiment import SETS, load_items
from bench.sentiment import _scripts as add_scripts_path

THREADS = int(os.environ.get("PARLEY_BENCH_THREADS", "2"))
OPTIONS = LoadOptions(n_ctx=2048, n_batch=512, n_threads=THREADS, flash_attn=True)
ITEMS = int(os.environ.get("PARLEY_BENCH_ITEMS", "200"))
MODELS = os.environ.get("PARLEY_BENCH_THROUGHPUT_MODELS", "second,starter")
WARM_UP = 4
TARGET = 1.8
PARALLEL = 4
PARALLEL_TOKENS = 64
PROMPTS = (
    "Name three colours and say why you like them.",
    "Explain in a few sentences how a bicycle works.",
    "Write a short story about a lighthouse keeper.",
    "Describe a busy market in the morning.",
    "What should one pack for a week of hiking?",
    "Tell me about the moon.",
    "How do bees make honey?",
    "Give advice to someone learning to cook.",
)


class OneAtATime:
    """The real backend without its batched scoring: the pipeline scores text by text."""

    def __init__(self, inner: LocalBackend) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "score_choices_many":
            raise AttributeError(name)
        return getattr(self.inner, name)


def texts(folder: Path, n: int) -> list[str]:
    """``n`` texts, alternating between the two review sets."""
    sets = [[text for text, _gold in load_items(folder, name)] for name in SETS.values()]
    mixed = [text for pair in zip(*sets, strict=False) for text in pair]
    return mixed[:n]


def timed(backend: Any, items: Sequence[str]) -> tuple[list[str], float]:
    started = time.perf_counter()
    rows = analyse_batch(backend, items)
    return [row.label for row in rows], time.perf_counter() - started


def model_row(name: str, path: Path, items: Sequence[str], target: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as logs:
        backend = LocalBackend(log_dir=Path(logs))
        try:
            backend.load(ModelRef(path, model_id=name), OPTIONS)
            single: Any = OneAtATime(backend)
            analyse_batch(backend, items[:WARM_UP])
            analyse_batch(single, items[:WARM_UP])
            one, one_s = timed(single, items)
            batched, batched_s = timed(backend, items)
        finally:
            backend.close()
    agree = sum(a == b for a, b in zip(one, batched, strict=True)) / max(1, len(items))
    return {
        "benchmark": "batch sentiment, batched sequences vs one text at a time",
        "value": round(len(items) / batched_s, 2),
        "unit": "items/s",
        "baseline": round(len(items) / one_s, 2),
        "ratio": round(one_s / batched_s, 3),
        "target": TARGET if target else None,
        "model": name,
        "items": len(items),
        "same_label": f"{100 * agree:.1f}%",
        "threads": THREADS,
    }


def parallel_row(name: str, path: Path) -> dict[str, Any]:
    """Aggregate tokens/s of PARALLEL replies generated together against one at a time."""
    params = SamplingParams(temperature=0.0, max_tokens=PARALLEL_TOKENS)
    requests = [
        GenerationRequest(messages=({"role": "user", "content": p},), params=params)
        for p in PROMPTS[:PARALLEL]
    ]
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as logs:
        backend = LocalBackend(log_dir=Path(logs))
        try:
            backend.load(ModelRef(path, model_id=name), OPTIONS)
            list(backend.stream_many(requests[:2]))  # warm-up
            started = time.perf_counter()
            single = [
                "".join(
                    e.text for e in backend.stream(list(r.messages), params) if isinstance(e, Token)
                )
                for r in requests
            ]
            single_s = time.perf_counter() - started
            together = [""] * len(requests)
            started = time.perf_counter()
            for index, event in backend.stream_many(requests):
                if isinstance(event, Token):
                    together[index] += event.text
            together_s = time.perf_counter() - started
        finally:
            backend.close()
    n_tokens = PARALLEL * PARALLEL_TOKENS  # about: a reply may end before its budget
    return {
        "benchmark": f"{PARALLEL} replies generated together vs one after another",
        "value": round(n_tokens / together_s, 1),
        "unit": "tokens/s (about)",
        "baseline": round(n_tokens / single_s, 1),
        "ratio": round(single_s / together_s, 3),
        "target": None,
        "model": name,
        "same_text": sum(a == b for a, b in zip(single, together, strict=True)),
        "threads": THREADS,
    }


def run() -> list[dict[str, Any]]:
    add_scripts_path()
    from fetch_sentiment_data import ensure_data
    from fetch_test_model import ensure_model

    items = texts(ensure_data(), ITEMS)
    rows = []
    for model in (m.strip() for m in MODELS.split(",") if m.strip()):
        if model == "second":
            rows.append(model_row("qwen2.5-coder-0.5b", ensure_model(), items, target=True))
        elif model == "starter":
            rows.append(model_row("starter", starter_model_path(), items, target=False))
        else:
            raise SystemExit(f"PARLEY_BENCH_THROUGHPUT_MODELS: unknown model {model!r}")
    rows.append(parallel_row("starter", starter_model_path()))
    return rows


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    for row in run():
        print(row, flush=True)
