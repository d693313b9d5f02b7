"""The tool pane base: what the three text-tool panes share beyond their own options and
results — layout, the plan line, the job loop, Stop, saving, saved runs and Copy / Save.

The rules it keeps, so every tool behaves the same:

* Nothing slow runs on the GUI thread. Files are read by the document input
  (:mod:`.document`); pipelines run on the engine worker (``worker.call``), so a tool and a
  chat reply never use the model at the same time. Each call's result comes back to the
  callback given with that call (the plan line to :meth:`ToolPane._plan_ready`, a run to
  :meth:`ToolPane._job_done`), never through a broadcast every pane would have to filter.
  Events from a running pipeline are handed over through a :class:`~.runs.JobFeed` and
  drained once per frame, so a fast model cannot flood the event loop.
* Nothing is lost. A run is saved as "streaming" when it starts, checkpointed about once a
  second, and finished as complete, stopped or failed; Stop and closing the window keep the
  output so far.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.core.checkpoint import EVERY_S
from app.gui.announce import announce
from app.gui.i18n import local_datetime, plural
from app.gui.notice import Notice
from app.gui.ops import BackgroundOp
from app.gui.theme import Theme, current_theme
from app.gui.tools.document import DocumentInput
from app.gui.tools.long_jobs import ResumeMixin
from app.gui.tools.pane_files import ResultFilesMixin
from app.gui.tools.pane_model import PaneModel
from app.gui.tools.runs import JobFeed, ResultHeader, RunBar, RunHistory, ToolJob, Work
from app.gui.tools.style import pane_stylesheet
from app.gui.tools.text import message_of

if TYPE_CHECKING:
    from app.core.backend import LoadInfo
    from app.core.history import HistoryStore, ToolRun
    from app.gui.engine_worker import EngineWorker
    from app.gui.tools.engines import TaskEngines
    from app.gui.tools.model_picker import ModelPicker

log = logging.getLogger(__name__)

FRAME_MS = 16
CHECKPOINT_MS = int(EVERY_S * 1000)  # the one checkpoint rule (app.core.checkpoint)
PLAN_DEBOUNCE_MS = 500
# The plan line is worked out before a run only for text up to this size: counting tokens of
# a bigger document takes the engine long enough to delay a chat reply for no good reason.
PLAN_PREVIEW_CHARS = 2_000_000


AskPath = Callable[[str, str, str], str | None]


class Banner(Notice):
    """A dismissible message above the document: bad input, a failed run, a note."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, object_name="ToolBanner")


