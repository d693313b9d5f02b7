"""The ASGI application: OpenAI's routes over one backend, behind the guards.

Exactly ``GET /v1/models``, ``POST /v1/chat/completions`` and ``POST /v1/completions`` are
answered. Every route runs inside :func:`build_app`'s ``guarded`` wrapper, which checks the
key and turns every refusal into an OpenAI-style 4xx and every surprise into a logged 500:
a client never sees a traceback, and nothing a client sends can take the server down.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from app.server.errors import ClientGone, RequestError, error_response, log_internal_error
from app.server.gate import EngineGate
from app.server.guards import DEFAULT_HOST, HostGuard, HostPolicy, key_matches, read_body
from app.server.replies import chat_completion, collect, text_completion
from app.server.requests import parse_generation, parse_messages, parse_prompt
from app.server.streaming import stream_reply, watched

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from app.core.backend import Backend, SamplingParams

Handler = Callable[["Request"], Awaitable["Response"]]


def build_app(
    backend: Backend,
    api_key: str,
    model_id: str,
    defaults: SamplingParams,
    hosts: HostPolicy | None = None,
) -> Starlette:
    """The ASGI application: OpenAI's routes over ``backend``, guarded by ``api_key``, for
    requests whose ``Host`` ``hosts`` allows (by default: as if listening on 127.0.0.1)."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    gate = EngineGate(backend)
    created = int(time.time())
    expected = api_key.encode("utf-8")
    policy = hosts or HostPolicy.for_bind(DEFAULT_HOST)

    def guarded(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            if not key_matches(request, expected):
                return error_response(
                    "Invalid API key: send the key `parley serve` printed at start as "
                    "'Authorization: Bearer <key>'.",
                    401,
                    "invalid_api_key",
                )
            try:
                return await handler(request)
            except RequestError as exc:
                # A refused body may still be arriving: close the connection rather than read
                # (and discard) the rest of it.
                headers = {"Connection": "close"} if exc.status == 413 else None
                return error_response(exc.message, exc.status, exc.code, exc.param, headers)
            except ClientGone:
                return Response(status_code=499)  # nobody reads it; uvicorn drops it
            except Exception:
                log_internal_error(request)
                return error_response("Internal error in parley serve.", 500, "internal_error")

        return endpoint

    async def http_error(_request: Request, exc: Exception) -> Response:
        """404 and 405 in the same JSON shape as every other error."""
        assert isinstance(exc, HTTPException)
        messages = {
            404: "There is no such endpoint; see /v1/models, /v1/chat/completions "
            "and /v1/completions.",
            405: "This endpoint does not take that method.",
        }
        return error_response(
            messages.get(exc.status_code, exc.detail),
            exc.status_code,
            {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error"),
            headers=dict(exc.headers or {}),
        )

    async def models(_request: Request) -> Response:
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {"id": model_id, "object": "model", "created": created, "owned_by": "parley"}
                ],
            }
        )

    async def chat_completions(request: Request) -> Response:
        body = await read_body(request)
        job = parse_generation(body, defaults, parse_messages(body.get("messages")))
        if job.stream:
            return await stream_reply(
                request, watched(request, gate.events(job)), job, model_id, chat=True
            )
        text, reason, stats, tokens, thought = await collect(watched(request, gate.events(job)))
        return JSONResponse(
            chat_completion(
                model_id,
                text,
                reason,
                stats,
                tokens=tokens,
                logprobs=job.logprobs,
                reasoning=thought,
            )
        )

    async def completions(request: Request) -> Response:
        body = await read_body(request)
        job = parse_generation(body, defaults, parse_prompt(body))
        if job.stream:
            return await stream_reply(
                request, watched(request, gate.events(job)), job, model_id, chat=False
            )
        text, reason, stats, _tokens, _thought = await collect(watched(request, gate.events(job)))
        return JSONResponse(text_completion(model_id, text, reason, stats))

    return Starlette(
        routes=[
            Route("/v1/models", guarded(models), methods=["GET"]),
            Route("/v1/chat/completions", guarded(chat_completions), methods=["POST"]),
            Route("/v1/completions", guarded(completions), methods=["POST"]),
        ],
        middleware=[Middleware(HostGuard, policy=policy)],
        exception_handlers={HTTPException: http_error},
    )
