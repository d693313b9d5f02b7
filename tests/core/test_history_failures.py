"""What happens when the history file is damaged, locked, read-only, on a full disk, or the app
is killed mid-reply. Every case uses a real file and, where it takes one, a real process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from app.core.history import HistoryOpenError, HistoryStore, HistoryWriteError

REPO = Path(__file__).resolve().parents[2]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _python(
    code: str, *, prefix: tuple[str, ...] = (), timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [*prefix, sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
        check=False,
    )


def _unshare_works(*flags: str) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", *flags, "true"], capture_output=True, timeout=10, check=False
    )
    return probe.returncode == 0


# Root ignores file permissions, so as root the read-only cases run in a user namespace where
# the process keeps uid 0 on disk but loses the power to override permissions.
NO_ROOT_POWERS: tuple[str, ...] = ("unshare", "--user") if IS_ROOT else ()
needs_permissions = pytest.mark.skipif(
    IS_ROOT and not _unshare_works("--user"),
    reason="running as root without user namespaces: file permissions cannot be enforced",
)

_OPEN_AND_REPORT = """
    import json, sys
    from pathlib import Path
    from app.core.history import HistoryOpenError, HistoryStore
    try:
        HistoryStore.open(Path(sys.argv[1]) if len(sys.argv) > 1 else Path({path!r}))
    except HistoryOpenError as exc:
        print(json.dumps({{"reason": exc.reason, "message": exc.message, "path": str(exc.path)}}))
    else:
        print(json.dumps({{"reason": None}}))
"""


def _open_in_child(path: Path, prefix: tuple[str, ...] = ()) -> dict[str, str | None]:
    result = _python(_OPEN_AND_REPORT.format(path=str(path)), prefix=prefix)
    assert result.returncode == 0, result.stderr
    report: dict[str, str | None] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Path]:
    """A closed history file holding one conversation (its WAL checkpointed away)."""
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as s:
        conv = s.create_conversation(title="Kept")
        leaf = None
        for i in range(200):
            leaf = s.add_message(
                conv.id, "user", f"message {i} " + "text " * 100, parent_id=leaf
            ).id
    assert not path.with_name(path.name + "-wal").exists()
    yield path


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"This is a text file, not a database.\n" * 200)
    with pytest.raises(HistoryOpenError) as err:
        HistoryStore.open(path)
    assert err.value.reason == "corrupt"
    assert err.value.path == path
    assert "damaged" in err.value.message and str(path) in err.value.message
    # Nothing was changed, so the user's file can still be rescued.
    assert path.read_bytes() == b"This is a text file, not a database.\n" * 200


def test_malformed_pages(filled: Path) -> None:
    data = bytearray(filled.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    assert len(data) > 10 * page
    # Keep the header page, wreck every other page.
    data[page:] = bytes((i * 7 + 13) % 251 for i in range(len(data) - page))
    filled.write_bytes(bytes(data))
    with pytest.raises(HistoryOpenError) as err:
        HistoryStore.open(filled)
    assert err.value.reason == "corrupt"
    assert "malformed" in err.value.message


def test_move_aside_keeps_the_broken_file_and_starts_fresh(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    broken = b"\x00garbage" * 1000
    path.write_bytes(broken)
    path.with_name(path.name + "-wal").write_bytes(b"wal bytes")
    with pytest.raises(HistoryOpenError):
        HistoryStore.open(path)
    kept = HistoryStore.move_aside(path)
    assert kept.name.startswith("history.sqlite3.broken-")
    assert kept.read_bytes() == broken
    assert kept.with_name(kept.name + "-wal").read_bytes() == b"wal bytes"
    assert not path.exists()
    with HistoryStore.open(path) as fresh:
        assert fresh.list_conversations() == []
        fresh.create_conversation(title="new start")
    # A second move the same second does not overwrite the first copy.
    path.write_bytes(broken)
    again = HistoryStore.move_aside(path)
    assert again != kept and kept.exists() and again.exists()


@needs_permissions
def test_read_only_file(filled: Path) -> None:
    filled.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        report = _open_in_child(filled, NO_ROOT_POWERS)
    finally:
        filled.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert report["reason"] == "readonly"
    assert report["message"] is not None and "read-only" in report["message"]


@needs_permissions
def test_read_only_folder(filled: Path) -> None:
    folder = filled.parent
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        report = _open_in_child(filled, NO_ROOT_POWERS)
        new_file = _open_in_child(folder / "sub" / "new.sqlite3", NO_ROOT_POWERS)
    finally:
        folder.chmod(stat.S_IRWXU)
    assert report["reason"] == "readonly"
    assert report["message"] is not None and str(folder) in report["message"]
    assert new_file["reason"] == "readonly"


def test_locked_by_another_process(filled: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1], isolation_level=None)
                c.execute("PRAGMA locking_mode = EXCLUSIVE")
                c.execute("BEGIN EXCLUSIVE")
                c.execute("UPDATE conversations SET title = 'mine'")
                print("locked", flush=True)
                sys.stdin.readline()
                c.execute("ROLLBACK")
                """
            ),
            str(filled),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(HistoryOpenError) as err:
            HistoryStore.open(filled, busy_timeout_s=0.3)
        waited = time.monotonic() - started
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    assert err.value.reason == "locked"
    assert "another program" in err.value.message
    assert 0.25 < waited < 10
    # Once the other process lets go, the file opens and nothing was changed.
    with HistoryStore.open(filled) as s:
        assert [c.title for c in s.list_conversations()] == ["Kept"]


