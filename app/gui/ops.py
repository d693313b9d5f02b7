"""The one way the GUI runs work off its own thread: :class:`BackgroundOp`.

Anki's rule, kept here: widgets never call slow core work on the GUI thread, and results come
back to the GUI thread through one well-named mechanism, so nobody has to think about which
thread a callback runs on::

    BackgroundOp(self, lambda: store.search(text)).on_success(self.show_hits).run()

``work`` runs on a small private thread pool; ``on_success``/``on_failure`` run on the GUI
thread (queued signals). If the parent widget is gone by the time the work ends, the
callbacks are dropped instead of touching a deleted widget. The engine does not use this: it
has its own single worker (:mod:`app.gui.engine_worker`) because requests to one model must be
serialised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")


class BusyHost(Protocol):
    """A window that can show a busy indicator with a line of text (the main window)."""

    def begin_busy(self, text: str) -> int: ...

    def end_busy(self, token: int) -> None: ...


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


class _Relay(QObject):
    """Lives on the GUI thread; its signals carry the outcome back there."""

    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as exc:
            outcome: tuple[bool, Any] = (False, exc)
        else:
            outcome = (True, result)
        try:
            if outcome[0]:
                self._relay.succeeded.emit(outcome[1])
            else:
                self._relay.failed.emit(outcome[1])
        except RuntimeError:
            # The relay (and the widget that owned it) was deleted while we worked.
            log.debug("background op finished after its owner was closed")


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
        relay = _Relay(self._parent)
        relay.succeeded.connect(self._on_succeeded)
        relay.failed.connect(self._on_failed)
        self._relay = relay
        if self._progress_text is not None:
            host = _find_busy_host(self._parent)
            if host is not None:
                self._busy_host = host
                self._busy_token = host.begin_busy(self._progress_text)
        _running.add(self)
        background_pool().start(_Job(self._work, relay))

    def _finish(self) -> None:
        _running.discard(self)
        if self._busy_host is not None and self._busy_token is not None:
            self._busy_host.end_busy(self._busy_token)
            self._busy_token = None
        self._relay.deleteLater()

    def _on_succeeded(self, result: object) -> None:
        self._finish()
        if self._success is not None:
            self._success(result)  # type: ignore[arg-type]

    def _on_failed(self, error: object) -> None:
        self._finish()
        assert isinstance(error, BaseException)
        if self._failure is not None:
            self._failure(error)
        else:
            log.error("background work failed", exc_info=error)


def _find_busy_host(obj: QObject) -> BusyHost | None:
    """Walk up to the first object that can show a busy indicator."""
    current: QObject | None = obj
    while current is not None:
        if hasattr(current, "begin_busy") and hasattr(current, "end_busy"):
            return current
        current = current.parent()
    return None
