"""History store on a real SQLite file: conversations, branches, soft delete, tool runs."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest

from app.core.history import (
    HistoryError,
    HistoryNotFoundError,
    HistoryStore,
    default_history_path,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    s = HistoryStore.open(tmp_path / "history.sqlite3")
    yield s
    s.close()


def test_open_uses_wal_and_default_location(parley_home: Path) -> None:
    with HistoryStore.open() as s:
        assert s.path == default_history_path()
        assert s.path.is_relative_to(parley_home)
        s.create_conversation(title="x")
    raw = sqlite3.connect(default_history_path())
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_conversation_crud(store: HistoryStore) -> None:
    conv = store.create_conversation(
        title="Trip", model_id="smollm2", system_prompt="Be brief.", sampling={"temperature": 0.2}
    )
    got = store.get_conversation(conv.id)
    assert got == conv
    assert got.created.tzinfo is UTC
    assert got.sampling == {"temperature": 0.2}
    assert got.message_count == 0

    store.rename_conversation(conv.id, "Trip to Lyon")
    store.update_conversation(conv.id, system_prompt="Be detailed.", sampling={"top_p": 0.9})
    got = store.get_conversation(conv.id)
    assert got is not None
    assert (got.title, got.system_prompt, got.sampling, got.model_id) == (
        "Trip to Lyon",
        "Be detailed.",
        {"top_p": 0.9},
        "smollm2",
    )
    assert got.updated >= conv.updated
    store.update_conversation(conv.id, model_id="qwen")
    got = store.get_conversation(conv.id)
    assert got is not None
    assert (got.model_id, got.system_prompt) == ("qwen", "Be detailed.")

    with pytest.raises(HistoryNotFoundError):
        store.rename_conversation(9999, "nope")
    assert store.get_conversation(9999) is None
    with pytest.raises(ValueError, match="JSON"):
        store.create_conversation(sampling={"bad": object()})


def test_records_are_frozen(store: HistoryStore) -> None:
    conv = store.create_conversation(title="t")
    with pytest.raises(dataclasses.FrozenInstanceError):
        conv.title = "x"  # type: ignore[misc]


def test_messages_and_reply_lifecycle(store: HistoryStore) -> None:
    conv = store.create_conversation(title="c")
    user = store.add_message(conv.id, "user", "Hello?")
    reply = store.start_reply(conv.id, user.id, "smollm2")
    assert (reply.role, reply.status, reply.text, reply.parent_id) == (
        "assistant",
        "streaming",
        "",
        user.id,
    )
    store.update_reply(reply.id, "Hi")
    assert store.thread(conv.id)[-1].text == "Hi"
    done = store.finish_reply(
        reply.id,
        "Hi there!",
        status="complete",
        prompt_tokens=12,
        generated_tokens=3,
        tokens_per_s=140.5,
        ttft_s=0.05,
        stop_reason="stop",
    )
    # A late checkpoint must never overwrite the final text.
    store.update_reply(reply.id, "Hi")
    again = store.get_message(reply.id)
    assert again == done
    assert (again.text, again.status, again.prompt_tokens, again.generated_tokens) == (
        "Hi there!",
        "complete",
        12,
        3,
    )
    assert (again.tokens_per_s, again.ttft_s, again.stop_reason) == (140.5, 0.05, "stop")
    assert [m.id for m in store.thread(conv.id)] == [user.id, reply.id]
    assert store.get_conversation(conv.id).message_count == 2  # type: ignore[union-attr]

    with pytest.raises(ValueError, match="role"):
        store.add_message(conv.id, "robot", "x")
    with pytest.raises(ValueError, match="status"):
        store.finish_reply(reply.id, "x", status="streaming")
    with pytest.raises(HistoryNotFoundError):
        store.update_reply(424242, "x")
    other = store.create_conversation(title="other")
    with pytest.raises(HistoryNotFoundError, match="not in conversation"):
        store.add_message(other.id, "user", "x", parent_id=user.id)


def _chat(store: HistoryStore) -> tuple[int, list[int]]:
    """u1 -> a1 -> u2 -> a2, returns the conversation id and message ids."""
    conv = store.create_conversation(title="branches")
    u1 = store.add_message(conv.id, "user", "u1")
    a1 = store.add_message(conv.id, "assistant", "a1", parent_id=u1.id)
    u2 = store.add_message(conv.id, "user", "u2", parent_id=a1.id)
    a2 = store.add_message(conv.id, "assistant", "a2", parent_id=u2.id)
    return conv.id, [u1.id, a1.id, u2.id, a2.id]


def _texts(store: HistoryStore, cid: int) -> list[str]:
    return [m.text for m in store.thread(cid)]


def test_regenerate_edit_and_switch_branches(store: HistoryStore) -> None:
    cid, (u1, _a1, u2, a2) = _chat(store)

    # Regenerate: a second assistant reply under the same user message.
    regen = store.start_reply(cid, u2, "m")
    store.finish_reply(regen.id, "a2 take 2", status="complete")
    assert _texts(store, cid) == ["u1", "a1", "u2", "a2 take 2"]
    assert [m.id for m in store.siblings(regen.id)] == [a2, regen.id]
    assert [m.id for m in store.siblings(a2)] == [a2, regen.id]

    # Edit the first message: a new root, i.e. a sibling of u1.
    edited = store.add_message(cid, "user", "u1 edited")
    reply = store.add_message(cid, "assistant", "a1'", parent_id=edited.id)
    assert _texts(store, cid) == ["u1 edited", "a1'"]
    assert [m.text for m in store.siblings(u1)] == ["u1", "u1 edited"]

    # Back to the original branch: its newest leaf (the regenerated reply) is shown.
    store.switch_branch(u1)
    assert _texts(store, cid) == ["u1", "a1", "u2", "a2 take 2"]
    store.switch_branch(a2)
    assert _texts(store, cid) == ["u1", "a1", "u2", "a2"]
    store.switch_branch(edited.id)
    assert _texts(store, cid) == ["u1 edited", "a1'"]
    assert store.thread(cid)[-1].id == reply.id
    # Every branch is kept.
    assert len(store.all_messages(cid)) == 7
    assert store.get_conversation(cid).message_count == 7  # type: ignore[union-attr]


def test_edit_in_the_middle_makes_a_sibling(store: HistoryStore) -> None:
    cid, (_u1, a1, u2, a2) = _chat(store)
    edit = store.add_message(cid, "user", "u2 edited", parent_id=a1)
    assert _texts(store, cid) == ["u1", "a1", "u2 edited"]
    assert [m.id for m in store.siblings(u2)] == [u2, edit.id]
    store.switch_branch(u2)
    assert store.thread(cid)[-1].id == a2


def test_delete_message_removes_subtree_and_falls_back(store: HistoryStore) -> None:
    cid, (u1, a1, u2, a2) = _chat(store)
    regen = store.add_message(cid, "assistant", "a2 take 2", parent_id=u2)
    # Deleting the shown reply falls back to the remaining version under the same parent.
    store.delete_message(regen.id)
    assert _texts(store, cid) == ["u1", "a1", "u2", "a2"]
    # Deleting a message in the middle removes everything below it; the leaf is its parent.
    store.delete_message(u2)
    assert _texts(store, cid) == ["u1", "a1"]
    assert store.get_message(a2) is None
    assert {m.id for m in store.all_messages(cid)} == {u1, a1}
    # Deleting a branch that is not shown leaves the shown one alone.
    side = store.add_message(cid, "user", "side", parent_id=u1)
    store.switch_branch(a1)
    store.delete_message(side.id)
    assert _texts(store, cid) == ["u1", "a1"]
    store.delete_message(u1)
    assert store.thread(cid) == []
    with pytest.raises(HistoryNotFoundError):
        store.delete_message(u1)


def test_delete_a_very_deep_thread(store: HistoryStore) -> None:
    """Deeper than SQLite's 1,000-level trigger limit: cascades would fail here."""
    conv = store.create_conversation(title="deep")
    leaf = None
    first = None
    for i in range(1_100):
        m = store.add_message(
            conv.id, "user" if i % 2 == 0 else "assistant", f"m{i}", parent_id=leaf
        )
        leaf = m.id
        first = first or m.id
    assert len(store.thread(conv.id)) == 1_100
    assert first is not None
    store.delete_message(first)
    assert store.all_messages(conv.id) == []


