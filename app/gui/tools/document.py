"""The document a tool works on: text typed or pasted in a box, or a file or large paste shown
as a card.

Large text never goes into a text box. A ``QPlainTextEdit`` lays out every line it holds; a
10 MB paste would freeze the window for seconds. Files, and pastes above
:data:`LARGE_TEXT_CHARS`, become a :class:`DocumentCard` that shows what was loaded instead.
Files are read, and large pastes checked, with :class:`BackgroundOp`, so nothing slow runs on
the GUI thread.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.i18n import plural
from app.gui.icons import icon
from app.gui.ops import BackgroundOp
from app.gui.theme import Theme, current_theme
from app.gui.tools.text import message_of, size_label

if TYPE_CHECKING:
    from app.core.extract import ExtractedText

# Pastes longer than this become a document card instead of text in the box (see module doc).
LARGE_TEXT_CHARS = 100_000


class DropEditor(QPlainTextEdit):
    """The paste box. Dropped files and very large pastes are handed to the owner instead of
    being inserted as text (see the module doc for why)."""

    files_dropped = Signal(list)  # list[Path]
    large_text = Signal(str)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:  # noqa: N802 - Qt override
        return source.hasUrls() or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 - Qt override
        paths = [Path(url.toLocalFile()) for url in source.urls() if url.isLocalFile()]
        if paths:
            self.files_dropped.emit(paths)
            return
        if source.hasText():
            text = source.text()
            if len(text) + len(self.toPlainText()) > LARGE_TEXT_CHARS:
                self.large_text.emit(text)
                return
        super().insertFromMimeData(source)


def mostly_cjk(text: str, sample: int = 20_000) -> bool:
    """Whether most letters of ``text`` are Chinese, Japanese or Korean characters."""
    head = text[:sample]
    letters = [ch for ch in head if ch.isalpha()]
    if not letters:
        return False
    cjk = sum(1 for ch in letters if unicodedata.east_asian_width(ch) in "WF")
    return cjk * 2 > len(letters)


class DocumentCard(QFrame):
    """A loaded document shown by name, size and its first lines, not as editable text."""

    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DocumentCard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName(self.tr("Loaded document"))
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 14, 16, 14)
        column.setSpacing(6)
        top = QHBoxLayout()
        self.picture = QLabel()
        top.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(2)
        self.name = QLabel()
        self.name.setObjectName("CardName")
        self.name.setAccessibleName(self.tr("Document name"))
        self.details = QLabel()
        self.details.setObjectName("Muted")
        self.details.setWordWrap(True)
        self.details.setAccessibleName(self.tr("Document details"))
        names.addWidget(self.name)
        names.addWidget(self.details)
        top.addLayout(names, 1)
        self.clear_button = QToolButton()
        self.clear_button.setText(self.tr("Remove"))
        self.clear_button.setAccessibleName(self.tr("Remove document"))
        self.clear_button.setToolTip(self.tr("Remove this document and type or paste text instead"))
        self.clear_button.clicked.connect(self.cleared)
        top.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(top)
        self.preview = QLabel()
        self.preview.setObjectName("CardPreview")
        self.preview.setWordWrap(True)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.preview.setAccessibleName(self.tr("Document preview"))
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        column.addWidget(self.preview, 1)
        self.retint(current_theme())

    def retint(self, theme: Theme) -> None:
        self.picture.setPixmap(icon("summarise", theme.accent).pixmap(28, 28))

    def show_document(self, name: str, text: str, detail: str) -> None:
        self.name.setText(name)
        size = size_label(len(text.encode("utf-8", "replace")))
        more = f" · {detail}" if detail else ""
        if mostly_cjk(text):
            # Chinese and Japanese have no spaces between words: "words" would count sentences.
            self.details.setText(
                self.tr("{chars} characters · {size}{detail}").format(
                    chars=f"{len(text):,}", size=size, detail=more
                )
            )
            self._preview(text)
            return
        words = len(text.split()) if len(text) < 5_000_000 else len(text) // 6
        self.details.setText(
            self.tr("{words} words · {chars} characters · {size}{detail}").format(
                words=f"{words:,}", chars=f"{len(text):,}", size=size, detail=more
            )
        )
        self._preview(text)

    def _preview(self, text: str) -> None:
        preview = text[:1200].strip()
        self.preview.setText(preview + ("…" if len(text) > 1200 else ""))


class DocumentInput(QWidget):
    """Text typed or pasted in a box, or a document (file or large paste) shown as a card.

    ``changed`` fires whenever the text to work on changes; ``problem`` carries a message for
    the user when something could not be loaded.
    """

    changed = Signal()
    problem = Signal(str)
    file_loaded = Signal(object)  # Path of a file that was read (the sentiment pane wants CSVs)

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._document: str | None = None
        self._name = ""
        self.path: Path | None = None
        self.loading = False
        self.ask_open: Callable[[], str | None] = self._open_dialog

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        header = self.header = QHBoxLayout()
        title = QLabel(self.tr("Document"))
        title.setObjectName("SectionTitle")
        header.addWidget(title)
        header.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("Muted")
        self.status.setAccessibleName(self.tr("Document status"))
        header.addWidget(self.status)
        self.open_button = QPushButton(self.tr("Open…"))
        self.open_button.setAccessibleName(self.tr("Open file"))
        self.open_button.setToolTip(
            self.tr("Open a text, Markdown, HTML, PDF or Word document (Ctrl+O)")
        )
        self.open_button.clicked.connect(self.choose_file)
        header.addWidget(self.open_button)
        column.addLayout(header)

        self.stack = QStackedWidget()
        self.editor = DropEditor()
        self.editor.setObjectName("DocumentEditor")
        self.editor.setAccessibleName(self.tr("Document input"))
        self.editor.setToolTip(self.tr("Type or paste text here, or drop a file"))
        self.editor.setPlaceholderText(placeholder)
        self.editor.textChanged.connect(self.changed)
        self.editor.files_dropped.connect(self._files_dropped)
        self.editor.large_text.connect(lambda text: self.load_text(text, self.tr("Pasted text")))
        self.card = DocumentCard()
        self.card.cleared.connect(self.clear)
        self.stack.addWidget(self.editor)
        self.stack.addWidget(self.card)
        column.addWidget(self.stack, 1)

    # -- what the tools read --------------------------------------------------------------

    def text(self) -> str:
        return self._document if self._document is not None else self.editor.toPlainText()

    @property
    def name(self) -> str:
        """Where the text came from: the file name, or "" for typed text."""
        return self._name if self._document is not None else ""

    def is_document(self) -> bool:
        return self._document is not None

    def clear(self) -> None:
        self._document = None
        self._name = ""
        self.path = None
        self.editor.clear()
        self.stack.setCurrentWidget(self.editor)
        self.status.clear()
        self.changed.emit()

    def set_text(self, text: str, name: str = "") -> None:
        """Show text already known to be usable (a saved run): small text in the box."""
        self.path = None
        if name or len(text) > LARGE_TEXT_CHARS:
            self._show_document(text, name or self.tr("Saved document"), "")
        else:
            self._document = None
            self.editor.setPlainText(text)
            self.stack.setCurrentWidget(self.editor)
            self.status.clear()
            self.changed.emit()

    def retint(self, theme: Theme) -> None:
        self.card.retint(theme)

    # -- loading ------------------------------------------------------------------------

    def _open_dialog(self) -> str | None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Open a document"),
            "",
            self.tr("Documents (*.txt *.md *.markdown *.html *.htm *.pdf *.docx);;All files (*)"),
        )
        return path or None

    def choose_file(self) -> None:
        chosen = self.ask_open()
        if chosen:
            self.open_path(Path(chosen))

    def _files_dropped(self, paths: list[Path]) -> None:
        if len(paths) > 1:
            self.problem.emit(
                self.tr("Drop one document at a time; {name} was opened.").format(
                    name=paths[0].name
                )
            )
        self.open_path(paths[0])

    def open_path(self, path: Path) -> None:
        """Read ``path`` in the background; the card appears when its text is ready."""
        from app.core.extract import extract_text

        self._set_loading(self.tr("Reading {name}…").format(name=path.name))
        BackgroundOp(self, lambda: extract_text(path)).on_success(
            lambda extracted: self._file_read(path, extracted)
        ).on_failure(self._load_failed).with_progress(
            self.tr("Reading {name}…").format(name=path.name)
        ).run()

    def load_text(self, text: str, name: str) -> None:
        """A large paste: checked in the background, then shown as a card."""
        from app.core.extract import MAX_TEXT_BYTES, InputError, check_text

        if len(text) > MAX_TEXT_BYTES:  # characters are at least one byte: too large for sure
            mb = MAX_TEXT_BYTES // (1024 * 1024)
            self.problem.emit(
                self.tr(
                    "The pasted text is too large: {size}, and Parley works on at most {mb} MB "
                    "at a time. Split the document and work on it in parts."
                ).format(size=size_label(len(text)), mb=mb)
            )
            return

        def check() -> str:
            check_text(text)
            return text

        def failed(error: BaseException) -> None:
            if isinstance(error, InputError):
                self._load_failed(error)
            else:
                self._load_failed(InputError(message_of(error)))

        self._set_loading(self.tr("Checking the pasted text…"))
        BackgroundOp(self, check).on_success(
            lambda checked: self._show_document(str(checked), name, "")
        ).on_failure(failed).run()

    def _set_loading(self, text: str) -> None:
        self.loading = True
        self.status.setText(text)
        self.open_button.setEnabled(False)
        self.changed.emit()

    def _file_read(self, path: Path, extracted: object) -> None:
        self.loading = False
        self.open_button.setEnabled(True)
        data: ExtractedText = extracted  # type: ignore[assignment]
        detail = data.kind.upper() if data.kind in ("pdf", "docx", "html") else ""
        if data.pages:
            detail += " · " + plural(data.pages, self.tr("1 page"), self.tr("{n} pages"))
        self._show_document(data.text, data.source, detail)
        self.path = path
        if data.notes:
            self.problem.emit(" ".join(data.notes))
        self.file_loaded.emit(path)

    def _show_document(self, text: str, name: str, detail: str) -> None:
        self.loading = False
        self.open_button.setEnabled(True)
        self._document = text
        self._name = name
        self.card.show_document(name, text, detail)
        self.stack.setCurrentWidget(self.card)
        self.status.clear()
        self.changed.emit()

    def _load_failed(self, error: BaseException) -> None:
        self.loading = False
        self.open_button.setEnabled(True)
        self.status.clear()
        self.changed.emit()
        self.problem.emit(message_of(error))

    # -- drops on the card (the editor handles its own) -------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self._files_dropped(paths)
        else:
            super().dropEvent(event)
