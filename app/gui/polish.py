"""Menus beyond Help > About, the keyboard-shortcuts sheet, and notifications.

Kept apart from window.py so the window stays about layout and start-up. ``install`` is called
once from ``MainWindow._build_menus``.

Notifications: a finished long job (a download, a long summary) should reach a user who has
switched to another program. When Parley's window is active a status-bar line is enough; in
the background Parley uses the system tray's balloon where the desktop has a tray, and asks
the window manager to flag the window (``QApplication.alert``: the task-bar entry flashes or
bounces) everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QSystemTrayIcon,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from app.gui.window import MainWindow


@dataclass(frozen=True)
class Notification:
    """What the last call to :func:`notify` did (kept on the window for tests and logs)."""

    title: str
    text: str
    background: bool
    via: str  # "status", "tray" or "alert"


def install(window: MainWindow, help_menu: QMenu) -> None:
    """Add the Parley menu (Settings, Quit), Help entries, and download notifications."""
    app_menu = QMenu(QCoreApplication.translate("MainWindow", "&Parley"), window)
    window.menuBar().insertMenu(help_menu.menuAction(), app_menu)
    window.app_menu = app_menu  # type: ignore[attr-defined]

    settings = QAction(QCoreApplication.translate("MainWindow", "&Settings…"), window)
    settings.setShortcut(QKeySequence("Ctrl+,"))
    settings.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    settings.setToolTip(
        QCoreApplication.translate(
            "MainWindow", "Language, theme, default models, engine and history"
        )
    )
    settings.triggered.connect(lambda: open_settings(window))
    app_menu.addAction(settings)
    window.settings_action = settings  # type: ignore[attr-defined]
    app_menu.addSeparator()
    quit_action = QAction(QCoreApplication.translate("MainWindow", "&Quit"), window)
    quit_action.setShortcut(QKeySequence("Ctrl+Q"))
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    quit_action.setToolTip(
        QCoreApplication.translate("MainWindow", "Close Parley (a reply being written is saved)")
    )
    quit_action.triggered.connect(window.close)
    app_menu.addAction(quit_action)

    welcome = QAction(QCoreApplication.translate("MainWindow", "&Welcome"), window)
    welcome.setToolTip(
        QCoreApplication.translate(
            "MainWindow", "Show the welcome page with a model recommendation again"
        )
    )
    welcome.triggered.connect(lambda: open_welcome(window))
    help_menu.addAction(welcome)
    window.welcome_action = welcome  # type: ignore[attr-defined]
    shortcuts = QAction(QCoreApplication.translate("MainWindow", "&Keyboard shortcuts"), window)
    shortcuts.setShortcut(QKeySequence(Qt.Key.Key_F1))
    shortcuts.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    shortcuts.setToolTip(
        QCoreApplication.translate("MainWindow", "Every keyboard shortcut on one page")
    )
    shortcuts.triggered.connect(lambda: open_shortcuts(window))
    help_menu.addAction(shortcuts)
    window.shortcuts_action = shortcuts  # type: ignore[attr-defined]
    help_menu.addSeparator()
    for menu in (app_menu, help_menu):
        menu.setToolTipsVisible(True)

    window.models_page.models_changed.connect(lambda: _downloads_finished(window))


def open_settings(window: MainWindow) -> QDialog:
    from app.gui.settings_dialog import show_settings

    dialog = show_settings(window)
    window.settings_dialog = dialog  # type: ignore[attr-defined]
    return dialog


def open_welcome(window: MainWindow) -> QDialog:
    from app.gui.welcome import show_welcome

    dialog = show_welcome(window)
    window.welcome_dialog = dialog  # type: ignore[attr-defined]
    return dialog


def open_shortcuts(window: MainWindow) -> QDialog:
    dialog = ShortcutsSheet(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.open()
    window.shortcuts_dialog = dialog  # type: ignore[attr-defined]
    return dialog


def shortcut_rows(window: MainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for every shortcut, sections read from the sidebar so panes
    added later are listed too."""
    native = QKeySequence.SequenceFormat.NativeText
    rows: list[tuple[str, str]] = []
    for index, button in enumerate(window.sidebar.buttons.values()):
        keys = QKeySequence(f"Ctrl+{index + 1}").toString(native)
        rows.append(
            (
                keys,
                QCoreApplication.translate("Shortcuts", "Go to {section}").format(
                    section=button.text()
                ),
            )
        )
    rows += [
        (
            QKeySequence("Ctrl+,").toString(native),
            QCoreApplication.translate("Shortcuts", "Open Settings"),
        ),
        (
            QKeySequence(Qt.Key.Key_F1).toString(native),
            QCoreApplication.translate("Shortcuts", "Show this list of shortcuts"),
        ),
        (
            QKeySequence("Ctrl+Q").toString(native),
            QCoreApplication.translate("Shortcuts", "Quit Parley"),
        ),
        (
            QKeySequence("Ctrl+N").toString(native),
            QCoreApplication.translate("Shortcuts", "Chat: new conversation"),
        ),
        (
            QKeySequence("Ctrl+F").toString(native),
            QCoreApplication.translate("Shortcuts", "Chat: search conversations"),
        ),
        (
            QCoreApplication.translate("Shortcuts", "Enter"),
            QCoreApplication.translate("Shortcuts", "Chat: send the message"),
        ),
        (
            QCoreApplication.translate("Shortcuts", "Shift+Enter"),
            QCoreApplication.translate("Shortcuts", "Chat: new line in the message"),
        ),
        (
            QCoreApplication.translate("Shortcuts", "Esc"),
            QCoreApplication.translate(
                "Shortcuts", "Chat: stop the reply being written, or clear the search"
            ),
        ),
        (
            QKeySequence(Qt.Key.Key_F2).toString(native),
            QCoreApplication.translate("Shortcuts", "Chat: rename the conversation"),
        ),
        (
            QCoreApplication.translate("Shortcuts", "Delete"),
            QCoreApplication.translate("Shortcuts", "Chat: delete the selected conversation"),
        ),
        (
            QCoreApplication.translate("Shortcuts", "Tab / Shift+Tab"),
            QCoreApplication.translate("Shortcuts", "Move between controls"),
        ),
        (
            QCoreApplication.translate("Shortcuts", "Alt + underlined letter"),
            QCoreApplication.translate("Shortcuts", "Open a menu"),
        ),
    ]
    return rows


