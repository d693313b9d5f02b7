"""Where the window was: its size and position, each splitter's sizes, the last page and the
few choices a pane keeps (the Translate pane's target language), kept across restarts.

It is not a setting (nobody edits it, and a broken file must never cost the user their
settings), so it has a small file of its own, ``ui-state.json`` in the config folder. Every
failure to read or write it is logged and otherwise ignored: the window then simply opens at
its default size. Qt's own ``saveGeometry`` blob is stored (base64), so restoring puts a
window that was on a screen that is gone back onto one that exists.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

from app.core.paths import app_dirs

log = logging.getLogger(__name__)

FILE_NAME = "ui-state.json"
VERSION = 1


def state_path() -> Path:
    return app_dirs().config / FILE_NAME


def load_state(path: Path | None = None) -> dict[str, Any]:
    """The saved state, or {} when there is none or it cannot be read."""
    path = path or state_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("window state in %s ignored: %s", path, exc)
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    return data


def save_state(data: dict[str, Any], path: Path | None = None) -> None:
    """Write the state atomically; a failure is logged, never raised (it runs on quit)."""
    path = path or state_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.part")
        partial.write_text(json.dumps({**data, "version": VERSION}, indent=1), encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        log.warning("window state not saved to %s: %s", path, exc)


def _splitters(window: QMainWindow) -> dict[str, QSplitter]:
    """The window's splitters that have a name (each pane names its own)."""
    return {s.objectName(): s for s in window.findChildren(QSplitter) if s.objectName()}


def _keepers(window: QMainWindow) -> dict[str, Any]:
    """Named widgets with a state of their own to keep (``remembered_state`` and
    ``restore_state``), such as the Translate pane's chosen target language."""
    return {
        w.objectName(): w
        for w in window.findChildren(QWidget)
        if w.objectName() and callable(getattr(w, "remembered_state", None))
    }


def capture(window: QMainWindow, page: int) -> dict[str, Any]:
    """What to remember of ``window``, showing section ``page``."""
    return {
        "panes": {name: w.remembered_state() for name, w in _keepers(window).items()},
        "geometry": base64.b64encode(bytes(window.saveGeometry().data())).decode("ascii"),
        "splitters": {
            name: [int(size) for size in splitter.sizes()]
            for name, splitter in _splitters(window).items()
        },
        "page": page,
    }


def restore(window: QMainWindow, data: dict[str, Any]) -> int | None:
    """Put ``window`` back as it was; returns the page to show, if one was saved."""
    geometry = data.get("geometry")
    if isinstance(geometry, str):
        try:
            window.restoreGeometry(QByteArray(base64.b64decode(geometry, validate=True)))
        except ValueError:
            log.warning("saved window geometry ignored: not base64")
    saved = data.get("splitters")
    if isinstance(saved, dict):
        for name, splitter in _splitters(window).items():
            sizes = saved.get(name)
            if (
                isinstance(sizes, list)
                and len(sizes) == splitter.count()
                and all(isinstance(n, int) and n > 0 for n in sizes)
            ):
                splitter.setSizes(sizes)
    panes = data.get("panes")
    if isinstance(panes, dict):
        for name, widget in _keepers(window).items():
            state = panes.get(name)
            if isinstance(state, dict):
                widget.restore_state(state)
    page = data.get("page")
    return page if isinstance(page, int) and page >= 0 else None
