"""Render the app icon (resources/icons/parley.svg) to the files each platform wants.

Linux menus want PNGs in hicolor sizes next to the SVG, Windows an .ico, macOS an .icns. Qt
renders and writes all of them (its ico/icns image plugins ship with PySide6), so the build
needs no extra imaging tools. Output goes to build/icons/.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_SVG = ROOT / "resources" / "icons" / "parley.svg"
OUT_DIR = ROOT / "build" / "icons"
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


class IconRenderError(Exception):
    """The icon could not be rendered or written."""


def render_icons(svg: Path = SOURCE_SVG, out_dir: Path = OUT_DIR) -> dict[str, Path]:
    """Write ``hicolor/<n>x<n>/apps/parley.png`` for each size plus parley.ico and parley.icns.

    Returns the written files keyed by ``"png-<n>"``, ``"ico"`` and ``"icns"``.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if not svg.is_file():
        raise IconRenderError(f"the icon source {svg} does not exist")
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise IconRenderError(f"{svg} is not a valid SVG image")

    def render(size: int) -> QImage:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        return image

    written: dict[str, Path] = {}
    for size in HICOLOR_SIZES:
        target = out_dir / "hicolor" / f"{size}x{size}" / "apps" / "parley.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not render(size).save(str(target)):
            raise IconRenderError(f"could not write {target}")
        written[f"png-{size}"] = target
    scalable = out_dir / "hicolor" / "scalable" / "apps" / "parley.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(svg.read_bytes())
    written["svg"] = scalable
    for fmt, size in (("ico", 256), ("icns", 512)):
        target = out_dir / f"parley.{fmt}"
        writer = QImageWriter(str(target), fmt.encode())
        if writer.canWrite() and writer.write(render(size)):
            written[fmt] = target
        elif (fmt, sys.platform) in (("ico", "win32"), ("icns", "darwin")):
            raise IconRenderError(f"could not write {target}: {writer.errorString()}")
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python packaging/render_icons.py [--svg FILE] [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--svg", type=Path, default=SOURCE_SVG)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    try:
        written = render_icons(args.svg, args.out)
    except IconRenderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"rendered {len(written)} icon files into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
