"""A run of a tool, and the widgets that show runs.

What one run carries (:class:`ToolJob`, with the :class:`JobFeed` that hands pipeline events
from the engine thread to the GUI's frame timer), the run bar under the document (plan line,
progress, Stop, the action button), the saved-runs list on the left, and the result header
with the run's status. The job loop that drives them is the pane's (:mod:`.pane`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.backend import Backend
from app.gui.elided import ElidedLabel
from app.gui.i18n import local_datetime
from app.gui.ops import BackgroundOp
from app.gui.tools.text import first_words

if TYPE_CHECKING:
    from app.core.history import HistoryStore

log = logging.getLogger(__name__)

HISTORY_LIMIT = 100
# Marked for lupdate with QT_TRANSLATE_NOOP; shown through status_name().
STATUS_NAMES: dict[str, str] = {
    "complete": str(QT_TRANSLATE_NOOP("ToolStatus", "Complete")),
    "stopped": str(QT_TRANSLATE_NOOP("ToolStatus", "Stopped")),
    "failed": str(QT_TRANSLATE_NOOP("ToolStatus", "Failed")),
    "interrupted": str(QT_TRANSLATE_NOOP("ToolStatus", "Interrupted")),
    "streaming": str(QT_TRANSLATE_NOOP("ToolStatus", "Running")),
}


def status_name(status: str) -> str:
    """A run's status in the interface language."""
    return QCoreApplication.translate("ToolStatus", STATUS_NAMES.get(status, status))


class JobFeed:
    """Pipeline events written by the engine thread, taken by the GUI's frame timer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[object] = []

    def push(self, event: object) -> None:
        with self._lock:
            self._events.append(event)

    def take(self) -> list[object]:
        with self._lock:
            events, self._events = self._events, []
            return events


@dataclass
class ToolJob:
    """One run of a tool: its stop flag, its feed, its saved row and the output shown so far."""

    run_id: int | None
    stop: threading.Event
    feed: JobFeed
    options: dict[str, Any]
    output: str = ""
    checkpointed: str = ""
    stop_requested: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # the pane's own notes on the job
    # Saved with the run as the job goes: its finished parts and context (app.core.runs).
    kept: dict[str, Any] = field(default_factory=dict)


Work = Callable[[Backend], object]


class RunHistory(QWidget):
    """The pane's saved runs, newest first; choosing one re-opens it."""

    run_selected = Signal(int)
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RunHistory")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFixedWidth(220)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 14, 10, 10)
        column.setSpacing(4)
        title = QLabel(self.tr("History"))
        title.setObjectName("HistoryTitle")
        column.addWidget(title)
        self.list = QListWidget()
        self.list.setObjectName("RunList")
        self.list.setAccessibleName(self.tr("Saved runs"))
        self.list.setToolTip(self.tr("Earlier runs; choose one to see it again"))
        self.list.setWordWrap(True)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        column.addWidget(self.list, 1)
        self.empty = QLabel(self.tr("Runs you make are kept here."))
        self.empty.setObjectName("Muted")
        self.empty.setWordWrap(True)
        column.addWidget(self.empty)

    def load(self, store: HistoryStore, tool: str, select: int | None = None) -> None:
        """List ``tool``'s saved runs in the background, then show them (choosing ``select``).

        The list reads the store itself, so the pane only says when it changed.
        """

        def rows() -> list[tuple[int, str, str, str]]:
            runs = store.list_tool_runs(tool, limit=HISTORY_LIMIT)
            return [
                (
                    run.id,
                    str(run.options.get("source") or "") or first_words(run.input_text, 48),
                    local_datetime(run.created),
                    run.status,
                )
                for run in runs
            ]

        def loaded(found: list[tuple[int, str, str, str]]) -> None:
            items = []
            for rid, title, when, status in found:
                meta = when
                if status != "complete":
                    meta += " · " + status_name(status)
                items.append((rid, title, meta))
            self.set_runs(items)
            if select is not None:
                self.select(select)

        BackgroundOp(self, rows).on_success(loaded).on_failure(
            lambda exc: log.warning("could not list runs: %s", exc)
        ).run()

    def set_runs(self, runs: list[tuple[int, str, str]]) -> None:
        """``runs`` as (id, title, when · status) tuples, newest first."""
        selected = self.selected_id()
        self.list.clear()
        for rid, title, meta in runs:
            item = QListWidgetItem(f"{title}\n{meta}")
            item.setData(Qt.ItemDataRole.UserRole, rid)
            item.setToolTip(title)
            self.list.addItem(item)
            if rid == selected:
                item.setSelected(True)
        self.empty.setVisible(not runs)

    def select(self, rid: int) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == rid:
                self.list.setCurrentItem(item)
                return

    def selected_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def _clicked(self, item: QListWidgetItem) -> None:
        self.run_selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _menu(self, position: Any) -> None:
        item = self.list.itemAt(position)
        if item is None:
            return
        menu = QMenu(self)
        remove = menu.addAction(self.tr("Delete"))
        rid = int(item.data(Qt.ItemDataRole.UserRole))
        remove.triggered.connect(lambda: self.delete_requested.emit(rid))
        menu.popup(self.list.viewport().mapToGlobal(position))


