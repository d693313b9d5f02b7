"""The status bar's view of running tool jobs, driven through real run bars: the newest
report is shown with its step and timing, a second job is counted, a job that ends goes,
and a click opens the job's page. (The real-model run is in test_tools_summarise.)"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow
from pytestqt.qtbot import QtBot

from app.gui.job_status import JobStatus
from app.gui.tools.runs import RunBar


def test_running_jobs_are_shown_newest_first_and_go_when_they_end(qtbot: QtBot) -> None:
    status = JobStatus()
    qtbot.addWidget(status)
    opened: list[str] = []
    summary, translation = RunBar("Summarise document"), RunBar("Translate document")
    for bar in (summary, translation):
        qtbot.addWidget(bar)
    status.watch("Summarise", summary, lambda: opened.append("Summarise"))
    status.watch("Translate", translation, lambda: opened.append("Translate"))
    assert status.isHidden()

    summary.set_running(True)
    assert not status.isHidden() and status.label.full_text() == "Summarise: Starting…"
    assert status.bar.maximum() == 0  # busy, not yet a share
    summary.set_step(250, 1000, "Part 2 of 4")
    summary.set_timing("0:42 · 9.5 tokens/s")
    assert status.label.full_text() == "Summarise: Part 2 of 4 · 0:42 · 9.5 tokens/s"
    assert (status.bar.value(), status.bar.maximum()) == (250, 1000)

    translation.set_running(True)
    translation.set_step(1, 3, "Part 1 of 3")
    assert status.label.full_text() == "Translate: Part 1 of 3 (+1 more)"
    qtbot.mouseClick(status, Qt.MouseButton.LeftButton)
    assert opened == ["Translate"]

    translation.set_running(False)
    assert status.label.full_text().startswith("Summarise: Part 2 of 4")
    summary.set_stopping()
    assert status.label.full_text().startswith("Summarise: Stopping…")
    summary.set_running(False)
    assert status.isHidden()


def test_a_long_job_line_ends_in_an_ellipsis_in_a_narrow_status_bar(qtbot: QtBot) -> None:
    # A 1,180-px window cut "under a minute left" mid-phrase in the Chinese UI.
    window = QMainWindow()
    qtbot.addWidget(window)
    status, bar = JobStatus(), RunBar("Summarise document")
    qtbot.addWidget(bar)
    window.statusBar().addWidget(status)
    window.statusBar().addPermanentWidget(QLabel("SmolLM2 135M Instruct (starter)"))
    status.watch("Summarise", bar, lambda: None)
    bar.set_running(True)
    bar.set_step(1, 2, "Reading the notes to write the summary…")
    bar.set_timing("0:03 · 38.5 tokens/s · under a minute left")
    window.resize(520, 200)
    window.show()
    qtbot.waitExposed(window)
    whole = status.label.full_text()
    assert whole.endswith("under a minute left")
    assert status.label.text().endswith("…") and status.label.text()[:-1] in whole
    assert status.label.toolTip() == whole
    # With room, the whole line shows.
    window.resize(1400, 200)
    qtbot.waitUntil(lambda: status.label.text() == whole, timeout=5_000)
