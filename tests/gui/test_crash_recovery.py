"""Kill -9 the real app mid-reply, start it again: the partial reply is kept and marked.

The first process is the real window with the real engine and the starter model, driven by
crash_driver.py; it is killed with SIGKILL once the streaming reply has been checkpointed to
the SQLite file. The restarted window (in this process) must mark the reply interrupted and
show it as such, with the checkpointed text intact.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from pytestqt.qtbot import QtBot

from tests.gui.conftest import AppFactory

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("crash_driver.py")


def streaming_reply(db: Path) -> tuple[str, str] | None:
    """(status, text) of the assistant reply, read without writing to the file."""
    if not db.exists():
        return None
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            row = conn.execute(
                "SELECT status, text FROM messages WHERE role = 'assistant' ORDER BY id DESC"
            ).fetchone()
    except sqlite3.Error:
        return None
    return (str(row[0]), str(row[1])) if row else None


def test_sigkill_mid_reply_is_recovered_as_interrupted(
    make_app: AppFactory, qtbot: QtBot, history_path: Path
) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, str(DRIVER)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    children: list[psutil.Process] = []
    seen: tuple[str, str] | None = None
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            seen = streaming_reply(history_path)
            if seen and seen[0] == "streaming" and len(seen[1]) >= 40:
                break
            time.sleep(0.2)
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
        assert seen and seen[0] == "streaming" and len(seen[1]) >= 40, seen
        children = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        # The engine process lost its parent; end it so nothing outlives the test.
        for child in children:
            if child.is_running():
                child.kill()
        psutil.wait_procs(children, timeout=10)
        if process.stdout:
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL

    status, text = streaming_reply(history_path) or ("", "")
    assert status == "streaming"  # nobody has looked at the file since the crash
    assert text.startswith(seen[1])

    window = make_app(wait_model=False).window
    store = window.store
    assert store is not None
    [conversation] = store.list_conversations()
    user, reply = store.thread(conversation.id)
    assert user.text.startswith("Write a very long story")
    assert reply.status == "interrupted" and reply.interrupted
    assert reply.text == text
    card = window.chat.view.last_card()
    assert card is not None and card.message.id == reply.id
    assert card.text == text
    assert not card.badge.isHidden() and card.badge.text() == "Interrupted"
    assert not window.chat.notice.isHidden()
    assert "1 reply was cut off" in window.chat.notice.label.text()
