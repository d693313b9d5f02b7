"""The Summarise pane: length, style and language; every part of the document is read.

The pipeline does the work (map-reduce over token-counted parts); this pane shows the plan
before the run, "Part i of K" while the parts are read, the final pass streaming as rendered
Markdown, and afterwards how much of the document the model read, so the claim "every part
is read" can be checked by the user, not just stated. While it runs, the bar moves within a
part (:class:`~.long_jobs.JobClock`: elapsed time, tokens/s, time left) and each part's notes
appear in a folded "Notes" section under the result as the part is done; Stop keeps them and
Continue goes on from the next part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from app.core.backend import Backend, Error, Progress, Stats, Token
from app.core.runs import RUN_STATUS, summary_record
from app.gui.i18n import plural
from app.gui.tools.long_jobs import Collapsible, JobClock
from app.gui.tools.pane import ToolPane
from app.gui.tools.runs import ToolJob, Work

if TYPE_CHECKING:
    from app.core.history import ToolRun
    from app.gui.engine_worker import EngineWorker

# Pipeline style keys in the order offered; the label each gets is set in the pane (tr).
STYLE_ORDER = ("bullets", "paragraph", "tldr", "headline")
LENGTH_ORDER = ("short", "medium", "long")


class SummarisePane(ToolPane):
    """Everything in the Summarise section."""

    tool = "summarise"

    def __init__(self, worker: EngineWorker, parent: QWidget | None = None) -> None:
        super().__init__(
            worker,
            title=self.tr("Summarise"),
            subtitle=self.tr(
                "Every part of the document is read: long text is summarised part by part, "
                "then the notes are combined."
            ),
            action_label=self.tr("Summarise document"),
            placeholder=self.tr(
                "Paste or type the text to summarise, or drop a file here "
                "(.txt, .md, .html, .pdf, .docx)."
            ),
            parent=parent,
        )
        # Notes taken on each part of a long document, in tokens (the pipeline's default);
        # tests lower it to keep the tiny model quick.
        self.notes_tokens = 256
        self._rendered = ""
        self.clock = JobClock()

        self.length_choice = QComboBox()
        for key, label in zip(
            LENGTH_ORDER, (self.tr("Short"), self.tr("Medium"), self.tr("Long")), strict=True
        ):
            self.length_choice.addItem(label, key)
        self.length_choice.setCurrentIndex(1)
        self.length_choice.setToolTip(self.tr("How long the summary should be"))
        self.style_choice = QComboBox()
        style_labels = {
            "bullets": self.tr("Key points"),
            "paragraph": self.tr("Paragraph"),
            "tldr": self.tr("TL;DR"),
            "headline": self.tr("Headline"),
        }
        from app.core.prompts.summarise import STYLES

        for key in (*STYLE_ORDER, *(k for k in STYLES if k not in STYLE_ORDER)):
            if key in STYLES:
                self.style_choice.addItem(style_labels.get(key, key), key)
        self.style_choice.setToolTip(self.tr("The form of the summary"))
        self.language_choice = QComboBox()
        self.language_choice.addItem(self.tr("Same as the document"), "")
        from app.core.langs import LANGUAGES

        for language in LANGUAGES:
            self.language_choice.addItem(language.label, language.code)
        self.language_choice.setToolTip(self.tr("The language to write the summary in"))
        self.add_option(self.tr("Summary length"), self.length_choice)
        self.add_option(self.tr("Summary style"), self.style_choice)
        self.add_option(self.tr("Summary language"), self.language_choice)
        self.options_row.addStretch(1)
        for combo in (self.length_choice, self.style_choice, self.language_choice):
            combo.currentIndexChanged.connect(self.options_changed)
        self.style_choice.currentIndexChanged.connect(self._style_changed)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("SummariseSplitter")  # its sizes are remembered (ui_state)
        splitter.setChildrenCollapsible(False)  # a dragged divider never hides a pane
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.input)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.result_header)
        self.view = QTextBrowser()
        self.view.setObjectName("ResultView")
        self.view.setAccessibleName(self.tr("Result"))
        self.view.setAccessibleDescription(self.tr("The summary"))
        self.view.setOpenExternalLinks(False)
        self.view.setPlaceholderText(self.tr("The summary appears here as it is written."))
        column.addWidget(self.view, 1)
        self.notes = Collapsible(self.tr("Notes"))
        self.notes.setToolTip(self.tr("The notes taken on each part, which the summary combines"))
        column.addWidget(self.notes)
        splitter.addWidget(right)
        splitter.setSizes([480, 520])
        self.add_body(splitter)

    # -- options -----------------------------------------------------------------------------

    def _style_changed(self) -> None:
        # A headline has no length to choose.
        self.length_choice.setEnabled(self.style_choice.currentData() != "headline")

    def options(self) -> dict[str, Any]:
        return {
            "length": self.length_choice.currentData(),
            "style": self.style_choice.currentData(),
            "language": self.language_choice.currentData(),
        }

    def apply_options(self, options: dict[str, Any]) -> None:
        for combo, key in ((self.length_choice, "length"), (self.style_choice, "style")):
            index = combo.findData(options.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)
        index = self.language_choice.findData(options.get("language") or "")
        if index >= 0:
            self.language_choice.setCurrentIndex(index)

    # -- running -----------------------------------------------------------------------------

    def plan_work(self, text: str) -> Work | None:
        from app.core.textsplit import SplitPlan

        options = self.options()
        notes = self.notes_tokens

        def plan(backend: Backend) -> object:
            from app.core.pipelines.summarise import summarise_document

            # The pipeline's own first step: it counts and splits, then says how it will read
            # the text, before any model call. The generator is closed right after.
            events = summarise_document(
                backend,
                text,
                length=options["length"],
                style=options["style"],
                language=options["language"] or None,
                notes_tokens=notes,
            )
            try:
                for event in events:
                    if isinstance(event, SplitPlan):
                        return (event.total_tokens, event.budget, event.part_count)
                    if not isinstance(event, Progress):
                        break
            finally:
                events.close()  # type: ignore[attr-defined]
            return None

        return plan

    def make_work(self, text: str, job: ToolJob) -> Work:
        from app.core.pipelines.summarise import SummaryResult, summarise_document

        options = job.options  # a continued run's own options, as saved
        notes = self.notes_tokens
        done_parts = self.parts_of(job)

        def work(backend: Backend) -> object:
            events = summarise_document(
                backend,
                text,
                length=options["length"],
                style=options["style"],
                language=options["language"] or None,
                notes_tokens=notes,
                stop=job.stop,
                done_parts=done_parts,
            )
            result = None
            for event in events:
                if isinstance(event, SummaryResult):
                    result = event
                else:
                    job.feed.push(event)
            return result

        return work

    def reset_result(self) -> None:
        self.view.clear()
        self._rendered = ""
        self.result_header.meta.clear()
        self.notes.clear()
        self.clock = JobClock()

    def handle_events(self, job: ToolJob, events: list[object]) -> None:
        from app.core.pipelines import Retry
        from app.core.pipelines.resume import PartKept
        from app.core.textsplit import SplitPlan

        grew = False
        clock = self.clock
        moved = False
        for event in events:
            if isinstance(event, Token):
                if not job.extra.get("writing"):
                    job.extra["writing"] = True
                    clock.begin_step(clock.steps, clock.steps, self.tr("Writing the summary…"))
                if not job.output:
                    job.output = event.text.lstrip()
                else:
                    job.output += event.text
                grew = moved = clock.feed(event) or moved
            elif isinstance(event, SplitPlan):
                self.show_plan(event.total_tokens, event.budget, event.part_count)
                job.extra["parts"] = event.part_count
                # Each part is a step, and the combining and the final pass one more.
                clock.steps = event.part_count + 1 if event.part_count > 1 else 1
                clock.begin_step(
                    1, clock.steps, self.tr("Part {i} of {k}").format(i=1, k=event.part_count)
                )
            elif isinstance(event, PartKept):
                self.keep_part(job, event)
                heading = self.tr("Part {i} of {k}").format(i=event.index, k=event.total)
                self.notes.set_entry(event.index, heading, str(event.data or ""))
            elif isinstance(event, Progress) and event.what == "part":
                label = self.tr("Part {i} of {k}").format(i=event.done, k=event.total)
                clock.begin_step(event.done, event.total + 1, label)
                moved = True
            elif isinstance(event, Progress) and event.what == "final":
                label = self.tr("Reading the notes to write the summary…")
                clock.begin_step(clock.steps, clock.steps, label)
                moved = True
            elif isinstance(event, Progress) and event.what == "combine":
                label = self.tr("Combining notes {i} of {k}").format(i=event.done, k=event.total)
                clock.begin_step(clock.steps, clock.steps, label)
                moved = True
            elif isinstance(event, Progress | Stats):
                moved = clock.feed(event) or moved
            elif isinstance(event, Retry):
                # The answer shown so far is withdrawn; the next tokens are the new one.
                job.output = ""
                self._render("")
                self.run_bar.plan.setText(self.retry_text(event.message))
            elif isinstance(event, Error):
                self.banner.show_text(event.message)
        if grew and job.output != self._rendered:
            self._render(job.output)
        if moved and not job.stop_requested:
            clock.show(self.run_bar)

    def _render(self, text: str) -> None:
        bar = self.view.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        self.view.setMarkdown(text)
        self._rendered = text
        if at_end:
            bar.setValue(bar.maximum())

    def finish_job(self, job: ToolJob, result: object) -> tuple[str, str, dict[str, Any]]:
        from app.core.pipelines.summarise import SummaryResult

        if not isinstance(result, SummaryResult):
            return job.output, "failed", {"error": "the summary ended without a result"}
        status = RUN_STATUS[result.status]
        output = result.text or job.output
        if job.stop_requested and status == "complete" and result.text != job.output.strip():
            status = "stopped"
        self._render(output)
        extra = summary_record(result)
        self.result_header.meta.setText(self._meta(extra))
        if status == "stopped":
            self.run_bar.plan.setText(self.tr("Stopped. What was written so far is kept."))
        elif result.cut_off:
            self.banner.show_text(
                self.tr(
                    "The summary was cut off at the length limit, so it may end mid-sentence. "
                    "Choose a longer length, or a shorter style, and summarise again."
                )
            )
        return output, status, extra

    def retry_text(self, reason: str) -> str:
        """The pipeline's reason for asking again, in the interface's language."""
        if "copied" in reason:
            return self.tr(
                "The summary copied the document instead of summarising it; asking again for "
                "one in the model's own words."
            )
        return self.tr("The summary ran past the length limit; asking again for a shorter one.")

    def _meta(self, extra: dict[str, Any]) -> str:
        read = int(extra.get("tokens_read", 0))
        total = int(extra.get("document_tokens", 0))
        parts = int(extra.get("parts", 0))
        if not total:
            return ""
        line = plural(
            parts,
            self.tr("read {read} of {total} tokens in 1 part"),
            self.tr("read {read} of {total} tokens in {n} parts"),
        ).format(read=f"{read:,}", total=f"{total:,}")
        seconds = extra.get("wall_seconds")
        if seconds:
            line += self.tr(" · {seconds:.0f} s").format(seconds=float(seconds))
        return line

    def show_run(self, run: ToolRun) -> None:
        from app.core.runs import resume_parts

        self._render(run.output)
        self.notes.clear()
        notes = run.extra.get("notes")
        if isinstance(notes, list):  # a complete run keeps its notes as a list
            for index, text in enumerate(notes, start=1):
                heading = self.tr("Part {i} of {k}").format(i=index, k=len(notes))
                self.notes.set_entry(index, heading, str(text))
        for part in resume_parts(run.extra):  # an unfinished one, the parts it kept
            heading = self.tr("Part {i} of {k}").format(i=part.index, k=part.total)
            self.notes.set_entry(part.index, heading, str(part.data or ""))
        if run.extra.get("document_tokens"):
            self.show_plan(
                int(run.extra["document_tokens"]),
                int(run.extra.get("budget", 0)),
                int(run.extra.get("parts", 1)),
            )
        meta = self._meta(run.extra)
        if meta:
            self.result_header.meta.setText(f"{self.result_header.meta.full_text()} · {meta}")
