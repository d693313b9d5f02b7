"""The window opens as it was left: size, splitters and the last page, across a restart of
the real window (the state file lives in PARLEY_HOME's config folder)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QSplitter
from pytestqt.qtbot import QtBot

from app.gui import ui_state
from tests.gui.conftest import AppFactory


def splitter(window: object, name: str) -> QSplitter:
    found = window.findChild(QSplitter, name)  # type: ignore[attr-defined]
    assert isinstance(found, QSplitter), name
    return found


def test_size_splitters_and_page_are_remembered(
    make_app: AppFactory, qtbot: QtBot, parley_home: Path
) -> None:
    first = make_app(wait_model=False).window
    first.resize(780, 520)  # within the offscreen screen (800 x 600)
    first.show_section(2)  # Translate
    translate = splitter(first, "TranslateSplitter")
    assert not translate.childrenCollapsible()  # dragging the divider never hides a pane
    total = sum(translate.sizes())
    translate.setSizes([total // 4, total - total // 4])
    wanted = translate.sizes()
    first.close()
    assert (parley_home / "config" / ui_state.FILE_NAME).is_file()

    second = make_app(wait_model=False).window
    qtbot.waitUntil(second.isVisible, timeout=5_000)
    assert (second.width(), second.height()) == (780, 520)
    assert second.stack.currentIndex() == 2
    again = splitter(second, "TranslateSplitter").sizes()
    assert abs(again[0] - wanted[0]) <= 2 and abs(again[1] - wanted[1]) <= 2


def test_a_broken_state_file_is_ignored(make_app: AppFactory, parley_home: Path) -> None:
    path = parley_home / "config" / ui_state.FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '{"version": 1, "geometry": "%%%", "splitters": {"TranslateSplitter": [0, -5]}, '
        '"page": "x"}'
    )
    window = make_app(wait_model=False).window
    assert window.stack.currentIndex() == 0
    assert all(size > 0 for size in splitter(window, "TranslateSplitter").sizes())
    path.write_text("not json")
    assert ui_state.load_state(path) == {}
