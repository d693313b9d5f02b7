"""``parley serve``: Parley's own OpenAI-compatible API, backed by the local engine.

Other programs on the computer (editors, scripts, the official ``openai`` client) can then use
the model Parley runs, through ``/v1/chat/completions`` (streaming or not), ``/v1/completions``
and ``/v1/models``. Starlette and uvicorn serve HTTP; no HTTP is written by hand.

Safety by default: the API listens on 127.0.0.1 and every request needs a key, random unless
``--api-key`` is given, printed once at start (``API key: <key>``). Listening on another
address needs ``--allow-network`` *and* an explicit ``--api-key``, so a key nobody chose is
never exposed on a network.

A key alone does not stop a web page from reaching the API through DNS rebinding (a name the
attacker controls that resolves to 127.0.0.1): the browser would then send the attacker's
name as ``Host``. So every request's ``Host`` is checked first, as llama-server and Jupyter
do: only loopback addresses, ``localhost``, the address the server listens on and names given
with ``--allow-host`` are answered.

A request is refused with a 4xx and an OpenAI-style error (never a 500 or a traceback) when it
is malformed: a body over :data:`MAX_BODY_BYTES` (counted while it is read, so a huge body
never sits in memory), JSON that is not an object or nests deeper than
:data:`MAX_JSON_DEPTH`, fields of the wrong type or out of range, or messages that do not fit
the model's context window (``context_length_exceeded``). Lone UTF-16 surrogates, which JSON
can escape but UTF-8 cannot carry, become U+FFFD.

The engine generates one reply at a time, so requests wait their turn in an asyncio lock
(first come, first served). A client that disconnects, streaming or not, while waiting or
while its reply is generated, stops its generation, so the next client is not kept waiting for
a reply nobody reads. ``/v1/completions`` sends the prompt as one user message through the
model's chat template: the local engine speaks chat only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import re
import secrets
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from app.cli import EXIT_OK, CliError, _load_settings, _start_backend, bounded

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Receive, Scope, Send

    from app.core.backend import Backend, ChatMessage, Event, SamplingParams


DEFAULT_PORT = 8642
DEFAULT_HOST = "127.0.0.1"
MAX_BODY_BYTES = 8 * 1024 * 1024
# Nothing in an OpenAI request nests deeply (a JSON schema a few levels); a limit far below
# Python's recursion limit means no later step (repr, pickling, the grammar converter) can
# hit a RecursionError on a request that passed parsing.
MAX_JSON_DEPTH = 64
MAX_STOP_STRINGS = 16
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
_END = object()
# A JSON escape of a UTF-16 surrogate: only then can the parsed body hold a lone surrogate
# (the raw bytes are decoded as strict UTF-8, which refuses encoded surrogates).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
_PORT = re.compile(r"[0-9]*")
_DIGITS = re.compile(r"[0-9]+")
# The engine's messages for a schema it cannot turn into a grammar (app.engine.worker): the
# only engine errors that are the request's fault rather than the engine's.
_SCHEMA_ERROR_WORDS = ("schema", "grammar")


class RequestError(Exception):
    """A request the API refuses, with the status and an OpenAI-style error message."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        code: str = "invalid_request",
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.status, self.code, self.param = message, status, code, param


class ClientGone(Exception):
    """The client closed its connection before its reply was ready; nobody is listening."""


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


# --------------------------------------------------------------------------- Host check


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def normalise_host_name(text: str) -> str | None:
    """``text`` as a bare lower-case host name or IP address (brackets and a final dot
    dropped), or None when it is neither."""
    name = text.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        address = _ip(name[1:-1])
        return str(address) if isinstance(address, ipaddress.IPv6Address) else None
    address = _ip(name)
    if address is not None:
        return str(address)
    name = name.removesuffix(".")
    return name if _HOST_NAME.fullmatch(name) else None


