"""What a tool pane does about its model: the picker in its header, the worker that runs
it, and having the model loaded before a plan line or a run.

Why apart from :mod:`.pane`: the pane's job loop does not care which model runs; this part
asks :class:`~.engines.TaskEngines` each time, so a model chosen in the pane's picker, in
Settings or on the Models page is the one the next run uses, without a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout

from app.gui.tools.text import message_of

if TYPE_CHECKING:
    from app.core.backend import LoadInfo
    from app.gui.engine_worker import EngineWorker
    from app.gui.notice import Notice
    from app.gui.tools.engines import TaskEngines
    from app.gui.tools.model_picker import ModelPicker
    from app.gui.tools.runs import RunBar


class PaneModel:
    """Mixed into :class:`~.pane.ToolPane` (before QWidget): its model and its worker."""

    tool: str
    engines: TaskEngines | None
    model_picker: ModelPicker | None
    heading_row: QHBoxLayout
    banner: Notice
    run_bar: RunBar
    _worker: EngineWorker
    _plan_timer: QTimer
    _closed: bool
    _starting: bool

    if TYPE_CHECKING:  # the pane's and QWidget's own, for the type checker only

        def _update_action(self) -> None: ...
        def start(self) -> None: ...
        def isVisible(self) -> bool: ...  # noqa: N802 - QWidget's

    def plan_worker(self) -> EngineWorker | None:
        """The worker to count a plan line on now, or None (its model is being loaded)."""
        if self.engines is None:
            return self._worker
        ready = self.engines.ready_worker(self.tool)
        if ready is None and self.isVisible():
            self._prepare_model()  # plans again once the model is there
        return ready

    @property
    def worker(self) -> EngineWorker:
        """The worker this pane's next run uses (it follows the pane's model choice)."""
        if self.engines is not None:
            return self.engines.worker_for(self.tool)
        return self._worker

    def set_engines(self, engines: TaskEngines) -> None:
        """Run on the task's own model from now on, and show its picker in the header."""
        from app.gui.tools.model_picker import ModelPicker

        self.engines = engines
        self.model_picker = ModelPicker(engines, self.tool)
        self.heading_row.addWidget(self.model_picker, 0, Qt.AlignmentFlag.AlignVCenter)
        engines.changed.connect(self._model_changed)
        engines.loaded.connect(self._plan_timer.start)

    def _model_changed(self) -> None:
        """Another model was chosen (here or elsewhere): plan again with its tokenizer."""
        self.run_bar.plan.clear()
        if self.isVisible():
            self._prepare_model()
        self._plan_timer.start()

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        """Shown: have its model loaded, so the plan line and Run are ready when wanted."""
        super().showEvent(event)  # type: ignore[misc]
        if self.engines is not None and not self._closed:
            self._prepare_model()

    def _prepare_model(self, then: Callable[[EngineWorker, LoadInfo], None] | None = None) -> None:
        engines = self.engines
        if engines is None or self._closed:
            return

        def ready(worker: EngineWorker, info: LoadInfo) -> None:
            if then is not None:
                then(worker, info)
            else:
                self._plan_timer.start()

        def failed(message: str) -> None:
            self._starting = False
            self._update_action()
            self.banner.show_text(
                QCoreApplication.translate(
                    "ToolPane", "{model} could not be loaded: {error}"
                ).format(model=engines.model(self.tool).label, error=message_of(message))
            )

        engines.prepare(self.tool, cast(QObject, self), ready, failed)

    def _start_when_loaded(self, _worker: EngineWorker, _info: LoadInfo) -> None:
        self._starting = False
        self._update_action()
        self.start()
