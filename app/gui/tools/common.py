"""What the three text-tool panes share: document input, the run bar, saved runs, the job loop.

The rules these parts keep, so every tool behaves the same:

* Nothing slow runs on the GUI thread. Files are read with :class:`BackgroundOp`; pipelines
  run on the engine worker (``worker.call``), so a tool and a chat reply never use the model
  at the same time. Events from the pipeline are handed over through a :class:`JobFeed` and
  drained once per frame, so a fast model cannot flood the event loop.
* Large text never goes into a text box. A ``QPlainTextEdit`` lays out every line it holds;
  a 10 MB paste would freeze the window for seconds. Files, and pastes above
  :data:`LARGE_TEXT_CHARS`, become a document card that shows what was loaded instead.
* Nothing is lost. A run is saved as "streaming" when it starts, checkpointed about once a
  second, and finished as complete, stopped or failed; Stop and closing the window keep the
  output so far.
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.backend import Backend
from app.gui.i18n import plural
from app.gui.icons import icon
from app.gui.notice import Notice
from app.gui.ops import BackgroundOp
from app.gui.theme import Theme, current_theme

if TYPE_CHECKING:
    from app.core.extract import ExtractedText
    from app.core.history import HistoryStore, ToolRun
    from app.gui.engine_worker import EngineWorker

log = logging.getLogger(__name__)

FRAME_MS = 16
CHECKPOINT_MS = 1000
PLAN_DEBOUNCE_MS = 500
# Pastes longer than this become a document card instead of text in the box (see module doc).
LARGE_TEXT_CHARS = 100_000
# The plan line is worked out before a run only for text up to this size: counting tokens of
# a bigger document takes the engine long enough to delay a chat reply for no good reason.
PLAN_PREVIEW_CHARS = 2_000_000
HISTORY_LIMIT = 100
# Marked for lupdate with QT_TRANSLATE_NOOP; shown through status_name().
STATUS_NAMES: dict[str, str] = {
    "complete": str(QT_TRANSLATE_NOOP("ToolStatus", "Complete")),
    "stopped": str(QT_TRANSLATE_NOOP("ToolStatus", "Stopped")),
    "failed": str(QT_TRANSLATE_NOOP("ToolStatus", "Failed")),
    "interrupted": str(QT_TRANSLATE_NOOP("ToolStatus", "Interrupted")),
    "streaming": str(QT_TRANSLATE_NOOP("ToolStatus", "Running")),
}


def status_name(status: str) -> str:
    """A run's status in the interface language."""
    return QCoreApplication.translate("ToolStatus", STATUS_NAMES.get(status, status))


AskPath = Callable[[str, str, str], str | None]


def pane_stylesheet(theme: Theme) -> str:
    """Styles for the tool panes' own surfaces; set on each pane so theme.py stays untouched."""
    t = theme
    return f"""
    QWidget#RunHistory {{ background: {t.window}; border-right: 1px solid {t.border}; }}
    QListWidget#RunList {{ background: transparent; border: none; outline: none; }}
    QListWidget#RunList::item {{ padding: 6px 8px; border-radius: 6px; color: {t.text}; }}
    QListWidget#RunList::item:selected {{ background: {t.sidebar_checked}; color: {t.text}; }}
    QListWidget#RunList::item:hover:!selected {{ background: {t.sidebar_hover}; }}
    QLabel#PaneTitle {{ font-size: 18px; font-weight: 600; }}
    QLabel#PaneSubtitle, QLabel#Muted, QLabel#PlanLine {{ color: {t.muted}; }}
    QLabel#SectionTitle {{ font-weight: 600; }}
    QLabel#HistoryTitle {{ font-weight: 600; padding: 2px 2px 6px 2px; }}
    QFrame#ToolBanner {{ background: {t.warning_bg}; border-radius: 8px; }}
    QFrame#ToolBanner QLabel {{ color: {t.warning_text}; }}
    QFrame#DocumentCard {{
        background: {t.base}; border: 1px solid {t.border}; border-radius: 10px;
    }}
    QLabel#CardName {{ font-weight: 600; font-size: 14px; }}
    QLabel#CardPreview {{ color: {t.muted}; }}
    QPlainTextEdit#DocumentEditor, QTextBrowser#ResultView {{
        background: {t.base}; border: 1px solid {t.border}; border-radius: 8px; padding: 4px;
    }}
    QLabel#StatusChip {{
        color: {t.warning_text}; background: {t.warning_bg}; border-radius: 6px;
        padding: 1px 8px;
    }}
    QPushButton#PrimaryButton {{
        background: {t.accent}; color: {t.accent_text}; border: none; border-radius: 8px;
        padding: 6px 16px; font-weight: 600;
    }}
    QPushButton#PrimaryButton:disabled {{ background: {t.border}; color: {t.muted}; }}
    QProgressBar#RunProgress {{
        border: 1px solid {t.border}; border-radius: 6px; background: {t.alt_base};
        text-align: center; min-height: 18px;
    }}
    QProgressBar#RunProgress::chunk {{ background: {t.sidebar_checked}; border-radius: 5px; }}
    """


