"""What went wrong with the history file, in words the user can act on.

SQLite reports failures as result codes; the store turns each into a reason (damaged, locked,
read-only, disk full) and a message that says what to do. The checks before opening run on
the bare file, so a problem shows with a clean error before SQLAlchemy and Alembic get
involved, and without SQLite touching a file that is not a database.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from app.core.history.records import HistoryOpenError, Reason

# SQLite primary result codes (the low byte of an extended code).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_NOTADB = 26


def classify(exc: BaseException) -> Reason:
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


def error_detail(exc: BaseException) -> str:
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return str(exc.orig)
    return str(exc)


def open_message(path: Path, reason: Reason, detail: str) -> str:
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


def open_error(path: Path, exc: BaseException) -> HistoryOpenError:
    reason = classify(exc)
    return HistoryOpenError(open_message(path, reason, error_detail(exc)), path=path, reason=reason)


def write_message(reason: Reason, action: str, detail: str) -> str:
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


def check_writable(path: Path) -> None:
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
        raise HistoryOpenError(open_message(path, "readonly", ""), path=path, reason="readonly")


_SQLITE_MAGIC = b"SQLite format 3\x00"


def check_header(path: Path) -> None:
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
        raise open_error(path, exc) from exc
    if head and head != _SQLITE_MAGIC:
        raise HistoryOpenError(
            open_message(path, "corrupt", "it is not an SQLite database"),
            path=path,
            reason="corrupt",
        )


def probe(path: Path, busy_timeout_s: float) -> None:
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
