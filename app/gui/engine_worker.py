"""The single worker that owns the model backend (one worker per resource, as in Vorta).

Every engine request (load, generate, count, call) goes through one thread, in order, so the
backend is never used from two threads at once. Two things are *not* queued:

* ``cancel()`` goes straight to ``backend.cancel()``, which is thread-safe, so Stop works while
  a generation blocks the worker;
* token counts for the live context meter are coalesced: only the newest request is counted,
  a burst of typing never builds a backlog.

Tokens are not sent to the GUI one signal per token. The worker appends them to a
:class:`StreamBuffer`; the GUI drains it on a frame timer (~16 ms), so widgets are touched at
most once a frame however fast the model runs, and the event loop never stalls.

Each request's result goes back to the code that made it: ``generate``, ``count`` and ``call``
take the callbacks for that one request and an ``owner`` widget, and the worker hands them to
the GUI thread with :func:`app.gui.ops.deliver` (dropped if the owner was deleted meanwhile),
as Anki's QueryOp or napari's workers do. Nobody filters a broadcast by ticket number or by
the shape of the result. Only the model's load state (``load_started``, ``load_finished``,
``load_failed``) stays a signal: it is news for every page, not the answer to one caller.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from app.core.backend import (
    Backend,
    BackendError,
    ChatMessage,
    Done,
    Error,
    LoadInfo,
    LoadOptions,
    ModelRef,
    Progress,
    Reasoning,
    SamplingParams,
    Stats,
    Token,
)
from app.core.chat import fit_turn
from app.core.context import FitResult
from app.gui.ops import deliver, gui_relay

log = logging.getLogger(__name__)

BackendFactory = Callable[[], Backend]
T = TypeVar("T")


@dataclass
class StreamOutcome:
    """How a generation ended; handed to the GUI once, after the last token."""

    reason: str  # "stop" | "length" | "cancelled" | "error"
    text: str
    stats: Stats | None = None
    error: str | None = None
    reasoning: str = ""  # a reasoning model's thinking, never part of ``text``


class StreamBuffer:
    """Tokens written by the worker thread, read by the GUI's frame timer.

    ``take()`` returns everything that arrived since the last call as one string; ``text`` is
    the whole reply so far (used for checkpoints). The lock is held for microseconds.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._parts: list[str] = []
        self._pending_reasoning: list[str] = []
        self._reasoning: list[str] = []
        self.first_reasoning_at: float | None = None
        self.answer_started_at: float | None = None
        self._progress: tuple[int, int] | None = None
        self.first_token_at: float | None = None
        self.token_count = 0
        self.tokens: list[Token] = []  # with probabilities, only when the job asked for them

    def push_reasoning(self, text: str) -> None:
        with self._lock:
            if self.first_reasoning_at is None:
                self.first_reasoning_at = time.perf_counter()
            self._pending_reasoning.append(text)
            self._reasoning.append(text)

    def take_reasoning(self) -> str:
        with self._lock:
            chunk = "".join(self._pending_reasoning)
            self._pending_reasoning.clear()
            return chunk

    @property
    def reasoning(self) -> str:
        with self._lock:
            return "".join(self._reasoning)

    def push(self, text: str, token: Token | None = None) -> None:
        with self._lock:
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
                if self.first_reasoning_at is not None:
                    self.answer_started_at = self.first_token_at
            self._pending.append(text)
            self._parts.append(text)
            self.token_count += 1
            if token is not None:
                self.tokens.append(token)

    def set_progress(self, done: int, total: int) -> None:
        with self._lock:
            self._progress = (done, total)

    def take(self) -> str:
        with self._lock:
            if not self._pending:
                return ""
            chunk = "".join(self._pending)
            self._pending.clear()
            return chunk

    def progress(self) -> tuple[int, int] | None:
        with self._lock:
            return self._progress

    @property
    def text(self) -> str:
        with self._lock:
            return "".join(self._parts)


