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

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.backend import Backend, Progress
from app.core.runs import sentiment_batch_record, sentiment_record
from app.gui.i18n import plural
from app.gui.ops import BackgroundOp
from app.gui.tools.pane import ToolPane
from app.gui.tools.runs import JobFeed, ToolJob, Work
from app.gui.tools.sentiment_views import AnalysisView, BatchView, percent
from app.gui.tools.text import message_of

if TYPE_CHECKING:
    from app.core.history import ToolRun
    from app.core.pipelines.sentiment import BatchRow
    from app.gui.engine_worker import EngineWorker

CSV_SUFFIXES = (".csv", ".tsv")


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
        splitter.setObjectName("SentimentSplitter")  # its sizes are remembered (ui_state)
        splitter.setChildrenCollapsible(False)  # a dragged divider never hides a pane
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.input)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.result_header)
        self.results = QStackedWidget()
        self.results.setAccessibleName(self.tr("Result"))
        self.single = AnalysisView(self.label_names)
        self.batch = BatchView(self.label_names)
        self.batch.export.clicked.connect(self.export_csv)
        self.results.addWidget(self.single)
        self.results.addWidget(self.batch)
        column.addWidget(self.results, 1)
        splitter.addWidget(right)
        splitter.setSizes([430, 570])
        self.add_body(splitter)
        self._mode_changed()

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
            from app.core.pipelines.sentiment import text_budget
            from app.core.prompts import defuse
            from app.core.textsplit import split_text

            check_text(text)

            def count(part: str) -> int:
                return backend.count_tokens(defuse(part))

            budget = text_budget(backend)
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
            self.batch.clear()
            self.results.setCurrentIndex(1)
        else:
            self.analysis = None
            self.single.show_analysis(None)
            self.results.setCurrentIndex(0)

    def handle_events(self, job: ToolJob, events: list[object]) -> None:
        from app.core.pipelines.sentiment import BatchRow, rows_to_csv

        added = False
        for event in events:
            if isinstance(event, BatchRow):
                self.rows.append(event)
                self.batch.add_row(event)
                added = True
            elif isinstance(event, Progress):
                if event.what == "item":
                    text = self.tr("Item {i} of {k}").format(i=event.done, k=event.total)
                else:
                    text = self.tr("Step {i} of {k}").format(i=event.done, k=event.total)
                self.run_bar.set_step(event.done - 1, event.total, text)
        if added:
            job.output = rows_to_csv(self.rows)
            self.batch.show_counts(self.rows)

    def finish_job(self, job: ToolJob, result: object) -> tuple[str, str, dict[str, Any]]:
        from app.core.pipelines.sentiment import rows_to_csv

        assert isinstance(result, tuple)
        status: str = result[0]
        payload: Any = result[1]
        error: str = result[2]
        if error:
            self.banner.show_text(error)
        if self._batch_job:
            self.batch.finish(self.rows)
            output = rows_to_csv(self.rows)
            labelled = sum(1 for row in self.rows if row.label)
            self.result_header.meta.setText(self._batch_meta())
            return output, status, sentiment_batch_record(len(self.rows), labelled, error)
        if payload is None:
            return "", status, {"error": error} if error else {}
        extra = sentiment_record(payload, error)
        data = extra["result"]
        self.analysis = data
        self.single.show_analysis(data)
        return result_text(data), status, extra

    # -- showing -----------------------------------------------------------------------------

    def _batch_meta(self) -> str:
        failed = sum(1 for row in self.rows if not row.label)
        line = plural(len(self.rows), self.tr("1 item"), self.tr("{n} items"))
        if failed:
            line += " · " + plural(failed, self.tr("1 not analysed"), self.tr("{n} not analysed"))
        return line

    def show_run(self, run: ToolRun) -> None:
        batch = bool(run.options.get("lines"))
        self._batch_job = batch
        if batch:
            self.rows = rows_from_csv(run.output)
            self.batch.clear()
            for row in self.rows:
                self.batch.add_row(row)
            self.batch.finish(self.rows)
            self.batch.show_counts(self.rows)
            self.results.setCurrentIndex(1)
            self.result_header.meta.setText(
                f"{self.result_header.meta.full_text()} · {self._batch_meta()}"
            )
        else:
            data = run.extra.get("result")
            self.analysis = data if isinstance(data, dict) else None
            self.single.show_analysis(self.analysis)
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

        chosen = self.ask_save(
            self.tr("Export CSV"),
            self.suggested_name("csv"),
            self.tr("CSV (*.csv);;All files (*)"),
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
