"""The window's sidebar: one button per section, one checked at a time."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QButtonGroup, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from app.gui.icons import icon
from app.gui.theme import Theme, current_theme


class Sidebar(QWidget):
    """Section buttons, one checked at a time; each button's accessible name is its section."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFixedWidth(168)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(10, 12, 10, 12)
        self._layout.setSpacing(2)
        title = QLabel(self.tr("Parley"))
        title.setObjectName("SidebarTitle")
        self._layout.addWidget(title)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        self._icons: dict[str, str] = {}

    def add_section(self, key: str, label: str, icon_name: str, tooltip: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName("SidebarButton")
        button.setText(label)
        button.setAccessibleName(label)
        button.setToolTip(tooltip)
        button.setCheckable(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setIconSize(QSize(18, 18))
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.setMinimumHeight(34)
        self.group.addButton(button, len(self.buttons))
        self._layout.addWidget(button)
        self.buttons[key] = button
        self._icons[key] = icon_name
        self.retint(current_theme())
        return button

    def finish(self) -> None:
        self._layout.addStretch(1)

    def retint(self, theme: Theme) -> None:
        for key, button in self.buttons.items():
            button.setIcon(icon(self._icons[key], theme.text))
