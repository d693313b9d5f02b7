"""Light and dark themes that follow the system (Qt 6.5+ colour scheme).

A restrained palette on the Fusion style plus a short stylesheet for the few custom surfaces
(sidebar, message cards, code blocks). Widgets ask :func:`current_theme` for colours instead of
hard-coding them, so a switch of the system scheme re-colours everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


@dataclass(frozen=True)
class Theme:
    """The few colours Parley's own surfaces use."""

    name: str
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    border: str
    sidebar: str
    sidebar_hover: str
    sidebar_checked: str
    accent: str
    accent_text: str
    user_card: str
    assistant_card: str
    code_bg: str
    warning_bg: str
    warning_text: str
    highlight_hit: str
    scroll_handle: str  # a scroll bar's handle: darker than its track, never the reverse

    @property
    def is_dark(self) -> bool:
        return self.name == "dark"


LIGHT = Theme(
    name="light",
    window="#f5f6f8",
    base="#ffffff",
    alt_base="#f0f2f5",
    text="#1f2328",
    muted="#656d76",
    border="#d8dce2",
    sidebar="#eceef2",
    sidebar_hover="#e0e4ea",
    sidebar_checked="#d5def0",
    accent="#3563c9",
    accent_text="#ffffff",
    user_card="#e9f0fd",
    assistant_card="#ffffff",
    code_bg="#f3f4f6",
    warning_bg="#fff4d6",
    warning_text="#6b4e00",
    highlight_hit="#ffe08a",
    scroll_handle="#b9bfc8",
)

DARK = Theme(
    name="dark",
    window="#1d1f23",
    base="#25272c",
    alt_base="#2b2e34",
    text="#e4e6ea",
    muted="#9aa1ab",
    border="#3a3e45",
    sidebar="#17181b",
    sidebar_hover="#24262b",
    sidebar_checked="#2d3548",
    accent="#7aa2f7",
    accent_text="#10131a",
    user_card="#26324a",
    assistant_card="#25272c",
    code_bg="#1b1d21",
    warning_bg="#3d3217",
    warning_text="#f5d88a",
    highlight_hit="#7a5d00",
    scroll_handle="#50555e",
)

_current: Theme = LIGHT


def current_theme() -> Theme:
    """The theme in use now."""
    return _current


def system_prefers_dark() -> bool:
    """True when the platform reports a dark colour scheme (Qt 6.5+)."""
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is None:
        return False
    return bool(scheme() == Qt.ColorScheme.Dark)


def _palette(theme: Theme) -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    palette.setColor(role.Window, QColor(theme.window))
    palette.setColor(role.WindowText, QColor(theme.text))
    palette.setColor(role.Base, QColor(theme.base))
    palette.setColor(role.AlternateBase, QColor(theme.alt_base))
    palette.setColor(role.Text, QColor(theme.text))
    palette.setColor(role.Button, QColor(theme.alt_base))
    palette.setColor(role.ButtonText, QColor(theme.text))
    palette.setColor(role.ToolTipBase, QColor(theme.base))
    palette.setColor(role.ToolTipText, QColor(theme.text))
    palette.setColor(role.PlaceholderText, QColor(theme.muted))
    palette.setColor(role.Highlight, QColor(theme.accent))
    palette.setColor(role.HighlightedText, QColor(theme.accent_text))
    palette.setColor(role.Link, QColor(theme.accent))
    palette.setColor(role.Mid, QColor(theme.border))
    palette.setColor(role.Midlight, QColor(theme.border))
    palette.setColor(role.Light, QColor(theme.base))
    palette.setColor(role.Dark, QColor(theme.border))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.ButtonText, role.WindowText):
        palette.setColor(disabled, r, QColor(theme.muted))
    return palette


