"""Where the user types: Enter sends, Shift+Enter breaks the line, Stop while a reply streams.

Also shows the live context meter ("1,234 / 4,096 tokens"), so the user sees before sending
whether the conversation still fits the model's window, and the documents attached to the
message (:mod:`.attach`): the paperclip opens one, and a file dropped on the composer (or
pasted as a file) is attached instead of its path being typed into the message.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.chat.attach import AttachmentBar, message_with
from app.gui.icons import icon, themed_icon
from app.gui.theme import Theme, current_theme


class MessageInput(QPlainTextEdit):
    """A growing text box; Enter submits, Shift+Enter (or Ctrl+Enter) inserts a line break."""

    submitted = Signal()
    escape_pressed = Signal()
    files_dropped = Signal(list)  # Paths of local files dropped or pasted

    MIN_LINES = 2
    MAX_LINES = 10

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageInput")
        self.setAccessibleName(self.tr("Message input"))
        self.setToolTip(self.tr("Type a message. Enter sends, Shift+Enter starts a new line."))
        self.setPlaceholderText(
            self.tr("Message the model… (Enter to send, Shift+Enter for a new line)")
        )
        self.setTabChangesFocus(True)
        self.document().contentsChanged.connect(self._fit_height)
        self._fit_height()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            modifiers = event.modifiers()
            if modifiers & (
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier
            ):
                self.insertPlainText("\n")
                return
            if not modifiers & Qt.KeyboardModifier.AltModifier:
                self.submitted.emit()
                return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:  # noqa: N802 - Qt override
        return bool(local_files(source)) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 - Qt override
        """A dropped or pasted file is attached; its path is not typed into the message."""
        files = local_files(source)
        if files:
            self.files_dropped.emit(files)
        else:
            super().insertFromMimeData(source)

    def _fit_height(self) -> None:
        lines = max(self.MIN_LINES, min(self.MAX_LINES, self.document().blockCount()))
        wrapped = sum(
            max(1, self.document().findBlockByNumber(i).layout().lineCount())
            for i in range(min(self.document().blockCount(), self.MAX_LINES))
        )
        lines = max(lines, min(self.MAX_LINES, wrapped))
        height = lines * self.fontMetrics().lineSpacing() + 14
        self.setFixedHeight(height)


def local_files(source: QMimeData) -> list[Path]:
    """The local files a drag or a paste carries (none for plain text or web links)."""
    if not source.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in source.urls() if url.isLocalFile()]


class Composer(QFrame):
    """Input box, attachments, Send/Stop, the context meter and the settings toggle."""

    send_requested = Signal(str)
    stop_requested = Signal()
    settings_toggled = Signal(bool)
    text_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Composer")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(4)
        self.setAcceptDrops(True)
        self.attachments = AttachmentBar()
        self.attachments.changed.connect(self.text_changed)
        self.attachments.changed.connect(self._update_send_enabled)
        layout.addWidget(self.attachments)
        self.input = MessageInput()
        self.input.submitted.connect(self._submit)
        self.input.textChanged.connect(self.text_changed)
        self.input.files_dropped.connect(self.attachments.files_dropped)
        layout.addWidget(self.input)

        row = QHBoxLayout()
        row.setSpacing(6)
        self.attach_button = QToolButton()
        self.attach_button.setAccessibleName(self.tr("Attach a file"))
        self.attach_button.setToolTip(
            self.tr(
                "Put a text, Markdown, HTML, PDF or Word document's text in the message "
                "(or drop the file here)"
            )
        )
        self.attach_button.setAutoRaise(True)
        self.attach_button.clicked.connect(self.attachments.attach_requested)
        row.addWidget(self.attach_button)
        self.settings_button = QToolButton()
        self.settings_button.setCheckable(True)
        self.settings_button.setAccessibleName(self.tr("Conversation settings"))
        self.settings_button.setToolTip(
            self.tr("System prompt and sampling settings of this conversation")
        )
        self.settings_button.setAutoRaise(True)
        self.settings_button.toggled.connect(self.settings_toggled)
        row.addWidget(self.settings_button)
        self.meter = QLabel()
        self.meter.setObjectName("TokenMeter")
        self.meter.setAccessibleName(self.tr("Context usage"))
        self.meter.setToolTip(
            self.tr(
                "Tokens the conversation and your draft take, against the model's context "
                "window. When it is full, the oldest turns are left out (and shown as such)."
            )
        )
        row.addWidget(self.meter, 1)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setAccessibleName(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the reply (Esc); the text so far is kept"))
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.hide()
        row.addWidget(self.stop_button)
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setObjectName("PrimaryButton")
        self.send_button.setAccessibleName(self.tr("Send"))
        self.send_button.setToolTip(self.tr("Send the message (Enter)"))
        self.send_button.clicked.connect(self._submit)
        row.addWidget(self.send_button)
        layout.addLayout(row)
        self.input.textChanged.connect(self._update_send_enabled)
        self._generating = False
        self._update_send_enabled()
        self.retint(current_theme())

    def retint(self, theme: Theme) -> None:
        self.attach_button.setIcon(icon("attach", theme.muted))
        self.attach_button.setIconSize(QSize(18, 18))
        self.attachments.retint(theme)
        self.settings_button.setIcon(icon("settings", theme.muted))
        self.settings_button.setIconSize(QSize(18, 18))
        self.send_button.setIcon(themed_icon("send", theme.accent_text, theme.muted))
        self.stop_button.setIcon(icon("stop", theme.text))

    def set_generating(self, generating: bool) -> None:
        """Swap Send for Stop while a reply is being written."""
        self._generating = generating
        self.stop_button.setVisible(generating)
        self.send_button.setVisible(not generating)
        self._update_send_enabled()

    def set_meter(self, text: str, *, over: bool, tooltip: str = "") -> None:
        self.meter.setText(text)
        self.meter.setProperty("over", over)
        self.meter.style().unpolish(self.meter)
        self.meter.style().polish(self.meter)
        if tooltip:
            self.meter.setToolTip(tooltip)

    def draft_text(self) -> str:
        """The message as it would be sent: what is typed, then the attached documents."""
        return message_with(self.input.toPlainText(), self.attachments.attachments)

    def clear_draft(self) -> None:
        """The message was sent (and saved): empty the box and take the attachments off."""
        self.input.clear()
        self.attachments.clear()

    def _update_send_enabled(self) -> None:
        typed = bool(self.input.toPlainText().strip())  # not draft_text: no copy per key
        has_text = typed or bool(self.attachments.chips)
        self.send_button.setEnabled(has_text and self.attachments.ready() and not self._generating)

    def _submit(self) -> None:
        text = self.draft_text()
        if not text or self._generating or not self.attachments.ready():
            return
        self.send_requested.emit(text)

    # ---- files dropped on the composer (the input box handles its own) ----------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        files = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.attachments.files_dropped.emit(files)
        else:
            super().dropEvent(event)
