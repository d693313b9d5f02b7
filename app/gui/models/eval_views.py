"""What the "Evaluate on my text" dialog shows: the result table, the quality/speed chart,
and the optional reference row (a translation or summary of the user's to score against).

Kept apart from the dialog (app/gui/models/evaluate.py), which owns the input and the run, so
each stays small enough to read. Strings go through each widget's own ``tr()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.core.hardware import format_bytes
from app.core.model_eval import EvalResult, format_duration
from app.gui.theme import current_theme

COLUMNS = 11
(
    COL_MODEL,
    COL_QUANT,
    COL_SIZE,
    COL_PPL,
    COL_BPC,
    COL_SCORE,
    COL_TPS,
    COL_MEMORY,
    COL_TIME,
    COL_TEXT,
    COL_STATUS,
) = range(COLUMNS)


def score_text(result: EvalResult) -> str:
    """The reference score as shown in tables: "chrF 41.2" or "ROUGE-L 0.312"; "" if none."""
    scored = result.reference_score
    if scored is None:
        return ""
    name, value = scored
    return f"{name} {value:.1f}" if name == "chrF" else f"{name} {value:.3f}"


class ResultsTable(QTableWidget):
    """One row per model: its figures once measured, and its status while it runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, COLUMNS, parent)
        self.setAccessibleName(self.tr("Evaluation results"))
        headers = [
            (self.tr("Model"), ""),
            (self.tr("Quantization"), ""),
            (self.tr("File size"), ""),
            (
                self.tr("Perplexity"),
                self.tr("How surprised the model is by each token of the text: lower is better"),
            ),
            (
                self.tr("Bits/char"),
                self.tr(
                    "Bits per character: compares models whose tokenizers differ; lower is better"
                ),
            ),
            (
                self.tr("Reference"),
                self.tr(
                    "The output's score against your reference: chrF (0-100) for a "
                    "translation, ROUGE-L (0-1) for a summary; higher is better"
                ),
            ),
            (self.tr("Tokens/s"), self.tr("Tokens of the text read per second while scoring")),
            (
                self.tr("Memory"),
                self.tr("The engine process's peak memory (RAM) while this model was measured"),
            ),
            (self.tr("Time"), ""),
            (self.tr("Text"), ""),
            (self.tr("Status"), ""),
        ]
        for column, (title, tip) in enumerate(headers):
            header_item = QTableWidgetItem(title)
            header_item.setToolTip(tip)
            self.setHorizontalHeaderItem(column, header_item)
        self._headers = [title for title, _tip in headers]
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.setShowGrid(False)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_MODEL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_STATUS, QHeaderView.ResizeMode.Interactive)
        self.setColumnWidth(COL_TEXT, 120)
        self.setColumnWidth(COL_STATUS, 190)
        self.scoring = False  # a run with a reference is going on: show its column
        self.setColumnHidden(COL_SCORE, True)

    def show_row(
        self, index: int, model_id: str, name: str, result: EvalResult | None, status: str
    ) -> None:
        """Fill row ``index`` (adding rows as needed) with a model and, if any, its result."""
        if self.rowCount() <= index:
            self.setRowCount(index + 1)
        cell = QTableWidgetItem(name)
        cell.setData(Qt.ItemDataRole.UserRole, model_id)
        cell.setToolTip(model_id)
        self.setItem(index, COL_MODEL, cell)
        cells = [""] * (COL_STATUS - COL_QUANT)
        if result is not None:
            cells = [
                result.quant or "?",
                format_bytes(result.model_size),
                f"{result.perplexity:.3f}",
                f"{result.bits_per_char:.3f}",
                score_text(result),
                f"{result.tokens_per_s:.0f}",
                format_bytes(result.peak_rss) if result.peak_rss else "",
                format_duration(result.seconds),
                result.text_name,
            ]
        for column, text in zip(range(COL_QUANT, COL_STATUS), cells, strict=True):
            self.set_cell(index, column, text)
        text_cell = self.item(index, COL_TEXT)
        if result is not None and text_cell is not None:
            text_cell.setToolTip(
                self.tr("{name}: {chars} characters, {tokens} tokens, window {window}").format(
                    name=result.text_name,
                    chars=f"{result.text_chars:,}",
                    tokens=f"{result.text_tokens:,}",
                    window=result.window,
                )
            )
        self.set_cell(index, COL_STATUS, status)
        self.show_scores()

    def show_scores(self) -> None:
        """The Reference column only while a scored run goes on or a row has a score: most
        evaluations have no reference, and the table is narrow enough as it is."""
        has_score = any(
            (cell := self.item(row, COL_SCORE)) is not None and cell.text()
            for row in range(self.rowCount())
        )
        self.setColumnHidden(COL_SCORE, not (self.scoring or has_score))

    def set_cell(
        self, index: int, column: int, text: str, *, muted: bool = False
    ) -> QTableWidgetItem:
        """One cell's text; ``muted`` for a running figure that is not final yet."""
        item = self.item(index, column)
        if item is None:
            item = QTableWidgetItem()
            if COL_SIZE <= column <= COL_TIME:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(index, column, item)
        item.setText(text)
        item.setToolTip(text if column == COL_STATUS else item.toolTip())
        theme = current_theme()
        item.setForeground(QColor(theme.muted if muted else theme.text))
        return item

    def rows_as_text(self) -> list[dict[str, str]]:
        """The table as header -> text, one dict per row (what tests and a copy read)."""
        headers = self._headers
        rows = []
        for r in range(self.rowCount()):
            cells = [self.item(r, c) for c in range(COLUMNS)]
            rows.append({h: (c.text() if c else "") for h, c in zip(headers, cells, strict=True)})
        return rows


