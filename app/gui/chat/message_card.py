"""One message as a card: who wrote it, its status, the version switcher, its actions, and
the body with Markdown rendered and code blocks that have their own Copy button.

A card knows nothing of the view that holds it: what the user asks of a message (another
version, regenerate, edit, delete, the confidence view) leaves the card as a signal, and
:class:`~app.gui.chat.message_view.MessageView` passes it on. While a reply streams, only its
body's last segment is re-rendered, once per frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QRect, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QFontDatabase,
    QGuiApplication,
    QResizeEvent,
    QTextOption,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app.gui.chat.confidence import ConfidenceText, TokenProb, matches
from app.gui.chat.markdown import Segment, markdown_to_html, split_markdown
from app.gui.chat.reasoning_view import ReasoningPanel
from app.gui.elided import ElidedLabel
from app.gui.icons import icon
from app.gui.theme import current_theme

if TYPE_CHECKING:
    from app.core.history import Message

SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})


@dataclass(frozen=True)
class BranchInfo:
    """Where a message sits among its alternatives (edits or regenerated replies)."""

    index: int  # 1-based
    count: int
    previous_id: int | None
    next_id: int | None


def open_link_on_click(link: str) -> None:
    """Links open only when the user clicks them, and only web or mail links."""
    url = QUrl(link)
    if url.scheme().lower() in SAFE_LINK_SCHEMES:
        QDesktopServices.openUrl(url)


def _action_button(name: str, icon_name: str, tooltip: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName("CardAction")
    button.setAccessibleName(name)
    button.setToolTip(tooltip)
    button.setIcon(icon(icon_name, current_theme().muted))
    button.setIconSize(QSize(16, 16))
    button.setAutoRaise(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class _CodeText(QPlainTextEdit):
    """The code box; tells its block when its width changes so the height can follow."""

    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.resized.emit()


class CodeBlock(QFrame):
    """A fenced code block: language, a Copy button, and the code in a monospace box."""

    def __init__(self, segment: Segment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CodeBlock")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 8)
        layout.setSpacing(2)
        header = QHBoxLayout()
        self.language = QLabel(segment.language or self.tr("code"))
        self.language.setObjectName("CodeLanguage")
        header.addWidget(self.language)
        header.addStretch(1)
        self.copy_button = _action_button(
            self.tr("Copy code"), "copy", self.tr("Copy this code block to the clipboard")
        )
        self.copy_button.clicked.connect(self._copy)
        header.addWidget(self.copy_button)
        layout.addLayout(header)
        self.editor = _CodeText()
        self.editor.resized.connect(self._fit_height)
        self.editor.setObjectName("CodeText")
        self.editor.setAccessibleName(self.tr("Code"))
        self.editor.setReadOnly(True)
        self.editor.setFrameShape(QFrame.Shape.NoFrame)
        self.editor.setWordWrapMode(QTextOption.WrapMode.NoWrap)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.editor)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._code = ""
        self.set_segment(segment)

    def set_segment(self, segment: Segment) -> None:
        if segment.language:
            self.language.setText(segment.language)
        if segment.text == self._code:
            return
        self._code = segment.text
        self.editor.setPlainText(segment.text)
        self._fit_height()

    def _fit_height(self) -> None:
        """Tall enough for every line; room for a scroll bar only when a line is too wide."""
        metrics = self.editor.fontMetrics()
        lines = self._code.split("\n")
        widest = max((metrics.horizontalAdvance(line) for line in lines), default=0)
        margin = int(self.editor.document().documentMargin())
        height = len(lines) * metrics.lineSpacing() + 2 * margin + 2 * self.editor.frameWidth() + 2
        if widest + 2 * margin + 4 > self.editor.width():
            height += self.editor.horizontalScrollBar().sizeHint().height()
        if self.editor.height() != height:
            self.editor.setFixedHeight(height)

    @property
    def code(self) -> str:
        return self._code

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self._code)
        show_copied(self.copy_button)


COPIED_MS = 1500


def show_copied(button: QToolButton) -> None:
    """Say "Copied" where the user clicked, for a moment, and to a screen reader.

    A tooltip alone was not enough: some window systems do not show one on a click, and it
    is gone before the eye gets there. So the button itself turns into a check mark for
    :data:`COPIED_MS` and the status bar says it too.
    """
    text = QCoreApplication.translate("MessageCard", "Copied")
    QToolTip.showText(button.mapToGlobal(button.rect().bottomLeft()), text, button, QRect(), 1500)
    button.setAccessibleDescription(text)
    muted = current_theme().muted
    button.setIcon(icon("check", muted))
    button.setProperty("copied", True)

    def restore() -> None:
        button.setIcon(icon("copy", current_theme().muted))
        button.setProperty("copied", False)
        button.setAccessibleDescription("")

    QTimer.singleShot(COPIED_MS, button, restore)  # bound to the button: skipped if it is gone
    window = button.window()
    if hasattr(window, "show_message"):
        window.show_message(
            QCoreApplication.translate("MessageCard", "Copied to the clipboard"), COPIED_MS * 2
        )


class ProseLabel(QLabel):
    """Rendered Markdown prose; selectable; links open only on click."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setOpenExternalLinks(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.linkActivated.connect(open_link_on_click)
        self.source = ""

    def set_markdown(self, text: str) -> None:
        if text != self.source:
            self.source = text
            self.setText(markdown_to_html(text))