def test_write_on_a_full_disk_fails_cleanly(filled: Path) -> None:
    """SQLite reports SQLITE_FULL when the file may not grow (max_page_count): the same error
    as a full disk. The failed write is rolled back and everything before it is intact."""
    store = HistoryStore.open(filled)
    try:
        conv = store.list_conversations()[0]
        before = [m.text for m in store.thread(conv.id)]
        store._engine.dispose()  # new connections get the cap below

        @event.listens_for(store._engine, "connect")
        def _cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

        with pytest.raises(HistoryWriteError) as err:
            store.add_message(conv.id, "user", "a long message " * 5000, parent_id=None)
        assert err.value.reason == "full"
        assert "disk is full" in err.value.message
        # The conversation is unchanged, the failed message is not half-stored.
        assert [m.text for m in store.thread(conv.id)] == before
        assert store.search("a long message") == []
        event.remove(store._engine, "connect", _cap)
        store._engine.dispose()
        store.add_message(
            conv.id, "user", "after freeing space", parent_id=store.thread(conv.id)[-1].id
        )
        assert store.thread(conv.id)[-1].text == "after freeing space"
        assert store.check_integrity() == []
    finally:
        store.close()


_FULL_DISK = """
    import errno, json, os, subprocess, sys
    from pathlib import Path
    from app.core.history import HistoryOpenError, HistoryStore, HistoryWriteError

    mnt = Path(sys.argv[1])
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], check=True)
    out = {}
    store = HistoryStore.open(mnt / "history.sqlite3")
    conv = store.create_conversation(title="on a small disk")
    user = store.add_message(conv.id, "user", "question")
    reply = store.start_reply(conv.id, user.id, "m")
    store.update_reply(reply.id, "partial answer")
    try:
        with open(mnt / "ballast", "wb", buffering=0) as f:
            while True:
                f.write(b"x" * 4096)
    except OSError as exc:
        out["ballast"] = exc.errno == errno.ENOSPC
    try:
        store.update_reply(reply.id, "partial answer that grows " * 2000)
    except HistoryWriteError as exc:
        out["write_reason"] = exc.reason
    try:
        HistoryStore.open(mnt / "second.sqlite3")
    except HistoryOpenError as exc:
        out["open_reason"] = exc.reason
    out["thread_while_full"] = [m.text for m in store.thread(conv.id)]
    (mnt / "ballast").unlink()
    store.update_reply(reply.id, "partial answer, saved after space was freed")
    store.close()
    with HistoryStore.open(mnt / "history.sqlite3") as again:
        out["thread_after"] = [m.text for m in again.thread(conv.id)]
        out["integrity"] = again.check_integrity()
    print(json.dumps(out))
"""


@pytest.mark.skipif(
    sys.platform != "linux" or not _unshare_works("--user", "--map-root-user", "--mount"),
    reason="needs Linux user and mount namespaces to mount a small tmpfs",
)
def test_real_full_disk(tmp_path: Path) -> None:
    """A 1 MB tmpfs in a private mount namespace: a real ENOSPC, not a simulation."""
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    result = _python(
        _FULL_DISK.replace("sys.argv[1]", repr(str(mnt))),
        prefix=("unshare", "--user", "--map-root-user", "--mount"),
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["ballast"] is True
    assert out["write_reason"] == "full"
    assert out["open_reason"] == "full"
    assert out["thread_while_full"] == ["question", "partial answer"]
    assert out["thread_after"] == ["question", "partial answer, saved after space was freed"]
    assert out["integrity"] == []


_KILLED_MID_REPLY = """
    import os, signal
    from pathlib import Path
    from app.core.history import HistoryStore

    store = HistoryStore.open(Path({path!r}))
    conv = store.create_conversation(title="Killed", model_id="smollm2")
    user = store.add_message(conv.id, "user", "Write a poem about the sea.")
    reply = store.start_reply(conv.id, user.id, "smollm2")
    store.update_reply(reply.id, "The sea is wide,")
    store.update_reply(reply.id, "The sea is wide, the sea is deep,")
    print(conv.id, user.id, reply.id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_reply_loses_nothing_checkpointed(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    result = _python(_KILLED_MID_REPLY.format(path=str(path)))
    assert result.returncode == -signal.SIGKILL, result.stderr
    cid, uid, rid = map(int, result.stdout.split())
    # The process died with the file open: its WAL still holds the commits.
    assert path.with_name(path.name + "-wal").exists()

    with HistoryStore.open(path) as store:
        assert store.recover_interrupted() == 1
        thread = store.thread(cid)
        assert [(m.id, m.role) for m in thread] == [(uid, "user"), (rid, "assistant")]
        assert thread[0].text == "Write a poem about the sea."
        assert thread[1].text == "The sea is wide, the sea is deep,"
        assert thread[1].status == "interrupted" and thread[1].interrupted
        assert store.search("deep")[0].message_id == rid
        assert store.check_integrity() == []


def test_keep_wal_on_close_leaves_the_wal_for_the_next_open(tmp_path: Path) -> None:
    """The escape hatch for a history made immutable while open: closing must not write
    (checkpoint) the files, and the replies in the WAL are there at the next open."""
    from app.core.history import HistoryStore
    from app.core.history.schema import keep_wal_on_close

    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    conversation = store.create_conversation(title="kept in the WAL", model_id="m")
    keep_wal_on_close(store._engine)
    store._engine.dispose()
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    reopened = HistoryStore.open(path)
    try:
        assert reopened.get_conversation(conversation.id) is not None
    finally:
        reopened.close()
    assert not wal.exists() or wal.stat().st_size == 0
