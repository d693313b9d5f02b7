"""Summarise through the window with the real starter model: plan, parts, Stop, history.

The model is loaded with a 512-token context so a short document needs several parts, and
the notes on each part are kept to a few dozen tokens: the map-reduce path runs in seconds.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from app.core.history import HistoryStore
from app.gui.tools.long_jobs import JobClock
from app.gui.tools.summarise import SummarisePane
from tests.gui.conftest import AppFactory, find
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


def test_multi_part_summary_shows_plan_and_progress_saves_and_reopens(
    make_app: AppFactory,
    qtbot: QtBot,
    seeded_store: Callable[[], HistoryStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    steps: list[str] = []  # every step the bar was given, in order
    begin_step = JobClock.begin_step

    def record_step(clock: JobClock, done: int, total: int, label: str) -> None:
        steps.append(label)
        begin_step(clock, done, total, label)

    monkeypatch.setattr(JobClock, "begin_step", record_step)
    window = make_app(options=SMALL_CONTEXT).window
    pane = open_section(window, qtbot, "Summarise")
    assert isinstance(pane, SummarisePane)
    pane.notes_tokens = 24
    find(pane, "Summary length", QComboBox).setCurrentIndex(0)  # short
    document = long_document(30)
    type_document(pane, document)
    plan = wait_plan(pane, qtbot)
    assert "the model reads" in plan and "parts" in plan and "1 part" not in plan
    parts = int(plan.rsplit("—", 1)[1].split()[0])
    assert parts >= 2

    start(pane, qtbot, "Summarise document")
    progress = find(pane, "Progress")
    assert find(pane, "Stop", QPushButton).isVisible()
    # Back in Chat, the status bar goes on showing the job, and a click on it returns.
    window.show_section(0)
    status = window.job_status
    qtbot.waitUntil(lambda: status.label.full_text().startswith("Summarise: Part"), timeout=60_000)
    assert status.isVisible() and status.bar.maximum() == progress.maximum()
    qtbot.mouseClick(status, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is pane
    seen: set[str] = set()
    shown: set[str] = set()

    def watch() -> bool:
        seen.add(progress.format())
        shown.add(status.label.full_text())
        return pane.job is None

    qtbot.waitUntil(watch, timeout=180_000)
    assert any(line.startswith(f"Part 1 of {parts}") for line in seen), seen
    # After the last part, the bar names the final pass while its prompt is read, then the
    # writing; it no longer stays on "Part N of N" until the first token.
    last_part = max(i for i, step in enumerate(steps) if step == f"Part {parts} of {parts}")
    after = list(dict.fromkeys(steps[last_part + 1 :]))
    assert after[-2:] == ["Reading the notes to write the summary…", "Writing the summary…"], steps
    assert any(f"of {parts} · " in line for line in shown), shown  # with the timing
    assert not find(pane, "Stop", QPushButton).isVisible()
    assert not status.isVisible()
    # The history shows the run as it ended, not as it was while running.
    runs_list = find(pane, "Saved runs")
    qtbot.waitUntil(lambda: runs_list.count() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: "Running" not in runs_list.item(0).text(), timeout=5_000)
    summary = find(pane, "Result", QTextBrowser).toPlainText()
    assert summary.strip(), (
        pane.banner.label.text(),
        seeded_store().list_tool_runs("summarise")[0],
    )

    store = seeded_store()
    [run] = store.list_tool_runs("summarise")
    assert run.status == "complete"
    assert run.input_text == document
    assert run.options["length"] == "short" and run.options["style"] == "bullets"
    assert run.model_id == window.load_info.model_id  # type: ignore[union-attr]
    assert run.output.strip()
    # The pane shows it rendered: a numbered or bulleted list loses its markers there.
    first_word = re.sub(r"^\s*(?:\d+[.)]|[-*+])\s+", "", run.output).split()[0]
    assert first_word in summary
    # Every part of the document was read: the parts' tokens add up to the document's (a
    # token or so per cut differs, where a word boundary tokenizes differently).
    assert run.extra["parts"] == parts
    assert abs(run.extra["tokens_read"] - run.extra["document_tokens"]) <= 2 * parts
    assert run.extra["model_calls"] >= parts + 1
    assert "read" in pane.result_header.meta.full_text()

    # Re-open it after clearing the pane: input, options and output come back.
    pane.input.clear()
    find(pane, "Summary length", QComboBox).setCurrentIndex(2)
    pane.reset_result()
    runs = find(pane, "Saved runs")
    qtbot.waitUntil(lambda: runs.count() == 1, timeout=10_000)
    item = runs.item(0)
    rect = runs.visualItemRect(item)
    qtbot.mouseClick(runs.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: pane.input.text() == document, timeout=10_000)
    assert find(pane, "Result", QTextBrowser).toPlainText().strip()
    assert find(pane, "Summary length", QComboBox).currentData() == "short"


def test_stop_mid_run_keeps_what_was_done_as_stopped(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    window = make_app(options=SMALL_CONTEXT).window
    pane = open_section(window, qtbot, "Summarise")
    assert isinstance(pane, SummarisePane)
    pane.notes_tokens = 48
    type_document(pane, long_document(60))
    wait_plan(pane, qtbot)
    start(pane, qtbot, "Summarise document")
    progress = find(pane, "Progress")
    qtbot.waitUntil(lambda: progress.format().startswith("Part 1 of"), timeout=60_000)
    qtbot.mouseClick(find(pane, "Stop", QPushButton), Qt.MouseButton.LeftButton)
    wait_done(pane, qtbot, timeout=20_000)
    assert find(pane, "Summarise document", QPushButton).isVisible()
    assert find(pane, "Run status").text() == "Stopped"
    store = seeded_store()
    [run] = store.list_tool_runs("summarise")
    assert run.status == "stopped"
    assert run.extra["parts"] < int(pane.run_bar.progress.maximum()) + 1
    assert run.extra["tokens_read"] < run.extra["document_tokens"]


def test_the_window_and_the_command_line_save_the_same_run_record(
    make_app: AppFactory,
    qtbot: QtBot,
    seeded_store: Callable[[], HistoryStore],
    parley_home: Path,
    tmp_path: Path,
) -> None:
    """One summarise job from each face: the same options and the same details are kept
    (app.core.runs), so the run list reads the same wherever a job ran."""
    document = long_document(3)
    window = make_app().window
    pane = open_section(window, qtbot, "Summarise")
    assert isinstance(pane, SummarisePane)
    find(pane, "Summary length", QComboBox).setCurrentIndex(0)  # short
    type_document(pane, document)
    wait_plan(pane, qtbot)
    start(pane, qtbot, "Summarise document")
    qtbot.waitUntil(lambda: pane.job is None, timeout=180_000)

    source = tmp_path / "facts.txt"
    source.write_text(document, encoding="utf-8")
    env = dict(os.environ, PARLEY_HOME=str(parley_home))
    command = [str(Path(sys.executable).with_name("parley")), "summarise", str(source)]
    result = subprocess.run(
        [*command, "--length", "short", "--style", "key-points"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    newest, oldest = seeded_store().list_tool_runs("summarise")
    cli_run, gui_run = newest, oldest
    assert cli_run.status == gui_run.status == "complete"
    # Keys only a run that had one keeps (a withdrawn answer, a cut-off, a continued run)
    # depend on what the model wrote, which differs between two sampled runs.
    optional = {"retry", "cut_off", "resumed_parts"}
    assert set(cli_run.extra) - optional == set(gui_run.extra) - optional
    assert {k: v for k, v in cli_run.options.items() if k != "source"} == gui_run.options
    assert cli_run.options["style"] == "bullets"
