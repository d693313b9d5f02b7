"""Tool pipeline benchmarks: what the pipelines cost on top of the model.

* Summarising a 20,000-token document (map-reduce over the starter model), twice on the same
  loaded model: one call after another (the backend's parallel generation hidden, as before
  issue 14), then with the parts and combine rounds read together
  (``app.core.pipelines.many_calls``). Rows: wall time together ÷ one at a time (target
  <= 0.7), and, from the sequential run, the share of its time spent outside the model
  (splitting, token counting, prompt building, the pipe), where the model's own time is
  prompt evaluation plus generation as the engine reports it in ``Stats`` (target < 5 %; in
  the parallel run calls overlap, so their model times add up to more than the wall time).
* Batch sentiment: items per second for 100 short reviews (one grammar-constrained label call
  each, with token probabilities for the confidence).
* The price of a grammar that admits almost any token (the one-line grammar the translation
  pipeline uses for retries): decode speed with it against without it, best of three
  alternating rounds because the machines are shared and noisy. It is one reason whole parts
  are translated without a grammar.

Run alone with ``python -m bench.tools``; ``run()`` returns rows for ``python -m bench``.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from app.core.backend import (
    ChatMessage,
    LoadOptions,
    ModelRef,
    SamplingParams,
    Stats,
    Token,
)
from app.core.paths import starter_model_path
from app.core.pipelines.sentiment import analyse_batch
from app.core.pipelines.summarise import SummaryResult, summarise_document
from app.core.prompts.translate import lines_grammar
from app.engine.local import LocalBackend

THREADS = int(os.environ.get("PARLEY_BENCH_THREADS", "2"))
OPTIONS = LoadOptions(n_ctx=4096, n_batch=512, n_threads=THREADS, flash_attn=True)
DOCUMENT_TOKENS = 20_000
BATCH_ITEMS = 100
ROUNDS = 3


class CountingBackend:
    """The real backend, timing the token counting the pipeline asks for."""

    def __init__(self, inner: LocalBackend) -> None:
        self.inner = inner
        self.count_seconds = 0.0
        self.count_calls = 0

    def count_tokens(self, text: str) -> int:
        started = time.perf_counter()
        try:
            return self.inner.count_tokens(text)
        finally:
            self.count_seconds += time.perf_counter() - started
            self.count_calls += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def make_document(backend: LocalBackend, tokens: int, seed: int = 11) -> str:
    """Varied report-like prose of at least ``tokens`` tokens of the loaded model."""
    rng = random.Random(seed)
    subjects = ["The committee", "Our field team", "The city library", "A local school", "Staff"]
    verbs = ["reviewed", "measured", "rebuilt", "catalogued", "inspected", "funded", "surveyed"]
    objects = [
        "the north bridge",
        "forty street lamps",
        "the river banks",
        "the archive",
        "twelve classrooms",
        "the water supply",
    ]
    paragraphs: list[str] = []
    total = 0
    while total < tokens:
        sentences = [
            f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} in "
            f"{rng.choice(['March', 'June', 'October'])} {rng.randint(2001, 2024)}, "
            f"at a cost of {rng.randint(2, 90)},000 euros."
            for _ in range(rng.randint(5, 9))
        ]
        paragraph = f"Item {len(paragraphs) + 1}. " + " ".join(sentences)
        paragraphs.append(paragraph)
        total += backend.count_tokens(paragraph + "\n\n")
    return "\n\n".join(paragraphs)


class OneCallAtATime(CountingBackend):
    """The counting backend without parallel generation: the pipeline's calls run in turn."""

    def __getattr__(self, name: str) -> Any:
        if name in ("stream_many", "cancel_sequence"):
            raise AttributeError(name)
        return getattr(self.inner, name)


def _timed_summary(backend: CountingBackend, text: str) -> tuple[SummaryResult, float]:
    started = time.perf_counter()
    events = list(summarise_document(backend, text, length="medium"))
    wall = time.perf_counter() - started
    result = events[-1]
    assert isinstance(result, SummaryResult) and result.status == "complete", result
    return result, wall


