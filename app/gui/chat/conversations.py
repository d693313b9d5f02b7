"""The conversation list: new, rename, pin, delete with undo, and search across all messages.

Search hits come from the history store's full-text index; the matched words arrive marked
with \\x02...\\x03 and are shown highlighted by a small rich-text delegate.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QPainter, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.i18n import plural
from app.gui.icons import icon
from app.gui.ops import BackgroundOp
from app.gui.theme import Theme, current_theme

if TYPE_CHECKING:
    from app.core.history import Conversation, HistoryStore, SearchHit

UNDO_SECONDS = 8
ID_ROLE = Qt.ItemDataRole.UserRole
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
HTML_ROLE = Qt.ItemDataRole.UserRole + 2
TITLE_CHARS = 48


def auto_title(text: str) -> str:
    """A conversation title from its first message: first line, trimmed at a word boundary.

    Cheap and deterministic on purpose: asking a small model for a title costs a generation
    and often produces something worse than the user's own first words.
    """
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    line = re.sub(r"\s+", " ", line)
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[:TITLE_CHARS].rsplit(" ", 1)[0]
    if len(cut) < TITLE_CHARS // 2:
        cut = line[:TITLE_CHARS]
    return cut.rstrip(" ,.;:-") + "…"


def highlight_snippet(snippet: str, color: str) -> str:
    """HTML for a search snippet, with the store's \\x02hit\\x03 marks as highlights."""
    escaped = html.escape(snippet.replace("\n", " "))
    return escaped.replace("\x02", f'<span style="background-color:{color};">').replace(
        "\x03", "</span>"
    )


