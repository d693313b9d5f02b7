"""Starting Parley again, for the settings that take effect only at start (the language, the
history's location): the user is asked, and the same program starts with the same arguments
once this window has closed cleanly (a reply in progress is saved as stopped)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import QWidget


def restart_command() -> tuple[str, list[str]]:
    """The program and arguments that start this Parley again: the bundle's executable when
    frozen, else this interpreter with the same script."""
    if getattr(sys, "frozen", False):
        return sys.executable, list(sys.argv[1:])
    return sys.executable, list(sys.argv)


def restart(window: QWidget) -> bool:
    """Close ``window`` (which saves everything) and start Parley again; False when the new
    process could not be started (the window then stays open)."""
    program, arguments = restart_command()
    if not window.close():
        return False
    started, _pid = QProcess.startDetached(program, arguments)
    return bool(started)