def test_soft_delete_restore_and_purge(store: HistoryStore) -> None:
    keep = store.create_conversation(title="keep")
    gone = store.create_conversation(title="gone")
    cid, _ids = _chat(store)
    store.delete_conversation(gone.id)
    store.delete_conversation(cid)
    assert [c.id for c in store.list_conversations()] == [keep.id]
    assert store.get_conversation(cid) is None
    assert {c.id for c in store.list_deleted_conversations()} == {gone.id, cid}
    with pytest.raises(HistoryNotFoundError):
        store.add_message(cid, "user", "into the bin?")

    store.restore_conversation(cid)
    restored = store.get_conversation(cid)
    assert restored is not None
    assert _texts(store, cid) == ["u1", "a1", "u2", "a2"]

    assert store.purge_deleted() == 1
    assert store.list_deleted_conversations() == []
    with pytest.raises(HistoryNotFoundError):
        store.restore_conversation(gone.id)
    # Purging a conversation with messages removes them too.
    store.delete_conversation(cid)
    assert store.purge_deleted() == 1
    assert store.all_messages(cid) == []
    assert [c.id for c in store.list_conversations()] == [keep.id]


def test_pinned_first_then_most_recent(store: HistoryStore) -> None:
    a = store.create_conversation(title="a")
    b = store.create_conversation(title="b")
    c = store.create_conversation(title="c")
    assert [x.id for x in store.list_conversations()] == [c.id, b.id, a.id]
    store.add_message(a.id, "user", "bump")
    assert [x.id for x in store.list_conversations()] == [a.id, c.id, b.id]
    store.set_pinned(b.id, True)
    listed = store.list_conversations()
    assert [x.id for x in listed] == [b.id, a.id, c.id]
    assert [x.pinned for x in listed] == [True, False, False]
    assert listed[1].message_count == 1
    store.set_pinned(b.id, False)
    assert [x.id for x in store.list_conversations()] == [a.id, c.id, b.id]