class RunBar(QWidget):
    """The plan line, the progress bar, Stop and the tool's action button.

    ``state_changed`` reports each change of the bar (running or not, the value out of the
    maximum, the step's name and the timing) so the window's status bar can show the job
    while another page is open.
    """

    state_changed = Signal(object)

    def __init__(self, action_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        # Elided, not clipped mid-word, when the timing of a running job needs the room; the
        # whole line is its tooltip.
        self.plan = ElidedLabel()
        self.plan.setObjectName("PlanLine")
        self.plan.setAccessibleName(self.tr("Plan"))
        self.plan.setAccessibleDescription(
            self.tr(
                "How much text there is, how much the model reads at once, and in how many parts"
            )
        )
        row.addWidget(self.plan, 1)
        self.progress = QProgressBar()
        self.progress.setObjectName("RunProgress")
        self.progress.setAccessibleName(self.tr("Progress"))
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        # Beside the bar while a job runs: elapsed time, tokens/s, the time left (long_jobs).
        self.timing = QLabel()
        self.timing.setObjectName("Muted")
        self.timing.setAccessibleName(self.tr("Time"))
        self.timing.setToolTip(self.tr("Time taken so far, the model's speed, and the time left"))
        self.timing.hide()
        row.addWidget(self.timing)
        row.addWidget(self.progress)
        self.stop = QPushButton(self.tr("Stop"))
        self.stop.setAccessibleName(self.tr("Stop"))
        self.stop.setToolTip(self.tr("Stop now; what is done so far is kept (Esc)"))
        self.stop.hide()
        row.addWidget(self.stop)
        self.resume = QPushButton(self.tr("Continue"))
        self.resume.setAccessibleName(self.tr("Continue the run"))
        self.resume.setToolTip(self.tr("Continue from the first unfinished part"))
        self.resume.hide()
        row.addWidget(self.resume)
        self.action = QPushButton(action_label)
        self.action.setObjectName("PrimaryButton")
        self.action.setAccessibleName(action_label)
        self.action.setToolTip(action_label + " (Ctrl+Return)")
        row.addWidget(self.action)
        self.running = False

    def set_running(self, running: bool) -> None:
        self.running = running
        self.action.setVisible(not running)
        self.stop.setVisible(running)
        self.stop.setEnabled(True)
        self.progress.setVisible(running)
        self.timing.setVisible(running)
        self.timing.clear()
        if running:
            self.resume.hide()
            self.progress.setRange(0, 0)
            self.progress.setFormat(self.tr("Starting…"))
        self._report()

    def set_step(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))
        self.progress.setFormat(text)
        self._report()

    def set_timing(self, text: str) -> None:
        self.timing.setText(text)
        self._report()

    def set_stopping(self) -> None:
        self.stop.setEnabled(False)
        self.progress.setFormat(self.tr("Stopping…"))
        self._report()

    def _report(self) -> None:
        self.state_changed.emit(
            RunState(
                running=self.running,
                value=self.progress.value(),
                maximum=self.progress.maximum(),
                step=self.progress.format(),
                timing=self.timing.text(),
            )
        )


@dataclass(frozen=True)
class RunState:
    """What a run bar shows, for a view of it elsewhere (the status bar): ``maximum`` 0 is a
    bar that only says "busy"."""

    running: bool
    value: int
    maximum: int
    step: str
    timing: str


class ResultHeader(QWidget):
    """The "Result" heading with the run's status and the Copy / Save buttons."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        label = QLabel(title)
        label.setObjectName("SectionTitle")
        row.addWidget(label)
        self.chip = QLabel()
        self.chip.setObjectName("StatusChip")
        self.chip.setAccessibleName(self.tr("Run status"))
        self.chip.hide()
        row.addWidget(self.chip)
        self.meta = ElidedLabel()
        self.meta.setObjectName("Muted")
        self.meta.setAccessibleName(self.tr("Run details"))
        self.meta.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        row.addSpacing(6)
        row.addWidget(self.meta, 1)
        self.copy = QPushButton(self.tr("Copy"))
        self.copy.setAccessibleName(self.tr("Copy result"))
        self.copy.setToolTip(self.tr("Copy the result to the clipboard"))
        self.save = QPushButton(self.tr("Save…"))
        self.save.setAccessibleName(self.tr("Save result"))
        self.save.setToolTip(self.tr("Save the result to a file"))
        for button in (self.copy, self.save):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.setEnabled(False)
            row.addWidget(button)

    def set_status(self, status: str) -> None:
        if status in ("", "complete"):
            self.chip.hide()
            return
        self.chip.setText(status_name(status))
        self.chip.show()
