"""GUI benchmarks: start-up, idle memory, event-loop stalls while streaming, big conversations.

Run alone with ``python -m bench.gui``; ``run()`` returns rows for the common bench report.
Start-up and idle memory are measured in a fresh interpreter (so nothing imported by other
benchmarks counts); streaming uses the real starter model through the real engine process.
Uses the offscreen Qt platform when there is no display, so widgets are still laid out and
painted into their backing store.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STREAM_TOKENS = 400
LONG_PAIRS = 1000

# Measured in a child interpreter: process start -> window shown and the first event-loop
# turn done; then RSS after two idle seconds with history open and no model loaded.
_STARTUP_SCRIPT = r"""
import json, os, sys, threading, time
import psutil
proc = psutil.Process()
started = proc.create_time()
from PySide6.QtCore import QTimer
from app.gui.main import create_gui
release = threading.Event()
def never_load():
    release.wait(30)
    raise RuntimeError("benchmark: no model")
parts = create_gui(sys.argv, resolve=never_load)
out = {}
def shown():
    parts.app.processEvents()
    out["usable_s"] = time.time() - started
def idle():
    out["rss_mb"] = proc.memory_info().rss / 2**20
    out["history_open"] = parts.window.store is not None
    release.set()
    parts.window.close()
    parts.app.quit()
QTimer.singleShot(0, shown)
QTimer.singleShot(2000, idle)
parts.app.exec()
print("RESULT " + json.dumps(out), flush=True)
os._exit(0)
"""


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure_startup() -> dict[str, Any]:
    """Time to a usable window and idle RSS, in a fresh interpreter with an empty home."""
    with tempfile.TemporaryDirectory(prefix="parley-bench-gui-") as home:
        env = dict(os.environ, PARLEY_HOME=home, PYTHONPATH=str(ROOT))
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
            env["QT_QPA_PLATFORM"] = "offscreen"
        runs = []
        for _ in range(3):
            done = subprocess.run(
                [sys.executable, "-c", _STARTUP_SCRIPT],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                raise RuntimeError(f"start-up probe failed: {done.stdout}\n{done.stderr}")
            runs.append(json.loads(line[len("RESULT ") :]))
    return {
        "usable_s": statistics.median(r["usable_s"] for r in runs),
        "rss_mb": statistics.median(r["rss_mb"] for r in runs),
        "history_open": all(r["history_open"] for r in runs),
    }


class StallProbe:
    """Records the gaps between ticks of a 2 ms timer: a gap is how long the loop was busy."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps_ms: list[float] = []
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(2)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last:
            self.gaps_ms.append((now - self._last) * 1000)
        self._last = now

    def start(self) -> None:
        self._last = 0.0
        self.gaps_ms.clear()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()


def _wait(app: Any, condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step timed out")
        app.processEvents()
        time.sleep(0.002)


def measure_streaming_and_long_thread() -> dict[str, Any]:
    """Stream a long reply from the real model while probing the event loop; then open a
    2,000-message conversation in the view."""
    from app.core.backend import LoadOptions
    from app.core.history import HistoryStore
    from app.gui.main import create_gui

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="parley-bench-gui-") as home:
        os.environ["PARLEY_HOME"] = home
        store = HistoryStore.open()
        long_id = _seed_long_conversation(store)
        store.close()
        parts = create_gui(
            [], load_options=LoadOptions(n_ctx=2048, n_threads=2, n_threads_batch=2, gpu_layers=0)
        )
        app, window = parts.app, parts.window
        try:
            _wait(app, lambda: window.load_info is not None and window.store is not None, 120)
            chat = window.chat
            chat.new_conversation()
            chat.settings.set_value("max_tokens", STREAM_TOKENS)
            chat.settings.flush()
            probe = StallProbe()
            probe.start()
            started = time.perf_counter()
            chat.send("Write a long story about a lighthouse keeper and a storm at sea.")
            _wait(app, lambda: chat.generation is None, 300)
            elapsed = time.perf_counter() - started
            probe.stop()
            reply = chat.messages[-1]
            results["stall_p99_ms"] = _percentile(probe.gaps_ms, 0.99)
            results["stall_max_ms"] = max(probe.gaps_ms)
            results["stall_median_ms"] = statistics.median(probe.gaps_ms)
            results["tokens"] = reply.generated_tokens or 0
            results["tokens_per_s"] = reply.tokens_per_s or 0.0
            results["stream_s"] = elapsed

            timings = []
            for _ in range(3):
                chat.open_conversation(chat.current_id or 0)  # away from the long one
                app.processEvents()
                t0 = time.perf_counter()
                chat.open_conversation(long_id)
                app.processEvents()  # layout and paint of the visible page
                timings.append(time.perf_counter() - t0)
                assert len(chat.messages) == 2 * LONG_PAIRS
            results["open_long_ms"] = statistics.median(timings) * 1000
        finally:
            window.close()
            app.processEvents()
    return results


def _seed_long_conversation(store: Any) -> int:
    conversation = store.create_conversation(title="Long conversation")
    parent = None
    for i in range(LONG_PAIRS):
        question = f"Question {i}: how would you explain item {i} to a beginner?"
        answer = (
            f"**Item {i}** in short:\n\n- first point about {i}\n- second point\n\n"
            f"```python\nprint({i})\n```\n\nThat is all for item {i}."
        )
        parent = store.add_message(conversation.id, "user", question, parent_id=parent).id
        parent = store.add_message(conversation.id, "assistant", answer, parent_id=parent).id
    return int(conversation.id)


def run() -> list[dict[str, Any]]:
    """Rows for the bench report."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    startup = measure_startup()
    streaming = measure_streaming_and_long_thread()
    return [
        {
            "benchmark": "gui: time to usable window",
            "value": round(startup["usable_s"] * 1000, 1),
            "unit": "ms",
            "target": "< 1000 ms",
        },
        {
            "benchmark": "gui: idle RSS before a model is loaded",
            "value": round(startup["rss_mb"], 1),
            "unit": "MB",
            "target": "< 150 MB",
            "history_open": startup["history_open"],
        },
        {
            "benchmark": "gui: event-loop stall p99 while streaming",
            "value": round(streaming["stall_p99_ms"], 2),
            "unit": "ms",
            "target": "< 16 ms",
            "median_ms": round(streaming["stall_median_ms"], 2),
            "tokens": streaming["tokens"],
            "tokens_per_s": round(streaming["tokens_per_s"], 1),
        },
        {
            "benchmark": "gui: event-loop stall max while streaming",
            "value": round(streaming["stall_max_ms"], 2),
            "unit": "ms",
            "target": "< 50 ms",
        },
        {
            "benchmark": "gui: open a 2,000-message conversation",
            "value": round(streaming["open_long_ms"], 1),
            "unit": "ms",
            "target": "< 300 ms",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
