"""Writing a file the user named (an export, a saved result) without ever losing data.

Why this exists: ``parley history export all -o ~/.local/share/parley/history.sqlite3``
used to replace the live database with JSON, and a full disk half-way through left a
truncated file where the user's previous export had been. Here the target is checked first
(not a folder, its folder exists, not a SQLite database, not the history file or one of its
``-wal``/``-shm`` companions) and the text goes to a temporary file beside it that replaces the
target only once it is complete.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"


class SaveError(ValueError):
    """The file could not be written; the message says why in the user's words."""


def _same_place(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def check_target(path: Path, *, protected: Iterable[Path] = ()) -> None:
    """Refuse a target that would destroy data or cannot be a file, before any work is done."""
    for kept in protected:
        for companion in (
            kept,
            kept.with_name(kept.name + "-wal"),
            kept.with_name(kept.name + "-shm"),
        ):
            if _same_place(path, companion):
                raise SaveError(
                    f"{path} is Parley's history file; choose another name for the export"
                )
    if path.is_dir():
        raise SaveError(f"{path} is a folder; give the name of a file to write")
    folder = path.parent
    if not folder.exists():
        raise SaveError(f"the folder {folder} does not exist")
    if not folder.is_dir():
        raise SaveError(f"{folder} is not a folder")
    if path.exists() and _is_sqlite(path):
        raise SaveError(
            f"{path} is a SQLite database; Parley will not write over it (choose another name)"
        )


def describe_os_error(exc: OSError) -> str:
    """An OSError in words: a full disk, a read-only place and a missing permission by name."""
    if exc.errno == errno.ENOSPC:
        return "there is no space left on the disk"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is used up"
    if exc.errno == errno.EROFS:
        return "the disk is read-only"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def write_text_atomic(path: Path, text: str, *, protected: Iterable[Path] = ()) -> None:
    """Write ``text`` (UTF-8) to ``path`` all at once: on any failure the old file is intact.

    The temporary file takes the permissions a plain ``open()`` would give, so an export is
    not left readable only by its owner because of ``mkstemp``'s 0600.
    """
    check_target(path, protected=protected)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise SaveError(f"could not write {path}: {describe_os_error(exc)}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SaveError(f"could not write {path}: {describe_os_error(exc)}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
