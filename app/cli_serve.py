"""``parley serve``: Parley's own OpenAI-compatible API, backed by the local engine.

Other programs on the computer (editors, scripts, the official ``openai`` client) can then use
the model Parley runs, through ``/v1/chat/completions`` (streaming or not), ``/v1/completions``
and ``/v1/models``. Starlette and uvicorn serve HTTP; no HTTP is written by hand.

Safety by default: the API listens on 127.0.0.1 and every request needs a key, random unless
``--api-key`` is given, printed once at start (``API key: <key>``). Listening on another
address needs ``--allow-network`` *and* an explicit ``--api-key``, so a key nobody chose is
never exposed on a network.

The engine generates one reply at a time, so requests wait their turn in an asyncio lock
(first come, first served); a client that disconnects mid-reply stops its generation.
``/v1/completions`` sends the prompt as one user message through the model's chat template:
the local engine speaks chat only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import secrets
import socket
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from app.cli import EXIT_OK, CliError, _load_settings, _start_backend

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from app.core.backend import Backend, ChatMessage, Event, SamplingParams

DEFAULT_PORT = 8642
DEFAULT_HOST = "127.0.0.1"
MAX_BODY_BYTES = 8 * 1024 * 1024
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
_END = object()


class RequestError(Exception):
    """A request the API refuses, with the status and an OpenAI-style error message."""

    def __init__(self, message: str, status: int = 400, code: str = "invalid_request") -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


@dataclass(frozen=True)
class Generation:
    """What one request asks the engine for."""

    messages: list[ChatMessage]
    params: SamplingParams
    json_schema: dict[str, Any] | None
    logprobs: int
    stream: bool
    include_usage: bool


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this computer."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------- requests


def _text_content(content: Any, index: int) -> str:
    """A message's text: a string, or the text parts of an OpenAI content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                raise RequestError(f"Message {index + 1}: only text content is supported.")
            parts.append(str(part.get("text", "")))
        return "".join(parts)
    raise RequestError(f"Message {index + 1} needs a text 'content'.")


def parse_messages(raw: Any) -> list[ChatMessage]:
    from app.core.backend import ChatMessage

    if not isinstance(raw, list) or not raw:
        raise RequestError("'messages' must be a non-empty list.")
    messages: list[ChatMessage] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise RequestError(f"Message {i + 1} is not an object.")
        role = ROLES.get(str(item.get("role", "")))
        if role is None:
            raise RequestError(
                f"Message {i + 1} has role {item.get('role')!r}; supported roles are system, "
                "user and assistant."
            )
        messages.append(ChatMessage(role=role, content=_text_content(item.get("content"), i)))  # type: ignore[typeddict-item]
    return messages


def _number(body: dict[str, Any], key: str, kind: type, low: float, high: float) -> Any:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestError(f"'{key}' must be a number.")
    if not low <= value <= high:
        raise RequestError(f"'{key}' must be between {low:g} and {high:g}.")
    return kind(value)


def parse_generation(
    body: dict[str, Any], defaults: SamplingParams, messages: list[ChatMessage]
) -> Generation:
    """Sampling, structured output and logprobs from an OpenAI request body."""
    if body.get("n") not in (None, 1):
        raise RequestError("Only n=1 is supported.")
    overrides: dict[str, Any] = {}
    for key, field_name, kind, low, high in (
        ("temperature", "temperature", float, 0.0, 2.0),
        ("top_p", "top_p", float, 0.0, 1.0),
        ("top_k", "top_k", int, 0, 1000),
        ("min_p", "min_p", float, 0.0, 1.0),
        ("repeat_penalty", "repeat_penalty", float, 0.0, 10.0),
        ("max_completion_tokens", "max_tokens", int, 1, 1_000_000),
        ("max_tokens", "max_tokens", int, 1, 1_000_000),
        ("seed", "seed", int, -(2**63), 2**63 - 1),
    ):
        value = _number(body, key, kind, low, high)
        if value is not None:
            overrides[field_name] = value
    stop = body.get("stop")
    if isinstance(stop, str):
        overrides["stop"] = (stop,)
    elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        overrides["stop"] = tuple(stop)
    elif stop is not None:
        raise RequestError("'stop' must be a string or a list of strings.")
    schema: dict[str, Any] | None = None
    response_format = body.get("response_format")
    if isinstance(response_format, dict):
        kind_name = response_format.get("type")
        if kind_name == "json_schema":
            spec = response_format.get("json_schema") or {}
            schema = spec.get("schema") if isinstance(spec, dict) else None
            if not isinstance(schema, dict):
                raise RequestError("'response_format.json_schema.schema' must be an object.")
        elif kind_name == "json_object":
            schema = response_format.get("schema") or {"type": "object"}
        elif kind_name not in (None, "text"):
            raise RequestError(f"Unsupported response_format type {kind_name!r}.")
    logprobs = 0
    if body.get("logprobs") is True:
        logprobs = max(1, int(_number(body, "top_logprobs", int, 0, 20) or 0))
    elif isinstance(body.get("logprobs"), int) and not isinstance(body.get("logprobs"), bool):
        logprobs = max(0, min(20, int(body["logprobs"])))  # /v1/completions style
    options = body.get("stream_options")
    return Generation(
        messages=messages,
        params=replace(defaults, **overrides),
        json_schema=schema,
        logprobs=logprobs,
        stream=bool(body.get("stream")),
        include_usage=isinstance(options, dict) and bool(options.get("include_usage")),
    )


