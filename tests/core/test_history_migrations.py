"""Schema migrations with Alembic on real files: blank -> head, previous revision -> head."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from app.core.history import HistoryOpenError, HistoryStore
from app.core.history.models import Base
from app.core.history.schema import (
    HEAD_REVISION,
    alembic_config,
    head_revision,
    make_engine,
    sqlite_url,
)

FTS_TABLES = ("messages_fts", "conversations_fts")


def _revision(path: Path) -> str | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def _at_revision(path: Path, revision: str) -> None:
    command.upgrade(alembic_config(sqlite_url(path)), revision)


def _fill_revision_0001(path: Path) -> None:
    """Data as Parley stored it at revision 0001 (no search index, no tool_runs yet)."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at, model_id, sampling)"
                " VALUES (1, 'Old trip notes', '2024-05-01 10:00:00.000000',"
                " '2024-05-01 10:05:00.000000', 'smollm2', '{\"temperature\": 0.3}')"
            )
            rows = [
                (1, None, "user", "Where should I stay in Kyoto?", "complete"),
                (2, 1, "assistant", "Gion is lovely in spring.", "complete"),
                (3, 1, "assistant", "Try a ryokan near Arashiyama.", "streaming"),
            ]
            conn.executemany(
                "INSERT INTO messages (id, conversation_id, parent_id, role, text, created_at,"
                " status) VALUES (?, 1, ?, ?, ?, '2024-05-01 10:01:00.000000', ?)",
                rows,
            )
            conn.execute("UPDATE conversations SET active_leaf_id = 2 WHERE id = 1")
    finally:
        conn.close()


