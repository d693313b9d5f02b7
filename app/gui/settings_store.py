"""The window's one settings object: read once, saved in one place, changes announced.

Why: pages, dialogs and start-up each re-read ``settings.json`` (about 25 call sites) and
wrote it back, so a page kept a stale copy after the Settings dialog changed something and a
save from one place could undo another's. The window owns one :class:`SettingsStore`; every
GUI part reads :meth:`current` and saves through :meth:`update`, and whatever shows a
setting listens to :attr:`changed`. Callers get copies, so no one edits the store's own
object behind its back.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from app.core.settings import Settings, load_settings, save_settings


class SettingsStore(QObject):
    """The user's settings for one window; ``changed`` carries the new settings."""

    changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        loaded = load_settings()
        self._settings = loaded.settings
        self.warning = loaded.warning  # shown once by the window

    def current(self) -> Settings:
        """A copy of the settings in force."""
        return copy.deepcopy(self._settings)

    def update(self, settings: Settings) -> None:
        """Save ``settings`` (atomically; OSError when the disk refuses) and announce them."""
        save_settings(settings)
        self._settings = copy.deepcopy(settings)
        self.changed.emit(self.current())

    def edit(self, change: Callable[[Settings], None]) -> Settings:
        """Apply ``change`` to a copy, save it and announce it; the new settings."""
        settings = self.current()
        change(settings)
        self.update(settings)
        return settings