# --------------------------------------------------------------------------- engine access


class EngineGate:
    """Runs one generation at a time on the backend, from async request handlers.

    The backend's stream is a blocking iterator, so it runs on its own thread and hands events
    to the event loop; requests that arrive meanwhile wait on the lock in arrival order.
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._lock: asyncio.Lock | None = None

    async def events(self, job: Generation) -> AsyncIterator[Event]:
        from app.core.backend import Done, Error

        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            loop = asyncio.get_running_loop()
            queue: asyncio.Queue[object] = asyncio.Queue()

            def put(item: object) -> None:
                with contextlib.suppress(RuntimeError):  # the loop closed: server stopping
                    loop.call_soon_threadsafe(queue.put_nowait, item)

            def produce() -> None:
                try:
                    for event in self.backend.stream(
                        job.messages,
                        job.params,
                        json_schema=job.json_schema,
                        logprobs=job.logprobs,
                    ):
                        put(event)
                except Exception as exc:
                    put(Error(str(exc) or type(exc).__name__))
                    put(Done("error"))
                finally:
                    put(_END)

            thread = threading.Thread(target=produce, name="parley-serve-generation", daemon=True)
            thread.start()
            try:
                while True:
                    item = await queue.get()
                    if item is _END:
                        break
                    yield item  # type: ignore[misc]
            finally:
                if thread.is_alive():
                    self.backend.cancel()  # the client went away: stop generating
                try:
                    await asyncio.shield(asyncio.to_thread(thread.join))
                except asyncio.CancelledError:
                    thread.join()
                    raise


# --------------------------------------------------------------------------- responses


def _error(message: str, status: int, code: str) -> Response:
    from starlette.responses import JSONResponse

    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": code, "param": None}},
        status_code=status,
    )


def _logprobs_entry(event: Any) -> dict[str, Any] | None:
    if event.logprob is None:
        return None
    return {
        "token": event.text,
        "logprob": event.logprob,
        "bytes": list(event.text.encode("utf-8")),
        "top_logprobs": [
            {"token": t, "logprob": lp, "bytes": list(t.encode("utf-8"))} for t, lp in event.top
        ],
    }


def build_app(backend: Backend, api_key: str, model_id: str, defaults: SamplingParams) -> Starlette:
    """The ASGI application: OpenAI's routes over ``backend``, guarded by ``api_key``."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    from app.core.backend import Done, Error, Stats, Token

    gate = EngineGate(backend)
    created = int(time.time())
    expected = f"Bearer {api_key}".encode()

    def authorised(request: Request) -> bool:
        given = request.headers.get("authorization", "").encode()
        return secrets.compare_digest(given, expected)

    async def read_body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise RequestError("The request is too large.", 413, "request_too_large")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise RequestError("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise RequestError("The request body must be a JSON object.")
        return body

    def guarded(
        handler: Callable[[Request], Any],
    ) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            if not authorised(request):
                return _error(
                    "Invalid API key: send the key `parley serve` printed at start as "
                    "'Authorization: Bearer <key>'.",
                    401,
                    "invalid_api_key",
                )
            try:
                response: Response = await handler(request)
                return response
            except RequestError as exc:
                return _error(exc.message, exc.status, exc.code)

        return endpoint

    async def models(_request: Request) -> Response:
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {"id": model_id, "object": "model", "created": created, "owned_by": "parley"}
                ],
            }
        )

    async def collect(job: Generation) -> tuple[str, str, Stats | None, list[Any]]:
        parts: list[str] = []
        tokens: list[Any] = []
        stats: Stats | None = None
        reason = "stop"
        async for event in gate.events(job):
            if isinstance(event, Token):
                parts.append(event.text)
                tokens.append(event)
            elif isinstance(event, Stats):
                stats = event
            elif isinstance(event, Error):
                raise RequestError(event.message, 500, "engine_error")
            elif isinstance(event, Done):
                reason = event.reason
        return "".join(parts), ("length" if reason == "length" else "stop"), stats, tokens

    def usage(stats: Stats | None) -> dict[str, int]:
        prompt = stats.prompt_tokens if stats else 0
        generated = stats.generated_tokens if stats else 0
        return {
            "prompt_tokens": prompt,
            "completion_tokens": generated,
            "total_tokens": prompt + generated,
        }

    def sse(job: Generation, chat: bool) -> StreamingResponse:
        ident = f"{'chatcmpl' if chat else 'cmpl'}-{uuid.uuid4().hex}"
        kind = "chat.completion.chunk" if chat else "text_completion"

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

        async def body() -> AsyncIterator[str]:
            if chat:
                yield chunk({"index": 0, "delta": {"role": "assistant"}, "finish_reason": None})
            stats: Stats | None = None
            reason = "stop"
            async for event in gate.events(job):
                if isinstance(event, Token):
                    entry = _logprobs_entry(event) if job.logprobs else None
                    if chat:
                        logprobs = {"content": [entry]} if entry else None
                        choice = {"index": 0, "delta": {"content": event.text}}
                    else:
                        logprobs = None
                        choice = {"index": 0, "text": event.text}
                    yield chunk({**choice, "logprobs": logprobs, "finish_reason": None})
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

    async def chat_completions(request: Request) -> Response:
        body = await read_body(request)
        job = parse_generation(body, defaults, parse_messages(body.get("messages")))
        if job.stream:
            return sse(job, chat=True)
        text, reason, stats, tokens = await collect(job)
        logprobs = None
        if job.logprobs:
            logprobs = {"content": [e for e in map(_logprobs_entry, tokens) if e]}
        return JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model_id,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "logprobs": logprobs,
                        "finish_reason": reason,
                    }
                ],
                "usage": usage(stats),
            }
        )

    async def completions(request: Request) -> Response:
        from app.core.backend import ChatMessage

        body = await read_body(request)
        prompt = body.get("prompt")
        if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
            prompt = prompt[0]
        if not isinstance(prompt, str) or not prompt:
            raise RequestError("'prompt' must be a non-empty string.")
        job = parse_generation(body, defaults, [ChatMessage(role="user", content=prompt)])
        if job.stream:
            return sse(job, chat=False)
        text, reason, stats, _tokens = await collect(job)
        return JSONResponse(
            {
                "id": f"cmpl-{uuid.uuid4().hex}",
                "object": "text_completion",
                "created": int(time.time()),
                "model": model_id,
                "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": reason}],
                "usage": usage(stats),
            }
        )

    return Starlette(
        routes=[
            Route("/v1/models", guarded(models), methods=["GET"]),
            Route("/v1/chat/completions", guarded(chat_completions), methods=["POST"]),
            Route("/v1/completions", guarded(completions), methods=["POST"]),
        ]
    )


