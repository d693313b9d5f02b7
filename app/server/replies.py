"""Whole (non-streamed) replies in OpenAI's shapes, and the parts streamed replies share.

``usage`` and the logprobs entries are written once here, so a streamed reply and a plain
one of the same request report the same counts and the same tokens.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

from app.server.errors import RequestError

if TYPE_CHECKING:
    from app.core.backend import Event, Stats


def usage(stats: Stats | None) -> dict[str, Any]:
    """OpenAI's ``usage`` from the engine's counts (zeros when it sent none); the tokens
    spent thinking are counted in ``completion_tokens`` and named in its details, as
    OpenAI does for its reasoning models."""
    prompt = stats.prompt_tokens if stats else 0
    generated = stats.generated_tokens if stats else 0
    out: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": generated,
        "total_tokens": prompt + generated,
    }
    if stats is not None and stats.reasoning_tokens:
        out["completion_tokens_details"] = {"reasoning_tokens": stats.reasoning_tokens}
    return out


def logprobs_entry(event: Any) -> dict[str, Any] | None:
    """One token's logprobs in OpenAI's shape, or None when the engine sent none for it."""
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


async def collect(
    events: AsyncGenerator[Event, None],
) -> tuple[str, str, Stats | None, list[Any], str]:
    """A whole reply from ``events`` (closed however this ends, which stops the engine):
    its text, finish reason, counts, tokens and reasoning. An engine error is a 500."""
    from app.core.backend import Done, Error, Reasoning, Stats, Token

    parts: list[str] = []
    thoughts: list[str] = []
    tokens: list[Any] = []
    stats: Stats | None = None
    reason = "stop"
    async with contextlib.aclosing(events) as running:
        async for event in running:
            if isinstance(event, Token):
                parts.append(event.text)
                tokens.append(event)
            elif isinstance(event, Reasoning):
                thoughts.append(event.text)
            elif isinstance(event, Stats):
                stats = event
            elif isinstance(event, Error):
                raise RequestError(event.message, 500, "engine_error")
            elif isinstance(event, Done):
                reason = event.reason
    reply = "".join(parts)
    return reply, ("length" if reason == "length" else "stop"), stats, tokens, "".join(thoughts)


def chat_completion(
    model_id: str,
    text: str,
    reason: str,
    stats: Stats | None,
    *,
    tokens: list[Any],
    logprobs: int,
    reasoning: str = "",
) -> dict[str, Any]:
    """A ``chat.completion`` object, with the tokens' logprobs when ``logprobs`` asked and
    the model's reasoning as ``reasoning_content``, the way llama-server returns it."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if reasoning.strip():
        message["reasoning_content"] = reasoning.strip()
    content = None
    if logprobs:
        content = {"content": [e for e in map(logprobs_entry, tokens) if e]}
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model_id,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": content,
                "finish_reason": reason,
            }
        ],
        "usage": usage(stats),
    }


def text_completion(model_id: str, text: str, reason: str, stats: Stats | None) -> dict[str, Any]:
    """A ``text_completion`` object (``/v1/completions``)."""
    return {
        "id": f"cmpl-{uuid.uuid4().hex}",
        "object": "text_completion",
        "created": int(time.time()),
        "model": model_id,
        "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": reason}],
        "usage": usage(stats),
    }
