"""A reasoning model's thinking, shown apart from its answer: collapsed, one click to open.

While the model thinks, the header reads "Thinking… 4 s" and the text streams into the
(closed) panel, so a reader can open it and watch; once the answer starts it reads "Thought
for 12 s". Closed is the default, as in the apps people know (ChatGPT, LM Studio): the answer
is what they came for. The thinking is never part of the answer's text, its copy or its
confidence view, and it is never sent back to the model.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget


class ReasoningPanel(QWidget):
    """A disclosure button over the model's thinking."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReasoningPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(4)
        self.toggle = QToolButton()
        self.toggle.setObjectName("ReasoningToggle")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.toggle.setToolTip(self.tr("Show or hide what the model thought before answering"))
        self.toggle.toggled.connect(self._toggled)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        # A rule down the left, as a quotation: the frame draws it, the label only wraps text
        # (a label's own border and padding upset its height-for-width and clip the text).
        self.frame = QFrame()
        self.frame.setObjectName("ReasoningFrame")
        inner = QVBoxLayout(self.frame)
        inner.setContentsMargins(12, 2, 0, 2)
        self.text = QLabel()
        self.text.setObjectName("ReasoningText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.text.setAccessibleName(self.tr("The model's thinking"))
        inner.addWidget(self.text)
        self.frame.hide()
        layout.addWidget(self.frame)
        self._seconds: float | None = None
        self._live = False
        self.hide()

    def set_reasoning(self, text: str, seconds: float | None, *, live: bool) -> None:
        """Show ``text`` (the thinking so far); ``live`` while the model is still thinking."""
        text = text.strip()
        self.setVisible(bool(text) or live)
        self._seconds, self._live = seconds, live
        self.text.setText(text)
        self._update_label()

    @property
    def expanded(self) -> bool:
        return self.toggle.isChecked()

    def _update_label(self) -> None:
        if self._live:
            label = (
                self.tr("Thinking… {seconds} s").format(seconds=int(self._seconds))
                if self._seconds is not None
                else self.tr("Thinking…")
            )
        elif self._seconds:
            label = self.tr("Thought for {seconds} s").format(seconds=max(1, round(self._seconds)))
        else:
            label = self.tr("Thoughts")
        self.toggle.setText(label)
        self.toggle.setAccessibleName(label)

    def _toggled(self, on: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.frame.setVisible(on)
