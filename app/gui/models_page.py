"""The Models section: the catalogue with "will it fit" verdicts, installed models, downloads.

Everything slow happens off the GUI thread. Reading the catalogue, looking at the hardware
and working out the fit verdicts is one :class:`~app.gui.ops.BackgroundOp`; imports and
benchmarks are others. Downloads run on the core's :class:`~app.core.downloads.DownloadQueue`
(its own worker thread: a download takes minutes and must not hold a thread of the shared
pool); its progress reaches the GUI thread through a queued Qt signal.

Nothing here touches the network until the user presses Download.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.backend import Backend, LoadInfo, LoadOptions, ModelRef
from app.core.catalogue import CatalogueEntry, InstalledModel
from app.core.downloads import (
    Downloader,
    DownloadJob,
    DownloadQueue,
    spec_for_entry,
)
from app.core.fit import FitKind, FitResult
from app.core.hardware import HardwareInfo, format_bytes
from app.core.model_bench import BenchResult
from app.core.settings import TOOLS
from app.gui.notice import Notice
from app.gui.ops import BackgroundOp

log = logging.getLogger(__name__)

BackendFactory = Callable[[], Backend]

SIZE_FILTERS: tuple[tuple[str, int, int], ...] = (
    ("any", 0, 1 << 62),
    ("small", 0, 10**9),
    ("medium", 10**9, 3 * 10**9),
    ("large", 3 * 10**9, 1 << 62),
)
_FIT_COLOURS: dict[FitKind, str] = {
    "gpu": "#2e8b57",
    "partial": "#2f7fb5",
    "cpu": "#b7791f",
    "too_large": "#c0392b",
}


@dataclass
class PageState:
    """Everything the page shows, gathered in the background."""

    entries: list[CatalogueEntry]
    installed: list[InstalledModel]
    hardware: HardwareInfo
    fits: dict[str, FitResult]
    speeds: dict[str, BenchResult]
    defaults: dict[str, str]
    n_ctx: int
    error: str | None = None
    pending: list[object] = field(default_factory=list)


def default_load_options() -> LoadOptions:
    """Load options from the user's settings (the mapping every face shares)."""
    from app.core.settings import load_settings

    return load_settings().settings.load_options()


def _local_backend() -> Backend:
    from app.core.paths import app_dirs
    from app.engine.local import LocalBackend

    return LocalBackend(log_dir=app_dirs().logs)


def gather_state(load_info: LoadInfo | None, downloader: Downloader | None = None) -> PageState:
    """Read the catalogue, the models folder, settings, benchmarks and the hardware.

    Runs on a background thread. A broken catalogue is reported in ``error`` (the page shows
    the message and the installed models) instead of raising. Without a ``downloader`` no
    unfinished downloads are listed (the welcome page needs only the verdicts).
    """
    from app.core.catalogue import CatalogueError, installed_models, load_catalogue
    from app.core.fit import fit_for_entry
    from app.core.hardware import detect_hardware
    from app.core.model_bench import known_speed, load_benchmarks
    from app.core.settings import load_settings

    settings = load_settings().settings
    hardware = detect_hardware(load_info=load_info)
    error: str | None = None
    try:
        entries = load_catalogue()
        installed = installed_models(entries)
    except CatalogueError as exc:
        error = str(exc)
        entries, installed = [], []
    paths = {m.model_id: m.path for m in installed}
    fits = {
        e.id: fit_for_entry(
            e,
            hardware,
            settings.context_length,
            n_batch=settings.batch_size,
            installed_path=paths.get(e.id),
        )
        for e in entries
    }
    results = load_benchmarks()
    threads = settings.effective_threads()
    speeds: dict[str, BenchResult] = {}
    for model_id in {e.id for e in entries} | set(paths):
        found = known_speed(model_id, threads=threads, results=results)
        if found is not None:
            speeds[model_id] = found
    return PageState(
        entries=entries,
        installed=installed,
        hardware=hardware,
        fits=fits,
        speeds=speeds,
        defaults=dict(settings.default_models),
        n_ctx=settings.context_length,
        error=error,
        pending=list(downloader.pending()) if downloader is not None else [],
    )


class _Relay(QObject):
    """Carries download-queue updates from its worker thread to the GUI thread."""

    job_changed = Signal(object)
    import_progress = Signal(int, int)
    import_testing = Signal(str)  # the file name, while the engine loads it once
    bench_progress = Signal(str)


