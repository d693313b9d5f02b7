"""Small helpers for translated text.

Qt's ``%n`` plural forms need a numerus translation even for English ("message(s)" otherwise
shows as is), so counts use two fully translated sentences instead: one for exactly one, one
for any other number. Languages without plural inflection (Chinese) translate both the same.
"""

from __future__ import annotations


def plural(count: int, one: str, other: str) -> str:
    """``one`` when ``count`` is 1, else ``other``; ``{n}`` becomes the formatted count."""
    return (one if count == 1 else other).replace("{n}", f"{count:,}")
