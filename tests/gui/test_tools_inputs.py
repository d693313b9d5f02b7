"""Bad input in the tool panes: a clear message, nothing half-loaded, no frozen window.

These tests are about the panes' own handling of files and pastes, so they use the scripted
backend; nothing here reaches a model.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QTimer
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from app.core.extract import MAX_TEXT_BYTES
from app.gui.tools.document import LARGE_TEXT_CHARS
from app.gui.tools.pane import ToolPane
from tests.gui.conftest import AppFactory, ScriptedBackend, find
from tests.gui.tools_helpers import open_section


def banner_text(pane: ToolPane, qtbot: QtBot) -> str:
    label = find(pane, "Notice", QLabel)
    qtbot.waitUntil(lambda: pane.banner.isVisible() and bool(label.text()), timeout=20_000)
    qtbot.waitUntil(lambda: not pane.input.loading, timeout=20_000)
    return str(label.text())


def test_bad_files_and_huge_paste_get_a_message(
    make_app: AppFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_app(ScriptedBackend()).window
    pane = open_section(window, qtbot, "Summarise")
    editor = find(pane, "Document input", QPlainTextEdit)

    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    pane.input.open_path(binary)
    assert "binary" in banner_text(pane, qtbot).lower()
    assert not pane.input.is_document()

    pane.banner.hide()
    unknown = tmp_path / "program.exe"
    unknown.write_bytes(b"MZ\x00\x00")
    pane.input.open_path(unknown)
    assert "cannot read .exe files" in banner_text(pane, qtbot)

    pane.banner.hide()
    empty = tmp_path / "empty.md"
    empty.write_text("")
    pane.input.open_path(empty)
    assert "empty" in banner_text(pane, qtbot)

    pane.banner.hide()
    big_file = tmp_path / "big.txt"
    big_file.write_text("word " * (MAX_TEXT_BYTES // 5 + 10))
    pane.input.open_path(big_file)
    assert "too large" in banner_text(pane, qtbot)

    # A 10 MB paste never reaches the text box; the event loop keeps running meanwhile.
    pane.banner.hide()
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    mime = QMimeData()
    mime.setText("x" * (MAX_TEXT_BYTES + 1))
    editor.insertFromMimeData(mime)
    assert "too large" in banner_text(pane, qtbot)
    assert editor.toPlainText() == ""
    qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=5_000)
    timer.stop()

    # Binary data pasted as text is refused as well.
    pane.banner.hide()
    mime = QMimeData()
    mime.setText("abc\x00" * (LARGE_TEXT_CHARS // 3))
    editor.insertFromMimeData(mime)
    assert "binary" in banner_text(pane, qtbot).lower()
    assert editor.toPlainText() == "" and not pane.input.is_document()

    # With no text, the action explains what to do instead of starting.
    pane.start()
    assert pane.job is None


def test_large_paste_and_files_become_a_document_card(
    make_app: AppFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_app(ScriptedBackend()).window
    pane = open_section(window, qtbot, "Translate")
    editor = find(pane, "Document input", QPlainTextEdit)
    mime = QMimeData()
    text = "A sentence to translate. " * (LARGE_TEXT_CHARS // 20)
    mime.setText(text)
    editor.insertFromMimeData(mime)
    qtbot.waitUntil(pane.input.is_document, timeout=20_000)
    assert pane.input.text() == text and editor.toPlainText() == ""
    assert find(pane, "Document name", QLabel).text() == "Pasted text"
    assert find(pane, "Translate document", QPushButton).isEnabled()

    page = tmp_path / "notes.html"
    page.write_text("<html><body><h1>Notes</h1><p>First paragraph.</p></body></html>")
    pane.input.open_path(page)
    qtbot.waitUntil(lambda: pane.input.name == "notes.html", timeout=20_000)
    assert "First paragraph." in pane.input.text()
    assert "HTML" in find(pane, "Document details", QLabel).text()
    find(pane, "Remove document").click()
    assert not pane.input.is_document() and pane.input.text() == ""