class DownloadRow(QFrame):
    """One download: name, progress bar, figures, and Pause/Resume and Cancel buttons."""

    def __init__(self, job: DownloadJob, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.setAccessibleName(self.tr("Download of {name}").format(name=job.spec.name))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 6)
        layout.setSpacing(4)
        top = QHBoxLayout()
        self.title = QLabel(job.spec.name)
        self.title.setToolTip(f"{job.spec.repo}/{job.spec.file}")
        top.addWidget(self.title, 1)
        self.pause_button = QPushButton(self.tr("Pause"))
        self.pause_button.setAccessibleName(self.tr("Pause"))
        self.pause_button.setToolTip(
            self.tr("Stop for now; the part already downloaded is kept and continues later")
        )
        top.addWidget(self.pause_button)
        self.cancel_button = QPushButton(self.tr("Cancel download"))
        self.cancel_button.setAccessibleName(self.tr("Cancel download"))
        self.cancel_button.setToolTip(self.tr("Stop and delete the part downloaded so far"))
        top.addWidget(self.cancel_button)
        layout.addLayout(top)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.setAccessibleName(self.tr("Download progress"))
        layout.addWidget(self.bar)
        self.status = QLabel()
        self.status.setObjectName("DownloadStatus")
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Download status"))
        layout.addWidget(self.status)
        self.update_from(job)

    def update_from(self, job: DownloadJob) -> None:
        self.job = job
        progress = job.progress
        if progress is not None and progress.total:
            self.bar.setValue(int(1000 * progress.done / progress.total))
        state = job.state
        resumable = state in ("paused", "failed")
        self.pause_button.setText(self.tr("Resume") if resumable else self.tr("Pause"))
        self.pause_button.setAccessibleName(self.pause_button.text())
        self.pause_button.setToolTip(
            self.tr("Continue from where it stopped")
            if resumable
            else self.tr("Stop for now; the part already downloaded is kept and continues later")
        )
        self.pause_button.setVisible(state in ("queued", "running", "paused", "failed"))
        self.cancel_button.setVisible(state in ("queued", "running", "paused", "failed"))
        self.status.setText(self.describe(job))
        self.status.setToolTip(self.status.text())

    def describe(self, job: DownloadJob) -> str:
        progress = job.progress
        if job.state == "queued":
            return self.tr("Waiting for the download before it")
        if job.state == "failed" and job.error is not None:
            return str(job.error)
        if job.state == "cancelled":
            return self.tr("Cancelled; the partial file was deleted")
        if job.state == "done" and job.result is not None:
            if job.result.load_error:
                return self.tr(
                    "Downloaded and verified, but the engine could not load it: {error}"
                ).format(error=job.result.load_error)
            return self.tr("Downloaded, verified and tested ({size})").format(
                size=format_bytes(job.result.size)
            )
        if progress is None:
            return self.tr("Starting…")
        figures = self.tr("{done} of {total}").format(
            done=format_bytes(progress.done), total=format_bytes(progress.total)
        )
        if job.state == "paused":
            return self.tr("Paused at {figures}").format(figures=figures)
        if progress.phase == "resolving":
            return self.tr("Asking the hub for the file…")
        if progress.phase == "checking":
            return self.tr("Checking the part downloaded before: {figures}").format(figures=figures)
        if progress.phase == "verifying":
            return self.tr("Verifying the checksum…")
        if progress.phase == "testing":
            return self.tr("Loading the model once to test it…")
        speed = self.tr("{rate}/s").format(rate=format_bytes(int(progress.speed_bps)))
        left = _duration(progress.eta_s)
        return self.tr("{figures} · {speed} · {left} left").format(
            figures=figures, speed=speed, left=left
        )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return QCoreApplication.translate("ModelsPage", "unknown time")
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return QCoreApplication.translate("ModelsPage", "{n} s").format(n=seconds)
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return QCoreApplication.translate("ModelsPage", "{m} min {s} s").format(m=minutes, s=secs)
    hours, minutes = divmod(minutes, 60)
    return QCoreApplication.translate("ModelsPage", "{h} h {m} min").format(h=hours, m=minutes)


