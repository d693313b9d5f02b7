"""Export to Markdown (to read) and JSON (to keep or move), and checked import of that JSON.

The JSON keeps every branch: each message has an ``id`` local to the file and a ``parent``
pointing at an earlier one, so edits and regenerations survive a round trip. Times are
ISO-8601 with an offset. Markdown shows what the chat shows, the active branch, because a
document with every alternative reply interleaved would be unreadable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.history.records import (
    MESSAGE_STATUSES,
    ROLES,
    Conversation,
    HistoryImportError,
    Message,
)

FORMAT = "parley-history"
VERSION = 1

ExportItem = tuple[Conversation, list[Message], int | None]  # conversation, messages, leaf

_ROLE_LABELS = {"user": "User", "assistant": "Assistant", "system": "System"}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def to_json(items: Sequence[ExportItem]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported": _iso(datetime.now(UTC)),
        "conversations": [_conversation_json(c, msgs, leaf) for c, msgs, leaf in items],
    }


def _conversation_json(
    conv: Conversation, messages: list[Message], leaf: int | None
) -> dict[str, Any]:
    return {
        "id": conv.id,
        "title": conv.title,
        "created": _iso(conv.created),
        "updated": _iso(conv.updated),
        "model": conv.model_id,
        "system_prompt": conv.system_prompt,
        "sampling": conv.sampling,
        "pinned": conv.pinned,
        "active_leaf": leaf,
        "messages": [
            {
                "id": m.id,
                "parent": m.parent_id,
                "role": m.role,
                "text": m.text,
                "model": m.model_id,
                "created": _iso(m.created),
                "status": m.status,
                "interrupted": m.interrupted,
                "prompt_tokens": m.prompt_tokens,
                "generated_tokens": m.generated_tokens,
                "tokens_per_s": m.tokens_per_s,
                "ttft_s": m.ttft_s,
                "stop_reason": m.stop_reason,
                "reasoning": m.reasoning,
                "reasoning_s": m.reasoning_s,
            }
            for m in messages
        ],
    }


def _local(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def _thread(messages: list[Message], leaf: int | None) -> list[Message]:
    by_id = {m.id: m for m in messages}
    path: list[Message] = []
    current = by_id.get(leaf) if leaf is not None else None
    while current is not None:
        path.append(current)
        current = by_id.get(current.parent_id) if current.parent_id is not None else None
    return path[::-1]


def to_markdown(items: Sequence[ExportItem]) -> str:
    parts = [_conversation_markdown(c, msgs, leaf) for c, msgs, leaf in items]
    return "\n\n".join(parts).rstrip() + "\n"


def _conversation_markdown(conv: Conversation, messages: list[Message], leaf: int | None) -> str:
    thread = _thread(messages, leaf)
    lines = [f"# {conv.title.strip() or 'Untitled conversation'}", ""]
    facts = []
    if conv.model_id:
        facts.append(f"Model: {conv.model_id}")
    facts.append(f"Started: {_local(conv.created)}")
    facts.append(f"Last updated: {_local(conv.updated)}")
    lines += [f"- {fact}" for fact in facts]
    if len(messages) > len(thread):
        hidden = len(messages) - len(thread)
        lines.append(
            f"- {hidden} message(s) on other branches are not shown (the JSON export keeps them)"
        )
    if conv.system_prompt.strip():
        lines += ["", "**System prompt:**", ""]
        lines += ["> " + line if line else ">" for line in conv.system_prompt.splitlines()]
    for m in thread:
        label = _ROLE_LABELS.get(m.role, m.role.capitalize())
        heading = f"### {label}"
        if m.role == "assistant" and m.model_id:
            heading += f" ({m.model_id})"
        heading += f" · {_local(m.created)}"
        lines += ["", "---", "", heading, ""]
        if m.reasoning.strip():
            # A collapsed block in every Markdown viewer that renders HTML, readable in others.
            summary = _thought_for(m.reasoning_s)
            lines += ["<details>", f"<summary>{summary}</summary>", ""]
            lines += [m.reasoning.strip(), "", "</details>", ""]
        lines.append(m.text.rstrip() or "*(no text)*")
        if m.status == "interrupted":
            lines += ["", "> **Interrupted:** Parley closed before this reply was finished."]
        elif m.status == "stopped":
            lines += ["", "> *Stopped before the end.*"]
        elif m.status == "failed":
            lines += ["", "> **Failed:** the model reported an error while writing this reply."]
        elif m.status == "streaming":
            lines += ["", "> *Still being written when exported.*"]
    return "\n".join(lines)


def _thought_for(seconds: float | None) -> str:
    if seconds is None or seconds <= 0:
        return "Thinking"
    return f"Thought for {max(1, round(seconds))} s"


# -- import ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportMessage:
    ref: object  # the message's id in the file
    parent: object | None
    role: str
    text: str
    created: datetime
    model_id: str
    status: str
    prompt_tokens: int | None
    generated_tokens: int | None
    tokens_per_s: float | None
    ttft_s: float | None
    stop_reason: str | None
    reasoning: str = ""
    reasoning_s: float | None = None


@dataclass(frozen=True)
class ImportConversation:
    title: str
    created: datetime
    updated: datetime
    model_id: str
    system_prompt: str
    sampling: dict[str, Any]
    pinned: bool
    active_leaf: object | None
    messages: list[ImportMessage]


def _fail(where: str, problem: str) -> HistoryImportError:
    return HistoryImportError(f"This file cannot be imported: {where}{problem}.")


def _text(obj: dict[str, Any], key: str, where: str, default: str = "") -> str:
    value = obj.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise _fail(where, f"'{key}' must be text")
    return value


def _time(obj: dict[str, Any], key: str, where: str, default: datetime) -> datetime:
    value = obj.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise _fail(where, f"'{key}' must be an ISO-8601 date and time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(where, f"'{key}' is not a valid date and time ({value!r})") from None
    # A time without an offset is taken as UTC, the zone Parley writes.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _count(obj: dict[str, Any], key: str, where: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(where, f"'{key}' must be a whole number of at least 0")
    return value


def _number(obj: dict[str, Any], key: str, where: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(where, f"'{key}' must be a number")
    if value < 0:
        raise _fail(where, f"'{key}' must not be negative")
    return float(value)


def _ref(value: object, where: str, key: str) -> object:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _fail(where, f"'{key}' must be a number or text")
    return value


def parse_import(data: object) -> list[ImportConversation]:
    """Check a whole export before anything is written; errors say where and what."""
    if not isinstance(data, dict):
        raise HistoryImportError(
            "This file is not a Parley history export: it does not hold a JSON object."
        )
    if data.get("format") != FORMAT:
        raise HistoryImportError(
            "This file is not a Parley history export "
            f'(expected "format": "{FORMAT}", found {data.get("format")!r}).'
        )
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise HistoryImportError("This file cannot be imported: 'version' must be 1.")
    if version > VERSION:
        raise HistoryImportError(
            f"This export was made by a newer version of Parley (format version {version}); "
            "update Parley to import it."
        )
    conversations = data.get("conversations")
    if not isinstance(conversations, list):
        raise HistoryImportError("This file cannot be imported: 'conversations' must be a list.")
    now = datetime.now(UTC)
    return [_parse_conversation(c, i, now) for i, c in enumerate(conversations, start=1)]


def _parse_conversation(raw: object, index: int, now: datetime) -> ImportConversation:
    where = f"conversation {index}: "
    if not isinstance(raw, dict):
        raise _fail(where, "must be a JSON object")
    raw_messages = raw.get("messages", [])
    if not isinstance(raw_messages, list):
        raise _fail(where, "'messages' must be a list")
    sampling = raw.get("sampling", {})
    if sampling is None:
        sampling = {}
    if not isinstance(sampling, dict):
        raise _fail(where, "'sampling' must be a JSON object")
    pinned = raw.get("pinned", False)
    if not isinstance(pinned, bool):
        raise _fail(where, "'pinned' must be true or false")
    created = _time(raw, "created", where, now)

    # Without ids and parents at all (a hand-made file), messages form one straight thread.
    linked = any(isinstance(m, dict) and ("id" in m or "parent" in m) for m in raw_messages)
    messages: list[ImportMessage] = []
    seen: set[object] = set()
    previous: object | None = None
    for j, m in enumerate(raw_messages, start=1):
        mwhere = f"{where}message {j}: "
        if not isinstance(m, dict):
            raise _fail(mwhere, "must be a JSON object")
        if linked:
            if "id" not in m:
                raise _fail(mwhere, "'id' is missing (other messages have one)")
            ref = _ref(m["id"], mwhere, "id")
            if ref in seen:
                raise _fail(mwhere, f"the id {ref!r} is used twice")
            parent = m.get("parent")
            if parent is not None:
                parent = _ref(parent, mwhere, "parent")
                if parent not in seen:
                    raise _fail(mwhere, f"'parent' {parent!r} is not an earlier message")
        else:
            ref, parent = j, previous
        role = m.get("role")
        if role not in ROLES:
            raise _fail(mwhere, f"'role' must be one of {', '.join(sorted(ROLES))}")
        status = _text(m, "status", mwhere, "complete")
        if status not in MESSAGE_STATUSES:
            raise _fail(mwhere, f"'status' {status!r} is not known")
        interrupted = m.get("interrupted", False)
        if not isinstance(interrupted, bool):
            raise _fail(mwhere, "'interrupted' must be true or false")
        if interrupted or status == "streaming":
            # Nothing is writing this reply any more.
            status = "interrupted"
        if m.get("text") is None:
            raise _fail(mwhere, "'text' is missing")
        stop_reason = m.get("stop_reason")
        if stop_reason is not None and not isinstance(stop_reason, str):
            raise _fail(mwhere, "'stop_reason' must be text")
        messages.append(
            ImportMessage(
                ref=ref,
                parent=parent,
                role=str(role),
                text=_text(m, "text", mwhere),
                created=_time(m, "created", mwhere, created),
                model_id=_text(m, "model", mwhere),
                status=status,
                prompt_tokens=_count(m, "prompt_tokens", mwhere),
                generated_tokens=_count(m, "generated_tokens", mwhere),
                tokens_per_s=_number(m, "tokens_per_s", mwhere),
                ttft_s=_number(m, "ttft_s", mwhere),
                stop_reason=stop_reason,
                reasoning=_text(m, "reasoning", mwhere),
                reasoning_s=_number(m, "reasoning_s", mwhere),
            )
        )
        seen.add(ref)
        previous = ref

    active_leaf = raw.get("active_leaf")
    if active_leaf is not None:
        active_leaf = _ref(active_leaf, where, "active_leaf")
        if active_leaf not in seen:
            raise _fail(where, f"'active_leaf' {active_leaf!r} is not one of its messages")
    last_time = max((m.created for m in messages), default=created)
    return ImportConversation(
        title=_text(raw, "title", where),
        created=created,
        updated=_time(raw, "updated", where, last_time),
        model_id=_text(raw, "model", where),
        system_prompt=_text(raw, "system_prompt", where),
        sampling=sampling,
        pinned=pinned,
        active_leaf=active_leaf,
        messages=messages,
    )
