"""Help > Keyboard shortcuts (F1): the sheet, built from the one list in app.gui.actions."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.actions import shortcut_rows


class ShortcutsSheet(QDialog):
    """Help > Keyboard shortcuts (F1): a read-only two-column table."""

    def __init__(self, sections: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.resize(560, 520)
        column = QVBoxLayout(self)
        intro = QLabel(self.tr("Every action in Parley can be reached from the keyboard."))
        intro.setWordWrap(True)
        column.addWidget(intro)
        rows = shortcut_rows(sections)
        self.table = QTableWidget(len(rows), 2)
        self.table.setAccessibleName(self.tr("Shortcuts"))
        self.table.setToolTip(self.tr("Keys on the left, what they do on the right"))
        self.table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Action")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, (keys, action) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(action))
        column.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("Close"))
        close.setAccessibleName(self.tr("Close"))
        close.setToolTip(self.tr("Close this list"))
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