@dataclass
class GenerationJob:
    """One reply to generate: the full conversation, fitted to the context in the worker.

    ``on_finished`` gets the :class:`StreamOutcome` once, after the last token; ``on_fitted``
    gets the :class:`FitResult` before streaming when older messages had to be left out. Both
    run on the GUI thread, and only while ``owner`` exists.
    """

    messages: list[ChatMessage]
    params: SamplingParams
    context_limit: int  # the conversation's own cap; 0 = the loaded context
    owner: QObject
    on_finished: Callable[[StreamOutcome], None]
    on_fitted: Callable[[FitResult], None] | None = None
    buffer: StreamBuffer = field(default_factory=StreamBuffer)
    cancel_requested: bool = False  # set by the GUI; honoured even before streaming starts
    logprobs: int = 0  # top alternatives per token to record (the confidence view); 0 = none


@dataclass
class _LoadJob:
    model: ModelRef
    options: LoadOptions
    owner: QObject | None = None
    on_loaded: Callable[[LoadInfo], None] | None = None
    on_failed: Callable[[str], None] | None = None


@dataclass
class _SwitchJob:
    """Use another backend from now on (a task moved between this computer and a server)."""

    factory: BackendFactory


@dataclass
class _CountJob:
    ticket: int  # only the newest ticket is counted (see the module doc)
    messages: list[ChatMessage]
    owner: QObject
    on_counted: Callable[[int, int], None]  # tokens, the loaded context length


@dataclass
class _CallJob:
    """Arbitrary work that needs the backend (a tool's pipeline, a plan line)."""

    work: Callable[[Backend], Any]
    owner: QObject
    on_success: Callable[[Any], None] | None
    on_failure: Callable[[str], None] | None


_STOP = object()


