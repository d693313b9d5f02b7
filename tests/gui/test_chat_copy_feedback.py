"""Copy says so: the message's Copy button turns into a check mark for a moment and the
status bar says "Copied to the clipboard" (reported: no "Copied" feedback anywhere)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from app.core.history import HistoryStore
from app.gui.chat.message_card import COPIED_MS
from app.gui.icons import icon
from app.gui.theme import current_theme
from tests.gui.conftest import AppFactory, ScriptedBackend, find


def test_copy_shows_a_check_mark_and_a_status_line(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    store = seeded_store()
    conversation = store.create_conversation(title="Copy", model_id="scripted")
    question = store.add_message(conversation.id, "user", "Say something.")
    store.add_message(conversation.id, "assistant", "Something **bold**.", parent_id=question.id)
    store.close()
    window = make_app(ScriptedBackend()).window
    card = window.chat.view.last_card()
    assert card is not None
    button = find(card, "Copy", QToolButton)
    copy_key = icon("copy", current_theme().muted).cacheKey()
    check_key = icon("check", current_theme().muted).cacheKey()
    assert button.icon().cacheKey() == copy_key

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "Something **bold**."
    assert button.icon().cacheKey() == check_key
    assert button.property("copied") is True
    assert button.accessibleDescription() == "Copied"
    assert window.busy_label.text() == "Copied to the clipboard"

    qtbot.waitUntil(lambda: button.property("copied") is False, timeout=COPIED_MS + 1000)
    assert button.icon().cacheKey() == copy_key
    assert button.accessibleDescription() == ""
