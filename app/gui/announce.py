"""Spoken notices for screen readers: a reply or a tool job that finished, or was stopped.

A streamed reply grows token by token; a screen reader following those changes either reads
fragments or nothing. Open WebUI's blind users asked to hear the answer once it is complete,
and Qt 6.8 added the event for it (``QAccessibleAnnouncementEvent``): the text is handed to
the screen reader as a message of its own, politely (after what it is reading) unless told
otherwise. Where no screen reader runs, the event goes nowhere.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

# Longer than any screen reader user wants read out at once; the rest is in the view.
MAX_SPOKEN_CHARS = 1200
# Qt's hand-over to the screen reader (a seam: tests read what would be said).
_send = QAccessible.updateAccessibility


def spoken(text: str) -> str:
    """The text, cut at a word near :data:`MAX_SPOKEN_CHARS`."""
    text = " ".join(text.split())
    if len(text) <= MAX_SPOKEN_CHARS:
        return text
    cut = text.rfind(" ", 0, MAX_SPOKEN_CHARS)
    return text[: cut if cut > 0 else MAX_SPOKEN_CHARS] + "…"


def announce(source: QObject, text: str, *, urgent: bool = False) -> None:
    """Have the screen reader say ``text``, as coming from ``source``."""
    if not text.strip():
        return
    event = QAccessibleAnnouncementEvent(source, spoken(text))
    if urgent:
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
    _send(event)
