"""Progress of one download as the user sees it: throttled reports with speed and time left.

A callback per chunk would flood the GUI (thousands a second on a fast line), and a
whole-run average speed hides a stall, so reports are limited to about ten a second and the
speed is measured over the last few seconds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from app.core.downloads.spec import DownloadProgress, DownloadStopped, Phase, ProgressCallback

PROGRESS_INTERVAL_S = 0.1


class _Speed:
    """Bytes per second over the last few seconds (a whole-run average hides a stall)."""

    def __init__(self, window_s: float = 3.0) -> None:
        self._window = window_s
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, now: float, done: int) -> float:
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > self._window:
            self._samples.popleft()
        first_t, first_done = self._samples[0]
        elapsed = now - first_t
        return (done - first_done) / elapsed if elapsed > 0 else 0.0


class Reporter:
    """Throttles progress callbacks to ~10 a second and works out speed and time left."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._last = 0.0
        self._speed = _Speed()
        self._phase: Phase | None = None

    def now(self, phase: Phase, done: int, total: int, *, force: bool = False) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if phase != self._phase:
            self._speed = _Speed()
            self._phase = phase
            force = True
        speed = self._speed.add(now, done)
        if not force and now - self._last < PROGRESS_INTERVAL_S:
            return
        self._last = now
        eta = (total - done) / speed if speed > 0 and total >= done else None
        self._callback(DownloadProgress(phase, done, total, speed, eta))


def hash_file(
    path: Path, digest: Any, length: int, stop: threading.Event, report: Reporter
) -> None:
    """Feed the first ``length`` bytes of ``path`` to ``digest`` (resuming a download)."""
    done = 0
    with path.open("rb") as handle:
        while done < length:
            block = handle.read(min(4 << 20, length - done))
            if not block:
                break
            digest.update(block)
            done += len(block)
            report.now("checking", done, length)
            if stop.is_set():
                raise DownloadStopped(done, length)
