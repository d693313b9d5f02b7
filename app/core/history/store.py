"""The history store: conversations, branching messages, tool runs, search, export.

Threading: the GUI thread and a worker thread may call one store at the same time. Every call
opens its own short session on a pooled connection (``check_same_thread=False``) and SQLite's
locking serialises the writers; readers never wait for writers in WAL mode. Records returned
are frozen dataclasses, safe to hand to any thread.

"Nothing is lost": the chat commits the user's message with :meth:`HistoryStore.add_message`
before generation starts, creates the reply with :meth:`~HistoryStore.start_reply`, saves it
about once a second with :meth:`~HistoryStore.update_reply` (one UPDATE and a commit) and
closes it with :meth:`~HistoryStore.finish_reply`. If the app is killed, the reply is still in
the file with status "streaming"; :meth:`~HistoryStore.recover_interrupted` at the next start
marks it "interrupted", keeping its text.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Engine,
    Result,
    ScalarSelect,
    delete,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, aliased, sessionmaker

from app.core.backend import without_surrogates
from app.core.history import export as exporting
from app.core.history.models import ConversationRow, MessageRow, ToolRunRow
from app.core.history.records import (
    FINAL_STATUSES,
    MESSAGE_STATUSES,
    ROLES,
    Conversation,
    HistoryError,
    HistoryNotFoundError,
    HistoryOpenError,
    HistoryWriteError,
    Message,
    Reason,
    SearchHit,
    ToolRun,
)
from app.core.history.schema import (
    DEFAULT_BUSY_TIMEOUT_S,
    WRITE_OPTION,
    keep_wal_on_close,
    make_engine,
    migrate,
    sqlite_url,
)
from app.core.history.search import make_snippet, parse_query
from app.core.paths import app_dirs
from app.core.settings import HISTORY_FILE

log = logging.getLogger(__name__)

# Search ranks the newest this-many matching messages (see search()).
RANK_WINDOW = 5_000

# SQLite primary result codes (the low byte of an extended code).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26


def default_history_path() -> Path:
    return app_dirs().data / HISTORY_FILE


def _now() -> datetime:
    return datetime.now(UTC)


def _classify(exc: BaseException) -> Reason:
    """Map a driver or OS error to what the user can do about it."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return "corrupt"
        if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return "locked"
        if primary in (_SQLITE_READONLY, _SQLITE_PERM):
            return "readonly"
        if primary == _SQLITE_FULL:
            return "full"
        return "other"
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return "full"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return "readonly"
    return "other"


def _detail(exc: BaseException) -> str:
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return str(exc.orig)
    return str(exc)


def _open_message(path: Path, reason: Reason, detail: str) -> str:
    if reason == "corrupt":
        return (
            f"The history file {path} is damaged and cannot be read ({detail}). Parley can "
            "keep it aside (nothing is deleted) and start a new, empty history."
        )
    if reason == "locked":
        return (
            f"The history file {path} is locked by another program. Close other copies of "
            "Parley or any program that has the file open, then try again."
        )
    if reason == "readonly":
        return (
            f"Parley cannot write to the history file {path}: the file or its folder is "
            "read-only. Fix the permissions or choose another location in Settings."
        )
    if reason == "full":
        return (
            f"The disk holding the history file {path} is full. Free some space and try "
            "again; the history already saved is unchanged."
        )
    return f"The history file {path} could not be opened: {detail}."


def _open_error(path: Path, exc: BaseException) -> HistoryOpenError:
    reason = _classify(exc)
    return HistoryOpenError(_open_message(path, reason, _detail(exc)), path=path, reason=reason)


def _write_message(reason: Reason, action: str, detail: str) -> str:
    if reason == "full":
        return (
            f"Could not {action}: the disk is full. Free some space; nothing saved before is lost."
        )
    if reason == "locked":
        return (
            f"Could not {action}: the history file is locked by another program. "
            "Try again in a moment."
        )
    if reason == "readonly":
        return f"Could not {action}: the history file has become read-only."
    if reason == "corrupt":
        return (
            f"Could not {action}: the history file is damaged ({detail}). Restart Parley to "
            "keep the damaged file aside and start a new one."
        )
    return f"Could not {action}: {detail}."


