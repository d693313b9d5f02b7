"""Full-text search (FTS5, kept in step by triggers) and the tool_runs table.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-23

The trigram tokenizer indexes every three-character sequence, so a search finds any part of a
word and works for Chinese and Japanese, which have no spaces between words (the default
``unicode61`` tokenizer would index a whole Chinese sentence as one word). Queries shorter
than three characters are answered without the index (see ``store.search``).

Both indexes are "external content" tables: they store only the index, the text stays in
``messages`` / ``conversations``. The triggers must hand FTS5 exactly the old text on delete,
which is why updates are a delete of the old row followed by an insert of the new one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS = (
    # (index table, content table, indexed column)
    ("messages_fts", "messages", "text"),
    ("conversations_fts", "conversations", "title"),
)


def upgrade() -> None:
    for fts, table, column in _FTS:
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5("
            f"{column}, content='{table}', content_rowid='id', tokenize='trigram')"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_after_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_after_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
            " END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_after_update AFTER UPDATE OF {column} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
            f" INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END"
        )
        # Index what revision 0001 already stored.
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")

    op.create_table(
        "tool_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tool", sa.Text(), nullable=False),
        sa.Column("input_text", sa.Text(), server_default="", nullable=False),
        sa.Column("options", sa.JSON(), server_default="{}", nullable=False),
        sa.Column("model_id", sa.Text(), server_default="", nullable=False),
        sa.Column("output", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.Text(), server_default="complete", nullable=False),
        sa.Column("extra", sa.JSON(), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tool_runs"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_tool_runs_tool_created_at", "tool_runs", ["tool", "created_at"])
    op.create_index(
        "ix_tool_runs_streaming",
        "tool_runs",
        ["status"],
        sqlite_where=sa.text("status = 'streaming'"),
    )


def downgrade() -> None:
    op.drop_table("tool_runs")
    for fts, _table, _column in _FTS:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_after_{event}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
