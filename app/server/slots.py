"""The engine behind the API with several slots: replies generated together, one per request.

Why: a decode step reads every weight once whatever the number of sequences in its batch, so
several clients served together cost little more than one (issue 14). The engine's open
parallel stream (``stream_many(..., keep_open=True)``) is one llama.cpp context with a
sequence per reply; a request joins it at the next step (``add_sequence``) instead of
waiting for the others, and one that leaves is dropped from it at once
(``cancel_sequence``).

:class:`SlotGate` has :class:`~app.server.gate.EngineGate`'s interface:

* Up to ``slots`` requests generate at once; the rest wait in arrival order (an asyncio
  semaphore), and a request that leaves while waiting never reaches the engine.
* One thread reads the open stream and hands each reply's events to its request's queue.
  The stream starts with the first request and is kept open while the server runs.
* A failure in one reply (too long, a bad schema, no room left) ends that request alone;
  an engine crash ends the replies running then, and the next request starts a new stream
  (and so a new engine).
* What the parallel path cannot do (log-probabilities) runs alone through
  :class:`EngineGate` once every slot is free: it takes all of them, so the stream is ended
  first and started again after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import AsyncGenerator, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from app.server.errors import RequestError
from app.server.gate import _SCHEMA_ERROR_WORDS, EngineGate

if TYPE_CHECKING:
    from app.core.backend import Backend, Event, GenerationRequest
    from app.server.requests import Generation

# The engine's words for a prompt that leaves no room for a reply (app.engine.parallel).
_TOO_LONG_WORDS = "too long for the model"


@runtime_checkable
class OpenParallel(Protocol):
    """A backend whose parallel stream can stay open and take replies as they come
    (``app.engine.local.LocalBackend``)."""

    def stream_many(
        self, requests: Sequence[GenerationRequest], keep_open: bool = False
    ) -> Iterator[tuple[int, Event]]:
        """Replies generated together, ``(index, event)`` pairs; open: until ended."""
        ...

    def add_sequence(self, index: int, request: GenerationRequest) -> bool:
        """Join reply ``index`` to the open stream; False when none runs."""
        ...

    def cancel_sequence(self, index: int) -> None:
        """Stop reply ``index``; the others go on."""
        ...

    def end_parallel(self) -> None:
        """Let the open stream end once its replies have."""
        ...


class _Stream:
    """One open parallel stream and the thread that reads it."""

    def __init__(self, backend: OpenParallel, loop: asyncio.AbstractEventLoop) -> None:
        self.backend = backend
        self.loop = loop
        self.queues: dict[int, asyncio.Queue[Event | None]] = {}
        self.ended = asyncio.Event()
        self.events = backend.stream_many([], keep_open=True)
        self.thread = threading.Thread(target=self._read, name="parley-serve-slots", daemon=True)
        self.thread.start()

    def _put(self, index: int, event: Event | None) -> None:
        queue = self.queues.get(index)
        if queue is not None:
            queue.put_nowait(event)

    def _read(self) -> None:
        """Hand each reply's events to its queue, on the loop's thread (which alone touches
        the queues)."""
        from app.core.backend import Error

        def call(*args: object) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed: the server stopping
                self.loop.call_soon_threadsafe(*args)  # type: ignore[arg-type]

        try:
            for index, event in self.events:
                call(self._put, index, event)
        except Exception as exc:  # the engine client itself failed: every reply ends
            call(self._finish, Error(str(exc) or type(exc).__name__))
        else:
            call(self._finish, None)

    def _finish(self, error: Event | None) -> None:
        """The stream has ended: every reply still waiting gets ``error`` and a None, so no
        request waits for a stream that is gone."""
        for queue in self.queues.values():
            if error is not None:
                queue.put_nowait(error)
            queue.put_nowait(None)
        self.ended.set()


class SlotGate:
    """Runs up to ``slots`` generations at once on one engine, from async request handlers."""

    def __init__(self, backend: Backend, slots: int) -> None:
        assert isinstance(backend, OpenParallel)
        self.backend = backend
        self.parallel: OpenParallel = backend
        self.slots = max(1, slots)
        self.processing = 0
        self.waiting = 0
        self._free: asyncio.Semaphore | None = None
        self._alone: asyncio.Lock | None = None
        self._stream: _Stream | None = None
        self._numbers = itertools.count()
        self._single = EngineGate(backend)

    def _ready(self) -> tuple[asyncio.Semaphore, asyncio.Lock]:
        if self._free is None or self._alone is None:  # made on the loop that uses them
            self._free, self._alone = asyncio.Semaphore(self.slots), asyncio.Lock()
        return self._free, self._alone

    def close(self) -> None:
        """Let the open stream end (the server is stopping)."""
        if self._stream is not None:
            self.parallel.end_parallel()

    async def events(self, job: Generation) -> AsyncGenerator[Event, None]:
        """The engine's events for ``job`` (as :meth:`EngineGate.events`); closing the
        iterator early (the client left) frees its slot at once."""
        free, alone = self._ready()
        self.waiting += 1
        try:
            if job.logprobs:
                async with alone:  # take every slot, one at a time, in turn with the others
                    for _ in range(self.slots):
                        await free.acquire()
            else:
                await free.acquire()
        finally:
            self.waiting -= 1
        taken = self.slots if job.logprobs else 1
        self.processing += taken
        try:
            if job.logprobs:
                await self._end_stream()
                async for event in self._single.events(job):
                    yield event
            else:
                async for event in self._together(job):
                    yield event
        finally:
            self.processing -= taken
            for _ in range(taken):
                free.release()

    async def _end_stream(self) -> None:
        """End the open stream (no reply runs in it: every slot is taken) and wait."""
        stream = self._stream
        if stream is not None:
            self.parallel.end_parallel()
            await stream.ended.wait()
            await asyncio.to_thread(stream.thread.join)
            self._stream = None

    async def _together(self, job: Generation) -> AsyncGenerator[Event, None]:
        from app.core.backend import Done, Error, GenerationRequest, Progress, Token

        request = GenerationRequest(
            messages=tuple(job.messages), params=job.params, json_schema=job.json_schema
        )
        index = next(self._numbers)
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        stream = await self._join(index, request, queue)
        started = done = False
        try:
            while True:
                event = await queue.get()
                if event is None:  # the stream ended without this reply's Done
                    if not done:
                        yield Error("The model engine stopped unexpectedly.")
                        yield Done("error")
                    return
                if isinstance(event, Error) and not started:
                    _refuse(event.message, job)
                if isinstance(event, Token | Progress):
                    started = True
                done = isinstance(event, Done)
                yield event
                if done:
                    return
        finally:
            stream.queues.pop(index, None)
            if not done and not stream.ended.is_set():
                self.parallel.cancel_sequence(index)  # the client left: free its sequence

    async def _join(
        self, index: int, request: GenerationRequest, queue: asyncio.Queue[Event | None]
    ) -> _Stream:
        """Add the reply to the open stream, starting one when there is none (or the last
        one has ended, after a crash)."""
        for _attempt in range(2):
            stream = self._stream
            if stream is None or stream.ended.is_set():
                stream = self._stream = _Stream(self.parallel, asyncio.get_running_loop())
            stream.queues[index] = queue
            if await asyncio.to_thread(self.parallel.add_sequence, index, request):
                return stream
            stream.queues.pop(index, None)
            await stream.ended.wait()  # it is ending: start another
        raise RequestError("The model engine is not available; try again.", 503, "unavailable")


def _refuse(message: str, job: Generation) -> None:
    """Raise the request's own fault, found by the engine before it generated, as a 4xx."""
    lowered = message.lower()
    if _TOO_LONG_WORDS in lowered:
        raise RequestError(
            message,
            400,
            "context_length_exceeded",
            "messages",
        )
    if job.json_schema is not None and any(word in lowered for word in _SCHEMA_ERROR_WORDS):
        raise RequestError(message, 400, "invalid_json_schema", "response_format")
