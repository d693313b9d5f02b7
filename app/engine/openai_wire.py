"""The OpenAI-compatible wire format: request bodies, the SSE stream, and errors in words.

Everything here is pure translation between HTTP and Parley's events and messages, with no
connection state, so :mod:`.openai_compat` keeps only what talking to one server needs
(discovery, counting, streaming, cancel).
"""

from __future__ import annotations

import json
import logging
import math
import socket
from collections.abc import Iterator
from contextlib import suppress
from typing import Any, Literal

import httpx

from app.core.backend import BackendError, ChatMessage, Reasoning, SamplingParams, Token
from app.core.reasoning import ReasoningSplitter

log = logging.getLogger(__name__)

Dialect = Literal["llama-server", "llama-cpp-python", "openai"]


def api_root(base_url: str) -> str:
    """``.../v1`` for a base URL given with or without it."""
    base = base_url.rstrip("/")
    return base if base.endswith("/v1") else base + "/v1"


def server_root(base_url: str) -> str:
    """The base URL without ``/v1`` (where llama.cpp's own endpoints live)."""
    base = base_url.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


class Refused(BackendError):
    """The server refused the API key."""


class ServerMessages:
    """What a failure means, in the user's terms, for one server (a mixin of the backend)."""

    host: str
    _connect_timeout: float
    _read_timeout: float

    def _transport_message(self, exc: httpx.HTTPError) -> str:
        if isinstance(exc, httpx.ConnectTimeout):
            return (
                f"The server at {self.host} did not accept the connection within "
                f"{self._connect_timeout:g} s. Check the address and your network."
            )
        if isinstance(exc, httpx.ConnectError):
            return (
                f"Parley cannot reach the server at {self.host} ({failure_reason(exc)}). Check the "
                "address and that the server is running."
            )
        if isinstance(exc, httpx.TimeoutException):
            return (
                f"The server at {self.host} did not answer within {self._read_timeout:g} s; it "
                "may be overloaded. Try again later or use a smaller model."
            )
        return f"The connection to the server at {self.host} failed ({failure_reason(exc)})."

    def _status_error(self, status: int, detail: str) -> BackendError:
        said = f": {detail}" if detail else ""
        if status in (401, 403):
            return Refused(
                f"The server at {self.host} refused the API key (HTTP {status}{said}). Check "
                "the key in the Servers page or give it with --api-key."
            )
        if status == 404:
            return BackendError(
                f"The server at {self.host} does not know this request (HTTP 404{said}). Is the "
                "address the server's base URL?"
            )
        if 400 <= status < 500:
            return BackendError(
                f"The server at {self.host} rejected the request (HTTP {status}{said})."
            )
        return BackendError(f"The server at {self.host} failed (HTTP {status}{said}).")

    def _server_said(self, what: str, chunk: dict[str, Any]) -> str:
        error = chunk.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        return f"The server at {self.host} {what}: {message or 'no reason given'}."

    def _cut_message(self, exc: BaseException | None) -> str:
        why = f" ({failure_reason(exc)})" if exc is not None else ""
        if isinstance(exc, httpx.TimeoutException):
            return (
                f"The server at {self.host} stopped sending the reply for more than "
                f"{self._read_timeout:g} s. The text so far is kept."
            )
        return (
            f"The connection to the server at {self.host} was lost before the reply was "
            f"finished{why}. The text so far is kept."
        )


def chat_body(
    messages: tuple[ChatMessage, ...],
    params: SamplingParams,
    grammar: str | None,
    json_schema: dict[str, Any] | None,
    logprobs: int,
    *,
    model: str,
    dialect: Dialect,
    logprobs_ok: bool,
    host: str,
) -> dict[str, Any]:
    """The ``/v1/chat/completions`` request for this server's dialect.

    llama.cpp's own samplers and a GBNF grammar go only to the servers built on llama.cpp
    (others reject or ignore unknown fields), and structured output takes the form the
    server understands.
    """
    body: dict[str, Any] = {
        "model": model,
        "messages": [dict(m) for m in messages],
        "stream": True,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "max_tokens": params.max_tokens,
    }
    if params.seed is not None:
        body["seed"] = params.seed
    if params.stop:
        body["stop"] = list(params.stop)
    if dialect != "openai":
        # llama.cpp's samplers; other servers would reject or ignore unknown fields.
        body.update(top_k=params.top_k, min_p=params.min_p, repeat_penalty=params.repeat_penalty)
    if dialect == "llama-server":
        body["stream_options"] = {"include_usage": True}
        if params.think is not None:
            # llama-server (and vLLM) hand these to the model's template: Qwen3's switch.
            body["chat_template_kwargs"] = {"enable_thinking": params.think}
    if json_schema is not None:
        if dialect == "llama-cpp-python":
            body["response_format"] = {"type": "json_object", "schema": json_schema}
        else:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": json_schema, "strict": True},
            }
    elif grammar is not None:
        if dialect != "openai":
            body["grammar"] = grammar
        else:
            log.info("server %s takes no GBNF grammar; generating without it", host)
    if logprobs > 0 and logprobs_ok:
        body["logprobs"] = True
        body["top_logprobs"] = logprobs
    return body


