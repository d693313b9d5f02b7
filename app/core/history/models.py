"""The ORM mapping of the history database.

Alembic owns the schema (``migrations/``); these classes describe the head revision so queries
are typed. ``tests/core/test_history_migrations.py`` compares the two, so a column added here
without a migration (or the reverse) fails a test instead of a user's start-up.

The full-text tables (``messages_fts``, ``conversations_fts``) and their triggers are not mapped:
they are SQLite virtual tables maintained entirely by triggers, queried with plain SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC without an offset, returns aware UTC datetimes.

    SQLite has no time-zone type; storing one fixed zone keeps ``ORDER BY`` on the text
    correct, and aware values make exported ISO-8601 times unambiguous.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


# Named constraints keep future batch migrations (SQLite table rebuilds) deterministic.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}  # noqa: RUF012


class ConversationRow(Base):
    __tablename__ = "conversations"
    # AUTOINCREMENT: ids are never reused, so an undo or a stale GUI reference can never
    # point at a different conversation created later.
    __table_args__ = (
        Index("ix_conversations_listing", "deleted_at", "pinned", "updated_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    model_id: Mapped[str] = mapped_column(Text, default="", server_default="")
    system_prompt: Mapped[str] = mapped_column(Text, default="", server_default="")
    sampling: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    pinned: Mapped[bool] = mapped_column(default=False, server_default=text("0"))
    deleted_at: Mapped[datetime | None]
    # The end of the branch the chat shows. ``use_alter``: conversations and messages refer
    # to each other; SQLite accepts the forward reference, the flag only tells SQLAlchemy.
    active_leaf_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL", use_alter=True)
    )


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        Index("ix_messages_parent_id", "parent_id"),
        # Only rows a crash can leave behind; keeps recover_interrupted() an index probe.
        Index("ix_messages_streaming", "status", sqlite_where=text("status = 'streaming'")),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # No ON DELETE CASCADE here: SQLite runs cascades as nested triggers, limited to 1,000
    # levels, and a long chat is deeper than that. The store deletes whole subtrees itself.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    role: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime]
    model_id: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(Text, default="complete", server_default="complete")
    prompt_tokens: Mapped[int | None]
    generated_tokens: Mapped[int | None]
    tokens_per_s: Mapped[float | None] = mapped_column(Float)
    ttft_s: Mapped[float | None] = mapped_column(Float)
    stop_reason: Mapped[str | None] = mapped_column(Text)
    # A reasoning model's thinking, apart from the answer (revision 0003).
    reasoning: Mapped[str] = mapped_column(Text, default="", server_default="")
    reasoning_s: Mapped[float | None] = mapped_column(Float)


class ToolRunRow(Base):
    __tablename__ = "tool_runs"
    __table_args__ = (
        Index("ix_tool_runs_tool_created_at", "tool", "created_at"),
        Index("ix_tool_runs_streaming", "status", sqlite_where=text("status = 'streaming'")),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tool: Mapped[str] = mapped_column(Text)
    input_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    options: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    model_id: Mapped[str] = mapped_column(Text, default="", server_default="")
    output: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(Text, default="complete", server_default="complete")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    created_at: Mapped[datetime]
