"""The running text-tool job in the window's status bar.

A summary of a long document takes minutes, and a user who goes back to Chat while it runs
should still see how far it is. Each tool pane's run bar reports its state
(:class:`~app.gui.tools.runs.RunState`); this view shows the newest running one as a small
bar and a line ("Summarise: Part 2 of 5 · 1:23 · about 2 min left"), and hides when none
runs. Clicking it opens the job's page.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QSizePolicy, QWidget

from app.gui.elided import ElidedLabel
from app.gui.i18n import plural
from app.gui.tools.runs import RunBar, RunState


class JobStatus(QWidget):
    """A bar and a line for the tool jobs that run, newest report first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.bar = QProgressBar()
        self.bar.setFixedWidth(90)
        self.bar.setFixedHeight(10)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(self.tr("Job progress"))
        self.label = _Line()
        self.label.setObjectName("Muted")
        self.label.setAccessibleName(self.tr("Job"))
        row.addWidget(self.bar)
        row.addWidget(self.label)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self.tr("A text tool at work; click to open it"))
        # tool title -> its last state, in the order the reports came (the newest last)
        self._running: dict[str, RunState] = {}
        self._open: dict[str, Callable[[], None]] = {}
        self.hide()

    def watch(self, title: str, bar: RunBar, open_page: Callable[[], None]) -> None:
        """Follow ``bar``, the run bar of the tool named ``title``; a click calls
        ``open_page``."""
        self._open[title] = open_page
        bar.state_changed.connect(lambda state: self.report(title, state))

    def report(self, title: str, state: RunState) -> None:
        self._running.pop(title, None)
        if state.running:
            self._running[title] = state
        self._draw()

    def shown_title(self) -> str:
        """The tool whose job the bar shows ("" when none runs)."""
        return next(reversed(self._running), "")

    def _draw(self) -> None:
        title = self.shown_title()
        if not title:
            self.hide()
            return
        state = self._running[title]
        if state.maximum > 0:
            self.bar.setRange(0, state.maximum)
            self.bar.setValue(state.value)
        else:
            self.bar.setRange(0, 0)  # only "busy": the job has not said how far it is yet
        bits = [part for part in (state.step, state.timing) if part]
        line = f"{title}: {' · '.join(bits)}" if bits else title
        others = len(self._running) - 1
        if others:
            line += " " + plural(others, self.tr("(+1 more)"), self.tr("(+{n} more)"))
        self.label.setText(line)
        self.bar.setAccessibleDescription(line)
        self.show()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        opener = self._open.get(self.shown_title())
        if opener is not None and event.button() == Qt.MouseButton.LeftButton:
            opener()
        super().mousePressEvent(event)


class _Line(ElidedLabel):
    """The job's line: as wide as its text where the status bar has room, ending in "…"
    where it has not (a narrow window cut "about a minute left" to "about a mi")."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        frame = self.width() - self.contentsRect().width() + 2 * self.margin()
        width = self.fontMetrics().horizontalAdvance(self.full_text()) + frame + 4
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(min(120, self.sizeHint().width()), super().minimumSizeHint().height())

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        changed = text != self.full_text()
        super().setText(text)
        if changed:
            self.updateGeometry()
