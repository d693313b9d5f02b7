"""Adding a GGUF file the user already has: by the Import button, or dropped on the page.

The flow asks whether to copy or link, imports in the background (header check, copy with
progress, the same load test as downloads, so nothing that cannot load is installed) and
asks again when the name is taken. Results come back to :class:`ImportFlow`'s own callbacks.
The strings keep the "ModelsPage" translation context.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QMimeData, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QProgressBar, QWidget

from app.core.hardware import format_bytes
from app.gui.models.confirm import Confirmation
from app.gui.notice import Notice
from app.gui.ops import BackgroundOp

if TYPE_CHECKING:
    from app.core.model_import import ImportedModel


def gguf_files(mime: QMimeData) -> list[Path]:
    """The local ``.gguf`` files among dragged URLs (anything else is not taken)."""
    return [
        Path(url.toLocalFile())
        for url in mime.urls()
        if url.isLocalFile() and url.toLocalFile().lower().endswith(".gguf")
    ]


class ImportFlow(QObject):
    """One import at a time, reported on the page's activity line and progress bar.

    ``busy_changed`` tells the page to update its buttons; ``models_changed`` and then
    ``stale`` follow an import that installed a model.
    """

    busy_changed = Signal()
    models_changed = Signal()
    stale = Signal()
    _progress = Signal(int, int)  # from the import thread: bytes copied, of total
    _testing = Signal(str)  # the file name, while the engine loads it once

    def __init__(
        self,
        owner: QWidget,
        *,
        notice: Notice,
        confirm: Confirmation,
        activity: QLabel,
        bar: QProgressBar,
        load_test: Callable[[Path], None],
    ) -> None:
        super().__init__(owner)
        self._owner = owner  # dialogs open over the page
        self._notice = notice
        self._confirm = confirm
        self._activity = activity
        self._bar = bar
        self._load_test = load_test
        self._stop: threading.Event | None = None
        self.busy = 0
        self._progress.connect(self._on_progress)
        self._testing.connect(self._on_testing)

    def choose(self) -> None:
        """The Import button: pick a file, then ask how to import it."""
        path, _filter = QFileDialog.getOpenFileName(
            self._owner,
            QCoreApplication.translate("ModelsPage", "Import a model"),
            str(Path.home()),
            QCoreApplication.translate("ModelsPage", "GGUF models (*.gguf);;All files (*)"),
        )
        if path:
            self.ask(Path(path))

    def drag_enter(self, event: QDragEnterEvent) -> None:
        """Accept a drag that carries a .gguf file."""
        if gguf_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def drop(self, event: QDropEvent) -> None:
        """Import the first dropped .gguf file; more than one is refused with a word why."""
        files = gguf_files(event.mimeData())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.ask(files[0])
        if len(files) > 1:
            self._notice.show_text(
                QCoreApplication.translate(
                    "ModelsPage", "Importing {name}; drop the other files one at a time."
                ).format(name=files[0].name)
            )

    def ask(self, path: Path) -> None:
        """Ask whether to copy or link ``path``, then import it."""
        box = QMessageBox(self._owner)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(QCoreApplication.translate("ModelsPage", "Import model"))
        box.setAccessibleName(QCoreApplication.translate("ModelsPage", "Import model?"))
        box.setText(
            QCoreApplication.translate("ModelsPage", "Import {name}?").format(name=path.name)
        )
        box.setInformativeText(
            QCoreApplication.translate(
                "ModelsPage",
                "Copying puts a copy in Parley's models folder (it uses disk space). Linking "
                "uses no space, but the model stops working if the file is moved or deleted.",
            )
        )
        copy = box.addButton(
            QCoreApplication.translate("ModelsPage", "Copy into Parley"),
            QMessageBox.ButtonRole.AcceptRole,
        )
        copy.setAccessibleName(QCoreApplication.translate("ModelsPage", "Copy into Parley"))
        link = box.addButton(
            QCoreApplication.translate("ModelsPage", "Link to the file"),
            QMessageBox.ButtonRole.ActionRole,
        )
        link.setAccessibleName(QCoreApplication.translate("ModelsPage", "Link to the file"))
        cancel = box.addButton(
            QCoreApplication.translate("ModelsPage", "Cancel"), QMessageBox.ButtonRole.RejectRole
        )
        cancel.setAccessibleName(QCoreApplication.translate("ModelsPage", "Cancel"))
        box.setDefaultButton(copy)

        def answered(button: object) -> None:
            if button is copy:
                self.import_file(path, "copy")
            elif button is link:
                self.import_file(path, "link")

        self._confirm.ask(box, answered)

    def import_file(self, path: Path, mode: str, on_duplicate: str = "error") -> None:
        """Import in the background with progress; a duplicate name asks what to do."""
        from app.core.model_import import import_model

        stop = threading.Event()
        self._stop = stop
        self.busy += 1
        self._activity.setText(
            QCoreApplication.translate("ModelsPage", "Checking {name}…").format(name=path.name)
        )
        self._bar.setRange(0, 0)
        self._bar.show()
        self.busy_changed.emit()
        progress = self._progress
        testing = self._testing
        load_test = self._load_test

        def work() -> ImportedModel:
            return import_model(
                path,
                mode="link" if mode == "link" else "copy",
                on_duplicate=on_duplicate,  # type: ignore[arg-type]
                progress=progress.emit,
                stop=stop,
                load_test=load_test,  # as for downloads: never install what cannot load
                on_testing=lambda: testing.emit(path.name),
            )

        BackgroundOp(self, work).on_success(self._imported).on_failure(
            lambda error: self._failed(error, path, mode)
        ).run()

    def cancel(self) -> None:
        """Ask a running import to stop (the page is closing)."""
        if self._stop is not None:
            self._stop.set()

    def _on_progress(self, done: int, total: int) -> None:
        if total:
            self._bar.setRange(0, 1000)
            self._bar.setValue(int(1000 * done / total))
            self._activity.setText(
                QCoreApplication.translate("ModelsPage", "Copying: {done} of {total}").format(
                    done=format_bytes(done), total=format_bytes(total)
                )
            )

    def _on_testing(self, name: str) -> None:
        self._activity.setText(
            QCoreApplication.translate("ModelsPage", "Loading {name} once to test it…").format(
                name=name
            )
        )

    def _end(self) -> None:
        self.busy = max(0, self.busy - 1)
        self._stop = None
        self._bar.hide()
        self.busy_changed.emit()

    def _imported(self, result: ImportedModel) -> None:
        self._end()
        facts = result.facts
        how = {
            "copy": QCoreApplication.translate("ModelsPage", "copied"),
            "symlink": QCoreApplication.translate("ModelsPage", "linked"),
            "hardlink": QCoreApplication.translate("ModelsPage", "linked"),
        }[result.how]
        self._activity.setText(
            QCoreApplication.translate(
                "ModelsPage", "{name} {how}: {arch}, {params} parameters, {quant}, context {ctx}"
            ).format(
                name=result.path.name,
                how=how,
                arch=facts.architecture,
                params=facts.parameters,
                quant=facts.quantization,
                ctx=f"{facts.context_length:,}"
                if facts.context_length
                else QCoreApplication.translate("ModelsPage", "unknown"),
            )
        )
        if not facts.chat_template:
            self._notice.show_text(
                QCoreApplication.translate(
                    "ModelsPage", "{name} has no chat template; Parley will use ChatML for it."
                ).format(name=result.path.name)
            )
        self.models_changed.emit()
        self.stale.emit()

    def _failed(self, error: BaseException, path: Path, mode: str) -> None:
        from app.core.model_import import ImportCancelled, ModelImportError

        self._end()
        if isinstance(error, ImportCancelled):
            self._activity.setText(QCoreApplication.translate("ModelsPage", "Import cancelled."))
            return
        if isinstance(error, ModelImportError) and error.reason == "duplicate":
            self._ask_duplicate(path, mode, str(error))
            return
        self._activity.clear()
        self._notice.show_text(str(error))

    def _ask_duplicate(self, path: Path, mode: str, message: str) -> None:
        box = QMessageBox(self._owner)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(QCoreApplication.translate("ModelsPage", "Model already installed"))
        box.setAccessibleName(QCoreApplication.translate("ModelsPage", "Model already installed"))
        box.setText(message)
        replace = box.addButton(
            QCoreApplication.translate("ModelsPage", "Replace"),
            QMessageBox.ButtonRole.DestructiveRole,
        )
        replace.setAccessibleName(QCoreApplication.translate("ModelsPage", "Replace"))
        both = box.addButton(
            QCoreApplication.translate("ModelsPage", "Keep both"),
            QMessageBox.ButtonRole.AcceptRole,
        )
        both.setAccessibleName(QCoreApplication.translate("ModelsPage", "Keep both"))
        cancel = box.addButton(
            QCoreApplication.translate("ModelsPage", "Cancel"), QMessageBox.ButtonRole.RejectRole
        )
        cancel.setAccessibleName(QCoreApplication.translate("ModelsPage", "Cancel"))
        box.setDefaultButton(both)

        def answered(button: object) -> None:
            if button is replace:
                self.import_file(path, mode, "replace")
            elif button is both:
                self.import_file(path, mode, "rename")

        self._confirm.ask(box, answered)