def test_recover_interrupted_keeps_text(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with HistoryStore.open(path) as s:
        conv = s.create_conversation(title="c")
        user = s.add_message(conv.id, "user", "Tell me a story")
        reply = s.start_reply(conv.id, user.id, "m")
        s.update_reply(reply.id, "Once upon a time")
        run = s.add_tool_run("summarise", "long text", {}, "m", "Part", status="streaming")
    with HistoryStore.open(path) as s:
        assert s.recover_interrupted() == 2
        assert s.recover_interrupted() == 0
        last = s.thread(conv.id)[-1]
        assert (last.text, last.status, last.interrupted) == (
            "Once upon a time",
            "interrupted",
            True,
        )
        got = s.get_tool_run(run.id)
        assert got is not None
        assert (got.output, got.status) == ("Part", "interrupted")


def test_tool_runs(store: HistoryStore) -> None:
    first = store.add_tool_run(
        "translate", "Bonjour", {"target": "en"}, "m", "Hello", extra={"source": "fr"}
    )
    second = store.add_tool_run("translate", "Merci", {"target": "en"}, "m", "Thanks")
    store.add_tool_run("sentiment", "Great!", {}, "m", "positive", extra={"score": 0.9})
    runs = store.list_tool_runs("translate")
    assert [r.id for r in runs] == [second.id, first.id]
    assert runs[1].options == {"target": "en"}
    assert runs[1].extra == {"source": "fr"}
    assert store.list_tool_runs("translate", limit=1) == [runs[0]]
    assert [r.output for r in store.list_tool_runs("sentiment")] == ["positive"]
    assert store.get_tool_run(first.id) == first

    running = store.add_tool_run("summarise", "doc", {}, "m", "", status="streaming")
    store.update_tool_run(running.id, output="Part 1 of 3")
    done = store.update_tool_run(
        running.id, output="Summary", status="complete", extra={"parts": 3}
    )
    assert (done.output, done.status, done.extra) == ("Summary", "complete", {"parts": 3})

    store.delete_tool_run(first.id)
    assert store.get_tool_run(first.id) is None
    with pytest.raises(HistoryNotFoundError):
        store.delete_tool_run(first.id)
    with pytest.raises(ValueError):
        store.add_tool_run("", "x", {}, "m", "y")


def test_closed_store_says_so(tmp_path: Path) -> None:
    s = HistoryStore.open(tmp_path / "h.sqlite3")
    s.close()
    s.close()
    with pytest.raises(HistoryError, match="closed"):
        s.list_conversations()


def test_worker_and_gui_threads_at_once(store: HistoryStore) -> None:
    """A worker streams replies while the 'GUI thread' reads, renames and saves tool runs."""
    conv = store.create_conversation(title="busy")
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            leaf = None
            for i in range(40):
                user = store.add_message(conv.id, "user", f"q{i}", parent_id=leaf)
                reply = store.start_reply(conv.id, user.id, "m")
                for j in range(5):
                    store.update_reply(reply.id, f"answer {i} part {j}")
                leaf = store.finish_reply(reply.id, f"answer {i}", status="complete").id
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=worker, name="history-test-worker")
    thread.start()
    try:
        for i in range(60):
            store.list_conversations()
            store.thread(conv.id)
            store.search("answer")
            store.rename_conversation(conv.id, f"busy {i}")
            store.add_tool_run("sentiment", "x", {}, "m", "neutral")
    finally:
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert errors == []
    shown = store.thread(conv.id)
    assert len(shown) == 80
    assert shown[-1].text == "answer 39"
    assert all(m.status == "complete" for m in shown)
    assert len(store.list_tool_runs("sentiment", limit=1000)) == 60
