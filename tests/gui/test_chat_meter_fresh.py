"""The context meter, the status bar's speed and search hits follow the thread on screen.

Reported: after "edit and send" the meter showed the old branch's 284 tokens while the real
prompt was 65; a new empty conversation on Qwen logged "token count failed" (its template
reads ``messages[0]``) and kept the previous figure; switching conversations kept the
previous conversation's speed in the status bar; a search hit on another branch opened
nothing. Exact figures come from :class:`ScriptedBackend` (one token per word plus three per
message); the Qwen and starter-model tests run the real engine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from app.core.backend import ModelRef
from app.core.chat import chat_messages
from app.core.history import HistoryStore
from app.gui.chat.message_view import HIGHLIGHT_MS
from app.gui.window import MainWindow
from tests.gui.conftest import AppFactory, ScriptedBackend, find
from tests.gui.test_chat_real import new_chat


def meter_text(window: MainWindow) -> str:
    return str(find(window, "Context usage", QLabel).text())


def edit_and_send(window: MainWindow, qtbot: QtBot, text: str) -> None:
    card = next(c for c in window.chat.view.cards if c.message.role == "user")
    qtbot.mouseClick(find(card, "Edit", QToolButton), Qt.MouseButton.LeftButton)
    find(card, "Edit message", QPlainTextEdit).setPlainText(text)
    qtbot.mouseClick(find(card, "Save and send", QPushButton), Qt.MouseButton.LeftButton)


def seed_long(store: HistoryStore, title: str = "Long") -> int:
    """Two turns of 100 + 100 + 50 + 30 words: 280 words, 292 scripted tokens."""
    conversation = store.create_conversation(title=title, model_id="scripted")
    parent = None
    for role, text in (
        ("user", "word " * 100),
        ("assistant", "reply " * 100),
        ("user", "more " * 50),
        ("assistant", "ok " * 30),
    ):
        parent = store.add_message(conversation.id, role, text.strip(), parent_id=parent).id
    return conversation.id


def test_edit_and_send_recounts_before_the_reply_streams(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    store = seeded_store()
    seed_long(store)
    store.close()
    # A slow reply (ten words, 0.15 s each) so the meter is read while it streams.
    window = make_app(
        ScriptedBackend("one two three four five six seven eight nine ten", delay=0.15)
    ).window
    qtbot.waitUntil(lambda: meter_text(window).startswith("292 /"), timeout=5000)

    edit_and_send(window, qtbot, "short question")
    assert window.chat.generation is not None
    # The new branch is one message of two words: 5 tokens, shown while the reply streams.
    qtbot.waitUntil(lambda: meter_text(window).startswith("5 /"), timeout=3000)
    assert window.chat.generation is not None
    qtbot.waitUntil(lambda: window.chat.generation is None, timeout=10_000)
    # Afterwards: the question and its ten-word reply, 5 + 13.
    qtbot.waitUntil(lambda: meter_text(window).startswith("18 /"), timeout=3000)


def test_switching_conversations_refreshes_meter_and_speed(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    store = seeded_store()
    quiet = seed_long(store, "Seeded, no figures")
    store.close()
    window = make_app(ScriptedBackend("a b c")).window
    speed = find(window, "Speed", QLabel)
    window.chat.new_conversation()
    # A new, empty conversation counts 0 at once, without asking the engine.
    qtbot.waitUntil(lambda: meter_text(window).startswith("0 /"), timeout=3000)
    box = find(window, "Message input", QPlainTextEdit)
    qtbot.keyClicks(box, "hello there")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.chat.generation is None, timeout=5000)
    assert "tokens/s" in speed.text()
    fresh = window.chat.current_id

    window.chat.open_conversation(quiet)
    assert speed.text() == ""  # its replies have no recorded speed: nothing is claimed
    qtbot.waitUntil(lambda: meter_text(window).startswith("292 /"), timeout=3000)
    assert fresh is not None
    window.chat.open_conversation(fresh)
    assert "tokens/s" in speed.text()  # the speed saved with this conversation's reply
    qtbot.waitUntil(lambda: meter_text(window).startswith("11 /"), timeout=3000)


def test_search_hit_on_another_branch_switches_to_it_and_highlights_briefly(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    store = seeded_store()
    conversation = store.create_conversation(title="Pets", model_id="scripted")
    question = store.add_message(conversation.id, "user", "Name a pet.")
    old = store.add_message(conversation.id, "assistant", "A hedgehog.", parent_id=question.id)
    store.add_message(conversation.id, "assistant", "A cat.", parent_id=question.id)
    assert store.thread(conversation.id)[-1].text == "A cat."  # the newer version is shown
    store.close()
    window = make_app(ScriptedBackend(), wait_model=False).window
    assert window.chat.messages[-1].text == "A cat."

    search = find(window, "Search conversations", QLineEdit)
    qtbot.keyClicks(search, "hedgehog")
    results = window.chat.conversations.results
    qtbot.waitUntil(lambda: results.count() == 1, timeout=5000)
    results.itemClicked.emit(results.item(0))

    assert [m.text for m in window.chat.messages] == ["Name a pet.", "A hedgehog."]
    card = window.chat.view.card_for(old.id)
    assert card is not None and card.property("hit") is True
    assert find(card, "Version", QLabel).text() == "1/2"
    assert window.store is not None
    assert window.store.thread(conversation.id)[-1].id == old.id  # the branch is the shown one
    qtbot.waitUntil(lambda: card.property("hit") is False, timeout=HIGHLIGHT_MS + 2000)


@pytest.mark.slow
def test_new_empty_conversation_on_qwen_counts_without_a_failure(
    make_app: AppFactory,
    qtbot: QtBot,
    second_model: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ref = ModelRef(path=second_model, model_id="qwen-coder-0.5b", display_name="Qwen2.5 Coder")
    caplog.set_level(logging.INFO)
    window = make_app(resolve=lambda: ref).window
    window.chat.new_conversation()
    qtbot.waitUntil(lambda: meter_text(window).startswith("0 /"), timeout=10_000)
    box = find(window, "Message input", QPlainTextEdit)
    qtbot.keyClicks(box, "Hello")
    qtbot.waitUntil(lambda: not meter_text(window).startswith("0 /"), timeout=10_000)
    assert "token count failed" not in caplog.text


@pytest.mark.slow
def test_edit_and_send_with_the_real_model_shows_the_real_count(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    window = make_app().window
    new_chat(window, qtbot, max_tokens=12)
    long_question = "Please list these fruits back to me: " + ", ".join(
        ["apple", "banana", "cherry", "grape", "lemon", "mango", "orange", "papaya"] * 4
    )
    box = find(window, "Message input", QPlainTextEdit)
    box.setPlainText(long_question)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.chat.generation is None, timeout=60_000)
    edit_and_send(window, qtbot, "Hi.")
    qtbot.waitUntil(lambda: window.chat.generation is None, timeout=60_000)

    counted: list[int] = []
    messages, _ = chat_messages("", window.chat.messages)
    window.worker.call(
        lambda backend: backend.count_chat_tokens(messages),
        owner=window.chat,
        on_success=lambda tokens: counted.append(int(tokens)),
    )
    qtbot.waitUntil(lambda: bool(counted), timeout=10_000)
    qtbot.waitUntil(lambda: meter_text(window).startswith(f"{counted[0]:,} /"), timeout=5000)
