"""Which engine worker runs each task, with the task's own model loaded when it next runs.

Why: the window used to decide at start-up which text tools share Chat's engine, by
comparing settings once. A tool that shared it then ran whatever Chat loaded later, and a
new default took effect only after a restart. :class:`TaskEngines` asks
:func:`app.core.task_models.task_model` every time instead, so what a pane runs is what its
picker, Settings and the Models page say:

* tasks with the same model in the same place share one worker (Chat's when they agree with
  Chat), so one engine process holds one copy of the model;
* a task on another model or server gets a worker of its own, made when first needed, and
  ended once no task uses it;
* :meth:`TaskEngines.prepare` loads the task's model in its worker before a run or a plan
  line (nothing when it is loaded already), so a changed choice takes effect at once.

Settings are changed only through the window's :class:`SettingsStore`; its ``changed``
signal is how the pickers, the Models page, the status bar and this class hear of a change,
wherever it was made.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Signal

from app.core.backend import Backend, LoadInfo, LoadOptions, ModelRef
from app.core.settings import TOOLS
from app.core.task_models import (
    TaskChoice,
    TaskModel,
    choose_task_model,
    task_choices,
    task_model,
    task_model_ref,
)
from app.gui.engine_worker import EngineWorker
from app.gui.ops import BackgroundOp
from app.gui.settings_store import SettingsStore

log = logging.getLogger(__name__)

# Where a worker's backend lives: "local" or a server's name -> a new backend there.
BackendFor = Callable[[str], Backend]
Ready = Callable[[EngineWorker, LoadInfo], None]


class TaskEngines(QObject):
    """The engine worker and the model of every task, read from settings each time."""

    changed = Signal()  # a task's model, or the list to choose from, changed
    chat_moved = Signal()  # Chat's model or place changed: the window reloads Chat's model
    loaded = Signal()  # a worker loaded a model (or failed to): the status bar redraws

    def __init__(
        self,
        chat_worker: EngineWorker,
        store: SettingsStore,
        *,
        backend_for: BackendFor | None,
        load_options: Callable[[], LoadOptions],
        pins: dict[str, Callable[[], ModelRef]] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``backend_for`` None means one backend for everything (tests hand one in): every
        task then runs on Chat's worker. ``pins`` are models given at start-up (``parley
        <model>``, a test's model) that a task uses until the user picks another."""
        super().__init__(parent)
        self.chat_worker = chat_worker
        self.store = store
        self._backend_for = backend_for
        self._load_options = load_options
        self._pins = dict(pins or {})
        self._pinned: dict[str, ModelRef] = {}  # the pins' models once resolved
        self._refs: dict[str, ModelRef] = {}  # each task's model as last resolved
        self._announced: set[str] = set()  # pinned tasks whose model name was announced
        self._pin_lock = threading.Lock()
        self._pool: dict[tuple[str, str], EngineWorker] = {}
        self._installed: list[object] | None = None
        self._closed = False
        self._chat_place = self.model("chat").key
        chat_worker.load_finished.connect(self.loaded)
        chat_worker.load_failed.connect(self.loaded)
        store.changed.connect(self._settings_changed)

    # ---- what each task runs on -----------------------------------------------------------

    def installed(self) -> list[object]:
        """The installed models (read once, again after :meth:`refresh_installed`)."""
        if self._installed is None:
            from app.core.catalogue import CatalogueError, installed_models

            try:
                self._installed = list(installed_models())
            except (CatalogueError, OSError) as exc:
                log.warning("installed models could not be listed: %s", exc)
                self._installed = []
        return self._installed

    def refresh_installed(self) -> None:
        """A model was downloaded, imported or removed: the pickers list it (or not)."""
        self._installed = None
        self.changed.emit()

    def model(self, tool: str) -> TaskModel:
        """What ``tool`` runs on: a model given at start-up while it stands, else settings."""
        with self._pin_lock:
            pinned = self._pinned.get(tool) if tool in self._pins else None
        if pinned is not None:
            return TaskModel(tool, pinned.model_id, pinned.label)
        return task_model(self.store.current(), tool, installed=self.installed())

    def session_models(self) -> dict[str, str]:
        """The tools running, for this session only, on the model given at start-up (tool ->
        its name); Settings and the Models page say so beside the saved defaults."""
        with self._pin_lock:
            return {tool: ref.label for tool, ref in self._pinned.items() if tool in self._pins}

    def choices(self) -> list[TaskChoice]:
        """What a picker offers: the installed models and the configured servers."""
        return task_choices(self.store.current(), installed=self.installed())

    def pick(self, tool: str, choice: str) -> None:
        """The user chose ``choice`` for ``tool``: saved at once; everything hears it."""
        with self._pin_lock:
            self._pins.pop(tool, None)
            self._pinned.pop(tool, None)
        self.store.edit(lambda settings: choose_task_model(settings, tool, choice))

    def ref_for(self, tool: str) -> ModelRef:
        """The model to load for ``tool`` (resolved and header-checked; runs in the background)."""
        with self._pin_lock:
            pin = self._pins.get(tool)
        ref = pin() if pin is not None else task_model_ref(self.store.current(), tool)
        with self._pin_lock:
            if pin is not None and tool in self._pins:
                # Every task given the same model at start-up runs on this one: known now,
                # so the panes and pages can say so before those tasks first run.
                for other, other_pin in self._pins.items():
                    if other_pin is pin:
                        self._pinned[other] = ref
            self._refs[tool] = ref
        return ref

    def ready_worker(self, tool: str) -> EngineWorker | None:
        """``tool``'s worker when its model is loaded there now, else None (see prepare)."""
        worker = self.worker_for(tool)
        if worker is self.chat_worker and tool != "chat":
            return worker if worker.load_info is not None else None
        with self._pin_lock:
            ref = self._refs.get(tool)
        if ref is not None and worker.has_loaded(ref, self._load_options()):
            return worker
        return None

    # ---- workers --------------------------------------------------------------------------

    def worker_for(self, tool: str) -> EngineWorker:
        """The worker ``tool`` runs on now: Chat's when they agree, else one for its model."""
        if tool == "chat" or self._backend_for is None:
            return self.chat_worker
        key = self.model(tool).key
        if key == self.model("chat").key:
            return self.chat_worker
        worker = self._pool.get(key)
        if worker is None:
            worker = EngineWorker(partial(self._backend_for, key[0]))
            worker.load_finished.connect(self.loaded)
            worker.load_failed.connect(self.loaded)
            self._pool[key] = worker
        return worker

    def workers(self) -> dict[str, EngineWorker]:
        """Each text tool's worker now."""
        return {tool: self.worker_for(tool) for tool in TOOLS if tool != "chat"}

    def extra_workers(self) -> list[EngineWorker]:
        """The workers other than Chat's that exist now."""
        return list(self._pool.values())

    def prepare(
        self, tool: str, owner: QObject, on_ready: Ready, on_failed: Callable[[str], None]
    ) -> None:
        """Have ``tool``'s model loaded in its worker, then ``on_ready(worker, info)``.

        Chat's worker is loaded by the window, so a text tool on Chat's model waits for that;
        any other worker loads the tool's model here (nothing is reloaded when it is loaded).
        """
        if self._closed:
            return
        worker = self.worker_for(tool)
        options = self._load_options()
        if worker is self.chat_worker and tool != "chat":
            info = worker.load_info
            if info is not None:
                on_ready(worker, info)
            return  # the window is loading Chat's model: ``loaded`` says when it is there

        def resolved(ref: object) -> None:
            assert isinstance(ref, ModelRef)
            if self._closed:
                return
            if tool in self._pins and tool not in self._announced:
                self._announced.add(tool)
                self.changed.emit()  # a start-up model is now known by its name
            if worker.has_loaded(ref, options) and worker.load_info is not None:
                on_ready(worker, worker.load_info)
                return
            worker.load(
                ref,
                options,
                owner=owner,
                on_loaded=lambda info: on_ready(worker, info),
                on_failed=on_failed,
            )

        BackgroundOp(owner, partial(self.ref_for, tool)).on_success(resolved).on_failure(
            lambda exc: on_failed(str(exc) or type(exc).__name__)
        ).run()

    # ---- changes --------------------------------------------------------------------------

    def chat_resolved(self) -> None:
        """Chat's model was resolved (a start-up model is known by its name only now)."""
        self._chat_place = self.model("chat").key
        self.changed.emit()

    def _settings_changed(self, _settings: object) -> None:
        if self._closed:
            return
        with self._pin_lock:
            self._refs.clear()  # resolved again for the next run: the choice may have changed
        place = self.model("chat").key
        if place != self._chat_place:
            moved_server = place[0] != self._chat_place[0]
            self._chat_place = place
            if moved_server and self._backend_for is not None:
                self.chat_worker.replace_backend(partial(self._backend_for, place[0]))
            self.chat_moved.emit()
        self._collect()
        self.changed.emit()

    def _collect(self) -> None:
        """End the workers no task uses any more (once they are idle), freeing their model."""
        chat = self.model("chat").key
        used = {self.model(tool).key for tool in TOOLS if tool != "chat"} - {chat}
        for key, worker in list(self._pool.items()):
            if key not in used and worker.idle:
                del self._pool[key]
                worker.shutdown()

    def shutdown(self) -> None:
        """End every worker but Chat's (the window ends that one)."""
        self._closed = True
        for worker in self._pool.values():
            worker.shutdown()
        self._pool.clear()
