"""Icons drawn for Parley (resources/icons/*.svg), tinted to the current theme.

The SVGs use ``currentColor``; Qt's SVG renderer does not resolve it, so the colour is
substituted before rendering. Icons are cached per colour, so a theme switch re-tints them.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app.core.paths import resource_path

_SIZES = (16, 20, 24, 32, 48)


@lru_cache(maxsize=16)
def _svg_source(name: str) -> str:
    return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")


@lru_cache(maxsize=256)
def themed_icon(name: str, color: str, disabled_color: str = "") -> QIcon:
    """The icon ``name`` drawn in ``color`` (e.g. the palette's text colour).

    With ``disabled_color`` the icon has its own drawing for a disabled button: Qt's default
    greys the normal one, which vanishes where the normal colour is the accent's text colour
    on a disabled button's grey (the dark theme's Send button).
    """
    icon = QIcon()
    modes = [(color, QIcon.Mode.Normal)]
    if disabled_color:
        modes.append((disabled_color, QIcon.Mode.Disabled))
    for tint, mode in modes:
        data = QByteArray(_svg_source(name).replace("currentColor", tint).encode("utf-8"))
        renderer = QSvgRenderer(data)
        for size in _SIZES:
            for scale in (1, 2):
                pixmap = QPixmap(size * scale, size * scale)
                pixmap.setDevicePixelRatio(scale)
                pixmap.fill(Qt.GlobalColor.transparent)
                painter = QPainter(pixmap)
                renderer.render(painter, QRectF(0, 0, size, size))
                painter.end()
                icon.addPixmap(pixmap, mode)
    return icon


def icon(name: str, color: QColor | str) -> QIcon:
    """Convenience wrapper accepting a QColor."""
    value = color.name() if isinstance(color, QColor) else color
    return themed_icon(name, value)


def app_icon() -> QIcon:
    """The window and application icon."""
    return QIcon(str(resource_path("icons", "parley.svg")))
