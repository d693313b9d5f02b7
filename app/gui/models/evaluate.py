"""The "Evaluate on my text" dialog: which installed model predicts the user's document best.

The user checks a few installed models, chooses a document (or pastes text) and a window
size; Run measures each model's perplexity on it (app/core/model_eval.py, the way llama.cpp's
``llama-perplexity`` does) one after the other, with each model's progress in its row of the
result table, and a small chart of quality against speed when figures come in.

The work follows the speed test's pattern (:mod:`.benchmark`): one
:class:`~app.gui.ops.BackgroundOp` runs the models in turn in a fresh engine of its own, so an
evaluation never waits behind, or disturbs, the chat's model; progress and each model's
result come back through :func:`app.gui.ops.deliver`, which drops them if the dialog was
closed meanwhile. Stop sets an event the core checks between windows: the model being
measured ends with a partial figure (marked so, never saved) and the others are skipped.

Saved results (complete ones, kept beside the speed measurements) fill the table when the
dialog opens, so the last comparison is there when it is reopened.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.backend import Backend, LoadOptions
from app.core.catalogue import InstalledModel
from app.core.hardware import format_bytes
from app.core.model_eval import (
    DEFAULT_WINDOW,
    WINDOW_BOUND,
    EvalProgress,
    EvalResult,
    format_duration,
)
from app.gui.models.eval_views import (
    COL_PPL,
    COL_STATUS,
    COL_TIME,
    COL_TPS,
    QualityChart,
    ReferenceRow,
    ResultsTable,
)
from app.gui.ops import BackgroundOp, deliver

MAX_SAVED_ROWS = 50

log = logging.getLogger(__name__)


def _user_errors() -> tuple[type[BaseException], ...]:
    """Failures whose message is written for the user: shown in the row, not logged."""
    from app.core.backend import BackendError
    from app.core.catalogue import CatalogueError, ModelNotFoundError
    from app.core.gguf import InvalidModelError
    from app.core.model_eval import EvaluationError, InputError

    return (
        BackendError,
        CatalogueError,
        ModelNotFoundError,
        InvalidModelError,
        InputError,
        EvaluationError,
        OSError,
    )


@dataclass
class _Run:
    """One Run press: its stop flag and the engine it measures in (the worker thread sets
    it). Kept apart from the dialog, which may be closed and deleted while the work ends."""

    stop: threading.Event = field(default_factory=threading.Event)
    backend: Backend | None = None


@dataclass
class _Row:
    """What one table row stands for: a model being measured now, or a saved result."""

    model_id: str
    name: str
    result: EvalResult | None = None


class EvaluateDialog(QDialog):
    """Choose models and a text, run, compare. One evaluation at a time per dialog."""

    def __init__(
        self,
        parent: QWidget | None,
        *,
        models: Sequence[InstalledModel],
        backend_factory: Callable[[], Backend],
        load_options: Callable[[], LoadOptions],
        checked: Sequence[str] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Evaluate models on your text"))
        self.setAccessibleName(self.tr("Evaluate models on your text"))
        self._models = list(models)
        self._backend_factory = backend_factory
        self._load_options = load_options
        self._run: _Run | None = None
        self._rows: list[_Row] = []
        self.document: Path | None = None
        self.running = False
        self._build(checked)
        self.resize(1040, 680)
        self._load_saved()

    # ---- layout ------------------------------------------------------------------------------

    def _build(self, checked: Sequence[str]) -> None:
        outer = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Perplexity says how well a model predicts your text: lower is better. It "
                "compares quantizations of one model directly; models of different families "
                "split text into different tokens, so compare those by bits per character. "
                "It does not measure how well a model follows instructions or tells the truth."
            )
        )
        intro.setWordWrap(True)
        intro.setObjectName("EmptyBody")
        outer.addWidget(intro)

        top = QHBoxLayout()
        models_box = QGroupBox(self.tr("Models"))
        models_layout = QVBoxLayout(models_box)
        self.model_list = QListWidget()
        self.model_list.setAccessibleName(self.tr("Models to evaluate"))
        self.model_list.setToolTip(self.tr("Tick the installed models to compare"))
        wanted = set(checked) or {m.model_id for m in self._models if m.builtin}
        for model in self._models:
            item = QListWidgetItem(model.name)
            item.setData(Qt.ItemDataRole.UserRole, model.model_id)
            item.setToolTip(f"{model.model_id} · {format_bytes(model.size_bytes)}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if model.model_id in wanted else Qt.CheckState.Unchecked
            )
            self.model_list.addItem(item)
        self.model_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.model_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.model_list.itemChanged.connect(self._update_buttons)
        models_layout.addWidget(self.model_list)
        top.addWidget(models_box, 2)

        text_box = QGroupBox(self.tr("Text"))
        text_layout = QVBoxLayout(text_box)
        file_row = QHBoxLayout()
        self.file_field = QLineEdit()
        self.file_field.setReadOnly(True)
        self.file_field.setPlaceholderText(self.tr("No document chosen"))
        self.file_field.setAccessibleName(self.tr("Document"))
        file_row.addWidget(self.file_field, 1)
        self.choose_button = QPushButton(self.tr("Choose document…"))
        self.choose_button.setAccessibleName(self.tr("Choose document"))
        self.choose_button.setToolTip(self.tr("A text, Markdown, HTML, PDF or Word document"))
        self.choose_button.clicked.connect(self._choose)
        file_row.addWidget(self.choose_button)
        text_layout.addLayout(file_row)
        self.paste = QPlainTextEdit()
        self.paste.setAccessibleName(self.tr("Text to evaluate"))
        self.paste.setPlaceholderText(self.tr("…or paste the text here"))
        self.paste.textChanged.connect(self._pasted)
        text_layout.addWidget(self.paste, 1)
        window_row = QHBoxLayout()
        window_label = QLabel(self.tr("Window"))
        window_row.addWidget(window_label)
        self.window_spin = QSpinBox()
        self.window_spin.setRange(int(WINDOW_BOUND.minimum), int(WINDOW_BOUND.maximum))
        self.window_spin.setSingleStep(128)
        self.window_spin.setValue(DEFAULT_WINDOW)
        self.window_spin.setSuffix(self.tr(" tokens"))
        self.window_spin.setAccessibleName(self.tr("Window size"))
        self.window_spin.setToolTip(
            self.tr(
                "Tokens per window; the second half of each window is scored. 512 is what "
                "llama.cpp's llama-perplexity uses by default. Results with different windows "
                "do not compare."
            )
        )
        window_label.setBuddy(self.window_spin)
        window_row.addWidget(self.window_spin)
        window_row.addStretch(1)
        text_layout.addLayout(window_row)
        top.addWidget(text_box, 3)
        self.chart = QualityChart()
        top.addWidget(self.chart, 3)
        outer.addLayout(top, 2)
        self.reference = ReferenceRow()  # full width: its file name needs the room
        outer.addWidget(self.reference)

        run_row = QHBoxLayout()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Evaluation status"))
        run_row.addWidget(self.status, 1)
        self.progress = QProgressBar()
        self.progress.setFixedWidth(160)
        self.progress.setAccessibleName(self.tr("Evaluation progress"))
        self.progress.hide()
        run_row.addWidget(self.progress)
        self.run_button = QPushButton(self.tr("Run"))
        self.run_button.setObjectName("PrimaryButton")
        self.run_button.setAccessibleName(self.tr("Run evaluation"))
        self.run_button.setToolTip(self.tr("Measure each ticked model on the text, in turn"))
        self.run_button.clicked.connect(self.run)
        run_row.addWidget(self.run_button)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setAccessibleName(self.tr("Stop evaluation"))
        self.stop_button.setToolTip(
            self.tr("Stop after the window being scored; the figure so far is kept as partial")
        )
        self.stop_button.clicked.connect(self.stop)
        run_row.addWidget(self.stop_button)
        outer.addLayout(run_row)

        self.table = ResultsTable()
        outer.addWidget(self.table, 3)

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("Muted")
        self.note.setAccessibleName(self.tr("Evaluation note"))
        outer.addWidget(self.note)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self._update_buttons()

    # ---- input -------------------------------------------------------------------------------

    def checked_models(self) -> list[str]:
        """The ids of the ticked models, in list order."""
        items = (self.model_list.item(i) for i in range(self.model_list.count()))
        return [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def set_checked(self, model_ids: Sequence[str]) -> None:
        for i in range(self.model_list.count()):
            item = self.model_list.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in model_ids
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def set_document(self, path: Path | None) -> None:
        """Evaluate on the document at ``path`` (read when Run starts); clears pasted text."""
        self.document = Path(path) if path is not None else None
        self.file_field.setText(str(self.document) if self.document else "")
        if self.document is not None and self.paste.toPlainText():
            self.paste.blockSignals(True)
            self.paste.clear()
            self.paste.blockSignals(False)
        self._update_buttons()

    def _choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a document"),
            str(self.document.parent) if self.document else "",
            self.tr(
                "Documents (*.txt *.md *.markdown *.rst *.html *.htm *.pdf *.docx);;All files (*)"
            ),
        )
        if path:
            self.set_document(Path(path))

    def _pasted(self) -> None:
        if self.paste.toPlainText() and self.document is not None:
            self.document = None
            self.file_field.clear()
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_text = self.document is not None or bool(self.paste.toPlainText().strip())
        self.run_button.setEnabled(not self.running and has_text and bool(self.checked_models()))
        stopping = self._run is not None and self._run.stop.is_set()
        self.stop_button.setEnabled(self.running and not stopping)
        widgets = (self.model_list, self.choose_button, self.paste, self.window_spin)
        for widget in (*widgets, self.reference):
            widget.setEnabled(not self.running)

    # ---- running -----------------------------------------------------------------------------

    def run(self) -> None:
        """Measure every ticked model on the text, in turn, in the background."""
        if self.running:
            return
        from app.core.catalogue import resolve_model
        from app.core.model_eval import EvaluationStopped, evaluate_model, read_document

        ids = self.checked_models()
        document, pasted = self.document, self.paste.toPlainText()
        if not ids or (document is None and not pasted.strip()):
            return
        names = {m.model_id: m.name for m in self._models}
        self._rows = [_Row(model_id, names.get(model_id, model_id)) for model_id in ids]
        self.table.setRowCount(0)
        for index, row in enumerate(self._rows):
            self._show(index, row, self.tr("Waiting"))
        self.chart.set_results([])
        self.note.clear()
        window = self.window_spin.value()
        task, reference_path, target = self.reference.choice()
        no_reference = self.tr("Choose your reference document first.")
        self.table.scoring = bool(task)
        self.table.show_scores()
        options = self._load_options()
        make_backend = self._backend_factory
        run = self._run = _Run()
        stop = run.stop
        self.running = True
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText(self.tr("Reading the text…"))
        self._update_buttons()

        def work() -> None:
            if document is not None:
                text, name = read_document(document).text, document.name
            else:
                from app.core.extract import check_text

                check_text(pasted)
                text, name = pasted, ""
            reference = None
            if task:  # checked (and read) before any model loads, as the CLI does
                from app.core.reference_metrics import make_reference_task, read_reference

                if reference_path is None:
                    from app.core.extract import InputError

                    raise InputError(no_reference)
                reference = make_reference_task(task, *read_reference(reference_path), target)
            backend = make_backend()
            run.backend = backend
            try:
                for model_id in ids:
                    if stop.is_set():
                        deliver(self, self._model_done, model_id, None)
                        continue

                    def report(step: EvalProgress, model_id: str = model_id) -> None:
                        deliver(self, self._on_progress, model_id, step)

                    try:
                        result = evaluate_model(
                            backend,
                            resolve_model(model_id),
                            options,
                            text,
                            window=window,
                            text_name=name,
                            progress=report,
                            stop=stop,
                            reference=reference,
                        )
                    except EvaluationStopped:
                        deliver(self, self._model_done, model_id, None)
                    except Exception as exc:  # shown in the model's row; the others go on
                        if not isinstance(exc, _user_errors()):
                            log.error("evaluating %s failed", model_id, exc_info=exc)
                        deliver(self, self._model_done, model_id, exc)
                    else:
                        deliver(self, self._model_done, model_id, result)
            finally:
                run.backend = None
                backend.close()

        BackgroundOp(self, work).on_success(self._finished).on_failure(self._failed).run()

    def stop(self) -> None:
        """Stop after the window being scored (the model ends partial, the rest are skipped)."""
        if self._run is not None and self.running:
            self._run.stop.set()
            self.status.setText(self.tr("Stopping after this window…"))
            self._update_buttons()

    def shutdown(self) -> None:
        """The dialog or the app is closing: stop at once, whatever is being scored."""
        run = self._run
        if run is None:
            return
        run.stop.set()
        backend = run.backend
        if backend is not None:
            backend.cancel()

    def _row_index(self, model_id: str) -> int:
        return next((i for i, row in enumerate(self._rows) if row.model_id == model_id), -1)

    def _on_progress(self, model_id: str, step: EvalProgress) -> None:
        index = self._row_index(model_id)
        if index < 0 or not self.running:
            return
        name = self._rows[index].name
        if step.stage == "loading":
            text = self.tr("Loading…")
            self.status.setText(self.tr("Loading {model}…").format(model=name))
            self.progress.setRange(0, 0)
        elif step.stage == "tokenizing":
            text = self.tr("Reading the text…")
        elif step.stage == "task":
            doing = self.tr("Translating") if step.task == "translate" else self.tr("Summarising")
            text = self.tr("{doing}: {tokens} tokens written").format(doing=doing, tokens=step.done)
            self.progress.setRange(0, 0)
            self.status.setText(self.tr("{model}: {progress}").format(model=name, progress=text))
        else:
            text = self.tr("Window {done} of {total}").format(done=step.done, total=step.total)
            eta = step.eta_s
            if eta is not None and step.done < step.total:
                text += self.tr(", {left} left").format(left=format_duration(eta))
            self.progress.setRange(0, max(1, step.total))
            self.progress.setValue(step.done)
            self.status.setText(self.tr("{model}: {progress}").format(model=name, progress=text))
            if step.perplexity is not None:
                self.table.set_cell(index, COL_PPL, f"{step.perplexity:.3f}", muted=True)
            if step.tokens_per_s > 0:
                self.table.set_cell(index, COL_TPS, f"{step.tokens_per_s:.0f}", muted=True)
            self.table.set_cell(index, COL_TIME, format_duration(step.elapsed_s), muted=True)
        self.table.set_cell(index, COL_STATUS, text)

    def _model_done(self, model_id: str, outcome: EvalResult | BaseException | None) -> None:
        index = self._row_index(model_id)
        if index < 0:
            return
        row = self._rows[index]
        if outcome is None:
            self.table.set_cell(index, COL_STATUS, self.tr("Stopped"))
        elif isinstance(outcome, BaseException):
            message = self._error_text(outcome)
            self.table.set_cell(index, COL_STATUS, self.tr("Failed: {error}").format(error=message))
        else:
            row.result = outcome
            self._show(index, row, self._status_of(outcome))
        self._redraw_chart()

    def _finished(self, _none: object) -> None:
        stopped = self._run is not None and self._run.stop.is_set()
        self._end(self.tr("Stopped.") if stopped else self.tr("Done."))

    def _failed(self, error: BaseException) -> None:
        message = self._error_text(error)
        for index, row in enumerate(self._rows):
            if row.result is None:
                self.table.set_cell(index, COL_STATUS, self.tr("Not run"))
        self._end(self.tr("The evaluation could not run: {error}").format(error=message))

    def _end(self, text: str) -> None:
        self.running = False
        self.table.scoring = False
        self.table.show_scores()
        self.progress.hide()
        self.status.setText(text)
        self._update_buttons()

    def _error_text(self, error: BaseException) -> str:
        from app.core.model_eval import TextTooShort

        if isinstance(error, TextTooShort):
            text = self.tr(
                "The text has {tokens} tokens with this model; perplexity needs at least one "
                "window of {window} tokens. Use a longer text or a smaller window."
            ).format(tokens=f"{error.tokens:,}", window=f"{error.window:,}")
            if error.suggested:
                text += " " + self.tr("A window of {size} tokens fits.").format(
                    size=error.suggested
                )
            return text
        return str(getattr(error, "message", None) or error)

    def _status_of(self, result: EvalResult) -> str:
        if result.partial:
            return self.tr("Partial: {done} of {total} windows").format(
                done=result.windows, total=result.windows_total
            )
        return self.tr("Done, {windows} windows").format(windows=result.windows)

    # ---- the table ---------------------------------------------------------------------------

    def _load_saved(self) -> None:
        """The saved comparison, newest first, for the models of this computer."""
        from app.core.model_eval import saved_evaluations

        files = {m.path.name: m for m in self._models}
        saved = saved_evaluations(model_files=list(files))[:MAX_SAVED_ROWS]
        self._rows = [
            _Row(files[r.model_file].model_id, files[r.model_file].name, r) for r in saved
        ]
        for index, row in enumerate(self._rows):
            assert row.result is not None
            when = row.result.measured_at[:10]
            self._show(index, row, self.tr("Saved {date}").format(date=when))
        if saved:
            self.status.setText(
                self.tr("The last results are shown; Run measures the ticked models again.")
            )
        self._redraw_chart()

    def _show(self, index: int, row: _Row, status: str) -> None:
        self.table.show_row(index, row.model_id, row.name, row.result, status)

    def result_rows(self) -> list[dict[str, str]]:
        """The result table as header -> text, one dict per row."""
        return self.table.rows_as_text()

    def _redraw_chart(self) -> None:
        """Plot the results that compare: those on the same text with the same window as the
        first row's (the run in progress, or the newest saved one)."""
        done = [(row.name, row.result) for row in self._rows if row.result is not None]
        if done:
            first = done[0][1]
            same = (first.text_sha256, first.window)
            done = [(n, r) for n, r in done if (r.text_sha256, r.window) == same]
        self.chart.set_results(done)
        if self.chart.per_char:
            self.note.setText(
                self.tr(
                    "These models split the text into different numbers of tokens, so their "
                    "perplexities do not compare; bits per character does, and the chart "
                    "shows it."
                )
            )
        elif any(r.partial for _name, r in done):
            self.note.setText(
                self.tr("A partial figure covers only the windows scored before Stop.")
            )
        else:
            self.note.clear()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    def reject(self) -> None:
        self.shutdown()
        super().reject()
