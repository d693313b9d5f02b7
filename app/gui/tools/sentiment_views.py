"""What the Sentiment pane shows: one text's analysis, or a batch's table and chart.

The widgets live here so the pane module is about options, running and saving. Their texts
belong to the Sentiment pane, so they are translated in its context ("SentimentPane") and
keep the translations they always had.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.gui.theme import Theme, current_theme
from app.gui.tools.text import escape

if TYPE_CHECKING:
    from app.core.pipelines.sentiment import BatchRow

LABEL_ORDER = ("positive", "negative", "neutral", "mixed")
# Strong colours for text and bars, pale ones for highlights, per theme.
_STRONG = {"positive": "#2e7d32", "negative": "#c62828", "neutral": "#6b7280", "mixed": "#b26a00"}
_STRONG_DARK = {
    "positive": "#7bc67e",
    "negative": "#ef7b7b",
    "neutral": "#a5acb8",
    "mixed": "#f0b25a",
}
_PALE = {"positive": "#dcf3dd", "negative": "#fbe0e0", "neutral": "#eceef1", "mixed": "#fdecc8"}
_PALE_DARK = {
    "positive": "#22402a",
    "negative": "#4a2626",
    "neutral": "#33363c",
    "mixed": "#4a3a1c",
}


def strong(label: str, theme: Theme) -> str:
    return (_STRONG_DARK if theme.is_dark else _STRONG).get(label, theme.muted)


def pale(label: str, theme: Theme) -> str:
    return (_PALE_DARK if theme.is_dark else _PALE).get(label, theme.alt_base)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


class LabelBars(QWidget):
    """Four horizontal bars, one per label: probabilities of one text, or counts of a batch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, float] = {}
        self.captions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.setMinimumHeight(4 * 22)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(260, 4 * 22)

    def set_values(self, values: dict[str, float], captions: dict[str, str]) -> None:
        self.values = values
        self.captions = captions
        self.setToolTip(
            "\n".join(f"{self.names.get(k, k)}: {captions.get(k, '')}" for k in LABEL_ORDER)
        )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        theme = current_theme()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # Each bar is its share of the whole (probabilities add up to 1, counts to the batch):
        # 40 % fills 40 % of the track, not all of it because it is the largest.
        top = sum(self.values.values()) or 1.0
        name_width, caption_width, row = 80, 60, 22
        bar_width = max(self.width() - name_width - caption_width - 8, 10)
        for position, label in enumerate(LABEL_ORDER):
            y = position * row
            painter.setPen(QColor(theme.text))
            painter.drawText(
                QRectF(0, y, name_width, row),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                self.names.get(label, label),
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.alt_base))
            painter.drawRoundedRect(QRectF(name_width, y + 5, bar_width, row - 10), 4, 4)
            share = self.values.get(label, 0.0) / top
            if share > 0:
                painter.setBrush(QColor(strong(label, theme)))
                painter.drawRoundedRect(
                    QRectF(name_width, y + 5, max(bar_width * share, 4), row - 10), 4, 4
                )
            painter.setPen(QColor(theme.muted))
            painter.drawText(
                QRectF(name_width + bar_width + 8, y, caption_width, row),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                self.captions.get(label, ""),
            )
        painter.end()


class SortItem(QTableWidgetItem):
    """A cell that sorts by a number (or text) kept apart from what it shows."""

    def __init__(self, text: str, key: float | str) -> None:
        super().__init__(text)
        self.key = key

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, SortItem) and type(self.key) is type(other.key):
            return self.key < other.key  # type: ignore[operator]
        return super().__lt__(other)


