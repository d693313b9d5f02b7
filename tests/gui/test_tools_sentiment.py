"""Sentiment through the window with the real starter model: one text, and a batch with a
table, a chart and CSV export."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QTableWidget
from pytestqt.qtbot import QtBot

from app.core.history import HistoryStore
from app.gui.tools.sentiment import SentimentPane
from app.gui.tools.sentiment_views import LABEL_ORDER
from tests.gui.conftest import REAL_OPTIONS, AppFactory, find
from tests.gui.tools_helpers import open_section, start, type_document, wait_done

pytestmark = pytest.mark.slow

REVIEWS = [
    "I love this phone, the battery lasts for days.",
    "Terrible service, the food was cold and the waiter was rude.",
    "The package arrived on Tuesday.",
    "Great screen but the speakers are awful.",
    "Absolutely wonderful hotel, we will come back!",
]


def test_batch_lines_fill_a_table_and_export_csv(
    make_app: AppFactory,
    qtbot: QtBot,
    seeded_store: Callable[[], HistoryStore],
    tmp_path: Path,
) -> None:
    window = make_app(options=REAL_OPTIONS).window
    pane = open_section(window, qtbot, "Sentiment")
    assert isinstance(pane, SentimentPane)
    mode = find(pane, "Analyse as", QComboBox)
    mode.setCurrentIndex(mode.findData("lines"))
    type_document(pane, "\n".join(REVIEWS) + "\n\n")
    qtbot.waitUntil(lambda: "5 items" in pane.run_bar.plan.full_text(), timeout=10_000)
    start(pane, qtbot, "Analyse sentiment")
    wait_done(pane, qtbot)

    table = find(pane, "Results table", QTableWidget)
    assert table.rowCount() == len(REVIEWS)
    labels = {table.item(row, 2).text().lower() for row in range(table.rowCount())}
    assert labels <= set(LABEL_ORDER)
    texts = sorted(table.item(row, 1).text() for row in range(table.rowCount()))
    assert texts == sorted(REVIEWS)
    for row in range(table.rowCount()):
        confidence = table.item(row, 3).text()
        assert confidence.endswith("%") and 0 < int(confidence[:-1]) <= 100

    target = tmp_path / "reviews.csv"
    proposed: list[str] = []
    pane.ask_save = lambda _title, name, _filters: proposed.append(name) or str(target)
    find(pane, "Export CSV", QPushButton).click()
    # Pasted text: the tool and the date, never "sentiment-sentiment.csv".
    assert proposed == [f"sentiment-{date.today().isoformat()}.csv"]
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["text"] for row in rows] == REVIEWS
    assert all(row["label"] in LABEL_ORDER for row in rows)
    assert all(0 < float(row["confidence"]) <= 1 for row in rows)

    store = seeded_store()
    [run] = store.list_tool_runs("sentiment")
    assert run.status == "complete"
    assert run.options["lines"] is True and run.extra["items"] == len(REVIEWS)
    assert run.output.splitlines()[0] == "line,text,label,confidence,error"


def test_one_text_gets_label_confidence_and_sentences(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    window = make_app(options=REAL_OPTIONS).window
    pane = open_section(window, qtbot, "Sentiment")
    type_document(pane, "The hotel room was spotless. The breakfast, however, was awful.")
    qtbot.waitUntil(lambda: "at a time" in pane.run_bar.plan.full_text(), timeout=60_000)
    start(pane, qtbot, "Analyse sentiment")
    seen: set[str] = set()

    def watch() -> bool:
        seen.add(pane.run_bar.progress.format())
        return pane.job is None

    qtbot.waitUntil(watch, timeout=120_000)
    assert any(text.startswith("Step 1 of") for text in seen)
    overall = find(pane, "Overall sentiment", QLabel).text().lower()
    assert overall in LABEL_ORDER
    assert "confidence" in find(pane, "Confidence", QLabel).text()
    store = seeded_store()
    [run] = store.list_tool_runs("sentiment")
    assert run.status == "complete"
    saved = run.extra["result"]
    assert saved["label"] == overall
    assert len(saved["sentences"]) == 2
    assert all(s["label"] in LABEL_ORDER for s in saved["sentences"])
