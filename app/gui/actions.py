"""Every window-level action declared once: the menus, the shortcuts and the F1 sheet read it.

Why a table: the menus used to be built by ``polish.install``, which attached attributes to
``MainWindow`` from outside, and the keyboard-shortcuts sheet kept its own hand-written list
that had to be remembered whenever a shortcut changed. Here an :class:`ActionSpec` says once
what an action is called, where it sits, which keys reach it and what the sheet says about it;
:func:`build_actions` makes the ``QAction`` objects for the window, and :func:`shortcut_rows`
builds the sheet from the same specs (plus the keys the panes handle themselves, listed in
:data:`PANE_KEYS`, and one row per sidebar section). napari declares its actions the same
way, apart from the widgets that show them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

MENU_CONTEXT = "MainWindow"
SHEET_CONTEXT = "Shortcuts"


@dataclass(frozen=True)
class ActionSpec:
    """One action of the window. Texts are marked for lupdate in their translation context."""

    key: str  # the window's attribute is ``<key>_action``; triggers call ``open_<key>``
    menu: str  # "app" (the Parley menu), "file" or "help"
    text: str  # menu text, context MainWindow
    tooltip: str  # context MainWindow
    sheet: str = ""  # what the shortcuts sheet says, context Shortcuts ("" = not listed)
    shortcut: str = ""  # a QKeySequence string
    role: QAction.MenuRole = QAction.MenuRole.NoRole
    app_wide: bool = False  # the shortcut works in dialogs too
    separator_after: bool = False


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "settings",
        "app",
        str(QT_TRANSLATE_NOOP("MainWindow", "&Settings…")),
        str(QT_TRANSLATE_NOOP("MainWindow", "Language, theme, default models, engine and history")),
        str(QT_TRANSLATE_NOOP("Shortcuts", "Open Settings")),
        "Ctrl+,",
        QAction.MenuRole.PreferencesRole,
        app_wide=True,
        separator_after=True,
    ),
    ActionSpec(
        "quit",
        "app",
        str(QT_TRANSLATE_NOOP("MainWindow", "&Quit")),
        str(QT_TRANSLATE_NOOP("MainWindow", "Close Parley (a reply being written is saved)")),
        str(QT_TRANSLATE_NOOP("Shortcuts", "Quit Parley")),
        "Ctrl+Q",
        QAction.MenuRole.QuitRole,
    ),
    ActionSpec(
        "export_markdown",
        "file",
        str(QT_TRANSLATE_NOOP("MainWindow", "Export conversation as &Markdown…")),
        str(QT_TRANSLATE_NOOP("MainWindow", "Save the open conversation to read or share")),
    ),
    ActionSpec(
        "export_json",
        "file",
        str(QT_TRANSLATE_NOOP("MainWindow", "Export conversation as &JSON…")),
        str(
            QT_TRANSLATE_NOOP(
                "MainWindow",
                "Save the open conversation with every branch; parley history import reads it",
            )
        ),
    ),
    ActionSpec(
        "welcome",
        "help",
        str(QT_TRANSLATE_NOOP("MainWindow", "&Welcome")),
        str(
            QT_TRANSLATE_NOOP(
                "MainWindow", "Show the welcome page with a model recommendation again"
            )
        ),
    ),
    ActionSpec(
        "shortcuts",
        "help",
        str(QT_TRANSLATE_NOOP("MainWindow", "&Keyboard shortcuts")),
        str(QT_TRANSLATE_NOOP("MainWindow", "Every keyboard shortcut on one page")),
        str(QT_TRANSLATE_NOOP("Shortcuts", "Show this list of shortcuts")),
        "F1",
        app_wide=True,
        separator_after=True,
    ),
    ActionSpec(
        "about",
        "help",
        str(QT_TRANSLATE_NOOP("MainWindow", "&About Parley")),
        str(QT_TRANSLATE_NOOP("MainWindow", "Version, licences and the engine in use")),
        role=QAction.MenuRole.AboutRole,
    ),
)

# Keys the panes handle themselves (a composer's Enter, a list's Delete): listed on the sheet
# only. (keys, what they do); keys given as a QKeySequence string are shown in the platform's
# notation, the others are words to translate.
PANE_KEYS: tuple[tuple[str, str, bool], ...] = (
    ("Ctrl+N", str(QT_TRANSLATE_NOOP("Shortcuts", "Chat: new conversation")), True),
    ("Ctrl+F", str(QT_TRANSLATE_NOOP("Shortcuts", "Chat: search conversations")), True),
    (
        str(QT_TRANSLATE_NOOP("Shortcuts", "Enter")),
        str(QT_TRANSLATE_NOOP("Shortcuts", "Chat: send the message")),
        False,
    ),
    (
        str(QT_TRANSLATE_NOOP("Shortcuts", "Shift+Enter")),
        str(QT_TRANSLATE_NOOP("Shortcuts", "Chat: new line in the message")),
        False,
    ),
    (
        str(QT_TRANSLATE_NOOP("Shortcuts", "Esc")),
        str(
            QT_TRANSLATE_NOOP(
                "Shortcuts", "Chat: stop the reply being written, or clear the search"
            )
        ),
        False,
    ),
    ("F2", str(QT_TRANSLATE_NOOP("Shortcuts", "Chat: rename the conversation")), True),
    (
        str(QT_TRANSLATE_NOOP("Shortcuts", "Delete")),
        str(QT_TRANSLATE_NOOP("Shortcuts", "Chat: delete the selected conversation")),
        False,
    ),
    (
        str(QT_TRANSLATE_NOOP("Shortcuts", "Tab / Shift+Tab")),
        str(QT_TRANSLATE_NOOP("Shortcuts", "Move between controls")),
        False,
    ),
    (
        str(QT_TRANSLATE_NOOP("Shortcuts", "Alt + underlined letter")),
        str(QT_TRANSLATE_NOOP("Shortcuts", "Open a menu")),
        False,
    ),
)


def _menu_text(text: str) -> str:
    return QCoreApplication.translate(MENU_CONTEXT, text)


def _sheet_text(text: str) -> str:
    return QCoreApplication.translate(SHEET_CONTEXT, text)


def build_actions(parent: QObject, triggers: dict[str, Callable[[], object]]) -> dict[str, QAction]:
    """One QAction per spec, connected to ``triggers[spec.key]``."""
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        action = QAction(_menu_text(spec.text), parent)
        action.setToolTip(_menu_text(spec.tooltip))
        if spec.shortcut:
            action.setShortcut(QKeySequence(spec.shortcut))
        if spec.app_wide:
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.setMenuRole(spec.role)
        action.triggered.connect(lambda _checked=False, f=triggers[spec.key]: f())
        actions[spec.key] = action
    return actions


def shortcut_rows(sections: list[str]) -> list[tuple[str, str]]:
    """(keys, what they do) for the sheet: one row per sidebar section (Ctrl+1, Ctrl+2...),
    then every action with keys, then the panes' own keys."""
    native = QKeySequence.SequenceFormat.NativeText
    rows: list[tuple[str, str]] = [
        (
            QKeySequence(f"Ctrl+{index + 1}").toString(native),
            _sheet_text(str(QT_TRANSLATE_NOOP("Shortcuts", "Go to {section}"))).format(
                section=name
            ),
        )
        for index, name in enumerate(sections)
    ]
    rows += [
        (QKeySequence(spec.shortcut).toString(native), _sheet_text(spec.sheet))
        for spec in ACTIONS
        if spec.shortcut and spec.sheet
    ]
    rows += [
        (QKeySequence(keys).toString(native) if sequence else _sheet_text(keys), _sheet_text(what))
        for keys, what, sequence in PANE_KEYS
    ]
    return rows
