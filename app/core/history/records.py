"""Plain records and errors of the history store.

Records are frozen dataclasses, never ORM objects: the GUI reads them on its own thread while a
worker thread writes, and an ORM object would drag its session (and lazy loads) across threads.
Errors carry a user-facing ``message`` and a short machine-readable ``reason`` so the GUI can
offer the right way out (retry, free space, move a damaged file aside) without parsing text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

MESSAGE_STATUSES: frozenset[str] = frozenset(
    {"complete", "streaming", "stopped", "failed", "interrupted"}
)
FINAL_STATUSES: frozenset[str] = MESSAGE_STATUSES - {"streaming"}
ROLES: frozenset[str] = frozenset({"system", "user", "assistant"})

# Reasons shared by open and write errors. "other" covers everything without a better remedy.
Reason = Literal["corrupt", "locked", "readonly", "full", "other"]

HIT_START = "\x02"
HIT_END = "\x03"


@dataclass(frozen=True)
class Conversation:
    """One conversation as the sidebar and the chat pane see it."""

    id: int
    title: str
    created: datetime
    updated: datetime
    model_id: str
    system_prompt: str
    sampling: dict[str, Any]
    pinned: bool
    message_count: int  # every stored message, including other branches


@dataclass(frozen=True)
class Message:
    """One message; ``parent_id`` links edits and regenerations into a tree."""

    id: int
    conversation_id: int
    parent_id: int | None
    role: str
    text: str
    created: datetime
    model_id: str
    status: str
    prompt_tokens: int | None
    generated_tokens: int | None
    tokens_per_s: float | None
    ttft_s: float | None
    stop_reason: str | None
    # What a reasoning model thought before this answer; never sent back to the model.
    reasoning: str = ""
    reasoning_s: float | None = None

    @property
    def interrupted(self) -> bool:
        """True when the app ended while this reply was still being written."""
        return self.status == "interrupted"


@dataclass(frozen=True)
class SearchHit:
    """One search result. ``snippet`` marks each hit as ``\\x02hit\\x03``.

    A hit in a conversation title has ``message_id == 0`` and ``role == ""`` (ids start at 1),
    so the GUI opens the conversation rather than scrolling to a message.
    """

    conversation_id: int
    message_id: int
    title: str
    role: str
    snippet: str

    @property
    def is_title_hit(self) -> bool:
        """The query matched the conversation's title rather than a message."""
        return self.message_id == 0


@dataclass(frozen=True)
class ToolRun:
    """One run of summarise / translate / sentiment, kept so the user can look back."""

    id: int
    tool: str
    input_text: str
    options: dict[str, Any]
    model_id: str
    output: str
    status: str
    extra: dict[str, Any]
    created: datetime


class HistoryError(Exception):
    """Base of every error the store raises on purpose; ``message`` is for the user."""

    def __init__(self, message: str, *, reason: Reason = "other") -> None:
        super().__init__(message)
        self.message = message
        self.reason: Reason = reason


class HistoryOpenError(HistoryError):
    """The history file could not be opened; ``reason`` says what the user can do about it."""

    def __init__(self, message: str, *, path: Path, reason: Reason) -> None:
        super().__init__(message, reason=reason)
        self.path = path


class HistoryWriteError(HistoryError):
    """A change could not be saved (disk full, read-only, locked). Nothing saved before is lost:
    SQLite rolls the failed transaction back."""


class HistoryNotFoundError(HistoryError, LookupError):
    """A conversation, message or tool run id that does not exist (any more)."""


class HistoryImportError(HistoryError, ValueError):
    """An import file that is not a Parley history export, with where and what is wrong."""