def message_of(error: BaseException | str) -> str:
    """The user-facing text of an error: InputError and HistoryError carry ``message``."""
    if isinstance(error, str):
        return error
    return str(getattr(error, "message", "") or error or type(error).__name__)


def first_words(text: str, limit: int = 60) -> str:
    """A one-line title from the start of a text, cut at a word boundary."""
    line = " ".join(text[: limit * 4].split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut.rstrip(" ,.;:-") + "…"


def size_label(chars: int) -> str:
    if chars >= 1024 * 1024:
        return f"{chars / (1024 * 1024):.1f} MB"
    if chars >= 1024:
        return f"{chars / 1024:.0f} KB"
    return f"{chars} B"


# --- the hand-over from the engine thread ------------------------------------------------


class JobFeed:
    """Pipeline events written by the engine thread, taken by the GUI's frame timer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[object] = []

    def push(self, event: object) -> None:
        with self._lock:
            self._events.append(event)

    def take(self) -> list[object]:
        with self._lock:
            events, self._events = self._events, []
            return events


@dataclass
class ToolJob:
    """One run of a tool: its stop flag, its feed, its saved row and the output shown so far."""

    ticket: int
    run_id: int | None
    stop: threading.Event
    feed: JobFeed
    options: dict[str, Any]
    output: str = ""
    checkpointed: str = ""
    stop_requested: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


Work = Callable[[Backend], object]


# --- small widgets -------------------------------------------------------------------------


class Banner(Notice):
    """A dismissible message above the document: bad input, a failed run, a note."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, object_name="ToolBanner")


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
        words = len(text.split()) if len(text) < 5_000_000 else len(text) // 6
        self.details.setText(
            self.tr("{words} words · {chars} characters · {size}{detail}").format(
                words=f"{words:,}",
                chars=f"{len(text):,}",
                size=size_label(len(text.encode("utf-8", "replace"))),
                detail=f" · {detail}" if detail else "",
            )
        )
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


class RunHistory(QWidget):
    """The pane's saved runs, newest first; choosing one re-opens it."""

    run_selected = Signal(int)
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RunHistory")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFixedWidth(220)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 14, 10, 10)
        column.setSpacing(4)
        title = QLabel(self.tr("History"))
        title.setObjectName("HistoryTitle")
        column.addWidget(title)
        self.list = QListWidget()
        self.list.setObjectName("RunList")
        self.list.setAccessibleName(self.tr("Saved runs"))
        self.list.setToolTip(self.tr("Earlier runs; choose one to see it again"))
        self.list.setWordWrap(True)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        column.addWidget(self.list, 1)
        self.empty = QLabel(self.tr("Runs you make are kept here."))
        self.empty.setObjectName("Muted")
        self.empty.setWordWrap(True)
        column.addWidget(self.empty)

    def set_runs(self, runs: list[tuple[int, str, str]]) -> None:
        """``runs`` as (id, title, when · status) tuples, newest first."""
        selected = self.selected_id()
        self.list.clear()
        for rid, title, meta in runs:
            item = QListWidgetItem(f"{title}\n{meta}")
            item.setData(Qt.ItemDataRole.UserRole, rid)
            item.setToolTip(title)
            self.list.addItem(item)
            if rid == selected:
                item.setSelected(True)
        self.empty.setVisible(not runs)

    def select(self, rid: int) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == rid:
                self.list.setCurrentItem(item)
                return

    def selected_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def ids(self) -> list[int]:
        return [
            int(self.list.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.list.count())
        ]

    def _clicked(self, item: QListWidgetItem) -> None:
        self.run_selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _menu(self, position: Any) -> None:
        item = self.list.itemAt(position)
        if item is None:
            return
        menu = QMenu(self)
        remove = menu.addAction(self.tr("Delete"))
        rid = int(item.data(Qt.ItemDataRole.UserRole))
        remove.triggered.connect(lambda: self.delete_requested.emit(rid))
        menu.popup(self.list.viewport().mapToGlobal(position))


class RunBar(QWidget):
    """The plan line, the progress bar, Stop and the tool's action button."""

    def __init__(self, action_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        self.plan = QLabel()
        self.plan.setObjectName("PlanLine")
        self.plan.setAccessibleName(self.tr("Plan"))
        self.plan.setToolTip(
            self.tr(
                "How much text there is, how much the model reads at once, and in how many parts"
            )
        )
        self.plan.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.plan, 1)
        self.progress = QProgressBar()
        self.progress.setObjectName("RunProgress")
        self.progress.setAccessibleName(self.tr("Progress"))
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        row.addWidget(self.progress)
        self.stop = QPushButton(self.tr("Stop"))
        self.stop.setAccessibleName(self.tr("Stop"))
        self.stop.setToolTip(self.tr("Stop now; what is done so far is kept (Esc)"))
        self.stop.hide()
        row.addWidget(self.stop)
        self.action = QPushButton(action_label)
        self.action.setObjectName("PrimaryButton")
        self.action.setAccessibleName(action_label)
        self.action.setToolTip(action_label + " (Ctrl+Return)")
        row.addWidget(self.action)

    def set_running(self, running: bool) -> None:
        self.action.setVisible(not running)
        self.stop.setVisible(running)
        self.stop.setEnabled(True)
        self.progress.setVisible(running)
        if running:
            self.progress.setRange(0, 0)
            self.progress.setFormat(self.tr("Starting…"))

    def set_step(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))
        self.progress.setFormat(text)


