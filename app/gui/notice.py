"""A dismissible message line: the one widget every page uses to say what went wrong or what
happened (bad input, a failed run, a context notice, a finished download).

One class, so a notice looks and reads the same everywhere: selectable text (a user can copy
an error into a bug report) and a × that hides it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class Notice(QFrame):
    """A hidden-until-needed message with a close button; styled by its object name."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        object_name: str = "Notice",
        label_name: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 6, 8)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName(label_name or self.tr("Notice"))
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.label, 1)
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setAccessibleName(self.tr("Dismiss notice"))
        close.setToolTip(self.tr("Hide this notice"))
        close.clicked.connect(self.hide)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.show()