class ToolPane(ResumeMixin, ResultFilesMixin, PaneModel, QWidget):
    """A tool section: saved runs on the left; options, document, result and run bar.

    Subclasses build their options and result widgets and say how to run the pipeline; this
    class does the rest (input, plan line, job loop, Stop, saving, history).
    """

    tool = ""

    def __init__(
        self,
        worker: EngineWorker,
        *,
        title: str,
        subtitle: str,
        action_label: str,
        placeholder: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(title)
        self._worker = worker  # the worker when no TaskEngines decides (see set_engines)
        self.engines: TaskEngines | None = None
        self.model_picker: ModelPicker | None = None
        self._job_worker: EngineWorker | None = None  # the running job's, for Stop
        self._starting = False  # Run pressed, the model still loading
        self.store: HistoryStore | None = None
        self.job: ToolJob | None = None
        self._closed = False
        self._plans_asked = 0  # only the newest plan request's answer is shown
        self.ask_save: AskPath = self._save_dialog

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.history = RunHistory()
        self.history.run_selected.connect(self.open_run)
        self.history.delete_requested.connect(self.delete_run)
        row.addWidget(self.history)

        main = QWidget()
        self.column = QVBoxLayout(main)
        self.column.setContentsMargins(20, 14, 20, 14)
        self.column.setSpacing(10)
        heading = QVBoxLayout()
        heading.setSpacing(0)
        self.heading_row = QHBoxLayout()  # the title, then the model picker at the right
        name = QLabel(title)
        name.setObjectName("PaneTitle")
        self.heading_row.addWidget(name)
        self.heading_row.addStretch(1)
        heading.addLayout(self.heading_row)
        sub = QLabel(subtitle)
        sub.setObjectName("PaneSubtitle")
        sub.setWordWrap(True)
        heading.addWidget(sub)
        self.column.addLayout(heading)
        self.options_row = QHBoxLayout()
        self.options_row.setSpacing(8)
        self.column.addLayout(self.options_row)
        self.banner = Banner()
        self.column.addWidget(self.banner)
        self.input = DocumentInput(placeholder)
        self.input.changed.connect(self._input_changed)
        self.input.problem.connect(self.banner.show_text)
        self.result_header = ResultHeader(self.tr("Result"))
        self.result_header.copy.clicked.connect(self.copy_result)
        self.result_header.save.clicked.connect(self.save_result)
        self.run_bar = RunBar(action_label)
        self.run_bar.action.clicked.connect(self.fresh_start)
        self.run_bar.stop.clicked.connect(self.stop)
        self.run_bar.resume.clicked.connect(self.continue_run)
        row.addWidget(main, 1)

        self._frame_timer = QTimer(self)
        self._frame_timer.setInterval(FRAME_MS)
        self._frame_timer.timeout.connect(self._on_frame)
        self._checkpoint_timer = QTimer(self)
        self._checkpoint_timer.setInterval(CHECKPOINT_MS)
        self._checkpoint_timer.timeout.connect(self._checkpoint)
        self._plan_timer = QTimer(self)
        self._plan_timer.setSingleShot(True)
        self._plan_timer.setInterval(PLAN_DEBOUNCE_MS)
        self._plan_timer.timeout.connect(self._request_plan)
        worker.load_finished.connect(lambda _info: self._plan_timer.start())

        from PySide6.QtGui import QKeySequence, QShortcut

        for keys, slot in (
            ("Ctrl+Return", self.fresh_start),
            ("Esc", self.stop),
            ("Ctrl+O", self.input.choose_file),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.setStyleSheet(pane_stylesheet(current_theme()))
        self._update_action()

    def add_body(self, body: QWidget) -> None:
        """The subclass's document + result area, then the run bar under it."""
        self.column.addWidget(body, 1)
        self.column.addWidget(self.run_bar)

    def add_option(self, label: str, widget: QWidget, caption_text: str = "") -> None:
        """A labelled control in the options row; ``label`` is its accessible name, and its
        caption unless a shorter ``caption_text`` is given."""
        caption = QLabel(caption_text or label)
        caption.setObjectName("Muted")
        caption.setBuddy(widget)
        widget.setAccessibleName(label)
        if not widget.toolTip():
            widget.setToolTip(label)
        if isinstance(widget, QComboBox):
            widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.options_row.addWidget(caption)
        self.options_row.addWidget(widget)
        self.options_row.addSpacing(8)

    # -- subclass hooks --------------------------------------------------------------------

    def options(self) -> dict[str, Any]:
        """The chosen options, as saved with the run."""
        raise NotImplementedError

    def make_work(self, text: str, job: ToolJob) -> Work:
        """The pipeline run for ``text``; it runs on the engine thread and pushes to job.feed."""
        raise NotImplementedError

    def plan_work(self, text: str) -> Work | None:
        """Work returning (tokens, budget, parts) or a line for ``text``; counts, no generation."""
        return None

    def reset_result(self) -> None:
        """Clear the result area for a new run."""
        raise NotImplementedError

    def handle_events(self, job: ToolJob, events: list[object]) -> None:
        """Show pipeline events (on the GUI thread, once a frame); keep ``job.output`` current."""
        raise NotImplementedError

    def finish_job(self, job: ToolJob, result: object) -> tuple[str, str, dict[str, Any]]:
        """The pipeline ended: show the result; return (output, status, extra) to save."""
        raise NotImplementedError

    def show_run(self, run: ToolRun) -> None:
        """Show a saved run's options and output."""
        raise NotImplementedError

    def input_ready(self, text: str) -> None:
        """The text settled (typing paused, a file was read); e.g. detect its language."""

    def apply_options(self, options: dict[str, Any]) -> None:
        """Set the controls from a saved run's options (unknown values are left alone)."""

    def input_text(self) -> str | None:
        """The text to work on, or None after telling the user why there is none."""
        from app.core.extract import InputError, check_text

        if self.input.loading:
            self.banner.show_text(self.tr("The document is still being read; a moment…"))
            return None
        text = self.input.text()
        try:
            check_text(text)
        except InputError as exc:
            if not text.strip():
                self.banner.show_text(
                    self.tr(
                        "There is no text to work on yet. Type or paste text, drop a file "
                        "here, or choose Open…"
                    )
                )
            else:
                self.banner.show_text(exc.message)
            return None
        return text

    def current_output(self) -> str:
        return self.job.output if self.job is not None else ""

    # -- set-up ------------------------------------------------------------------------------

    def set_store(self, store: HistoryStore) -> None:
        self.store = store
        self.refresh_history()
        self._update_action()

    def retint(self, theme: Theme) -> None:
        self.setStyleSheet(pane_stylesheet(theme))
        self.input.retint(theme)

    def refresh_history(self, select: int | None = None) -> None:
        if self.store is not None and not self._closed:
            self.history.load(self.store, self.tool, select)

    # -- input and plan --------------------------------------------------------------------

    def _input_changed(self) -> None:
        if self.job is None:
            self.run_bar.plan.clear()
            self._plan_timer.start()
        self._update_action()

    def options_changed(self) -> None:
        """Subclasses call this when an option that changes the plan changes."""
        if self.job is None:
            self._plan_timer.start()

    def _update_action(self) -> None:
        has_text = bool(
            self.input.is_document() or self.input.editor.document().characterCount() > 1
        )
        idle = self.job is None and not self._starting
        self.run_bar.action.setEnabled(has_text and not self.input.loading and idle)
        if self.model_picker is not None:
            self.model_picker.setEnabled(idle)  # a run keeps the model it started with

    def _request_plan(self) -> None:
        if self._closed or self.job is not None:
            return
        worker = self.plan_worker()
        if worker is None or worker.load_info is None:
            return
        text = self.input.text()
        if not text.strip() or len(text) > PLAN_PREVIEW_CHARS:
            if text.strip():
                self.run_bar.plan.setText(
                    self.tr("{chars} characters — the parts are worked out when you start").format(
                        chars=f"{len(text):,}"
                    )
                )
            return
        self.input_ready(text)
        work = self.plan_work(text)
        if work is None:
            return
        self._plans_asked += 1
        asked = self._plans_asked
        worker.call(
            work,
            owner=self,
            on_success=lambda plan: self._plan_ready(asked, plan),
            on_failure=lambda error: log.debug("no plan line: %s", error),
        )

    def _plan_ready(self, asked: int, plan: object) -> None:
        """A plan call's answer: (tokens, budget, parts) or a line; shown if still current."""
        if asked != self._plans_asked or self.job is not None or self._closed:
            return
        if isinstance(plan, tuple) and len(plan) == 3:
            self.show_plan(*plan)
        elif isinstance(plan, str):
            self.run_bar.plan.setText(plan)

    def show_plan(self, tokens: int, budget: int, parts: int) -> None:
        """The line the issue asks for: N tokens — the model reads M at a time — K parts."""
        self.run_bar.plan.setText(
            plural(
                parts,
                self.tr("{tokens} tokens — the model reads {budget} at a time — 1 part"),
                self.tr("{tokens} tokens — the model reads {budget} at a time — {n} parts"),
            ).format(tokens=f"{tokens:,}", budget=f"{budget:,}")
        )

    # -- running -------------------------------------------------------------------------

    def start(self) -> None:
        if self.job is not None or self._closed or self._starting:
            return
        self.banner.hide()
        if self.store is None:
            self.banner.show_text(self.tr("The history is still opening; a moment…"))
            return
        if self.engines is not None:
            worker = self.engines.ready_worker(self.tool)
            if worker is None or worker.load_info is None:
                # Its model is loaded first (a new choice); the run starts when it is there.
                self._starting = True
                self._update_action()
                self.run_bar.plan.setText(
                    self.tr("Loading {model}…").format(model=self.engines.model(self.tool).label)
                )
                self._prepare_model(self._start_when_loaded)
                return
            self._begin(worker, worker.load_info)
            return
        info = self.worker.load_info
        if info is None:
            self.banner.show_text(
                self.tr(
                    "No model is loaded yet. Wait for it to finish loading, or choose one on the "
                    "Models page."
                )
            )
            return
        self._begin(self.worker, info)

    def _begin(self, worker: EngineWorker, info: LoadInfo) -> None:
        """Start the run on ``worker``, whose model is loaded; the record names that model."""
        assert self.store is not None
        resume = self.take_resume()  # Continue: the saved run's text, options and parts
        text = resume.input_text if resume is not None else self.input_text()
        if text is None:
            return
        options = dict(resume.options) if resume is not None else self.options()
        if self.input.name and resume is None:
            options["source"] = self.input.name
        try:
            run = self.begin_row(resume, text, options, info)
            if run is None:
                return
        except Exception as exc:
            self.banner.show_text(
                self.tr("The run could not be saved, so it was not started: {error}").format(
                    error=message_of(exc)
                )
            )
            return
        job = ToolJob(run.id, threading.Event(), JobFeed(), options, kept=dict(run.extra))
        self.job = job
        self.reset_result()
        self.result_header.set_status("streaming")
        self.result_header.meta.setText(info.model_id)
        self.run_bar.set_running(True)
        self._update_action()
        self._job_worker = worker
        worker.call(
            self.make_work(text, job),
            owner=self,
            on_success=lambda result: self._job_done(job, result, None),
            on_failure=lambda error: self._job_done(job, None, error),
        )
        self._frame_timer.start()
        self._checkpoint_timer.start()
        self.refresh_history(select=run.id)

    def stop(self) -> None:
        """Stop now, whether a model call is in flight or the job is between two calls."""
        job = self.job
        if job is None:
            return
        job.stop_requested = True
        job.stop.set()
        (self._job_worker or self.worker).cancel()
        self.run_bar.set_stopping()

    def _on_frame(self) -> None:
        job = self.job
        if job is None:
            self._frame_timer.stop()
            return
        events = job.feed.take()
        if events:
            self.handle_events(job, events)

    def _checkpoint(self) -> None:
        job = self.job
        if job is None or self.store is None or job.run_id is None:
            self._checkpoint_timer.stop()
            return
        output = self.current_output()
        if output != job.checkpointed:
            try:
                self.store.update_tool_run(job.run_id, output=output)
                job.checkpointed = output
            except Exception as exc:
                log.warning("checkpoint failed: %s", exc)

    def _job_done(self, job: ToolJob, result: object, error: str | None) -> None:
        """The run's pipeline returned (or raised, with ``error``): show it, save it."""
        if job is not self.job or self._closed:
            return  # stopped by shutdown, which saved it already
        events = job.feed.take()
        if events:
            self.handle_events(job, events)
        self.job = None
        self._frame_timer.stop()
        self._checkpoint_timer.stop()
        if error is not None:
            output, status, extra = self.current_output_of(job), "failed", {"error": error}
            self.banner.show_text(message_of(error))
        else:
            output, status, extra = self.finish_job(job, result)
        self._save(job, output, status, extra)
        self.result_header.set_status(status)
        self.run_bar.set_running(False)
        self._announce(status, error)
        # The plan line said what the run was doing ("asking again…"); it goes back to the
        # plan, and what happened stays in the result, its notes and its banner.
        self.options_changed()
        self._update_action()
        self.refresh_history(select=job.run_id)

    def _announce(self, status: str, error: str | None) -> None:
        """A screen reader is told when a job ends, since the bar it watched is gone."""
        title = self.accessibleName()
        if status == "complete":
            text = self.tr("{tool} is done; the result is ready.").format(tool=title)
        elif status == "stopped":
            text = self.tr("{tool} stopped; what was done is kept.").format(tool=title)
        else:
            text = self.tr("{tool} failed: {error}").format(
                tool=title, error=message_of(error or self.banner.label.text())
            )
        announce(self, text, urgent=status not in ("complete", "stopped"))

    def current_output_of(self, job: ToolJob) -> str:
        return job.output

    def _save(self, job: ToolJob, output: str, status: str, extra: dict[str, Any]) -> None:
        if self.store is None or job.run_id is None:
            return
        try:
            extra = self.final_extra(job, extra, status)
            self.show_continue(
                self.store.update_tool_run(job.run_id, output=output, status=status, extra=extra)
            )
        except Exception as exc:
            self.banner.show_text(
                self.tr("The result could not be saved: {error}").format(error=message_of(exc))
            )
        self.result_header.copy.setEnabled(bool(output))
        self.result_header.save.setEnabled(bool(output))

    # -- saved runs ------------------------------------------------------------------------

    def open_run(self, rid: int) -> None:
        if self.job is not None:
            self.banner.show_text(self.tr("Stop the running job before opening another run."))
            return
        store = self.store
        if store is None:
            return
        BackgroundOp(self, lambda: store.get_tool_run(rid)).on_success(self._run_loaded).on_failure(
            lambda exc: self.banner.show_text(message_of(exc))
        ).run()

    def _run_loaded(self, run: object) -> None:
        if run is None or self.job is not None:
            self.banner.show_text(self.tr("This run no longer exists."))
            self.refresh_history()
            return
        saved: ToolRun = run  # type: ignore[assignment]
        self.banner.hide()
        self.apply_options(saved.options)
        self.input.set_text(saved.input_text, str(saved.options.get("source") or ""))
        self.result_header.set_status(saved.status)
        self.result_header.meta.setText(f"{saved.model_id} · {local_datetime(saved.created)}")
        self.show_run(saved)
        self.show_continue(saved)
        self.result_header.copy.setEnabled(bool(saved.output))
        self.result_header.save.setEnabled(bool(saved.output))
        self.history.select(saved.id)

    def delete_run(self, rid: int) -> None:
        if self.store is None or (self.job is not None and self.job.run_id == rid):
            return
        answer = QMessageBox.question(
            self, self.tr("Delete run"), self.tr("Delete this saved run? This cannot be undone.")
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.store.delete_tool_run(rid)
        except Exception as exc:
            self.banner.show_text(message_of(exc))
        self.refresh_history()

    # -- shutdown ----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """The window is closing: stop the job and save its output so far as stopped."""
        self._closed = True
        for timer in (self._frame_timer, self._checkpoint_timer, self._plan_timer):
            timer.stop()
        job = self.job
        if job is None:
            return
        job.stop.set()
        (self._job_worker or self._worker).cancel()
        events = job.feed.take()
        if events:
            self.handle_events(job, events)
        self.job = None
        if self.store is not None and job.run_id is not None:
            try:
                self.store.update_tool_run(
                    job.run_id, output=self.current_output_of(job), status="stopped"
                )
            except Exception as exc:
                log.warning("could not save the stopped run: %s", exc)
        self.store = None
