"""A calm page for the sections that are not built yet, saying what each will do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.gui.icons import icon
from app.gui.theme import current_theme


class PlaceholderPage(QWidget):
    """Title, an icon and two or three sentences, centred with room to breathe."""

    def __init__(
        self, icon_name: str, title: str, body: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 48, 48, 48)
        layout.addStretch(2)
        picture = QLabel()
        picture.setPixmap(icon(icon_name, current_theme().muted).pixmap(48, 48))
        picture.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(picture)
        layout.addSpacing(12)
        heading = QLabel(title)
        heading.setObjectName("PlaceholderTitle")
        heading.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(heading)
        layout.addSpacing(6)
        text = QLabel(body)
        text.setObjectName("PlaceholderBody")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        text.setMaximumWidth(520)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
