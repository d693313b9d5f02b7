"""Sentiment quality on public labelled reviews, against VADER, and its batch throughput.

The data: the ground truth of Hutto & Gilbert (ICWSM 2014), shipped in ``vaderSentiment``'s
sdist on PyPI (``scripts/fetch_sentiment_data.py``): movie-review snippets and Amazon
product-review sentences, each the mean of ten people's ratings from -4 to +4. "Clearly
polar" items are those whose mean rating is at least ``POLAR`` away from 0 (the raters agree
on a sign, beyond "slightly"); a fixed, evenly spaced sample of ``ITEMS`` of them per set is
scored, so every run reads the same items.

Sign accuracy counts an item right when the label has the raters' sign: "neutral" or
"mixed" on a clearly polar item is wrong, for Parley and for VADER alike (VADER's usual
cut-offs: compound >= 0.05 positive, <= -0.05 negative, neutral between).

Rows, with the 0.5B model of the test suite (and the starter model for information):

* sign accuracy of Parley's batch sentiment minus VADER's, in points (target: >= 25), with
  the figures of the generating path (four labels under a grammar, the pipeline before
  scoring) beside them;
* batch throughput, items/s scored against items/s generated on the same items (target:
  no lower, ratio >= 1). The scored side is the pipeline as it runs, batched in the engine
  since issue 14; ``bench/throughput.py`` compares batched with one text at a time.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from app.core.backend import LoadOptions, ModelRef
from app.core.paths import starter_model_path
from app.core.pipelines.sentiment import BatchRow, analyse_batch
from app.engine.local import LocalBackend

REPO = Path(__file__).resolve().parents[1]
THREADS = int(os.environ.get("PARLEY_BENCH_THREADS", "2"))
OPTIONS = LoadOptions(n_ctx=2048, n_batch=512, n_threads=THREADS, flash_attn=True)
POLAR = 1.0
ITEMS = 200
SETS = {
    "movie reviews": "movieReviewSnippets_GroundTruth.txt",
    "product reviews": "amazonReviewSnippets_GroundTruth.txt",
}
TARGET_POINTS = 25


def _scripts() -> None:
    if str(REPO / "scripts") not in sys.path:
        sys.path.insert(0, str(REPO / "scripts"))


def load_items(folder: Path, name: str) -> list[tuple[str, str]]:
    """(text, gold sign) for an evenly spaced sample of the set's clearly polar items."""
    polar: list[tuple[str, str]] = []
    with (folder / name).open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < 3:
                continue
            rating = float(fields[1])
            if abs(rating) >= POLAR and fields[2].strip():
                polar.append((fields[2].strip(), "positive" if rating > 0 else "negative"))
    step = max(1, len(polar) // ITEMS)
    return polar[::step][:ITEMS]


def vader_labels(folder: Path, texts: Sequence[str]) -> list[str]:
    """VADER's label of each text, with the cut-offs its authors recommend."""
    sys.path.insert(0, str(folder))
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    finally:
        sys.path.remove(str(folder))
    analyser = SentimentIntensityAnalyzer()
    labels = []
    for text in texts:
        compound = analyser.polarity_scores(text)["compound"]
        labels.append(
            "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
        )
    return labels


class GeneratingOnly:
    """The real backend without its scoring: the pipeline falls back to generating labels."""

    def __init__(self, inner: LocalBackend) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "score_choices":
            raise AttributeError(name)
        return getattr(self.inner, name)


def accuracy(labels: Sequence[str], gold: Sequence[str]) -> float:
    return sum(a == b for a, b in zip(labels, gold, strict=True)) / len(gold)


def _timed(run: Callable[[], list[BatchRow]]) -> tuple[list[str], float]:
    started = time.perf_counter()
    rows = run()
    return [row.label for row in rows], time.perf_counter() - started


def _model_rows(name: str, path: Path, folder: Path, target: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as logs:
        backend = LocalBackend(log_dir=Path(logs))
        try:
            backend.load(ModelRef(path, model_id=name), OPTIONS)
            for set_name, file_name in SETS.items():
                items = load_items(folder, file_name)
                texts = [text for text, _gold in items]
                gold = [g for _text, g in items]
                vader = accuracy(vader_labels(folder, texts), gold)
                generating: Any = GeneratingOnly(backend)
                scored, scored_s = _timed(partial(analyse_batch, backend, texts))
                generated, generated_s = _timed(partial(analyse_batch, generating, texts))
                ours, before = accuracy(scored, gold), accuracy(generated, gold)
                common = {"model": name, "items": len(items), "polar": f"|rating| >= {POLAR}"}
                rows.append({
                    "benchmark": f"sentiment sign accuracy on {set_name}, minus VADER's",
                    "value": round(100 * (ours - vader), 1),
                    "unit": "points",
                    "baseline": None,
                    "ratio": None,
                    "target": f">= {TARGET_POINTS}" if target else None,
                    "parley": f"{100 * ours:.1f}%",
                    "vader": f"{100 * vader:.1f}%",
                    "generated_labels": f"{100 * before:.1f}%",
                    "labels": " ".join(f"{k}:{v}" for k, v in sorted(Counter(scored).items())),
                    **common,
                })  # fmt: skip
                rows.append({
                    "benchmark": f"batch sentiment on {set_name}: scored vs generated labels",
                    "value": round(len(items) / scored_s, 2),
                    "unit": "items/s",
                    "baseline": round(len(items) / generated_s, 2),
                    "ratio": round(generated_s / scored_s, 3),
                    "target": 1.0 if target else None,
                    **common,
                })  # fmt: skip
        finally:
            backend.close()
    return rows


def run() -> list[dict[str, Any]]:
    _scripts()
    from fetch_sentiment_data import ensure_data
    from fetch_test_model import ensure_model

    folder = ensure_data()
    rows = _model_rows("qwen2.5-coder-0.5b", ensure_model(), folder, target=True)
    rows += _model_rows("starter", starter_model_path(), folder, target=False)
    return rows


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    for row in run():
        print(row, flush=True)
