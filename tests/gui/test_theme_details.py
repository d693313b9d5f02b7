"""Details of the look that users reported: the disabled Send icon in the dark theme, focus
rings on the card actions, and scroll bars whose handle is darker than their track."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QImage
from pytestqt.qtbot import QtBot

from app.gui.icons import themed_icon
from app.gui.theme import DARK, LIGHT, stylesheet


def _ink(image: QImage) -> set[str]:
    """The opaque colours drawn in an icon's pixmap."""
    found = set()
    for x in range(image.width()):
        for y in range(image.height()):
            colour = image.pixelColor(x, y)
            if colour.alpha() == 255:
                found.add(colour.name())
    return found


def test_a_disabled_icon_has_its_own_visible_colour(qtbot: QtBot) -> None:
    icon = themed_icon("send", DARK.accent_text, DARK.muted)
    normal = _ink(icon.pixmap(20, 20, QIcon.Mode.Normal).toImage())
    disabled = _ink(icon.pixmap(20, 20, QIcon.Mode.Disabled).toImage())
    assert QColor(DARK.accent_text).name() in normal
    assert QColor(DARK.muted).name() in disabled
    assert QColor(DARK.accent_text).name() not in disabled


def test_card_actions_show_focus_and_scroll_handles_stand_out() -> None:
    for theme in (LIGHT, DARK):
        sheet = stylesheet(theme)
        assert f"QToolButton#CardAction:focus {{ border: 1px solid {theme.accent}; }}" in sheet
        assert f"background: {theme.scroll_handle}" in sheet
        # The handle differs from the page behind it in the direction of the text colour.
        base, handle = QColor(theme.base).lightness(), QColor(theme.scroll_handle).lightness()
        text = QColor(theme.text).lightness()
        assert (handle - base) * (text - base) > 0
