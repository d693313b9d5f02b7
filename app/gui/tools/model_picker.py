"""The model picker each pane shows in its header, as LM Studio and Jan have in each chat.

Why a picker in the pane rather than only a default in Settings: the issue's user set Qwen
for Chat and could not tell which model the text tools then ran on. The picker names the
model the pane's next run uses, taken from :meth:`TaskEngines.model` (the same answer
Settings, the Models page, the status bar and the run record get), and choosing another
saves it as that task's model at once; no restart.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLayout, QWidget

from app.gui.tools.engines import TaskEngines


class ModelPicker(QWidget):
    """ "Model: [SmolLM2 135M ▾]": what the task runs on, and the choice of another."""

    def __init__(
        self,
        engines: TaskEngines,
        tool: str,
        parent: QWidget | None = None,
        *,
        compact: bool = False,
    ) -> None:
        """``compact`` (Chat's crowded composer row): no caption, a narrower box."""
        super().__init__(parent)
        self.engines = engines
        self.tool = tool
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.caption = QLabel(self.tr("Model"))
        self.caption.setObjectName("Muted")
        row.addWidget(self.caption)
        self.caption.setVisible(not compact)
        self.combo = QComboBox()
        self.combo.setAccessibleName(self.tr("Model"))
        self._explanation = self.tr(
            "The model this pane runs on (an installed model or a server); a new choice "
            "is used from the next run and saved as this task's model"
        )
        self.combo.setToolTip(self._explanation)
        # A pane's header has room for the whole name (up to the maximum below); Chat's
        # crowded row cuts long names in the closed box, never the row: the list shows them
        # whole. A fixed 16 characters cut "SmolLM2 135M Instruct" to "…Instruc".
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            if compact
            else QComboBox.SizeAdjustPolicy.AdjustToContents
        )
        self.combo.setMinimumContentsLength(14)
        # A crowded row (Chat's composer) must not squeeze the name to its first letters.
        chars = 11 if compact else 16
        self.combo.setMinimumWidth(self.combo.fontMetrics().averageCharWidth() * chars + 28)
        self.combo.setMaximumWidth(260)
        self.caption.setBuddy(self.combo)
        row.addWidget(self.combo)
        self.combo.activated.connect(self._chosen)
        engines.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show the choices and the one in force (settings, or a model given at start-up)."""
        current = self.engines.model(self.tool)
        self.combo.blockSignals(True)
        self.combo.clear()
        for choice in self.engines.choices():
            self.combo.addItem(choice.label, choice.choice)
            if choice.server:
                self.combo.setItemData(
                    self.combo.count() - 1,
                    self.tr("Runs on the server {name}").format(name=choice.server),
                    Qt.ItemDataRole.ToolTipRole,
                )
        index = self.combo.findData(current.choice)
        if index < 0:  # a model given at start-up, or one no longer installed
            self.combo.addItem(current.label, current.choice)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)
        # The whole name, where a narrow box shows only its start.
        self.combo.setToolTip(f"{current.label}\n{self._explanation}")

    @property
    def label(self) -> str:
        """The name shown: the model this pane runs on."""
        return self.combo.currentText()

    def _chosen(self, index: int) -> None:
        choice = str(self.combo.itemData(index) or "")
        if choice != self.engines.model(self.tool).choice:
            self.engines.pick(self.tool, choice)


def place_in_chat(chat: QWidget, picker: ModelPicker) -> None:
    """Put the picker in the chat composer's button row, after the settings button.

    Done from outside the chat package so the chat pane needs no change: the row is found
    by the widget it holds, whatever else the row gains.
    """
    composer = getattr(chat, "composer", None)
    anchor = getattr(composer, "settings_button", None)
    layout = composer.layout() if isinstance(composer, QWidget) else None
    if layout is None or not isinstance(anchor, QWidget):
        return
    row = _layout_holding(layout, anchor)
    if not isinstance(row, QHBoxLayout):
        return
    row.insertWidget(row.indexOf(anchor) + 1, picker)


def _layout_holding(layout: QLayout, widget: QWidget) -> QLayout | None:
    if layout.indexOf(widget) >= 0:
        return layout
    for i in range(layout.count()):
        item = layout.itemAt(i)
        child = item.layout() if item is not None else None
        if child is not None:
            found = _layout_holding(child, widget)
            if found is not None:
                return found
    return None
