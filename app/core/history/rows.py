"""Rows to records, and the small queries every part of the store shares.

The store hands out frozen dataclasses, never ORM rows, so a result is safe on any thread and
cannot be changed behind the session's back; these functions do that conversion and the
lookups (a live conversation, the active leaf, a subtree) that several concerns need.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, ScalarSelect, func, literal, select
from sqlalchemy.orm import Session, aliased

from app.core.history.models import ConversationRow, MessageRow, ToolRunRow
from app.core.history.records import Conversation, HistoryNotFoundError, Message, ToolRun


def utc_now() -> datetime:
    """Timestamps are stored in UTC; the GUI shows them in local time."""
    return datetime.now(UTC)


def json_object(value: dict[str, Any], name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a dict")
    try:
        return dict(json.loads(json.dumps(value)))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold only JSON values: {exc}") from exc


def conversation_gone(cid: int) -> HistoryNotFoundError:
    return HistoryNotFoundError(f"Conversation {cid} does not exist (any more).")


def message_gone(mid: int) -> HistoryNotFoundError:
    return HistoryNotFoundError(f"Message {mid} does not exist (any more).")


def live_conversation(s: Session, cid: int) -> ConversationRow:
    row = s.get(ConversationRow, cid)
    if row is None or row.deleted_at is not None:
        raise conversation_gone(cid)
    return row


def message_count() -> ScalarSelect[int]:
    """Per-conversation message count, an index-only lookup per row."""
    return (
        select(func.count(MessageRow.id))
        .where(MessageRow.conversation_id == ConversationRow.id)
        .correlate(ConversationRow)
        .scalar_subquery()
    )


def rowcount(result: Result[Any]) -> int:
    """Rows changed by an UPDATE/DELETE (typed access to ``CursorResult.rowcount``)."""
    return int(cast(CursorResult[Any], result).rowcount)


def active_leaf(s: Session, cid: int) -> int | None:
    """The stored active leaf; if unset (e.g. an old import), the newest message, which is
    always a leaf because a child is created after its parent."""
    leaf = s.scalar(select(ConversationRow.active_leaf_id).where(ConversationRow.id == cid))
    if leaf is not None:
        return int(leaf)
    newest = s.scalar(select(func.max(MessageRow.id)).where(MessageRow.conversation_id == cid))
    return int(newest) if newest is not None else None


def subtree_of(mid: int) -> Any:
    sub = select(literal(mid).label("id")).cte("subtree", recursive=True)
    down = aliased(MessageRow)
    return sub.union_all(select(down.id).join(sub, down.parent_id == sub.c.id))


def newest_leaf_under(s: Session, mid: int) -> int:
    """The newest message in ``mid``'s subtree, which is a leaf (children are newer)."""
    sub = subtree_of(mid)
    return int(s.scalar(select(func.max(sub.c.id))) or mid)


def to_conversation(row: ConversationRow, count: int) -> Conversation:
    return Conversation(
        id=row.id,
        title=row.title,
        created=row.created_at,
        updated=row.updated_at,
        model_id=row.model_id,
        system_prompt=row.system_prompt,
        sampling=dict(row.sampling or {}),
        pinned=bool(row.pinned),
        message_count=int(count),
    )


def to_message(row: MessageRow) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        parent_id=row.parent_id,
        role=row.role,
        text=row.text,
        created=row.created_at,
        model_id=row.model_id,
        status=row.status,
        prompt_tokens=row.prompt_tokens,
        generated_tokens=row.generated_tokens,
        tokens_per_s=row.tokens_per_s,
        ttft_s=row.ttft_s,
        stop_reason=row.stop_reason,
        reasoning=row.reasoning or "",
        reasoning_s=row.reasoning_s,
    )


def to_tool_run(row: ToolRunRow) -> ToolRun:
    return ToolRun(
        id=row.id,
        tool=row.tool,
        input_text=row.input_text,
        options=dict(row.options or {}),
        model_id=row.model_id,
        output=row.output,
        status=row.status,
        extra=dict(row.extra or {}),
        created=row.created_at,
    )
