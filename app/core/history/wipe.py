"""Delete all history (Settings > Delete all history), as a use case the window calls.

It lived in the Settings dialog; it is history logic, so it sits beside the store. It uses the
store's own operations (soft delete, then empty the bin) so the search index and its
triggers stay consistent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.settings import TOOLS

if TYPE_CHECKING:
    from app.core.history.store import HistoryStore


def delete_all_history(store: HistoryStore) -> int:
    """Remove every conversation and every text-tool result for good; returns conversations."""
    conversations = store.list_conversations()
    for conversation in conversations:
        store.delete_conversation(conversation.id)
    store.purge_deleted()
    for tool in TOOLS:
        while runs := store.list_tool_runs(tool, limit=200):
            for run in runs:
                store.delete_tool_run(run.id)
    return len(conversations)
