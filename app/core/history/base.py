"""Opening, closing and sessions of the history file: what every part of the store stands on.

Threading: the GUI thread and a worker thread may call one store at the same time. Every call
opens its own short session on a pooled connection (``check_same_thread=False``) and SQLite's
locking serialises the writers; readers never wait for writers in WAL mode.

Opening checks the file before SQLite and Alembic touch it (see :mod:`.failures`), upgrades
its schema, and at start-up :meth:`StoreBase.recover_interrupted` marks replies a crash left
"streaming" as "interrupted", keeping their text.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self

from sqlalchemy import Engine, text, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.core.history.failures import (
    check_header,
    check_writable,
    classify,
    error_detail,
    open_error,
    probe,
    write_message,
)
from app.core.history.models import MessageRow, ToolRunRow
from app.core.history.records import HistoryError, HistoryOpenError, HistoryWriteError
from app.core.history.rows import rowcount
from app.core.history.schema import (
    DEFAULT_BUSY_TIMEOUT_S,
    WRITE_OPTION,
    keep_wal_on_close,
    make_engine,
    migrate,
    sqlite_url,
)
from app.core.paths import app_dirs
from app.core.settings import HISTORY_FILE

log = logging.getLogger(__name__)


def default_history_path() -> Path:
    """Where the history lives unless Settings or the command line choose another file."""
    return app_dirs().data / HISTORY_FILE


class StoreBase:
    """The file, its connections and the two kinds of session every concern of the store uses.

    The concerns (conversations, messages, tool runs, search, export) are mixins on top of
    this class, and :class:`~app.core.history.store.HistoryStore` is all of them in one.
    """

    def __init__(self, path: Path, engine: Engine) -> None:
        """Use :meth:`open`, which also checks and migrates the file."""
        self.path = path
        self._engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        self._closed = False
        self.backup_path: Path | None = None  # the copy made before a migration, if any
        # Set by open_for_reading when the file itself could not be opened for writing:
        # the store then reads a private copy of it, and refuses every write.
        self.read_only_source: Path | None = None
        self._scratch: Path | None = None
        self._wal = path.with_name(path.name + "-wal")
        self._shm = path.with_name(path.name + "-shm")

    # -- opening and closing ---------------------------------------------------------------

    @classmethod
    def open(
        cls, path: Path | None = None, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S
    ) -> Self:
        """Open (creating or upgrading) the history file; raises :class:`HistoryOpenError`."""
        path = Path(path) if path is not None else default_history_path()
        path = path.expanduser().absolute()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise open_error(path, exc) from exc
        check_writable(path)
        check_header(path)
        engine: Engine | None = None
        try:
            probe(path, busy_timeout_s)
            engine = make_engine(sqlite_url(path), busy_timeout_s=busy_timeout_s)
            backup = migrate(engine, path)
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM conversations").scalar()
        except HistoryOpenError:
            if engine is not None:
                engine.dispose()
            raise
        except (sqlite3.Error, SQLAlchemyError, OSError) as exc:
            if engine is not None:
                engine.dispose()
            if "no such module: fts5" in str(exc):
                raise HistoryOpenError(
                    "This copy of SQLite has no full-text search (FTS5), which the history "
                    "needs. Reinstall Parley.",
                    path=path,
                    reason="other",
                ) from exc
            raise open_error(path, exc) from exc
        store = cls(path, engine)
        store.backup_path = backup
        return store

    @classmethod
    def open_for_reading(
        cls, path: Path | None = None, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S
    ) -> Self:
        """Open the history for a command that only reads (list, search, export).

        A history on read-only media (a backup disk, a folder without write permission, a
        file marked immutable) cannot be opened the normal way, because SQLite in WAL mode
        needs to write its ``-shm`` index even to read. Rather than refuse to let the user
        rescue their conversations, this reads a private copy (with its ``-wal``, which may
        hold the latest replies) in a temporary folder; the copy refuses writes and is deleted
        on close. Other problems (a damaged or locked file) are raised as usual.
        """
        try:
            return cls.open(path, busy_timeout_s=busy_timeout_s)
        except HistoryOpenError as exc:
            if exc.reason != "readonly":
                raise
            source = exc.path if exc.path is not None else default_history_path()
        if not source.is_file():
            raise open_error(source, FileNotFoundError(errno.ENOENT, "no such file"))
        scratch = Path(tempfile.mkdtemp(prefix="parley-history-"))
        copy = scratch / source.name
        try:
            shutil.copyfile(source, copy)
            wal = source.with_name(source.name + "-wal")
            if wal.exists():
                shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
            store = cls.open(copy, busy_timeout_s=busy_timeout_s)
            # In the copy only: a reply a crash left "streaming" reads as interrupted.
            store.recover_interrupted()
        except OSError as exc:
            shutil.rmtree(scratch, ignore_errors=True)
            raise open_error(source, exc) from exc
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        store.read_only_source = source
        store._scratch = scratch
        return store

    @staticmethod
    def move_aside(path: Path) -> Path:
        """Rename a broken history file (and its -wal/-shm) to ``<name>.broken-<time>``.

        Renaming rather than deleting keeps every byte for a later rescue; the caller can then
        open a fresh file at the old path. The -wal file may hold the latest committed data,
        so it travels with the main file under the matching name.
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"There is no history file at {path} to move aside.")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.name}.broken-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = path.with_name(f"{path.name}.broken-{stamp}-{n}")
        try:
            os.replace(path, target)
            for suffix in ("-wal", "-shm"):
                side = path.with_name(path.name + suffix)
                if side.exists():
                    os.replace(side, target.with_name(target.name + suffix))
        except OSError as exc:
            raise open_error(path, exc) from exc
        return target

    def close(self) -> None:
        """Release the file (idempotent).

        ``PRAGMA optimize`` refreshes the planner's statistics where they have drifted; it is
        run outside a transaction (on the raw connection) so what it learns is kept.
        """
        if self._closed:
            return
        self._closed = True
        try:
            self._check_still_writable("close the history")
        except HistoryWriteError:
            # Touching the files now could end the process with SIGBUS (see
            # _check_still_writable): no optimize, no checkpoint; the WAL stays for next time.
            keep_wal_on_close(self._engine)
            self._engine.dispose()
            self._remove_scratch()
            return
        try:
            raw = self._engine.raw_connection()
            try:
                raw.cursor().execute("PRAGMA optimize")
            finally:
                raw.close()
        except (sqlite3.Error, SQLAlchemyError) as exc:
            log.debug("history: PRAGMA optimize skipped: %s", exc)
        self._engine.dispose()
        self._remove_scratch()

    def _remove_scratch(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- session helpers -------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self, action: str) -> Iterator[Session]:
        """One write transaction; driver errors become :class:`HistoryWriteError`."""
        self._check_open()
        if self.read_only_source is not None:
            raise HistoryWriteError(
                f"Could not {action}: the history file {self.read_only_source} is read-only.",
                reason="readonly",
            )
        self._check_still_writable(action)
        try:
            with self._write() as session, session.begin():
                yield session
        except DBAPIError as exc:
            reason = classify(exc)
            raise HistoryWriteError(
                write_message(reason, action, error_detail(exc)), reason=reason
            ) from exc

    def _check_still_writable(self, action: str) -> None:
        """Refuse to touch a history that stopped being writable while it was open.

        SQLite maps the ``-shm`` index into memory and writes it even to read. When the file
        is made immutable or read-only behind Parley's back (``chattr +i``, a remount), the
        next write through that mapping kills the process with SIGBUS: no message, and the
        reply on screen is gone. A permission check of the three files costs microseconds
        and turns that into an ordinary error the caller can report.
        """
        for file in (self.path, self._wal, self._shm):
            if not os.access(file, os.W_OK) and os.path.exists(file):
                raise HistoryWriteError(write_message("readonly", action, ""), reason="readonly")

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Session]:
        self._check_open()
        if self.read_only_source is None:
            try:
                self._check_still_writable("read the history")
            except HistoryWriteError as exc:
                raise HistoryError(str(exc), reason="readonly") from None
        try:
            with self._read() as session:
                yield session
        except DBAPIError as exc:
            reason = classify(exc)
            raise HistoryError(
                write_message(reason, "read the history", error_detail(exc)), reason=reason
            ) from exc

    def _check_open(self) -> None:
        if self._closed:
            raise HistoryError("The history is closed.")

    # -- start-up --------------------------------------------------------------------------

    def recover_interrupted(self) -> int:
        """Mark replies and tool runs left "streaming" by a crash as "interrupted".

        Call once at start-up, before any generation starts: a row still "streaming" then can
        only be one whose writer died. Their text (the last checkpoint) is kept.
        """
        with self._writing("recover interrupted replies") as s:
            n = rowcount(
                s.execute(
                    update(MessageRow)
                    .where(MessageRow.status == "streaming")
                    .values(status="interrupted")
                    .execution_options(synchronize_session=False)
                )
            )
            n += rowcount(
                s.execute(
                    update(ToolRunRow)
                    .where(ToolRunRow.status == "streaming")
                    .values(status="interrupted")
                    .execution_options(synchronize_session=False)
                )
            )
        if n:
            log.info("history: %d interrupted item(s) recovered", n)
        return int(n)

    def check_integrity(self) -> list[str]:
        """SQLite's ``quick_check`` plus an FTS index check; [] means healthy.

        Not run at every start (it reads the whole file); meant for a "check history" command.
        """
        problems: list[str] = []
        with self._reading() as s:
            rows = s.execute(text("PRAGMA quick_check")).scalars().all()
            problems += [str(r) for r in rows if r != "ok"]
            for fts in ("messages_fts", "conversations_fts"):
                try:
                    s.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))
                except DBAPIError as exc:
                    problems.append(f"{fts}: {error_detail(exc)}")
        return problems