class AnalysisView(QWidget):
    """One text's analysis: its label and confidence, the label probabilities, each sentence
    in its colour, and the aspects."""

    def __init__(self, label_names: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label_names = label_names
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        top = QHBoxLayout()
        self.overall = QLabel(QCoreApplication.translate("SentimentPane", "No analysis yet"))
        self.overall.setAccessibleName(
            QCoreApplication.translate("SentimentPane", "Overall sentiment")
        )
        self.overall.setToolTip(
            QCoreApplication.translate("SentimentPane", "The label of the whole text")
        )
        self.overall.setMinimumHeight(34)
        top.addWidget(self.overall)
        self.confidence = QLabel()
        self.confidence.setObjectName("Muted")
        self.confidence.setAccessibleName(QCoreApplication.translate("SentimentPane", "Confidence"))
        self.confidence.setToolTip(
            QCoreApplication.translate("SentimentPane", "The probability the model gave this label")
        )
        top.addWidget(self.confidence)
        top.addStretch(1)
        column.addLayout(top)
        self.scores = LabelBars()
        self.scores.names = label_names
        self.scores.setAccessibleName(
            QCoreApplication.translate("SentimentPane", "Label probabilities")
        )
        column.addWidget(self.scores)
        caption = QLabel(QCoreApplication.translate("SentimentPane", "Sentences"))
        caption.setObjectName("SectionTitle")
        column.addWidget(caption)
        self.sentences = QTextBrowser()
        self.sentences.setObjectName("ResultView")
        self.sentences.setAccessibleName(
            QCoreApplication.translate("SentimentPane", "Sentence sentiment")
        )
        self.sentences.setToolTip(
            QCoreApplication.translate("SentimentPane", "Each sentence coloured by its sentiment")
        )
        self.sentences.setPlaceholderText(
            QCoreApplication.translate(
                "SentimentPane", "Each sentence is shown here in its colour."
            )
        )
        column.addWidget(self.sentences, 1)
        self.aspects = QLabel()
        self.aspects.setWordWrap(True)
        self.aspects.setAccessibleName(QCoreApplication.translate("SentimentPane", "Aspects"))
        self.aspects.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.aspects)

    def show_analysis(self, data: dict[str, Any] | None) -> None:
        """Show a saved or fresh analysis (the run's ``result`` record), or none."""
        theme = current_theme()
        names = self.label_names
        if data is None:
            self.overall.setText(QCoreApplication.translate("SentimentPane", "No analysis yet"))
            self.overall.setStyleSheet(f"color: {theme.muted}; font-size: 16px;")
            self.confidence.clear()
            self.scores.set_values({}, {})
            self.sentences.clear()
            self.aspects.clear()
            return
        label = str(data["label"])
        self.overall.setText(names.get(label, label))
        self.overall.setStyleSheet(
            f"background: {pale(label, theme)}; color: {strong(label, theme)}; "
            "font-size: 18px; font-weight: 600; border-radius: 8px; padding: 4px 14px;"
        )
        confidence = data.get("confidence")
        self.confidence.setText(
            QCoreApplication.translate("SentimentPane", "{percent} confidence").format(
                percent=percent(confidence)
            )
            if confidence is not None
            else QCoreApplication.translate(
                "SentimentPane", "confidence not available from this model"
            )
        )
        scores = {str(k): float(v) for k, v in (data.get("scores") or {}).items()}
        self.scores.set_values(scores, {k: percent(v) for k, v in scores.items()})
        self.scores.setVisible(bool(scores))
        spans = []
        for sentence in data.get("sentences") or []:
            tag = str(sentence["label"])
            tip = f"{names.get(tag, tag)} · {percent(sentence.get('confidence'))}"
            spans.append(
                f'<span style="background-color: {pale(tag, theme)};" title="{escape(tip)}">'
                f"{escape(str(sentence['text']))}</span>"
            )
        legend = " ".join(
            f'<span style="background-color: {pale(k, theme)}; color: {strong(k, theme)};">'
            f"&nbsp;{escape(names[k])}&nbsp;</span>"
            for k in LABEL_ORDER
        )
        self.sentences.setHtml(
            f'<p style="line-height: 150%;">{" ".join(spans)}</p>'
            f'<p style="color: {theme.muted}; font-size: small;">{legend}</p>'
        )
        aspects = data.get("aspects") or []
        if aspects:
            chips = " ".join(
                f'<span style="background-color: {pale(str(a["label"]), theme)}; '
                f'color: {strong(str(a["label"]), theme)};">&nbsp;{escape(str(a["aspect"]))}: '
                f"{escape(names.get(str(a['label']), str(a['label'])))}&nbsp;</span>"
                for a in aspects
            )
            title = QCoreApplication.translate("SentimentPane", "Aspects")
            self.aspects.setText(f"<b>{escape(title)}</b>&nbsp;&nbsp;{chips}")
        else:
            none = QCoreApplication.translate("SentimentPane", "No aspects were found.")
            self.aspects.setText(f'<span style="color: {theme.muted};">{escape(none)}</span>')


