"""The window shell: sections, status bar, themes, background work and the history dialog."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from app.core.history import HistoryStore
from app.gui.ops import BackgroundOp, wait_for_background_ops
from app.gui.theme import DARK, LIGHT, current_theme
from tests.gui.conftest import AppFactory, ScriptedBackend, find

SECTIONS = ["Chat", "Summarise", "Translate", "Sentiment", "Models"]
CONTROLS = [
    "Message input",
    "Send",
    "New conversation",
    "Conversation list",
    "Search conversations",
    "Messages",
    "System prompt",
    "Model",
]


def test_sections_and_named_controls(make_app: AppFactory, qtbot: QtBot) -> None:
    window = make_app(ScriptedBackend()).window
    for name in SECTIONS:
        button = find(window.sidebar, name, QToolButton)
        assert button.toolTip()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert button.isChecked()
        page = window.stack.currentWidget()
        assert page.accessibleName() == name
    find(window.sidebar, "Chat", QToolButton).click()
    for name in CONTROLS:
        widget = find(window, name)
        # Controls explain themselves on hover; the message area describes itself instead
        # (a tooltip over the whole conversation would follow the pointer everywhere).
        assert widget.toolTip() or widget.accessibleDescription(), f"{name} is unexplained"
    # Stop exists too, hidden until a reply streams.
    assert find(window, "Stop", QPushButton).isHidden()
    assert not window.windowIcon().isNull()


def test_status_bar_names_model_and_device(make_app: AppFactory) -> None:
    window = make_app(ScriptedBackend()).window
    assert find(window, "Model", QLabel).text() == "Scripted"
    assert find(window, "Device", QLabel).text() == "CPU · 1 thread"
    assert find(window, "Busy").isHidden()


def test_model_loading_shows_progress_and_window_stays_responsive(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    release = threading.Event()

    class SlowLoad(ScriptedBackend):
        def load(self, model, options):  # type: ignore[no-untyped-def]
            release.wait(10)
            return super().load(model, options)

    window = make_app(SlowLoad(), wait_model=False).window
    qtbot.waitUntil(lambda: "Loading" in find(window, "Activity", QLabel).text(), timeout=10_000)
    assert find(window, "Busy").isVisible()
    # The event loop keeps running while the model loads: timers fire, clicks work.
    ticks: list[float] = []
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    find(window.sidebar, "Models", QToolButton).click()
    qtbot.wait(200)
    timer.stop()
    assert window.stack.currentIndex() == 4
    assert len(ticks) >= 8
    release.set()
    qtbot.waitUntil(lambda: window.load_info is not None, timeout=10_000)
    assert find(window, "Busy").isHidden()


def test_theme_follows_preference(make_app: AppFactory) -> None:
    parts = make_app(ScriptedBackend())
    parts.theme.set_preference("dark")
    assert current_theme() is DARK
    assert parts.app.palette().window().color().name() == DARK.window
    parts.theme.set_preference("light")
    assert current_theme() is LIGHT
    assert parts.app.palette().window().color().name() == LIGHT.window


def test_background_op_delivers_on_gui_thread(qtbot: QtBot) -> None:
    owner = QObject()
    gui_thread = threading.get_ident()
    seen: list[tuple[str, object, int]] = []
    BackgroundOp(owner, lambda: (threading.get_ident(), 42)).on_success(
        lambda result: seen.append(("ok", result, threading.get_ident()))
    ).run()
    BackgroundOp(owner, lambda: 1 / 0).on_failure(
        lambda error: seen.append(("error", type(error).__name__, threading.get_ident()))
    ).run()
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    by_kind = {kind: (value, thread) for kind, value, thread in seen}
    worker_thread, value = by_kind["ok"][0]  # type: ignore[misc]
    assert value == 42 and worker_thread != gui_thread
    assert by_kind["ok"][1] == gui_thread
    assert by_kind["error"] == ("ZeroDivisionError", gui_thread)
    assert wait_for_background_ops()


def _write_garbage(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 500)


def _dialog(window: QWidget) -> QMessageBox:
    box = window.recovery_dialog  # type: ignore[attr-defined]
    assert isinstance(box, QMessageBox)
    return box


def test_corrupt_history_keep_copy_and_start_fresh(
    make_app: AppFactory, qtbot: QtBot, history_path: Path
) -> None:
    _write_garbage(history_path)
    window = make_app(ScriptedBackend(), wait_store=False).window
    qtbot.waitUntil(lambda: window.recovery_dialog is not None, timeout=15_000)
    box = _dialog(window)
    assert box.isVisible()
    assert "could not open" in box.text()
    find(box, "Keep a copy and start fresh", QPushButton).click()
    qtbot.waitUntil(lambda: window.store is not None, timeout=15_000)
    kept = list(history_path.parent.glob("history.sqlite3.broken-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not a database")
    # The fresh history works: a message goes in and is stored.
    qtbot.waitUntil(lambda: window.load_info is not None, timeout=10_000)
    window.chat.send("hello after recovery")
    qtbot.waitUntil(lambda: window.chat.generation is None, timeout=10_000)
    store = HistoryStore.open(history_path)
    try:
        [conversation] = store.list_conversations()
        assert next(m.text for m in store.thread(conversation.id)) == "hello after recovery"
    finally:
        store.close()


def test_corrupt_history_quit(make_app: AppFactory, qtbot: QtBot, history_path: Path) -> None:
    _write_garbage(history_path)
    window = make_app(ScriptedBackend(), wait_store=False, wait_model=False).window
    qtbot.waitUntil(lambda: window.recovery_dialog is not None, timeout=15_000)
    find(_dialog(window), "Quit", QPushButton).click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert history_path.read_bytes().startswith(b"this is not a database")  # untouched
    assert window.store is None


@pytest.mark.parametrize("preference", ["light", "dark"])
def test_window_renders_in_both_themes(make_app: AppFactory, preference: str) -> None:
    parts = make_app(ScriptedBackend())
    parts.theme.set_preference(preference)
    image = parts.window.grab().toImage()
    assert image.width() > 600
    expected = LIGHT.sidebar if preference == "light" else DARK.sidebar
    assert image.pixelColor(20, image.height() // 2).name() == expected
