"""Export a conversation from the window, and attach documents to a chat message.

Export: from the conversation's context menu and from the File menu, through the same store
export and atomic write the ``parley history export`` command uses, into a real file; a
write that cannot happen is said in words. Attachments: real text, PDF and Word files read
by the real extractor, counted with the real starter model's tokenizer, sent in the message;
bad files refused with a sentence. The file dialogs are the one thing replaced (a test
cannot click a native dialog): ``ask_path`` / ``ask_open`` return the file a user would pick.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QLabel, QListWidget, QPlainTextEdit, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from app.core.context import prompt_budget
from app.core.history import HistoryStore
from app.gui.chat.attach import AttachmentChip
from app.gui.chat.export import default_file_name
from app.gui.window import MainWindow
from tests.core.test_extract import make_pdf
from tests.gui.conftest import AppFactory, ScriptedBackend, find
from tests.gui.test_chat_real import new_chat


def seed_trip(store: HistoryStore) -> int:
    """A conversation with a regenerated reply: two branches, one shown."""
    conversation = store.create_conversation(title="Trip to Kyoto: spring?", model_id="scripted")
    question = store.add_message(conversation.id, "user", "When should I visit Kyoto?")
    store.add_message(
        conversation.id, "assistant", "Autumn, for the maples.", parent_id=question.id
    )
    store.add_message(
        conversation.id, "assistant", "Spring, for the blossoms.", parent_id=question.id
    )
    return conversation.id


class PickedPaths:
    """Stands in for the save dialog: records what it was shown, answers with a path."""

    def __init__(self, answer: Path | None) -> None:
        self.answer = answer
        self.shown: list[tuple[str, str, str]] = []

    def __call__(self, caption: str, proposed: str, filters: str) -> str | None:
        self.shown.append((caption, proposed, filters))
        return str(self.answer) if self.answer else None


def notice_text(window: MainWindow) -> str:
    notice = window.chat.notice
    return str(notice.label.text()) if notice.isVisible() else ""


def test_default_file_name_is_the_title_made_safe() -> None:
    assert default_file_name("Trip to Kyoto: spring?", 3, "md") == "Trip to Kyoto spring.md"
    assert default_file_name("a/b\\c", 3, "json") == "a b c.json"
    assert default_file_name("", 7, "md") == "conversation-7.md"
    assert default_file_name(" ... ", 7, "md") == "conversation-7.md"


def test_export_from_the_conversation_menu_and_the_file_menu(
    make_app: AppFactory,
    qtbot: QtBot,
    seeded_store: Callable[[], HistoryStore],
    tmp_path: Path,
) -> None:
    store = seeded_store()
    cid = seed_trip(store)
    store.close()
    window = make_app(ScriptedBackend(), wait_model=False).window
    listing = find(window, "Conversation list", QListWidget)
    menu_texts = [action.text() for action in listing.actions() if not action.isSeparator()]
    assert menu_texts == [
        "Rename",
        "Pin to top",
        "Export as Markdown…",
        "Export as JSON…",
        "Delete",
    ]

    # The conversation's own menu: Markdown of the branch shown.
    markdown = tmp_path / "kyoto.md"
    picked = PickedPaths(markdown)
    window.chat.exporter.ask_path = picked
    window.chat.conversations.export_markdown_action.trigger()
    qtbot.waitUntil(markdown.exists, timeout=5000)
    caption, proposed, filters = picked.shown[0]
    assert caption == "Export “Trip to Kyoto: spring?” as Markdown"
    assert Path(proposed).name == "Trip to Kyoto spring.md"
    assert "*.md" in filters
    assert window.store is not None
    assert markdown.read_text(encoding="utf-8") == window.store.export_markdown([cid]) + "\n"
    assert "Spring, for the blossoms." in markdown.read_text(encoding="utf-8")
    qtbot.waitUntil(
        lambda: "Exported “Trip to Kyoto: spring?” to kyoto.md" in window.busy_label.text(),
        timeout=3000,
    )

    # The File menu: JSON of the open conversation, every branch kept; a name without an
    # extension gets one; the folder of the last export is proposed again.
    file_actions = [a.text() for a in window.file_menu.actions() if not a.isSeparator()]
    assert file_actions == ["Export conversation as &Markdown…", "Export conversation as &JSON…"]
    picked.answer = tmp_path / "kyoto"
    window.actions_by_key["export_json"].trigger()
    written = tmp_path / "kyoto.json"
    qtbot.waitUntil(written.exists, timeout=5000)
    assert Path(picked.shown[1][1]).parent == tmp_path
    data = json.loads(written.read_text(encoding="utf-8"))
    [conversation] = data["conversations"]
    assert conversation["title"] == "Trip to Kyoto: spring?"
    texts = {m["text"] for m in conversation["messages"]}
    assert {"Autumn, for the maples.", "Spring, for the blossoms."} <= texts


def test_export_that_cannot_be_written_is_said_in_words(
    make_app: AppFactory,
    qtbot: QtBot,
    seeded_store: Callable[[], HistoryStore],
    history_path: Path,
    tmp_path: Path,
) -> None:
    store = seeded_store()
    seed_trip(store)
    store.close()
    window = make_app(ScriptedBackend(), wait_model=False).window
    exporter = window.chat.exporter

    exporter.ask_path = PickedPaths(None)  # the dialog was cancelled: nothing happens
    exporter.export_current("md")
    assert notice_text(window) == ""

    exporter.ask_path = PickedPaths(tmp_path / "missing" / "kyoto.md")
    exporter.export_current("md")
    qtbot.waitUntil(lambda: "could not be exported" in notice_text(window), timeout=5000)
    assert "kyoto.md" in notice_text(window) and "does not exist" in notice_text(window)
    assert "Traceback" not in notice_text(window)

    window.chat.notice.hide()
    before = history_path.read_bytes()[:16]
    exporter.ask_path = PickedPaths(history_path)
    exporter.export_current("json")
    qtbot.waitUntil(lambda: "could not be exported" in notice_text(window), timeout=5000)
    assert "history file" in notice_text(window)
    assert history_path.read_bytes()[:16] == before  # the history is untouched


def drop_on(widget: object, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dropEvent(event)  # type: ignore[attr-defined]


def chip_texts(window: MainWindow) -> list[str]:
    return [chip.label.text() for chip in window.chat.composer.attachments.chips]


def real_token_count(window: MainWindow, qtbot: QtBot, text: str) -> int:
    counted: list[int] = []
    window.worker.call(
        lambda backend: backend.count_tokens(text),
        owner=window.chat,
        on_success=lambda tokens: counted.append(int(tokens)),
    )
    qtbot.waitUntil(lambda: bool(counted), timeout=10_000)
    return counted[0]


@pytest.mark.slow
def test_attached_text_pdf_and_word_files_are_counted_and_sent(
    make_app: AppFactory,
    qtbot: QtBot,
    seeded_store: Callable[[], HistoryStore],
    tmp_path: Path,
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("The meeting is on Tuesday at ten.\n\nBring the budget.", encoding="utf-8")
    report = tmp_path / "report.pdf"
    report.write_bytes(make_pdf([["Quarterly report", "Sales grew by 12 percent."]]))
    memo = tmp_path / "memo.docx"
    document = docx.Document()
    document.add_heading("Memo", level=1)
    document.add_paragraph("The office closes early on Friday.")
    document.save(str(memo))

    window = make_app().window
    new_chat(window, qtbot, max_tokens=8)
    meter = find(window, "Context usage", QLabel)
    qtbot.waitUntil(lambda: meter.text().startswith("0 /"), timeout=10_000)

    # The paperclip: two files chosen at once.
    window.chat.attachments.ask_open = lambda: [str(notes), str(report)]
    qtbot.mouseClick(find(window, "Attach a file", QToolButton), Qt.MouseButton.LeftButton)
    # A third dropped on the composer, and the same again dropped on the input box.
    drop_on(window.chat.composer, [memo])
    qtbot.waitUntil(
        lambda: (
            len(chip_texts(window)) == 3
            and all("tokens" in t for t in chip_texts(window))
            and "counting" not in " ".join(chip_texts(window))
        ),
        timeout=20_000,
    )
    by_name = {chip.attachment.name: chip for chip in window.chat.composer.attachments.chips}
    for name, chip in by_name.items():
        real = real_token_count(window, qtbot, chip.attachment.text)
        assert chip.label.text() == f"{name} — {real:,} tokens"
    assert "Sales grew by 12 percent." in by_name["report.pdf"].attachment.text
    assert "The office closes early on Friday." in by_name["memo.docx"].attachment.text
    # The meter counts the documents as part of the draft.
    qtbot.waitUntil(lambda: not meter.text().startswith("0 /"), timeout=10_000)

    box = find(window, "Message input", QPlainTextEdit)
    box.insertFromMimeData(_mime(memo))  # dropping on the text box attaches, types nothing
    qtbot.waitUntil(lambda: len(chip_texts(window)) == 4, timeout=10_000)
    assert box.toPlainText() == ""
    extra = window.chat.composer.attachments.chips[-1]
    qtbot.mouseClick(find(extra, "Remove attachment", QToolButton), Qt.MouseButton.LeftButton)
    assert len(chip_texts(window)) == 3

    # Send is possible with documents alone; typed words come first.
    assert find(window, "Send", QPushButton).isEnabled()
    box.setFocus()
    qtbot.keyClicks(box, "What do these say?")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.chat.generation is None, timeout=60_000)
    assert chip_texts(window) == []
    assert window.chat.composer.attachments.isHidden()
    store = seeded_store()
    [conversation] = store.list_conversations()
    sent = store.thread(conversation.id)[0].text
    assert sent.startswith("What do these say?\n\n--- notes.txt ---\nThe meeting is on Tuesday")
    assert "--- report.pdf ---\nQuarterly report" in sent
    assert sent.endswith("The office closes early on Friday.\n--- end of memo.docx ---")
    assert conversation.title == "What do these say?"


def _mime(path: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


@pytest.mark.slow
def test_an_attachment_larger_than_the_context_says_it_does_not_fit(
    make_app: AppFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    long_text = tmp_path / "long.md"
    long_text.write_text(
        "\n\n".join(f"Paragraph {i}: the river rose after the rain." for i in range(80)),
        encoding="utf-8",
    )
    window = make_app().window
    new_chat(window, qtbot, max_tokens=32, context=256)
    window.chat.attachments.attach(long_text)
    qtbot.waitUntil(
        lambda: "does not fit the context window" in notice_text(window), timeout=20_000
    )
    text = notice_text(window)
    budget = prompt_budget(256, 32)
    assert text.startswith("long.md is ") and f"more than the {budget} this conversation" in text
    assert chip_texts(window) and "tokens" in chip_texts(window)[0]  # kept: the user decides


def test_bad_files_are_refused_with_a_sentence(
    make_app: AppFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "data.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    program = tmp_path / "tool.exe"
    program.write_bytes(b"MZ\x90\x00")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    window = make_app(ScriptedBackend(), wait_model=False).window
    expected = {
        empty: "empty.txt is empty",
        binary: "binary data",
        program: "Parley cannot read .exe files (tool.exe)",
        broken: "broken.pdf could not be read as a PDF",
        tmp_path / "gone.txt": "gone.txt does not exist",
        tmp_path: "is a folder, not a document",
    }
    for path, words in expected.items():
        window.chat.notice.hide()
        window.chat.attachments.attach(path)
        qtbot.waitUntil(lambda: "not attached" in notice_text(window), timeout=5000)
        assert words in notice_text(window), notice_text(window)
        assert "Traceback" not in notice_text(window)
    assert window.chat.composer.attachments.chips == []
    assert not find(window, "Send", QPushButton).isEnabled()


def test_attachment_chip_is_roomy_enough(
    make_app: AppFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    """The chip's words are shown whole in a normal window (also checked by eye)."""
    notes = tmp_path / "quarterly-report-final.txt"
    notes.write_text("Numbers went up. " * 40, encoding="utf-8")
    window = make_app(ScriptedBackend()).window
    window.resize(1100, 700)
    window.show()
    window.chat.attachments.attach(notes)
    bar = window.chat.composer.attachments
    qtbot.waitUntil(lambda: bool(bar.chips) and "tokens" in bar.chips[0].label.text())
    chip: AttachmentChip = bar.chips[0]
    assert chip.label.text() == "quarterly-report-final.txt — 120 tokens"
    qtbot.wait(50)
    assert chip.label.width() >= chip.label.sizeHint().width()  # not clipped
    assert chip.height() >= chip.label.sizeHint().height()
