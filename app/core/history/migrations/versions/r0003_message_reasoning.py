"""A reasoning model's thinking, kept apart from its answer.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

``reasoning`` holds what a model wrote between ``<think>`` and ``</think>``; ``reasoning_s``
how long it thought. The answer stays in ``text``, so search, the context sent back to the
model and the exports of older versions see only the answer. Adding columns with constant
defaults is an ``ALTER TABLE … ADD COLUMN`` in SQLite: instant, no table rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("reasoning", sa.Text(), server_default="", nullable=False))
    op.add_column("messages", sa.Column("reasoning_s", sa.Float(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place; a batch rebuild would lose the search triggers.
    op.execute("ALTER TABLE messages DROP COLUMN reasoning_s")
    op.execute("ALTER TABLE messages DROP COLUMN reasoning")
