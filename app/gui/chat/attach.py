"""Files attached to a chat message: a text, Markdown, HTML, PDF or Word document's text goes
into the message, with its size in tokens shown before sending.

Why this shape: a chat model reads only text, so "attaching" a file means putting its text in
the message, read the same way the text tools read documents (:func:`app.core.extract.
extract_text`, which turns every bad file into a sentence for the user). The text is not
poured into the input box, where a 30-page PDF would bury what the user types; it waits as
a chip above it ("report.pdf — 1,234 tokens", removable) and joins the message on Send,
fenced by its name so the model knows where the document starts and ends. The chip's count
uses the model's own tokenizer, and a document larger than the prompt can hold is said so at
once, rather than after a reply that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from app.core.context import prompt_budget
from app.gui.icons import icon
from app.gui.ops import BackgroundOp
from app.gui.theme import Theme, current_theme
from app.gui.tools.text import message_of

if TYPE_CHECKING:
    from app.core.backend import Backend
    from app.core.extract import ExtractedText
    from app.gui.engine_worker import EngineWorker

log = logging.getLogger(__name__)

LimitsFn = Callable[[int], tuple[int, int]]  # loaded context -> (context limit, max tokens)


class AttachHost(Protocol):
    """What reading attachments needs of the chat pane (the pane imports this module)."""

    worker: EngineWorker

    def show_notice(self, text: str) -> None: ...

    def window(self) -> QWidget: ...


@dataclass
class Attachment:
    """One attached document: its name, its text and its size in the model's tokens."""

    name: str
    text: str = ""  # "" while the file is being read
    tokens: int | None = None  # None while counting, or when no model could count it
    reading: bool = False


def message_with(typed: str, attachments: Sequence[Attachment]) -> str:
    """The message the model reads: what the user typed, then each document fenced by name.

    The fences are plain words, not Markdown: a document may itself hold code fences, and
    the model needs only to see where each document begins and ends.
    """
    parts = [typed.strip()] if typed.strip() else []
    for item in attachments:
        if not item.text.strip():
            continue  # still being read (Send waits for it) or taken out
        parts.append(f"--- {item.name} ---\n{item.text.strip()}\n--- end of {item.name} ---")
    return "\n\n".join(parts)


class AttachmentChip(QFrame):
    """ "report.pdf — 1,234 tokens" with a button that takes the document out again."""

    removed = Signal(object)  # the Attachment

    def __init__(self, attachment: Attachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attachment = attachment
        self.setObjectName("AttachmentChip")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(self.tr("Attached file"))
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 2, 2)
        row.setSpacing(2)
        self.label = QLabel()
        self.label.setAccessibleName(self.tr("Attachment"))
        row.addWidget(self.label)
        self.remove_button = QToolButton()
        self.remove_button.setObjectName("CardAction")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setAccessibleName(self.tr("Remove attachment"))
        self.remove_button.setToolTip(
            self.tr("Take {name} out of the message").format(name=attachment.name)
        )
        self.remove_button.setIconSize(QSize(14, 14))
        self.remove_button.clicked.connect(lambda: self.removed.emit(self.attachment))
        row.addWidget(self.remove_button)
        self.retint(current_theme())
        self.refresh()

    def retint(self, theme: Theme) -> None:
        self.remove_button.setIcon(icon("close", theme.muted))
        self.setStyleSheet(
            f"QFrame#AttachmentChip {{ background: {theme.alt_base}; "
            f"border: 1px solid {theme.border}; border-radius: 10px; }}"
        )

    def refresh(self) -> None:
        item = self.attachment
        if item.reading:
            text = self.tr("{name} — reading…").format(name=item.name)
        elif item.tokens is None:
            text = self.tr("{name} — counting tokens…").format(name=item.name)
        else:
            text = self.tr("{name} — {tokens} tokens").format(
                name=item.name, tokens=f"{item.tokens:,}"
            )
        self.label.setText(text)
        self.setToolTip(text)


class AttachmentBar(QWidget):
    """The chips above the message input; hidden while nothing is attached."""

    changed = Signal()
    attach_requested = Signal()  # the paperclip
    files_dropped = Signal(list)  # Paths dropped or pasted on the composer

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Attachments"))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self._row.addStretch(1)
        self.chips: list[AttachmentChip] = []
        self.hide()

    @property
    def attachments(self) -> list[Attachment]:
        return [chip.attachment for chip in self.chips]

    def ready(self) -> bool:
        """Whether every attachment has its text (the message may be sent)."""
        return not any(chip.attachment.reading for chip in self.chips)

    def add(self, attachment: Attachment) -> AttachmentChip:
        chip = AttachmentChip(attachment)
        chip.removed.connect(self.remove)
        self._row.insertWidget(len(self.chips), chip)
        self.chips.append(chip)
        self.show()
        self.changed.emit()
        return chip

    def refresh(self, attachment: Attachment) -> None:
        for chip in self.chips:
            if chip.attachment is attachment:
                chip.refresh()
        self.changed.emit()

    def remove(self, attachment: object) -> None:
        for chip in [c for c in self.chips if c.attachment is attachment]:
            self.chips.remove(chip)
            self._row.removeWidget(chip)
            chip.hide()
            chip.deleteLater()
        self.setVisible(bool(self.chips))
        self.changed.emit()

    def clear(self) -> None:
        for chip in list(self.chips):
            self.remove(chip.attachment)

    def retint(self, theme: Theme) -> None:
        for chip in self.chips:
            chip.retint(theme)