def _check_writable(path: Path) -> None:
    """Catch a read-only file or folder before SQLite gives a vaguer "unable to open"."""
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise HistoryOpenError(
            f"Parley cannot write to the folder {folder}, which holds the history file. "
            "Fix its permissions or choose another location in Settings.",
            path=path,
            reason="readonly",
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise HistoryOpenError(_open_message(path, "readonly", ""), path=path, reason="readonly")


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite before SQLite touches it.

    Opening such a file, SQLite reports "not a database" but also deletes a ``-wal`` file
    beside it on close, which may be the only copy of recent data worth rescuing.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _open_error(path, exc) from exc
    if head and head != _SQLITE_MAGIC:
        raise HistoryOpenError(
            _open_message(path, "corrupt", "it is not an SQLite database"),
            path=path,
            reason="corrupt",
        )


def _probe(path: Path, busy_timeout_s: float) -> None:
    """Switch the file to WAL and read its schema with a bare connection.

    This surfaces "not a database", a lock held by another process, or a read-only file with
    a clean sqlite3 error code before SQLAlchemy and Alembic get involved.
    """
    conn = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None)
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise HistoryOpenError(
                f"The history file {path} could not be switched to write-ahead logging "
                f"(journal mode stays '{mode}'). The file system may not support it.",
                path=path,
                reason="other",
            )
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        # Take and release the write lock: a lock held by another process shows up now,
        # not at the first message the user sends.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()