class MessageBody(QWidget):
    """The rendered text of one message; updates in place while a reply streams."""

    def __init__(self, markdown: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._markdown = markdown
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(8)
        self._parts: list[QWidget] = []
        self._kinds: list[bool] = []
        self.text = ""

    def set_text(self, text: str) -> None:
        self.text = text
        if not self._markdown:
            if not self._parts:
                label = QLabel()
                label.setWordWrap(True)
                label.setTextFormat(Qt.TextFormat.PlainText)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self._layout.addWidget(label)
                self._parts.append(label)
            part = self._parts[0]
            assert isinstance(part, QLabel)
            part.setText(text)
            return
        segments = split_markdown(text)
        for index, segment in enumerate(segments):
            if index < len(self._parts) and self._kinds[index] == segment.code:
                widget = self._parts[index]
            else:
                for stale in self._parts[index:]:
                    self._layout.removeWidget(stale)
                    stale.hide()
                    stale.deleteLater()
                del self._parts[index:]
                del self._kinds[index:]
                widget = CodeBlock(segment) if segment.code else ProseLabel()
                self._layout.addWidget(widget)
                self._parts.append(widget)
                self._kinds.append(segment.code)
            if isinstance(widget, CodeBlock):
                widget.set_segment(segment)
            elif isinstance(widget, ProseLabel):
                widget.set_markdown(segment.text)
        for stale in self._parts[len(segments) :]:
            self._layout.removeWidget(stale)
            stale.hide()
            stale.deleteLater()
        del self._parts[len(segments) :]
        del self._kinds[len(segments) :]


class MessageCard(QFrame):
    """One message: who, status, branch switcher, actions, and the body."""

    branch_requested = Signal(int)  # the message id of the version to show
    regenerate_requested = Signal(int)
    edit_requested = Signal(int, str)
    delete_requested = Signal(int)
    confidence_requested = Signal(bool)  # the confidence view on or off, for every reply

    def __init__(
        self,
        message: Message,
        *,
        speaker: str,
        branch: BranchInfo | None,
        can_regenerate: bool,
        confidence_on: bool,
        token_probs: list[TokenProb] | None,
    ) -> None:
        super().__init__()
        self.message = message
        self.setObjectName("MessageCard")
        self.setProperty("role", message.role)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName(speaker)
        self.setAccessibleDescription(message.text[:80])
        layout = QVBoxLayout(self)
        self._layout = layout
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(6)

        header = QHBoxLayout()
        header.setSpacing(6)
        who = QLabel(speaker)
        who.setObjectName("MessageRole")
        # A long model name wraps rather than widening the card past a narrow view (with the
        # conversation settings open), which would clip the action buttons.
        who.setWordWrap(True)
        who.setMinimumWidth(0)
        who.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        header.addWidget(who)
        self.badge = QLabel()
        self.badge.setObjectName("StatusBadge")
        self.badge.setAccessibleName(self.tr("Message status"))
        self.badge.hide()
        header.addWidget(self.badge)
        self.meta = ElidedLabel()
        self.meta.setObjectName("MessageMeta")
        # Figures may be long (and longer in translation); they give way before the card
        # grows wider than the view.
        self.meta.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        header.addWidget(self.meta, 1)

        if branch is not None and branch.count > 1:
            previous = _action_button(
                self.tr("Previous version"), "prev", self.tr("Show the previous version")
            )
            previous.setEnabled(branch.previous_id is not None)
            previous.clicked.connect(lambda: self.branch_requested.emit(branch.previous_id))
            position = QLabel(f"{branch.index}/{branch.count}")
            position.setObjectName("MessageMeta")
            position.setAccessibleName(self.tr("Version"))
            position.setToolTip(
                self.tr("Version {index} of {count}").format(index=branch.index, count=branch.count)
            )
            following = _action_button(
                self.tr("Next version"), "next", self.tr("Show the next version")
            )
            following.setEnabled(branch.next_id is not None)
            following.clicked.connect(lambda: self.branch_requested.emit(branch.next_id))
            for widget in (previous, position, following):
                header.addWidget(widget)
            header.addSpacing(6)

        self.copy_button = _action_button(
            self.tr("Copy"), "copy", self.tr("Copy this message to the clipboard")
        )
        self.copy_button.clicked.connect(self._copy)
        header.addWidget(self.copy_button)
        self.edit_button: QToolButton | None = None
        if message.role == "user":
            self.edit_button = _action_button(
                self.tr("Edit"), "edit", self.tr("Edit this message and get a new reply")
            )
            self.edit_button.clicked.connect(self.start_editing)
            header.addWidget(self.edit_button)
        self.regenerate_button: QToolButton | None = None
        if can_regenerate:
            self.regenerate_button = _action_button(
                self.tr("Regenerate"), "regenerate", self.tr("Write this reply again")
            )
            self.regenerate_button.clicked.connect(
                lambda: self.regenerate_requested.emit(self.message.id)
            )
            header.addWidget(self.regenerate_button)
        self.confidence_button: QToolButton | None = None
        if message.role == "assistant":
            self.confidence_button = _action_button(
                self.tr("Confidence view"),
                "confidence",
                self.tr(
                    "Colour each word by how sure the model was, with the alternatives on "
                    "hover; new replies record this while it is on"
                ),
            )
            self.confidence_button.setCheckable(True)
            self.confidence_button.setStyleSheet(
                f"QToolButton:checked {{ background: {current_theme().sidebar_checked}; }}"
            )
            self.confidence_button.setChecked(confidence_on)
            self.confidence_button.toggled.connect(self.confidence_requested)
            header.addWidget(self.confidence_button)
        self.delete_button = _action_button(
            self.tr("Delete"), "delete", self.tr("Delete this message and everything after it")
        )
        self.delete_button.clicked.connect(lambda: self.delete_requested.emit(self.message.id))
        header.addWidget(self.delete_button)
        layout.addLayout(header)

        self.dropped_label = QLabel(self.tr("Not sent to the model: outside the context window"))
        self.dropped_label.setObjectName("MessageMeta")
        self.dropped_label.hide()
        layout.addWidget(self.dropped_label)

        self.reasoning = ReasoningPanel()
        layout.addWidget(self.reasoning)
        self.body = MessageBody(markdown=message.role != "user")
        layout.addWidget(self.body)
        self.confidence_note = QLabel()
        self.confidence_note.setObjectName("MessageMeta")
        self.confidence_note.setWordWrap(True)
        self.confidence_note.setAccessibleName(self.tr("Confidence note"))
        self.confidence_note.hide()
        layout.addWidget(self.confidence_note)
        self.confidence_text: ConfidenceText | None = None
        self.editor: QWidget | None = None
        self.body.set_text(message.text)
        if message.reasoning:
            self.reasoning.set_reasoning(
                message.reasoning, message.reasoning_s, live=message.status == "streaming"
            )
        self.set_status(message.status)
        if message.role == "assistant":
            self.show_confidence(confidence_on, token_probs)

    # ---- state -------------------------------------------------------------------------------

    def set_status(self, status: str, detail: str = "") -> None:
        labels = {
            "interrupted": self.tr("Interrupted"),
            "stopped": self.tr("Stopped"),
            "failed": self.tr("Failed"),
            "streaming": self.tr("Writing…"),
        }
        text = labels.get(status)
        if text:
            self.badge.setText(text)
            self.badge.setToolTip(
                detail
                or {
                    "interrupted": self.tr(
                        "Parley closed before this reply finished; the text so far was kept."
                    ),
                    "stopped": self.tr("You stopped this reply."),
                    "failed": self.tr("The model failed while writing this reply."),
                }.get(status, "")
            )
            self.badge.show()
        else:
            self.badge.hide()
        busy = status == "streaming"
        for button in (self.regenerate_button, self.edit_button, self.delete_button):
            if button is not None:
                button.setEnabled(not busy)

    def show_confidence(self, on: bool, tokens: list[TokenProb] | None) -> None:
        """Swap the rendered reply for its tokens coloured by probability (or back)."""
        if self.confidence_button is not None and self.confidence_button.isChecked() != on:
            self.confidence_button.blockSignals(True)
            self.confidence_button.setChecked(on)
            self.confidence_button.blockSignals(False)
        if self.confidence_text is not None:
            self._layout.removeWidget(self.confidence_text)
            self.confidence_text.hide()
            self.confidence_text.deleteLater()
            self.confidence_text = None
        usable = bool(tokens) and matches(tokens or [], self.body.text)
        if on and usable and self.message.status != "streaming":
            self.confidence_text = ConfidenceText(
                tokens or [], self.body.text, current_theme().is_dark
            )
            self._layout.insertWidget(self._layout.indexOf(self.body), self.confidence_text)
            self.body.hide()
            self.confidence_note.setText(
                self.tr(
                    "Green: the model was sure of a word; amber and red: less sure. Hover a "
                    "word for the alternatives it weighed."
                )
            )
            self.confidence_note.show()
            return
        if self.editor is None:
            self.body.show()
        if on and self.message.status != "streaming":
            self.confidence_note.setText(
                self.tr(
                    "No confidence recorded for this reply: it is recorded only for replies "
                    "written while the confidence view is on, and kept until Parley closes. "
                    "Regenerate it to see the colours."
                )
            )
            self.confidence_note.show()
        else:
            self.confidence_note.hide()

    def set_meta(self, text: str) -> None:
        self.meta.setText(text)  # elided when narrow; the whole text in the tooltip

    def set_dropped(self, dropped: bool) -> None:
        self.setProperty("dropped", dropped)
        self.dropped_label.setVisible(dropped)
        self.style().unpolish(self)
        self.style().polish(self)

    def set_hit(self, hit: bool) -> None:
        self.setProperty("hit", hit)
        self.style().unpolish(self)
        self.style().polish(self)

    def set_text(self, text: str) -> None:
        self.body.set_text(text)

    def set_reasoning(self, text: str, seconds: float | None, *, live: bool) -> None:
        """The model's thinking, apart from the answer (collapsed until opened)."""
        self.reasoning.set_reasoning(text, seconds, live=live)

    @property
    def text(self) -> str:
        return self.body.text

    # ---- actions -----------------------------------------------------------------------------

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.body.text)
        show_copied(self.copy_button)

    def start_editing(self) -> None:
        """Swap the body for an editor; saving sends the edit as a new branch."""
        if self.editor is not None:
            return
        self.editor = QWidget()
        column = QVBoxLayout(self.editor)
        column.setContentsMargins(0, 0, 0, 0)
        field = QPlainTextEdit(self.message.text)
        field.setAccessibleName(self.tr("Edit message"))
        field.setToolTip(self.tr("The earlier version is kept; switch back with ‹ ›"))
        field.setMinimumHeight(80)
        column.addWidget(field)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.setAccessibleName(self.tr("Cancel edit"))
        save = QPushButton(self.tr("Save and send"))
        save.setObjectName("PrimaryButton")
        save.setAccessibleName(self.tr("Save and send"))
        save.setToolTip(self.tr("Send the edited message as a new version and get a new reply"))
        buttons.addWidget(cancel)
        buttons.addWidget(save)
        column.addLayout(buttons)
        self._layout.addWidget(self.editor)
        self.body.hide()
        field.setFocus()

        def finish(send: bool) -> None:
            text = field.toPlainText().strip()
            self.stop_editing()
            if send and text:
                self.edit_requested.emit(self.message.id, text)

        cancel.clicked.connect(lambda: finish(False))
        save.clicked.connect(lambda: finish(True))

    def stop_editing(self) -> None:
        if self.editor is not None:
            self.editor.deleteLater()
            self.editor = None
        self.body.show()
