"""The models on this computer as the Models page shows them: where each came from, which
tools use it by default, and the buttons that act on the selected one (Set as default,
Benchmark, Evaluate, Remove) plus Import and the activity line the import and the speed test
report on.

Setting a default and removing a model happen here; Benchmark, Evaluate and Import are only
placed here (the page wires them to :mod:`.benchmark`, :mod:`.evaluate` and
:mod:`.importing`). The strings keep the "ModelsPage" translation context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.catalogue import InstalledModel
from app.core.hardware import format_bytes
from app.core.model_state import ModelsState
from app.core.settings import TOOLS, Settings
from app.core.task_models import TaskModel, choose_task_model, task_model
from app.gui.models.confirm import Confirmation
from app.gui.models.tables import select_id, selected_id
from app.gui.notice import Notice
from app.gui.settings_store import SettingsStore

if TYPE_CHECKING:
    from app.core.model_bench import BenchResult
    from app.core.model_eval import EvalResult


MEASURED_COLUMN = 4  # speed and saved evaluation; last, so the other columns keep their place


class InstalledBox(QGroupBox):
    """The "Installed models" box.

    ``defaults_changed`` (tool, model id; "" for the built-in model) and ``models_changed``
    are the page's own signals passed on; ``stale`` asks the page to read its state again.
    """

    selection_changed = Signal()
    defaults_changed = Signal(str, str)
    models_changed = Signal()
    stale = Signal()

    def __init__(
        self,
        *,
        owner: QWidget,
        notice: Notice,
        confirm: Confirmation,
        settings: SettingsStore,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(QCoreApplication.translate("ModelsPage", "Installed models"), parent)
        self._settings = settings
        # What a tool runs on now, where the window knows better than the settings (a model
        # given at start-up runs every task for the session): TaskEngines.model.
        self.runs_on: Callable[[str], TaskModel] | None = None
        # What each tool runs on is shown from the settings in force, redrawn when any page
        # (a pane's picker, Settings) changes them.
        settings.changed.connect(self._settings_changed)
        self._owner = owner  # questions open over the page
        self._notice = notice
        self._confirm = confirm
        self.state: ModelsState | None = None
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 5)
        self.table.setAccessibleName(QCoreApplication.translate("ModelsPage", "Installed models"))
        self.table.setToolTip(QCoreApplication.translate("ModelsPage", "Models on this computer"))
        self.table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("ModelsPage", "Model"),
                QCoreApplication.translate("ModelsPage", "File size"),
                QCoreApplication.translate("ModelsPage", "Source"),
                QCoreApplication.translate("ModelsPage", "Default for"),
                QCoreApplication.translate("ModelsPage", "Measured"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # The Measured cell is short ("48 tokens/s · PPL 52.8"); the rest is in its tooltip.
        # "Default for" can list four tools: cut it short too (its tooltip has them all), so
        # the model's name keeps the room at 800 pixels wide.
        for column, width in ((3, 130), (MEASURED_COLUMN, 120)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        self.table.itemSelectionChanged.connect(self.selection_changed)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.tool_choice = QComboBox()
        self.tool_choice.setAccessibleName(QCoreApplication.translate("ModelsPage", "Tool"))
        self.tool_choice.setToolTip(
            QCoreApplication.translate("ModelsPage", "The tool whose default model to set")
        )
        tool_names = {
            "chat": QCoreApplication.translate("ModelsPage", "Chat"),
            "summarise": QCoreApplication.translate("ModelsPage", "Summarise"),
            "translate": QCoreApplication.translate("ModelsPage", "Translate"),
            "sentiment": QCoreApplication.translate("ModelsPage", "Sentiment"),
        }
        for tool in TOOLS:
            self.tool_choice.addItem(tool_names.get(tool, tool), tool)
        buttons.addWidget(self.tool_choice)
        self.default_button = QPushButton(
            QCoreApplication.translate("ModelsPage", "Set as default")
        )
        self.default_button.setAccessibleName(
            QCoreApplication.translate("ModelsPage", "Set as default")
        )
        self.default_button.setToolTip(
            QCoreApplication.translate(
                "ModelsPage", "Use the selected model for the chosen tool from now on"
            )
        )
        self.default_button.clicked.connect(self._set_default)
        buttons.addWidget(self.default_button)
        buttons.addStretch(1)
        self.bench_button = QPushButton(QCoreApplication.translate("ModelsPage", "Benchmark"))
        self.bench_button.setAccessibleName(QCoreApplication.translate("ModelsPage", "Benchmark"))
        self.bench_button.setToolTip(
            QCoreApplication.translate(
                "ModelsPage",
                "Measure how fast the selected model reads and writes on this computer",
            )
        )
        buttons.addWidget(self.bench_button)
        self.eval_button = QPushButton(
            QCoreApplication.translate("ModelsPage", "Evaluate on my text…")
        )
        self.eval_button.setAccessibleName(
            QCoreApplication.translate("ModelsPage", "Evaluate on my text")
        )
        self.eval_button.setToolTip(
            QCoreApplication.translate(
                "ModelsPage",
                "Compare installed models by how well they predict a document of yours "
                "(perplexity), with their speed",
            )
        )
        buttons.addWidget(self.eval_button)
        self.remove_button = QPushButton(QCoreApplication.translate("ModelsPage", "Remove model"))
        self.remove_button.setAccessibleName(
            QCoreApplication.translate("ModelsPage", "Remove model")
        )
        self.remove_button.setToolTip(
            QCoreApplication.translate("ModelsPage", "Delete the selected model from this computer")
        )
        self.remove_button.clicked.connect(self._remove_selected)
        buttons.addWidget(self.remove_button)
        layout.addLayout(buttons)

        second = QHBoxLayout()
        self.import_button = QPushButton(QCoreApplication.translate("ModelsPage", "Import model"))
        self.import_button.setAccessibleName(
            QCoreApplication.translate("ModelsPage", "Import model")
        )
        self.import_button.setToolTip(
            QCoreApplication.translate(
                "ModelsPage", "Add a .gguf file from this computer (or drop one on this page)"
            )
        )
        second.addWidget(self.import_button)
        self.activity = QLabel()
        self.activity.setObjectName("EmptyBody")
        self.activity.setWordWrap(True)
        self.activity.setAccessibleName(QCoreApplication.translate("ModelsPage", "Model activity"))
        second.addWidget(self.activity, 1)
        self.activity_bar = QProgressBar()
        self.activity_bar.setFixedWidth(120)
        self.activity_bar.setFixedHeight(8)
        self.activity_bar.setTextVisible(False)
        self.activity_bar.setAccessibleName(
            QCoreApplication.translate("ModelsPage", "Import progress")
        )
        self.activity_bar.hide()
        second.addWidget(self.activity_bar)
        layout.addLayout(second)

    # ---- filling -----------------------------------------------------------------------------

    def show_state(self, state: ModelsState) -> None:
        """Redraw the list from a new reading, keeping the selection."""
        self.state = state
        selected = self.selected_model()
        table = self.table
        table.setRowCount(len(state.installed))
        tool_names = {
            self.tool_choice.itemData(i): self.tool_choice.itemText(i)
            for i in range(self.tool_choice.count())
        }
        # Each tool's model as every other face reads it (app.core.task_models); a tool on a
        # server is on no row here.
        settings = self._settings.current()
        uses = {
            tool: chosen.model_id
            for tool in TOOLS
            if not (chosen := self._runs_on(settings, tool, state)).server
        }
        for row, model in enumerate(state.installed):
            name = QTableWidgetItem(model.name)
            name.setData(Qt.ItemDataRole.UserRole, model.model_id)
            where = (
                QCoreApplication.translate("ModelsPage", "built into Parley")
                if model.builtin
                else str(model.path)
            )
            name.setToolTip(f"{model.model_id}\n{where}")
            table.setItem(row, 0, name)
            size = QTableWidgetItem(format_bytes(model.size_bytes))
            size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, 1, size)
            table.setItem(row, 2, self._source_item(model))
            tools = [tool_names.get(t, t) for t in TOOLS if uses.get(t) == model.model_id]
            used_by = QTableWidgetItem(", ".join(tools))
            used_by.setToolTip(", ".join(tools))
            table.setItem(row, 3, used_by)
            table.setItem(row, MEASURED_COLUMN, QTableWidgetItem())
        self.refresh_measured()
        if selected is not None:
            self.select_model(selected.model_id)

    def _runs_on(self, settings: Settings, tool: str, state: ModelsState) -> TaskModel:
        if self.runs_on is not None:
            return self.runs_on(tool)
        return task_model(settings, tool, installed=state.installed)

    def refresh_measured(self) -> None:
        """Fill the Measured column: the writing speed (Benchmark) and the newest saved
        evaluation (perplexity, and chrF/ROUGE-L where a reference was scored). Read again
        whenever the page's window becomes active, so an evaluation just run shows."""
        from app.core.model_eval import saved_evaluations

        if self.state is None:
            return
        saved = saved_evaluations()  # newest first; a small JSON file
        for row, model in enumerate(self.state.installed):
            item = self.table.item(row, MEASURED_COLUMN)
            if item is None or row >= self.table.rowCount():
                continue
            mine = [r for r in saved if r.model_file == model.path.name and not r.partial]
            text, tip = _measured_text(self.state.speeds.get(model.model_id), mine)
            item.setText(text)
            item.setToolTip(tip)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.refresh_measured()

    def _source_item(self, model: InstalledModel) -> QTableWidgetItem:
        """Where the model came from: built in, the catalogue, a hub repository, an import."""
        if model.source == "built-in":
            text = QCoreApplication.translate("ModelsPage", "Built in")
        elif model.source == "catalogue":
            text = QCoreApplication.translate("ModelsPage", "Catalogue")
        elif model.source == "hub":
            text = QCoreApplication.translate("ModelsPage", "Hugging Face: {repo}").format(
                repo=model.repo or "?"
            )
        elif model.source == "imported":
            text = (
                QCoreApplication.translate("ModelsPage", "Linked")
                if model.linked
                else QCoreApplication.translate("ModelsPage", "Imported")
            )
        else:
            text = QCoreApplication.translate("ModelsPage", "Models folder")
        item = QTableWidgetItem(text)
        if model.imported_from:
            item.setToolTip(
                QCoreApplication.translate("ModelsPage", "Imported from {path}").format(
                    path=model.imported_from
                )
            )
        elif model.repo and model.source in ("hub", "catalogue"):
            item.setToolTip(model.repo)
        return item

    def _settings_changed(self, _settings: object) -> None:
        if self.state is not None:
            self.show_state(self.state)

    # ---- selection ---------------------------------------------------------------------------

    def selected_model(self) -> InstalledModel | None:
        """The installed model of the selected row, if any."""
        if self.state is None:
            return None
        model_id = selected_id(self.table)
        return next((m for m in self.state.installed if m.model_id == model_id), None)

    def select_model(self, model_id: str) -> bool:
        """Select the row of ``model_id``; False when no such model is installed."""
        return select_id(self.table, model_id)

    def update_buttons(self, *, benchmarking: bool, importing: bool) -> None:
        """One speed test and one import at a time; the built-in model is never removed."""
        model = self.selected_model()
        self.default_button.setEnabled(model is not None)
        self.remove_button.setEnabled(model is not None and not model.builtin)
        if model is not None and model.builtin:
            self.remove_button.setToolTip(
                QCoreApplication.translate(
                    "ModelsPage", "The built-in model cannot be removed: it always works offline"
                )
            )
        else:
            self.remove_button.setToolTip(
                QCoreApplication.translate(
                    "ModelsPage", "Delete the selected model from this computer"
                )
            )
        self.bench_button.setEnabled(model is not None and not benchmarking)
        self.eval_button.setEnabled(bool(self.state and self.state.installed))
        self.import_button.setEnabled(not importing)

    # ---- defaults ----------------------------------------------------------------------------

    def _set_default(self) -> None:
        model = self.selected_model()
        if model is None:
            return
        tool = str(self.tool_choice.currentData())
        model_id = model.model_id

        def choose(settings: Settings) -> None:
            choose_task_model(settings, tool, model_id)

        self._settings.edit(choose)
        self._notice.show_text(
            QCoreApplication.translate(
                "ModelsPage", "{model} is now the default for {tool}."
            ).format(model=model.name, tool=self.tool_choice.currentText())
        )
        self.defaults_changed.emit(tool, model.model_id)
        self.stale.emit()

    # ---- remove ------------------------------------------------------------------------------

    def _remove_selected(self) -> None:
        model = self.selected_model()
        if model is None or model.builtin:
            return
        box = QMessageBox(self._owner)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(QCoreApplication.translate("ModelsPage", "Remove model"))
        box.setAccessibleName(QCoreApplication.translate("ModelsPage", "Remove model?"))
        box.setText(
            QCoreApplication.translate("ModelsPage", "Remove {name}?").format(name=model.name)
        )
        if model.path.is_symlink():
            detail = QCoreApplication.translate(
                "ModelsPage",
                "Only Parley's link to the file is removed; the file itself at {path} is kept.",
            ).format(path=model.path.resolve())
        else:
            detail = QCoreApplication.translate(
                "ModelsPage", "The file {path} is deleted and {size} of disk space is freed."
            ).format(path=model.path, size=format_bytes(model.size_bytes))
        box.setInformativeText(detail)
        remove = box.addButton(
            QCoreApplication.translate("ModelsPage", "Remove"),
            QMessageBox.ButtonRole.DestructiveRole,
        )
        remove.setAccessibleName(QCoreApplication.translate("ModelsPage", "Remove"))
        keep = box.addButton(
            QCoreApplication.translate("ModelsPage", "Keep"), QMessageBox.ButtonRole.RejectRole
        )
        keep.setAccessibleName(QCoreApplication.translate("ModelsPage", "Keep"))
        box.setDefaultButton(keep)

        def answered(button: object) -> None:
            if button is remove:
                self._remove(model.model_id)

        self._confirm.ask(box, answered)

    def _remove(self, model_id: str) -> None:
        from app.core.model_import import ModelImportError, remove_model

        try:
            removed = remove_model(model_id)
        except (ModelImportError, ValueError) as exc:
            self._notice.show_text(str(exc))
            return
        if removed.was_link:
            text = QCoreApplication.translate(
                "ModelsPage", "Removed the link to {name}; the original file was kept."
            ).format(name=removed.path.name)
        else:
            text = QCoreApplication.translate("ModelsPage", "Removed {name}; {size} freed.").format(
                name=removed.path.name, size=format_bytes(removed.freed_bytes)
            )
        if removed.defaults_cleared:
            text += " " + QCoreApplication.translate(
                "ModelsPage", "Tools that used it now use the built-in model."
            )
            cleared = list(removed.defaults_cleared)

            def forget(settings: Settings) -> None:
                for tool in cleared:  # the file has it already; the window's copy hears it
                    settings.default_models.pop(tool, None)

            self._settings.edit(forget)
            for tool in removed.defaults_cleared:
                self.defaults_changed.emit(tool, "")
        self._notice.show_text(text)
        self.models_changed.emit()
        self.stale.emit()


