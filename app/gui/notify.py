"""Notifications for long jobs that finish while the user is elsewhere.

A finished download or a long summary should reach a user who has switched to another
program. When Parley's window is active a status-bar line is enough; in the background
Parley uses the system tray's balloon where the desktop has a tray, and asks the window
manager to flag the window (``QApplication.alert``: the task-bar entry flashes or bounces)
everywhere. The window passes itself in as a :class:`Notifiable`, so this module needs no
import of the window (no circle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget


@dataclass(frozen=True)
class Notification:
    """What a call to :func:`notify` did (kept on the window for tests and logs)."""

    title: str
    text: str
    background: bool
    via: str  # "status", "tray" or "alert"


class Notifiable(Protocol):
    """What notify needs of a window."""

    def isActiveWindow(self) -> bool: ...  # noqa: N802 - Qt's name
    def isMinimized(self) -> bool: ...  # noqa: N802 - Qt's name
    def windowIcon(self) -> QIcon: ...  # noqa: N802 - Qt's name
    def show_message(self, text: str, msecs: int = 6000) -> None: ...


class Notifier:
    """One window's notifications; owns the tray icon, created on first use."""

    def __init__(self, window: QWidget) -> None:
        self._window = window
        self._tray: QSystemTrayIcon | None = None

    def notify(self, window: Notifiable, title: str, text: str) -> Notification:
        """Tell the user ``title``: ``text``, loudly only when the window is in the background."""
        background = not window.isActiveWindow() or window.isMinimized()
        via = "status"
        window.show_message(f"{title}: {text}")
        if background:
            tray = self._tray_icon(window.windowIcon())
            if tray is not None:
                tray.showMessage(title, text, window.windowIcon(), 8000)
                via = "tray"
            else:
                via = "alert"
            QApplication.alert(self._window, 0)
        return Notification(title, text, background, via)

    def _tray_icon(self, icon: QIcon) -> QSystemTrayIcon | None:
        """A tray icon for balloons, only where a tray exists."""
        if not QSystemTrayIcon.isSystemTrayAvailable() or not QSystemTrayIcon.supportsMessages():
            return None
        if self._tray is None:
            self._tray = QSystemTrayIcon(icon, self._window)
            self._tray.setToolTip(QCoreApplication.translate("MainWindow", "Parley"))
            self._tray.activated.connect(lambda *_: self._raise())
        self._tray.show()
        return self._tray

    def _raise(self) -> None:
        """Clicking the tray balloon or icon brings the window back."""
        self._window.showNormal()
        self._window.activateWindow()
