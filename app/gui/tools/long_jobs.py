"""What a long summary or translation shows while it runs, and what lets it continue.

A 7,588-token summary used to show "Part 1 of 3" over an empty bar for minutes, and Stop
threw away the parts already read. Here:

* :class:`JobClock` turns the pipeline's events into one moving bar: the step (part or
  combine) plus, within it, the prompt read (``Progress(done, total, "prompt")``) and the
  tokens written, with the elapsed time, tokens per second and an estimate of the time left.
* :class:`Collapsible` is the folded list under a result: a summary's notes on each part as
  they are written, a translation's retried lines.
* :class:`ResumeMixin` gives a pane "Continue": each finished part
  (:class:`~app.core.pipelines.resume.PartKept`) is saved with the run as it comes, so Stop,
  a failure or a crash keeps it, and a stopped or failed run shown in the pane continues from
  its first unfinished part, in the same saved run.
"""

from __future__ import annotations

import logging
import time
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QTextBrowser, QToolButton, QVBoxLayout, QWidget

from app.core.backend import Progress, Stats, Token
from app.core.pipelines.resume import PartKept
from app.core.pipelines.translate_checks import read_note
from app.core.runs import CONTEXT_KEY, can_resume, final_extra, record_part, resume_parts
from app.gui.i18n import plural

if TYPE_CHECKING:
    from app.core.backend import LoadInfo
    from app.core.history import HistoryStore, ToolRun
    from app.gui.notice import Notice
    from app.gui.tools.runs import RunBar, ToolJob

log = logging.getLogger(__name__)

# Reading a prompt is about this many times faster than writing, per token, on a CPU: the
# weight of the prompt in a step's share of the bar.
READ_SPEED_RATIO = 10
# Before this share of the job is done, an estimate of the time left is a guess: none shown.
ESTIMATE_AFTER = 0.03


