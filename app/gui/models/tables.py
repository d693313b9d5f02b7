"""Selection by id in the Models page's tables: each row's first cell holds its model id."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget


def selected_id(table: QTableWidget) -> str | None:
    """The model id of the selected row, if any."""
    rows = table.selectionModel().selectedRows()
    if not rows:
        return None
    item = table.item(rows[0].row(), 0)
    value = item.data(Qt.ItemDataRole.UserRole) if item else None
    return str(value) if value is not None else None


def select_id(table: QTableWidget, model_id: str) -> bool:
    """Select the row of ``model_id``; False when the table has none."""
    for row in range(table.rowCount()):
        item = table.item(row, 0)
        if item is not None and item.data(Qt.ItemDataRole.UserRole) == model_id:
            table.selectRow(row)
            return True
    return False
