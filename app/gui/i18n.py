"""Small helpers for translated text.

Qt's ``%n`` plural forms need a numerus translation even for English ("message(s)" otherwise
shows as is), so counts use two fully translated sentences instead: one for exactly one, one
for any other number. Languages without plural inflection (Chinese) translate both the same.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, QLocale

_ui_locale: QLocale | None = None


def set_ui_locale(locale: QLocale) -> None:
    """The locale of the interface language chosen in Settings (dates are written in it)."""
    global _ui_locale  # noqa: PLW0603 - one setting for the whole interface
    _ui_locale = QLocale(locale)


def ui_locale() -> QLocale:
    """The interface language's locale (the system's until Settings set one)."""
    return QLocale(_ui_locale) if _ui_locale is not None else QLocale()


def local_datetime(moment: datetime) -> str:
    """``moment`` in local time, written the interface language's way ("2026/12/2 14:05" in
    Chinese, "12/2/26 2:05 PM" in American English), never a fixed English "02 Dec"."""
    locale = _ui_locale if _ui_locale is not None else QLocale()
    stamp = QDateTime.fromSecsSinceEpoch(int(moment.timestamp()))
    if locale.language() == QLocale.Language.C:
        # No locale set (LANG unset, a bare session): Qt's "C" short format reads
        # "6 12 2026 22:15"; the ISO form cannot be misread.
        return stamp.toString("yyyy-MM-dd HH:mm")
    return locale.toString(stamp, QLocale.FormatType.ShortFormat)


def plural(count: int, one: str, other: str) -> str:
    """``one`` when ``count`` is 1, else ``other``; ``{n}`` becomes the formatted count."""
    return (one if count == 1 else other).replace("{n}", f"{count:,}")