class EngineWorker(QObject):
    """Runs every backend request on one thread; each result goes to its request's callback."""

    load_started = Signal(object)  # ModelRef
    load_finished = Signal(object)  # LoadInfo
    load_failed = Signal(str)

    def __init__(self, backend_factory: BackendFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        gui_relay()  # made here, on the GUI thread, before the worker thread delivers
        self._factory = backend_factory
        self._backend: Backend | None = None
        self._queue: queue.Queue[object] = queue.Queue()
        self._latest_count = 0
        self._count_lock = threading.Lock()
        self._busy = threading.Event()
        self._load_info: LoadInfo | None = None
        # What the backend holds now, so a task asking for the model already loaded (two
        # panes on one engine, a pane run again) costs nothing.
        self._loaded: tuple[ModelRef, LoadOptions] | None = None
        self._thread = threading.Thread(target=self._run, name="parley-engine", daemon=False)
        self._started = False
        self._closed = False

    # ---- GUI-thread API -------------------------------------------------------------------

    def start(self) -> None:
        """Start the thread; the backend object is created on it (its import is not free).

        After :meth:`shutdown` this does nothing, so a late request (e.g. a model resolved in
        the background while the window closed) cannot start an engine nobody will stop.
        """
        if not self._started and not self._closed:
            self._started = True
            self._thread.start()

    def load(
        self,
        model: ModelRef,
        options: LoadOptions,
        *,
        owner: QObject | None = None,
        on_loaded: Callable[[LoadInfo], None] | None = None,
        on_failed: Callable[[str], None] | None = None,
    ) -> None:
        """Load ``model`` (nothing is reloaded when it is the one loaded with ``options``);
        ``on_loaded(info)`` or ``on_failed(message)`` then run on the GUI thread for ``owner``,
        besides the load signals every page hears."""
        self.start()
        self._queue.put(_LoadJob(model, options, owner, on_loaded, on_failed))

    def replace_backend(self, factory: BackendFactory) -> None:
        """Close the backend after the queued work and use ``factory``'s from then on (a task
        moved to or from a server): the next load goes to the new one."""
        self._factory = factory
        if self._started:
            self._queue.put(_SwitchJob(factory))

    def has_loaded(self, model: ModelRef, options: LoadOptions) -> bool:
        """Whether ``model`` is loaded with ``options`` now (its load has finished)."""
        return self._loaded == (model, options) and self._load_info is not None

    @property
    def idle(self) -> bool:
        """Nothing running and nothing queued: the worker can be ended without loss."""
        return not self._busy.is_set() and self._queue.empty()

    def generate(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        *,
        owner: QObject,
        on_finished: Callable[[StreamOutcome], None],
        on_fitted: Callable[[FitResult], None] | None = None,
        context_limit: int = 0,
        logprobs: int = 0,
    ) -> GenerationJob:
        """Queue a reply; its tokens arrive in ``job.buffer``, its end at ``on_finished``."""
        self.start()
        job = GenerationJob(
            list(messages),
            params,
            context_limit,
            owner,
            on_finished,
            on_fitted,
            logprobs=logprobs,
        )
        self._queue.put(job)
        return job

    def count(
        self,
        messages: Sequence[ChatMessage],
        *,
        owner: QObject,
        on_counted: Callable[[int, int], None],
    ) -> None:
        """Count ``messages``; ``on_counted(tokens, context length)`` unless a newer count
        was asked for before this one's turn came (then only the newer one is answered)."""
        self.start()
        with self._count_lock:
            self._latest_count += 1
            ticket = self._latest_count
        self._queue.put(_CountJob(ticket, list(messages), owner, on_counted))

    def call(
        self,
        work: Callable[[Backend], T],
        *,
        owner: QObject,
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        """Run ``work(backend)`` in turn with other requests; then ``on_success(result)`` or
        ``on_failure(message)`` on the GUI thread (a failure without a callback is logged)."""
        self.start()
        self._queue.put(_CallJob(work, owner, on_success, on_failure))

    def cancel(self, job: GenerationJob | None = None) -> None:
        """Stop the running generation now (not queued: the backend's cancel is thread-safe).

        Marking ``job`` as well covers the moments before its stream has started, when the
        backend would have nothing to cancel yet.
        """
        if job is not None:
            job.cancel_requested = True
        backend = self._backend
        if backend is not None and self._busy.is_set():
            backend.cancel()

    @property
    def load_info(self) -> LoadInfo | None:
        return self._load_info

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel what runs, end the thread and close the backend (ends the engine process)."""
        if self._closed:
            return
        self._closed = True
        if not self._started:
            return
        # Drop queued work: nobody is waiting for it any more.
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass
        self._queue.put(_STOP)
        self.cancel()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("engine worker did not stop within %.0f s", timeout)

    # ---- worker thread --------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._backend = self._factory()
        except Exception as exc:
            log.exception("could not create the backend")
            self.load_failed.emit(str(exc))
            return
        try:
            while True:
                job = self._queue.get()
                if job is _STOP:
                    break
                self._busy.set()
                try:
                    if isinstance(job, _SwitchJob):
                        self._switch(job.factory)
                    else:
                        self._handle(self._backend, job)
                except Exception:
                    log.exception("engine job failed")
                finally:
                    self._busy.clear()
        finally:
            self._close_backend()

    def _close_backend(self) -> None:
        backend = self._backend
        if backend is None:
            return
        try:
            backend.close()
        except Exception:
            log.exception("closing the backend failed")

    def _switch(self, factory: BackendFactory) -> None:
        """Close the old backend and make the new one; nothing is loaded in it yet."""
        self._close_backend()
        self._backend = None
        self._load_info = None
        self._loaded = None
        self._backend = factory()

    def _handle(self, backend: Backend | None, job: object) -> None:
        if backend is None:  # the backend it was switched to could not be made
            message = self.tr("The engine could not be started.")
            if isinstance(job, _LoadJob):
                self._load_failed(job, message)
            elif isinstance(job, _CallJob) and job.on_failure is not None:
                deliver(job.owner, job.on_failure, message)
            elif isinstance(job, GenerationJob):
                self._finished(job, StreamOutcome("error", "", error=message))
            return
        if isinstance(job, _LoadJob):
            self._load(backend, job)
        elif isinstance(job, _CountJob):
            with self._count_lock:
                stale = job.ticket != self._latest_count
            if stale or self._load_info is None:
                return
            try:
                tokens = backend.count_chat_tokens(job.messages)
            except Exception:
                log.exception("token count failed")
                return
            deliver(job.owner, job.on_counted, tokens, backend.context_length())
        elif isinstance(job, _CallJob):
            self._call(backend, job)
        elif isinstance(job, GenerationJob):
            self._generate(backend, job)

    def _load(self, backend: Backend, job: _LoadJob) -> None:
        if self._loaded == (job.model, job.options) and self._load_info is not None:
            if job.on_loaded is not None and job.owner is not None:
                deliver(job.owner, job.on_loaded, self._load_info)  # loaded already
            return
        self.load_started.emit(job.model)
        try:
            info = backend.load(job.model, job.options)
        except BackendError as exc:
            self._load_failed(job, str(exc))
            return
        except Exception as exc:
            log.exception("model load failed")
            self._load_failed(job, str(exc) or type(exc).__name__)
            return
        self._load_info = info
        self._loaded = (job.model, job.options)
        self.load_finished.emit(info)
        if job.on_loaded is not None and job.owner is not None:
            deliver(job.owner, job.on_loaded, info)

    def _load_failed(self, job: _LoadJob, message: str) -> None:
        self._loaded = None  # the backend may hold nothing now, or the old model
        self.load_failed.emit(message)
        if job.on_failed is not None and job.owner is not None:
            deliver(job.owner, job.on_failed, message)

    def _call(self, backend: Backend, job: _CallJob) -> None:
        try:
            result = job.work(backend)
        except Exception as exc:
            message = str(exc) or type(exc).__name__
            if job.on_failure is not None:
                deliver(job.owner, job.on_failure, message)
            else:
                log.warning("engine call failed: %s", message)
            return
        if job.on_success is not None:
            deliver(job.owner, job.on_success, result)

    def _finished(self, job: GenerationJob, outcome: StreamOutcome) -> None:
        deliver(job.owner, job.on_finished, outcome)

    def _generate(self, backend: Backend, job: GenerationJob) -> None:
        if self._load_info is None:
            self._finished(job, StreamOutcome("error", "", error=self.tr("No model is loaded.")))
            return
        try:
            fitted = self._fit(backend, job)
        except Exception as exc:
            log.exception("counting the conversation failed")
            self._finished(job, StreamOutcome("error", "", error=str(exc)))
            return
        if fitted.dropped_indices and job.on_fitted is not None:
            deliver(job.owner, job.on_fitted, fitted)
        if not fitted.fits:
            from app.core.context import overflow_message

            self._finished(
                job,
                StreamOutcome("error", "", error=overflow_message(fitted.tokens, fitted.budget)),
            )
            return
        if job.cancel_requested:
            self._finished(job, StreamOutcome("cancelled", ""))
            return
        stats: Stats | None = None
        error: str | None = None
        reason = "stop"
        cancel_sent = False
        try:
            for event in backend.stream(fitted.messages, job.params, logprobs=job.logprobs):
                if job.cancel_requested and not cancel_sent:
                    backend.cancel()  # Stop arrived between fitting and the first event
                    cancel_sent = True
                if isinstance(event, Token):
                    job.buffer.push(event.text, event if job.logprobs > 0 else None)
                elif isinstance(event, Reasoning):
                    job.buffer.push_reasoning(event.text)
                elif isinstance(event, Progress):
                    job.buffer.set_progress(event.done, event.total)
                elif isinstance(event, Stats):
                    stats = event
                elif isinstance(event, Error):
                    error = event.message
                elif isinstance(event, Done):
                    reason = event.reason
        except BackendError as exc:
            error, reason = str(exc), "error"
        except Exception as exc:
            log.exception("generation failed")
            error, reason = str(exc) or type(exc).__name__, "error"
        if error is not None:
            reason = "error"
        self._finished(
            job,
            StreamOutcome(
                reason,
                job.buffer.text,
                stats=stats,
                error=error,
                reasoning=job.buffer.reasoning.strip(),
            ),
        )

    def _fit(self, backend: Backend, job: GenerationJob) -> FitResult:
        return fit_turn(backend, job.messages, job.params, job.context_limit)
