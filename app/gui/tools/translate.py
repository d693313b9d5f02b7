"""The Translate pane: languages (the source detected, with its confidence), tone, glossary,
and the source beside the translation, paragraph by paragraph.

The pipeline keeps the structure (only words reach the model; code, URLs and links are put
back in place), so the translation has the same paragraphs as the source and the two can be
shown as rows of one table. Rows are rebuilt when a part finishes; the part being translated
streams into the next row in a muted colour.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.backend import Backend, Error, Progress, Stats, Token
from app.core.pipelines import Notice, PartDone
from app.core.runs import RUN_STATUS, translation_record
from app.gui.i18n import plural, ui_locale
from app.gui.ops import BackgroundOp
from app.gui.theme import current_theme
from app.gui.tools.language_names import (
    default_target,
    font_advice,
    interface_language,
    shown_label,
    shown_name,
)
from app.gui.tools.long_jobs import (
    Collapsible,
    JobClock,
    note_text,
    retry_entries,
    retry_text,
)
from app.gui.tools.pane import ToolPane
from app.gui.tools.runs import ToolJob, Work
from app.gui.tools.text import escape, markdown_cell

if TYPE_CHECKING:
    from app.core.history import ToolRun
    from app.gui.engine_worker import EngineWorker

_BLOCKS = re.compile(r"\n[ \t]*\n+")
# Rows of source shown ahead of the translation while it runs; more would slow each redraw.
AHEAD_ROWS = 30
LIVE_REDRAW_S = 0.2


def blocks(text: str) -> list[str]:
    """Paragraph-level blocks (separated by blank lines), the unit rows are aligned on."""
    return [block for block in _BLOCKS.split(text.strip("\n")) if block.strip()]


def parse_glossary(text: str) -> tuple[dict[str, str], list[int]]:
    """``term = translation`` (or a tab) per line; returns the entries and bad line numbers."""
    glossary: dict[str, str] = {}
    bad: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        separator = "\t" if "\t" in line else "="
        term, found, wanted = line.partition(separator)
        if not found or not term.strip() or not wanted.strip():
            bad.append(number)
            continue
        glossary[term.strip()] = wanted.strip()
    return glossary, bad


class GlossaryDialog(QDialog):
    """Fixed translations for terms, one ``term = translation`` per line."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Glossary"))
        self.setAccessibleName(self.tr("Glossary"))
        self.resize(420, 320)
        column = QVBoxLayout(self)
        hint = QLabel(
            self.tr(
                "One term per line, as “term = translation”. The translation uses these "
                "exactly; the result warns about any it could not place."
            )
        )
        hint.setWordWrap(True)
        column.addWidget(hint)
        self.editor = QPlainTextEdit(text)
        self.editor.setAccessibleName(self.tr("Glossary entries"))
        self.editor.setPlaceholderText("Parley = Parley\nsummary = résumé")
        column.addWidget(self.editor, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)


