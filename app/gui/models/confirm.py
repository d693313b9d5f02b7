"""The one question the Models page has open at a time (remove, import, replace).

Removing and importing live in different modules but ask their questions the same way: a
window-modal box whose answer arrives later. Keeping the open box in one shared place lets the
page (and tests) find it, whichever part asked.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox


class Confirmation:
    """Holds the open question box; forgets it as soon as a button is chosen."""

    def __init__(self) -> None:
        self.dialog: QMessageBox | None = None

    def ask(self, box: QMessageBox, answered: Callable[[object], None]) -> None:
        """Open ``box`` (it returns at once) and call ``answered`` with the chosen button."""

        def chosen(button: object) -> None:
            self.dialog = None
            answered(button)

        box.buttonClicked.connect(chosen)
        self.dialog = box
        box.open()