def _measured_text(speed: BenchResult | None, saved: list[EvalResult]) -> tuple[str, str]:
    """The Measured cell ("48 tokens/s · PPL 52.8") and its tooltip (with chrF / ROUGE-L
    where a reference was scored), from the speed test and the model's saved evaluations
    (newest first); "—" when neither exists."""
    parts: list[str] = []
    tips: list[str] = []
    if speed is not None:
        rate = (
            f"{speed.generation_tps:.1f}"
            if speed.generation_tps < 10
            else (f"{speed.generation_tps:.0f}")
        )
        parts.append(QCoreApplication.translate("ModelsPage", "{rate} tokens/s").format(rate=rate))
        tips.append(
            QCoreApplication.translate("ModelsPage", "Writes {rate} tokens/s (Benchmark)").format(
                rate=rate
            )
        )
    if saved:
        last = saved[0]
        parts.append(
            QCoreApplication.translate("ModelsPage", "PPL {value}").format(
                value=f"{last.perplexity:.1f}"
            )
        )
        tips.append(
            QCoreApplication.translate(
                "ModelsPage",
                "Perplexity {value} on {text} (window {window}, {date}); lower is better",
            ).format(
                value=f"{last.perplexity:.2f}",
                text=last.text_name,
                window=last.window,
                date=last.measured_at[:10],
            )
        )
    for task in ("translate", "summarise"):  # the newest score of each kind, in the tooltip
        scored = next((r for r in saved if r.task == task and r.reference_score), None)
        if scored is None or scored.reference_score is None:
            continue
        name, value = scored.reference_score
        shown = f"{value:.1f}" if name == "chrF" else f"{value:.3f}"
        tips.append(
            QCoreApplication.translate(
                "ModelsPage", "{metric} {value} against {reference} ({date}); higher is better"
            ).format(
                metric=name,
                value=shown,
                reference=scored.reference_name,
                date=scored.measured_at[:10],
            )
        )
    if not parts:
        return "—", QCoreApplication.translate(
            "ModelsPage",
            "Not measured yet: select the model and press Benchmark or Evaluate on my text…",
        )
    return " · ".join(parts), "\n".join(tips)