class ElidedLabel(QLabel):
    """A one-line label that shrinks before its neighbours do, ending in "…" when narrow.

    The whole text stays in :meth:`full_text` and in the tooltip, so nothing is lost.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self.width())
        super().setText(shown)


class ResultHeader(QWidget):
    """The "Result" heading with the run's status and the Copy / Save buttons."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        label = QLabel(title)
        label.setObjectName("SectionTitle")
        row.addWidget(label)
        self.chip = QLabel()
        self.chip.setObjectName("StatusChip")
        self.chip.setAccessibleName(self.tr("Run status"))
        self.chip.hide()
        row.addWidget(self.chip)
        self.meta = ElidedLabel()
        self.meta.setObjectName("Muted")
        self.meta.setAccessibleName(self.tr("Run details"))
        self.meta.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        row.addSpacing(6)
        row.addWidget(self.meta, 1)
        self.copy = QPushButton(self.tr("Copy"))
        self.copy.setAccessibleName(self.tr("Copy result"))
        self.copy.setToolTip(self.tr("Copy the result to the clipboard"))
        self.save = QPushButton(self.tr("Save…"))
        self.save.setAccessibleName(self.tr("Save result"))
        self.save.setToolTip(self.tr("Save the result to a file"))
        for button in (self.copy, self.save):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.setEnabled(False)
            row.addWidget(button)

    def set_status(self, status: str) -> None:
        if status in ("", "complete"):
            self.chip.hide()
            return
        self.chip.setText(status_name(status))
        self.chip.show()


# --- the pane ------------------------------------------------------------------------------