# --------------------------------------------------------------------------- command


def cmd_serve(args: argparse.Namespace) -> int:
    """Load the local model and serve it until Ctrl+C."""
    import uvicorn

    from app.core.catalogue import default_sampling

    if getattr(args, "server", None):
        raise CliError("parley serve runs the model on this computer; it cannot use --server")
    host = args.host
    api_key = getattr(args, "api_key", None)
    if not is_loopback(host):
        if not args.allow_network:
            raise CliError(
                f"{host} is reachable from other computers; add --allow-network (and --api-key) "
                "if that is what you want"
            )
        if not api_key:
            raise CliError(f"serving on {host} needs an explicit --api-key")
    if api_key is not None and len(api_key) < 8:
        raise CliError("the API key must be at least 8 characters")
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port must be between 0 and 65535, not {args.port}")
    key = api_key or secrets.token_urlsafe(24)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, args.port))
    except OSError as exc:
        sock.close()
        raise CliError(f"cannot listen on {host}:{args.port} ({exc.strerror or exc})") from None
    try:
        settings = _load_settings()
        args.server = "local"  # whatever the chat tool is set to, serve this computer's model
        backend, info = _start_backend(args, settings, "chat")
        try:
            model_id = info.model_id or info.path.rsplit("/", 1)[-1].removesuffix(".gguf")
            app = build_app(backend, key, model_id, default_sampling(info.model_id))
            port = sock.getsockname()[1]
            shown = f"[{host}]" if ":" in host else host
            print(f"Parley API for {model_id} on {info.device}: http://{shown}:{port}/v1")
            print(f"API key: {key}")
            print("Press Ctrl+C to stop.", flush=True)
            config = uvicorn.Config(
                app,
                log_level="warning",
                lifespan="off",
                access_log=False,
                timeout_graceful_shutdown=5,
            )
            uvicorn.Server(config).run(sockets=[sock])
        finally:
            backend.close()
    finally:
        sock.close()
    print("stopped", file=sys.stderr)
    return EXIT_OK


def add_serve_command(sub: Any) -> None:
    """Register ``parley serve`` on the top-level sub-command parser."""
    serve = sub.add_parser(
        "serve",
        help="serve the local model as an OpenAI-compatible API on this computer",
        description="Serve the local model at /v1/chat/completions, /v1/completions and "
        "/v1/models. Listens on 127.0.0.1 with a random API key unless told otherwise.",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 = any free port)",
    )
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument(
        "--api-key",
        dest="api_key",
        default=argparse.SUPPRESS,
        help="the key clients must send (default: random)",
    )
    serve.add_argument(
        "--allow-network",
        action="store_true",
        help="allow an address other computers can reach (needs --api-key)",
    )
    serve.add_argument("--model", default=argparse.SUPPRESS, help="catalogue id or .gguf path")
    serve.add_argument("--threads", type=int, default=argparse.SUPPRESS, help="CPU threads")
    serve.add_argument("--context", type=int, default=argparse.SUPPRESS, help="context tokens")
    serve.set_defaults(func=cmd_serve)
