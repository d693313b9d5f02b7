"""Messages and branches: a tree per conversation, with the active leaf saying what is shown.

Regenerate and edit add siblings rather than overwrite, so every version stays; a reply is
created as "streaming", checkpointed while it is generated and finished with its final
status, so nothing the user saw is lost if the app is killed.
"""

from __future__ import annotations

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.orm import aliased

from app.core.backend import without_surrogates
from app.core.history.base import StoreBase
from app.core.history.models import ConversationRow, MessageRow
from app.core.history.records import (
    FINAL_STATUSES,
    MESSAGE_STATUSES,
    ROLES,
    HistoryNotFoundError,
    Message,
)
from app.core.history.rows import (
    active_leaf,
    live_conversation,
    message_gone,
    newest_leaf_under,
    rowcount,
    subtree_of,
    to_message,
    utc_now,
)


class MessagesMixin(StoreBase):
    """Messages of the history store: adding, streaming replies, threads and branches."""

    def add_message(
        self,
        cid: int,
        role: str,
        text: str,
        *,
        parent_id: int | None = None,
        model_id: str = "",
        status: str = "complete",
    ) -> Message:
        """Store a message and make it the active leaf; committed when this returns.

        ``parent_id`` is the current leaf to continue the thread, the edited message's parent
        to edit (a sibling branch), or None for a first message (a second root is an edit of
        the first message).
        """
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(sorted(ROLES))}, not {role!r}")
        if status not in MESSAGE_STATUSES:
            raise ValueError(f"unknown message status {status!r}")
        text = without_surrogates(text)
        with self._writing("save the message") as s:
            conv = live_conversation(s, cid)
            if parent_id is not None:
                parent = s.get(MessageRow, parent_id)
                if parent is None or parent.conversation_id != cid:
                    raise HistoryNotFoundError(
                        f"Message {parent_id} is not in conversation {cid} (any more)."
                    )
            now = utc_now()
            row = MessageRow(
                conversation_id=cid,
                parent_id=parent_id,
                role=role,
                text=text,
                created_at=now,
                model_id=model_id,
                status=status,
            )
            s.add(row)
            s.flush()
            conv.active_leaf_id = row.id
            conv.updated_at = now
            return to_message(row)

    def start_reply(self, cid: int, parent_id: int, model_id: str) -> Message:
        """An empty assistant message with status "streaming", made the active leaf."""
        return self.add_message(
            cid, "assistant", "", parent_id=parent_id, model_id=model_id, status="streaming"
        )

    def update_reply(self, mid: int, text: str, reasoning: str | None = None) -> None:
        """Checkpoint a streaming reply: one UPDATE and a commit (well under 1 ms).

        A reply that is no longer streaming is left alone, so a late checkpoint can never
        overwrite the final text. ``reasoning`` (when given) is the thinking so far.
        """
        values: dict[str, str] = {"text": without_surrogates(text)}
        if reasoning is not None:
            values["reasoning"] = without_surrogates(reasoning)
        with self._writing("save the reply") as s:
            n = rowcount(
                s.execute(
                    update(MessageRow)
                    .where(MessageRow.id == mid, MessageRow.status == "streaming")
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            )
            if n == 0 and s.get(MessageRow, mid) is None:
                raise message_gone(mid)

    def finish_reply(
        self,
        mid: int,
        text: str,
        *,
        status: str,
        prompt_tokens: int | None = None,
        generated_tokens: int | None = None,
        tokens_per_s: float | None = None,
        ttft_s: float | None = None,
        stop_reason: str | None = None,
        reasoning: str | None = None,
        reasoning_s: float | None = None,
    ) -> Message:
        """Store the final text, status ("complete", "stopped", "failed", ...) and figures;
        ``reasoning`` is the model's thinking, kept apart from the answer."""
        if status not in FINAL_STATUSES:
            raise ValueError(
                f"a finished reply's status must be one of {', '.join(sorted(FINAL_STATUSES))}"
            )
        with self._writing("save the reply") as s:
            row = s.get(MessageRow, mid)
            if row is None:
                raise message_gone(mid)
            row.text = without_surrogates(text)
            row.status = status
            row.prompt_tokens = prompt_tokens
            row.generated_tokens = generated_tokens
            row.tokens_per_s = tokens_per_s
            row.ttft_s = ttft_s
            row.stop_reason = stop_reason
            if reasoning is not None:
                row.reasoning = without_surrogates(reasoning)
                row.reasoning_s = reasoning_s
            s.execute(
                update(ConversationRow)
                .where(ConversationRow.id == row.conversation_id)
                .values(updated_at=utc_now())
                .execution_options(synchronize_session=False)
            )
            s.flush()
            return to_message(row)

    def get_message(self, mid: int) -> Message | None:
        with self._reading() as s:
            row = s.get(MessageRow, mid)
            return to_message(row) if row is not None else None

    def thread(self, cid: int) -> list[Message]:
        """Root to active leaf: the messages the chat shows. One recursive query."""
        with self._reading() as s:
            leaf = active_leaf(s, cid)
            if leaf is None:
                return []
            path = select(literal(leaf).label("id"), literal(0).label("depth")).cte(
                "path", recursive=True
            )
            up = aliased(MessageRow)
            path = path.union_all(
                select(up.parent_id, path.c.depth + 1)
                .join(path, up.id == path.c.id)
                .where(up.parent_id.is_not(None))
            )
            rows = s.scalars(
                select(MessageRow)
                .join(path, MessageRow.id == path.c.id)
                .order_by(path.c.depth.desc())
            ).all()
            return [to_message(r) for r in rows]

    def all_messages(self, cid: int) -> list[Message]:
        """Every message of every branch, oldest first (parents always before children)."""
        with self._reading() as s:
            rows = s.scalars(
                select(MessageRow).where(MessageRow.conversation_id == cid).order_by(MessageRow.id)
            ).all()
            return [to_message(r) for r in rows]

    def siblings(self, mid: int) -> list[Message]:
        """Messages sharing ``mid``'s parent, itself included, oldest first ("2/3")."""
        with self._reading() as s:
            row = s.get(MessageRow, mid)
            if row is None:
                raise message_gone(mid)
            same_parent = (
                MessageRow.parent_id.is_(None)
                if row.parent_id is None
                else MessageRow.parent_id == row.parent_id
            )
            rows = s.scalars(
                select(MessageRow)
                .where(MessageRow.conversation_id == row.conversation_id, same_parent)
                .order_by(MessageRow.id)
            ).all()
            return [to_message(r) for r in rows]

    def switch_branch(self, mid: int) -> None:
        """Show the branch through ``mid``: its newest leaf becomes the active leaf."""
        with self._writing("switch branch") as s:
            row = s.get(MessageRow, mid)
            if row is None:
                raise message_gone(mid)
            leaf = newest_leaf_under(s, mid)
            s.execute(
                update(ConversationRow)
                .where(ConversationRow.id == row.conversation_id)
                .values(active_leaf_id=leaf)
                .execution_options(synchronize_session=False)
            )

    def delete_message(self, mid: int) -> None:
        """Delete a message and everything below it.

        If the active leaf was in the deleted part, the chat falls back to the parent: to the
        newest remaining branch under it (a sibling version), else the parent itself.
        """
        with self._writing("delete the message") as s:
            row = s.get(MessageRow, mid)
            if row is None:
                raise message_gone(mid)
            cid, parent_id = row.conversation_id, row.parent_id
            subtree = subtree_of(mid)
            leaf = s.scalar(select(ConversationRow.active_leaf_id).where(ConversationRow.id == cid))
            leaf_deleted = leaf is None or bool(
                s.scalar(select(func.count()).select_from(subtree).where(subtree.c.id == leaf))
            )
            s.execute(
                delete(MessageRow)
                .where(MessageRow.id.in_(select(subtree.c.id)))
                .execution_options(synchronize_session=False)
            )
            s.expunge_all()
            if leaf_deleted:
                if parent_id is not None:
                    new_leaf: int | None = newest_leaf_under(s, parent_id)
                else:
                    new_leaf = s.scalar(
                        select(func.max(MessageRow.id)).where(MessageRow.conversation_id == cid)
                    )
                s.execute(
                    update(ConversationRow)
                    .where(ConversationRow.id == cid)
                    .values(active_leaf_id=new_leaf, updated_at=utc_now())
                    .execution_options(synchronize_session=False)
                )
