"""Runs the real Parley window in its own process and sends one message like a user would.

Used by test_crash_recovery.py, which kills this process with SIGKILL while the reply is
streaming. The message is typed into the widget named "Message input" and sent with Enter;
nothing in the app has a test hook. Long replies are requested through the per-conversation
"Max tokens" field, so the kill always lands mid-reply.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPlainTextEdit, QSpinBox, QToolButton, QWidget

from app.core.backend import LoadOptions
from app.gui.main import create_gui

MESSAGE = "Write a very long story about a lighthouse keeper and a storm."


def named(root: QWidget, name: str, kind: type[QWidget]) -> QWidget:
    return next(w for w in root.findChildren(kind) if w.accessibleName() == name)


def main() -> int:
    parts = create_gui(
        sys.argv, load_options=LoadOptions(n_ctx=2048, n_threads=2, n_threads_batch=2, gpu_layers=0)
    )
    window = parts.window

    def send_when_ready() -> None:
        if window.load_info is None or window.store is None:
            QTimer.singleShot(50, send_when_ready)
            return
        named(window, "New conversation", QToolButton).click()
        spin = named(window, "Max tokens", QSpinBox)
        assert isinstance(spin, QSpinBox)
        spin.setValue(1500)
        window.chat.settings.flush()
        box = named(window, "Message input", QPlainTextEdit)
        box.setFocus()
        QTest.keyClicks(box, MESSAGE)
        QTest.keyClick(box, Qt.Key.Key_Return)
        print("SENT", flush=True)

    QTimer.singleShot(0, send_when_ready)
    code = parts.app.exec()
    window.shutdown()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
