"""The tool panes' own stylesheet: history list, banner, document card, result views, run bar.

Set on each pane (not in theme.py) because only the tool panes use these object names; the
pane sets it again when the theme changes.
"""

from __future__ import annotations

from app.gui.theme import Theme


def pane_stylesheet(theme: Theme) -> str:
    """Styles for the tool panes' own surfaces; set on each pane so theme.py stays untouched."""
    t = theme
    return f"""
    QWidget#RunHistory {{ background: {t.window}; border-right: 1px solid {t.border}; }}
    QListWidget#RunList {{ background: transparent; border: none; outline: none; }}
    QListWidget#RunList::item {{ padding: 6px 8px; border-radius: 6px; color: {t.text}; }}
    QListWidget#RunList::item:selected {{ background: {t.sidebar_checked}; color: {t.text}; }}
    QListWidget#RunList::item:hover:!selected {{ background: {t.sidebar_hover}; }}
    QLabel#PaneTitle {{ font-size: 18px; font-weight: 600; }}
    QLabel#PaneSubtitle, QLabel#Muted, QLabel#PlanLine {{ color: {t.muted}; }}
    QLabel#SectionTitle {{ font-weight: 600; }}
    QLabel#HistoryTitle {{ font-weight: 600; padding: 2px 2px 6px 2px; }}
    QFrame#ToolBanner {{ background: {t.warning_bg}; border-radius: 8px; }}
    QFrame#ToolBanner QLabel {{ color: {t.warning_text}; }}
    QFrame#DocumentCard {{
        background: {t.base}; border: 1px solid {t.border}; border-radius: 10px;
    }}
    QLabel#CardName {{ font-weight: 600; font-size: 14px; }}
    QLabel#CardPreview {{ color: {t.muted}; }}
    QPlainTextEdit#DocumentEditor, QTextBrowser#ResultView {{
        background: {t.base}; border: 1px solid {t.border}; border-radius: 8px; padding: 4px;
    }}
    QLabel#StatusChip {{
        color: {t.warning_text}; background: {t.warning_bg}; border-radius: 6px;
        padding: 1px 8px;
    }}
    QPushButton#PrimaryButton {{
        background: {t.accent}; color: {t.accent_text}; border: none; border-radius: 8px;
        padding: 6px 16px; font-weight: 600;
    }}
    QPushButton#PrimaryButton:disabled {{ background: {t.border}; color: {t.muted}; }}
    QProgressBar#RunProgress {{
        border: 1px solid {t.border}; border-radius: 6px; background: {t.alt_base};
        text-align: center; min-height: 18px;
    }}
    QProgressBar#RunProgress::chunk {{ background: {t.sidebar_checked}; border-radius: 5px; }}
    """
