"""Copy and Save… for the tool panes' results (a part of :class:`~.pane.ToolPane`).

Kept apart so the pane module stays about running jobs; the pane provides ``current_output``,
``input`` (for the document's name), ``tool`` and ``banner``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QWidget

if TYPE_CHECKING:
    from app.gui.notice import Notice
    from app.gui.tools.document import DocumentInput


class ResultFilesMixin(QWidget):
    """Copy and Save… of a pane's result."""

    tool = ""
    input: DocumentInput
    banner: Notice

    ask_save: Callable[[str, str, str], str | None]  # the dialog; tests replace it

    def current_output(self) -> str:
        raise NotImplementedError

    def result_text(self) -> str:
        """What Copy and Save… give: the plain output."""
        return self.current_output()

    def copy_result(self) -> None:
        QGuiApplication.clipboard().setText(self.result_text())
        window = self.window()
        if hasattr(window, "show_message"):
            window.show_message(self.tr("Result copied"))

    def save_suffix(self) -> tuple[str, str]:
        return "md", self.tr("Markdown (*.md);;Text (*.txt);;All files (*)")

    def _save_dialog(self, title: str, name: str, filters: str) -> str | None:
        path, _filter = QFileDialog.getSaveFileName(self, title, name, filters)
        return path or None

    def save_result(self) -> None:
        suffix, filters = self.save_suffix()
        chosen = self.ask_save(self.tr("Save result"), self.suggested_name(suffix), filters)
        if not chosen:
            return
        self.write_result(Path(chosen))

    def suggested_name(self, suffix: str) -> str:
        """ "report-summarise.md" for an opened file; "sentiment-2026-12-03.csv" for pasted
        text (never "sentiment-sentiment.csv")."""
        if self.input.name:
            return f"{Path(self.input.name).stem}-{self.tool}.{suffix}"
        from datetime import date

        return f"{self.tool}-{date.today().isoformat()}.{suffix}"

    def write_result(self, path: Path) -> None:
        try:
            path.write_text(self.result_text(), encoding="utf-8")
        except OSError as exc:
            self.banner.show_text(
                self.tr("Could not save {name}: {error}").format(
                    name=path.name, error=exc.strerror or exc
                )
            )
            return
        window = self.window()
        if hasattr(window, "show_message"):
            window.show_message(self.tr("Saved {name}").format(name=path.name))
