"""The Models section: the catalogue with "will it fit" verdicts, installed models, downloads.

This module assembles the parts (each in its own module of this package) and keeps what
crosses them: the reading they all draw (:func:`app.core.model_state.gather_state`, one
:class:`~app.gui.ops.BackgroundOp`), the download queue, the load test every new model must
pass, and which buttons are enabled. Downloads run on the core's
:class:`~app.core.downloads.DownloadQueue` (its own worker thread: a download takes minutes
and must not hold a thread of the shared pool); its progress reaches the GUI thread through a
queued Qt signal. Imports, benchmarks and evaluations (:mod:`.evaluate`, a dialog) are
background ops of their own parts.

Nothing here touches the network until the user presses Download.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.backend import Backend, LoadInfo, LoadOptions, ModelRef
from app.core.catalogue import CatalogueEntry
from app.core.downloads import Downloader, DownloadJob, DownloadQueue, spec_for_entry
from app.core.model_state import ModelsState, gather_state
from app.gui.models.benchmark import SpeedTest
from app.gui.models.catalogue import CatalogueBox
from app.gui.models.confirm import Confirmation
from app.gui.models.downloads import DownloadRow, DownloadsBox
from app.gui.models.hardware import HardwareReadout
from app.gui.models.importing import ImportFlow
from app.gui.models.installed import InstalledBox
from app.gui.notice import Notice
from app.gui.ops import BackgroundOp
from app.gui.settings_store import SettingsStore

if TYPE_CHECKING:
    from app.core.task_models import TaskModel
    from app.gui.models.evaluate import EvaluateDialog

log = logging.getLogger(__name__)
# From this width the installed models and the downloads sit side by side.
SIDE_BY_SIDE_WIDTH = 1000

BackendFactory = Callable[[], Backend]


def default_load_options() -> LoadOptions:
    """Load options from the user's settings (the mapping every face shares)."""
    from app.core.settings import load_settings

    return load_settings().settings.load_options()


def _local_backend() -> Backend:
    from app.core.paths import app_dirs
    from app.engine.local import LocalBackend

    return LocalBackend(log_dir=app_dirs().logs)