class TranslatePane(ToolPane):
    """Everything in the Translate section."""

    tool = "translate"

    def __init__(self, worker: EngineWorker, parent: QWidget | None = None) -> None:
        super().__init__(
            worker,
            title=self.tr("Translate"),
            subtitle=self.tr(
                "Paragraphs, headings, lists, links and code blocks stay in place; code and "
                "links are never sent to the model."
            ),
            action_label=self.tr("Translate document"),
            placeholder=self.tr(
                "Paste or type the text to translate, or drop a file here "
                "(.txt, .md, .html, .pdf, .docx)."
            ),
            parent=parent,
        )
        from app.core.langs import LANGUAGES

        self.setObjectName("TranslatePane")  # its remembered state is keyed by this name
        self.glossary_text = ""
        self._detected: tuple[str, float] | None = None
        self._source_blocks: list[str] = []
        self._done_text = ""
        self._live = ""
        self._drawn_at = 0.0

        self.source = QComboBox()
        self.source.addItem(self.tr("Detect automatically"), "")
        self.target = QComboBox()
        for language in LANGUAGES:
            advice = font_advice(language.code)
            for box in (self.source, self.target):
                box.addItem(shown_label(language), language.code)
                if advice:
                    box.setItemData(box.count() - 1, advice, Qt.ItemDataRole.ToolTipRole)
        # The interface's language until the user picks one (remembered across restarts);
        # English instead when the document turns out to be in it.
        self._interface = interface_language(ui_locale())
        self._auto_target: str | None = None  # the default set last, until the user changes it
        self._set_default_target(None)
        self.source.setToolTip(self.tr("The language of the document"))
        self.target.setToolTip(self.tr("The language to translate into"))
        self.swap = QToolButton()
        self.swap.setText("⇄")
        self.swap.setAccessibleName(self.tr("Swap languages"))
        self.swap.setToolTip(self.tr("Swap the source and target languages"))
        self.swap.clicked.connect(self.swap_languages)
        self.tone = QComboBox()
        self.tone.addItem(self.tr("Default"), "")
        self.tone.addItem(self.tr("Formal"), "formal")
        self.tone.addItem(self.tr("Informal"), "informal")
        self.tone.setToolTip(self.tr("Formal or informal address, where the language has both"))
        self.glossary_button = QToolButton()
        self.glossary_button.setAccessibleName(self.tr("Glossary"))
        self.glossary_button.setToolTip(self.tr("Terms that must be translated a fixed way"))
        self.glossary_button.clicked.connect(self.edit_glossary)
        self._update_glossary_button()

        self.add_option(self.tr("Source language"), self.source, self.tr("From"))
        self.options_row.addWidget(self.swap)
        self.options_row.addSpacing(8)
        self.add_option(self.tr("Target language"), self.target, self.tr("To"))
        self.add_option(self.tr("Tone"), self.tone)
        self.options_row.addWidget(self.glossary_button)
        self.options_row.addStretch(1)
        self.detected = QLabel()
        self.detected.setObjectName("Muted")
        self.detected.setAccessibleName(self.tr("Detected language"))
        self.detected.setToolTip(self.tr("The language the document seems to be in"))
        # Beside the document it describes, left of Open….
        header = self.input.header
        header.insertWidget(header.indexOf(self.input.open_button), self.detected)
        self.source.currentIndexChanged.connect(self._languages_changed)
        self.target.currentIndexChanged.connect(self._languages_changed)
        # Picked by the user: a language this computer has no font for is told at once.
        self.source.activated.connect(lambda _index: self._tell_missing_font(self.source))
        self.target.activated.connect(lambda _index: self._tell_missing_font(self.target))

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("TranslateSplitter")  # its sizes are remembered (ui_state)
        splitter.setChildrenCollapsible(False)  # a dragged divider never hides a pane
        splitter.addWidget(self.input)
        bottom = QWidget()
        column = QVBoxLayout(bottom)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.result_header)
        self.view = QTextBrowser()
        self.view.setObjectName("ResultView")
        self.view.setAccessibleName(self.tr("Result"))
        self.view.setAccessibleDescription(
            self.tr("The source and its translation side by side, paragraph by paragraph")
        )
        self.view.setPlaceholderText(
            self.tr("The translation appears here beside its source, paragraph by paragraph.")
        )
        column.addWidget(self.view, 1)
        # The run details' list of lines sent again, and why (bounded: once per line).
        self.retries = Collapsible(self.tr("Retries"))
        self.retries.setToolTip(self.tr("Lines the model got wrong and was asked again"))
        column.addWidget(self.retries)
        self.clock = JobClock()
        splitter.addWidget(bottom)
        splitter.setSizes([220, 420])
        self.add_body(splitter)
        self._languages_changed()

    # -- options -----------------------------------------------------------------------------

    def _languages_changed(self) -> None:
        from app.core.langs import find_language

        target = find_language(self.target.currentData() or "")
        has_tone = bool(target and target.has_tone)
        self.tone.setEnabled(has_tone)
        if not has_tone:
            self.tone.setCurrentIndex(0)
        self.detected.setVisible(not self.source.currentData())
        self.options_changed()

    def _tell_missing_font(self, box: QComboBox) -> None:
        advice = font_advice(box.currentData() or "")
        if advice:
            self.banner.show_text(advice)

    @property
    def _target_chosen(self) -> bool:
        """Whether the target is the user's (picked, restored or from a reopened run) rather
        than the default, which follows the interface and the document."""
        return self.target.currentData() != self._auto_target

    def _set_default_target(self, document: str | None) -> None:
        code = default_target(self._interface, document)
        index = self.target.findData(code)
        if index >= 0:
            self.target.setCurrentIndex(index)
            self._auto_target = code

    def remembered_state(self) -> dict[str, Any]:
        """What the window keeps across restarts: the target language the user chose."""
        return {"to": self.target.currentData()} if self._target_chosen else {}

    def restore_state(self, state: dict[str, Any]) -> None:
        index = self.target.findData(state.get("to"))
        if index >= 0:
            self.target.setCurrentIndex(index)
            self._auto_target = None

    def swap_languages(self) -> None:
        source = self.source.currentData() or (self._detected[0] if self._detected else "")
        target = self.target.currentData()
        if not source:
            self.banner.show_text(
                self.tr("The source language is not known yet; choose it first, then swap.")
            )
            return
        self.source.setCurrentIndex(max(self.source.findData(target), 0))
        self.target.setCurrentIndex(max(self.target.findData(source), 0))

    def _update_glossary_button(self) -> None:
        entries, _bad = parse_glossary(self.glossary_text)
        self.glossary_button.setText(
            plural(len(entries), self.tr("Glossary (1)"), self.tr("Glossary ({n})"))
            if entries
            else self.tr("Glossary…")
        )

    def edit_glossary(self) -> None:
        dialog = GlossaryDialog(self.glossary_text, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        text = dialog.editor.toPlainText()
        _entries, bad = parse_glossary(text)
        if bad:
            self.banner.show_text(
                self.tr(
                    "Glossary lines {lines} are not “term = translation” and are ignored."
                ).format(lines=", ".join(str(n) for n in bad))
            )
        self.glossary_text = text
        self._update_glossary_button()

    def options(self) -> dict[str, Any]:
        glossary, _bad = parse_glossary(self.glossary_text)
        return {
            "to": self.target.currentData(),
            "from": self.source.currentData() or "",
            "tone": self.tone.currentData() or "",
            "glossary": glossary,
        }

    def apply_options(self, options: dict[str, Any]) -> None:
        index = self.source.findData(options.get("from") or "")
        if index >= 0:
            self.source.setCurrentIndex(index)
        index = self.target.findData(options.get("to"))
        if index >= 0:
            self.target.setCurrentIndex(index)
        index = self.tone.findData(options.get("tone") or "")
        if index >= 0 and self.tone.isEnabled():
            self.tone.setCurrentIndex(index)
        glossary = options.get("glossary") or {}
        if isinstance(glossary, dict):
            self.glossary_text = "\n".join(f"{k} = {v}" for k, v in glossary.items())
            self._update_glossary_button()

    # -- detection and plan --------------------------------------------------------------------

    def input_ready(self, text: str) -> None:
        from app.core.langs import detect_language

        if self.source.currentData():
            return
        sample = text[:20_000]
        BackgroundOp(self, lambda: detect_language(sample)).on_success(self._show_detected).run()

    def _show_detected(self, found: object) -> None:
        assert isinstance(found, tuple)
        code, confidence = str(found[0]), float(found[1])
        if not code:
            self._detected = None
            self.detected.setText(self.tr("Language not detected"))
            return
        self._detected = (str(code), float(confidence))
        self.detected.setText(
            self.tr("Detected: {language} ({percent:.0f}%)").format(
                language=shown_name(str(code)), percent=100 * float(confidence)
            )
        )
        if not self._target_chosen and not self.source.currentData():
            self._set_default_target(code)

    def plan_work(self, text: str) -> Work | None:
        options = self.options()

        def plan(backend: Backend) -> object:
            from app.core.langs import get_language
            from app.core.pipelines.translate import (
                MAX_PART_TOKENS,
                SAFETY_TOKENS,
                translate_document,
            )
            from app.core.prompts.translate import translate_messages

            target = get_language(options["to"])
            tokens = backend.count_tokens(text)
            context = backend.context_length()
            # The part budget as translate.py's planner works it out: a third of what is left
            # after the prompt and the room kept for context, at most MAX_PART_TOKENS.
            overhead = backend.count_chat_tokens(
                translate_messages(["x"], target=target, source=None, glossary=None, tone=None)
            )
            reserve = min(context // 8, 300)
            budget = min(MAX_PART_TOKENS, (context - overhead - reserve - SAFETY_TOKENS) // 3)
            events = translate_document(
                backend, text, target=options["to"], source=options["from"] or None
            )
            try:
                for event in events:
                    if isinstance(event, Progress) and event.what == "part":
                        return (tokens, budget, event.total)
                    if isinstance(event, Notice):
                        return event.message
                    if not isinstance(event, Progress):
                        break
            finally:
                events.close()  # type: ignore[attr-defined]
            return None

        return plan

    # -- running -----------------------------------------------------------------------------

    def make_work(self, text: str, job: ToolJob) -> Work:
        from app.core.pipelines.translate import TranslationResult, translate_document

        options = job.options  # a continued run's own options, as saved
        self._source_blocks = blocks(text)
        done_parts = self.parts_of(job)

        def work(backend: Backend) -> object:
            events = translate_document(
                backend,
                text,
                target=options["to"],
                source=options["from"] or None,
                glossary=options["glossary"] or None,
                tone=options.get("tone") or None,
                stop=job.stop,
                done_parts=done_parts,
            )
            result = None
            for event in events:
                if isinstance(event, TranslationResult):
                    result = event
                else:
                    job.feed.push(event)
            return result

        return work

    def reset_result(self) -> None:
        self.view.clear()
        self._done_text = ""
        self._live = ""
        self.result_header.meta.clear()
        self.retries.clear()
        self.clock = JobClock()

    def handle_events(self, job: ToolJob, events: list[object]) -> None:
        from app.core.pipelines.resume import PartKept
        from app.core.pipelines.translate_parts import LineRetry

        redraw = moved = False
        clock = self.clock
        for event in events:
            if isinstance(event, Token):
                self._live += event.text
                redraw = True
                moved = clock.feed(event) or moved
            elif isinstance(event, PartDone):
                self._done_text = event.text
                job.output = event.text
                self._live = ""
                redraw = True
            elif isinstance(event, PartKept):
                self.keep_part(job, event)
            elif isinstance(event, Progress) and event.what == "part":
                job.extra["parts"] = event.total
                label = self.tr("Part {i} of {k}").format(i=event.done, k=event.total)
                clock.begin_step(event.done, event.total, label)
                moved = True
            elif isinstance(event, Progress | Stats):
                moved = clock.feed(event) or moved
            elif isinstance(event, LineRetry):
                # Said where the user looks while waiting, and listed in the run details.
                said = retry_text(event.part, event.line, event.segment, event.reason)
                self.run_bar.plan.setText(said)
                self._add_retries([event.as_json()], offset=len(self.retries.entries))
            elif isinstance(event, Notice | Error):
                self.banner.show_text(event.message)
        if moved and not job.stop_requested:
            clock.show(self.run_bar)
        now = time.monotonic()
        if redraw and (now - self._drawn_at >= LIVE_REDRAW_S or not self._live):
            self._draw()
            self._drawn_at = now

    def _draw(self, source_blocks: list[str] | None = None, final: bool = False) -> None:
        """The table: one row per paragraph, source left, translation right."""
        theme = current_theme()
        source = source_blocks if source_blocks is not None else self._source_blocks
        done = blocks(self._done_text)
        live = self._live.strip()
        shown = len(source) if final else min(len(source), len(done) + AHEAD_ROWS)
        rows: list[str] = []
        cell = (
            "padding: 6px 10px; vertical-align: top; white-space: pre-wrap; "
            f"border-bottom: 1px solid {theme.border};"
        )
        for index in range(shown):
            if index < len(done):
                right = markdown_cell(done[index])
            elif index == len(done) and live:
                right = f'<span style="color: {theme.muted};">{markdown_cell(live)}</span>'
            else:
                right = ""
            rows.append(
                f'<tr><td width="50%" style="{cell} color: {theme.muted};">'
                f"{markdown_cell(source[index])}</td>"
                f'<td width="50%" style="{cell}">{right}</td></tr>'
            )
        extra = len(done) - len(source)
        if extra > 0:  # a translation with more blocks than its source: show it, not hide it
            rows.extend(
                f'<tr><td style="{cell}"></td><td style="{cell}">{markdown_cell(block)}</td></tr>'
                for block in done[len(source) :]
            )
        more = len(source) - shown
        footer = ""
        if more > 0:
            footer = (
                f'<p style="color: {theme.muted};">'
                + escape(
                    plural(
                        more,
                        self.tr("1 more paragraph to translate"),
                        self.tr("{n} more paragraphs to translate"),
                    )
                )
                + "</p>"
            )
        header = (
            f'<tr><th align="left" style="{cell}">{escape(self.tr("Source"))}</th>'
            f'<th align="left" style="{cell}">{escape(self.tr("Translation"))}</th></tr>'
        )
        bar = self.view.verticalScrollBar()
        position = bar.value()
        self.view.setHtml(
            '<table width="100%" cellspacing="0" cellpadding="0">'
            + header
            + "".join(rows)
            + "</table>"
            + footer
        )
        bar.setValue(position)

    def finish_job(self, job: ToolJob, result: object) -> tuple[str, str, dict[str, Any]]:
        from app.core.pipelines.translate import TranslationResult

        if not isinstance(result, TranslationResult):
            return job.output, "failed", {"error": "the translation ended without a result"}
        status = RUN_STATUS[result.status]
        self._done_text = result.text
        self._live = ""
        self._draw(final=result.status == "complete")
        extra = translation_record(result)
        self.retries.clear()  # every retry of the run, a continued run's earlier ones too
        self._add_retries(extra["retry_log"])
        if result.error:
            self.banner.show_text(result.error)
        elif result.warnings:
            self.banner.show_text(
                plural(
                    len(result.warnings),
                    self.tr("1 note on the translation: {first}"),
                    self.tr("{n} notes on the translation; the first: {first}"),
                ).format(first=note_text(result.warnings[0]))
            )
        meta = self.tr("{source} → {target}").format(
            source=shown_name(result.source_language) if result.source_language else "?",
            target=shown_name(result.target_language),
        )
        self.result_header.meta.setText(meta)
        if status == "stopped":
            self.run_bar.plan.setText(
                self.tr("Stopped. The paragraphs translated so far are kept.")
            )
        return result.text, status, extra

    def result_text(self) -> str:
        return self._done_text

    def _add_retries(self, log: object, offset: int = 0) -> None:
        for number, (heading, why) in enumerate(retry_entries(log), start=offset + 1):
            self.retries.set_entry(number, heading, why)

    def show_run(self, run: ToolRun) -> None:
        self._done_text = run.output
        self._live = ""
        self.retries.clear()
        self._add_retries(run.extra.get("retry_log"))
        self._draw(blocks(run.input_text), final=True)
        source = run.extra.get("source_language") or run.options.get("from") or ""
        if source:
            self.result_header.meta.setText(
                f"{self.result_header.meta.full_text()} · "
                + self.tr("{source} → {target}").format(
                    source=shown_name(str(source)),
                    target=shown_name(str(run.options.get("to", ""))),
                )
            )