def _summary_rows(backend: LocalBackend) -> list[dict[str, Any]]:
    text = make_document(backend, DOCUMENT_TOKENS)
    counting = OneCallAtATime(backend)
    result, wall = _timed_summary(counting, text)
    together, together_wall = _timed_summary(CountingBackend(backend), text)
    overhead = (wall - result.model_seconds) / wall
    common = {
        "document_tokens": result.document_tokens,
        "parts": result.parts,
        "model_calls": result.model_calls,
        "tokens_read": result.tokens_read,
    }
    return [
        {
            "benchmark": f"summarise a {result.document_tokens:,}-token document "
            f"({result.parts} parts, {result.model_calls} model calls): time outside the model",
            "value": round(overhead * 100, 2),
            "unit": "%",
            "baseline": None,
            "ratio": None,
            "target": "< 5",
            "wall_s": round(wall, 1),
            "model_s": round(result.model_seconds, 1),
            "count_tokens_s": round(counting.count_seconds, 2),
            "count_calls": counting.count_calls,
            **common,
        },
        {
            "benchmark": f"summarise a 20,000-token document ({result.parts} parts): wall "
            "time, parts and combines read together vs one call at a time",
            "value": round(together_wall, 1),
            "unit": "s",
            "baseline": round(wall, 1),
            "ratio": round(together_wall / wall, 3),
            "target": "ratio <= 0.7",
            "model_calls_together": together.model_calls,
            "combine_rounds": [result.combine_rounds, together.combine_rounds],
            **common,
        },
    ]


def _batch_rows(backend: LocalBackend) -> list[dict[str, Any]]:
    rng = random.Random(5)
    good = ["Great value", "I love it", "Works perfectly", "Fast delivery, happy"]
    bad = ["Broke after a day", "Terrible support", "Waste of money", "Arrived damaged"]
    items = [f"{rng.choice(good + bad)}, order {i}." for i in range(BATCH_ITEMS)]
    started = time.perf_counter()
    rows = analyse_batch(backend, items)
    elapsed = time.perf_counter() - started
    assert len(rows) == BATCH_ITEMS and all(row.label for row in rows)
    return [
        {
            "benchmark": f"batch sentiment, {BATCH_ITEMS} short reviews (label + confidence)",
            "value": round(BATCH_ITEMS / elapsed, 1),
            "unit": "items/s",
            "baseline": None,
            "ratio": None,
            "target": None,
        }
    ]


def _decode_rate(backend: LocalBackend, grammar: str | None) -> float:
    messages = [
        ChatMessage(role="user", content="Write one long sentence about the history of bridges.")
    ]
    first = last = 0.0
    tokens = 0
    params = SamplingParams(temperature=0.0, max_tokens=64, seed=1)
    for event in backend.stream(messages, params, grammar=grammar):
        if isinstance(event, Token):
            now = time.perf_counter()
            first = first or now
            last = now
            tokens += 1
        elif isinstance(event, Stats) and event.generated_tokens:
            tokens = event.generated_tokens
    return (tokens - 1) / (last - first) if tokens > 1 and last > first else 0.0


def _grammar_rows(backend: LocalBackend) -> list[dict[str, Any]]:
    plain: list[float] = []
    constrained: list[float] = []
    for _ in range(ROUNDS):
        plain.append(_decode_rate(backend, None))
        constrained.append(_decode_rate(backend, lines_grammar(1)))
    best_plain, best_constrained = max(plain), max(constrained)
    return [
        {
            "benchmark": f"decode speed under the one-line grammar vs none (best of {ROUNDS})",
            "value": round(best_constrained, 1),
            "unit": "tokens/s",
            "baseline": round(best_plain, 1),
            "ratio": round(best_constrained / best_plain, 3) if best_plain else None,
            "target": None,
        }
    ]


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as logs:
        backend = LocalBackend(log_dir=Path(logs))
        try:
            backend.load(ModelRef(starter_model_path(), model_id="starter"), OPTIONS)
            rows = _grammar_rows(backend)
            rows += _batch_rows(backend)
            rows += _summary_rows(backend)
        finally:
            backend.close()
    return rows


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    for row in run():
        print(row)