class ToolPane(QWidget):
    """A tool section: saved runs on the left; options, document, result and run bar.

    Subclasses build their options and result widgets and say how to run the pipeline; this
    class does the rest (input, plan line, job loop, Stop, saving, history).
    """

    tool = ""

    def __init__(
        self,
        worker: EngineWorker,
        *,
        title: str,
        subtitle: str,
        action_label: str,
        placeholder: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(title)
        self.worker = worker
        self.store: HistoryStore | None = None
        self.job: ToolJob | None = None
        self.shown_run: int | None = None
        self._closed = False
        self._plan_ticket = 0
        self.ask_save: AskPath = self._save_dialog

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.history = RunHistory()
        self.history.run_selected.connect(self.open_run)
        self.history.delete_requested.connect(self.delete_run)
        row.addWidget(self.history)

        main = QWidget()
        self.column = QVBoxLayout(main)
        self.column.setContentsMargins(20, 14, 20, 14)
        self.column.setSpacing(10)
        heading = QVBoxLayout()
        heading.setSpacing(0)
        name = QLabel(title)
        name.setObjectName("PaneTitle")
        heading.addWidget(name)
        sub = QLabel(subtitle)
        sub.setObjectName("PaneSubtitle")
        sub.setWordWrap(True)
        heading.addWidget(sub)
        self.column.addLayout(heading)
        self.options_row = QHBoxLayout()
        self.options_row.setSpacing(8)
        self.column.addLayout(self.options_row)
        self.banner = Banner()
        self.column.addWidget(self.banner)
        self.input = DocumentInput(placeholder)
        self.input.changed.connect(self._input_changed)
        self.input.problem.connect(self.banner.show_text)
        self.result_header = ResultHeader(self.tr("Result"))
        self.result_header.copy.clicked.connect(self.copy_result)
        self.result_header.save.clicked.connect(self.save_result)
        self.run_bar = RunBar(action_label)
        self.run_bar.action.clicked.connect(self.start)
        self.run_bar.stop.clicked.connect(self.stop)
        row.addWidget(main, 1)

        self._frame_timer = QTimer(self)
        self._frame_timer.setInterval(FRAME_MS)
        self._frame_timer.timeout.connect(self._on_frame)
        self._checkpoint_timer = QTimer(self)
        self._checkpoint_timer.setInterval(CHECKPOINT_MS)
        self._checkpoint_timer.timeout.connect(self._checkpoint)
        self._plan_timer = QTimer(self)
        self._plan_timer.setSingleShot(True)
        self._plan_timer.setInterval(PLAN_DEBOUNCE_MS)
        self._plan_timer.timeout.connect(self._request_plan)
        worker.call_finished.connect(self._on_call_finished)
        worker.load_finished.connect(lambda _info: self._plan_timer.start())

        from PySide6.QtGui import QKeySequence, QShortcut

        for keys, slot in (
            ("Ctrl+Return", self.start),
            ("Esc", self.stop),
            ("Ctrl+O", self.input.choose_file),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.setStyleSheet(pane_stylesheet(current_theme()))
        self._update_action()

    def add_body(self, body: QWidget) -> None:
        """The subclass's document + result area, then the run bar under it."""
        self.column.addWidget(body, 1)
        self.column.addWidget(self.run_bar)

    def add_option(self, label: str, widget: QWidget, caption_text: str = "") -> None:
        """A labelled control in the options row; ``label`` is its accessible name, and its
        caption unless a shorter ``caption_text`` is given."""
        caption = QLabel(caption_text or label)
        caption.setObjectName("Muted")
        caption.setBuddy(widget)
        widget.setAccessibleName(label)
        if not widget.toolTip():
            widget.setToolTip(label)
        if isinstance(widget, QComboBox):
            widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.options_row.addWidget(caption)
        self.options_row.addWidget(widget)
        self.options_row.addSpacing(8)

    # -- subclass hooks --------------------------------------------------------------------

    def options(self) -> dict[str, Any]:
        """The chosen options, as saved with the run."""
        raise NotImplementedError

    def make_work(self, text: str, job: ToolJob) -> Work:
        """The pipeline run for ``text``; it runs on the engine thread and pushes to job.feed."""
        raise NotImplementedError

    def plan_work(self, text: str) -> Work | None:
        """Work returning (tokens, budget, parts) or a line for ``text``; counts, no generation."""
        return None

    def reset_result(self) -> None:
        """Clear the result area for a new run."""
        raise NotImplementedError

    def handle_events(self, job: ToolJob, events: list[object]) -> None:
        """Show pipeline events (on the GUI thread, once a frame); keep ``job.output`` current."""
        raise NotImplementedError

    def finish_job(self, job: ToolJob, result: object) -> tuple[str, str, dict[str, Any]]:
        """The pipeline ended: show the result; return (output, status, extra) to save."""
        raise NotImplementedError

    def show_run(self, run: ToolRun) -> None:
        """Show a saved run's options and output."""
        raise NotImplementedError

    def input_ready(self, text: str) -> None:
        """The text settled (typing paused, a file was read); e.g. detect its language."""

    def apply_options(self, options: dict[str, Any]) -> None:
        """Set the controls from a saved run's options (unknown values are left alone)."""

    def input_text(self) -> str | None:
        """The text to work on, or None after telling the user why there is none."""
        from app.core.extract import InputError, check_text

        if self.input.loading:
            self.banner.show_text(self.tr("The document is still being read; a moment…"))
            return None
        text = self.input.text()
        try:
            check_text(text)
        except InputError as exc:
            if not text.strip():
                self.banner.show_text(
                    self.tr(
                        "There is no text to work on yet. Type or paste text, drop a file "
                        "here, or choose Open…"
                    )
                )
            else:
                self.banner.show_text(exc.message)
            return None
        return text

    def current_output(self) -> str:
        return self.job.output if self.job is not None else ""

    # -- set-up ------------------------------------------------------------------------------

    def set_store(self, store: HistoryStore) -> None:
        self.store = store
        self.refresh_history()
        self._update_action()

    def retint(self, theme: Theme) -> None:
        self.setStyleSheet(pane_stylesheet(theme))
        self.input.retint(theme)

    def refresh_history(self, select: int | None = None) -> None:
        store = self.store
        if store is None or self._closed:
            return
        tool = self.tool

        def load() -> list[tuple[int, str, str, str]]:
            runs = store.list_tool_runs(tool, limit=HISTORY_LIMIT)
            return [
                (
                    run.id,
                    str(run.options.get("source") or "") or first_words(run.input_text, 48),
                    run.created.astimezone().strftime("%d %b %H:%M"),
                    run.status,
                )
                for run in runs
            ]

        def loaded(rows: object) -> None:
            items = []
            for rid, title, when, status in rows:  # type: ignore[attr-defined]
                meta = when
                if status != "complete":
                    meta += " · " + status_name(status)
                items.append((rid, title, meta))
            self.history.set_runs(items)
            if select is not None:
                self.history.select(select)

        BackgroundOp(self, load).on_success(loaded).on_failure(
            lambda exc: log.warning("could not list runs: %s", exc)
        ).run()

    # -- input and plan --------------------------------------------------------------------

    def _input_changed(self) -> None:
        if self.job is None:
            self.run_bar.plan.clear()
            self._plan_timer.start()
        self._update_action()

    def options_changed(self) -> None:
        """Subclasses call this when an option that changes the plan changes."""
        if self.job is None:
            self._plan_timer.start()

    def _update_action(self) -> None:
        has_text = bool(
            self.input.is_document() or self.input.editor.document().characterCount() > 1
        )
        self.run_bar.action.setEnabled(has_text and not self.input.loading and self.job is None)

    def _request_plan(self) -> None:
        if self._closed or self.job is not None or self.worker.load_info is None:
            return
        text = self.input.text()
        if not text.strip() or len(text) > PLAN_PREVIEW_CHARS:
            if text.strip():
                self.run_bar.plan.setText(
                    self.tr("{chars} characters — the parts are worked out when you start").format(
                        chars=f"{len(text):,}"
                    )
                )
            return
        self.input_ready(text)
        work = self.plan_work(text)
        if work is None:
            return
        self._plan_ticket = self.worker.call(work)

    def show_plan(self, tokens: int, budget: int, parts: int) -> None:
        """The line the issue asks for: N tokens — the model reads M at a time — K parts."""
        self.run_bar.plan.setText(
            plural(
                parts,
                self.tr("{tokens} tokens — the model reads {budget} at a time — 1 part"),
                self.tr("{tokens} tokens — the model reads {budget} at a time — {n} parts"),
            ).format(tokens=f"{tokens:,}", budget=f"{budget:,}")
        )

    # -- running -------------------------------------------------------------------------

    def start(self) -> None:
        if self.job is not None or self._closed:
            return
        self.banner.hide()
        if self.store is None:
            self.banner.show_text(self.tr("The history is still opening; a moment…"))
            return
        info = self.worker.load_info
        if info is None:
            self.banner.show_text(
                self.tr(
                    "No model is loaded yet. Wait for it to finish loading, or choose one on the "
                    "Models page."
                )
            )
            return
        text = self.input_text()
        if text is None:
            return
        options = self.options()
        if self.input.name:
            options["source"] = self.input.name
        try:
            run = self.store.add_tool_run(
                self.tool, text, options, info.model_id, "", status="streaming"
            )
        except Exception as exc:
            self.banner.show_text(
                self.tr("The run could not be saved, so it was not started: {error}").format(
                    error=message_of(exc)
                )
            )
            return
        job = ToolJob(0, run.id, threading.Event(), JobFeed(), options)
        self.job = job
        self.shown_run = run.id
        self.reset_result()
        self.result_header.set_status("streaming")
        self.result_header.meta.setText(info.model_id)
        self.run_bar.set_running(True)
        self._update_action()
        job.ticket = self.worker.call(self.make_work(text, job))
        self._frame_timer.start()
        self._checkpoint_timer.start()
        self.refresh_history(select=run.id)

    def stop(self) -> None:
        """Stop now, whether a model call is in flight or the job is between two calls."""
        job = self.job
        if job is None:
            return
        job.stop_requested = True
        job.stop.set()
        self.worker.cancel()
        self.run_bar.stop.setEnabled(False)
        self.run_bar.progress.setFormat(self.tr("Stopping…"))

    def _on_frame(self) -> None:
        job = self.job
        if job is None:
            self._frame_timer.stop()
            return
        events = job.feed.take()
        if events:
            self.handle_events(job, events)

    def _checkpoint(self) -> None:
        job = self.job
        if job is None or self.store is None or job.run_id is None:
            self._checkpoint_timer.stop()
            return
        output = self.current_output()
        if output != job.checkpointed:
            try:
                self.store.update_tool_run(job.run_id, output=output)
                job.checkpointed = output
            except Exception as exc:
                log.warning("checkpoint failed: %s", exc)

    def _on_call_finished(self, ticket: int, result: object, error: object) -> None:
        if ticket == self._plan_ticket:
            self._plan_ticket = 0
            if error is None and self.job is None:
                if isinstance(result, tuple) and len(result) == 3:
                    self.show_plan(*result)
                elif isinstance(result, str):
                    self.run_bar.plan.setText(result)
            return
        job = self.job
        if job is None or ticket != job.ticket or self._closed:
            return
        events = job.feed.take()
        if events:
            self.handle_events(job, events)
        self.job = None
        self._frame_timer.stop()
        self._checkpoint_timer.stop()
        if error is not None:
            output, status, extra = self.current_output_of(job), "failed", {"error": str(error)}
            self.banner.show_text(message_of(str(error)))
        else:
            output, status, extra = self.finish_job(job, result)
        self._save(job, output, status, extra)
        self.result_header.set_status(status)
        self.run_bar.set_running(False)
        self._update_action()
        self.refresh_history(select=job.run_id)

    def current_output_of(self, job: ToolJob) -> str:
        return job.output

    def _save(self, job: ToolJob, output: str, status: str, extra: dict[str, Any]) -> None:
        if self.store is None or job.run_id is None:
            return
        try:
            self.store.update_tool_run(job.run_id, output=output, status=status, extra=extra)
        except Exception as exc:
            self.banner.show_text(
                self.tr("The result could not be saved: {error}").format(error=message_of(exc))
            )
        self.result_header.copy.setEnabled(bool(output))
        self.result_header.save.setEnabled(bool(output))

    # -- saved runs ------------------------------------------------------------------------

    def open_run(self, rid: int) -> None:
        if self.job is not None:
            self.banner.show_text(self.tr("Stop the running job before opening another run."))
            return
        store = self.store
        if store is None:
            return
        BackgroundOp(self, lambda: store.get_tool_run(rid)).on_success(self._run_loaded).on_failure(
            lambda exc: self.banner.show_text(message_of(exc))
        ).run()

    def _run_loaded(self, run: object) -> None:
        if run is None or self.job is not None:
            self.banner.show_text(self.tr("This run no longer exists."))
            self.refresh_history()
            return
        saved: ToolRun = run  # type: ignore[assignment]
        self.banner.hide()
        self.shown_run = saved.id
        self.apply_options(saved.options)
        self.input.set_text(saved.input_text, str(saved.options.get("source") or ""))
        self.result_header.set_status(saved.status)
        self.result_header.meta.setText(
            f"{saved.model_id} · {saved.created.astimezone().strftime('%d %b %Y %H:%M')}"
        )
        self.show_run(saved)
        self.result_header.copy.setEnabled(bool(saved.output))
        self.result_header.save.setEnabled(bool(saved.output))
        self.history.select(saved.id)

    def delete_run(self, rid: int) -> None:
        if self.store is None or (self.job is not None and self.job.run_id == rid):
            return
        answer = QMessageBox.question(
            self, self.tr("Delete run"), self.tr("Delete this saved run? This cannot be undone.")
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.store.delete_tool_run(rid)
        except Exception as exc:
            self.banner.show_text(message_of(exc))
        self.refresh_history()

    # -- copy / save -------------------------------------------------------------------------

    def result_text(self) -> str:
        """What Copy and Save… give: the plain output."""
        return self.current_output()

    def copy_result(self) -> None:
        QGuiApplication.clipboard().setText(self.result_text())
        window = self.window()
        if hasattr(window, "show_message"):
            window.show_message(self.tr("Result copied"))

    def save_suffix(self) -> tuple[str, str]:
        return "md", self.tr("Markdown (*.md);;Text (*.txt);;All files (*)")

    def _save_dialog(self, title: str, name: str, filters: str) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(self, title, name, filters)
        return path or None

    def save_result(self) -> None:
        suffix, filters = self.save_suffix()
        base = Path(self.input.name).stem if self.input.name else self.tool
        chosen = self.ask_save(self.tr("Save result"), f"{base}-{self.tool}.{suffix}", filters)
        if not chosen:
            return
        self.write_result(Path(chosen))

    def write_result(self, path: Path) -> None:
        try:
            path.write_text(self.result_text(), encoding="utf-8")
        except OSError as exc:
            self.banner.show_text(
                self.tr("Could not save {name}: {error}").format(
                    name=path.name, error=exc.strerror or exc
                )
            )
            return
        window = self.window()
        if hasattr(window, "show_message"):
            window.show_message(self.tr("Saved {name}").format(name=path.name))

    # -- shutdown ----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """The window is closing: stop the job and save its output so far as stopped."""
        self._closed = True
        for timer in (self._frame_timer, self._checkpoint_timer, self._plan_timer):
            timer.stop()
        job = self.job
        if job is None:
            return
        job.stop.set()
        self.worker.cancel()
        events = job.feed.take()
        if events:
            self.handle_events(job, events)
        self.job = None
        if self.store is not None and job.run_id is not None:
            try:
                self.store.update_tool_run(
                    job.run_id, output=self.current_output_of(job), status="stopped"
                )
            except Exception as exc:
                log.warning("could not save the stopped run: %s", exc)
        self.store = None


def escape(text: str) -> str:
    return html.escape(text, quote=False)
