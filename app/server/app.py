"""The ASGI application: OpenAI's routes over one backend, behind the guards.

Exactly ``GET /v1/models``, ``POST /v1/chat/completions``, ``POST /v1/completions`` and
``GET /health`` are answered. The application exists before the model is loaded (so the
server can say it is loading, as llama-server does): until :class:`Engine` ``.ready`` is
called, ``/health`` is a 503 ``{"status": "loading"}`` and every other route a 503 too.
Every route but ``/health`` runs inside :func:`build_engine_app`'s ``guarded`` wrapper, which
checks the key and turns every refusal into an OpenAI-style 4xx and every surprise into a
logged 500: a client never sees a traceback, and nothing a client sends can take the server down.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from app.server.errors import ClientGone, RequestError, error_response, log_internal_error
from app.server.gate import EngineGate
from app.server.guards import DEFAULT_HOST, HostGuard, HostPolicy, key_matches, read_body
from app.server.replies import chat_completion, collect, text_completion
from app.server.requests import parse_generation, parse_messages, parse_prompt
from app.server.slots import OpenParallel, SlotGate
from app.server.streaming import stream_reply, watched

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from app.core.backend import Backend, SamplingParams

Handler = Callable[["Request"], Awaitable["Response"]]


class Engine:
    """What the routes serve: nothing until :meth:`ready` (the model is loading), then the
    backend behind its gate, one generation at a time or ``slots`` together."""

    def __init__(self, slots: int = 1) -> None:
        self.slots = max(1, slots)
        self.gate: EngineGate | SlotGate | None = None
        self.model_id = ""
        self.defaults: SamplingParams | None = None

    def ready(self, backend: Backend, model_id: str, defaults: SamplingParams) -> None:
        """The model is loaded: serve it (several slots only where the backend can)."""
        self.model_id, self.defaults = model_id, defaults
        parallel = self.slots > 1 and isinstance(backend, OpenParallel)
        self.gate = SlotGate(backend, self.slots) if parallel else EngineGate(backend)

    def health(self) -> tuple[int, dict[str, Any]]:
        """llama-server's ``/health``: 503 while loading, 200 with the slots once ready."""
        gate = self.gate
        if gate is None:
            return 503, {"status": "loading"}
        if isinstance(gate, SlotGate):
            processing, waiting, slots = gate.processing, gate.waiting, gate.slots
        else:
            processing, waiting, slots = int(gate.busy), gate.waiting, 1
        return 200, {
            "status": "ok",
            "slots_idle": max(0, slots - processing),
            "slots_processing": min(slots, processing),
            "requests_waiting": waiting,
        }


def build_app(
    backend: Backend,
    api_key: str,
    model_id: str,
    defaults: SamplingParams,
    hosts: HostPolicy | None = None,
    *,
    slots: int = 1,
) -> Starlette:
    """The ASGI application: OpenAI's routes over ``backend``, guarded by ``api_key``, for
    requests whose ``Host`` ``hosts`` allows (by default: as if listening on 127.0.0.1)."""
    engine = Engine(slots)
    engine.ready(backend, model_id, defaults)
    return build_engine_app(engine, api_key, hosts)


def build_engine_app(engine: Engine, api_key: str, hosts: HostPolicy | None = None) -> Starlette:
    """The ASGI application over ``engine``, which may still be loading."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

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
            if engine.gate is None:
                return error_response(
                    "The model is still loading; try again shortly (see /health).",
                    503,
                    "model_loading",
                    headers={"Retry-After": "1"},
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

    async def health(_request: Request) -> Response:
        status, body = engine.health()
        return JSONResponse(body, status_code=status)

    def parts() -> tuple[EngineGate | SlotGate, str, SamplingParams]:
        """The loaded engine's gate, model name and default sampling (``guarded`` has
        answered 503 for every request made while loading)."""
        assert engine.gate is not None and engine.defaults is not None
        return engine.gate, engine.model_id, engine.defaults

    async def models(_request: Request) -> Response:
        _gate, model_id, _defaults = parts()
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {"id": model_id, "object": "model", "created": created, "owned_by": "parley"}
                ],
            }
        )

    async def chat_completions(request: Request) -> Response:
        gate, model_id, defaults = parts()
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
        gate, model_id, defaults = parts()
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
            Route("/health", health, methods=["GET"]),
            Route("/v1/models", guarded(models), methods=["GET"]),
            Route("/v1/chat/completions", guarded(chat_completions), methods=["POST"]),
            Route("/v1/completions", guarded(completions), methods=["POST"]),
        ],
        middleware=[Middleware(HostGuard, policy=policy)],
        exception_handlers={HTTPException: http_error},
    )
