"""The app process's side of the engine child's life: its log, and ending it for sure.

Kept apart from :mod:`.local` (the client's requests and streams), which starts the child.
"""

from __future__ import annotations

from contextlib import suppress
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from app.engine import protocol as proto

LOG_ROTATE_BYTES = 5 * 1024**2
QUIT_GRACE_S = 3.0


def rotate_log(path: Path) -> None:
    """Keep one previous log: llama.cpp logs a few hundred lines per model load."""
    try:
        if path.stat().st_size > LOG_ROTATE_BYTES:
            path.replace(path.with_name(path.name + ".1"))
    except OSError:
        pass


def kill(process: BaseProcess) -> None:
    if process.is_alive():
        process.terminate()
        process.join(1.0)
    if process.is_alive():
        process.kill()
    process.join(1.0)
    process.close()


def stop_process(process: BaseProcess, conn: Connection) -> None:
    """Finaliser for a LocalBackend dropped without close(): never leave an engine behind."""
    try:
        conn.send((proto.OP_QUIT,))
        process.join(QUIT_GRACE_S)
    except (OSError, ValueError):
        pass
    with suppress(ValueError):  # already closed
        kill(process)
    conn.close()


class EngineCrashed(Exception):
    """The engine process died during a request (the client turns it into a user message)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