class AttachmentReader:
    """Reads a chosen or dropped file in the background and attaches its text to the draft.

    ``limits`` is the pane's context limit and reply reserve, for the "does not fit" notice.
    ``ask_open`` is the file dialog (tests replace it).
    """

    def __init__(self, pane: AttachHost, bar: AttachmentBar, limits: LimitsFn) -> None:
        self._pane = pane
        self._bar = bar
        self._limits = limits
        self.ask_open: Callable[[], list[str]] = self._dialog
        bar.attach_requested.connect(self.choose)
        bar.files_dropped.connect(self.attach_all)

    def choose(self) -> None:
        self.attach_all([Path(p) for p in self.ask_open()])

    def attach_all(self, paths: Sequence[object]) -> None:
        for path in paths:
            self.attach(Path(str(path)))

    def attach(self, path: Path) -> None:
        """Read ``path`` in the background. Its chip appears at once, in the order the files
        were chosen, and is filled when the text is read; on failure the notice says why."""
        from app.core.extract import extract_text

        attachment = Attachment(path.name, reading=True)
        self._bar.add(attachment)
        BackgroundOp(self._pane.window(), lambda: extract_text(path)).on_success(
            lambda extracted: self._read(attachment, extracted)
        ).on_failure(lambda error: self._failed(attachment, path, error)).with_progress(
            QCoreApplication.translate("AttachmentBar", "Reading {name}…").format(name=path.name)
        ).run()

    def _failed(self, attachment: Attachment, path: Path, error: BaseException) -> None:
        from app.core.extract import InputError

        self._bar.remove(attachment)
        if isinstance(error, InputError):
            text = QCoreApplication.translate(
                "AttachmentBar", "The file was not attached. {reason}"
            ).format(reason=error.message)
        else:
            log.error("reading %s failed", path.name, exc_info=error)
            text = QCoreApplication.translate(
                "AttachmentBar", "{name} could not be read, so it was not attached: {error}"
            ).format(name=path.name, error=message_of(error))
        self._pane.show_notice(text)

    def _read(self, attachment: Attachment, extracted: object) -> None:
        data: ExtractedText = extracted  # type: ignore[assignment]
        bar = self._bar
        if not any(item is attachment for item in bar.attachments):
            return  # taken out while it was being read
        attachment.name, attachment.text, attachment.reading = data.source, data.text, False
        bar.refresh(attachment)
        if data.notes:
            self._pane.show_notice(" ".join(data.notes))
        text = data.text

        def count(backend: Backend) -> tuple[int, int]:
            return backend.count_tokens(text), backend.context_length()

        self._pane.worker.call(
            count,
            owner=bar,
            on_success=lambda result: self._counted(attachment, result),
            on_failure=lambda message: self._not_counted(attachment, message),
        )

    def _not_counted(self, attachment: Attachment, message: str) -> None:
        """No model to count with (still loading, or it failed): the chip gives the size."""
        log.info("attachment %s not counted: %s", attachment.name, message)
        bar = self._bar
        for chip in bar.chips:
            if chip.attachment is attachment:
                chars = f"{len(attachment.text):,}"
                chip.label.setText(
                    QCoreApplication.translate(
                        "AttachmentBar", "{name} — {chars} characters"
                    ).format(name=attachment.name, chars=chars)
                )

    def _counted(self, attachment: Attachment, result: tuple[int, int]) -> None:
        tokens, loaded = result
        attachment.tokens = int(tokens)
        bar = self._bar
        if not any(item is attachment for item in bar.attachments):
            return  # removed while it was being counted
        bar.refresh(attachment)
        limit, max_tokens = self._limits(int(loaded))
        if limit <= 0:
            return
        budget = prompt_budget(limit, max_tokens)
        if attachment.tokens > budget:
            self._pane.show_notice(
                QCoreApplication.translate(
                    "AttachmentBar",
                    "{name} is {tokens} tokens, more than the {budget} this conversation can "
                    "send to the model, so it does not fit the context window. Remove it and "
                    "attach a shorter part, raise the context length in the conversation "
                    "settings, or summarise the document first (Summarise).",
                ).format(
                    name=attachment.name,
                    tokens=f"{attachment.tokens:,}",
                    budget=f"{budget:,}",
                )
            )

    def _dialog(self) -> list[str]:
        chosen, _filter = QFileDialog.getOpenFileNames(
            self._pane.window(),
            QCoreApplication.translate("AttachmentBar", "Attach a document"),
            "",
            QCoreApplication.translate(
                "AttachmentBar",
                "Documents (*.txt *.md *.markdown *.html *.htm *.pdf *.docx);;All files (*)",
            ),
        )
        return list(chosen)
