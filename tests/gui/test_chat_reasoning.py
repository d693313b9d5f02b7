"""A reasoning model's thinking in the chat: streamed live, collapsed, saved apart, never sent.

The engine's own reasoning handling runs the real model (tests/engine/test_reasoning_engine.py);
here a scripted thinking backend gives the window exact, repeatable reasoning to show, since
no thinking model is small enough to run in the suite.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QToolButton
from pytestqt.qtbot import QtBot

from app.core.backend import (
    ChatMessage,
    Done,
    Event,
    LoadInfo,
    LoadOptions,
    ModelRef,
    Reasoning,
    SamplingParams,
    Stats,
    Token,
)
from app.gui.chat.reasoning_view import ReasoningPanel
from tests.gui.conftest import AppFactory, ScriptedBackend, find
from tests.gui.test_chat_logic import send

THOUGHT = ["The user ", "greets me.", " I should ", "greet back."]


class ThinkingBackend(ScriptedBackend):
    """Thinks in pieces (slowly enough to be seen live), then answers."""

    def __init__(self, answer: str = "Hello there!", *, delay: float = 0.0) -> None:
        super().__init__(answer, delay=delay)
        self.params: list[SamplingParams] = []

    def load(self, model: ModelRef, options: LoadOptions) -> LoadInfo:
        return replace(super().load(model, options), reasoning="switchable")

    def stream(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        *,
        grammar: str | None = None,
        json_schema: dict[str, Any] | None = None,
        logprobs: int = 0,
    ) -> Iterator[Event]:
        self.params.append(params)
        if params.think is False:
            yield from super().stream(messages, params)
            return
        self.requests.append(list(messages))
        for piece in THOUGHT:
            if self.delay:
                time.sleep(self.delay)
            yield Reasoning(piece)
        words = self.reply.split(" ")
        for i, word in enumerate(words):
            yield Token(word if i == 0 else " " + word)
        yield Stats(10, len(words) + len(THOUGHT), 0.01, 50.0, reasoning_tokens=4, reasoning_s=7.6)
        yield Done("stop")


def test_thinking_streams_collapsed_and_is_saved_apart(make_app: AppFactory, qtbot: QtBot) -> None:
    backend = ThinkingBackend(delay=0.15)
    window = make_app(backend).window
    box = find(window, "Message input")
    box.setFocus()
    qtbot.keyClicks(box, "hi")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    # While the model thinks, the panel is there, says so, and stays closed.
    qtbot.waitUntil(
        lambda: (
            (card := window.chat.view.last_card()) is not None
            and card.reasoning.isVisible()
            and card.reasoning.toggle.text().startswith("Thinking…")
        ),
        timeout=10_000,
    )
    card = window.chat.view.last_card()
    assert card is not None and not card.reasoning.expanded
    assert not card.reasoning.text.isVisible()
    qtbot.waitUntil(lambda: window.chat.generation is None, timeout=10_000)

    card = window.chat.view.last_card()
    assert card is not None
    assert card.text == "Hello there!"  # the answer alone
    panel = card.findChild(ReasoningPanel)
    assert panel is not None
    # A card added to the view is shown by Qt on the next turn of the event loop.
    qtbot.waitUntil(panel.isVisible, timeout=5_000)
    assert panel.toggle.text() == "Thought for 8 s"
    assert not panel.text.isVisible()
    panel.toggle.click()
    assert panel.text.isVisible()
    assert panel.text.text() == "The user greets me. I should greet back."

    store = window.store
    assert store is not None
    reply = store.thread(window.chat.current_id or 0)[-1]
    assert (reply.text, reply.reasoning, reply.reasoning_s) == (
        "Hello there!",
        "The user greets me. I should greet back.",
        7.6,
    )

    # The next turn sends the answer back, never the thinking.
    send(window, qtbot, "again")
    sent = backend.requests[-1]
    assert {"role": "assistant", "content": "Hello there!"} in sent
    assert all("greets me" not in m["content"] for m in sent)


def test_saved_thinking_shows_when_the_conversation_is_opened_again(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    backend = ThinkingBackend()
    window = make_app(backend).window
    send(window, qtbot, "hi")
    cid = window.chat.current_id
    assert cid is not None
    window.chat.new_conversation()
    window.chat.open_conversation(cid)
    card = window.chat.view.last_card()
    assert card is not None and card.text == "Hello there!"
    qtbot.waitUntil(card.reasoning.isVisible, timeout=5_000)
    assert card.reasoning.toggle.text() == "Thought for 8 s"


def test_think_switch_reaches_the_model(make_app: AppFactory, qtbot: QtBot) -> None:
    backend = ThinkingBackend()
    window = make_app(backend).window
    send(window, qtbot, "hi")
    assert backend.params[-1].think is None  # the model's own default
    find(window, "Conversation settings", QToolButton).click()
    switch = find(window, "Think before answering", QCheckBox)
    assert switch.isVisible() and switch.isEnabled() and switch.isChecked()
    switch.setChecked(False)
    send(window, qtbot, "and without thinking?")
    assert backend.params[-1].think is False
    card = window.chat.view.last_card()
    assert card is not None and not card.reasoning.isVisible()
    store = window.store
    assert store is not None
    conversation = store.get_conversation(window.chat.current_id or 0)
    assert conversation is not None and conversation.sampling["think"] is False


def test_think_switch_is_hidden_for_models_that_do_not_think(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    window = make_app(ScriptedBackend("Hi.")).window
    send(window, qtbot, "hi")
    find(window, "Conversation settings", QToolButton).click()
    switches = [
        w for w in window.findChildren(QCheckBox) if w.accessibleName() == "Think before answering"
    ]
    assert switches and not any(w.isVisible() for w in switches)


def test_cards_fit_a_narrow_view_with_the_settings_open(make_app: AppFactory, qtbot: QtBot) -> None:
    """A long model name wraps and the speed figure ends in "…": the action buttons and the
    thinking stay inside the view instead of being cut off at its right edge."""
    window = make_app(ThinkingBackend()).window
    window.resize(1100, 720)
    send(window, qtbot, "hi")
    find(window, "Conversation settings", QToolButton).click()
    card = window.chat.view.last_card()
    assert card is not None
    viewport = window.chat.view.viewport()
    qtbot.waitUntil(lambda: card.width() <= viewport.width(), timeout=5_000)
    delete = next(b for b in card.findChildren(QToolButton) if b.accessibleName() == "Delete")
    right = delete.mapTo(viewport, delete.rect().topRight()).x()
    assert right <= viewport.width()
    assert "tokens/s" in card.meta.full_text()


def test_copy_says_copied(make_app: AppFactory, qtbot: QtBot) -> None:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QToolTip

    window = make_app(ThinkingBackend("Hello there!")).window
    send(window, qtbot, "hi")
    card = window.chat.view.last_card()
    assert card is not None
    qtbot.waitUntil(card.copy_button.isVisible, timeout=5_000)
    card.copy_button.click()
    assert QGuiApplication.clipboard().text() == "Hello there!"  # the answer, not the thinking
    qtbot.waitUntil(lambda: QToolTip.text() == "Copied", timeout=2_000)
    assert card.copy_button.accessibleDescription() == "Copied"
