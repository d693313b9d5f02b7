"""Connecting to the history file and bringing its schema to the current revision.

Alembic is configured from code (no ``alembic.ini`` needed at run time) with the migrations
folder found next to this module, so it works from a source checkout, a wheel and a PyInstaller
bundle alike (the bundle must ship ``app/core/history/migrations`` as data files, because Alembic
loads revision files from disk).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from alembic.config import Config

from app.core.history.records import HistoryOpenError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest migration's id. A file already at this revision opens without importing Alembic
# (11 MB of the app's idle memory); tests check it matches the migrations folder.
HEAD_REVISION = "0003"
# An execution option that makes a transaction start with BEGIN IMMEDIATE (see make_engine).
WRITE_OPTION = "parley_write"
DEFAULT_BUSY_TIMEOUT_S = 5.0


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(url: str, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Engine:
    """An engine whose connections are safe to share between the GUI and worker threads.

    - ``check_same_thread=False``: a pooled connection may be used by another thread later;
      the store never uses one connection from two threads at once (a session per call).
    - The driver's own transaction handling is switched off and SQLAlchemy's ``begin`` emits
      the BEGIN: writes use ``BEGIN IMMEDIATE`` so a writer waits for the lock (busy timeout)
      up front, instead of failing with SQLITE_BUSY half-way when a read transaction has to be
      upgraded while another thread writes.
    - ``synchronous=NORMAL`` in WAL mode: a commit survives the app being killed (tested with
      SIGKILL); only a power cut can undo the last few commits, never corrupt the file. It makes
      the once-a-second checkpoint of a streaming reply cost well under a millisecond.
    """
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_s},
    )

    opened: list[Any] = []
    engine.parley_connections = opened  # type: ignore[attr-defined]  # see keep_wal_on_close

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        opened.append(dbapi_connection)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            cursor.execute("PRAGMA cache_size = -16000")  # 16 MB: search touches the index a lot
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE = 1006


def keep_wal_on_close(engine: Engine) -> None:
    """Tell every connection of ``engine`` not to checkpoint the WAL when it closes.

    Closing the last connection normally copies the WAL into the database, writing the
    memory-mapped ``-shm`` index on the way. When the files were made immutable or
    read-only while open, that write kills the process with SIGBUS. Skipping the
    checkpoint leaves the WAL beside the file, where the next open replays it: nothing is
    lost. Python 3.12 has ``Connection.setconfig``; on 3.11 the same SQLite call is made
    through ctypes on CPython's connection object, whose first field is the ``sqlite3*``.
    """
    for connection in getattr(engine, "parley_connections", ()):
        try:
            _no_checkpoint_on_close(connection)
        except Exception as exc:  # best effort: a failure here only risks the old behaviour
            log.warning("history: could not keep the WAL on close: %s", exc)


def _no_checkpoint_on_close(connection: Any) -> None:
    setconfig = getattr(connection, "setconfig", None)
    if setconfig is not None:
        setconfig(
            getattr(sqlite3, "SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE", SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE),
            True,
        )
        return
    import ctypes
    import sys

    if (
        sys.implementation.name != "cpython"
        or sys.version_info[:2] != (3, 11)
        or hasattr(sys, "gettotalrefcount")  # a debug build has a longer object header
        or not isinstance(connection, sqlite3.Connection)
    ):
        return
    import _sqlite3

    library = ctypes.CDLL(_sqlite3.__file__)
    db_config = library.sqlite3_db_config
    db_config.restype = ctypes.c_int
    header = ctypes.sizeof(ctypes.c_ssize_t) + ctypes.sizeof(ctypes.c_void_p)
    handle = ctypes.c_void_p.from_address(id(connection) + header).value
    if not handle:
        return
    result = ctypes.c_int(-1)
    db_config(
        ctypes.c_void_p(handle),
        ctypes.c_int(SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE),
        ctypes.c_int(1),
        ctypes.byref(result),
    )


def alembic_config(url: str | None = None) -> Config:
    """Alembic settings built in code, for the store and for tests driving ``alembic.command``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def _stamped_revision(engine: Engine) -> str | None:
    """The revision Alembic recorded in the file, read with plain SQL (None if there is none)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except OperationalError:
        return None  # no such table: a new or foreign file, which migrate() looks at closely
    return str(rows[0][0]) if len(rows) == 1 else None


def migrate(engine: Engine, path: Path) -> Path | None:
    """Create or upgrade the schema; returns the backup made first, if any.

    A database that already holds data is copied to ``<name>.bak-<revision>`` before the
    upgrade runs, and the upgrade itself is one transaction: if it fails, the file is as it was.
    """
    if _stamped_revision(engine) == HEAD_REVISION:
        return None  # the usual start: nothing to do, and no need to load Alembic
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    cfg = alembic_config()
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        tables = set(inspect(conn).get_table_names()) - {"sqlite_sequence"}
    if current == head:
        return None
    if current is None and tables:
        raise HistoryOpenError(
            f"{path} is an SQLite database but not a Parley history file, so Parley will not "
            "change it. Choose another location for the history in Settings.",
            path=path,
            reason="other",
        )
    backup: Path | None = None
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError:
            raise HistoryOpenError(
                f"The history file {path} was written by a newer version of Parley "
                f"(schema {current}). Update Parley to open it; the file was not changed.",
                path=path,
                reason="other",
            ) from None
        backup = backup_database(path, current)
        log.info("history: backed up %s to %s before migrating from %s", path, backup, current)
    with engine.execution_options(**{WRITE_OPTION: True}).connect() as conn:
        # Foreign keys off while migrating, as SQLite's ALTER TABLE guide requires: a batch
        # migration rebuilds a table by dropping it, and with foreign keys on that drop would
        # cascade and delete every message. env.py checks the links before committing.
        # The pragma is a no-op inside a transaction, hence the raw connection, before BEGIN.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except (CommandError, RuntimeError) as exc:
            raise HistoryOpenError(
                f"The history file {path} could not be upgraded ({exc}). It was left as it was.",
                path=path,
                reason="other",
            ) from exc
        finally:
            raw.execute("PRAGMA foreign_keys = ON")
    log.info("history: schema of %s is now at %s", path, head)
    return backup


def backup_database(path: Path, revision: str) -> Path:
    """A consistent copy of the database (WAL content included) next to it.

    SQLite's online backup API is used rather than a file copy: the ``-wal`` file may hold
    committed data that a plain copy of the main file would miss.
    """
    target = path.with_name(f"{path.name}.bak-{revision}")
    if target.exists():
        target = path.with_name(f"{path.name}.bak-{revision}-{time.strftime('%Y%m%d-%H%M%S')}")
    partial = target.with_name(target.name + ".part")
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    finally:
        src.close()
    return target
