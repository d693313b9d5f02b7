"""Chat with the real starter model through the real engine process and a real SQLite file.

Each test drives the window the way a user does: widgets found by accessible name, text typed
with key events, buttons clicked. Replies are kept short with the per-conversation
"Max tokens" setting so the suite stays quick on two CPU cores.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QSpinBox, QToolButton
from pytestqt.qtbot import QtBot

from app.core.history import HistoryStore
from app.gui.chat.message_card import MessageCard
from app.gui.window import MainWindow
from tests.gui.conftest import AppFactory, find

pytestmark = pytest.mark.slow


def new_chat(window: MainWindow, qtbot: QtBot, *, max_tokens: int, context: int = 0) -> None:
    """New conversation with the given reply length (and context cap), set in the panel."""
    qtbot.mouseClick(find(window, "New conversation", QToolButton), Qt.MouseButton.LeftButton)
    find(window, "Conversation settings", QToolButton).click()
    find(window, "Max tokens", QSpinBox).setValue(max_tokens)
    if context:
        find(window, "Context length", QSpinBox).setValue(context)
    window.chat.settings.flush()


def type_and_send(window: MainWindow, qtbot: QtBot, text: str) -> None:
    box = find(window, "Message input", QPlainTextEdit)
    box.setFocus()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def wait_reply(window: MainWindow, qtbot: QtBot, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: window.chat.generation is None, timeout=timeout)


def last_card(window: MainWindow) -> MessageCard:
    card = window.chat.view.last_card()
    assert card is not None
    return card


def card_of(window: MainWindow, role: str, nth: int = -1) -> MessageCard:
    cards = [c for c in window.chat.view.cards if c.message.role == role]
    return cards[nth]


def test_typed_message_streams_reply_and_both_are_saved(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    window = make_app().window
    new_chat(window, qtbot, max_tokens=48)
    partial: list[str] = []
    type_and_send(window, qtbot, "Name three colours of the rainbow.")
    assert window.chat.generation is not None  # committed and started at once
    assert find(window, "Stop", QPushButton).isVisible()

    def streaming_visible() -> bool:
        card = last_card(window)
        if window.chat.generation is not None and card.text:
            partial.append(card.text)
            return True
        return window.chat.generation is None

    qtbot.waitUntil(streaming_visible, timeout=60_000)
    wait_reply(window, qtbot)
    reply_card = last_card(window)
    assert reply_card.message.role == "assistant"
    assert reply_card.text.strip()
    assert reply_card.badge.isHidden()  # complete: no status badge
    assert "tokens/s" in find(window, "Speed", QLabel).text()
    assert find(window, "Send", QPushButton).isVisible()
    assert find(window, "Message input", QPlainTextEdit).toPlainText() == ""

    store = seeded_store()
    [conversation] = store.list_conversations()
    assert conversation.title == "Name three colours of the rainbow."
    user, reply = store.thread(conversation.id)
    assert (user.role, user.text) == ("user", "Name three colours of the rainbow.")
    assert reply.role == "assistant" and reply.status == "complete"
    assert reply.text == reply_card.text
    assert reply.generated_tokens is not None and 0 < reply.generated_tokens <= 48
    assert reply.tokens_per_s and reply.tokens_per_s > 0
    if partial:  # seen mid-stream: the text grew towards the final reply
        assert reply.text.startswith(partial[0][:5])
    # The live meter counts the conversation against the model's context.
    qtbot.waitUntil(lambda: "/ 2,048 tokens" in find(window, "Context usage", QLabel).text())


def test_stop_keeps_partial_reply_saved_as_stopped(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    window = make_app().window
    new_chat(window, qtbot, max_tokens=600)
    type_and_send(window, qtbot, "Write a long story about a dragon who learns to bake bread.")
    qtbot.waitUntil(lambda: len(last_card(window).text) > 30, timeout=60_000)
    qtbot.mouseClick(find(window, "Stop", QPushButton), Qt.MouseButton.LeftButton)
    wait_reply(window, qtbot, timeout=5_000)
    card = last_card(window)
    assert not card.badge.isHidden() and card.badge.text() == "Stopped"
    store = seeded_store()
    [conversation] = store.list_conversations()
    reply = store.thread(conversation.id)[-1]
    assert reply.status == "stopped"
    assert len(reply.text) > 30 and reply.text == card.text
    assert reply.generated_tokens is None or reply.generated_tokens < 600

    # Esc stops too.
    type_and_send(window, qtbot, "Tell me another long story, about a whale.")
    qtbot.waitUntil(lambda: len(last_card(window).text) > 10, timeout=60_000)
    qtbot.keyClick(find(window, "Message input", QPlainTextEdit), Qt.Key.Key_Escape)
    wait_reply(window, qtbot, timeout=5_000)
    assert store.thread(conversation.id)[-1].status == "stopped"


def test_regenerate_and_edit_keep_branches_and_switch(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    window = make_app().window
    new_chat(window, qtbot, max_tokens=12)
    type_and_send(window, qtbot, "Say hello.")
    wait_reply(window, qtbot)
    first_reply = last_card(window).message

    qtbot.mouseClick(find(last_card(window), "Regenerate", QToolButton), Qt.MouseButton.LeftButton)
    wait_reply(window, qtbot)
    second_reply = last_card(window).message
    assert second_reply.id != first_reply.id
    assert find(last_card(window), "Version", QLabel).text() == "2/2"

    qtbot.mouseClick(
        find(last_card(window), "Previous version", QToolButton), Qt.MouseButton.LeftButton
    )
    assert last_card(window).message.id == first_reply.id
    assert find(last_card(window), "Version", QLabel).text() == "1/2"

    # Edit the question: the old branch (with both replies) is kept.
    user_card = card_of(window, "user")
    qtbot.mouseClick(find(user_card, "Edit", QToolButton), Qt.MouseButton.LeftButton)
    editor = find(user_card, "Edit message", QPlainTextEdit)
    editor.setPlainText("Say goodbye.")
    qtbot.mouseClick(find(user_card, "Save and send", QPushButton), Qt.MouseButton.LeftButton)
    wait_reply(window, qtbot)
    user_card = card_of(window, "user")
    assert user_card.text == "Say goodbye."
    assert find(user_card, "Version", QLabel).text() == "2/2"

    store = seeded_store()
    [conversation] = store.list_conversations()
    thread = store.thread(conversation.id)
    assert next(m.text for m in thread) == "Say goodbye."
    assert len(store.siblings(thread[0].id)) == 2

    qtbot.mouseClick(find(user_card, "Previous version", QToolButton), Qt.MouseButton.LeftButton)
    thread = store.thread(conversation.id)
    assert thread[0].text == "Say hello."
    assert thread[-1].id in (first_reply.id, second_reply.id)
    assert card_of(window, "user").text == "Say hello."
    assert len(store.siblings(thread[-1].id)) == 2


def test_context_overflow_leaves_out_oldest_turns_and_says_so(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    window = make_app().window
    # 128-token window with 16-token replies: the prompt may use 96 tokens.
    new_chat(window, qtbot, max_tokens=16, context=128)
    long_question = (
        "Please remember these words for later: apple banana cherry dragonfruit elderberry "
        "fig grape honeydew kiwi lemon mango nectarine orange papaya quince raspberry."
    )
    type_and_send(window, qtbot, long_question)
    wait_reply(window, qtbot)
    assert not window.chat.notice.isVisible()

    # The meter warns before sending when the draft would not fit.
    box = find(window, "Message input", QPlainTextEdit)
    qtbot.keyClicks(box, long_question.replace("remember", "repeat"))
    meter = find(window, "Context usage", QLabel)
    qtbot.waitUntil(lambda: "left out" in meter.text(), timeout=10_000)
    assert "/ 128 tokens" in meter.text()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    wait_reply(window, qtbot)

    notice = window.chat.notice
    assert notice.isVisible()
    assert "2 earlier messages were left out" in notice.label.text()
    first_question, first_answer = window.chat.view.cards[:2]
    assert not first_question.dropped_label.isHidden()
    assert not first_answer.dropped_label.isHidden()
    assert last_card(window).dropped_label.isHidden()
    # Nothing was deleted: the left-out turn is still in history.
    store = seeded_store()
    [conversation] = store.list_conversations()
    thread = store.thread(conversation.id)
    assert len(thread) == 4 and thread[0].text == long_question
    assert thread[-1].status == "complete" and thread[-1].text


def test_history_file_is_the_real_sqlite_file(make_app: AppFactory, history_path: Path) -> None:
    window = make_app(wait_model=False).window
    assert window.store is not None
    assert history_path.is_file() and history_path.read_bytes()[:15] == b"SQLite format 3"
