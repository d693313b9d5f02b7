"""Export to JSON or Markdown and import of an export, as new conversations.

The formats are in :mod:`.export`; this reads the rows for them and writes an import in one
transaction, so a bad file adds nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.core.history.base import StoreBase
from app.core.history.export import parse_import, to_json, to_markdown
from app.core.history.models import ConversationRow, MessageRow
from app.core.history.records import Conversation, HistoryNotFoundError, Message
from app.core.history.rows import active_leaf, message_count, to_conversation, to_message


class ExchangeMixin(StoreBase):
    """Export and import of the history store."""

    def _export_items(
        self, cids: list[int] | None
    ) -> list[tuple[Conversation, list[Message], int | None]]:
        with self._reading() as s:
            query = select(ConversationRow, message_count())
            if cids is None:
                query = query.where(ConversationRow.deleted_at.is_(None)).order_by(
                    ConversationRow.id
                )
            else:
                query = query.where(ConversationRow.id.in_(cids))
            found = {row.id: (row, count) for row, count in s.execute(query).all()}
            order = [c for c in cids if c in found] if cids is not None else list(found)
            if cids is not None and len(set(order)) != len(set(cids)):
                missing = sorted(set(cids) - set(found))
                raise HistoryNotFoundError(
                    f"Conversation(s) {', '.join(map(str, missing))} do not exist (any more)."
                )
            items = []
            for cid in dict.fromkeys(order):
                row, count = found[cid]
                messages = s.scalars(
                    select(MessageRow)
                    .where(MessageRow.conversation_id == cid)
                    .order_by(MessageRow.id)
                ).all()
                leaf = active_leaf(s, cid)
                items.append((to_conversation(row, count), [to_message(m) for m in messages], leaf))
            return items

    def export_json(self, cids: list[int] | None = None) -> dict[str, Any]:
        """Every branch of the given (default: all not deleted) conversations, as a dict."""
        return to_json(self._export_items(cids))

    def export_markdown(self, cids: list[int] | None = None) -> str:
        """A readable document of what the chat shows (the active branch)."""
        return to_markdown(self._export_items(cids))

    def import_json(self, data: dict[str, Any]) -> list[int]:
        """Add the conversations of an export as new ones; validates everything first.

        Nothing is written unless the whole file is valid, and importing the same file twice
        gives two copies rather than overwriting anything.
        """
        parsed = parse_import(data)
        new_ids: list[int] = []
        with self._writing("import the conversations") as s:
            for conv in parsed:
                row = ConversationRow(
                    title=conv.title,
                    created_at=conv.created,
                    updated_at=conv.updated,
                    model_id=conv.model_id,
                    system_prompt=conv.system_prompt,
                    sampling=conv.sampling,
                    pinned=conv.pinned,
                )
                s.add(row)
                s.flush()
                id_map: dict[object, int] = {}
                for msg in conv.messages:
                    mrow = MessageRow(
                        conversation_id=row.id,
                        parent_id=id_map[msg.parent] if msg.parent is not None else None,
                        role=msg.role,
                        text=msg.text,
                        created_at=msg.created,
                        model_id=msg.model_id,
                        status=msg.status,
                        prompt_tokens=msg.prompt_tokens,
                        generated_tokens=msg.generated_tokens,
                        tokens_per_s=msg.tokens_per_s,
                        ttft_s=msg.ttft_s,
                        stop_reason=msg.stop_reason,
                        reasoning=msg.reasoning,
                        reasoning_s=msg.reasoning_s,
                    )
                    s.add(mrow)
                    s.flush()
                    id_map[msg.ref] = mrow.id
                if conv.active_leaf is not None:
                    row.active_leaf_id = id_map[conv.active_leaf]
                elif id_map:
                    row.active_leaf_id = max(id_map.values())
                new_ids.append(row.id)
        return new_ids