def duration(seconds: float) -> str:
    """ "0:42", "12:05", "1:02:09": elapsed time as a clock shows it."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def time_left(seconds: float) -> str:
    """A rough estimate, said roughly: seconds under a minute, else minutes."""
    if seconds < 60:
        return QCoreApplication.translate("JobProgress", "under a minute left")
    minutes = round(seconds / 60)
    return plural(
        minutes,
        QCoreApplication.translate("JobProgress", "about 1 min left"),
        QCoreApplication.translate("JobProgress", "about {n} min left"),
    )


class JobClock:
    """The bar and the line of a running long job, from its events.

    ``steps`` is how many steps the bar has (a summary's parts plus its final pass; a
    translation's parts); ``expected_tokens`` says how many tokens a step writes when the
    pipeline does not (a translation's part writes about as many as it reads).
    """

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.steps = 1
        self.step = 0  # steps finished
        self.label = ""
        self.prompt = (0, 0)
        self.written = 0
        self.limit = 0  # tokens this step may write; 0: unknown
        self.tokens = 0  # written over the whole job
        self.writing_since = 0.0
        self.writing_seconds = 0.0
        # The share done when this clock's first step began: a continued run starts part-way,
        # and the parts it skipped took no time, so the estimate counts from there.
        self.base: float | None = None

    def begin_step(self, done: int, steps: int, label: str) -> None:
        """Step ``done`` (1-based) of ``steps`` starts; ``label`` names it ("Part 2 of 5")."""
        self._pause_writing()
        self.steps = max(steps, 1)
        self.step = max(done - 1, 0)
        self.label = label
        self.prompt = (0, 0)
        self.written = 0
        self.limit = 0
        if self.base is None:
            self.base = self.step / self.steps

    def feed(self, event: object) -> bool:
        """Take a model event; True when the bar should be redrawn."""
        if isinstance(event, Progress) and event.what == "prompt":
            self._pause_writing()
            self.prompt = (event.done, event.total)
            return True
        if isinstance(event, Progress) and event.what == "write":
            self.wrote(1, event.total)
            return True
        if isinstance(event, Token):
            self.wrote(1, 0)
            return True
        if isinstance(event, Stats):
            self._pause_writing()
        return False

    def wrote(self, count: int, limit: int) -> None:
        now = time.monotonic()
        if not self.writing_since:
            self.writing_since = now
        self.written += count
        self.tokens += count
        if limit:
            self.limit = limit

    def _pause_writing(self) -> None:
        if self.writing_since:
            self.writing_seconds += time.monotonic() - self.writing_since
            self.writing_since = 0.0

    def within(self) -> float:
        """How far the current step is, 0..1: its prompt read, then its tokens written."""
        read, prompt_total = self.prompt
        limit = self.limit or max(prompt_total // 2, 64)
        whole = prompt_total / READ_SPEED_RATIO + limit
        done = read / READ_SPEED_RATIO + min(self.written, limit)
        return min(done / whole, 0.99) if whole > 0 else 0.0

    def fraction(self) -> float:
        return min((self.step + self.within()) / self.steps, 1.0)

    def tokens_per_s(self) -> float:
        seconds = self.writing_seconds
        if self.writing_since:
            seconds += time.monotonic() - self.writing_since
        # A quarter second of writing is enough for a figure that does not jump about.
        return self.tokens / seconds if seconds > 0.25 and self.tokens >= 8 else 0.0

    def line(self) -> str:
        """ "1:23 · 9.5 tokens/s · about 2 min left"."""
        elapsed = time.monotonic() - self.started
        bits = [duration(elapsed)]
        speed = self.tokens_per_s()
        if speed:
            bits.append(
                QCoreApplication.translate("JobProgress", "{speed:.1f} tokens/s").format(
                    speed=speed
                )
            )
        share = self.fraction()
        progressed = share - (self.base or 0.0)
        if progressed >= ESTIMATE_AFTER:
            bits.append(time_left(elapsed * (1 - share) / progressed))
        return " · ".join(bits)

    def show(self, bar: RunBar) -> None:
        """Draw the bar (in thousandths) with the step's name, and the timing beside it."""
        bar.set_step(int(1000 * self.fraction()), 1000, self.label)
        bar.set_timing(self.line())


class Collapsible(QWidget):
    """A folded section under a result: a toggle with a count, then a list of entries."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.entries: dict[int, str] = {}  # by position (a part's number), shown in order
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.setAccessibleName(title)
        self.toggle.toggled.connect(self._toggled)
        column.addWidget(self.toggle)
        self.body = QTextBrowser()
        self.body.setObjectName("NotesView")
        self.body.setAccessibleName(title)
        self.body.setMaximumHeight(180)
        self.body.hide()
        column.addWidget(self.body)
        self.hide()

    def _toggled(self, opened: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if opened else Qt.ArrowType.RightArrow)
        self.body.setVisible(opened)

    def clear(self) -> None:
        self.entries.clear()
        self.body.clear()
        self.hide()

    def set_entry(self, position: int, heading: str, text: str) -> None:
        """Add or replace the entry at ``position``; the section shows once it has one."""
        body = escape(text).replace("\n", "<br>")
        self.entries[position] = f"<p><b>{escape(heading)}</b><br>{body}</p>"
        self.body.setHtml("".join(self.entries[key] for key in sorted(self.entries)))
        self.toggle.setText(f"{self.title} ({len(self.entries)})")
        self.show()


class ResumeMixin:
    """Continue for a tool pane: the parts saved as they come, and the button's state.

    The pane (ToolPane) has ``store``, ``run_bar``, ``banner``, ``tool`` and ``start``; the run
    to continue is handed to ``ToolPane._begin`` through :meth:`take_resume` and its row
    reopened by :meth:`begin_row`, so a continued run stays one saved run.
    """

    store: HistoryStore | None
    run_bar: RunBar
    banner: Notice
    tool: str
    _resume: ToolRun | None = None
    _shown: ToolRun | None = None

    def start(self) -> None:
        raise NotImplementedError

    def fresh_start(self) -> None:
        """Run pressed: a new run, whatever Continue was asked before."""
        self._resume = None
        self.start()

    def continue_run(self) -> None:
        """Continue the run shown, from its first unfinished part (the model may load first,
        so the run is taken when the job begins)."""
        if self._shown is None:
            return
        self._resume = self._shown
        self.start()

    def take_resume(self) -> ToolRun | None:
        """The run to continue, once."""
        run, self._resume = self._resume, None
        return run

    def begin_row(
        self, resume: ToolRun | None, text: str, options: dict[str, Any], info: LoadInfo
    ) -> ToolRun | None:
        """The saved run a job writes to: a new one, or ``resume`` reopened as streaming with
        its parts; None (after saying why) when the run cannot continue on this model."""
        assert self.store is not None
        if resume is None:
            return self.store.add_tool_run(
                self.tool,
                text,
                options,
                info.model_id,
                "",
                status="streaming",
                extra={CONTEXT_KEY: info.n_ctx},
            )
        if resume.model_id and info.model_id != resume.model_id:
            self.banner.show_text(
                QCoreApplication.translate(
                    "JobProgress",
                    "This run was made with {model}. Choose it in the model picker to "
                    "continue the run; its finished parts are kept.",
                ).format(model=resume.model_id)
            )
            return None
        extra = dict(resume.extra)
        extra[CONTEXT_KEY] = info.n_ctx
        return self.store.update_tool_run(resume.id, status="streaming", extra=extra)

    def keep_part(self, job: ToolJob, part: PartKept) -> None:
        """A part is finished: save it with the run now, so Stop or a crash keeps it."""
        record_part(job.kept, part)
        if self.store is None or job.run_id is None:
            return
        try:
            self.store.update_tool_run(job.run_id, extra=job.kept)
        except Exception as exc:  # the next part or the end of the run tries again
            log.warning("could not save part %s: %s", part.index, exc)

    def final_extra(self, job: ToolJob, record: dict[str, Any], status: str) -> dict[str, Any]:
        """The run's final record, with the parts kept unless it completed."""
        return final_extra(record, job.kept, status)

    def show_continue(self, run: ToolRun | None) -> None:
        """Offer Continue for ``run`` (the one shown) when it stopped with parts to go."""
        self._shown = run
        usable = run is not None and can_resume(run.tool, run.status, run.extra)
        self.run_bar.resume.setVisible(usable)
        if usable and run is not None:
            parts = resume_parts(run.extra)
            self.run_bar.resume.setToolTip(
                QCoreApplication.translate(
                    "JobProgress", "Continue from part {i} of {k}; the parts already done are kept"
                ).format(i=min(len(parts) + 1, parts[0].total), k=parts[0].total)
            )

    def parts_of(self, job: ToolJob) -> list[PartKept]:
        """The parts a continued job skips (none for a new run)."""
        return resume_parts(job.kept)


def retry_reason_text(reason: str) -> str:
    """Why a translated line was sent again, in the interface's language."""
    texts = {
        "missing": QCoreApplication.translate("JobProgress", "came back empty"),
        "merged": QCoreApplication.translate("JobProgress", "ran together with another line"),
        "markers": QCoreApplication.translate("JobProgress", "lost some of its code or links"),
        "untranslated": QCoreApplication.translate("JobProgress", "came back untranslated"),
        "echo": QCoreApplication.translate("JobProgress", "came back as the instructions"),
        "glossary": QCoreApplication.translate("JobProgress", "ignored glossary terms"),
    }
    return texts.get(reason, reason)


def note_text(text: str) -> str:
    """A translation's note (see ``translate_checks.NOTES``) in the interface's language; any
    other text as it is."""
    found = read_note(text)
    if found is None:
        return text
    key, fields = found
    templates = {
        "dropped": QCoreApplication.translate(
            "TranslateNotes",
            "Paragraph {segment}: the model dropped {what}; it was put back at the end.",
        ),
        "glossary": QCoreApplication.translate(
            "TranslateNotes",
            "Paragraph {segment}: the glossary asks for “{term}” → “{wanted}”, but the "
            "translation does not use it.",
        ),
        "numbers": QCoreApplication.translate(
            "TranslateNotes",
            "Paragraph {segment}: the number(s) {numbers} of the source are not in the "
            "translation; check it.",
        ),
        "twice": QCoreApplication.translate(
            "TranslateNotes",
            "Paragraph {segment} may not be translated: the model answered in the source's "
            "language twice. Check it, or try a larger model.",
        ),
        "echo": QCoreApplication.translate(
            "TranslateNotes",
            "Paragraph {segment} was left untranslated: the model repeated its instructions "
            "instead of translating it. Try a larger model.",
        ),
        "empty": QCoreApplication.translate(
            "TranslateNotes",
            "Paragraph {segment} was left untranslated: the model gave no translation for it.",
        ),
    }
    return templates[key].format(**fields)


def retry_text(part: int, line: int, segment: int, reason: str) -> str:
    """ "part 2: line 3 came back untranslated, trying again"."""
    if line:
        text = QCoreApplication.translate(
            "JobProgress", "part {part}: line {line} {why}, trying again"
        )
    else:
        text = QCoreApplication.translate(
            "JobProgress", "part {part}: paragraph {segment} {why}, trying again"
        )
    return text.format(part=part, line=line, segment=segment, why=retry_reason_text(reason))


def retry_entries(log: object) -> list[tuple[str, str]]:
    """A run record's ``retry_log`` as (heading, why) lines for the run details."""
    entries: list[tuple[str, str]] = []
    for item in log if isinstance(log, list) else ():
        if not isinstance(item, dict):
            continue
        part, line = int(item.get("part") or 0), int(item.get("line") or 0)
        segment = int(item.get("segment") or 0)
        if line:
            heading = QCoreApplication.translate("JobProgress", "Part {part}, line {line}").format(
                part=part, line=line
            )
        else:
            heading = QCoreApplication.translate(
                "JobProgress", "Part {part}, paragraph {segment}"
            ).format(part=part, segment=segment)
        entries.append((heading, retry_reason_text(str(item.get("reason") or ""))))
    return entries
