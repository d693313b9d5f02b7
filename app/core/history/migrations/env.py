"""Alembic environment for the history database.

Normally the store runs the migrations itself (``schema.migrate``) and hands over its own
connection, already inside a ``BEGIN IMMEDIATE`` transaction, so an upgrade is all-or-nothing:
SQLite supports transactional DDL. Run from the ``alembic`` command (developers, tests) the
connection is made here with the same pragmas, from ``-x db=PATH`` or ``sqlalchemy.url``::

    alembic -c app/core/history/alembic.ini -x db=/tmp/try.sqlite3 upgrade head
    alembic -c app/core/history/alembic.ini revision -m "add message tags"
"""

from __future__ import annotations

from pathlib import Path

from alembic import context

from app.core.history.models import Base
from app.core.history.schema import make_engine, sqlite_url

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        # A future ALTER that SQLite cannot do becomes a table rebuild ("move and copy").
        render_as_batch=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        # Migrations run with foreign keys off (see schema.migrate); refuse to commit one
        # that left a message pointing at nothing.
        broken = context.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left broken links: {broken[:5]}")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    db = context.get_x_argument(as_dictionary=True).get("db")
    url = sqlite_url(Path(db)) if db else config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("name the history file: alembic -x db=PATH ... (or sqlalchemy.url)")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")  # before BEGIN, see schema.migrate
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("the history database is migrated online only")
run_migrations_online()
