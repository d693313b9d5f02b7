"""Screen readers hear a reply once it is complete (and when it is stopped), and hear that a
tool job ended, through Qt's accessibility announcements; the real starter model writes the
replies. What would be said is read at the one seam where it is handed to Qt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from app.gui import announce
from tests.gui.conftest import REAL_OPTIONS, AppFactory, find
from tests.gui.test_chat_real import last_card, new_chat, type_and_send, wait_reply
from tests.gui.tools_helpers import open_section, start, type_document


@pytest.fixture
def spoken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[QObject, str, bool]]]:
    said: list[tuple[QObject, str, bool]] = []

    def send(event: QAccessibleAnnouncementEvent) -> None:
        assert event.type() == QAccessible.Event.Announcement
        urgent = event.politeness() == QAccessible.AnnouncementPoliteness.Assertive
        said.append((event.object(), event.message(), urgent))

    monkeypatch.setattr(announce, "_send", send)
    yield said


def test_a_long_text_is_cut_at_a_word_and_nothing_empty_is_said(
    qtbot: QtBot, spoken: list[tuple[QObject, str, bool]]
) -> None:
    text = "word " * 1000
    assert len(announce.spoken(text)) <= announce.MAX_SPOKEN_CHARS + 1
    assert announce.spoken(text).endswith("word…")
    assert announce.spoken("a\n\nb  c") == "a b c"
    label = QLabel()
    qtbot.addWidget(label)
    announce.announce(label, "  \n")
    assert spoken == []
    announce.announce(label, "Done", urgent=True)
    assert spoken == [(label, "Done", True)]


def test_the_real_qt_call_takes_the_event(qtbot: QtBot) -> None:
    """Without the seam: Qt accepts the event (no screen reader here, so it goes nowhere)."""
    label = QLabel()
    qtbot.addWidget(label)
    announce.announce(label, "The summary is ready.")


def test_a_finished_and_a_stopped_reply_are_announced(
    make_app: AppFactory, qtbot: QtBot, spoken: list[tuple[QObject, str, bool]]
) -> None:
    window = make_app().window
    new_chat(window, qtbot, max_tokens=24)
    type_and_send(window, qtbot, "Say hello to me.")
    wait_reply(window, qtbot)
    reply = last_card(window).text
    assert reply.strip()
    assert spoken == [(window.chat.view, announce.spoken(reply), False)]

    spoken.clear()
    new_chat(window, qtbot, max_tokens=600)
    type_and_send(window, qtbot, "Write a long story about a dragon who learns to bake bread.")
    qtbot.waitUntil(lambda: len(last_card(window).text) > 30, timeout=60_000)
    qtbot.mouseClick(find(window, "Stop", QPushButton), Qt.MouseButton.LeftButton)
    wait_reply(window, qtbot, timeout=5_000)
    [(_source, message, urgent)] = spoken
    assert message == announce.spoken("Reply stopped. " + last_card(window).text)
    assert not urgent


def test_a_tool_job_that_ends_is_announced(
    make_app: AppFactory, qtbot: QtBot, spoken: list[tuple[QObject, str, bool]]
) -> None:
    window = make_app(options=REAL_OPTIONS).window
    pane = open_section(window, qtbot, "Sentiment")
    type_document(pane, "The hotel room was spotless and the staff were lovely.")
    qtbot.waitUntil(lambda: "at a time" in pane.run_bar.plan.full_text(), timeout=60_000)
    start(pane, qtbot, "Analyse sentiment")
    qtbot.waitUntil(lambda: pane.job is None, timeout=120_000)
    assert (pane, "Sentiment is done; the result is ready.", False) in spoken
