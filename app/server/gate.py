"""The engine behind the API: one generation at a time, first come, first served.

The engine generates one reply at a time and its stream is a blocking iterator, while the
routes are async; :class:`EngineGate` runs each generation on its own thread behind an
asyncio lock, so requests that arrive meanwhile wait their turn in arrival order, and the
event loop keeps answering (and refusing) other requests while a reply is generated.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING

from app.server.errors import RequestError

if TYPE_CHECKING:
    from app.core.backend import Backend, Event
    from app.server.requests import Generation

# The generation thread's last item: it has nothing more to send.
_END = object()
# The engine's messages for a schema it cannot turn into a grammar (app.engine.worker): the
# only engine errors that are the request's fault rather than the engine's.
_SCHEMA_ERROR_WORDS = ("schema", "grammar")


class EngineGate:
    """Runs one generation at a time on the backend, from async request handlers.

    The backend's stream is a blocking iterator, so it runs on its own thread and hands events
    to the event loop; requests that arrive meanwhile wait on the lock in arrival order.
    Before generating, the prompt is counted against the context window, so a request that
    cannot fit is a 400 before anything is sent (not an engine error in the middle of a
    stream).
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._lock: asyncio.Lock | None = None
        self.busy = False  # a generation runs (for /health)
        self.waiting = 0  # requests waiting for their turn (for /health)

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """This request's turn at the engine, counted for /health while it waits."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        self.waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self.waiting -= 1
        self.busy = True
        try:
            yield
        finally:
            self.busy = False
            self._lock.release()

    def _context_problem(self, job: Generation) -> RequestError | None:
        n_ctx = self.backend.context_length()
        n_prompt = self.backend.count_chat_tokens(job.messages)
        if n_prompt < n_ctx:
            return None
        return RequestError(
            f"This model's maximum context length is {n_ctx} tokens, but the messages take "
            f"{n_prompt} tokens (chat template included), which leaves no room for a reply. "
            "Shorten the messages.",
            400,
            "context_length_exceeded",
            "messages",
        )

    async def events(self, job: Generation) -> AsyncGenerator[Event, None]:
        """The engine's events for ``job``; :class:`RequestError` when the request is at
        fault (too long for the context, a schema the engine cannot use). Closing the
        iterator early (the client left) cancels the generation."""
        from app.core.backend import BackendError, Done, Error, Progress, Token

        async with self._turn():
            loop = asyncio.get_running_loop()
            queue: asyncio.Queue[object] = asyncio.Queue()
            abandoned = threading.Event()

            def put(item: object) -> None:
                with contextlib.suppress(RuntimeError):  # the loop closed: server stopping
                    loop.call_soon_threadsafe(queue.put_nowait, item)

            def produce() -> None:
                try:
                    problem = self._context_problem(job)
                    if problem is not None:
                        put(problem)
                        return
                    try:
                        stream = self.backend.stream(
                            job.messages,
                            job.params,
                            json_schema=job.json_schema,
                            logprobs=job.logprobs,
                        )
                    except (BackendError, ValueError, TypeError) as exc:
                        # Raised before generating: the Backend contract's "malformed arguments".
                        put(RequestError(str(exc) or type(exc).__name__))
                        return
                    # A cancel() that came before stream() was called would be lost (stream()
                    # starts a new request); the flag is checked after the call instead.
                    if abandoned.is_set():
                        return
                    for event in stream:
                        put(event)
                except Exception as exc:
                    put(Error(str(exc) or type(exc).__name__))
                    put(Done("error"))
                finally:
                    put(_END)

            thread = threading.Thread(target=produce, name="parley-serve-generation", daemon=True)
            thread.start()
            started = False
            try:
                while True:
                    item = await queue.get()
                    if item is _END:
                        break
                    if isinstance(item, RequestError):
                        raise item
                    if (
                        isinstance(item, Error)
                        and not started
                        and job.json_schema is not None
                        and any(word in item.message.lower() for word in _SCHEMA_ERROR_WORDS)
                    ):
                        raise RequestError(
                            item.message, 400, "invalid_json_schema", "response_format"
                        )
                    if isinstance(item, Token | Progress):
                        started = True
                    yield item  # type: ignore[misc]
            finally:
                abandoned.set()
                if thread.is_alive():
                    self.backend.cancel()  # the client went away: stop generating
                try:
                    await asyncio.shield(asyncio.to_thread(thread.join))
                except asyncio.CancelledError:
                    thread.join()
                    raise
