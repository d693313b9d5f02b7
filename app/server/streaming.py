"""Streamed replies (server-sent events) and clients that leave.

A client that disconnects, streaming or not, while waiting or while its reply is generated,
stops its generation (:func:`watched`), so the next client is not kept waiting for a reply
nobody reads. A streamed reply awaits its first event before it starts, so a request the
engine's checks refuse is still a plain 4xx; once the 200 is sent, a failure ends the stream
with an error event instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, Any

from app.server.errors import ClientGone, log_internal_error
from app.server.replies import logprobs_entry, usage

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from app.core.backend import Event, Stats
    from app.server.requests import Generation


async def _disconnect(request: Request) -> None:
    """Return when the client has closed its connection.

    Once the body is read, the ASGI server's ``receive`` answers only ``http.disconnect``
    (uvicorn sets it when the socket closes); anything else is skipped.
    """
    while True:
        message = await request.receive()
        if message.get("type") == "http.disconnect":
            return


async def _next(events: AsyncGenerator[Event, None]) -> Event:
    return await events.__anext__()


async def watched(
    request: Request, events: AsyncGenerator[Event, None]
) -> AsyncGenerator[Event, None]:
    """``events``, ended with :class:`ClientGone` as soon as the client disconnects.

    Starlette notices a disconnect only when it writes to the socket, which a non-streaming
    reply does at the very end; so each step races a watch on the receive channel. When the
    client wins, the step is cancelled, which closes ``events`` and so cancels the engine.
    """
    watcher = asyncio.create_task(_disconnect(request))
    step: asyncio.Task[Event] | None = None
    try:
        while True:
            step = asyncio.create_task(_next(events))
            await asyncio.wait({step, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if not step.done():
                step.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await step
                raise ClientGone
            try:
                event = step.result()
            except StopAsyncIteration:
                return
            step = None
            yield event
    finally:
        watcher.cancel()
        if watcher.done() and not watcher.cancelled():
            watcher.exception()  # retrieved, so asyncio does not log it at exit
        if step is not None and not step.done():
            # Cancelled from outside mid-step: the step's own cleanup cancels the engine
            # (awaiting it here could be cancelled again by an enclosing cancel scope).
            step.cancel()
        else:
            await events.aclose()


async def stream_reply(
    request: Request,
    events: AsyncGenerator[Event, None],
    job: Generation,
    model_id: str,
    chat: bool,
) -> Response:
    """``events`` (already :func:`watched`) as an SSE response: ``chat.completion.chunk``
    objects when ``chat``, else ``text_completion`` ones, then ``data: [DONE]``. The first
    event is awaited before the response starts, so a request refused by the engine's checks
    (too long, a bad schema) is still a plain 4xx rather than an error in the middle of a 200
    stream."""
    from starlette.responses import StreamingResponse

    from app.core.backend import Done, Error, Reasoning, Stats, Token

    ident = f"{'chatcmpl' if chat else 'cmpl'}-{uuid.uuid4().hex}"
    kind = "chat.completion.chunk" if chat else "text_completion"
    try:
        first: Event | None = await events.__anext__()
    except StopAsyncIteration:
        first = None
    except BaseException:
        await events.aclose()
        raise

    def chunk(choice: dict[str, Any], extra: dict[str, Any] | None = None) -> str:
        payload = {
            "id": ident,
            "object": kind,
            "created": int(time.time()),
            "model": model_id,
            "choices": [choice] if choice else [],
            **(extra or {}),
        }
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    async def all_events() -> AsyncIterator[Event]:
        if first is not None:
            yield first
            async for event in events:
                yield event

    async def body() -> AsyncIterator[str]:
        """The SSE lines; the status is sent already, so a failure ends the stream with
        an error event (the client left: nothing more to send)."""
        try:
            async for text in lines():
                yield text
        except ClientGone:
            return
        except Exception:
            log_internal_error(request)
            err = {
                "message": "Internal error in parley serve.",
                "type": "server_error",
                "code": "internal_error",
            }
            yield f"data: {json.dumps({'error': err})}\n\n"
            yield "data: [DONE]\n\n"
        finally:
            await events.aclose()

    async def lines() -> AsyncIterator[str]:
        if chat:
            yield chunk({"index": 0, "delta": {"role": "assistant"}, "finish_reason": None})
        stats: Stats | None = None
        reason = "stop"
        async for event in all_events():
            if isinstance(event, Token):
                entry = logprobs_entry(event) if job.logprobs else None
                if chat:
                    logprobs = {"content": [entry]} if entry else None
                    choice = {"index": 0, "delta": {"content": event.text}}
                else:
                    logprobs = None
                    choice = {"index": 0, "text": event.text}
                yield chunk({**choice, "logprobs": logprobs, "finish_reason": None})
            elif isinstance(event, Reasoning):
                if chat:  # llama-server's field; /v1/completions returns the answer only
                    delta = {"reasoning_content": event.text}
                    yield chunk({"index": 0, "delta": delta, "finish_reason": None})
            elif isinstance(event, Stats):
                stats = event
            elif isinstance(event, Error):
                err = {"message": event.message, "type": "server_error", "code": "engine_error"}
                yield f"data: {json.dumps({'error': err}, ensure_ascii=False)}\n\n"
                yield "data: [DONE]\n\n"
                return
            elif isinstance(event, Done):
                reason = "length" if event.reason == "length" else "stop"
        final: dict[str, Any] = {"index": 0, "finish_reason": reason, "logprobs": None}
        if chat:
            final["delta"] = {}
        else:
            final["text"] = ""
        yield chunk(final)
        if job.include_usage:
            yield chunk({}, {"usage": usage(stats)})
        yield "data: [DONE]\n\n"

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
