"""The Sentiment pane: one text (label, confidence, sentences highlighted, aspects) or a batch
(one item per line, or a CSV column) as a sortable table with a distribution chart.

Confidences are the model's own label probabilities, read by the pipeline from the
generated token's alternatives; a backend that cannot report them shows "—", never a made-up
figure. The analysis of one text is several model calls (the whole, each sentence, the
aspects); the pane counts them as they start, so the progress bar moves during the run.
"""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core.backend import Backend, Progress
from app.core.runs import sentiment_batch_record, sentiment_record
from app.gui.i18n import plural
from app.gui.ops import BackgroundOp
from app.gui.theme import Theme, current_theme
from app.gui.tools.common import JobFeed, ToolJob, ToolPane, Work, escape, message_of

if TYPE_CHECKING:
    from app.core.history import ToolRun
    from app.core.pipelines.sentiment import BatchRow
    from app.gui.engine_worker import EngineWorker

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
MODES = ("text", "lines", "csv")
CSV_SUFFIXES = (".csv", ".tsv")


def strong(label: str, theme: Theme) -> str:
    return (_STRONG_DARK if theme.is_dark else _STRONG).get(label, theme.muted)


def pale(label: str, theme: Theme) -> str:
    return (_PALE_DARK if theme.is_dark else _PALE).get(label, theme.alt_base)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def result_text(data: dict[str, Any]) -> str:
    """The analysis as plain text: what Copy gives and what the run's output holds."""
    lines = [f"{data['label']} {percent(data.get('confidence'))}"]
    sentences = data.get("sentences") or []
    if len(sentences) > 1:
        lines.append("")
        lines.extend(
            f"{s['label']:9} {percent(s.get('confidence')):>4}  {s['text']}" for s in sentences
        )
    aspects = data.get("aspects") or []
    if aspects:
        lines.append("")
        lines.extend(f"{a['aspect']}: {a['label']}" for a in aspects)
    return "\n".join(lines) + "\n"


def rows_from_csv(text: str) -> list[BatchRow]:
    """Rows saved as CSV by :func:`rows_to_csv`, read back for a re-opened run."""
    from app.core.pipelines.sentiment import BatchRow

    rows: list[BatchRow] = []
    for record in csv.DictReader(io.StringIO(text)):
        try:
            index = int(record.get("line") or 0) - 1
        except ValueError:
            continue
        confidence = record.get("confidence") or ""
        rows.append(
            BatchRow(
                index,
                record.get("text") or "",
                record.get("label") or "",
                float(confidence) if confidence else None,
                record.get("error") or "",
            )
        )
    return rows


class _StepCounter:
    """Wraps the backend to report each model call of one analysis as a step of progress."""

    def __init__(self, backend: Backend, feed: JobFeed, total: int) -> None:
        self._backend = backend
        self._feed = feed
        self._total = total
        self._calls = 0

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        self._calls += 1
        self._total = max(self._total, self._calls)
        self._feed.push(Progress(self._calls, self._total, "step"))
        return self._backend.stream(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


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
        top = max(self.values.values(), default=0.0) or 1.0
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


class _SortItem(QTableWidgetItem):
    """A cell that sorts by a number (or text) kept apart from what it shows."""

    def __init__(self, text: str, key: float | str) -> None:
        super().__init__(text)
        self.key = key

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, _SortItem) and type(self.key) is type(other.key):
            return self.key < other.key  # type: ignore[operator]
        return super().__lt__(other)


