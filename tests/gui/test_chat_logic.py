"""Chat behaviour whose outcome must be exact: list management, search, paging, rendering.

These use :class:`ScriptedBackend` (exact token counts, instant replies) against the real
history store in a real SQLite file; the real model is covered in test_chat_real.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
)
from pytestqt.qtbot import QtBot

from app.core.history import HistoryStore
from app.gui.chat.conversations import HTML_ROLE, auto_title, highlight_snippet
from app.gui.chat.markdown import split_markdown
from app.gui.chat.message_card import CodeBlock, ProseLabel
from app.gui.chat.message_view import PAGE_SIZE
from app.gui.window import MainWindow
from tests.gui.conftest import AppFactory, ScriptedBackend, find


def seed(
    store: HistoryStore, title: str, pairs: list[tuple[str, str]], *, pinned: bool = False
) -> int:
    conversation = store.create_conversation(title=title, model_id="scripted")
    parent = None
    for question, answer in pairs:
        parent = store.add_message(conversation.id, "user", question, parent_id=parent).id
        parent = store.add_message(conversation.id, "assistant", answer, parent_id=parent).id
    if pinned:
        store.set_pinned(conversation.id, True)
    return conversation.id


def titles(window: MainWindow) -> list[str]:
    listing = find(window, "Conversation list", QListWidget)
    return [listing.item(i).text() for i in range(listing.count())]


def send(window: MainWindow, qtbot: QtBot, text: str) -> None:
    box = find(window, "Message input", QPlainTextEdit)
    box.setFocus()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.chat.generation is None, timeout=10_000)


def test_enter_sends_shift_enter_breaks_line(make_app: AppFactory, qtbot: QtBot) -> None:
    backend = ScriptedBackend("Hi there.")
    window = make_app(backend).window
    box = find(window, "Message input", QPlainTextEdit)
    box.setFocus()
    qtbot.keyClicks(box, "first line")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "second line")
    assert box.toPlainText() == "first line\nsecond line"
    assert window.chat.generation is None
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.chat.generation is None, timeout=10_000)
    assert backend.requests[-1][-1] == {"role": "user", "content": "first line\nsecond line"}
    assert titles(window) == ["first line"]
    assert window.chat.view.last_card().text == "Hi there."  # type: ignore[union-attr]


def test_new_conversation_shortcut_and_settings_reach_the_model(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    backend = ScriptedBackend("one two three four five six seven eight")
    window = make_app(backend).window
    send(window, qtbot, "hello")
    qtbot.keyClick(
        find(window, "Message input", QPlainTextEdit),
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier,
    )
    assert window.chat.messages == []
    assert len(titles(window)) == 2
    find(window, "Conversation settings", QToolButton).click()
    find(window, "System prompt", QPlainTextEdit).setPlainText("Answer like a pirate.")
    find(window, "Max tokens", QSpinBox).setValue(3)
    send(window, qtbot, "ahoy")
    request = backend.requests[-1]
    assert request[0] == {"role": "system", "content": "Answer like a pirate."}
    assert request[-1] == {"role": "user", "content": "ahoy"}
    assert window.chat.view.last_card().text == "one two three"  # type: ignore[union-attr]
    store = window.store
    assert store is not None
    conversation = store.get_conversation(window.chat.current_id or 0)
    assert conversation is not None and conversation.sampling["max_tokens"] == 3
    assert conversation.system_prompt == "Answer like a pirate."
    # The first conversation is untouched by the second one's settings.
    first = next(c for c in store.list_conversations() if c.id != conversation.id)
    assert first.system_prompt == "" and "max_tokens" not in first.sampling


def test_delete_with_undo_rename_and_pin(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    store = seeded_store()
    seed(store, "Alpha", [("a?", "a.")])
    seed(store, "Beta", [("b?", "b.")])
    store.close()
    window = make_app(ScriptedBackend(), wait_model=False).window
    assert titles(window) == ["Beta", "Alpha"]
    listing = find(window, "Conversation list", QListWidget)
    listing.setCurrentRow(0)
    listing.setFocus()
    qtbot.keyClick(listing, Qt.Key.Key_Delete)
    assert titles(window) == ["Alpha"]
    undo = find(window, "Undo", QPushButton)
    assert not undo.isHidden()
    assert "Beta" in window.chat.conversations.undo_label.text()
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert sorted(titles(window)) == ["Alpha", "Beta"]
    assert window.chat.conversations.undo_bar.isHidden()
    assert window.chat.messages[0].text == "b?"

    # Rename in place, pin to top.
    item = listing.findItems("Alpha", Qt.MatchFlag.MatchExactly)[0]
    listing.setCurrentItem(item)
    item.setText("Alpha renamed")
    window.chat.conversations.pin_action.trigger()
    assert titles(window) == ["Alpha renamed", "Beta"]
    assert window.chat.conversations.pin_action.text() == "Unpin"
    assert window.store is not None
    stored = {c.title: c.pinned for c in window.store.list_conversations()}
    assert stored == {"Alpha renamed": True, "Beta": False}


def test_undo_bar_expires(
    make_app: AppFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.gui.chat import conversations

    monkeypatch.setattr(conversations, "UNDO_SECONDS", 1)
    window = make_app(ScriptedBackend(), wait_model=False).window
    send_window = window.chat
    assert window.store is not None
    cid = window.store.create_conversation(title="Gone").id
    send_window._fill_list()
    send_window.delete_conversation(cid)
    bar = window.chat.conversations.undo_bar
    assert not bar.isHidden()
    qtbot.waitUntil(bar.isHidden, timeout=3000)
    assert cid not in [c.id for c in window.store.list_conversations()]
    window.store.restore_conversation(cid)  # still restorable from the store


def test_search_shows_highlighted_hits_and_opens_the_message(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    store = seeded_store()
    seed(store, "Cooking", [("How do I bake sourdough bread?", "Feed the starter first.")])
    seed(store, "Travel", [("Best time to visit Kyoto?", "Spring, for the blossoms.")])
    store.close()
    window = make_app(ScriptedBackend(), wait_model=False).window
    qtbot.keyClick(
        find(window, "Message input", QPlainTextEdit),
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier,
    )
    search = find(window, "Search conversations", QLineEdit)
    assert search.hasFocus()
    qtbot.keyClicks(search, "blossoms")
    results = window.chat.conversations.results
    qtbot.waitUntil(lambda: results.count() == 1, timeout=5000)
    assert find(window, "Search results", QListWidget) is results
    html = results.item(0).data(HTML_ROLE)
    assert "Travel" in html
    assert '<span style="background-color:' in html and ">blossoms</span>" in html
    results.itemClicked.emit(results.item(0))
    assert window.chat.messages[-1].text == "Spring, for the blossoms."
    hit_card = window.chat.view.last_card()
    assert hit_card is not None and hit_card.property("hit") is True

    search.clear()
    qtbot.keyClicks(search, "zebra")
    qtbot.waitUntil(lambda: not window.chat.conversations.no_results.isHidden(), timeout=5000)
    assert results.isHidden()
    qtbot.keyClick(search, Qt.Key.Key_Escape)
    assert search.text() == ""
    assert not find(window, "Conversation list", QListWidget).isHidden()


def test_highlight_snippet_escapes_html() -> None:
    assert highlight_snippet("<b>\x02x\x03</b>", "#ff0") == (
        '&lt;b&gt;<span style="background-color:#ff0;">x</span>&lt;/b&gt;'
    )


def test_two_thousand_messages_open_a_page_at_a_time(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    store = seeded_store()
    cid = seed(store, "Long", [(f"question {i}", f"answer {i}") for i in range(1000)])
    store.close()
    window = make_app(ScriptedBackend(), wait_model=False).window
    assert window.chat.current_id == cid
    view = window.chat.view
    assert len(window.chat.messages) == 2000
    assert len(view.cards) == PAGE_SIZE
    assert view.cards[-1].text == "answer 999"
    earlier = find(window, "Show earlier messages", QPushButton)
    assert earlier.text() == f"Show {PAGE_SIZE} earlier messages"
    qtbot.mouseClick(earlier, Qt.MouseButton.LeftButton)
    assert len(view.cards) == 2 * PAGE_SIZE
    # Revealing a far older message (a search hit) loads the pages it needs.
    first = window.chat.messages[0]
    assert view.reveal(first.id) is not None
    assert len(view.cards) == 2000 and earlier.isHidden()


def test_context_notice_names_exactly_the_left_out_turns(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    backend = ScriptedBackend("ok", n_ctx=4096)
    window = make_app(backend).window
    words = " ".join(["word"] * 40)  # 43 tokens as a message
    for n in range(3):
        send(window, qtbot, f"q{n} {words}")
    # Cap this conversation at 256 tokens with 100-token replies: 156 for the prompt.
    find(window, "Conversation settings", QToolButton).click()
    find(window, "Max tokens", QSpinBox).setValue(100)
    find(window, "Context length", QSpinBox).setValue(256)
    send(window, qtbot, f"q3 {words}")
    # Turns of 44 + 4 tokens and a new 44-token question: 3*48 + 44 = 188 is over 156, so the
    # oldest turn goes (2*48 + 44 = 140).
    sent = backend.requests[-1]
    assert [m["content"].split()[0] for m in sent if m["role"] == "user"] == ["q1", "q2", "q3"]
    notice = window.chat.notice
    assert not notice.isHidden()
    assert notice.label.text().startswith("2 earlier messages were left out")
    dropped = [c for c in window.chat.view.cards if not c.dropped_label.isHidden()]
    assert [c.text.split()[0] for c in dropped] == ["q0", "ok"]
    meter = find(window, "Context usage", QLabel)
    qtbot.waitUntil(lambda: "/ 256 tokens" in meter.text(), timeout=5000)


def test_message_too_long_for_context_fails_clearly(make_app: AppFactory, qtbot: QtBot) -> None:
    window = make_app(ScriptedBackend("ok", n_ctx=512)).window
    send(window, qtbot, " ".join(["long"] * 600))
    assert "only" in window.chat.notice.label.text() and "tokens" in window.chat.notice.label.text()
    card = window.chat.view.last_card()
    assert card is not None and card.badge.text() == "Failed"
    assert window.store is not None
    assert window.store.thread(window.chat.current_id or 0)[-1].status == "failed"


def test_markdown_code_blocks_copy_and_safe_links(
    make_app: AppFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    reply = (
        "Here is code:\n\n```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "- one\n- two\n\nSee [docs](https://example.org) <img src=x>"
    )
    window = make_app(ScriptedBackend(reply)).window
    send(window, qtbot, "show me")
    card = window.chat.view.last_card()
    assert card is not None
    [block] = card.body.findChildren(CodeBlock)
    assert isinstance(block, CodeBlock) and block.code == "print('hi')"
    qtbot.mouseClick(find(block, "Copy code", QToolButton), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "print('hi')"
    prose = card.body.findChildren(ProseLabel)
    rendered = "".join(label.text() for label in prose)
    assert "<table" in rendered and "<li" in rendered
    assert "<img" not in rendered  # raw HTML from the model is not rendered
    assert not prose[-1].openExternalLinks()
    opened: list[str] = []
    from app.gui.chat import message_card

    monkeypatch.setattr(
        message_card.QDesktopServices, "openUrl", lambda url: opened.append(url.toString())
    )
    message_card.open_link_on_click("file:///etc/passwd")
    message_card.open_link_on_click("https://example.org")
    assert opened == ["https://example.org"]
    qtbot.mouseClick(find(card, "Copy", QToolButton), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == reply


def test_delete_message_asks_when_later_messages_go_too(make_app: AppFactory, qtbot: QtBot) -> None:
    window = make_app(ScriptedBackend("fine")).window
    send(window, qtbot, "first")
    send(window, qtbot, "second")
    asked: list[str] = []
    window.chat.confirm = lambda title, text: asked.append(text) or False
    first_user = window.chat.view.cards[0]
    qtbot.mouseClick(find(first_user, "Delete", QToolButton), Qt.MouseButton.LeftButton)
    assert asked == ["Deleting this message also deletes the 3 messages after it. Continue?"]
    assert len(window.chat.messages) == 4
    qtbot.mouseClick(
        find(window.chat.view.cards[-1], "Delete", QToolButton), Qt.MouseButton.LeftButton
    )
    assert len(asked) == 1  # the last message goes without asking
    assert [m.text for m in window.chat.messages] == ["first", "fine", "second"]


def test_split_markdown_handles_unclosed_fence() -> None:
    segments = split_markdown("intro\n```js\nlet a = 1;\n")
    assert [(s.code, s.text, s.language, s.closed) for s in segments] == [
        (False, "intro", "", True),
        (True, "let a = 1;\n", "js", False),
    ]
    assert split_markdown("") == [split_markdown("")[0]] and not split_markdown("")[0].code


def test_auto_title() -> None:
    assert auto_title("  hello   world \nsecond line") == "hello world"
    long = "word " * 30
    title = auto_title(long)
    assert title.endswith("…") and len(title) <= 49


def test_a_message_sent_while_the_history_opens_is_sent_once_it_is_open(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    backend = ScriptedBackend("Hello.")
    window = make_app(backend).window
    store = window.chat.store
    assert store is not None
    window.chat.store = None  # as in the first second after start
    box = find(window, "Message input", QPlainTextEdit)
    assert box.isEnabled()
    box.setFocus()
    qtbot.keyClicks(box, "typed at once")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert backend.requests == [] and box.toPlainText() == "typed at once"  # kept, not lost
    window.chat.set_store(store)
    qtbot.waitUntil(
        lambda: window.chat.generation is None and bool(backend.requests), timeout=10_000
    )
    assert backend.requests[-1][-1] == {"role": "user", "content": "typed at once"}
    assert box.toPlainText() == ""
    assert window.chat.view.last_card().text == "Hello."  # type: ignore[union-attr]