class ModelsPage(QWidget):
    """The "Models" section of the main window."""

    defaults_changed = Signal(str, str)  # tool, model id (the chat pane may reload)
    models_changed = Signal()  # a model was downloaded, imported or removed
    download_status = Signal(str)  # one line for the window's status bar; "" when idle
    _job_changed = Signal(object)  # from the download queue's thread

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        backend_factory: BackendFactory | None = None,
        downloader: Downloader | None = None,
        load_options: Callable[[], LoadOptions] | None = None,
        parallel_downloads: int = 1,
        settings_store: SettingsStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings_store = settings_store or SettingsStore(self)
        self.setAccessibleName(self.tr("Models"))
        self.setAcceptDrops(True)
        self._backend_factory = backend_factory or _local_backend
        self._load_options = load_options or default_load_options
        self._load_info: LoadInfo | None = None
        self.state: ModelsState | None = None
        self._job_changed.connect(self._on_job_changed)
        self.queue = DownloadQueue(
            downloader or Downloader(), parallel=parallel_downloads, load_test=self._load_test
        )
        self.queue.add_listener(self._job_changed.emit)
        self._confirm = Confirmation()
        self._closed = False
        self.bench_prompt_tokens = 256  # what "Benchmark" measures (tests use less)
        self.bench_tokens = 64
        self._build()
        QTimer.singleShot(0, self.refresh)

    # ---- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 12, 14, 10)
        outer.setSpacing(10)

        header = QHBoxLayout()
        title = QLabel(self.tr("Models"))
        title.setObjectName("EmptyTitle")
        header.addWidget(title)
        header.addStretch(1)
        self.hardware = HardwareReadout(self)
        header.addWidget(self.hardware.label)
        self.hardware.button.clicked.connect(self.show_hardware)
        header.addWidget(self.hardware.button)
        outer.addLayout(header)

        self.notice = Notice(label_name=self.tr("Models notice"))
        outer.addWidget(self.notice)

        self.catalogue_box = CatalogueBox(self.queue)
        self.catalogue = self.catalogue_box.table
        self.catalogue_box.selection_changed.connect(self._update_buttons)
        self.catalogue_box.download_requested.connect(self.start_download)

        self.installed_box = InstalledBox(
            owner=self, notice=self.notice, confirm=self._confirm, settings=self.settings_store
        )
        self.installed_box.selection_changed.connect(self._update_buttons)
        self.installed_box.defaults_changed.connect(self.defaults_changed)
        self.installed_box.models_changed.connect(self.models_changed)
        self.installed_box.stale.connect(self.refresh)
        self.installed_box.bench_button.clicked.connect(self._benchmark_selected)
        self.installed_box.eval_button.clicked.connect(self.open_evaluation)
        self._evaluation: EvaluateDialog | None = None

        self.importer = ImportFlow(
            self,
            notice=self.notice,
            confirm=self._confirm,
            activity=self.installed_box.activity,
            bar=self.installed_box.activity_bar,
            load_test=self._load_test,
        )
        self.importer.busy_changed.connect(self._update_buttons)
        self.importer.models_changed.connect(self.models_changed)
        self.importer.stale.connect(self.refresh)
        self.installed_box.import_button.clicked.connect(self.importer.choose)

        self.speed_test = SpeedTest(
            self,
            notice=self.notice,
            activity=self.installed_box.activity,
            backend_factory=self._backend_factory,
            load_options=self._load_options,
        )
        self.speed_test.busy_changed.connect(self._update_buttons)
        self.speed_test.stale.connect(self.refresh)

        self.downloads = DownloadsBox(self.queue)

        bottom = QWidget()
        # Installed models beside the downloads, or above them in a narrow window: side by
        # side the two need about 900 pixels, which a laptop's half screen does not have.
        self.bottom_row = row = QBoxLayout(QBoxLayout.Direction.LeftToRight, bottom)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(12)
        row.addWidget(self.installed_box, 3)
        row.addWidget(self.downloads, 2)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("ModelsSplitter")  # its sizes are remembered (ui_state)
        splitter.setChildrenCollapsible(False)  # a dragged divider never hides a pane
        splitter.addWidget(self.catalogue_box)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        outer.addWidget(splitter, 1)
        self._update_buttons()

    def follow_tasks(self, runs_on: Callable[[str], TaskModel], loaded: SignalInstance) -> None:
        """Name in "Default for" what each task runs on now (``runs_on``), redrawn when a
        task's model has loaded: a model given at start-up runs every task this session."""
        self.installed_box.runs_on = runs_on
        loaded.connect(self._redraw_uses)

    def _redraw_uses(self, *_args: object) -> None:
        if self.state is not None and not self._closed:
            self.installed_box.show_state(self.state)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        wide = event.size().width() >= SIDE_BY_SIDE_WIDTH
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.bottom_row.direction() != direction:
            self.bottom_row.setDirection(direction)
        super().resizeEvent(event)

    # ---- state -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read everything in the background and redraw when it is back."""
        if self._closed:
            return
        load_info = self._load_info
        downloader = self.queue.downloader
        BackgroundOp(self, lambda: gather_state(load_info, downloader)).on_success(
            self._show_state
        ).on_failure(self._state_failed).run()

    def set_load_info(self, info: object) -> None:
        """The engine loaded a model: its report names the GPU backend for sure."""
        if isinstance(info, LoadInfo):
            self._load_info = info
            self.refresh()

    def _state_failed(self, error: BaseException) -> None:
        log.error("the models page could not read its state", exc_info=error)
        self.notice.show_text(
            self.tr("The model list could not be read: {error}").format(error=error)
        )

    def _show_state(self, state: ModelsState) -> None:
        self.state = state
        if state.error:
            self.notice.show_text(state.error)
        self.hardware.show_hardware(state.hardware)
        self.catalogue_box.show_state(state)
        self.installed_box.show_state(state)
        for pending in state.pending:
            self._on_job_changed(self.queue.restore(pending))
        self.catalogue_box.apply_filters()
        self._update_buttons()

    def show_hardware(self) -> QMessageBox:
        """The Hardware sheet: everything the fit verdicts are based on, in one place."""
        return self.hardware.open_sheet()

    def _update_buttons(self) -> None:
        self.catalogue_box.update_buttons()
        self.installed_box.update_buttons(
            benchmarking=self.speed_test.busy > 0, importing=self.importer.busy > 0
        )

    # ---- what tests and other sections use -----------------------------------------------------

    @property
    def confirm_dialog(self) -> QMessageBox | None:
        """The question the page has open (remove, import, replace), if any."""
        return self._confirm.dialog

    @property
    def busy_imports(self) -> int:
        return self.importer.busy

    @property
    def busy_benchmarks(self) -> int:
        return self.speed_test.busy

    def select_entry(self, model_id: str) -> bool:
        return self.catalogue_box.select_entry(model_id)

    def select_installed(self, model_id: str) -> bool:
        return self.installed_box.select_model(model_id)

    def visible_entry_ids(self) -> list[str]:
        """Catalogue ids currently shown (after search and filters)."""
        return self.catalogue_box.visible_entry_ids()

    # ---- downloads -----------------------------------------------------------------------------

    def start_download(self, entry: CatalogueEntry) -> DownloadJob:
        """Queue ``entry`` for download (also used by tests and other sections)."""
        job = self.queue.add(spec_for_entry(entry))
        self._on_job_changed(job)
        return job

    def _load_test(self, path: Path) -> None:
        """Runs on the download or import thread: load the model once in a fresh engine."""
        backend = self._backend_factory()
        try:
            options = self._load_options()
            backend.load(
                ModelRef(path=path, model_id=path.name),
                LoadOptions(
                    n_ctx=512,
                    n_batch=128,
                    n_threads=options.n_threads,
                    gpu_layers=options.gpu_layers,
                    flash_attn=options.flash_attn,
                ),
            )
        finally:
            backend.close()

    def _on_job_changed(self, job: object) -> None:
        assert isinstance(job, DownloadJob)
        if self._closed:
            return
        self.downloads.show_job(job)
        self.catalogue_box.refresh_status(job)
        self.download_status.emit(self.download_summary())
        if job.state == "done":
            self.models_changed.emit()
            self.refresh()
        self._update_buttons()

    def download_rows(self) -> list[DownloadRow]:
        return self.downloads.rows()

    def download_summary(self) -> str:
        """What the status bar says about downloads: the running one, and how many wait."""
        return self.downloads.summary()

    # ---- import and benchmark ------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        self.importer.drag_enter(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self.importer.drop(event)

    def ask_import(self, path: Path) -> None:
        """Ask whether to copy or link ``path``, then import it."""
        self.importer.ask(path)

    def import_file(self, path: Path, mode: str, on_duplicate: str = "error") -> None:
        """Import in the background with progress; a duplicate name asks what to do."""
        self.importer.import_file(path, mode, on_duplicate)

    def _benchmark_selected(self) -> None:
        model = self.installed_box.selected_model()
        if model is None or self.speed_test.busy:
            return
        self.benchmark(
            model.model_id, prompt_tokens=self.bench_prompt_tokens, tokens=self.bench_tokens
        )

    def benchmark(self, model_id: str, *, prompt_tokens: int = 256, tokens: int = 64) -> None:
        """Measure ``model_id`` in a fresh engine, in the background."""
        self.speed_test.run(model_id, prompt_tokens=prompt_tokens, tokens=tokens)

    def open_evaluation(self) -> EvaluateDialog | None:
        """The "Evaluate on my text" dialog (the open one, raised, if there is one), with
        the selected installed model ticked."""
        if self.state is None:
            return None
        dialog = self._evaluation
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        from app.gui.models.evaluate import EvaluateDialog  # only when asked: start-up stays lean

        selected = self.installed_box.selected_model()
        dialog = EvaluateDialog(
            self,
            models=self.state.installed,
            backend_factory=self._backend_factory,
            load_options=self._load_options,
            checked=[selected.model_id] if selected is not None else [],
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._evaluation = dialog
        dialog.show()
        return dialog

    @property
    def evaluation_dialog(self) -> EvaluateDialog | None:
        """The evaluation dialog while it is open."""
        dialog = self._evaluation
        return dialog if dialog is not None and shiboken6.isValid(dialog) else None

    # ---- shutdown ------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Pause downloads (their parts are kept for next time) and stop background work."""
        if self._closed:
            return
        self._closed = True
        self.importer.cancel()
        self.speed_test.cancel()
        if self.evaluation_dialog is not None:
            self.evaluation_dialog.shutdown()
        self.queue.close()


__all__ = ["ModelsPage", "default_load_options"]
