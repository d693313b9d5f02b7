"""Conversation history and tool runs in one SQLite file (see ``store`` for the design)."""

from app.core.history.records import (
    Conversation,
    HistoryError,
    HistoryImportError,
    HistoryNotFoundError,
    HistoryOpenError,
    HistoryWriteError,
    Message,
    SearchHit,
    ToolRun,
)
from app.core.history.store import HistoryStore, default_history_path

__all__ = [
    "Conversation",
    "HistoryError",
    "HistoryImportError",
    "HistoryNotFoundError",
    "HistoryOpenError",
    "HistoryStore",
    "HistoryWriteError",
    "Message",
    "SearchHit",
    "ToolRun",
    "default_history_path",
]
