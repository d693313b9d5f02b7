"""The app-process half of parallel generation: :meth:`ParallelStreams.stream_many`.

A mixin of :class:`~app.engine.local.LocalBackend` (which holds the pipe, the lock and the
crash handling), kept apart so the client stays one screenful per concern. The engine tags
every message of a parallel stream with the reply's index (:mod:`.parallel`); this turns
them back into ``(index, Event)`` pairs with the same events a single stream has, each
index's ending with its own ``Done``. :meth:`ParallelStreams.cancel_sequence` is the one
message sent while a stream runs, so it may come from any thread.

An open stream (``keep_open=True``, for ``parley serve``) also takes replies while it runs:
:meth:`ParallelStreams.add_sequence` joins one (any thread) and
:meth:`ParallelStreams.end_parallel` lets the stream end once its replies have.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator, Sequence
from contextlib import AbstractContextManager, suppress
from multiprocessing.connection import Connection
from typing import Any

from app.core.backend import (
    BackendError,
    Done,
    Error,
    Event,
    GenerationRequest,
    Progress,
    Reasoning,
    Stats,
    Token,
    checked_messages,
)
from app.engine import protocol as proto
from app.engine.child import EngineCrashed

_SEND_LOCK = threading.Lock()  # a cancel from another thread never interleaves with a send


def event_of(message: Sequence[Any]) -> Event | None:
    """The event of one tagged message of a parallel stream (its index already taken off)."""
    tag = message[0]
    if tag == proto.TOKEN:
        return Token(message[1])
    if tag == proto.REASONING:
        return Reasoning(message[1])
    if tag == proto.PROGRESS:
        return Progress(message[1], message[2], "prompt")
    if tag == proto.STATS:
        return Stats(*message[1:9])
    if tag == proto.ERROR:
        return Error(message[1])
    if tag == proto.DONE:
        return Done(message[1])
    return None


class ParallelStreams:
    """Several replies generated together by the engine (see ``ParallelGenerator``)."""

    _conn: Connection | None
    _cancel_flag: Any
    _parallel_open = False
    _parallel_indices: set[int] | None = None  # the running stream's replies not yet ended
    # Replies added to an open stream asked for but not started yet (its generator not yet
    # run); None when no open stream is starting.
    _parallel_pending: list[tuple[int, GenerationRequest]] | None = None

    # -- provided by LocalBackend ----------------------------------------------------------

    def _serialised(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _ensure_ready(self) -> None:
        raise NotImplementedError

    def _recv_stream(self) -> Any:
        raise NotImplementedError

    def _abandon_stream(self) -> None:
        raise NotImplementedError

    def _discard_engine(self) -> None:
        raise NotImplementedError

    # -- the requests ----------------------------------------------------------------------

    def stream_many(
        self, requests: Sequence[GenerationRequest], keep_open: bool = False
    ) -> Generator[tuple[int, Event], None, None]:
        """Generate a reply to each request together: ``(index, event)`` pairs, interleaved,
        each index's events ending with its own Done. Closing the generator early cancels
        them all; :meth:`cancel_sequence` stops one. With ``keep_open`` the stream lasts,
        taking :meth:`add_sequence` requests, until :meth:`end_parallel`."""
        if keep_open:
            with _SEND_LOCK:
                self._parallel_pending = []
        return self._stream_many(tuple(map(_checked, requests)), keep_open)

    def add_sequence(self, index: int, request: GenerationRequest) -> bool:
        """Join reply ``index`` to the open stream, running or asked for and not started yet
        (its events come from that stream's generator); False when there is none to take it."""
        checked = _checked(request)
        with _SEND_LOCK:
            if self._parallel_pending is not None:
                self._parallel_pending.append((int(index), checked))
                return True
            if not self._parallel_open or self._conn is None or self._parallel_indices is None:
                return False
            try:
                self._conn.send((proto.OP_ADD_SEQ, int(index), checked))
            except OSError:
                return False
            self._parallel_indices.add(int(index))
            return True

    def end_parallel(self) -> None:
        """Let the running open stream end once its replies have ended."""
        with _SEND_LOCK:
            if self._parallel_open and self._conn is not None:
                with suppress(OSError):
                    self._conn.send((proto.OP_END_MANY,))

    def cancel_sequence(self, index: int) -> None:
        """Stop reply ``index`` of the running parallel stream; the others go on."""
        with _SEND_LOCK:
            if self._parallel_open and self._conn is not None:
                with suppress(OSError):
                    self._conn.send((proto.OP_CANCEL_SEQ, int(index)))

    def _take_pending(self) -> list[tuple[int, GenerationRequest]]:
        """The replies added before the stream started (call with ``_SEND_LOCK`` held)."""
        pending, self._parallel_pending = self._parallel_pending or [], None
        return pending

    def _closed(self, still_open: set[int]) -> None:
        """No more replies may join: the stream is ending (those added but never sent are
        ended with the others)."""
        with _SEND_LOCK:
            self._parallel_open = False
            still_open.update(index for index, _ in self._take_pending())

    def _stream_many(
        self, requests: tuple[GenerationRequest, ...], keep_open: bool
    ) -> Generator[tuple[int, Event], None, None]:
        with self._serialised():
            self._cancel_flag[0] = 0
            still_open = set(range(len(requests)))
            try:
                self._ensure_ready()
            except BackendError as exc:
                with _SEND_LOCK:
                    still_open.update(index for index, _ in self._take_pending())
                yield from _end_all(still_open, str(exc))
                return
            assert self._conn is not None
            finished = False
            try:
                with _SEND_LOCK:
                    try:
                        self._conn.send((proto.OP_STREAM_MANY, requests, keep_open))
                    except OSError:
                        raise EngineCrashed("The model engine stopped unexpectedly.") from None
                    self._parallel_open = True
                    self._parallel_indices = still_open
                    for index, request in self._take_pending():
                        with suppress(OSError):  # a crash: noticed by the next receive
                            self._conn.send((proto.OP_ADD_SEQ, index, request))
                        still_open.add(index)
                while True:
                    message = self._recv_stream()
                    if message[0] == proto.SEQ:
                        event = event_of(message[2:])
                        if event is None:
                            continue
                        if isinstance(event, Done):
                            still_open.discard(message[1])
                        yield message[1], event
                    elif message[0] == proto.ERROR:
                        finished = True
                        self._closed(still_open)
                        yield from _end_all(still_open, message[1])
                    elif message[0] == proto.DONE:
                        finished = True
                        self._closed(still_open)
                        yield from _end_all(still_open, "", message[1])
                        return
            except EngineCrashed as crash:
                finished = True
                self._closed(still_open)
                self._discard_engine()
                yield from _end_all(still_open, crash.message)
            finally:
                with _SEND_LOCK:
                    self._parallel_open = False
                    self._parallel_indices = None
                    self._parallel_pending = None
                if not finished:
                    self._abandon_stream()


def _checked(r: GenerationRequest) -> GenerationRequest:
    """``r`` with its messages checked here, before they cross the pipe."""
    return GenerationRequest(
        messages=checked_messages(r.messages),
        params=r.params,
        grammar=r.grammar,
        json_schema=r.json_schema,
        logprobs=r.logprobs,
    )


def _end_all(indices: set[int], error: str, reason: str = "error") -> Iterator[tuple[int, Event]]:
    """End every reply still open: with ``error`` when there is one."""
    for index in sorted(indices):
        if error:
            yield index, Error(error)
        yield index, Done("cancelled" if not error and reason == "cancelled" else "error")
    indices.clear()
