"""The window on a second real model, Qwen2.5-Coder-0.5B-Instruct: chat in English and Chinese,
saved in the real history, and the confidence view from its own probabilities."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QTextBrowser, QToolButton
from pytestqt.qtbot import QtBot

from app.core.backend import ModelRef
from app.core.history import HistoryStore
from app.gui.chat.confidence import ConfidenceText
from tests.gui.conftest import AppFactory, find
from tests.gui.test_chat_real import card_of, new_chat, type_and_send, wait_reply
from tests.gui.tools_helpers import (
    FACTS,
    long_document,
    open_section,
    start,
    type_document,
    wait_done,
    wait_plan,
)


def test_chat_in_english_and_chinese_with_the_confidence_view(
    make_app: AppFactory, qtbot: QtBot, second_model: Path
) -> None:
    ref = ModelRef(path=second_model, model_id="qwen-coder-0.5b", display_name="Qwen2.5 Coder")
    window = make_app(resolve=lambda: ref).window
    assert window.load_info is not None and window.load_info.model_id == "qwen-coder-0.5b"
    new_chat(window, qtbot, max_tokens=24)
    type_and_send(window, qtbot, "What is the capital of France? One word.")
    wait_reply(window, qtbot)
    english = card_of(window, "assistant")
    assert "paris" in english.text.lower()

    # The confidence view on, the next reply (in Chinese) records the model's probabilities.
    find(english, "Confidence view", QToolButton).click()
    # Typed as an input method commits it: the whole phrase at once (QTest cannot type CJK).
    box = find(window, "Message input", QPlainTextEdit)
    box.setFocus()
    box.insertPlainText("用中文回答：法国的首都是哪里？")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    wait_reply(window, qtbot)
    chinese = card_of(window, "assistant")
    assert "巴黎" in chinese.text, chinese.text
    tokens = window.chat.view.token_probs[chinese.message.id]
    assert tokens and all(0.0 <= t.prob <= 1.0 and t.top for t in tokens)
    shown = "".join(t.text for t in tokens)
    assert chinese.text.startswith(shown.strip()[:4])  # the figures are for the reply shown
    assert chinese.findChild(ConfidenceText) is not None

    store = window.store
    assert store is not None
    thread = store.thread(window.chat.current_id or 0)
    assert [m.role for m in thread] == ["user", "assistant", "user", "assistant"]
    assert thread[2].text == "用中文回答：法国的首都是哪里？"
    assert thread[3].text == chinese.text and thread[3].model_id == "qwen-coder-0.5b"
    assert all(m.status == "complete" for m in thread)


def test_every_text_tool_pane_runs_on_it(
    make_app: AppFactory,
    qtbot: QtBot,
    second_model: Path,
    seeded_store: Callable[[], HistoryStore],
) -> None:
    """``--model <the Qwen GGUF>`` for the whole window: every pane runs on it and says so."""
    window = make_app(model_spec=str(second_model)).window
    model_id = second_model.name

    pane = open_section(window, qtbot, "Summarise")
    type_document(pane, long_document(3))
    wait_plan(pane, qtbot)
    start(pane, qtbot, "Summarise document")
    wait_done(pane, qtbot)
    summary = find(pane, "Result", QTextBrowser).toPlainText()
    assert summary.strip()

    pane = open_section(window, qtbot, "Translate")
    target = find(pane, "Target language", QComboBox)
    target.setCurrentIndex(target.findData("zh-Hans"))
    assert target.currentData() == "zh-Hans"
    type_document(pane, FACTS[0])
    wait_plan(pane, qtbot)
    start(pane, qtbot, "Translate document")
    wait_done(pane, qtbot)

    pane = open_section(window, qtbot, "Sentiment")
    type_document(pane, "The hotel room was spotless and the staff were lovely.")
    wait_plan(pane, qtbot)
    start(pane, qtbot, "Analyse sentiment")
    wait_done(pane, qtbot)
    assert find(pane, "Overall sentiment", QLabel).text().lower() == "positive"

    store = seeded_store()
    runs = {tool: store.list_tool_runs(tool) for tool in ("summarise", "translate", "sentiment")}
    for tool, found in runs.items():
        assert len(found) == 1, tool
        assert found[0].status == "complete", (tool, found[0].extra)
        assert found[0].model_id == model_id, tool
    translated = runs["translate"][0].output
    assert any("\u4e00" <= ch <= "\u9fff" for ch in translated), translated