class HtmlDelegate(QStyledItemDelegate):
    """Draws an item's HTML (title line + highlighted snippet) instead of its plain text."""

    def _document(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setHtml(str(index.data(HTML_ROLE) or ""))
        document.setTextWidth(max(50, option.rect.width() - 16))
        return document

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        self.initStyleOption(option, index)
        option.text = ""
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        document = self._document(option, index)
        painter.save()
        painter.translate(option.rect.left() + 8, option.rect.top() + 4)
        document.drawContents(painter, QRectF(0, 0, option.rect.width() - 16, option.rect.height()))
        painter.restore()

    def sizeHint(  # noqa: N802 - Qt override
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        document = self._document(option, index)
        return QSize(int(document.idealWidth()) + 16, int(document.size().height()) + 8)


class ConversationPanel(QWidget):
    """Search box, New button, the list (or search results) and the undo bar."""

    conversation_selected = Signal(int)
    hit_selected = Signal(int, int)  # conversation id, message id
    new_requested = Signal()
    rename_requested = Signal(int, str)
    pin_requested = Signal(int, bool)
    delete_requested = Signal(int)
    export_requested = Signal(int, str)  # conversation id, "md" or "json"
    undo_requested = Signal(int)
    search_failed = Signal(str)  # the message for the user

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: HistoryStore | None = None  # searched directly; set once history is open
        self.setObjectName("ConversationPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setMinimumWidth(220)
        self.setMaximumWidth(320)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 12, 10, 10)
        layout.setSpacing(8)

        top = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setAccessibleName(self.tr("Search conversations"))
        self.search.setPlaceholderText(self.tr("Search all messages (Ctrl+F)"))
        self.search.setToolTip(self.tr("Find words in every conversation"))
        self.search.setClearButtonEnabled(True)
        top.addWidget(self.search, 1)
        self.new_button = QToolButton()
        self.new_button.setAccessibleName(self.tr("New conversation"))
        self.new_button.setToolTip(self.tr("Start a new conversation (Ctrl+N)"))
        self.new_button.setAutoRaise(True)
        self.new_button.setIconSize(QSize(20, 20))
        self.new_button.clicked.connect(self.new_requested)
        top.addWidget(self.new_button)
        layout.addLayout(top)

        self.list = QListWidget()
        self.list.setObjectName("ConversationList")
        self.list.setAccessibleName(self.tr("Conversation list"))
        self.list.setToolTip(
            self.tr("Right-click a conversation to rename, pin, export or delete it")
        )
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.list.setEditTriggers(QListWidget.EditTrigger.EditKeyPressed)
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemChanged.connect(self._item_edited)
        layout.addWidget(self.list, 1)

        self.rename_action = QAction(self.tr("Rename"), self.list)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.rename_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.rename_action.triggered.connect(self._rename_current)
        self.pin_action = QAction(self.tr("Pin to top"), self.list)
        self.pin_action.triggered.connect(self._pin_current)
        self.delete_action = QAction(self.tr("Delete"), self.list)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_action.triggered.connect(self._delete_current)
        self.export_markdown_action = QAction(self.tr("Export as Markdown…"), self.list)
        self.export_markdown_action.setToolTip(self.tr("Save this conversation to read or share"))
        self.export_markdown_action.triggered.connect(lambda: self._export_current("md"))
        self.export_json_action = QAction(self.tr("Export as JSON…"), self.list)
        self.export_json_action.setToolTip(
            self.tr("Save this conversation with every branch, to import it again")
        )
        self.export_json_action.triggered.connect(lambda: self._export_current("json"))
        separator = QAction(self.list)
        separator.setSeparator(True)
        for action in (
            self.rename_action,
            self.pin_action,
            self.export_markdown_action,
            self.export_json_action,
            separator,
            self.delete_action,
        ):
            self.list.addAction(action)
        self._item_actions = (
            self.rename_action,
            self.pin_action,
            self.export_markdown_action,
            self.export_json_action,
            self.delete_action,
        )

        self.results = QListWidget()
        self.results.setObjectName("ConversationList")
        self.results.setAccessibleName(self.tr("Search results"))
        self.results.setItemDelegate(HtmlDelegate(self.results))
        self.results.setWordWrap(True)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.itemActivated.connect(self._hit_activated)
        self.results.itemClicked.connect(self._hit_activated)
        self.results.hide()
        layout.addWidget(self.results, 1)
        self.no_results = QLabel(self.tr("No messages match."))
        self.no_results.setObjectName("EmptyBody")
        self.no_results.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.no_results.hide()
        layout.addWidget(self.no_results)

        self.undo_bar = QFrame()
        self.undo_bar.setObjectName("UndoBar")
        self.undo_bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        undo_row = QHBoxLayout(self.undo_bar)
        undo_row.setContentsMargins(10, 6, 6, 6)
        self.undo_label = QLabel()
        self.undo_label.setWordWrap(True)
        undo_row.addWidget(self.undo_label, 1)
        self.undo_button = QPushButton(self.tr("Undo"))
        self.undo_button.setAccessibleName(self.tr("Undo"))
        self.undo_button.setToolTip(self.tr("Bring the deleted conversation back"))
        self.undo_button.clicked.connect(self._undo)
        undo_row.addWidget(self.undo_button)
        self.undo_bar.hide()
        layout.addWidget(self.undo_bar)
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.timeout.connect(self.undo_bar.hide)
        self._undo_id: int | None = None

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self._run_search)
        self.search.textChanged.connect(self._search_edited)
        self._filling = False
        self.retint(current_theme())

    def retint(self, theme: Theme) -> None:
        self.new_button.setIcon(icon("new", theme.text))
        self._pin_icon = icon("pin", theme.muted)
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole + 3):
                item.setIcon(self._pin_icon)

    # ---- list --------------------------------------------------------------------------------

    def set_conversations(self, conversations: list[Conversation], current: int | None) -> None:
        self._filling = True
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for conversation in conversations:
                item = QListWidgetItem(conversation.title or self.tr("New conversation"))
                item.setData(ID_ROLE, conversation.id)
                item.setData(Qt.ItemDataRole.UserRole + 3, conversation.pinned)
                item.setToolTip(
                    (conversation.title or self.tr("New conversation"))
                    + "\n"
                    + plural(
                        conversation.message_count,
                        self.tr("1 message"),
                        self.tr("{n} messages"),
                    )
                )
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                if conversation.pinned:
                    item.setIcon(self._pin_icon)
                self.list.addItem(item)
                if conversation.id == current:
                    self.list.setCurrentItem(item)
        finally:
            self.list.blockSignals(False)
            self._filling = False
        self._sync_pin_action()

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(ID_ROLE)) if item is not None else None

    def item_for(self, cid: int) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(ID_ROLE) == cid:
                return item
        return None

    def select(self, cid: int) -> None:
        item = self.item_for(cid)
        if item is not None:
            self.list.blockSignals(True)
            self.list.setCurrentItem(item)
            self.list.blockSignals(False)
            self._sync_pin_action()

    def _current_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        self._sync_pin_action()
        if current is not None and not self._filling:
            self.conversation_selected.emit(int(current.data(ID_ROLE)))

    def _sync_pin_action(self) -> None:
        item = self.list.currentItem()
        pinned = bool(item.data(Qt.ItemDataRole.UserRole + 3)) if item else False
        self.pin_action.setText(self.tr("Unpin") if pinned else self.tr("Pin to top"))
        for action in self._item_actions:
            action.setEnabled(item is not None)

    def _item_edited(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        title = item.text().strip()
        if title:
            self.rename_requested.emit(int(item.data(ID_ROLE)), title)

    def _rename_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def _pin_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            pinned = bool(item.data(Qt.ItemDataRole.UserRole + 3))
            self.pin_requested.emit(int(item.data(ID_ROLE)), not pinned)

    def _export_current(self, fmt: str) -> None:
        cid = self.current_id()
        if cid is not None:
            self.export_requested.emit(cid, fmt)

    def _delete_current(self) -> None:
        cid = self.current_id()
        if cid is not None:
            self.delete_requested.emit(cid)

    # ---- undo --------------------------------------------------------------------------------

    def show_undo(self, cid: int, title: str) -> None:
        self._undo_id = cid
        self.undo_label.setText(
            self.tr("“{title}” deleted.").format(title=title or self.tr("Conversation"))
        )
        self.undo_bar.show()
        self._undo_timer.start(UNDO_SECONDS * 1000)

    def _undo(self) -> None:
        self._undo_timer.stop()
        self.undo_bar.hide()
        if self._undo_id is not None:
            cid, self._undo_id = self._undo_id, None
            self.undo_requested.emit(cid)

    # ---- search ------------------------------------------------------------------------------

    def _search_edited(self, text: str) -> None:
        if not text.strip():
            self._search_timer.stop()
            self.show_hits(None)
            return
        self._search_timer.start()

    def _run_search(self) -> None:
        """Search every message in the background; stale answers (the text changed) are not
        shown."""
        store = self.store
        query = self.search.text().strip()
        if store is None:
            return
        if not query:
            self.show_hits(None)
            return

        def found(hits: list[SearchHit]) -> None:
            if self.search.text().strip() == query:
                self.show_hits(hits)

        def failed(error: BaseException) -> None:
            self.search_failed.emit(
                QCoreApplication.translate("ChatPane", "Search failed: {error}").format(error=error)
            )

        BackgroundOp(self, lambda: store.search(query)).on_success(found).on_failure(failed).run()

    def show_hits(self, hits: list[SearchHit] | None) -> None:
        """Show search results, or the conversation list again when ``hits`` is None."""
        searching = hits is not None
        self.list.setVisible(not searching)
        self.results.setVisible(searching and bool(hits))
        self.no_results.setVisible(searching and not hits)
        self.results.clear()
        if not hits:
            return
        theme = current_theme()
        for hit in hits:
            item = QListWidgetItem()
            title = html.escape(hit.title or self.tr("Untitled"))
            who = self.tr("You") if hit.role == "user" else self.tr("Reply")
            item.setData(
                HTML_ROLE,
                f"<b>{title}</b> <span style='color:{theme.muted};'>· {html.escape(who)}</span>"
                f"<br>{highlight_snippet(hit.snippet, theme.highlight_hit)}",
            )
            item.setText(hit.snippet.replace("\x02", "").replace("\x03", ""))
            item.setData(ID_ROLE, hit.conversation_id)
            item.setData(MESSAGE_ROLE, hit.message_id)
            self.results.addItem(item)

    def _hit_activated(self, item: QListWidgetItem) -> None:
        self.hit_selected.emit(int(item.data(ID_ROLE)), int(item.data(MESSAGE_ROLE)))

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
