"""The main window: a sidebar of sections, a stack of panes, and a status bar.

Start-up order matters for how fast Parley feels: the window is built and shown first with
nothing slow in its constructor; the history database and the model are opened afterwards in
the background (:meth:`MainWindow.start`), with a busy indicator in the status bar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QWidget,
)

from app.core.backend import LoadInfo, LoadOptions, ModelRef, Stats
from app.gui import ui_state
from app.gui.actions import ACTIONS, build_actions
from app.gui.engine_worker import EngineWorker
from app.gui.i18n import plural
from app.gui.icons import app_icon
from app.gui.models.page import ModelsPage
from app.gui.notify import Notification, Notifier
from app.gui.ops import BackgroundOp, wait_for_background_ops
from app.gui.settings_store import SettingsStore
from app.gui.sidebar import Sidebar
from app.gui.theme import Theme

if TYPE_CHECKING:
    from app.core.history import HistoryOpenError, HistoryStore
    from app.gui.chat.pane import ChatPane
    from app.gui.tools.engines import TaskEngines

log = logging.getLogger(__name__)

ModelResolver = Callable[[], ModelRef]
StoreOpener = Callable[[], "HistoryStore"]
DialogOpener = Callable[["MainWindow"], QDialog]


class MainWindow(QMainWindow):
    """Parley's window. Owns the engine worker and the history store for its lifetime."""

    def __init__(
        self,
        *,
        worker: EngineWorker,
        resolve_model: ModelResolver,
        load_options: LoadOptions,
        open_store: StoreOpener,
        engines: TaskEngines | None = None,
        dialogs: Mapping[str, DialogOpener] | None = None,
        settings_store: SettingsStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings_store = settings_store or SettingsStore(self)
        # Settings and Welcome are opened through the start-up module (app.gui.main), which
        # knows the dialogs; the window does not import them, so neither imports the other.
        self._dialogs = dict(dialogs or {})
        self.worker = worker
        # Which worker and model each task runs on (app.core.task_models, asked each time).
        from app.gui.tools.engines import TaskEngines

        self.engines = engines or TaskEngines(
            worker, self.settings_store, backend_for=None, load_options=lambda: self._load_options
        )
        self._resolve_model = resolve_model
        self._load_options = load_options
        self._open_store = open_store
        self.store: HistoryStore | None = None
        self._busy: dict[int, str] = {}
        self._transient = ""  # a passing status line, shown whenever nothing is busy
        self._busy_ids = 0
        self._closing = False
        self.model_ref: ModelRef | None = None
        self.load_info: LoadInfo | None = None
        self.recovery_dialog: QMessageBox | None = None
        # Dialogs the menus opened last (tests and the i18n checks look at them).
        self.settings_dialog: QDialog | None = None
        self.welcome_dialog: QDialog | None = None
        self.shortcuts_dialog: QDialog | None = None
        self.about_dialog: QDialog | None = None
        self.last_notification: Notification | None = None
        self._notifier = Notifier(self)
        self._notified_downloads: set[int] = set()

        self.setWindowTitle(self.tr("Parley"))
        self.setWindowIcon(app_icon())
        self.resize(1180, 760)
        self.setMinimumSize(760, 480)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.sidebar = Sidebar()
        row.addWidget(self.sidebar)
        self.stack = QStackedWidget()
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        from app.gui.chat.pane import ChatPane

        self.chat: ChatPane = ChatPane(worker, self)
        self.models_page = ModelsPage(
            self, load_options=lambda: self._load_options, settings_store=self.settings_store
        )
        from app.gui.servers_page import ServersPage

        self.servers_page = ServersPage(self.settings_store, self)
        from app.gui.tools import create_tool_panes

        self.tool_panes = create_tool_panes(worker, self, self.engines)
        from app.gui.tools.model_picker import ModelPicker, place_in_chat

        self.chat_model_picker = ModelPicker(self.engines, "chat", compact=True)
        place_in_chat(self.chat, self.chat_model_picker)
        sections: list[tuple[str, str, str, str, QWidget]] = [
            (
                "chat",
                self.tr("Chat"),
                "chat",
                self.tr("Talk with the local model (Ctrl+1)"),
                self.chat,
            ),
            (
                "summarise",
                self.tr("Summarise"),
                "summarise",
                self.tr("Summarise a document (Ctrl+2)"),
                self.tool_panes[0],
            ),
            (
                "translate",
                self.tr("Translate"),
                "translate",
                self.tr("Translate text or a document (Ctrl+3)"),
                self.tool_panes[1],
            ),
            (
                "sentiment",
                self.tr("Sentiment"),
                "sentiment",
                self.tr("Read the sentiment of reviews or messages (Ctrl+4)"),
                self.tool_panes[2],
            ),
            (
                "models",
                self.tr("Models"),
                "models",
                self.tr("Choose, download and manage models (Ctrl+5)"),
                self.models_page,
            ),
            (
                "servers",
                self.tr("Servers"),
                "settings",
                self.tr("Run on an OpenAI-compatible server (Ctrl+6)"),
                self.servers_page,
            ),
        ]
        for index, (key, label, icon_name, tooltip, page) in enumerate(sections):
            button = self.sidebar.add_section(key, label, icon_name, tooltip)
            self.stack.addWidget(page)
            button.clicked.connect(lambda _=False, i=index: self.show_section(i))
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            shortcut.activated.connect(lambda i=index: self.show_section(i))
        self.sidebar.finish()
        self.show_section(0)
        self._build_status_bar()
        for index, (_key, label, _icon, _tip, page) in enumerate(sections):
            if page in self.tool_panes:
                self.job_status.watch(label, page.run_bar, partial(self.show_section, index))
        # Size, position, splitters and the last page, as they were when Parley last closed.
        last_page = ui_state.restore(self, ui_state.load_state())
        if last_page is not None and last_page < self.stack.count():
            self.show_section(last_page)

        worker.load_started.connect(self._on_load_started)
        worker.load_finished.connect(self._on_load_finished)
        worker.load_finished.connect(self.models_page.set_load_info)
        worker.load_failed.connect(self._on_load_failed)
        self.models_page.download_status.connect(self.download_label.setText)
        self.models_page.models_changed.connect(self._downloads_finished)
        self.models_page.models_changed.connect(self.engines.refresh_installed)
        self.engines.chat_moved.connect(self._chat_model_moved)
        self.engines.changed.connect(self._show_page_model)
        self.engines.loaded.connect(self._show_page_model)
        self.models_page.follow_tasks(self.engines.model, self.engines.loaded)
        self.stack.currentChanged.connect(self._show_page_model)
        self._build_menus()

    # ---- sections ----------------------------------------------------------------------------

    def show_section(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        button = self.sidebar.group.button(index)
        if button is not None:
            button.setChecked(True)

    def retint(self, theme: Theme) -> None:
        """Re-colour icons after a theme change."""
        self.sidebar.retint(theme)
        self.chat.retint(theme)
        for pane in self.tool_panes:
            pane.retint(theme)

    # ---- menus -------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        """The Parley, File and Help menus from the one list of actions (app.gui.actions)."""
        triggers = {
            "settings": self.open_settings,
            "quit": self.close,
            "export_markdown": lambda: self.chat.exporter.export_current("md"),
            "export_json": lambda: self.chat.exporter.export_current("json"),
            "welcome": self.open_welcome,
            "shortcuts": self.open_shortcuts,
            "about": self.show_about,
        }
        self.actions_by_key = build_actions(self, triggers)
        self.app_menu = QMenu(self.tr("&Parley"), self)
        self.menuBar().addMenu(self.app_menu)
        self.file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.help_menu = self.menuBar().addMenu(self.tr("&Help"))
        menus = {"app": self.app_menu, "file": self.file_menu, "help": self.help_menu}
        for spec in ACTIONS:
            menu = menus[spec.menu]
            menu.addAction(self.actions_by_key[spec.key])
            if spec.separator_after:
                menu.addSeparator()
        for menu in menus.values():
            menu.setToolTipsVisible(True)
        self.settings_action = self.actions_by_key["settings"]
        self.welcome_action = self.actions_by_key["welcome"]
        self.shortcuts_action = self.actions_by_key["shortcuts"]
        self.about_action = self.actions_by_key["about"]

    def open_settings(self) -> QDialog:
        self.settings_dialog = self._dialogs["settings"](self)
        return self.settings_dialog

    def open_welcome(self) -> QDialog:
        self.welcome_dialog = self._dialogs["welcome"](self)
        return self.welcome_dialog

    def open_shortcuts(self) -> QDialog:
        from app.gui.shortcuts import ShortcutsSheet

        sections = [button.text() for button in self.sidebar.buttons.values()]
        dialog = ShortcutsSheet(sections, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.open()
        self.shortcuts_dialog = dialog
        return dialog

    def show_about(self) -> None:
        from app.gui.about import show_about

        self.about_dialog = show_about(self, self.load_info)

    def notify(self, title: str, text: str) -> None:
        """Tell the user a long job finished; a system notification when Parley is in the
        background, a status-bar line otherwise (see app/gui/notify.py)."""
        self.last_notification = self._notifier.notify(self, title, text)

    def _downloads_finished(self) -> None:
        """Models changed: notify once for each download that has finished since last time."""
        for job in self.models_page.queue.jobs():
            if job.state == "done" and job.job_id not in self._notified_downloads:
                self._notified_downloads.add(job.job_id)
                self.notify(
                    self.tr("Download finished"),
                    self.tr("{model} is ready to use.").format(model=job.spec.name),
                )

    @property
    def load_options(self) -> LoadOptions:
        """How models load now (Settings may have changed it since start-up)."""
        return self._load_options

    def apply_engine_settings(self, options: LoadOptions, *, reload_model: bool = False) -> None:
        """New load options from Settings: reload the model now (after any running reply),
        resolving the default chat model again when it changed."""
        self._load_options = options
        if self._closing:
            return
        if reload_model:
            BackgroundOp(self, self._resolve_model).on_success(self._load_model).on_failure(
                self._model_not_found
            ).with_progress(self.tr("Finding the model…")).run()
        elif self.model_ref is not None:
            self.worker.load(self.model_ref, options)

    # ---- status bar --------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedWidth(90)
        self.busy_bar.setFixedHeight(10)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setAccessibleName(self.tr("Busy"))
        self.busy_bar.hide()
        self.busy_label = QLabel()
        self.busy_label.setAccessibleName(self.tr("Activity"))
        bar.addWidget(self.busy_bar)
        bar.addWidget(self.busy_label, 1)
        from app.gui.job_status import JobStatus

        self.job_status = JobStatus()
        bar.addWidget(self.job_status)
        self.model_label = QLabel(self.tr("No model loaded"))
        self.model_label.setAccessibleName(self.tr("Model"))
        self.model_label.setToolTip(self.tr("The model the page shown runs on"))
        self.device_label = QLabel()
        self.device_label.setAccessibleName(self.tr("Device"))
        self.device_label.setToolTip(
            self.tr("Where the model runs, and how many layers are on the GPU")
        )
        self.speed_label = QLabel()
        self.speed_label.setAccessibleName(self.tr("Speed"))
        self.speed_label.setToolTip(
            self.tr("Speed of the last reply and the time until its first token appeared")
        )
        self.download_label = QLabel()
        self.download_label.setAccessibleName(self.tr("Downloads"))
        self.download_label.setToolTip(self.tr("Model downloads; details on the Models page"))
        for label in (self.download_label, self.speed_label, self.device_label, self.model_label):
            bar.addPermanentWidget(label)

    def page_tool(self) -> str:
        """The task of the page shown ("chat" for pages that are not a task's)."""
        page = self.stack.currentWidget()
        return str(getattr(page, "tool", "") or "chat")

    def _show_page_model(self) -> None:
        """The status bar names the model of the page shown, and where it runs."""
        if self._closing:
            return
        tool = self.page_tool()
        model = self.engines.model(tool)
        worker = self.engines.worker_for(tool)
        info = worker.load_info
        label = model.label
        if model.server and info is not None and not model.model_id:
            label = f"{model.label} · {info.model_id}"  # the model the server chose
        self.model_label.setText(label)
        self.model_label.setToolTip(self.tr("The model the page shown runs on"))
        if info is None:
            self.device_label.clear()
            return
        if info.gpu_layers > 0:
            device = self.tr("{device} · {gpu}/{total} layers on GPU").format(
                device=info.device, gpu=info.gpu_layers, total=info.n_layers
            )
        else:
            device = plural(
                info.n_threads,
                self.tr("{device} · 1 thread"),
                self.tr("{device} · {n} threads"),
            ).format(device=info.device)
        self.device_label.setText(device)
        self.device_label.setToolTip("\n".join((device, *info.notes)))

    def begin_busy(self, text: str) -> int:
        """Show the busy indicator with ``text``; returns a token for :meth:`end_busy`."""
        self._busy_ids += 1
        self._busy[self._busy_ids] = text
        self._refresh_busy()
        return self._busy_ids

    def end_busy(self, token: int) -> None:
        self._busy.pop(token, None)
        self._refresh_busy()

    def _refresh_busy(self) -> None:
        if self._busy:
            self.busy_label.setText(list(self._busy.values())[-1])
            self.busy_bar.show()
        else:
            self.busy_label.setText(self._transient)
            self.busy_bar.hide()

    def show_message(self, text: str, msecs: int = 6000) -> None:
        """A transient line in the status bar."""
        self._transient = text
        if not self._busy:
            self.busy_label.setText(text)
        if msecs > 0:
            QTimer.singleShot(msecs, self.busy_label, lambda: self._clear_message(text))

    def _clear_message(self, text: str) -> None:
        if self._transient != text:
            return  # a newer message replaced it
        self._transient = ""
        if not self._busy:
            self.busy_label.clear()

    def show_stats(self, stats: Stats | None) -> None:
        """The speed of the last reply shown in Chat; None clears it (a thread with none)."""
        if stats is None:
            self.speed_label.clear()
            return
        self.speed_label.setText(
            self.tr("{rate:.0f} tokens/s · first token {ttft:.2f} s").format(
                rate=stats.tokens_per_s, ttft=stats.ttft_s
            )
        )

    # ---- start-up ----------------------------------------------------------------------------

    def start(self) -> None:
        """Open history and load the model in the background; the window is already usable."""
        self._open_history()
        BackgroundOp(self, self._resolve_model).on_success(self._load_model).on_failure(
            self._model_not_found
        ).with_progress(self.tr("Finding the model…")).run()

    def _open_history(self) -> None:
        BackgroundOp(self, self._open_store).on_success(self._history_opened).on_failure(
            self._history_failed
        ).with_progress(self.tr("Opening history…")).run()

    def _history_opened(self, store: object) -> None:
        from app.core.history import HistoryStore

        assert isinstance(store, HistoryStore)
        if self._closing:
            store.close()
            return
        self.store = store
        recovered = store.recover_interrupted()
        self.chat.set_store(store)
        for pane in self.tool_panes:
            pane.set_store(store)
        if recovered:
            self.chat.show_notice(
                plural(
                    recovered,
                    self.tr(
                        "1 reply was cut off when Parley last closed. Its text so far is kept "
                        "and marked “Interrupted”."
                    ),
                    self.tr(
                        "{n} replies were cut off when Parley last closed. Their text so far "
                        "is kept and marked “Interrupted”."
                    ),
                )
            )

    def _history_failed(self, error: BaseException) -> None:
        from app.core.history import HistoryOpenError

        if not isinstance(error, HistoryOpenError):
            log.error("history could not be opened", exc_info=error)
            self.chat.show_notice(
                self.tr("The conversation history could not be opened: {error}").format(error=error)
            )
            return
        self._ask_history_recovery(error)

    def _ask_history_recovery(self, error: HistoryOpenError) -> None:
        """Non-blocking dialog: keep a copy of the broken file and start fresh, or quit."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("History cannot be opened"))
        box.setText(self.tr("Parley could not open your conversation history."))
        box.setInformativeText(
            self.tr(
                "{reason}\n\nParley can keep a copy of the damaged file next to it and start "
                "with an empty history, or quit so you can restore a backup first."
            ).format(reason=error.message)
        )
        fresh = box.addButton(
            self.tr("Keep a copy and start fresh"), QMessageBox.ButtonRole.AcceptRole
        )
        fresh.setAccessibleName(self.tr("Keep a copy and start fresh"))
        quit_button = box.addButton(self.tr("Quit"), QMessageBox.ButtonRole.RejectRole)
        quit_button.setAccessibleName(self.tr("Quit"))
        box.setDefaultButton(fresh)
        box.setAccessibleName(self.tr("History cannot be opened"))

        def chosen(button: object) -> None:
            self.recovery_dialog = None
            if button is fresh:
                self._start_fresh_history(error)
            else:
                self.close()

        box.buttonClicked.connect(chosen)
        self.recovery_dialog = box
        box.open()

    def _start_fresh_history(self, error: HistoryOpenError) -> None:
        from app.core.history import HistoryStore

        path = error.path

        def move_and_open() -> HistoryStore:
            kept = HistoryStore.move_aside(path)
            log.warning("broken history kept as %s", kept)
            return self._open_store()

        BackgroundOp(self, move_and_open).on_success(self._history_opened).on_failure(
            self._history_failed
        ).with_progress(self.tr("Starting a fresh history…")).run()

    def _load_model(self, ref: object) -> None:
        assert isinstance(ref, ModelRef)
        if self._closing:
            return
        self.model_ref = ref
        self.chat.set_model(ref)
        self.worker.load(ref, self._load_options)
        self.engines.chat_resolved()

    @property
    def tool_workers(self) -> dict[str, EngineWorker]:
        """Each text tool's worker now (Chat's where they run on the same model)."""
        return self.engines.workers()

    def _chat_model_moved(self) -> None:
        """Chat's model was changed (its picker, Settings, the Models page): load it now."""
        self.apply_engine_settings(self._load_options, reload_model=True)

    def _model_not_found(self, error: BaseException) -> None:
        message = str(error) or type(error).__name__
        self.model_label.setText(self.tr("No model"))
        self.chat.show_notice(self.tr("No model could be loaded: {error}").format(error=message))

    def _on_load_started(self, ref: object) -> None:
        assert isinstance(ref, ModelRef)
        self._load_token = self.begin_busy(self.tr("Loading {model}…").format(model=ref.label))
        self._show_page_model()

    def _on_load_finished(self, info: object) -> None:
        assert isinstance(info, LoadInfo)
        self.load_info = info
        self.end_busy(getattr(self, "_load_token", 0))
        self._show_page_model()
        self.show_message(
            self.tr("Model ready in {seconds:.1f} s").format(seconds=info.load_seconds)
        )
        self.chat.model_loaded(info)

    def _on_load_failed(self, message: str) -> None:
        self.end_busy(getattr(self, "_load_token", 0))
        self.model_label.setText(self.tr("Model failed to load"))
        self.chat.show_notice(
            self.tr("The model could not be loaded: {error}").format(error=message)
        )

    # ---- shutdown ------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop generation (its text is saved as stopped), end the engine, close history."""
        if self._closing:
            return
        self._closing = True
        ui_state.save_state(ui_state.capture(self, self.stack.currentIndex()))
        self.chat.shutdown()
        for pane in self.tool_panes:
            pane.shutdown()  # stops a running tool; its output so far is saved as stopped
        self.models_page.shutdown()
        self.servers_page.shutdown()
        self.engines.shutdown()
        self.worker.shutdown()
        self.chat.finish_after_shutdown()
        wait_for_background_ops()
        if self.store is not None:
            self.store.close()
            self.store = None
