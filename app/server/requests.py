"""OpenAI request bodies as the engine's types: messages, sampling, structured output.

Every field is checked for its type and range here, never coerced, so nothing malformed
reaches the engine: a refusal names the field (``param``) and never echoes its value, and an
error from the engine afterwards is the engine's fault. ``/v1/completions`` sends its prompt
as one user message through the model's chat template: the local engine speaks chat only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from app.server.errors import RequestError, json_type

if TYPE_CHECKING:
    from app.core.backend import ChatMessage, SamplingParams

MAX_STOP_STRINGS = 16
# OpenAI's roles as a chat template knows them ("developer" is OpenAI's newer "system").
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


@dataclass(frozen=True)
class Generation:
    """What one request asks the engine for."""

    messages: list[ChatMessage]
    params: SamplingParams
    json_schema: dict[str, Any] | None
    logprobs: int
    stream: bool
    include_usage: bool


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
                    f"{json_type(text)}.",
                    param=f"messages[{index}].content",
                )
            parts.append(text)
        return "".join(parts)
    raise RequestError(
        f"Message {index + 1} needs a text 'content', not {json_type(content)}.",
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
            shown = repr(given[:40]) if isinstance(given, str) else json_type(given)
            raise RequestError(
                f"Message {i + 1} has role {shown}; supported roles are system, developer, "
                "user and assistant.",
                param=f"messages[{i}].role",
            )
        messages.append(ChatMessage(role=role, content=_text_content(item.get("content"), i)))  # type: ignore[typeddict-item]
    return messages


def parse_prompt(body: dict[str, Any]) -> list[ChatMessage]:
    """A ``/v1/completions`` prompt (a string, or a list of one string) as one user message."""
    from app.core.backend import ChatMessage

    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if not isinstance(prompt, str) or not prompt:
        raise RequestError("'prompt' must be a non-empty string.", param="prompt")
    return [ChatMessage(role="user", content=prompt)]


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
        raise RequestError(f"'{key}' must be {kind_name}, not {json_type(value)}.", param=key)
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
        raise RequestError(f"'{key}' must be true or false, not {json_type(value)}.", param=key)
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
    shown = repr(kind_name[:40]) if isinstance(kind_name, str) else json_type(kind_name)
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
        raise RequestError(f"'model' must be a string, not {json_type(model)}.", param="model")
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
    kwargs = body.get("chat_template_kwargs")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise RequestError(
            "'chat_template_kwargs' must be an object.", param="chat_template_kwargs"
        )
    think = (kwargs or {}).get("enable_thinking")
    if think is not None and not isinstance(think, bool):
        raise RequestError(
            "'chat_template_kwargs.enable_thinking' must be true or false.",
            param="chat_template_kwargs",
        )
    if think is not None:
        overrides["think"] = think
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
