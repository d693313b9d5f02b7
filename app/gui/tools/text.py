"""Small text helpers the tool modules share: error text, titles, sizes and HTML escaping.

They live apart from the widgets so the document input, the run widgets and the panes can
all use them without importing one another.
"""

from __future__ import annotations

import html


def message_of(error: BaseException | str) -> str:
    """The user-facing text of an error: InputError and HistoryError carry ``message``."""
    if isinstance(error, str):
        return error
    return str(getattr(error, "message", "") or error or type(error).__name__)


def first_words(text: str, limit: int = 60) -> str:
    """A one-line title from the start of a text, cut at a word boundary."""
    line = " ".join(text[: limit * 4].split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut.rstrip(" ,.;:-") + "…"


def size_label(chars: int) -> str:
    """A byte count as B, KB or MB, the way the document card shows it."""
    if chars >= 1024 * 1024:
        return f"{chars / (1024 * 1024):.1f} MB"
    if chars >= 1024:
        return f"{chars / 1024:.0f} KB"
    return f"{chars} B"


def escape(text: str) -> str:
    """Text for the HTML the result views build (quotes stay as they are)."""
    return html.escape(text, quote=False)