def host_header_name(value: str) -> str | None:
    """The host part of a ``Host`` header (``name``, ``name:port``, ``[v6]:port``),
    normalised, or None when the header is malformed."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[: end + 1], value[end + 1 :]
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
    if rest and not (rest.startswith(":") and _PORT.fullmatch(rest[1:])):
        return None
    if not name.startswith("[") and ":" in name:
        return None  # an IPv6 address needs brackets in a Host header
    return normalise_host_name(name)


@dataclass(frozen=True)
class HostPolicy:
    """Which ``Host`` headers the server answers: its defence against DNS rebinding.

    A rebinding attack needs a host *name* (the attacker's, resolving to this computer), so
    IP literals are safe in principle; loopback addresses and ``localhost`` are always
    allowed, other addresses only when the server listens on them (any address when it
    listens on all of them), other names only when listed.
    """

    names: frozenset[str]
    addresses: frozenset[str]
    any_address: bool = False

    @classmethod
    def for_bind(cls, host: str, extra: Iterable[str] = ()) -> HostPolicy:
        """The policy for a server listening on ``host``, with ``extra`` names allowed."""
        names = {"localhost"}
        addresses: set[str] = set()
        any_address = False
        bound = normalise_host_name(host)
        address = _ip(bound) if bound else None
        if address is not None:
            addresses.add(str(address))
            any_address = address.is_unspecified
        elif bound:
            names.add(bound)
        for item in extra:
            name = normalise_host_name(item)
            if name is None:
                raise ValueError(item)
            (addresses if _ip(name) else names).add(name)
        return cls(frozenset(names), frozenset(addresses), any_address)

    def allows(self, name: str) -> bool:
        """Whether a request whose ``Host`` names ``name`` (normalised) may be answered."""
        address = _ip(name)
        if address is None:
            return name in self.names
        return address.is_loopback or self.any_address or name in self.addresses


class HostGuard:
    """ASGI middleware: answer only requests whose ``Host`` the policy allows.

    It runs before routing and before the key is checked, so a page that rebinds a name to
    this computer learns nothing, not even whether its guess of the key was right.
    """

    def __init__(self, app: ASGIApp, policy: HostPolicy) -> None:
        self.app, self.policy = app, policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"]
            problem = self._problem(values)
            if problem is not None:
                code = "host_not_allowed" if problem[1] == 403 else "invalid_host"
                response = _error(problem[0], problem[1], code)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _problem(self, values: list[str]) -> tuple[str, int] | None:
        if len(values) != 1:
            return "The request needs exactly one Host header.", 400
        name = host_header_name(values[0])
        if name is None:
            return f"The Host header {values[0][:100]!r} is not a valid host.", 400
        if self.policy.allows(name):
            return None
        return (
            f"This server does not answer to the host name {name[:100]!r} (a guard against "
            "DNS rebinding). Use 127.0.0.1 or localhost, or start parley serve with "
            f"--allow-host {name[:100]}.",
            403,
        )


# --------------------------------------------------------------------------- requests


def _scrub(body: Any) -> Any:
    """``body`` with every lone surrogate in its strings (keys too) replaced by U+FFFD.

    Walks with an explicit stack, so it cannot itself run out of recursion.
    """

    def fix(value: Any) -> Any:
        if isinstance(value, str):
            return _LONE_SURROGATE.sub("\ufffd", value)
        return value

    root = [body]
    stack: list[list[Any] | dict[str, Any]] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, list | dict):
                    stack.append(item)
                else:
                    node[i] = fix(item)
        else:
            items = [(fix(k), v if isinstance(v, list | dict) else fix(v)) for k, v in node.items()]
            node.clear()
            node.update(items)
            stack.extend(v for _, v in items if isinstance(v, list | dict))
    return root[0]


def _depth(body: Any) -> int:
    """How deeply ``body`` nests lists and objects (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(body, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        level += 1
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, level) for child in node if isinstance(child, list | dict))
    return deepest


def decode_body(raw: bytes) -> dict[str, Any]:
    """Parse a request body: a JSON object in UTF-8, nested at most :data:`MAX_JSON_DEPTH`
    levels, lone surrogates replaced. Everything else is a :class:`RequestError`."""
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RequestError(
            f"The request body is not valid UTF-8 (byte {exc.start}); JSON must be UTF-8."
        ) from None
    too_deep = RequestError(
        f"The request body nests lists and objects more than {MAX_JSON_DEPTH} levels deep."
    )
    try:
        body = json.loads(text)
    except RecursionError:
        raise too_deep from None
    except ValueError as exc:
        raise RequestError(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RequestError(f"The request body must be a JSON object, not {_json_type(body)}.")
    if _depth(body) > MAX_JSON_DEPTH:
        raise too_deep
    if _SURROGATE_ESCAPE.search(text):
        body = _scrub(body)
    return body


def _json_type(value: Any) -> str:
    """How JSON calls the type of ``value``, for error messages that never echo a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _text_content(content: Any, index: int) -> str:
    """A message's text: a string, or the text parts of an OpenAI content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                raise RequestError(
                    f"Message {index + 1}: only text content is supported.",
                    param=f"messages[{index}].content",
                )
            text = part.get("text")
            if not isinstance(text, str):
                raise RequestError(
                    f"Message {index + 1}: a text part needs a string 'text', not "
                    f"{_json_type(text)}.",
                    param=f"messages[{index}].content",
                )
            parts.append(text)
        return "".join(parts)
    raise RequestError(
        f"Message {index + 1} needs a text 'content', not {_json_type(content)}.",
        param=f"messages[{index}].content",
    )


def parse_messages(raw: Any) -> list[ChatMessage]:
    """OpenAI chat messages as the engine's role/content pairs; only text, only the roles a
    chat template knows."""
    from app.core.backend import ChatMessage

    if not isinstance(raw, list) or not raw:
        raise RequestError("'messages' must be a non-empty list.", param="messages")
    messages: list[ChatMessage] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise RequestError(f"Message {i + 1} is not an object.", param=f"messages[{i}]")
        given = item.get("role")
        role = ROLES.get(given) if isinstance(given, str) else None
        if role is None:
            shown = repr(given[:40]) if isinstance(given, str) else _json_type(given)
            raise RequestError(
                f"Message {i + 1} has role {shown}; supported roles are system, developer, "
                "user and assistant.",
                param=f"messages[{i}].role",
            )
        messages.append(ChatMessage(role=role, content=_text_content(item.get("content"), i)))  # type: ignore[typeddict-item]
    return messages


def _number(body: dict[str, Any], key: str, kind: type, low: float, high: float) -> Any:
    """``body[key]`` as ``kind`` if it is a number within ``[low, high]``; None if absent.

    Booleans, strings, NaN, infinities and (for whole-number fields) fractions are refused,
    never coerced: ``"max_tokens": 1.5`` is a mistake the client should hear about.
    """
    value = body.get(key)
    if value is None:
        return None
    whole = kind is int
    kind_name = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestError(f"'{key}' must be {kind_name}, not {_json_type(value)}.", param=key)
    if whole and isinstance(value, float) and not value.is_integer():
        raise RequestError(f"'{key}' must be a whole number.", param=key)
    if not low <= value <= high:  # NaN fails too
        raise RequestError(f"'{key}' must be between {low:,g} and {high:,g}.", param=key)
    return kind(value)


def _optional_bool(body: dict[str, Any], key: str) -> bool:
    value = body.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise RequestError(f"'{key}' must be true or false, not {_json_type(value)}.", param=key)
    return value


def _json_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema ``response_format`` asks the reply to follow, if any."""
    response_format = body.get("response_format")
    if response_format is None:
        return None
    if not isinstance(response_format, dict):
        raise RequestError("'response_format' must be an object.", param="response_format")
    kind_name = response_format.get("type")
    if kind_name == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise RequestError(
                "'response_format.json_schema.schema' must be an object.",
                param="response_format",
            )
        return schema
    if kind_name == "json_object":
        schema = response_format.get("schema")
        if schema is None:
            return {"type": "object"}
        if not isinstance(schema, dict):
            raise RequestError(
                "'response_format.schema' must be an object.", param="response_format"
            )
        return schema
    if kind_name in (None, "text"):
        return None
    shown = repr(kind_name[:40]) if isinstance(kind_name, str) else _json_type(kind_name)
    raise RequestError(
        f"Unsupported response_format type {shown}; use text, json_object or json_schema.",
        param="response_format",
    )


def parse_generation(
    body: dict[str, Any], defaults: SamplingParams, messages: list[ChatMessage]
) -> Generation:
    """Sampling, structured output and logprobs from an OpenAI request body.

    Every field is checked for its type and range here, so nothing malformed reaches the
    engine: the engine's own errors are then the engine's fault, and a 500.
    """
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise RequestError(f"'model' must be a string, not {_json_type(model)}.", param="model")
    n = _number(body, "n", int, -(2**63), 2**63 - 1)
    if n not in (None, 1):
        raise RequestError("Only n=1 is supported: the engine generates one reply.", param="n")
    overrides: dict[str, Any] = {}
    for key, field_name, kind, low, high in (
        ("temperature", "temperature", float, 0.0, 2.0),
        ("top_p", "top_p", float, 0.0, 1.0),
        ("top_k", "top_k", int, 0, 1000),
        ("min_p", "min_p", float, 0.0, 1.0),
        ("repeat_penalty", "repeat_penalty", float, 0.5, 2.0),
        ("max_completion_tokens", "max_tokens", int, 1, 262_144),
        ("max_tokens", "max_tokens", int, 1, 262_144),
        ("seed", "seed", int, -(2**63), 2**63 - 1),
    ):
        value = _number(body, key, kind, low, high)
        if value is not None:
            overrides[field_name] = value
    if "seed" in overrides:
        # llama.cpp seeds are 32-bit; OpenAI's are any integer. -1 means "random" in both.
        seed = overrides["seed"]
        overrides["seed"] = None if seed == -1 else seed & 0xFFFFFFFF
    stop = body.get("stop")
    if isinstance(stop, str):
        overrides["stop"] = (stop,)
    elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        if len(stop) > MAX_STOP_STRINGS:
            raise RequestError(f"'stop' may hold at most {MAX_STOP_STRINGS} strings.", param="stop")
        overrides["stop"] = tuple(stop)
    elif stop is not None:
        raise RequestError("'stop' must be a string or a list of strings.", param="stop")
    logprobs = 0
    raw_logprobs = body.get("logprobs")
    if raw_logprobs is True:
        logprobs = max(1, int(_number(body, "top_logprobs", int, 0, 20) or 0))
    elif isinstance(raw_logprobs, int) and not isinstance(raw_logprobs, bool):
        logprobs = int(_number(body, "logprobs", int, 0, 20))  # /v1/completions style
    elif raw_logprobs not in (None, False):
        raise RequestError(
            "'logprobs' must be true or false (or a count from 0 to 20).", param="logprobs"
        )
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise RequestError("'stream_options' must be an object.", param="stream_options")
    return Generation(
        messages=messages,
        params=replace(defaults, **overrides),
        json_schema=_json_schema(body),
        logprobs=logprobs,
        stream=_optional_bool(body, "stream"),
        include_usage=_optional_bool(options or {}, "include_usage"),
    )


# --------------------------------------------------------------------------- engine access


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

        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
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


# --------------------------------------------------------------------------- responses


def _error(
    message: str,
    status: int,
    code: str,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    from starlette.responses import JSONResponse

    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": code, "param": param}},
        status_code=status,
        headers=headers,
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


def bearer_token(header: str) -> str | None:
    """The credentials of an ``Authorization: Bearer <token>`` header, or None.

    The scheme is case-insensitive in HTTP (RFC 9110), and clients differ in spacing, so
    ``bearer  KEY`` counts as well.
    """
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


def _log_internal_error(request: Request) -> None:
    """An unexpected failure: one line on stderr (a server's terminal is for its operator,
    not for tracebacks), the traceback in ``<logs>/serve.log``."""
    where = "<logs>/serve.log"
    try:
        from app.core.paths import app_dirs

        path = app_dirs().logs / "serve.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {request.method} ")
            log.write(f"{request.url.path}\n{traceback.format_exc()}\n")
        where = str(path)
    except OSError:
        pass
    kind = sys.exc_info()[0]
    name = kind.__name__ if kind else "error"
    print(
        f"parley serve: internal error ({name}) on {request.method} {request.url.path}; "
        f"details in {where}",
        file=sys.stderr,
        flush=True,
    )


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
    from starlette.requests import ClientDisconnect
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    from app.core.backend import Done, Error, Stats, Token

    gate = EngineGate(backend)
    created = int(time.time())
    expected = api_key.encode("utf-8")
    policy = hosts or HostPolicy.for_bind(DEFAULT_HOST)

    def authorised(request: Request) -> bool:
        token = bearer_token(request.headers.get("authorization", ""))
        # Starlette decodes headers as latin-1, so this gives back the bytes that were sent.
        return token is not None and secrets.compare_digest(token.encode("latin-1"), expected)

    async def read_body(request: Request) -> dict[str, Any]:
        """The JSON body, refused with 413 as soon as it is known to be too large: from the
        Content-Length, else by counting while it arrives, so it is never held whole."""
        too_large = RequestError(
            f"The request body is larger than the limit of {MAX_BODY_BYTES // 2**20} MiB.",
            413,
            "request_too_large",
        )
        length = request.headers.get("content-length")
        if (
            length is not None
            and _DIGITS.fullmatch(length.strip())
            and int(length) > MAX_BODY_BYTES
        ):
            raise too_large
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise too_large
                chunks.append(chunk)
        except ClientDisconnect:
            raise ClientGone from None
        raw = b"".join(chunks)
        del chunks
        # Parsing and checking up to 8 MiB takes a moment; the other clients need not wait.
        return await asyncio.to_thread(decode_body, raw)

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
                # A refused body may still be arriving: close the connection rather than read
                # (and discard) the rest of it.
                headers = {"Connection": "close"} if exc.status == 413 else None
                return _error(exc.message, exc.status, exc.code, exc.param, headers)
            except ClientGone:
                return Response(status_code=499)  # nobody reads it; uvicorn drops it
            except Exception:
                _log_internal_error(request)
                return _error("Internal error in parley serve.", 500, "internal_error")

        return endpoint

    async def http_error(_request: Request, exc: Exception) -> Response:
        """404 and 405 in the same JSON shape as every other error."""
        assert isinstance(exc, HTTPException)
        messages = {
            404: "There is no such endpoint; see /v1/models, /v1/chat/completions "
            "and /v1/completions.",
            405: "This endpoint does not take that method.",
        }
        return _error(
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

    async def collect(
        request: Request, job: Generation
    ) -> tuple[str, str, Stats | None, list[Any]]:
        parts: list[str] = []
        tokens: list[Any] = []
        stats: Stats | None = None
        reason = "stop"
        async with contextlib.aclosing(watched(request, gate.events(job))) as events:
            async for event in events:
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

    async def sse(request: Request, job: Generation, chat: bool) -> Response:
        """A streamed reply. The first event is awaited before the response starts, so a
        request refused by the engine's checks (too long, a bad schema) is still a plain
        4xx rather than an error in the middle of a 200 stream."""
        ident = f"{'chatcmpl' if chat else 'cmpl'}-{uuid.uuid4().hex}"
        kind = "chat.completion.chunk" if chat else "text_completion"
        events = watched(request, gate.events(job))
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
                _log_internal_error(request)
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
            return await sse(request, job, chat=True)
        text, reason, stats, tokens = await collect(request, job)
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
            raise RequestError("'prompt' must be a non-empty string.", param="prompt")
        job = parse_generation(body, defaults, [ChatMessage(role="user", content=prompt)])
        if job.stream:
            return await sse(request, job, chat=False)
        text, reason, stats, _tokens = await collect(request, job)
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
        ],
        middleware=[Middleware(HostGuard, policy=policy)],
        exception_handlers={HTTPException: http_error},
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
    try:
        policy = HostPolicy.for_bind(host, getattr(args, "allow_host", None) or ())
    except ValueError as exc:
        raise CliError(f"--allow-host {exc} is not a host name or IP address") from None
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
            app = build_app(backend, key, model_id, default_sampling(info.model_id), policy)
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
        "/v1/models. Listens on 127.0.0.1 with a random API key unless told otherwise, and "
        "answers only requests addressed to 127.0.0.1, localhost, [::1], the address it "
        "listens on or a name given with --allow-host.",
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
    serve.add_argument(
        "--allow-host",
        dest="allow_host",
        action="append",
        metavar="NAME",
        default=[],
        help="also answer requests addressed to this host name (repeatable), e.g. the "
        "computer's name on the network or a reverse proxy's",
    )
    serve.add_argument("--model", default=argparse.SUPPRESS, help="catalogue id or .gguf path")
    serve.add_argument(
        "--threads", type=bounded("threads"), default=argparse.SUPPRESS, help="CPU threads"
    )
    serve.add_argument(
        "--context", type=bounded("context_length"), default=argparse.SUPPRESS, help="context"
    )
    serve.set_defaults(func=cmd_serve)