class ReferenceRow(QWidget):
    """Optional: a translation or summary of the document the user trusts, and which task it
    is the output of. Each model then runs that tool on the text and is scored against it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from app.core.langs import LANGUAGES

        super().__init__(parent)
        self.path: Path | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel(self.tr("Reference"))
        row.addWidget(label)
        self.task = QComboBox()
        self.task.setAccessibleName(self.tr("Reference task"))
        self.task.setToolTip(
            self.tr(
                "Score each model's translation (chrF) or summary (ROUGE-L) of the text "
                "against your own"
            )
        )
        self.task.addItem(self.tr("None"), "")
        self.task.addItem(self.tr("Translation (chrF)"), "translate")
        self.task.addItem(self.tr("Summary (ROUGE-L)"), "summarise")
        label.setBuddy(self.task)
        row.addWidget(self.task)
        self.target = QComboBox()
        self.target.setAccessibleName(self.tr("Translate into"))
        self.target.setToolTip(self.tr("The language of your reference translation"))
        for language in LANGUAGES:
            self.target.addItem(language.native, language.code)
        row.addWidget(self.target)
        self.file_field = QLineEdit()
        self.file_field.setReadOnly(True)
        self.file_field.setPlaceholderText(self.tr("No reference chosen"))
        self.file_field.setAccessibleName(self.tr("Reference document"))
        row.addWidget(self.file_field, 1)
        self.choose_button = QPushButton(self.tr("Choose…"))
        self.choose_button.setAccessibleName(self.tr("Choose reference"))
        self.choose_button.setToolTip(self.tr("Your translation or summary of the text"))
        self.choose_button.clicked.connect(self._choose)
        row.addWidget(self.choose_button)
        self.task.currentIndexChanged.connect(self._update)
        self._update()

    def set_reference(self, task: str, path: Path | None, target: str = "") -> None:
        """Choose the task, the reference file and (for a translation) the language."""
        self.task.setCurrentIndex(max(0, self.task.findData(task)))
        if target:
            self.target.setCurrentIndex(max(0, self.target.findData(target)))
        self.path = path
        self.file_field.setText(str(path) if path else "")
        self._update()

    def choice(self) -> tuple[str, Path | None, str]:
        """(task or "", reference file, target language code or "")."""
        task = str(self.task.currentData() or "")
        target = str(self.target.currentData()) if task == "translate" else ""
        return task, self.path, target

    def _choose(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose your reference"),
            str(self.path.parent) if self.path else "",
            self.tr(
                "Documents (*.txt *.md *.markdown *.rst *.html *.htm *.pdf *.docx);;All files (*)"
            ),
        )
        if name:
            self.set_reference(str(self.task.currentData() or "translate"), Path(name))

    def _update(self) -> None:
        scored = bool(self.task.currentData())
        self.target.setVisible(self.task.currentData() == "translate")
        self.file_field.setEnabled(scored)
        self.choose_button.setEnabled(scored)


class QualityChart(QWidget):
    """Each measured model as a point: speed (tokens/s) across, quality up the side.

    Quality is perplexity, where lower is better, on an ordinary axis (low figures at the
    bottom), so the best models sit low and to the right, as the hint under the plot says.
    When the models tokenize the text differently their perplexities do not compare, and the
    chart plots bits per character instead (and says so in its title).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Quality and speed chart"))
        self.setMinimumSize(300, 220)
        self.points: list[tuple[str, float, float]] = []  # name, tokens/s, figure
        self.per_char = False

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(360, 260)

    def set_results(self, results: Sequence[tuple[str, EvalResult]]) -> None:
        """Plot ``(name, result)`` pairs; an empty list clears the chart."""
        tokens = {r.text_tokens for _name, r in results}
        self.per_char = len(tokens) > 1
        self.points = [
            (name, r.tokens_per_s, r.bits_per_char if self.per_char else r.perplexity)
            for name, r in results
            if math.isfinite(r.perplexity) and r.tokens_per_s > 0
        ]
        self.setToolTip(self.title())
        self.update()

    def title(self) -> str:
        if self.per_char:
            return self.tr("Bits per character (lower is better) against speed")
        return self.tr("Perplexity (lower is better) against speed")

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        theme = current_theme()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        line = metrics.height()
        left, right, top, bottom = 8 + metrics.horizontalAdvance("0000.0"), 12, line + 10, 2 * line
        plot = QRectF(left, top, self.width() - left - right, self.height() - top - bottom - 6)
        painter.setPen(QColor(theme.text))
        painter.drawText(
            QRectF(0, 0, self.width(), line + 4),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
            self.title(),
        )
        painter.setPen(QPen(QColor(theme.border), 1))
        painter.setBrush(QColor(theme.base))
        painter.drawRect(plot)
        muted = QColor(theme.muted)
        painter.setPen(muted)
        painter.drawText(
            QRectF(plot.left(), plot.bottom() + 4, plot.width(), line),
            int(Qt.AlignmentFlag.AlignHCenter),
            self.tr("tokens/s (faster →)"),
        )
        if not self.points:
            painter.drawText(
                plot,
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self.tr("Results appear here as each model finishes."),
            )
            painter.end()
            return
        xs = [p[1] for p in self.points]
        ys = [p[2] for p in self.points]
        x_low, x_high = _padded(0.0, max(xs))
        y_low, y_high = _padded(min(ys), max(ys))

        def at(x: float, y: float) -> QPointF:
            fx = (x - x_low) / (x_high - x_low)
            fy = (y - y_low) / (y_high - y_low)
            return QPointF(plot.left() + fx * plot.width(), plot.bottom() - fy * plot.height())

        painter.setPen(muted)
        for value, flag in (
            (y_high, Qt.AlignmentFlag.AlignTop),
            (y_low, Qt.AlignmentFlag.AlignBottom),
        ):
            y = plot.top() if flag == Qt.AlignmentFlag.AlignTop else plot.bottom() - line
            painter.drawText(
                QRectF(0, y, left - 4, line),
                int(Qt.AlignmentFlag.AlignRight | flag),
                _tick(value),
            )
        painter.drawText(
            QRectF(plot.right() - 80, plot.bottom() + 4, 80, line),
            int(Qt.AlignmentFlag.AlignRight),
            f"{x_high:.0f}",
        )
        painter.drawText(
            QRectF(plot.left(), plot.bottom() + 4, plot.width() / 3, line),
            int(Qt.AlignmentFlag.AlignLeft),
            self.tr("better ↘"),
        )
        small = QFont(painter.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        painter.setFont(small)
        for name, x, y in self.points:
            point = at(x, y)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.accent))
            painter.drawEllipse(point, 4.5, 4.5)
            painter.setPen(QColor(theme.text))
            label = painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, 140)
            width = painter.fontMetrics().horizontalAdvance(label)
            tx = point.x() + 7 if point.x() + 7 + width <= plot.right() else point.x() - 7 - width
            ty = min(max(point.y() - line / 2, plot.top()), plot.bottom() - line)
            painter.drawText(
                QRectF(tx, ty, width + 2, line), int(Qt.AlignmentFlag.AlignVCenter), label
            )
        painter.end()


def _tick(value: float) -> str:
    """An axis figure with as many decimals as its size needs (1.64, 46.6, 512)."""
    if abs(value) < 10:
        return f"{value:.2f}"
    return f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"


def _padded(low: float, high: float) -> tuple[float, float]:
    """An axis range with a margin, never empty (one point sits in the middle)."""
    if high - low <= 1e-9:
        spread = abs(high) * 0.1 or 1.0
        return low - spread, high + spread
    margin = (high - low) * 0.12
    return low - margin if low > 0 else low, high + margin