class SentimentPane(ToolPane):
    """Everything in the Sentiment section."""

    tool = "sentiment"

    def __init__(self, worker: EngineWorker, parent: QWidget | None = None) -> None:
        super().__init__(
            worker,
            title=self.tr("Sentiment"),
            subtitle=self.tr(
                "Positive, negative, neutral or mixed, with the model's own confidence: for one "
                "text, or for many — one per line, or a column of a CSV file."
            ),
            action_label=self.tr("Analyse sentiment"),
            placeholder=self.tr(
                "Paste a review, a message or a document — or many, one per line — or drop a "
                "file here (.txt, .md, .html, .pdf, .docx, .csv)."
            ),
            parent=parent,
        )
        self.label_names = {
            "positive": self.tr("Positive"),
            "negative": self.tr("Negative"),
            "neutral": self.tr("Neutral"),
            "mixed": self.tr("Mixed"),
        }
        self.rows: list[BatchRow] = []
        self.analysis: dict[str, Any] | None = None
        self._csv_items: list[str] | None = None
        self._csv_path: Path | None = None
        self._batch_job = False

        self.mode = QComboBox()
        self.mode.addItem(self.tr("Whole text"), "text")
        self.mode.addItem(self.tr("One item per line"), "lines")
        self.mode.addItem(self.tr("CSV column"), "csv")
        self.mode.setToolTip(
            self.tr("Analyse the text as a whole, or each line or CSV row on its own")
        )
        self.column_choice = QComboBox()
        self.column_choice.setToolTip(self.tr("The column of the CSV file to analyse"))
        self.add_option(self.tr("Analyse as"), self.mode)
        self.column_caption = QLabel(self.tr("Column"))
        self.column_caption.setObjectName("Muted")
        self.column_choice.setAccessibleName(self.tr("CSV column"))
        self.options_row.addWidget(self.column_caption)
        self.options_row.addWidget(self.column_choice)
        self.options_row.addStretch(1)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.column_choice.currentIndexChanged.connect(self._column_changed)
        self.input.file_loaded.connect(self._file_loaded)
        self._set_mode_item_enabled("csv", False)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.input)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.result_header)
        self.results = QStackedWidget()
        self.results.setAccessibleName(self.tr("Result"))
        self.results.addWidget(self._build_single())
        self.results.addWidget(self._build_batch())
        column.addWidget(self.results, 1)
        splitter.addWidget(right)
        splitter.setSizes([430, 570])
        self.add_body(splitter)
        self._mode_changed()

    # -- building ----------------------------------------------------------------------------

    def _build_single(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        top = QHBoxLayout()
        self.overall = QLabel(self.tr("No analysis yet"))
        self.overall.setAccessibleName(self.tr("Overall sentiment"))
        self.overall.setToolTip(self.tr("The label of the whole text"))
        self.overall.setMinimumHeight(34)
        top.addWidget(self.overall)
        self.confidence = QLabel()
        self.confidence.setObjectName("Muted")
        self.confidence.setAccessibleName(self.tr("Confidence"))
        self.confidence.setToolTip(self.tr("The probability the model gave this label"))
        top.addWidget(self.confidence)
        top.addStretch(1)
        column.addLayout(top)
        self.scores = LabelBars()
        self.scores.names = self.label_names
        self.scores.setAccessibleName(self.tr("Label probabilities"))
        column.addWidget(self.scores)
        caption = QLabel(self.tr("Sentences"))
        caption.setObjectName("SectionTitle")
        column.addWidget(caption)
        self.sentences = QTextBrowser()
        self.sentences.setObjectName("ResultView")
        self.sentences.setAccessibleName(self.tr("Sentence sentiment"))
        self.sentences.setToolTip(self.tr("Each sentence coloured by its sentiment"))
        self.sentences.setPlaceholderText(self.tr("Each sentence is shown here in its colour."))
        column.addWidget(self.sentences, 1)
        self.aspects = QLabel()
        self.aspects.setWordWrap(True)
        self.aspects.setAccessibleName(self.tr("Aspects"))
        self.aspects.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.aspects)
        return page

    def _build_batch(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.chart = LabelBars()
        self.chart.names = self.label_names
        self.chart.setAccessibleName(self.tr("Distribution"))
        column.addWidget(self.chart)
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName(self.tr("Results table"))
        self.table.setToolTip(self.tr("One row per item; click a heading to sort"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("#"), self.tr("Text"), self.tr("Label"), self.tr("Confidence")]
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
        self.export = QPushButton(self.tr("Export CSV…"))
        self.export.setAccessibleName(self.tr("Export CSV"))
        self.export.setToolTip(self.tr("Save the table as a CSV file"))
        self.export.setEnabled(False)
        self.export.clicked.connect(self.export_csv)
        row.addWidget(self.export)
        column.addLayout(row)
        return page

    # -- options -----------------------------------------------------------------------------

    def _set_mode_item_enabled(self, mode: str, enabled: bool) -> None:
        model = self.mode.model()
        item = model.item(self.mode.findData(mode))  # type: ignore[attr-defined]
        if item is not None:
            item.setEnabled(enabled)

    def batch_mode(self) -> bool:
        return self.mode.currentData() in ("lines", "csv")

    def _mode_changed(self) -> None:
        csv_mode = self.mode.currentData() == "csv"
        self.column_caption.setVisible(csv_mode)
        self.column_choice.setVisible(csv_mode)
        if self.job is None:
            self.results.setCurrentIndex(1 if self.batch_mode() else 0)
        self.options_changed()

    def _file_loaded(self, path: object) -> None:
        assert isinstance(path, Path)
        if path.suffix.lower() not in CSV_SUFFIXES:
            self._csv_path = None
            self._csv_items = None
            self._set_mode_item_enabled("csv", False)
            if self.mode.currentData() == "csv":
                self.mode.setCurrentIndex(self.mode.findData("text"))
            return
        self._csv_path = path

        def headers() -> list[str]:
            with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
                sample = handle.read(65536)
            try:
                dialect: Any = csv.Sniffer().sniff(sample, ",;\t|")
            except csv.Error:
                dialect = csv.excel
            first = next(csv.reader(io.StringIO(sample), dialect), [])
            return [cell.strip() for cell in first]

        def ready(found: object) -> None:
            self.column_choice.blockSignals(True)
            self.column_choice.clear()
            self.column_choice.addItem(self.tr("Automatic"), None)
            names: list[str] = list(found)  # type: ignore[call-overload]
            for number, name in enumerate(names, start=1):
                self.column_choice.addItem(name or self.tr("Column {n}").format(n=number), name)
            self.column_choice.blockSignals(False)
            self._set_mode_item_enabled("csv", True)
            self.mode.setCurrentIndex(self.mode.findData("csv"))
            self._column_changed()

        BackgroundOp(self, headers).on_success(ready).on_failure(
            lambda exc: self.banner.show_text(message_of(exc))
        ).run()

    def _column_changed(self) -> None:
        from app.core.pipelines.sentiment import read_csv_column

        path = self._csv_path
        if path is None:
            return
        column = self.column_choice.currentData()
        self._csv_items = None
        self.input.loading = True
        self._update_action()

        def done(items: object) -> None:
            self.input.loading = False
            self._csv_items = list(items)  # type: ignore[call-overload]
            self._update_action()
            self.options_changed()

        def failed(exc: BaseException) -> None:
            self.input.loading = False
            self._update_action()
            self.banner.show_text(message_of(exc))

        BackgroundOp(self, lambda: read_csv_column(path, column)).on_success(done).on_failure(
            failed
        ).run()

    def options(self) -> dict[str, Any]:
        mode = self.mode.currentData()
        return {
            "mode": mode,
            "lines": mode in ("lines", "csv"),
            "column": (self.column_choice.currentData() or "") if mode == "csv" else "",
        }

    def apply_options(self, options: dict[str, Any]) -> None:
        mode = options.get("mode") or ("lines" if options.get("lines") else "text")
        if mode == "csv":
            mode = "lines"  # the saved input holds the column's items, one per line
        self.mode.setCurrentIndex(max(self.mode.findData(mode), 0))

    def items(self) -> list[str]:
        from app.core.pipelines.sentiment import lines_from_text

        if self.mode.currentData() == "csv" and self._csv_items is not None:
            return self._csv_items
        return lines_from_text(self.input.text())

    def input_text(self) -> str | None:
        if self.batch_mode():
            if self.input.loading:
                self.banner.show_text(self.tr("The document is still being read; a moment…"))
                return None
            items = self.items()
            if not items:
                self.banner.show_text(
                    self.tr("There are no items to analyse: put one item on each line.")
                )
                return None
            return "\n".join(items)
        return super().input_text()

    # -- plan --------------------------------------------------------------------------------

    def plan_work(self, text: str) -> Work | None:
        if self.batch_mode():
            count = len(self.items())
            self.run_bar.plan.setText(
                plural(
                    count,
                    self.tr("1 item — one model call"),
                    self.tr("{n} items — one model call each"),
                )
            )
            return None

        def plan(backend: Backend) -> object:
            from app.core.extract import check_text
            from app.core.pipelines.sentiment import LABEL_MAX_TOKENS, SAFETY_TOKENS
            from app.core.prompts import defuse
            from app.core.prompts import sentiment as prompts
            from app.core.textsplit import split_text

            check_text(text)

            def count(part: str) -> int:
                return backend.count_tokens(defuse(part))

            overhead = backend.count_chat_tokens(prompts.label_messages(""))
            budget = backend.context_length() - overhead - LABEL_MAX_TOKENS - SAFETY_TOKENS
            tokens = count(text)
            parts = 1 if tokens <= budget else len(split_text(text, count, budget))
            return (tokens, budget, parts)

        return plan

    # -- running -----------------------------------------------------------------------------

    def make_work(self, text: str, job: ToolJob) -> Work:
        from app.core.backend import BackendError
        from app.core.pipelines.sentiment import (
            MAX_SENTENCES,
            BatchRow,
            PipelineStopped,
            analyse_sentiment,
            iter_batch,
        )
        from app.core.textsplit import split_sentences

        self._batch_job = self.batch_mode()
        if self._batch_job:
            items = text.split("\n")

            def batch(backend: Backend) -> object:
                rows: list[BatchRow] = []
                try:
                    for event in iter_batch(backend, items, stop=job.stop):
                        job.feed.push(event)
                        if isinstance(event, BatchRow):
                            rows.append(event)
                except PipelineStopped:
                    return ("stopped", rows, "")
                except BackendError as exc:
                    return ("failed", rows, str(exc))
                return ("complete", rows, "")

            return batch

        pieces = [p.strip() for p in split_sentences(text) if any(ch.isalpha() for ch in p)]
        sentences = min(len(pieces), MAX_SENTENCES)
        single_sentence = len(pieces) == 1 and pieces[0] == text.strip()
        total = 1 + (0 if single_sentence else sentences) + 1
        stop: threading.Event = job.stop

        def single(backend: Backend) -> object:
            counted: Any = _StepCounter(backend, job.feed, total)
            try:
                result = analyse_sentiment(counted, text, stop=stop)
            except PipelineStopped:
                return ("stopped", None, "")
            except BackendError as exc:
                return ("failed", None, str(exc))
            return ("complete", result, "")

        return single

    def reset_result(self) -> None:
        self.result_header.meta.clear()
        self._batch_job = self.batch_mode()
        if self._batch_job:
            self.rows = []
            self.table.setSortingEnabled(False)
            self.table.setRowCount(0)
            self.chart.set_values({}, {})
            self.export.setEnabled(False)
            self.results.setCurrentIndex(1)
        else:
            self.analysis = None
            self._show_analysis(None)
            self.results.setCurrentIndex(0)

    def handle_events(self, job: ToolJob, events: list[object]) -> None:
        from app.core.pipelines.sentiment import BatchRow, rows_to_csv

        added = False
        for event in events:
            if isinstance(event, BatchRow):
                self.rows.append(event)
                self._add_row(event)
                added = True
            elif isinstance(event, Progress):
                if event.what == "item":
                    text = self.tr("Item {i} of {k}").format(i=event.done, k=event.total)
                else:
                    text = self.tr("Step {i} of {k}").format(i=event.done, k=event.total)
                self.run_bar.set_step(event.done - 1, event.total, text)
        if added:
            job.output = rows_to_csv(self.rows)
            self._update_chart()

    def finish_job(self, job: ToolJob, result: object) -> tuple[str, str, dict[str, Any]]:
        from app.core.pipelines.sentiment import rows_to_csv

        assert isinstance(result, tuple)
        status: str = result[0]
        payload: Any = result[1]
        error: str = result[2]
        if error:
            self.banner.show_text(error)
        if self._batch_job:
            self.table.setSortingEnabled(True)
            output = rows_to_csv(self.rows)
            labelled = sum(1 for row in self.rows if row.label)
            self.export.setEnabled(bool(self.rows))
            self.result_header.meta.setText(self._batch_meta())
            return output, status, sentiment_batch_record(len(self.rows), labelled, error)
        if payload is None:
            return "", status, {"error": error} if error else {}
        extra = sentiment_record(payload, error)
        data = extra["result"]
        self.analysis = data
        self._show_analysis(data)
        return result_text(data), status, extra

    # -- showing -----------------------------------------------------------------------------

    def _add_row(self, row: BatchRow) -> None:
        theme = current_theme()
        sorting = self.table.isSortingEnabled()
        self.table.setSortingEnabled(False)  # rows must not move while their cells are set
        position = self.table.rowCount()
        self.table.insertRow(position)
        number = _SortItem(str(row.index + 1), row.index)
        text = QTableWidgetItem(row.text)
        text.setToolTip(row.error or row.text)
        label = _SortItem(
            self.label_names.get(row.label, row.label) if row.label else self.tr("Error"),
            row.label or "~",
        )
        label.setForeground(QColor(strong(row.label, theme)))
        if row.error:
            label.setToolTip(row.error)
        confidence = _SortItem(
            percent(row.confidence), -1.0 if row.confidence is None else row.confidence
        )
        confidence.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for column, item in enumerate((number, text, label, confidence)):
            self.table.setItem(position, column, item)
        self.table.setSortingEnabled(sorting)

    def _counts(self) -> dict[str, int]:
        counts = dict.fromkeys(LABEL_ORDER, 0)
        for row in self.rows:
            if row.label in counts:
                counts[row.label] += 1
        return counts

    def _update_chart(self) -> None:
        counts = self._counts()
        total = sum(counts.values()) or 1
        self.chart.set_values(
            {k: float(v) for k, v in counts.items()},
            {k: f"{v} · {100 * v / total:.0f}%" for k, v in counts.items()},
        )

    def _batch_meta(self) -> str:
        failed = sum(1 for row in self.rows if not row.label)
        line = plural(len(self.rows), self.tr("1 item"), self.tr("{n} items"))
        if failed:
            line += " · " + plural(failed, self.tr("1 not analysed"), self.tr("{n} not analysed"))
        return line

    def _show_analysis(self, data: dict[str, Any] | None) -> None:
        theme = current_theme()
        if data is None:
            self.overall.setText(self.tr("No analysis yet"))
            self.overall.setStyleSheet(f"color: {theme.muted}; font-size: 16px;")
            self.confidence.clear()
            self.scores.set_values({}, {})
            self.sentences.clear()
            self.aspects.clear()
            return
        label = str(data["label"])
        self.overall.setText(self.label_names.get(label, label))
        self.overall.setStyleSheet(
            f"background: {pale(label, theme)}; color: {strong(label, theme)}; "
            "font-size: 18px; font-weight: 600; border-radius: 8px; padding: 4px 14px;"
        )
        confidence = data.get("confidence")
        self.confidence.setText(
            self.tr("{percent} confidence").format(percent=percent(confidence))
            if confidence is not None
            else self.tr("confidence not available from this model")
        )
        scores = {str(k): float(v) for k, v in (data.get("scores") or {}).items()}
        self.scores.set_values(scores, {k: percent(v) for k, v in scores.items()})
        self.scores.setVisible(bool(scores))
        spans = []
        for sentence in data.get("sentences") or []:
            tag = str(sentence["label"])
            tip = f"{self.label_names.get(tag, tag)} · {percent(sentence.get('confidence'))}"
            spans.append(
                f'<span style="background-color: {pale(tag, theme)};" title="{escape(tip)}">'
                f"{escape(str(sentence['text']))}</span>"
            )
        legend = " ".join(
            f'<span style="background-color: {pale(k, theme)}; color: {strong(k, theme)};">'
            f"&nbsp;{escape(self.label_names[k])}&nbsp;</span>"
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
                f"{escape(self.label_names.get(str(a['label']), str(a['label'])))}&nbsp;</span>"
                for a in aspects
            )
            self.aspects.setText(f"<b>{escape(self.tr('Aspects'))}</b>&nbsp;&nbsp;{chips}")
        else:
            self.aspects.setText(
                f'<span style="color: {theme.muted};">'
                f"{escape(self.tr('No aspects were found.'))}</span>"
            )

    def show_run(self, run: ToolRun) -> None:
        batch = bool(run.options.get("lines"))
        self._batch_job = batch
        if batch:
            self.rows = rows_from_csv(run.output)
            self.table.setSortingEnabled(False)
            self.table.setRowCount(0)
            for row in self.rows:
                self._add_row(row)
            self.table.setSortingEnabled(True)
            self._update_chart()
            self.export.setEnabled(bool(self.rows))
            self.results.setCurrentIndex(1)
            self.result_header.meta.setText(
                f"{self.result_header.meta.full_text()} · {self._batch_meta()}"
            )
        else:
            data = run.extra.get("result")
            self.analysis = data if isinstance(data, dict) else None
            self._show_analysis(self.analysis)
            self.results.setCurrentIndex(0)

    # -- copy / save / export ----------------------------------------------------------------

    def result_text(self) -> str:
        from app.core.pipelines.sentiment import rows_to_csv

        if self.results.currentIndex() == 1:
            return rows_to_csv(self.rows)
        return result_text(self.analysis) if self.analysis else ""

    def save_suffix(self) -> tuple[str, str]:
        if self.results.currentIndex() == 1:
            return "csv", self.tr("CSV (*.csv);;All files (*)")
        return "txt", self.tr("Text (*.txt);;All files (*)")

    def export_csv(self) -> None:
        from app.core.pipelines.sentiment import export_csv

        base = Path(self.input.name).stem if self.input.name else "sentiment"
        chosen = self.ask_save(
            self.tr("Export CSV"), f"{base}-sentiment.csv", self.tr("CSV (*.csv);;All files (*)")
        )
        if not chosen:
            return
        path = Path(chosen)
        try:
            export_csv(self.rows, path)
        except Exception as exc:
            self.banner.show_text(message_of(exc))
            return
        window = self.window()
        if hasattr(window, "show_message"):
            window.show_message(self.tr("Saved {name}").format(name=path.name))