def sse_data(lines: Iterator[str]) -> Iterator[str]:
    """The ``data:`` payloads of a server-sent event stream (comments and pings skipped).

    One ``data:`` line per event is what every OpenAI-compatible server sends; multi-line
    events are joined as the SSE specification says.
    """
    pending: list[str] = []
    for line in lines:
        if not line:
            if pending:
                yield "\n".join(pending)
                pending = []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if field == "data":
            pending.append(value.removeprefix(" "))
        elif field == "error":  # llama-server's way of reporting a failure mid-stream
            pending.append(json.dumps({"error": value.strip()}))
    if pending:
        yield "\n".join(pending)


def parse_chunk(data: str) -> dict[str, Any]:
    chunk = json.loads(data)
    if not isinstance(chunk, dict):
        raise ValueError("a stream chunk is not a JSON object")
    return chunk


def tokens_of(
    choice: dict[str, Any], splitter: ReasoningSplitter | None = None
) -> list[Token | Reasoning]:
    """Token and reasoning events for one streamed choice, with log-probabilities when the
    server sent them.

    Reasoning comes as ``reasoning_content`` (llama-server, vLLM, DeepSeek) or ``reasoning``
    (Ollama, LM Studio, OpenRouter) deltas; a server that leaves ``<think>`` tags in the text
    has them split off by ``splitter``, which holds the state across chunks.
    """
    delta = choice.get("delta") or {}
    if not isinstance(delta, dict):
        delta = {}
    events: list[Token | Reasoning] = []
    for key in ("reasoning_content", "reasoning"):
        thought = delta.get(key)
        if isinstance(thought, str) and thought:
            events.append(Reasoning(thought))
            break
    text = delta.get("content")
    if text is None:
        text = choice.get("text")  # /v1/completions shape
    if not text or not isinstance(text, str):
        return events
    if splitter is not None and not splitter.answering:
        original = text
        thought, text = splitter.feed(text)
        if thought:
            events.append(Reasoning(thought))
        if not text:
            return events
        if text != original:  # part of it was reasoning: its figures are not the answer's
            return [*events, Token(text)]
    return [*events, *_answer_tokens(choice, text)]


def _answer_tokens(choice: dict[str, Any], text: str) -> list[Token]:
    entries = (choice.get("logprobs") or {}).get("content") or []
    if not entries:
        return [Token(text)]
    tokens = [_token_from(entry) for entry in entries if isinstance(entry, dict)]
    if len(tokens) > 1 and "".join(t.text for t in tokens) == text:
        return tokens
    first = tokens[0] if tokens else None
    return [Token(text, first.logprob if first else None, first.top if first else ())]


def _token_from(entry: dict[str, Any]) -> Token:
    top = tuple(
        (str(alt.get("token", "")), float(alt["logprob"]))
        for alt in entry.get("top_logprobs") or ()
        if isinstance(alt, dict) and isinstance(alt.get("logprob"), int | float)
    )
    logprob = entry.get("logprob")
    return Token(
        str(entry.get("token", "")),
        float(logprob) if isinstance(logprob, int | float) else None,
        top,
    )


def error_detail(response: httpx.Response) -> str:
    """The server's own words about an error, from the usual JSON shapes or the text."""
    try:
        data = response.json()
    except (ValueError, httpx.ResponseNotRead):
        text = response.text.strip() if response.is_stream_consumed else ""
        return " ".join(text.split())[:300]
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data.get("message")))
        if isinstance(error, dict):
            error = error.get("message") or error.get("msg") or json.dumps(error)
        if isinstance(error, list) and error and isinstance(error[0], dict):  # FastAPI 422
            error = "; ".join(str(e.get("msg", e)) for e in error[:3])
        if error:
            return " ".join(str(error).split())[:300]
    return " ".join(json.dumps(data).split())[:300]


def retryable(exc: httpx.HTTPError) -> bool:
    """Failures before the request reached the server: safe to send again."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def failure_reason(exc: BaseException) -> str:
    text = str(exc).strip()
    if "Connection refused" in text or "ECONNREFUSED" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host name"
    return text or type(exc).__name__


def shutdown_socket(response: httpx.Response) -> None:
    """Wake a reader blocked on this response's socket (close() alone would not)."""
    stream = response.extensions.get("network_stream")
    sock = None
    with suppress(Exception):
        sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def choice_scores(
    top: tuple[tuple[str, float], ...], choices: tuple[str, ...]
) -> tuple[float, ...] | None:
    """Log-probability of each choice, from a server's top alternatives for the first token.

    A server's tokens are unknown here, so an alternative counts for a choice when its text
    (leading space aside) begins that choice and no other: "pos" for "positive", but not
    "ne", which begins both "negative" and "neutral". A choice none of whose beginnings is
    among the alternatives is less likely than the last of them, and gets half its
    probability. None when no alternative names any choice (the caller then generates).
    """
    mass = [0.0] * len(choices)
    for text, logprob in top:
        piece = text.lstrip()
        if not piece:
            continue
        owners = [i for i, choice in enumerate(choices) if choice.startswith(piece)]
        if len(owners) == 1:
            mass[owners[0]] += math.exp(logprob)
    if not any(mass) or not top:
        return None
    floor = min(logprob for _text, logprob in top) - math.log(2)
    return tuple(math.log(m) if m > 0 else floor for m in mass)
