"""Conversations: create, list, rename, pin, change settings, and the bin (soft delete)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from app.core.history.base import StoreBase
from app.core.history.models import ConversationRow, MessageRow
from app.core.history.records import Conversation
from app.core.history.rows import (
    conversation_gone,
    json_object,
    live_conversation,
    message_count,
    rowcount,
    to_conversation,
    utc_now,
)


class ConversationsMixin(StoreBase):
    """Conversations of the history store; their messages are in :mod:`.messages`."""

    def create_conversation(
        self,
        *,
        title: str = "",
        model_id: str = "",
        system_prompt: str = "",
        sampling: dict[str, Any] | None = None,
    ) -> Conversation:
        sampling = json_object(sampling or {}, "sampling")
        now = utc_now()
        with self._writing("create the conversation") as s:
            row = ConversationRow(
                title=title,
                created_at=now,
                updated_at=now,
                model_id=model_id,
                system_prompt=system_prompt,
                sampling=sampling,
                pinned=False,
            )
            s.add(row)
            s.flush()
            return to_conversation(row, 0)

    def get_conversation(self, cid: int) -> Conversation | None:
        """The conversation, or None if it does not exist or is in the bin (soft-deleted)."""
        with self._reading() as s:
            found = s.execute(
                select(ConversationRow, message_count()).where(
                    ConversationRow.id == cid, ConversationRow.deleted_at.is_(None)
                )
            ).first()
            return to_conversation(found[0], found[1]) if found else None

    def list_conversations(self) -> list[Conversation]:
        """Pinned first, then the most recently updated; soft-deleted ones are left out."""
        with self._reading() as s:
            rows = s.execute(
                select(ConversationRow, message_count())
                .where(ConversationRow.deleted_at.is_(None))
                .order_by(
                    ConversationRow.pinned.desc(),
                    ConversationRow.updated_at.desc(),
                    ConversationRow.id.desc(),
                )
            ).all()
            return [to_conversation(row, count) for row, count in rows]

    def list_deleted_conversations(self) -> list[Conversation]:
        """The bin: soft-deleted conversations, most recently deleted first."""
        with self._reading() as s:
            rows = s.execute(
                select(ConversationRow, message_count())
                .where(ConversationRow.deleted_at.is_not(None))
                .order_by(ConversationRow.deleted_at.desc(), ConversationRow.id.desc())
            ).all()
            return [to_conversation(row, count) for row, count in rows]

    def rename_conversation(self, cid: int, title: str) -> None:
        with self._writing("rename the conversation") as s:
            row = live_conversation(s, cid)
            row.title = title
            row.updated_at = utc_now()

    def set_pinned(self, cid: int, pinned: bool) -> None:
        """Pinning does not change ``updated``: it must not reorder the unpinned list."""
        with self._writing("pin the conversation") as s:
            live_conversation(s, cid).pinned = pinned

    def update_conversation(
        self,
        cid: int,
        *,
        system_prompt: str | None = None,
        sampling: dict[str, Any] | None = None,
        model_id: str | None = None,
    ) -> None:
        """Change only the settings given (None leaves a setting as it is)."""
        if sampling is not None:
            sampling = json_object(sampling, "sampling")
        with self._writing("save the conversation settings") as s:
            row = live_conversation(s, cid)
            if system_prompt is not None:
                row.system_prompt = system_prompt
            if sampling is not None:
                row.sampling = sampling
            if model_id is not None:
                row.model_id = model_id
            row.updated_at = utc_now()

    def delete_conversation(self, cid: int) -> None:
        """Soft delete: the conversation leaves the list and search but can be restored."""
        with self._writing("delete the conversation") as s:
            live_conversation(s, cid).deleted_at = utc_now()

    def restore_conversation(self, cid: int) -> None:
        """Undo :meth:`delete_conversation`."""
        with self._writing("restore the conversation") as s:
            row = s.get(ConversationRow, cid)
            if row is None:
                raise conversation_gone(cid)
            row.deleted_at = None

    def purge_deleted(self) -> int:
        """Remove soft-deleted conversations for good; returns how many."""
        with self._writing("empty the bin") as s:
            ids = select(ConversationRow.id).where(ConversationRow.deleted_at.is_not(None))
            # Messages first, in one statement: the parent links are checked at its end.
            s.execute(
                delete(MessageRow)
                .where(MessageRow.conversation_id.in_(ids))
                .execution_options(synchronize_session=False)
            )
            n = rowcount(
                s.execute(
                    delete(ConversationRow)
                    .where(ConversationRow.deleted_at.is_not(None))
                    .execution_options(synchronize_session=False)
                )
            )
        return int(n)