def test_blank_file_to_head(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        assert store.backup_path is None  # nothing to back up in a new file
    assert _revision(path) == head_revision() == "0003"
    assert {"conversations", "messages", "tool_runs", *FTS_TABLES} <= _tables(path)
    assert list(tmp_path.glob("*.bak-*")) == []
    # Opening again at head does not migrate or back up again.
    with HistoryStore.open(path) as store:
        assert store.backup_path is None


def test_the_head_constant_matches_the_migrations() -> None:
    assert head_revision() == HEAD_REVISION


def test_a_file_at_head_opens_without_loading_alembic(tmp_path: Path) -> None:
    """Alembic costs 11 MB of idle memory; the usual start (nothing to migrate) skips it."""
    path = tmp_path / "history.sqlite3"
    HistoryStore.open(path).close()
    probe = (
        "import sys; from pathlib import Path; from app.core.history import HistoryStore; "
        f"HistoryStore.open(Path({str(path)!r})).close(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_previous_revision_is_backed_up_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    _at_revision(path, "0001")
    assert _revision(path) == "0001"
    assert "tool_runs" not in _tables(path)
    _fill_revision_0001(path)

    with HistoryStore.open(path) as store:
        backup = store.backup_path
        assert backup == tmp_path / "history.sqlite3.bak-0001"
        conv = store.get_conversation(1)
        assert conv is not None
        assert (conv.title, conv.model_id, conv.sampling, conv.message_count) == (
            "Old trip notes",
            "smollm2",
            {"temperature": 0.3},
            3,
        )
        assert [m.text for m in store.thread(1)] == [
            "Where should I stay in Kyoto?",
            "Gion is lovely in spring.",
        ]
        assert [m.id for m in store.siblings(2)] == [2, 3]
        # Old rows are in the new search index, and the new table works.
        assert [h.message_id for h in store.search("ryokan")] == [3]
        assert store.search("trip notes")[0].is_title_hit
        assert store.recover_interrupted() == 1
        store.add_tool_run("summarise", "text", {}, "m", "summary")
        assert store.check_integrity() == []
        # The migration turned foreign keys off on its connection; they are back on.
        with store._engine.connect() as db:
            assert db.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            with pytest.raises(IntegrityError):
                db.exec_driver_sql(
                    "INSERT INTO messages (conversation_id, role, created_at)"
                    " VALUES (999, 'user', '2024-01-01 00:00:00')"
                )

    assert _revision(path) == "0003"
    # The backup is a working database at the old revision with the old data.
    assert backup is not None and _revision(backup) == "0001"
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 3
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_failed_migration_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    """Revision 0002 runs in one transaction: a failure half-way rolls everything back."""
    path = tmp_path / "history.sqlite3"
    _at_revision(path, "0001")
    _fill_revision_0001(path)
    conn = sqlite3.connect(path)
    with conn:  # a stray table makes 0002 fail after it created the search index
        conn.execute("CREATE TABLE tool_runs (x)")
    conn.close()

    with pytest.raises(HistoryOpenError) as err:
        HistoryStore.open(path)
    assert err.value.reason == "other"
    assert "tool_runs" in err.value.message
    assert _revision(path) == "0001"
    assert not set(FTS_TABLES) & _tables(path)
    assert (tmp_path / "history.sqlite3.bak-0001").exists()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 3
    finally:
        conn.close()


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        conv = store.create_conversation(title="Round trip")
        store.add_message(conv.id, "user", "searchable words")
    command.downgrade(alembic_config(sqlite_url(path)), "0001")
    assert _revision(path) == "0001"
    assert not {"tool_runs", *FTS_TABLES} & _tables(path)
    with HistoryStore.open(path) as store:
        assert [h.conversation_id for h in store.search("searchable")] == [conv.id]
    command.downgrade(alembic_config(sqlite_url(path)), "base")
    assert not {"conversations", "messages"} & _tables(path)


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    HistoryStore.open(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(HistoryOpenError, match="newer version of Parley") as err:
        HistoryStore.open(path)
    assert err.value.reason == "other"
    assert path.read_bytes() == before
    assert list(tmp_path.glob("*.bak-*")) == []


def test_other_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE photos (name TEXT)")
    conn.close()
    with pytest.raises(HistoryOpenError, match="not a Parley history file"):
        HistoryStore.open(path)
    assert _tables(path) == {"photos"}


def _diffs(engine: Engine) -> list[object]:
    def include(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        return not (type_ == "table" and name is not None and name.startswith(FTS_TABLES))

    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": include, "compare_type": True}
        )
        return list(compare_metadata(ctx, Base.metadata))


def test_models_match_the_migrations(tmp_path: Path) -> None:
    """A column added to models.py without a migration (or the reverse) fails here."""
    path = tmp_path / "history.sqlite3"
    HistoryStore.open(path).close()
    engine = make_engine(sqlite_url(path))
    try:
        assert _diffs(engine) == []
    finally:
        engine.dispose()


def test_revision_0002_gains_reasoning_columns_and_keeps_search(tmp_path: Path) -> None:
    """0002 -> 0003 adds the reasoning columns in place: old answers keep their text, have no
    reasoning, and the search triggers still fire on new rows."""
    path = tmp_path / "history.sqlite3"
    _at_revision(path, "0002")
    _fill_revision_0001(path)
    with HistoryStore.open(path) as store:
        assert store.backup_path == tmp_path / "history.sqlite3.bak-0002"
        old = store.thread(1)[-1]
        assert (old.text, old.reasoning, old.reasoning_s) == ("Gion is lovely in spring.", "", None)
        reply = store.start_reply(1, 1, "qwen3")
        store.update_reply(reply.id, "Stay in", reasoning="Kyoto has many areas")
        done = store.finish_reply(
            reply.id, "Stay in Higashiyama.", status="complete", reasoning="Kyoto…", reasoning_s=3.5
        )
        assert (done.text, done.reasoning, done.reasoning_s) == (
            "Stay in Higashiyama.",
            "Kyoto…",
            3.5,
        )
        assert [h.message_id for h in store.search("Higashiyama")] == [reply.id]
        assert store.search("Kyoto…") == []  # reasoning is not indexed as the answer
    assert _revision(path) == "0003"
    command.downgrade(alembic_config(sqlite_url(path)), "0002")
    assert _revision(path) == "0002"
    conn = sqlite3.connect(path)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(messages)")}
        assert "reasoning" not in columns and "text" in columns
    finally:
        conn.close()
