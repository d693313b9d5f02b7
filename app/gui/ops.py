"""How results come back to the GUI thread: :class:`BackgroundOp` and :func:`deliver`.

Anki's rule, kept here: widgets never call slow core work on the GUI thread, and results come
back to the GUI thread through one well-named mechanism, so nobody has to think about which
thread a callback runs on::

    BackgroundOp(self, lambda: store.search(text)).on_success(self.show_hits).run()

``work`` runs on a small private thread pool; ``on_success``/``on_failure`` run on the GUI
thread and belong to that one call, so the result reaches the code that asked for it and no
one else has to filter it out of a broadcast. The engine has its own single worker
(:mod:`app.gui.engine_worker`) because requests to one model must be serialised, but it hands
each request's result back the same way, through :func:`deliver`.

Every hand-over goes through one relay object that lives on the GUI thread for the whole
application. The owner is checked there, on the GUI thread, just before the callback runs: if
the widget that asked is gone, the callback is dropped instead of touching a deleted widget.
Checking on the GUI thread (rather than emitting on an object the GUI thread may be deleting)
is what makes that check safe, and a dropped callback still ends the op's busy indicator.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar, cast

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QRunnable,
    Qt,
    QThread,
    QThreadPool,
    Signal,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


class BusyHost(Protocol):
    """A window that can show a busy indicator with a line of text (the main window)."""

    def begin_busy(self, text: str) -> int: ...

    def end_busy(self, token: int) -> None: ...


# --- the hand-over to the GUI thread ---------------------------------------------------------


class _GuiRelay(QObject):
    """Lives on the GUI thread; runs there what other threads post to it, in order."""

    posted = Signal(object)  # a callable without arguments

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Queued even when posted from the GUI thread itself: the callback never runs inside
        # the caller's own call, the same as when it comes from a worker.
        self.posted.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def _run(self, task: object) -> None:
        assert callable(task)
        task()


_relay: _GuiRelay | None = None
_relay_lock = threading.Lock()


def gui_relay() -> _GuiRelay:
    """The relay, created on first use; call it once from the GUI thread before posting.

    BackgroundOp.run and EngineWorker's constructor do, so a worker thread never has to
    create it (an object created there would belong to a thread without an event loop).
    """
    global _relay  # noqa: PLW0603 - one relay per application, created on first use
    with _relay_lock:
        if _relay is None or not shiboken6.isValid(_relay):
            app = QCoreApplication.instance()
            if app is not None and app.thread() is QThread.currentThread():
                _relay = _GuiRelay(app)  # deleted with the application
            else:
                _relay = _GuiRelay()
                if app is not None:
                    _relay.moveToThread(app.thread())
        return _relay


def call_on_gui_thread(task: Callable[[], None]) -> None:
    """Run ``task`` on the GUI thread soon; safe to call from any thread."""
    try:
        gui_relay().posted.emit(task)
    except RuntimeError:
        # The application (and the relay with it) is being torn down.
        log.debug("a result arrived after the application closed")


def deliver(owner: QObject, callback: Callable[..., None], *args: Any) -> None:
    """From any thread: ``callback(*args)`` on the GUI thread, if ``owner`` still exists then.

    This is how a background result reaches the caller that asked for it: the callback was
    given with the request, and it is dropped if its widget was deleted while the work ran.
    """

    def task() -> None:
        if shiboken6.isValid(owner):
            callback(*args)
        else:
            log.debug("a result arrived after its owner was closed")

    call_on_gui_thread(task)


# --- background work ---------------------------------------------------------------------------


_pool: QThreadPool | None = None


def background_pool() -> QThreadPool:
    """The pool every BackgroundOp runs on; two threads are plenty and keep CPU for the model."""
    global _pool  # noqa: PLW0603 - one pool per process, created on first use
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(2)
        _pool.setExpiryTimeout(2000)
    return _pool


def wait_for_background_ops(msecs: int = 5000) -> bool:
    """Block until running ops end (used at shutdown and by tests); True if all ended."""
    if _pool is None:
        return True
    return bool(_pool.waitForDone(msecs))


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], done: Callable[[bool, Any], None]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._done = done

    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as exc:
            ok, value = False, exc
        else:
            ok, value = True, result
        done = self._done
        call_on_gui_thread(lambda: done(ok, value))


_running: set[BackgroundOp[Any]] = set()


class BackgroundOp(Generic[T]):
    """Run ``work`` in the background and call back on the GUI thread (Anki's QueryOp)."""

    def __init__(self, parent: QObject, work: Callable[[], T]) -> None:
        self._parent = parent
        self._work = work
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._progress_text: str | None = None
        self._busy_token: int | None = None
        self._busy_host: BusyHost | None = None

    def on_success(self, callback: Callable[[T], None]) -> BackgroundOp[T]:
        """Called on the GUI thread with the work's return value."""
        self._success = callback
        return self

    def on_failure(self, callback: Callable[[BaseException], None]) -> BackgroundOp[T]:
        """Called on the GUI thread with the exception; without it, failures are logged."""
        self._failure = callback
        return self

    def with_progress(self, text: str) -> BackgroundOp[T]:
        """Show a busy indicator and ``text`` in the main window while the work runs."""
        self._progress_text = text
        return self

    def run(self) -> None:
        """Start the work; returns at once."""
        gui_relay()  # made here, on the GUI thread, before the pool thread needs it
        if self._progress_text is not None:
            host = _find_busy_host(self._parent)
            if host is not None:
                self._busy_host = host
                self._busy_token = host.begin_busy(self._progress_text)
        _running.add(self)
        background_pool().start(_Job(self._work, self._done))

    def _done(self, ok: bool, value: object) -> None:
        """On the GUI thread: end the busy indicator, then hand the outcome to the caller."""
        _running.discard(self)
        host = self._busy_host
        if host is not None and self._busy_token is not None and shiboken6.isValid(host):
            host.end_busy(self._busy_token)
        self._busy_token = None
        if not shiboken6.isValid(self._parent):
            log.debug("background op finished after its owner was closed")
            return
        if ok:
            if self._success is not None:
                self._success(value)  # type: ignore[arg-type]
            return
        assert isinstance(value, BaseException)
        if self._failure is not None:
            self._failure(value)
        else:
            log.error("background work failed", exc_info=value)


def _find_busy_host(obj: QObject) -> BusyHost | None:
    """Walk up to the first object that can show a busy indicator."""
    current: QObject | None = obj
    while current is not None:
        if hasattr(current, "begin_busy") and hasattr(current, "end_busy"):
            return cast(BusyHost, current)
        current = current.parent()
    return None