class HistoryStore:
    """Conversations with branches, tool runs, search and export, in one SQLite file."""

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
    ) -> HistoryStore:
        """Open (creating or upgrading) the history file; raises :class:`HistoryOpenError`."""
        path = Path(path) if path is not None else default_history_path()
        path = path.expanduser().absolute()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _open_error(path, exc) from exc
        _check_writable(path)
        _check_header(path)
        engine: Engine | None = None
        try:
            _probe(path, busy_timeout_s)
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
            raise _open_error(path, exc) from exc
        store = cls(path, engine)
        store.backup_path = backup
        return store

    @classmethod
    def open_for_reading(
        cls, path: Path | None = None, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S
    ) -> HistoryStore:
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
            raise _open_error(source, FileNotFoundError(errno.ENOENT, "no such file"))
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
            raise _open_error(source, exc) from exc
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
            raise _open_error(path, exc) from exc
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

    def __enter__(self) -> HistoryStore:
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
            reason = _classify(exc)
            raise HistoryWriteError(
                _write_message(reason, action, _detail(exc)), reason=reason
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
                raise HistoryWriteError(_write_message("readonly", action, ""), reason="readonly")

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
            reason = _classify(exc)
            raise HistoryError(
                _write_message(reason, "read the history", _detail(exc)), reason=reason
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
            n = _rowcount(
                s.execute(
                    update(MessageRow)
                    .where(MessageRow.status == "streaming")
                    .values(status="interrupted")
                    .execution_options(synchronize_session=False)
                )
            )
            n += _rowcount(
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
                    problems.append(f"{fts}: {_detail(exc)}")
        return problems

    # -- conversations ---------------------------------------------------------------------

    def create_conversation(
        self,
        *,
        title: str = "",
        model_id: str = "",
        system_prompt: str = "",
        sampling: dict[str, Any] | None = None,
    ) -> Conversation:
        sampling = _json_object(sampling or {}, "sampling")
        now = _now()
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
            return _conversation(row, 0)

    def get_conversation(self, cid: int) -> Conversation | None:
        """The conversation, or None if it does not exist or is in the bin (soft-deleted)."""
        with self._reading() as s:
            found = s.execute(
                select(ConversationRow, _message_count()).where(
                    ConversationRow.id == cid, ConversationRow.deleted_at.is_(None)
                )
            ).first()
            return _conversation(found[0], found[1]) if found else None

    def list_conversations(self) -> list[Conversation]:
        """Pinned first, then the most recently updated; soft-deleted ones are left out."""
        with self._reading() as s:
            rows = s.execute(
                select(ConversationRow, _message_count())
                .where(ConversationRow.deleted_at.is_(None))
                .order_by(
                    ConversationRow.pinned.desc(),
                    ConversationRow.updated_at.desc(),
                    ConversationRow.id.desc(),
                )
            ).all()
            return [_conversation(row, count) for row, count in rows]

    def list_deleted_conversations(self) -> list[Conversation]:
        """The bin: soft-deleted conversations, most recently deleted first."""
        with self._reading() as s:
            rows = s.execute(
                select(ConversationRow, _message_count())
                .where(ConversationRow.deleted_at.is_not(None))
                .order_by(ConversationRow.deleted_at.desc(), ConversationRow.id.desc())
            ).all()
            return [_conversation(row, count) for row, count in rows]

    def rename_conversation(self, cid: int, title: str) -> None:
        with self._writing("rename the conversation") as s:
            row = _live_conversation(s, cid)
            row.title = title
            row.updated_at = _now()

    def set_pinned(self, cid: int, pinned: bool) -> None:
        """Pinning does not change ``updated``: it must not reorder the unpinned list."""
        with self._writing("pin the conversation") as s:
            _live_conversation(s, cid).pinned = pinned

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
            sampling = _json_object(sampling, "sampling")
        with self._writing("save the conversation settings") as s:
            row = _live_conversation(s, cid)
            if system_prompt is not None:
                row.system_prompt = system_prompt
            if sampling is not None:
                row.sampling = sampling
            if model_id is not None:
                row.model_id = model_id
            row.updated_at = _now()

    def delete_conversation(self, cid: int) -> None:
        """Soft delete: the conversation leaves the list and search but can be restored."""
        with self._writing("delete the conversation") as s:
            _live_conversation(s, cid).deleted_at = _now()

    def restore_conversation(self, cid: int) -> None:
        """Undo :meth:`delete_conversation`."""
        with self._writing("restore the conversation") as s:
            row = s.get(ConversationRow, cid)
            if row is None:
                raise _conversation_gone(cid)
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
            n = _rowcount(
                s.execute(
                    delete(ConversationRow)
                    .where(ConversationRow.deleted_at.is_not(None))
                    .execution_options(synchronize_session=False)
                )
            )
        return int(n)

    # -- messages and branches -------------------------------------------------------------

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
            conv = _live_conversation(s, cid)
            if parent_id is not None:
                parent = s.get(MessageRow, parent_id)
                if parent is None or parent.conversation_id != cid:
                    raise HistoryNotFoundError(
                        f"Message {parent_id} is not in conversation {cid} (any more)."
                    )
            now = _now()
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
            return _message(row)

    def start_reply(self, cid: int, parent_id: int, model_id: str) -> Message:
        """An empty assistant message with status "streaming", made the active leaf."""
        return self.add_message(
            cid, "assistant", "", parent_id=parent_id, model_id=model_id, status="streaming"
        )

    def update_reply(self, mid: int, text: str) -> None:
        """Checkpoint a streaming reply: one UPDATE and a commit (well under 1 ms).

        A reply that is no longer streaming is left alone, so a late checkpoint can never
        overwrite the final text.
        """
        with self._writing("save the reply") as s:
            n = _rowcount(
                s.execute(
                    update(MessageRow)
                    .where(MessageRow.id == mid, MessageRow.status == "streaming")
                    .values(text=without_surrogates(text))
                    .execution_options(synchronize_session=False)
                )
            )
            if n == 0 and s.get(MessageRow, mid) is None:
                raise _message_gone(mid)

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
    ) -> Message:
        """Store the final text, status ("complete", "stopped", "failed", ...) and figures."""
        if status not in FINAL_STATUSES:
            raise ValueError(
                f"a finished reply's status must be one of {', '.join(sorted(FINAL_STATUSES))}"
            )
        with self._writing("save the reply") as s:
            row = s.get(MessageRow, mid)
            if row is None:
                raise _message_gone(mid)
            row.text = without_surrogates(text)
            row.status = status
            row.prompt_tokens = prompt_tokens
            row.generated_tokens = generated_tokens
            row.tokens_per_s = tokens_per_s
            row.ttft_s = ttft_s
            row.stop_reason = stop_reason
            s.execute(
                update(ConversationRow)
                .where(ConversationRow.id == row.conversation_id)
                .values(updated_at=_now())
                .execution_options(synchronize_session=False)
            )
            s.flush()
            return _message(row)

    def get_message(self, mid: int) -> Message | None:
        with self._reading() as s:
            row = s.get(MessageRow, mid)
            return _message(row) if row is not None else None

    def thread(self, cid: int) -> list[Message]:
        """Root to active leaf: the messages the chat shows. One recursive query."""
        with self._reading() as s:
            leaf = _active_leaf(s, cid)
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
            return [_message(r) for r in rows]

    def all_messages(self, cid: int) -> list[Message]:
        """Every message of every branch, oldest first (parents always before children)."""
        with self._reading() as s:
            rows = s.scalars(
                select(MessageRow).where(MessageRow.conversation_id == cid).order_by(MessageRow.id)
            ).all()
            return [_message(r) for r in rows]

    def siblings(self, mid: int) -> list[Message]:
        """Messages sharing ``mid``'s parent, itself included, oldest first ("2/3")."""
        with self._reading() as s:
            row = s.get(MessageRow, mid)
            if row is None:
                raise _message_gone(mid)
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
            return [_message(r) for r in rows]

    def switch_branch(self, mid: int) -> None:
        """Show the branch through ``mid``: its newest leaf becomes the active leaf."""
        with self._writing("switch branch") as s:
            row = s.get(MessageRow, mid)
            if row is None:
                raise _message_gone(mid)
            leaf = _newest_leaf_under(s, mid)
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
                raise _message_gone(mid)
            cid, parent_id = row.conversation_id, row.parent_id
            subtree = _subtree(mid)
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
                    new_leaf: int | None = _newest_leaf_under(s, parent_id)
                else:
                    new_leaf = s.scalar(
                        select(func.max(MessageRow.id)).where(MessageRow.conversation_id == cid)
                    )
                s.execute(
                    update(ConversationRow)
                    .where(ConversationRow.id == cid)
                    .values(active_leaf_id=new_leaf, updated_at=_now())
                    .execution_options(synchronize_session=False)
                )

    # -- search ----------------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Titles first, then messages, best match first; any input is safe to pass.

        Every space-separated term (or "quoted phrase") must occur, case-insensitively, as a
        part of a word or across words. Conversations in the bin are left out. Messages are
        ranked by BM25 among the newest 5,000 that match, which bounds the time of a very
        broad query; queries of only one- or two-character terms are listed newest first.
        """
        parsed = parse_query(query)
        if not parsed.terms or limit <= 0:
            return []
        likes = {f"like{i}": pattern for i, pattern in enumerate(parsed.like)}
        hits: list[SearchHit] = []
        with self._reading() as s:
            title_like = "".join(f" AND c.title LIKE :{k} ESCAPE '\\'" for k in likes)
            text_like = "".join(f" AND m.text LIKE :{k} ESCAPE '\\'" for k in likes)
            if parsed.match:
                title_sql = (
                    "SELECT c.id, c.title FROM conversations_fts "
                    "JOIN conversations c ON c.id = conversations_fts.rowid "
                    "WHERE conversations_fts MATCH :match AND c.deleted_at IS NULL"
                    f"{title_like} ORDER BY conversations_fts.rank, c.id DESC LIMIT :limit"
                )
                # Rank (BM25) only the newest RANK_WINDOW matches: scoring costs about 3 µs a
                # row, so a query matching most of a 100,000-message history would otherwise
                # take 150 ms+. Walking the index newest-first is nearly free.
                text_sql = (
                    "WITH candidates AS ("
                    " SELECT rowid AS id, bm25(messages_fts) AS score FROM messages_fts"
                    " WHERE messages_fts MATCH :match ORDER BY rowid DESC LIMIT :window) "
                    "SELECT m.id, m.conversation_id, m.role, m.text, c.title FROM candidates "
                    "JOIN messages m ON m.id = candidates.id "
                    "JOIN conversations c ON c.id = m.conversation_id "
                    f"WHERE c.deleted_at IS NULL{text_like} "
                    "ORDER BY candidates.score, m.id DESC LIMIT :limit"
                )
            else:
                # Only short terms: the trigram index cannot help. Scan newest first and stop
                # at the limit (the bin is excluded with NOT IN so the scan order stays).
                title_sql = (
                    "SELECT c.id, c.title FROM conversations c WHERE c.deleted_at IS NULL"
                    f"{title_like} ORDER BY c.updated_at DESC LIMIT :limit"
                )
                text_sql = (
                    "SELECT m.id, m.conversation_id, m.role, m.text, c.title FROM messages m "
                    "JOIN conversations c ON c.id = m.conversation_id "
                    "WHERE m.conversation_id NOT IN "
                    f"(SELECT id FROM conversations WHERE deleted_at IS NOT NULL){text_like} "
                    "ORDER BY m.id DESC LIMIT :limit"
                )
            params: dict[str, Any] = {
                "match": parsed.match,
                "limit": limit,
                "window": RANK_WINDOW,
                **likes,
            }
            for cid, title in s.execute(text(title_sql), params):
                hits.append(SearchHit(cid, 0, title, "", make_snippet(title, parsed.terms)))
            params["limit"] = limit - len(hits)
            if params["limit"] > 0:
                for mid, cid, role, body, title in s.execute(text(text_sql), params):
                    hits.append(SearchHit(cid, mid, title, role, make_snippet(body, parsed.terms)))
        return hits

    # -- export / import -------------------------------------------------------------------

    def _export_items(
        self, cids: list[int] | None
    ) -> list[tuple[Conversation, list[Message], int | None]]:
        with self._reading() as s:
            query = select(ConversationRow, _message_count())
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
                leaf = _active_leaf(s, cid)
                items.append((_conversation(row, count), [_message(m) for m in messages], leaf))
            return items

    def export_json(self, cids: list[int] | None = None) -> dict[str, Any]:
        """Every branch of the given (default: all not deleted) conversations, as a dict."""
        return exporting.to_json(self._export_items(cids))

    def export_markdown(self, cids: list[int] | None = None) -> str:
        """A readable document of what the chat shows (the active branch)."""
        return exporting.to_markdown(self._export_items(cids))

    def import_json(self, data: dict[str, Any]) -> list[int]:
        """Add the conversations of an export as new ones; validates everything first.

        Nothing is written unless the whole file is valid, and importing the same file twice
        gives two copies rather than overwriting anything.
        """
        parsed = exporting.parse_import(data)
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

    # -- tool runs -------------------------------------------------------------------------

    def add_tool_run(
        self,
        tool: str,
        input_text: str,
        options: dict[str, Any],
        model_id: str,
        output: str,
        *,
        status: str = "complete",
        extra: dict[str, Any] | None = None,
    ) -> ToolRun:
        """Keep one summarise / translate / sentiment run. Use status "streaming" and
        :meth:`update_tool_run` to checkpoint a long one like a chat reply."""
        if not tool:
            raise ValueError("tool must be named")
        if status not in MESSAGE_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        row = ToolRunRow(
            tool=tool,
            input_text=input_text,
            options=_json_object(options, "options"),
            model_id=model_id,
            output=output,
            status=status,
            extra=_json_object(extra or {}, "extra"),
            created_at=_now(),
        )
        with self._writing("save the result") as s:
            s.add(row)
            s.flush()
            return _tool_run(row)

    def update_tool_run(
        self,
        rid: int,
        *,
        output: str | None = None,
        status: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> ToolRun:
        if status is not None and status not in MESSAGE_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        if extra is not None:
            extra = _json_object(extra, "extra")
        with self._writing("save the result") as s:
            row = s.get(ToolRunRow, rid)
            if row is None:
                raise HistoryNotFoundError(f"Result {rid} does not exist (any more).")
            if output is not None:
                row.output = output
            if status is not None:
                row.status = status
            if extra is not None:
                row.extra = extra
            s.flush()
            return _tool_run(row)

    def list_tool_runs(self, tool: str, limit: int = 100) -> list[ToolRun]:
        """Newest first."""
        with self._reading() as s:
            rows = s.scalars(
                select(ToolRunRow)
                .where(ToolRunRow.tool == tool)
                .order_by(ToolRunRow.created_at.desc(), ToolRunRow.id.desc())
                .limit(limit)
            ).all()
            return [_tool_run(r) for r in rows]

    def get_tool_run(self, rid: int) -> ToolRun | None:
        with self._reading() as s:
            row = s.get(ToolRunRow, rid)
            return _tool_run(row) if row is not None else None

    def delete_tool_run(self, rid: int) -> None:
        with self._writing("delete the result") as s:
            n = _rowcount(
                s.execute(
                    delete(ToolRunRow)
                    .where(ToolRunRow.id == rid)
                    .execution_options(synchronize_session=False)
                )
            )
            if n == 0:
                raise HistoryNotFoundError(f"Result {rid} does not exist (any more).")


# -- helpers ---------------------------------------------------------------------------------


def _json_object(value: dict[str, Any], name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a dict")
    try:
        return dict(json.loads(json.dumps(value)))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold only JSON values: {exc}") from exc


def _conversation_gone(cid: int) -> HistoryNotFoundError:
    return HistoryNotFoundError(f"Conversation {cid} does not exist (any more).")


def _message_gone(mid: int) -> HistoryNotFoundError:
    return HistoryNotFoundError(f"Message {mid} does not exist (any more).")


def _live_conversation(s: Session, cid: int) -> ConversationRow:
    row = s.get(ConversationRow, cid)
    if row is None or row.deleted_at is not None:
        raise _conversation_gone(cid)
    return row


def _message_count() -> ScalarSelect[int]:
    """Per-conversation message count, an index-only lookup per row."""
    return (
        select(func.count(MessageRow.id))
        .where(MessageRow.conversation_id == ConversationRow.id)
        .correlate(ConversationRow)
        .scalar_subquery()
    )


def _rowcount(result: Result[Any]) -> int:
    """Rows changed by an UPDATE/DELETE (typed access to ``CursorResult.rowcount``)."""
    return int(cast(CursorResult[Any], result).rowcount)


def _active_leaf(s: Session, cid: int) -> int | None:
    """The stored active leaf; if unset (e.g. an old import), the newest message, which is
    always a leaf because a child is created after its parent."""
    leaf = s.scalar(select(ConversationRow.active_leaf_id).where(ConversationRow.id == cid))
    if leaf is not None:
        return int(leaf)
    newest = s.scalar(select(func.max(MessageRow.id)).where(MessageRow.conversation_id == cid))
    return int(newest) if newest is not None else None


def _subtree(mid: int) -> Any:
    sub = select(literal(mid).label("id")).cte("subtree", recursive=True)
    down = aliased(MessageRow)
    return sub.union_all(select(down.id).join(sub, down.parent_id == sub.c.id))


def _newest_leaf_under(s: Session, mid: int) -> int:
    """The newest message in ``mid``'s subtree, which is a leaf (children are newer)."""
    sub = _subtree(mid)
    return int(s.scalar(select(func.max(sub.c.id))) or mid)


def _conversation(row: ConversationRow, count: int) -> Conversation:
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


def _message(row: MessageRow) -> Message:
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
    )


def _tool_run(row: ToolRunRow) -> ToolRun:
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