class ShortcutsSheet(QDialog):
    """Help > Keyboard shortcuts (F1): a read-only two-column table."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.resize(560, 520)
        column = QVBoxLayout(self)
        intro = QLabel(self.tr("Every action in Parley can be reached from the keyboard."))
        intro.setWordWrap(True)
        column.addWidget(intro)
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 2)
        self.table.setAccessibleName(self.tr("Shortcuts"))
        self.table.setToolTip(self.tr("Keys on the left, what they do on the right"))
        self.table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Action")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, (keys, action) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(action))
        column.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("Close"))
        close.setAccessibleName(self.tr("Close"))
        close.setToolTip(self.tr("Close this list"))
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)


# ---- notifications -------------------------------------------------------------------------


def _downloads_finished(window: MainWindow) -> None:
    """Models changed: notify once for each download that has finished since last time."""
    seen: set[int] = window.__dict__.setdefault("_notified_downloads", set())
    for job in window.models_page.queue.jobs():
        if job.state == "done" and job.job_id not in seen:
            seen.add(job.job_id)
            window.notify(
                QCoreApplication.translate("MainWindow", "Download finished"),
                QCoreApplication.translate("MainWindow", "{model} is ready to use.").format(
                    model=job.spec.name
                ),
            )


def notify(window: MainWindow, title: str, text: str) -> Notification:
    """Tell the user ``title``: ``text``, loudly only when the window is in the background."""
    background = not window.isActiveWindow() or window.isMinimized()
    via = "status"
    window.show_message(f"{title}: {text}")
    if background:
        tray = _tray(window)
        if tray is not None:
            tray.showMessage(title, text, window.windowIcon(), 8000)
            via = "tray"
        else:
            via = "alert"
        QApplication.alert(window, 0)
    result = Notification(title, text, background, via)
    window.last_notification = result  # type: ignore[attr-defined]
    return result


def _tray(window: MainWindow) -> QSystemTrayIcon | None:
    """A tray icon for balloons, created on first use and only where a tray exists."""
    if not QSystemTrayIcon.isSystemTrayAvailable() or not QSystemTrayIcon.supportsMessages():
        return None
    tray = getattr(window, "_tray_icon", None)
    if tray is None:
        tray = QSystemTrayIcon(window.windowIcon(), window)
        tray.setToolTip(QCoreApplication.translate("MainWindow", "Parley"))
        tray.activated.connect(lambda *_: _raise(window))
        window._tray_icon = tray  # type: ignore[attr-defined]
    tray.show()
    return tray


def _raise(window: MainWindow) -> None:
    """Clicking the tray balloon or icon brings the window back."""
    window.showNormal()
    window.activateWindow()
