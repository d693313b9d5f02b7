"""Text helpers of the generation loop that need no model: stop strings.

Kept apart from the engine process so they can be tested without llama.cpp.
"""

from __future__ import annotations

from collections.abc import Sequence


class StopFilter:
    """Cuts generated text at the first stop string, across token boundaries.

    Text that could be the start of a stop string is held back until the next piece shows
    whether it is one, so the user never sees half of a stop string flash up and vanish.
    The work per piece is bounded by the stop strings' lengths, not by the reply's length.
    """

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._pending = ""

    def feed(self, text: str) -> tuple[str, bool]:
        """Return the text that is safe to show and whether a stop string was reached."""
        if not self._stops:
            return text, False
        buf = self._pending + text
        hits = [i for i in (buf.find(s) for s in self._stops) if i >= 0]
        if hits:
            self._pending = ""
            return buf[: min(hits)], True
        hold = 0
        for stop in self._stops:
            for k in range(min(len(stop) - 1, len(buf)), hold, -1):
                if buf.endswith(stop[:k]):
                    hold = k
                    break
        self._pending = buf[len(buf) - hold :] if hold else ""
        return buf[: len(buf) - hold], False

    def flush(self) -> str:
        """The held-back text, once generation has ended without reaching a stop string."""
        pending, self._pending = self._pending, ""
        return pending
