"""Saving text that is still being written, about once a second: one rule for every face.

A reply or a tool run is saved when it starts and when it ends; in between, a crash would
lose everything the model wrote. Each face used to write its own throttle (the chat command,
the tool commands, the chat pane and the tool panes): here is the one rule, so "a crash loses
at most about a second" holds wherever the text is being written.
"""

from __future__ import annotations

import time
from collections.abc import Callable

EVERY_S = 1.0


class Checkpointer:
    """Hands the newest text to ``save`` at most every ``every_s`` seconds, and only when it
    changed since the last save. ``flush`` saves what is pending now."""

    def __init__(
        self,
        save: Callable[[str], None],
        *,
        every_s: float = EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._save = save
        self._every_s = every_s
        self._clock = clock
        self._last = clock()
        self.text = ""  # the newest text offered
        self.saved = ""  # the text the last save wrote

    def offer(self, text: str) -> bool:
        """Remember ``text``; save it if a checkpoint is due. True when it was saved."""
        self.text = text
        if self._clock() - self._last < self._every_s:
            return False
        return self.flush()

    def flush(self) -> bool:
        """Save the newest text now if it is not saved yet. True when it was saved."""
        if self.text == self.saved:
            return False
        self._last = self._clock()
        self._save(self.text)
        self.saved = self.text
        return True
