"""Export a conversation from the window: Markdown to read or share, JSON to import again.

The formats and the safe write are the command line's own (``parley history export``):
:meth:`HistoryStore.export_markdown` / :meth:`~HistoryStore.export_json` and
:func:`app.core.files.write_text_atomic`, which refuses the history file itself or any SQLite
database and replaces the target only once the whole text is written. So the window and the
CLI cannot drift apart, and a full disk never leaves half an export where an old one was.

Reading the conversation and writing the file run on a background thread: a conversation of
thousands of messages is a few megabytes of text, and the window must not stall for it.
Both the sidebar's context menu and the File menu come here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from app.gui.ops import BackgroundOp
from app.gui.tools.text import message_of

if TYPE_CHECKING:
    from app.core.history import HistoryStore

log = logging.getLogger(__name__)

FORMATS = ("md", "json")
# Characters that are not allowed (or are trouble) in a file name on one of the platforms.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
NAME_CHARS = 60

AskPath = Callable[[str, str, str], str | None]  # title, proposed path, filters -> chosen


class ExportHost(Protocol):
    """What the exporter needs of the chat pane (a protocol: the pane imports this module)."""

    store: HistoryStore | None
    current_id: int | None

    def show_notice(self, text: str) -> None: ...

    def window(self) -> QWidget: ...


def default_file_name(title: str, cid: int, fmt: str) -> str:
    """ "Trip to Kyoto.md": the conversation's title made safe as a file name, else its id."""
    stem = _UNSAFE.sub(" ", title).strip(" .")
    stem = re.sub(r"\s+", " ", stem)[:NAME_CHARS].rstrip(" .")
    return f"{stem or f'conversation-{cid}'}.{fmt}"


def export_text(store: HistoryStore, cid: int, fmt: str) -> str:
    """The export of one conversation, exactly as ``parley history export ID`` writes it."""
    if fmt == "json":
        return json.dumps(store.export_json([cid]), indent=2, ensure_ascii=False) + "\n"
    return store.export_markdown([cid]) + "\n"


class ConversationExporter(QObject):
    """Asks where to save, then exports in the background and says how it went.

    ``ask_path`` is the file dialog (tests replace it). A failure is said in the pane's
    notice, where the user is looking; a success passes in the status bar.
    """

    def __init__(self, pane: ExportHost) -> None:
        super().__init__()  # kept by the pane; Qt parents are widgets, the host a protocol
        self._pane = pane
        self.ask_path: AskPath = self._dialog
        self._folder = ""  # where the last export went: the next one proposes it again

    def _status(self, text: str) -> None:
        window = self._pane.window()
        if hasattr(window, "show_message"):
            window.show_message(text)

    def export_current(self, fmt: str) -> None:
        """File menu: the conversation on screen."""
        cid = self._pane.current_id
        if cid is None:
            self._status(self.tr("Open a conversation to export it."))
            return
        self.export(cid, fmt)

    def export(self, cid: int, fmt: str) -> None:
        """Sidebar menu or File menu: ask for a file, then write conversation ``cid`` to it."""
        store = self._pane.store
        if store is None or fmt not in FORMATS:
            return
        conversation = store.get_conversation(cid)
        if conversation is None:
            return
        title = conversation.title or self.tr("New conversation")
        if fmt == "json":
            caption = self.tr("Export “{title}” as JSON").format(title=title)
            filters = self.tr("JSON (*.json);;All files (*)")
        else:
            caption = self.tr("Export “{title}” as Markdown").format(title=title)
            filters = self.tr("Markdown (*.md);;All files (*)")
        folder = Path(self._folder or _documents_folder())
        chosen = self.ask_path(
            caption, str(folder / default_file_name(conversation.title, cid, fmt)), filters
        )
        if not chosen:
            return
        target = Path(chosen)
        if not target.suffix:
            target = target.with_suffix(f".{fmt}")
        self._folder = str(target.parent)
        history = store.path

        def write() -> Path:
            from app.core import files

            files.write_text_atomic(target, export_text(store, cid, fmt), protected=[history])
            return target

        BackgroundOp(self._pane.window(), write).on_success(
            lambda _written: self._status(
                self.tr("Exported “{title}” to {name}").format(title=title, name=target.name)
            )
        ).on_failure(lambda error: self._failed(title, target, error)).with_progress(
            self.tr("Exporting “{title}”…").format(title=title)
        ).run()

    def _failed(self, title: str, target: Path, error: BaseException) -> None:
        from app.core.files import SaveError

        if not isinstance(error, SaveError | OSError):
            log.error("export failed", exc_info=error)
        reason = error.strerror if isinstance(error, OSError) and error.strerror else None
        self._pane.show_notice(
            self.tr("“{title}” could not be exported to {name}: {reason}").format(
                title=title, name=target.name, reason=reason or message_of(error)
            )
        )

    def _dialog(self, caption: str, proposed: str, filters: str) -> str | None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self._pane.window(), caption, proposed, filters
        )
        return chosen or None


def _documents_folder() -> str:
    return QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation
    ) or str(Path.home())
