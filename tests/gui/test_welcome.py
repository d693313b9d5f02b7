"""First run (welcome page with a model recommendation) and the polish around it:
the shortcuts sheet and notifications for finished long jobs."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QTableWidget
from pytestqt.qtbot import QtBot

from app.core.catalogue import load_catalogue
from app.core.fit import fit_for_entry
from app.core.hardware import HardwareInfo
from app.core.settings import load_settings
from app.gui.welcome import WelcomePage, recommend, show_welcome_on_first_run
from tests.gui.conftest import AppFactory, ScriptedBackend, find

GB = 10**9


def _hardware(ram_gb: float, cores: int) -> HardwareInfo:
    return HardwareInfo(
        os_name="Linux",
        machine="x86_64",
        cpu_name="test CPU",
        physical_cores=cores,
        logical_cores=cores,
        instruction_sets=("AVX2",),
        ram_total_bytes=int(ram_gb * GB),
        ram_available_bytes=int(ram_gb * GB * 0.8),
        gpu_backend=None,
        gpu_backend_source="not installed",
    )


def test_recommendation_follows_memory_and_speed() -> None:
    entries = load_catalogue()

    def pick(hardware: HardwareInfo) -> str | None:
        fits = {e.id: fit_for_entry(e, hardware, 4096) for e in entries}
        found = recommend(entries, fits, hardware)
        return found.entry.id if found else None

    small = pick(_hardware(4, 2))
    big = pick(_hardware(64, 16))
    assert small is not None and big is not None
    by_id = {e.id: e for e in entries}
    # A bigger computer gets a more capable model; both speak Chinese and English.
    assert by_id[big].params_b > by_id[small].params_b
    for model_id in (small, big):
        assert {"zh", "en"} <= set(by_id[model_id].languages)
        assert not by_id[model_id].builtin
    # Nothing fits in 0.3 GB: no recommendation rather than a model that cannot load.
    assert pick(_hardware(0.3, 2)) is None


def test_measured_speed_overrides_the_estimate() -> None:
    from app.core.model_bench import BenchResult

    entries = load_catalogue()
    hardware = _hardware(64, 16)
    fits = {e.id: fit_for_entry(e, hardware, 4096) for e in entries}
    first = recommend(entries, fits, hardware)
    assert first is not None and not first.measured
    slow = BenchResult(first.entry.id, 16, "CPU", 64, 10.0, 16, 0.5, 4096, "x", "2026-01-01")
    second = recommend(entries, fits, hardware, speeds={first.entry.id: slow})
    assert second is not None and second.entry.id != first.entry.id


def test_welcome_shows_once_and_download_hands_over(
    make_app: AppFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = make_app(ScriptedBackend())
    window = parts.window
    assert load_settings().settings.show_welcome
    page = show_welcome_on_first_run(window)
    assert isinstance(page, WelcomePage)
    assert not load_settings().settings.show_welcome  # shown once
    assert show_welcome_on_first_run(window) is None
    qtbot.waitUntil(lambda: page.ready, timeout=30_000)
    texts = " ".join(
        find(page, name).text()
        for name in ("What Parley does", "About the starter model", "Recommended model")
    )
    assert "English only" in texts and "this computer" in texts
    rec = page.recommendation
    assert rec is not None  # this machine has the memory for a catalogue model
    assert find(page, "Recommended model").text() == rec.entry.name
    # The recommendation on this machine is a Qwen3, which thinks: the page says so.
    why = find(page, "Why this model").text()
    if rec.entry.reasoning == "switchable":
        assert "Thinks before it answers" in why and "Think switch" in why
    else:
        assert "Thinks" not in why
    button = find(page, "Download recommended model")
    assert button.isEnabled()

    started: list[str] = []
    # The Models page owns downloads (tested there); here only the hand-over is checked.
    monkeypatch.setattr(window.models_page, "start_download", lambda e: started.append(e.id))
    button.click()
    assert started == [rec.entry.id]
    assert window.stack.currentWidget() is window.models_page
    assert page.result() == QDialog.DialogCode.Accepted


def test_welcome_again_from_help_and_skip(make_app: AppFactory, qtbot: QtBot) -> None:
    window = make_app(ScriptedBackend()).window
    window.welcome_action.trigger()  # type: ignore[attr-defined]
    page = window.welcome_dialog  # type: ignore[attr-defined]
    assert page.isVisible()
    qtbot.waitUntil(lambda: page.ready, timeout=30_000)
    find(page, "Skip").click()
    assert page.result() == QDialog.DialogCode.Rejected
    assert window.stack.currentIndex() == 0


def test_shortcuts_sheet_lists_every_section(make_app: AppFactory, qtbot: QtBot) -> None:
    window = make_app(ScriptedBackend()).window
    action = window.shortcuts_action  # type: ignore[attr-defined]
    assert action.shortcut().toString() == "F1"
    action.trigger()
    sheet = window.shortcuts_dialog  # type: ignore[attr-defined]
    table = find(sheet, "Shortcuts", QTableWidget)
    actions = [table.item(row, 1).text() for row in range(table.rowCount())]
    keys = [table.item(row, 0).text() for row in range(table.rowCount())]
    for index, button in enumerate(window.sidebar.buttons.values()):
        assert f"Go to {button.text()}" in actions
        assert f"Ctrl+{index + 1}" in keys
    assert "Ctrl+," in keys


def test_notify_in_background_and_for_finished_downloads(
    make_app: AppFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_app(ScriptedBackend()).window
    window.notify("Summary ready", "Your document was summarised.")
    note = window.last_notification  # type: ignore[attr-defined]
    assert note.background is not window.isActiveWindow()
    assert note.via in ("tray", "alert") if note.background else note.via == "status"
    assert "Summary ready" in window.busy_label.text()

    class Job:
        def __init__(self, job_id: int, state: str, name: str) -> None:
            self.job_id, self.state = job_id, state
            self.spec = type("Spec", (), {"name": name})()

    jobs = [Job(1, "done", "Qwen2.5 1.5B"), Job(2, "running", "Other")]
    monkeypatch.setattr(window.models_page.queue, "jobs", lambda: jobs)
    window.models_page.models_changed.emit()
    note = window.last_notification  # type: ignore[attr-defined]
    assert note.title == "Download finished" and "Qwen2.5 1.5B" in note.text
    window.last_notification = None  # type: ignore[attr-defined]
    window.models_page.models_changed.emit()  # the same download is not announced twice
    assert window.last_notification is None  # type: ignore[attr-defined]
    jobs[1].state = "done"
    window.models_page.models_changed.emit()
    assert "Other" in window.last_notification.text  # type: ignore[attr-defined]