class BatchView(QWidget):
    """A batch's results: the distribution chart, a sortable table and Export CSV…"""

    def __init__(self, label_names: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label_names = label_names
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.chart = LabelBars()
        self.chart.names = label_names
        self.chart.setAccessibleName(QCoreApplication.translate("SentimentPane", "Distribution"))
        column.addWidget(self.chart)
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName(QCoreApplication.translate("SentimentPane", "Results table"))
        self.table.setToolTip(
            QCoreApplication.translate("SentimentPane", "One row per item; click a heading to sort")
        )
        self.table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("SentimentPane", "#"),
                QCoreApplication.translate("SentimentPane", "Text"),
                QCoreApplication.translate("SentimentPane", "Label"),
                QCoreApplication.translate("SentimentPane", "Confidence"),
            ]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        column.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.export = QPushButton(QCoreApplication.translate("SentimentPane", "Export CSV…"))
        self.export.setAccessibleName(QCoreApplication.translate("SentimentPane", "Export CSV"))
        self.export.setToolTip(
            QCoreApplication.translate("SentimentPane", "Save the table as a CSV file")
        )
        self.export.setEnabled(False)
        row.addWidget(self.export)
        column.addLayout(row)

    def clear(self) -> None:
        """Empty table and chart, sorting off while rows arrive (they must not move)."""
        self.table.setSortingEnabled(False)
        self.table.setRowCount(0)
        self.chart.set_values({}, {})
        self.export.setEnabled(False)

    def finish(self, rows: list[BatchRow]) -> None:
        """All rows are in: sortable again, exportable if there is anything to export."""
        self.table.setSortingEnabled(True)
        self.export.setEnabled(bool(rows))

    def add_row(self, row: BatchRow) -> None:
        theme = current_theme()
        sorting = self.table.isSortingEnabled()
        self.table.setSortingEnabled(False)  # rows must not move while their cells are set
        position = self.table.rowCount()
        self.table.insertRow(position)
        number = SortItem(str(row.index + 1), row.index)
        text = QTableWidgetItem(row.text)
        text.setToolTip(row.error or row.text)
        label = SortItem(
            self.label_names.get(row.label, row.label)
            if row.label
            else QCoreApplication.translate("SentimentPane", "Error"),
            row.label or "~",
        )
        label.setForeground(QColor(strong(row.label, theme)))
        if row.error:
            label.setToolTip(row.error)
        confidence = SortItem(
            percent(row.confidence), -1.0 if row.confidence is None else row.confidence
        )
        confidence.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for column, item in enumerate((number, text, label, confidence)):
            self.table.setItem(position, column, item)
        self.table.setSortingEnabled(sorting)

    def show_counts(self, rows: list[BatchRow]) -> None:
        """The chart: how many rows got each label, and their share."""
        counts = dict.fromkeys(LABEL_ORDER, 0)
        for row in rows:
            if row.label in counts:
                counts[row.label] += 1
        total = sum(counts.values()) or 1
        self.chart.set_values(
            {k: float(v) for k, v in counts.items()},
            {k: f"{v} · {100 * v / total:.0f}%" for k, v in counts.items()},
        )