def stylesheet(theme: Theme) -> str:
    """The stylesheet for Parley's own surfaces (object names set in the widgets)."""
    t = theme
    return f"""
    QWidget#Sidebar {{ background: {t.sidebar}; border-right: 1px solid {t.border}; }}
    QLabel#SidebarTitle {{ font-weight: 600; font-size: 15px; padding: 6px 4px 10px 4px; }}
    QToolButton#SidebarButton {{
        border: none; border-radius: 8px; padding: 7px 10px; text-align: left;
        color: {t.text}; background: transparent;
    }}
    QToolButton#SidebarButton:hover {{ background: {t.sidebar_hover}; }}
    QToolButton#SidebarButton:checked {{ background: {t.sidebar_checked}; font-weight: 600; }}
    QWidget#ConversationPanel {{ background: {t.window}; border-right: 1px solid {t.border}; }}
    QWidget#SettingsPanel {{ background: {t.window}; border-left: 1px solid {t.border}; }}
    QListWidget#ConversationList {{
        background: transparent; border: none; outline: none;
    }}
    QListWidget#ConversationList::item {{
        padding: 7px 8px; border-radius: 6px; color: {t.text};
    }}
    QListWidget#ConversationList::item:selected {{
        background: {t.sidebar_checked}; color: {t.text};
    }}
    QListWidget#ConversationList::item:hover:!selected {{ background: {t.sidebar_hover}; }}
    QScrollArea#MessageScroll {{ background: {t.base}; border: none; }}
    QWidget#MessageColumn {{ background: {t.base}; }}
    QFrame#MessageCard {{
        background: {t.assistant_card}; border: 1px solid transparent; border-radius: 10px;
    }}
    QFrame#MessageCard[role="user"] {{ background: {t.user_card}; }}
    QFrame#MessageCard[hit="true"] {{ border: 2px solid {t.accent}; }}
    QFrame#MessageCard[dropped="true"] {{ border: 1px dashed {t.border}; }}
    QLabel#MessageRole {{ font-weight: 600; color: {t.text}; }}
    QLabel#MessageMeta {{ color: {t.muted}; }}
    QToolButton#ReasoningToggle {{ color: {t.muted}; padding: 2px 4px; }}
    QToolButton#ReasoningToggle:checked {{ background: transparent; border: none; }}
    QToolButton#ReasoningToggle:focus {{ border: 1px solid {t.accent}; border-radius: 4px; }}
    QFrame#ReasoningFrame {{ border: none; border-left: 3px solid {t.border}; }}
    QLabel#ReasoningText {{ color: {t.muted}; }}
    QLabel#StatusBadge {{
        color: {t.warning_text}; background: {t.warning_bg}; border-radius: 6px; padding: 1px 6px;
    }}
    QFrame#CodeBlock {{
        background: {t.code_bg}; border: 1px solid {t.border}; border-radius: 8px;
    }}
    QLabel#CodeLanguage {{ color: {t.muted}; }}
    QPlainTextEdit#CodeText {{ background: transparent; border: none; }}
    QFrame#Notice, QFrame#UndoBar {{
        background: {t.warning_bg}; color: {t.warning_text}; border-radius: 8px;
    }}
    QFrame#Notice QLabel, QFrame#UndoBar QLabel {{ color: {t.warning_text}; }}
    QFrame#Composer {{
        background: {t.base}; border: 1px solid {t.border}; border-radius: 12px;
    }}
    QPlainTextEdit#MessageInput {{ background: transparent; border: none; }}
    QLabel#TokenMeter {{ color: {t.muted}; }}
    QLabel#TokenMeter[over="true"] {{ color: {t.warning_text}; font-weight: 600; }}
    QToolButton#CardAction {{ border: 1px solid transparent; border-radius: 6px; padding: 2px; }}
    QToolButton#CardAction:hover {{ background: {t.alt_base}; }}
    QToolButton#CardAction:focus {{ border: 1px solid {t.accent}; }}
    QPushButton#PrimaryButton {{
        background: {t.accent}; color: {t.accent_text}; border: none; border-radius: 8px;
        padding: 6px 14px; font-weight: 600;
    }}
    QPushButton#PrimaryButton:disabled {{ background: {t.border}; color: {t.muted}; }}
    QPushButton#PrimaryButton:focus {{ border: 2px solid {t.text}; padding: 4px 12px; }}
    QScrollBar:vertical {{ background: transparent; width: 10px; margin: 0; }}
    QScrollBar:horizontal {{ background: transparent; height: 10px; margin: 0; }}
    QScrollBar::handle:vertical {{ background: {t.scroll_handle}; border-radius: 4px;
        min-height: 24px; margin: 1px 2px; }}
    QScrollBar::handle:horizontal {{ background: {t.scroll_handle}; border-radius: 4px;
        min-width: 24px; margin: 2px 1px; }}
    QScrollBar::handle:hover {{ background: {t.muted}; }}
    QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
    QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
    QLabel#PlaceholderTitle {{ font-size: 22px; font-weight: 600; }}
    QLabel#EmptyTitle {{ font-size: 20px; font-weight: 600; }}
    QLabel#EmptyBody {{ color: {t.muted}; }}
    QStatusBar QLabel {{ color: {t.muted}; padding: 0 6px; }}
    """


class ThemeManager(QObject):
    """Applies the chosen theme ("system", "light" or "dark") and follows system changes."""

    changed = Signal(object)  # Theme

    def __init__(self, app: QApplication, preference: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self._preference = preference
        app.setStyle("Fusion")
        hints = QGuiApplication.styleHints()
        signal = getattr(hints, "colorSchemeChanged", None)
        if signal is not None:
            signal.connect(lambda *_: self.apply())
        self.apply()

    def set_preference(self, preference: str) -> None:
        self._preference = preference
        self.apply()

    def apply(self) -> Theme:
        global _current  # noqa: PLW0603 - the one theme of the process
        if self._preference == "dark":
            theme = DARK
        elif self._preference == "light":
            theme = LIGHT
        else:
            theme = DARK if system_prefers_dark() else LIGHT
        _current = theme
        self._app.setPalette(_palette(theme))
        self._app.setStyleSheet(stylesheet(theme))
        self.changed.emit(theme)
        return theme
