"""Delete all history: every conversation, message and tool run gone, search index too."""

from __future__ import annotations

from pathlib import Path

from app.core.history import HistoryStore
from app.core.history.wipe import delete_all_history


def test_delete_all_history_leaves_nothing_to_find(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    try:
        for n in range(3):
            conversation = store.create_conversation(title=f"talk {n}", model_id="m")
            store.add_message(conversation.id, "user", f"kumquat number {n}")
        store.add_tool_run("summarise", "a document", {}, "m", "a summary", status="complete")
        assert delete_all_history(store) == 3
        assert store.list_conversations() == []
        assert store.list_deleted_conversations() == []
        assert store.list_tool_runs("summarise") == []
        assert store.search("kumquat") == []
    finally:
        store.close()