class ModelsPage(QWidget):
    """The "Models" section of the main window."""

    defaults_changed = Signal(str, str)  # tool, model id (the chat pane may reload)
    models_changed = Signal()  # a model was downloaded, imported or removed
    download_status = Signal(str)  # one line for the window's status bar; "" when idle

    CATALOGUE_COLUMNS = (
        "Name",
        "Status",
        "Size",
        "Parameters",
        "Quantization",
        "Licence",
        "Languages",
        "Good for",
        "Fit",
        "Speed",
    )

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        backend_factory: BackendFactory | None = None,
        downloader: Downloader | None = None,
        load_options: Callable[[], LoadOptions] | None = None,
        parallel_downloads: int = 1,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Models"))
        self.setAcceptDrops(True)
        self._backend_factory = backend_factory or _local_backend
        self._load_options = load_options or default_load_options
        self._load_info: LoadInfo | None = None
        self.state: PageState | None = None
        self.hardware_lines: list[str] = []
        self._relay = _Relay(self)
        self._relay.job_changed.connect(self._on_job_changed)
        self._relay.import_progress.connect(self._on_import_progress)
        self._relay.import_testing.connect(self._on_import_testing)
        self._relay.bench_progress.connect(self._on_bench_progress)
        self.queue = DownloadQueue(
            downloader or Downloader(), parallel=parallel_downloads, load_test=self._load_test
        )
        self.queue.add_listener(self._relay.job_changed.emit)
        self._rows: dict[int, DownloadRow] = {}
        self._bench_backend: Backend | None = None
        self._import_stop: threading.Event | None = None
        self._closed = False
        self.confirm_dialog: QMessageBox | None = None
        self.busy_imports = 0
        self.busy_benchmarks = 0
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
        self.hardware_label = QLabel(self.tr("Looking at this computer…"))
        self.hardware_label.setObjectName("EmptyBody")
        self.hardware_label.setAccessibleName(self.tr("Hardware"))
        self.hardware_label.setToolTip(self.tr("What this computer offers a model"))
        header.addWidget(self.hardware_label)
        self.hardware_button = QPushButton(self.tr("Hardware…"))
        self.hardware_button.setAccessibleName(self.tr("Hardware details"))
        self.hardware_button.setToolTip(
            self.tr("CPU, instruction sets, memory and GPU as the engine sees them")
        )
        self.hardware_button.setEnabled(False)
        self.hardware_button.clicked.connect(self.show_hardware)
        header.addWidget(self.hardware_button)
        outer.addLayout(header)

        self.notice = Notice(label_name=self.tr("Models notice"))
        outer.addWidget(self.notice)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_catalogue())
        splitter.addWidget(self._build_bottom())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        outer.addWidget(splitter, 1)

    def _build_catalogue(self) -> QWidget:
        box = QGroupBox(self.tr("Model catalogue"))
        layout = QVBoxLayout(box)
        layout.setSpacing(8)
        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search by name, language or task"))
        self.search.setAccessibleName(self.tr("Search models"))
        self.search.setToolTip(self.tr("Show only models whose name, languages or uses match"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_filters)
        filters.addWidget(self.search, 2)
        self.language_filter = QComboBox()
        self.language_filter.setAccessibleName(self.tr("Language filter"))
        self.language_filter.setToolTip(self.tr("Show only models that speak this language"))
        self.language_filter.addItem(self.tr("All languages"), "")
        self.language_filter.currentIndexChanged.connect(self._apply_filters)
        filters.addWidget(self.language_filter, 1)
        self.size_filter = QComboBox()
        self.size_filter.setAccessibleName(self.tr("Size filter"))
        self.size_filter.setToolTip(self.tr("Show only models of this download size"))
        for key, label in (
            ("any", self.tr("Any size")),
            ("small", self.tr("Under 1 GB")),
            ("medium", self.tr("1 to 3 GB")),
            ("large", self.tr("Over 3 GB")),
        ):
            self.size_filter.addItem(label, key)
        self.size_filter.currentIndexChanged.connect(self._apply_filters)
        filters.addWidget(self.size_filter, 1)
        self.installed_filter = QCheckBox(self.tr("Installed only"))
        self.installed_filter.setAccessibleName(self.tr("Installed only"))
        self.installed_filter.setToolTip(self.tr("Show only models on this computer"))
        self.installed_filter.toggled.connect(self._apply_filters)
        filters.addWidget(self.installed_filter)
        layout.addLayout(filters)

        self.catalogue = QTableWidget(0, len(self.CATALOGUE_COLUMNS))
        self.catalogue.setAccessibleName(self.tr("Model catalogue"))
        self.catalogue.setToolTip(
            self.tr("Curated models; hover over the Fit column for the memory estimate")
        )
        headers = [
            self.tr("Name"),
            self.tr("Status"),
            self.tr("Size"),
            self.tr("Parameters"),
            self.tr("Quantization"),
            self.tr("Licence"),
            self.tr("Languages"),
            self.tr("Good for"),
            self.tr("Fit"),
            self.tr("Speed"),
        ]
        self.catalogue.setHorizontalHeaderLabels(headers)
        self.catalogue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.catalogue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.catalogue.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.catalogue.verticalHeader().setVisible(False)
        self.catalogue.setAlternatingRowColors(True)
        self.catalogue.setShowGrid(False)
        self.catalogue.setWordWrap(False)
        header = self.catalogue.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The name must never be cut; the list of uses may be (its tooltip has it all).
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        self.catalogue.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.catalogue.itemSelectionChanged.connect(self._on_catalogue_selection)
        self.catalogue.itemDoubleClicked.connect(lambda _item: self._download_selected())
        layout.addWidget(self.catalogue, 1)

        actions = QHBoxLayout()
        self.description = QLabel(self.tr("Select a model to read about it."))
        self.description.setWordWrap(True)
        self.description.setObjectName("EmptyBody")
        self.description.setAccessibleName(self.tr("Model description"))
        actions.addWidget(self.description, 1)
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setObjectName("PrimaryButton")
        self.download_button.setAccessibleName(self.tr("Download"))
        self.download_button.setToolTip(
            self.tr("Download the selected model; the checksum is verified before it is used")
        )
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(self._download_selected)
        actions.addWidget(self.download_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(actions)
        return box

    def _build_bottom(self) -> QWidget:
        bottom = QWidget()
        row = QHBoxLayout(bottom)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(12)

        installed_box = QGroupBox(self.tr("Installed models"))
        layout = QVBoxLayout(installed_box)
        self.installed = QTableWidget(0, 4)
        self.installed.setAccessibleName(self.tr("Installed models"))
        self.installed.setToolTip(self.tr("Models on this computer"))
        self.installed.setHorizontalHeaderLabels(
            [self.tr("Model"), self.tr("File size"), self.tr("Source"), self.tr("Default for")]
        )
        self.installed.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.installed.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.installed.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.installed.verticalHeader().setVisible(False)
        self.installed.setShowGrid(False)
        header = self.installed.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.installed.itemSelectionChanged.connect(self._on_installed_selection)
        layout.addWidget(self.installed, 1)

        buttons = QHBoxLayout()
        self.tool_choice = QComboBox()
        self.tool_choice.setAccessibleName(self.tr("Tool"))
        self.tool_choice.setToolTip(self.tr("The tool whose default model to set"))
        tool_names = {
            "chat": self.tr("Chat"),
            "summarise": self.tr("Summarise"),
            "translate": self.tr("Translate"),
            "sentiment": self.tr("Sentiment"),
        }
        for tool in TOOLS:
            self.tool_choice.addItem(tool_names.get(tool, tool), tool)
        buttons.addWidget(self.tool_choice)
        self.default_button = QPushButton(self.tr("Set as default"))
        self.default_button.setAccessibleName(self.tr("Set as default"))
        self.default_button.setToolTip(
            self.tr("Use the selected model for the chosen tool from now on")
        )
        self.default_button.clicked.connect(self._set_default)
        buttons.addWidget(self.default_button)
        buttons.addStretch(1)
        self.bench_button = QPushButton(self.tr("Benchmark"))
        self.bench_button.setAccessibleName(self.tr("Benchmark"))
        self.bench_button.setToolTip(
            self.tr("Measure how fast the selected model reads and writes on this computer")
        )
        self.bench_button.clicked.connect(self._benchmark_selected)
        buttons.addWidget(self.bench_button)
        self.remove_button = QPushButton(self.tr("Remove model"))
        self.remove_button.setAccessibleName(self.tr("Remove model"))
        self.remove_button.setToolTip(self.tr("Delete the selected model from this computer"))
        self.remove_button.clicked.connect(self._remove_selected)
        buttons.addWidget(self.remove_button)
        layout.addLayout(buttons)

        second = QHBoxLayout()
        self.import_button = QPushButton(self.tr("Import model"))
        self.import_button.setAccessibleName(self.tr("Import model"))
        self.import_button.setToolTip(
            self.tr("Add a .gguf file from this computer (or drop one on this page)")
        )
        self.import_button.clicked.connect(self._choose_import)
        second.addWidget(self.import_button)
        self.activity = QLabel()
        self.activity.setObjectName("EmptyBody")
        self.activity.setWordWrap(True)
        self.activity.setAccessibleName(self.tr("Model activity"))
        second.addWidget(self.activity, 1)
        self.activity_bar = QProgressBar()
        self.activity_bar.setFixedWidth(120)
        self.activity_bar.setFixedHeight(8)
        self.activity_bar.setTextVisible(False)
        self.activity_bar.setAccessibleName(self.tr("Import progress"))
        self.activity_bar.hide()
        second.addWidget(self.activity_bar)
        layout.addLayout(second)
        row.addWidget(installed_box, 3)

        downloads_box = QGroupBox(self.tr("Downloads"))
        downloads_layout = QVBoxLayout(downloads_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        holder = QWidget()
        holder.setAccessibleName(self.tr("Downloads"))
        self.downloads_layout = QVBoxLayout(holder)
        self.downloads_layout.setContentsMargins(0, 0, 0, 0)
        self.no_downloads = QLabel(
            self.tr("No downloads. Choose a model in the catalogue and press Download.")
        )
        self.no_downloads.setObjectName("EmptyBody")
        self.no_downloads.setWordWrap(True)
        self.downloads_layout.addWidget(self.no_downloads)
        self.downloads_layout.addStretch(1)
        scroll.setWidget(holder)
        downloads_layout.addWidget(scroll)
        downloads_box.setMinimumWidth(280)
        row.addWidget(downloads_box, 2)
        self._update_buttons()
        return bottom

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

    def _show_state(self, state: object) -> None:
        assert isinstance(state, PageState)
        self.state = state
        if state.error:
            self.notice.show_text(state.error)
        self._show_hardware(state.hardware)
        self._fill_languages(state.entries)
        self._fill_catalogue(state)
        self._fill_installed(state)
        for pending in state.pending:
            job = self.queue.restore(pending)  # type: ignore[arg-type]
            self._on_job_changed(job)
        self._apply_filters()
        self._update_buttons()

    def _show_hardware(self, hw: HardwareInfo) -> None:
        cores = hw.physical_cores or hw.logical_cores
        if hw.gpu_backend and hw.gpus:
            gpu = hw.gpus[0]
            gpu_text = self.tr("{backend}: {name}").format(backend=hw.gpu_backend, name=gpu.name)
        elif hw.gpu_backend:
            gpu_text = self.tr("{backend} build, GPU memory unknown").format(backend=hw.gpu_backend)
        else:
            gpu_text = self.tr("no GPU offload")
        self.hardware_label.setText(
            self.tr("{cores} CPU cores · {ram} RAM · {gpu}").format(
                cores=cores, ram=format_bytes(hw.ram_total_bytes), gpu=gpu_text
            )
        )
        lines = [
            self.tr("CPU: {name}").format(name=hw.cpu_name or self.tr("unknown")),
            self.tr("Cores: {physical} physical, {logical} logical").format(
                physical=hw.physical_cores or "?", logical=hw.logical_cores
            ),
            self.tr("Instruction sets: {sets}").format(
                sets=" ".join(hw.instruction_sets) or self.tr("unknown")
            ),
            self.tr("RAM: {total} total, {free} available").format(
                total=format_bytes(hw.ram_total_bytes), free=format_bytes(hw.ram_available_bytes)
            ),
            self.tr("GPU backend in the engine: {backend}").format(
                backend=hw.gpu_backend or self.tr("none (CPU only)")
            ),
        ]
        for gpu in hw.gpus:
            lines.append(
                self.tr("GPU: {name}, {total} total, {free} free").format(
                    name=gpu.name,
                    total=format_bytes(gpu.total_bytes),
                    free=format_bytes(gpu.free_bytes),
                )
            )
        if hw.gpus and not hw.gpu_backend:
            lines.append(
                self.tr(
                    "A GPU was found, but this build of the engine cannot use it; models run "
                    "on the CPU."
                )
            )
        self.hardware_label.setToolTip("\n".join(lines))
        self.hardware_lines = lines
        self.hardware_button.setEnabled(True)

    def show_hardware(self) -> QMessageBox:
        """The Hardware sheet: everything the fit verdicts are based on, in one place."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(self.tr("Hardware"))
        box.setText(self.hardware_label.text())
        box.setInformativeText("\n".join(self.hardware_lines))
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAccessibleName(self.tr("Hardware"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def _fill_languages(self, entries: Sequence[CatalogueEntry]) -> None:
        current = self.language_filter.currentData()
        codes = sorted({code for e in entries for code in e.languages})
        self.language_filter.blockSignals(True)
        self.language_filter.clear()
        self.language_filter.addItem(self.tr("All languages"), "")
        for code in codes:
            self.language_filter.addItem(_language_name(code), code)
        index = self.language_filter.findData(current)
        self.language_filter.setCurrentIndex(max(0, index))
        self.language_filter.blockSignals(False)

    def _installed_ids(self) -> set[str]:
        return {m.model_id for m in self.state.installed} if self.state else set()

    def _fill_catalogue(self, state: PageState) -> None:
        selected = self.selected_entry()
        table = self.catalogue
        table.setSortingEnabled(False)
        table.setRowCount(len(state.entries))
        installed = self._installed_ids()
        for row, entry in enumerate(state.entries):
            name = QTableWidgetItem(entry.name)
            name.setData(Qt.ItemDataRole.UserRole, entry.id)
            name.setToolTip(f"{entry.name}\n{entry.id} · {entry.repo}\n\n{entry.description}")
            table.setItem(row, 0, name)
            table.setItem(row, 1, QTableWidgetItem(self._status_text(entry, installed)))
            size = QTableWidgetItem(format_bytes(entry.size_bytes))
            size.setToolTip(
                self.tr("{bytes} bytes to download").format(bytes=f"{entry.size_bytes:,}")
            )
            table.setItem(row, 2, size)
            table.setItem(row, 3, QTableWidgetItem(_params_label(entry.params_b)))
            table.setItem(row, 4, QTableWidgetItem(entry.quant))
            table.setItem(row, 5, QTableWidgetItem(entry.license))
            langs = QTableWidgetItem(_short_list(list(entry.languages), 3))
            langs.setToolTip(", ".join(_language_name(c) for c in entry.languages))
            table.setItem(row, 6, langs)
            uses = QTableWidgetItem(", ".join(_use_name(u) for u in entry.good_for))
            uses.setToolTip(uses.text())
            table.setItem(row, 7, uses)
            table.setItem(row, 8, self._fit_item(state.fits.get(entry.id)))
            table.setItem(row, 9, self._speed_item(state.speeds.get(entry.id)))
        if selected is not None:
            self.select_entry(selected.id)

    def _status_text(self, entry: CatalogueEntry, installed: set[str]) -> str:
        if entry.builtin:
            return self.tr("Built in")
        if entry.id in installed:
            return self.tr("Installed")
        job = self.queue.find(entry.file)
        if job is not None and job.state in ("queued", "running"):
            if job.progress and job.progress.total:
                return self.tr("Downloading {percent}%").format(
                    percent=int(100 * job.progress.fraction)
                )
            return self.tr("Queued")
        if job is not None and job.state == "paused":
            return self.tr("Paused")
        return ""

    def _fit_item(self, fit: FitResult | None) -> QTableWidgetItem:
        if fit is None:
            return QTableWidgetItem("")
        labels: dict[FitKind, str] = {
            "gpu": self.tr("Runs on GPU"),
            "partial": self.tr("Partly on GPU"),
            "cpu": self.tr("CPU only — slower"),
            "too_large": self.tr("Too large for this computer"),
        }
        item = QTableWidgetItem("● " + labels[fit.kind])
        item.setData(Qt.ItemDataRole.UserRole, fit.kind)
        item.setForeground(QBrush(QColor(_FIT_COLOURS[fit.kind])))
        item.setToolTip(self.fit_tooltip(fit))
        return item

    def fit_tooltip(self, fit: FitResult) -> str:
        """The numbers behind a fit label, in the user's language."""
        e = fit.estimate
        sources = {
            "file header": self.tr("the file's header"),
            "catalogue": self.tr("the model's published figures"),
            "estimate from parameters": self.tr("its size (a cautious guess)"),
        }
        lines = [
            self.tr("Needs about {total} for a {ctx}-token context:").format(
                total=format_bytes(e.total), ctx=f"{e.n_ctx:,}"
            ),
            self.tr("  model weights {n}").format(n=format_bytes(e.weights)),
            self.tr("  context memory (KV cache) {n}").format(n=format_bytes(e.kv_cache)),
            self.tr("  compute buffers {n}").format(n=format_bytes(e.compute)),
            self.tr("  runtime {n}").format(n=format_bytes(e.runtime)),
            self.tr("Shape from {source}: {layers} layers").format(
                source=sources.get(e.dims.source, e.dims.source), layers=e.dims.n_layers
            ),
            self.tr(
                "This computer: {total} RAM, {usable} usable for a model, {free} free now"
            ).format(
                total=format_bytes(fit.ram_total),
                usable=format_bytes(fit.ram_usable),
                free=format_bytes(fit.ram_available),
            ),
        ]
        if fit.gpu_budget is not None:
            lines.append(
                self.tr("GPU memory usable: {budget}; {layers} of {total} layers there").format(
                    budget=format_bytes(fit.gpu_budget),
                    layers=fit.gpu_layers,
                    total=e.dims.n_layers,
                )
            )
        if fit.kind == "too_large":
            lines.append(self.tr("A smaller model or a shorter context would fit."))
        elif e.total > fit.ram_available and fit.kind != "gpu":
            lines.append(self.tr("Close other programs before loading it: RAM is short now."))
        return "\n".join(lines)

    def _speed_item(self, result: BenchResult | None) -> QTableWidgetItem:
        if result is None:
            item = QTableWidgetItem("—")
            item.setToolTip(
                self.tr("Not measured yet: install the model, select it and press Benchmark")
            )
            return item
        item = QTableWidgetItem(
            self.tr("{rate} tokens/s").format(rate=f"{result.generation_tps:.0f}")
        )
        item.setToolTip(
            self.tr(
                "Measured on this computer ({device}, {threads} threads, {when}):\n"
                "reading the prompt {prompt} tokens/s\nwriting {gen} tokens/s"
            ).format(
                device=result.device,
                threads=result.threads,
                when=result.measured_at[:10],
                prompt=f"{result.prompt_tps:.0f}",
                gen=f"{result.generation_tps:.1f}",
            )
        )
        return item

    def _fill_installed(self, state: PageState) -> None:
        selected = self.selected_installed()
        table = self.installed
        table.setRowCount(len(state.installed))
        tool_names = {
            self.tool_choice.itemData(i): self.tool_choice.itemText(i)
            for i in range(self.tool_choice.count())
        }
        for row, model in enumerate(state.installed):
            name = QTableWidgetItem(model.name)
            name.setData(Qt.ItemDataRole.UserRole, model.model_id)
            where = self.tr("built into Parley") if model.builtin else str(model.path)
            name.setToolTip(f"{model.model_id}\n{where}")
            table.setItem(row, 0, name)
            size = QTableWidgetItem(format_bytes(model.size_bytes))
            size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, 1, size)
            table.setItem(row, 2, self._source_item(model))
            # A default saved before models had ids of their own may be the file name.
            names = {model.model_id} if model.builtin else {model.model_id, model.path.name}
            tools = [
                tool_names.get(tool, tool)
                for tool, model_id in state.defaults.items()
                if model_id in names
            ]
            if not tools and model.builtin:
                unset = [tool_names.get(t, t) for t in TOOLS if not state.defaults.get(t)]
                tools = unset
            table.setItem(row, 3, QTableWidgetItem(", ".join(tools)))
        if selected is not None:
            self.select_installed(selected.model_id)

    def _source_item(self, model: InstalledModel) -> QTableWidgetItem:
        """Where the model came from: built in, the catalogue, a hub repository, an import."""
        if model.source == "built-in":
            text = self.tr("Built in")
        elif model.source == "catalogue":
            text = self.tr("Catalogue")
        elif model.source == "hub":
            text = self.tr("Hugging Face: {repo}").format(repo=model.repo or "?")
        elif model.source == "imported":
            text = self.tr("Linked") if model.linked else self.tr("Imported")
        else:
            text = self.tr("Models folder")
        item = QTableWidgetItem(text)
        if model.imported_from:
            item.setToolTip(self.tr("Imported from {path}").format(path=model.imported_from))
        elif model.repo and model.source in ("hub", "catalogue"):
            item.setToolTip(model.repo)
        return item

    # ---- selection and filters ---------------------------------------------------------------

    def selected_entry(self) -> CatalogueEntry | None:
        if self.state is None:
            return None
        rows = self.catalogue.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.catalogue.item(rows[0].row(), 0)
        model_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        return next((e for e in self.state.entries if e.id == model_id), None)

    def select_entry(self, model_id: str) -> bool:
        for row in range(self.catalogue.rowCount()):
            item = self.catalogue.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == model_id:
                self.catalogue.selectRow(row)
                return True
        return False

    def selected_installed(self) -> InstalledModel | None:
        if self.state is None:
            return None
        rows = self.installed.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.installed.item(rows[0].row(), 0)
        model_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        return next((m for m in self.state.installed if m.model_id == model_id), None)

    def select_installed(self, model_id: str) -> bool:
        for row in range(self.installed.rowCount()):
            item = self.installed.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == model_id:
                self.installed.selectRow(row)
                return True
        return False

    def visible_entry_ids(self) -> list[str]:
        """Catalogue ids currently shown (after search and filters)."""
        shown: list[str] = []
        for row in range(self.catalogue.rowCount()):
            item = self.catalogue.item(row, 0)
            if item is not None and not self.catalogue.isRowHidden(row):
                shown.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return shown

    def _apply_filters(self) -> None:
        if self.state is None:
            return
        words = self.search.text().casefold().split()
        language = self.language_filter.currentData() or ""
        size_key = self.size_filter.currentData() or "any"
        low, high = next((lo, hi) for key, lo, hi in SIZE_FILTERS if key == size_key)
        installed_only = self.installed_filter.isChecked()
        installed = self._installed_ids()
        by_id = {e.id: e for e in self.state.entries}
        for row in range(self.catalogue.rowCount()):
            item = self.catalogue.item(row, 0)
            entry = by_id.get(item.data(Qt.ItemDataRole.UserRole)) if item else None
            if entry is None:
                continue
            haystack = " ".join(
                [
                    entry.name,
                    entry.id,
                    entry.family,
                    entry.description,
                    entry.license,
                    *entry.good_for,
                    *(_use_name(u) for u in entry.good_for),
                    *entry.languages,
                    *(_language_name(c) for c in entry.languages),
                ]
            ).casefold()
            visible = (
                all(word in haystack for word in words)
                and (not language or language in entry.languages)
                and low <= entry.size_bytes < high
                and (not installed_only or entry.id in installed)
            )
            self.catalogue.setRowHidden(row, not visible)

    def _on_catalogue_selection(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.description.setText(self.tr("Select a model to read about it."))
        else:
            self.description.setText(entry.description)
        self._update_buttons()

    def _on_installed_selection(self) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        entry = self.selected_entry()
        installed = self._installed_ids()
        can_download = entry is not None and not entry.builtin and entry.id not in installed
        if entry is not None and can_download:
            job = self.queue.find(entry.file)
            can_download = job is None or not job.active
        self.download_button.setEnabled(can_download)
        if entry is not None and entry.builtin:
            self.download_button.setToolTip(self.tr("This model is built into Parley"))
        elif entry is not None and entry.id in installed:
            self.download_button.setToolTip(self.tr("This model is already installed"))
        else:
            self.download_button.setToolTip(
                self.tr("Download the selected model; the checksum is verified before it is used")
            )
        model = self.selected_installed()
        self.default_button.setEnabled(model is not None)
        self.remove_button.setEnabled(model is not None and not model.builtin)
        if model is not None and model.builtin:
            self.remove_button.setToolTip(
                self.tr("The built-in model cannot be removed: it always works offline")
            )
        else:
            self.remove_button.setToolTip(self.tr("Delete the selected model from this computer"))
        self.bench_button.setEnabled(model is not None and self.busy_benchmarks == 0)
        self.import_button.setEnabled(self.busy_imports == 0)

    # ---- downloads -----------------------------------------------------------------------------

    def _download_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None or not self.download_button.isEnabled():
            return
        self.start_download(entry)

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
        row = self._rows.get(job.job_id)
        if job.state == "cancelled":
            if row is not None:
                self._rows.pop(job.job_id)
                row.deleteLater()
            self.queue.forget(job)
        elif row is None:
            row = DownloadRow(job)
            row.pause_button.clicked.connect(lambda _=False, r=row: self._toggle_pause(r))
            row.cancel_button.clicked.connect(lambda _=False, r=row: self.queue.cancel(r.job))
            self._rows[job.job_id] = row
            self.downloads_layout.insertWidget(self.downloads_layout.count() - 1, row)
        else:
            row.update_from(job)
        self.no_downloads.setVisible(not self._rows)
        self._refresh_status_column(job)
        self.download_status.emit(self.download_summary())
        if job.state == "done":
            self.models_changed.emit()
            self.refresh()
        self._update_buttons()

    def _toggle_pause(self, row: DownloadRow) -> None:
        if row.job.state in ("paused", "failed"):
            self.queue.resume(row.job)
        else:
            self.queue.pause(row.job)

    def download_rows(self) -> list[DownloadRow]:
        return list(self._rows.values())

    def download_summary(self) -> str:
        """What the status bar says about downloads: the running one, and how many wait."""
        active = [r for r in self._rows.values() if r.job.state in ("running", "queued")]
        running = [r for r in active if r.job.state == "running"]
        if not running:
            return ""
        first = running[0]
        line = self.tr("Downloading {name}: {status}").format(
            name=first.job.spec.target_name, status=first.describe(first.job)
        )
        waiting = len(active) - 1
        if waiting > 0:
            line += self.tr(" (+{n} more)").format(n=waiting)
        return line

    def _refresh_status_column(self, job: DownloadJob) -> None:
        if self.state is None:
            return
        installed = self._installed_ids()
        for row in range(self.catalogue.rowCount()):
            item = self.catalogue.item(row, 0)
            entry = next(
                (
                    e
                    for e in self.state.entries
                    if item and e.id == item.data(Qt.ItemDataRole.UserRole)
                ),
                None,
            )
            if entry is not None and entry.file == job.spec.target_name:
                status = self.catalogue.item(row, 1)
                if status is not None:
                    status.setText(self._status_text(entry, installed))

    # ---- defaults ------------------------------------------------------------------------------

    def _set_default(self) -> None:
        model = self.selected_installed()
        if model is None:
            return
        tool = str(self.tool_choice.currentData())
        from app.core.settings import load_settings, save_settings

        settings = load_settings().settings
        settings.default_models[tool] = model.model_id
        save_settings(settings)
        self.notice.show_text(
            self.tr("{model} is now the default for {tool}.").format(
                model=model.name, tool=self.tool_choice.currentText()
            )
        )
        self.defaults_changed.emit(tool, model.model_id)
        self.refresh()

    # ---- remove --------------------------------------------------------------------------------

    def _remove_selected(self) -> None:
        model = self.selected_installed()
        if model is None or model.builtin:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Remove model"))
        box.setAccessibleName(self.tr("Remove model?"))
        box.setText(self.tr("Remove {name}?").format(name=model.name))
        if model.path.is_symlink():
            detail = self.tr(
                "Only Parley's link to the file is removed; the file itself at {path} is kept."
            ).format(path=model.path.resolve())
        else:
            detail = self.tr(
                "The file {path} is deleted and {size} of disk space is freed."
            ).format(path=model.path, size=format_bytes(model.size_bytes))
        box.setInformativeText(detail)
        remove = box.addButton(self.tr("Remove"), QMessageBox.ButtonRole.DestructiveRole)
        remove.setAccessibleName(self.tr("Remove"))
        keep = box.addButton(self.tr("Keep"), QMessageBox.ButtonRole.RejectRole)
        keep.setAccessibleName(self.tr("Keep"))
        box.setDefaultButton(keep)

        def chosen(button: object) -> None:
            self.confirm_dialog = None
            if button is remove:
                self._remove(model.model_id)

        box.buttonClicked.connect(chosen)
        self.confirm_dialog = box
        box.open()

    def _remove(self, model_id: str) -> None:
        from app.core.model_import import ModelImportError, remove_model

        try:
            removed = remove_model(model_id)
        except (ModelImportError, ValueError) as exc:
            self.notice.show_text(str(exc))
            return
        if removed.was_link:
            text = self.tr("Removed the link to {name}; the original file was kept.").format(
                name=removed.path.name
            )
        else:
            text = self.tr("Removed {name}; {size} freed.").format(
                name=removed.path.name, size=format_bytes(removed.freed_bytes)
            )
        if removed.defaults_cleared:
            text += " " + self.tr("Tools that used it now use the built-in model.")
            for tool in removed.defaults_cleared:
                self.defaults_changed.emit(tool, "")
        self.notice.show_text(text)
        self.models_changed.emit()
        self.refresh()

    # ---- import --------------------------------------------------------------------------------

    def _choose_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Import a model"),
            str(Path.home()),
            self.tr("GGUF models (*.gguf);;All files (*)"),
        )
        if path:
            self.ask_import(Path(path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if any(
            url.isLocalFile() and url.toLocalFile().lower().endswith(".gguf")
            for url in event.mimeData().urls()
        ):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        files = [
            Path(url.toLocalFile())
            for url in event.mimeData().urls()
            if url.isLocalFile() and url.toLocalFile().lower().endswith(".gguf")
        ]
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.ask_import(files[0])
        if len(files) > 1:
            self.notice.show_text(
                self.tr("Importing {name}; drop the other files one at a time.").format(
                    name=files[0].name
                )
            )

    def ask_import(self, path: Path) -> None:
        """Ask whether to copy or link ``path``, then import it."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Import model"))
        box.setAccessibleName(self.tr("Import model?"))
        box.setText(self.tr("Import {name}?").format(name=path.name))
        box.setInformativeText(
            self.tr(
                "Copying puts a copy in Parley's models folder (it uses disk space). Linking "
                "uses no space, but the model stops working if the file is moved or deleted."
            )
        )
        copy = box.addButton(self.tr("Copy into Parley"), QMessageBox.ButtonRole.AcceptRole)
        copy.setAccessibleName(self.tr("Copy into Parley"))
        link = box.addButton(self.tr("Link to the file"), QMessageBox.ButtonRole.ActionRole)
        link.setAccessibleName(self.tr("Link to the file"))
        cancel = box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        cancel.setAccessibleName(self.tr("Cancel"))
        box.setDefaultButton(copy)

        def chosen(button: object) -> None:
            self.confirm_dialog = None
            if button is copy:
                self.import_file(path, "copy")
            elif button is link:
                self.import_file(path, "link")

        box.buttonClicked.connect(chosen)
        self.confirm_dialog = box
        box.open()

    def import_file(self, path: Path, mode: str, on_duplicate: str = "error") -> None:
        """Import in the background with progress; a duplicate name asks what to do."""
        from app.core.model_import import import_model

        stop = threading.Event()
        self._import_stop = stop
        relay = self._relay
        self.busy_imports += 1
        self.activity.setText(self.tr("Checking {name}…").format(name=path.name))
        self.activity_bar.setRange(0, 0)
        self.activity_bar.show()
        self._update_buttons()

        def work() -> object:
            return import_model(
                path,
                mode="link" if mode == "link" else "copy",
                on_duplicate=on_duplicate,  # type: ignore[arg-type]
                progress=relay.import_progress.emit,
                stop=stop,
                load_test=self._load_test,  # as for downloads: never install what cannot load
                on_testing=lambda: relay.import_testing.emit(path.name),
            )

        BackgroundOp(self, work).on_success(self._imported).on_failure(
            lambda error: self._import_failed(error, path, mode)
        ).run()

    def _on_import_progress(self, done: int, total: int) -> None:
        if total:
            self.activity_bar.setRange(0, 1000)
            self.activity_bar.setValue(int(1000 * done / total))
            self.activity.setText(
                self.tr("Copying: {done} of {total}").format(
                    done=format_bytes(done), total=format_bytes(total)
                )
            )

    def _on_import_testing(self, name: str) -> None:
        self.activity.setText(self.tr("Loading {name} once to test it…").format(name=name))

    def _end_import(self) -> None:
        self.busy_imports = max(0, self.busy_imports - 1)
        self._import_stop = None
        self.activity_bar.hide()
        self._update_buttons()

    def _imported(self, result: object) -> None:
        from app.core.model_import import ImportedModel

        self._end_import()
        assert isinstance(result, ImportedModel)
        facts = result.facts
        how = {
            "copy": self.tr("copied"),
            "symlink": self.tr("linked"),
            "hardlink": self.tr("linked"),
        }[result.how]
        self.activity.setText(
            self.tr("{name} {how}: {arch}, {params} parameters, {quant}, context {ctx}").format(
                name=result.path.name,
                how=how,
                arch=facts.architecture,
                params=facts.parameters,
                quant=facts.quantization,
                ctx=f"{facts.context_length:,}" if facts.context_length else self.tr("unknown"),
            )
        )
        if not facts.chat_template:
            self.notice.show_text(
                self.tr("{name} has no chat template; Parley will use ChatML for it.").format(
                    name=result.path.name
                )
            )
        self.models_changed.emit()
        self.refresh()

    def _import_failed(self, error: BaseException, path: Path, mode: str) -> None:
        from app.core.model_import import ImportCancelled, ModelImportError

        self._end_import()
        if isinstance(error, ImportCancelled):
            self.activity.setText(self.tr("Import cancelled."))
            return
        if isinstance(error, ModelImportError) and error.reason == "duplicate":
            self._ask_duplicate(path, mode, str(error))
            return
        self.activity.clear()
        self.notice.show_text(str(error))

    def _ask_duplicate(self, path: Path, mode: str, message: str) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Model already installed"))
        box.setAccessibleName(self.tr("Model already installed"))
        box.setText(message)
        replace = box.addButton(self.tr("Replace"), QMessageBox.ButtonRole.DestructiveRole)
        replace.setAccessibleName(self.tr("Replace"))
        both = box.addButton(self.tr("Keep both"), QMessageBox.ButtonRole.AcceptRole)
        both.setAccessibleName(self.tr("Keep both"))
        cancel = box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        cancel.setAccessibleName(self.tr("Cancel"))
        box.setDefaultButton(both)

        def chosen(button: object) -> None:
            self.confirm_dialog = None
            if button is replace:
                self.import_file(path, mode, "replace")
            elif button is both:
                self.import_file(path, mode, "rename")

        box.buttonClicked.connect(chosen)
        self.confirm_dialog = box
        box.open()

    # ---- benchmark -----------------------------------------------------------------------------

    def _benchmark_selected(self) -> None:
        model = self.selected_installed()
        if model is None or self.busy_benchmarks:
            return
        self.benchmark(
            model.model_id, prompt_tokens=self.bench_prompt_tokens, tokens=self.bench_tokens
        )

    def benchmark(self, model_id: str, *, prompt_tokens: int = 256, tokens: int = 64) -> None:
        """Measure ``model_id`` in a fresh engine, in the background."""
        from app.core.catalogue import resolve_model
        from app.core.model_bench import run_benchmark

        self.busy_benchmarks += 1
        self._update_buttons()
        self.activity.setText(self.tr("Benchmarking {model}…").format(model=model_id))
        relay = self._relay
        options = self._load_options()
        bench_options = LoadOptions(
            n_ctx=2048,
            n_batch=options.n_batch,
            n_threads=options.n_threads,
            gpu_layers=options.gpu_layers,
            flash_attn=options.flash_attn,
        )

        def work() -> object:
            backend = self._backend_factory()
            self._bench_backend = backend
            try:
                ref = resolve_model(model_id)
                return run_benchmark(
                    backend,
                    ref,
                    bench_options,
                    prompt_tokens=prompt_tokens,
                    generate_tokens=tokens,
                    progress=relay.bench_progress.emit,
                )
            finally:
                self._bench_backend = None
                backend.close()

        BackgroundOp(self, work).on_success(self._benchmarked).on_failure(
            self._benchmark_failed
        ).run()

    def _on_bench_progress(self, text: str) -> None:
        if self.busy_benchmarks:
            self.activity.setText(text)

    def _benchmarked(self, result: object) -> None:
        self.busy_benchmarks = max(0, self.busy_benchmarks - 1)
        assert isinstance(result, BenchResult)
        self.activity.setText(
            self.tr(
                "{model}: reads {prompt} tokens/s, writes {gen} tokens/s ({device}, {threads} "
                "threads)"
            ).format(
                model=result.model_id,
                prompt=f"{result.prompt_tps:.0f}",
                gen=f"{result.generation_tps:.1f}",
                device=result.device,
                threads=result.threads,
            )
        )
        self._update_buttons()
        self.refresh()

    def _benchmark_failed(self, error: BaseException) -> None:
        self.busy_benchmarks = max(0, self.busy_benchmarks - 1)
        self.activity.clear()
        self.notice.show_text(self.tr("The benchmark could not run: {error}").format(error=error))
        self._update_buttons()

    # ---- shutdown ------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Pause downloads (their parts are kept for next time) and stop background work."""
        if self._closed:
            return
        self._closed = True
        if self._import_stop is not None:
            self._import_stop.set()
        backend = self._bench_backend
        if backend is not None:
            backend.cancel()
        self.queue.close()


def _language_name(code: str) -> str:
    """ "Chinese (zh)" in the interface language; the code alone when Qt does not know it."""
    locale = QLocale(code)
    if locale.language() == QLocale.Language.C:
        return code
    name = QLocale.languageToString(locale.language())
    return f"{name} ({code})"


def _use_name(use: str) -> str:
    names = {
        "chat": QCoreApplication.translate("ModelsPage", "chat"),
        "summarise": QCoreApplication.translate("ModelsPage", "summarise"),
        "translate": QCoreApplication.translate("ModelsPage", "translate"),
        "sentiment": QCoreApplication.translate("ModelsPage", "sentiment"),
        "code": QCoreApplication.translate("ModelsPage", "code"),
        "reasoning": QCoreApplication.translate("ModelsPage", "reasoning"),
    }
    return names.get(use, use)


def _params_label(params_b: float) -> str:
    if params_b < 1:
        return QCoreApplication.translate("ModelsPage", "{n}M").format(n=f"{params_b * 1000:.0f}")
    return QCoreApplication.translate("ModelsPage", "{n}B").format(
        n=f"{params_b:.1f}".rstrip("0").rstrip(".")
    )


def _short_list(items: list[str], limit: int) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return QCoreApplication.translate("ModelsPage", "{shown} +{more}").format(
        shown=", ".join(items[:limit]), more=len(items) - limit
    )


__all__ = ["DownloadRow", "ModelsPage", "PageState", "gather_state"]
