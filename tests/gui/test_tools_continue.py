"""Long jobs in the window with the real starter model: the notes of each part appear as the
part is done, the bar says how long the job has run and how long it has left, Stop keeps the
finished parts, and Continue finishes the same run from the next part."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from app.core.history import HistoryStore
from app.core.pipelines.translate_parts import line_retry
from app.gui.tools.summarise import SummarisePane
from app.gui.tools.translate import TranslatePane
from tests.gui.conftest import REAL_OPTIONS, AppFactory, find
from tests.gui.tools_helpers import (
    SMALL_CONTEXT,
    long_document,
    open_section,
    start,
    type_document,
    wait_done,
    wait_plan,
)

pytestmark = pytest.mark.slow


def test_stopped_summary_keeps_its_notes_and_continues_in_the_same_run(
    make_app: AppFactory,
    qtbot: QtBot,
    seeded_store: Callable[[], HistoryStore],
    tmp_path: Path,
) -> None:
    window = make_app(options=SMALL_CONTEXT).window
    pane = open_section(window, qtbot, "Summarise")
    assert isinstance(pane, SummarisePane)
    pane.notes_tokens = 64  # enough writing per part (the context allows 64) for a speed
    document = long_document(40)
    type_document(pane, document)
    plan = wait_plan(pane, qtbot)
    parts = int(plan.rsplit("—", 1)[1].split()[0])
    assert parts >= 3

    start(pane, qtbot, "Summarise document")
    progress = find(pane, "Progress")
    seen: set[tuple[str, int, str]] = set()

    def first_notes() -> bool:
        seen.add((progress.format(), progress.value(), pane.run_bar.timing.text()))
        return len(pane.notes.entries) >= 1

    # The first part's notes show under the result while the second part is read.
    qtbot.waitUntil(first_notes, timeout=120_000)
    assert pane.notes.isVisible() and pane.notes.toggle.text() == "Notes (1)"
    pane.grab().save(str(tmp_path / "notes.png"))
    qtbot.mouseClick(find(pane, "Stop", QPushButton), Qt.MouseButton.LeftButton)
    wait_done(pane, qtbot, timeout=60_000)
    # The bar named the part and moved within it; beside it, the time run, the speed once
    # tokens were written, and an estimate of the time left.
    first = [(value, timing) for name, value, timing in seen if name == f"Part 1 of {parts}"]
    assert len({value for value, _ in first}) > 1, seen
    assert any(re.match(r"\d+:\d\d · [\d.]+ tokens/s", timing) for _, _, timing in seen), seen
    assert any(timing.endswith("left") for _, _, timing in seen), seen

    [run] = seeded_store().list_tool_runs("summarise")
    assert run.status == "stopped"
    kept = run.extra["done_parts"]
    assert kept and kept[0]["index"] == 1 and kept[0]["total"] == parts
    assert kept[0]["data"].split()[0] in pane.notes.body.toPlainText()
    resume = find(pane, "Continue the run", QPushButton)
    assert resume.isVisible()
    assert not find(pane, "Summarise document", QPushButton).isHidden()

    qtbot.mouseClick(resume, Qt.MouseButton.LeftButton)
    assert pane.job is not None, pane.banner.label.text()
    assert not resume.isVisible()
    # The kept notes are back at once, before any model call.
    qtbot.waitUntil(lambda: len(pane.notes.entries) >= len(kept), timeout=10_000)
    wait_done(pane, qtbot)
    pane.notes.toggle.setChecked(True)
    pane.grab().save(str(tmp_path / "continued.png"))

    runs = seeded_store().list_tool_runs("summarise")
    assert [r.id for r in runs] == [run.id]  # the same run, continued
    done = runs[0]
    assert done.status == "complete", done.extra
    assert done.output.strip()
    assert done.extra["resumed_parts"] >= len(kept)
    assert done.extra["parts"] == parts
    assert len(done.extra["notes"]) == parts and len(pane.notes.entries) == parts
    assert "done_parts" not in done.extra
    assert not resume.isVisible()
    summary = find(pane, "Result", QTextBrowser).toPlainText()
    assert summary.strip()


def test_translate_says_which_line_is_tried_again_and_lists_each_retry(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    window = make_app(options=REAL_OPTIONS).window
    pane = open_section(window, qtbot, "Translate")
    assert isinstance(pane, TranslatePane)
    type_document(pane, "The cat sleeps.\n\nThe dog eats.")
    start(pane, qtbot, "Translate document")
    job = pane.job
    assert job is not None
    # What the pipeline says when it sends a line again (tests/core covers when it does).
    job.feed.push(line_retry(2, 3, 7, "untranslated"))
    job.feed.push(line_retry(2, 0, 8, "glossary"))
    qtbot.waitUntil(
        lambda: (
            pane.run_bar.plan.full_text()
            == "part 2: paragraph 8 ignored glossary terms, trying again"
        ),
        timeout=10_000,
    )
    assert pane.retries.isVisible() and pane.retries.toggle.text() == "Retries (2)"
    pane.retries.toggle.setChecked(True)
    listed = pane.retries.body.toPlainText()
    assert "Part 2, line 3" in listed and "came back untranslated" in listed
    assert "Part 2, paragraph 8" in listed
    wait_done(pane, qtbot)
    # Once the run ends the list is the run's own record of retries, saved with it.
    run = pane.store.get_tool_run(job.run_id) if pane.store and job.run_id else None
    assert run is not None
    assert len(pane.retries.entries) == len(run.extra["retry_log"]) == run.extra["retries"]
    # The plan line said what the run was doing; once it ends it shows the plan again.
    qtbot.waitUntil(lambda: "at a time" in pane.run_bar.plan.full_text(), timeout=10_000)
