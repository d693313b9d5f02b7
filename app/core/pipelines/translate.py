"""Translating a document while keeping its structure.

The structure is kept by :mod:`.translate_structure`, not by asking the model nicely: only the
words are sent to the model, one line per segment, with code, URLs, link targets and template
markers replaced by numbered markers, and the translations go back into the same skeleton.
:mod:`.translate_checks` repairs and reports what the model got wrong in a line.

Segments are translated in parts that fit the model's context, each part with the end of the
previous one (source and translation) as context, so terms and register carry over. The model
is asked for one line per segment; an answer with fewer lines is lined up with its source
(:mod:`.translate_align`), and lines that do not come back right (a missing line, a lost
marker) are translated again one segment at a time, under a grammar that allows exactly one
line. A call caught in a loop is ended as soon as the loop shows. Whole parts get no grammar,
for two reasons: a grammar forcing N lines hides a model that merged two lines and split
another (the count is right, the lines are shifted), while without it the wrong count shows the
problem and the retry fixes it; and llama-cpp-python applies a grammar to the whole vocabulary
at every step, which slowed decoding by 20 to 80 % in ``bench/tools.py`` on our shared, noisy
test machine. A glossary goes into the prompt and is checked afterwards.

Each finished part is announced with a :class:`~app.core.pipelines.resume.PartKept` holding
its lines, so a stopped or failed run can continue (``done_parts``) without translating them
again; each line sent again is announced with a :class:`LineRetry` saying why, and listed in
the result's ``retry_log``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.backend import (
    Backend,
    BackendError,
    ChatMessage,
    Error,
    Event,
    Progress,
    SamplingParams,
    Token,
)
from app.core.extract import InputError, check_text
from app.core.langs import Language, detect_language, find_language, get_language
from app.core.pipelines import CallLog, CallOutcome, Notice, PartDone, run_call, with_max_tokens
from app.core.pipelines.many_calls import runs_together
from app.core.pipelines.resume import PartKept, part_key, usable_parts
from app.core.pipelines.translate_align import (
    place_answer,
    repeated_tail,
    repeats,
)
from app.core.pipelines.translate_checks import (
    echoes_instructions,
    finish_segment,
    left_untranslated,
    missing_terms,
    note,
    repair_markers,
    same_markers,
    split_answer,
    term_pattern,
)
from app.core.pipelines.translate_parts import (
    LineRetry,
    Status,
    TranslationResult,
    line_retry,
    part_data,
    replay_part,
)
from app.core.pipelines.translate_structure import (
    PLACEHOLDER,
    WRAP_MIN_WIDTH,
    ParsedDocument,
    Segment,
    StreamRestorer,
    parse_document,
    reassemble,
    restore,
)
from app.core.pipelines.translate_together import PARTS_TOGETHER, read_ahead
from app.core.prompts import translate as prompts
from app.core.textsplit import split_text

# Re-exported: callers and tests import the document model and the checks from here.
__all__ = [
    "CONTEXT_PAIRS",
    "DEFAULT_PARAMS",
    "MAX_PART_TOKENS",
    "NO_SPACE_LANGUAGES",
    "PLACEHOLDER",
    "SAFETY_TOKENS",
    "WRAP_MIN_WIDTH",
    "LineRetry",
    "ParsedDocument",
    "Segment",
    "Status",
    "TranslateEvent",
    "TranslationResult",
    "finish_segment",
    "missing_terms",
    "parse_document",
    "reassemble",
    "repair_markers",
    "restore",
    "split_answer",
    "translate_document",
]

# Greedy: on Debian's human translations (bench/quality.py) sampling at 0.2 lost 3.4 chrF
# into Chinese against greedy decoding with the same prompt, and a translation has one best
# answer to find, not many to choose from. No repeat penalty: a translation repeats its
# source's terms, and a penalty pushes a model to vary them.
DEFAULT_PARAMS = SamplingParams(temperature=0.0, top_k=1, repeat_penalty=1.0)
# Largest part sent at once, in tokens: small parts translate better and show progress sooner.
MAX_PART_TOKENS = 768
# At most this many (source, translation) pairs of the previous part go along as context.
CONTEXT_PAIRS = 3
SAFETY_TOKENS = 16
# Scripts written without spaces between words: pieces of a split paragraph join without one.
NO_SPACE_LANGUAGES = frozenset({"zh-Hans", "zh-Hant", "ja", "th"})

# --- the pipeline --------------------------------------------------------------------------

TranslateEvent = Event | Notice | PartDone | PartKept | TranslationResult


@dataclass(frozen=True)
class _Unit:
    """One line sent to the model: a segment, or a piece of a segment too long for one part."""

    segment: int
    text: str
    tokens: int
    joiner: str  # what goes between this piece's translation and the next piece's
    last: bool  # the segment's last piece: once translated, the segment is complete


class _Stop(Exception):
    """Ends the job early: stopped by the user, or a model call failed."""

    def __init__(self, status: Status, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _check_glossary(glossary: Mapping[str, str] | None) -> dict[str, str]:
    if not glossary:
        return {}
    clean: dict[str, str] = {}
    for term, wanted in glossary.items():
        if not isinstance(term, str) or not isinstance(wanted, str):
            raise InputError("Glossary entries must be text → text.")
        if not term.strip() or not wanted.strip():
            raise InputError("A glossary entry has an empty term or translation.")
        clean[term.strip()] = wanted.strip()
    return clean


def translate_document(
    backend: Backend,
    text: str,
    *,
    target: str,
    source: str | None = None,
    glossary: Mapping[str, str] | None = None,
    tone: str | None = None,
    params: SamplingParams | None = None,
    stop: threading.Event | None = None,
    done_parts: Sequence[PartKept] | None = None,
) -> Iterator[TranslateEvent]:
    """Translate ``text`` into ``target`` (a language code or name), keeping its structure.

    Yields ``Progress(i, N, "part")``, the streamed tokens of each part (markers already
    restored), ``PartDone`` with the translated document so far, and a TranslationResult last.
    ``done_parts`` are the :class:`PartKept` of an earlier run of the same job with the same
    options: the parts they match are taken as they are, with no model call.
    Bad input (empty text, unknown language, unknown tone, empty glossary entry) raises
    InputError here, before anything runs.
    """
    check_text(text)
    target_language = get_language(target)
    source_language = get_language(source) if source else None
    prompts.tone_instruction(target_language, tone)
    return _Translation(
        backend,
        text,
        target=target_language,
        source=source_language,
        glossary=_check_glossary(glossary),
        tone=tone,
        params=params or DEFAULT_PARAMS,
        stop=stop,
        done_parts=done_parts,
    ).run()


class _Translation:
    """One translation job: the parsed document, what is done so far, and the counts."""

    def __init__(
        self,
        backend: Backend,
        text: str,
        *,
        target: Language,
        source: Language | None,
        glossary: dict[str, str],
        tone: str | None,
        params: SamplingParams,
        stop: threading.Event | None,
        done_parts: Sequence[PartKept] | None = None,
    ) -> None:
        self.backend = backend
        self.text = text
        self.done_parts = list(done_parts or ())
        self.part_number = 0  # the part being translated, for LineRetry
        self.retry_log: list[dict[str, Any]] = []
        self.resumed_parts = 0
        self.target = target
        self.source = source
        self.glossary = glossary
        self.tone = tone
        self.params = params
        self.stop = stop
        self.log = CallLog()
        self.started = time.perf_counter()
        self.document = parse_document(text)
        self.done: list[str] = [segment.source for segment in self.document.segments]
        self.warnings: list[str] = []
        self.retries = 0
        self.parts = 0
        self.finished = 0  # segments 0 .. finished-1 are translated

    def result(self, status: Status, error: str = "") -> TranslationResult:
        upto = None if status == "complete" else self.finished
        return TranslationResult(
            status=status,
            text=reassemble(self.document, self.done, upto=upto),
            source_language=self.source.code if self.source else "",
            target_language=self.target.code,
            parts=self.parts,
            segments=len(self.document.segments),
            model_calls=self.log.calls,
            retries=self.retries,
            warnings=tuple(self.warnings),
            prompt_tokens=self.log.prompt_tokens,
            generated_tokens=self.log.generated_tokens,
            model_seconds=self.log.model_seconds,
            wall_seconds=time.perf_counter() - self.started,
            error=error,
            retry_log=tuple(self.retry_log),
            resumed_parts=self.resumed_parts,
        )

    def _messages(
        self,
        lines: Sequence[str],
        context: Sequence[tuple[str, str]],
        glossary: Mapping[str, str] | None = None,
    ) -> list[ChatMessage]:
        return prompts.translate_messages(
            lines,
            target=self.target,
            source=self.source,
            glossary=self.glossary if glossary is None else glossary,
            tone=self.tone,
            context=context,
        )

    def _plan(self) -> tuple[list[list[_Unit]], int]:
        """Pack segments (split when one is too long) into parts; returns them and the room
        kept for context."""
        context = self.backend.context_length()
        overhead = self.backend.count_chat_tokens(self._messages(["x"], ()))
        reserve = min(context // 8, 300)
        # A translation can take twice the tokens of its source (English into Japanese with
        # a tokenizer made for English), so a part gets a third of what is left.
        budget = min(MAX_PART_TOKENS, (context - overhead - reserve - SAFETY_TOKENS) // 3)
        if budget < 16:
            raise _Stop(
                "error",
                f"The model's context of {context:,} tokens is too small for translating. "
                "Load the model with a larger context length.",
            )
        joiner = "" if self.target.code in NO_SPACE_LANGUAGES else " "
        count = self.backend.count_tokens
        units: list[_Unit] = []
        for segment in self.document.segments:
            tokens = count(segment.text)
            if tokens <= budget:
                units.append(_Unit(segment.index, segment.text, tokens, "", True))
                continue
            pieces = split_text(segment.text, count, budget)
            for number, piece in enumerate(pieces):
                last = number == len(pieces) - 1
                gap = joiner if not last and piece[-1:].isspace() else ""
                core = piece.strip()
                if core:
                    units.append(_Unit(segment.index, core, count(core), gap, last))
        parts: list[list[_Unit]] = []
        current: list[_Unit] = []
        used = 0
        for unit in units:
            if current and used + unit.tokens + 1 > budget:
                parts.append(current)
                current, used = [], 0
            current.append(unit)
            used += unit.tokens + 1
        if current:
            parts.append(current)
        return parts, reserve

    def context_for(
        self, previous: Sequence[tuple[str, str]], reserve: int
    ) -> list[tuple[str, str]]:
        """The last pairs of the previous part that fit the room kept for context."""
        chosen: list[tuple[str, str]] = []
        room = reserve
        for source, translation in reversed(previous[-CONTEXT_PAIRS:]):
            pair = (
                restore(source, self.document.protected),
                restore(translation, self.document.protected),
            )
            tokens = self.backend.count_tokens(pair[0]) + self.backend.count_tokens(pair[1]) + 4
            if tokens > room:
                break
            chosen.insert(0, pair)
            room -= tokens
        return chosen

    # -- running ---------------------------------------------------------------------------

    def run(self) -> Iterator[TranslateEvent]:
        try:
            yield from self._run()
        except _Stop as stop:
            if stop.status == "error":
                yield Error(stop.message)
            yield self.result(stop.status, stop.message)
        except BackendError as exc:
            yield Error(str(exc))
            yield self.result("error", str(exc))

    def _check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise _Stop("cancelled")

    def _run(self) -> Iterator[TranslateEvent]:
        if not self.document.segments:
            yield Notice("There is nothing to translate: the text has only code, links or numbers.")
            yield self.result("complete")
            return
        if self.source is None:
            code, confidence = detect_language(self.text)
            self.source = find_language(code) if code and confidence >= 0.5 else None
        if self.source is not None and self.source.code == self.target.code:
            yield Notice(f"The text already seems to be in {self.target.name}.")
        parts, reserve = self._plan()
        self.parts = len(parts)
        previous: list[tuple[str, str]] = []
        pending: dict[int, list[str]] = {}
        ahead: dict[int, tuple[list[tuple[str, str]], CallOutcome]] = {}  # parts read together
        keys = [part_key("\n".join(unit.text for unit in part)) for part in parts]
        kept = usable_parts(self.done_parts, keys)
        for number, part in enumerate(parts, start=1):
            replayed = (
                replay_part(part, kept[number - 1].data, pending) if number <= len(kept) else None
            )
            if replayed is not None:
                outputs = replayed.lines
                for segment, text in replayed.finished:
                    self.done[segment] = text
                    self.finished = segment + 1
                self.warnings.extend(replayed.warnings)
                self.retry_log.extend(replayed.retries)
                self.retries += len(replayed.retries)
                self.resumed_parts += 1
                yield kept[number - 1]
            else:
                kept = kept[: number - 1]  # a part done again: the later kept ones are stale
                self._check_stop()
                self.part_number = number
                yield Progress(number, len(parts), "part")
                if number not in ahead and runs_together(self.backend) and number < len(parts):
                    window = parts[number - 1 : number - 1 + PARTS_TOGETHER]
                    ahead = read_ahead(self, window, number, previous, reserve)
                context, first = ahead.pop(number, (self.context_for(previous, reserve), None))
                warned, retried = len(self.warnings), len(self.retry_log)
                outputs = yield from self._translate_units(
                    part, context, stream=first is None, first=first
                )
                texts: list[str] = []
                for unit, output in zip(part, outputs, strict=True):
                    pending.setdefault(unit.segment, []).append(output.strip() + unit.joiner)
                    if unit.last:
                        masked = "".join(pending.pop(unit.segment))
                        yield from self._finish(unit, masked, context)
                        texts.append(self.done[unit.segment])
                data = part_data(outputs, texts, self.warnings[warned:], self.retry_log[retried:])
                yield PartKept(number, len(parts), keys[number - 1], data)
            previous = list(zip((unit.text for unit in part), outputs, strict=True))
            yield PartDone(
                number, len(parts), reassemble(self.document, self.done, upto=self.finished)
            )
        yield self.result("complete")

    def _retrying(self, line: int, segment: int, reason: str) -> LineRetry:
        """Count one more line sent again, log it, and say so."""
        self.retries += 1
        entry = {"part": self.part_number, "line": line, "segment": segment, "reason": reason}
        self.retry_log.append(entry)
        return line_retry(self.part_number, line, segment, reason)

    def _finish(
        self, unit: _Unit, masked: str, context: Sequence[tuple[str, str]]
    ) -> Iterator[TranslateEvent]:
        """Complete one segment: one more try for glossary terms the model ignored, then checks."""
        segment = self.document.segments[unit.segment]
        protected = self.document.protected
        if self.glossary and unit.text == segment.text:
            ignored = [
                term
                for term in missing_terms(segment.source, restore(masked, protected), self.glossary)
                if not term_pattern(term).search(masked)
            ]
            if ignored:
                yield self._retrying(0, unit.segment + 1, "glossary")
                wanted = {term: self.glossary[term] for term in ignored}
                again, _raw, _cut = yield from self._call(
                    [unit], context, stream=False, glossary=wanted, strict=True
                )
                if again is not None and not missing_terms(
                    segment.source, restore(again[0], protected), wanted
                ):
                    masked = again[0]
        text, warnings = finish_segment(segment, masked, protected, self.glossary)
        self.warnings.extend(warnings)
        self.done[segment.index] = text
        self.finished = segment.index + 1

    def _call(
        self,
        units: Sequence[_Unit],
        context: Sequence[tuple[str, str]],
        *,
        stream: bool,
        glossary: Mapping[str, str] | None = None,
        strict: bool = False,
        plain: bool = False,
    ) -> Generator[TranslateEvent, None, tuple[list[str] | None, str, bool]]:
        """One model call for ``units``: the answer split into lines (None if it does not line
        up), the raw answer, and whether it was cut off (token limit, or a loop). ``strict``
        constrains the answer to one line per unit;
        ``plain`` asks for one unit in the plainest words (the retry of a line gone wrong)."""
        self._check_stop()
        messages, limit, guard = self.request(units, context, glossary, plain=plain)
        restorer = StreamRestorer(self.document.protected)
        outcome = yield from run_call(
            self.backend,
            messages,
            with_max_tokens(self.params, limit),
            log=self.log,
            stop=self.stop,
            forward_tokens=stream,
            transform=restorer.feed,
            grammar=prompts.lines_grammar(len(units)) if strict else None,
            loop_guard=guard,
        )
        if stream:
            tail = restorer.flush()
            if tail:
                yield Token(tail)
        return self._answer(outcome, len(units))

    def request(
        self,
        units: Sequence[_Unit],
        context: Sequence[tuple[str, str]],
        glossary: Mapping[str, str] | None = None,
        *,
        plain: bool = False,
    ) -> tuple[list[ChatMessage], int, Callable[[str], int] | None]:
        """One call's messages, its token limit and its loop guard (None where the source
        repeats itself); a unit too long for the context even alone ends the job."""
        if plain:
            (unit,) = units
            messages = prompts.retry_messages(
                unit.text,
                target=self.target,
                source=self.source,
                glossary=self.glossary if glossary is None else glossary,
                tone=self.tone,
            )
        else:
            messages = self._messages([unit.text for unit in units], context, glossary)
        room = self.backend.context_length() - self.backend.count_chat_tokens(messages) - 4
        if room < 8:
            raise _Stop(
                "error",
                "A paragraph is too long for the model's context even on its own. Load the "
                "model with a larger context length.",
            )
        # Enough for a translation well over twice as long as its source, not for a model
        # that loops.
        limit = min(room, 3 * sum(unit.tokens for unit in units) + 8 * len(units) + 32)
        guard = None if repeats("\n".join(u.text for u in units)) else repeated_tail
        return messages, limit, guard

    @staticmethod
    def _answer(outcome: CallOutcome, lines: int) -> tuple[list[str] | None, str, bool]:
        """A call's answer split into ``lines`` (None if it does not line up), the raw
        answer, and whether it was cut off; a stop or a failure ends the job."""
        if outcome.reason == "cancelled":
            raise _Stop("cancelled")
        if outcome.reason == "error":
            raise _Stop("error", outcome.error)
        return split_answer(outcome.text, lines), outcome.text, outcome.reason == "length"

    def _lined_up(
        self,
        units: Sequence[_Unit],
        context: Sequence[tuple[str, str]],
        *,
        stream: bool,
        first: CallOutcome | None = None,
    ) -> Generator[TranslateEvent, None, tuple[list[str | None], dict[int, str]]]:
        """One call for ``units`` (or ``first``, its answer read ahead): a line for each
        (None where there is none) and why a line is missing. An answer with the wrong number
        of lines is lined up with the source (:mod:`.translate_align`), so a merge of two
        lines costs two calls more, not one per line of the part."""
        if first is not None:
            lines, raw, cut_off = self._answer(first, len(units))
        else:
            lines, raw, cut_off = yield from self._call(units, context, stream=stream)
        if lines is not None:
            return list(lines), {}
        joiner = "" if self.target.code in NO_SPACE_LANGUAGES else " "
        sizes = [unit.tokens for unit in units]
        texts = [unit.text for unit in units]
        return place_answer(raw, texts, sizes, self.backend.count_tokens, joiner, cut_off=cut_off)

    def _translate_units(
        self,
        units: Sequence[_Unit],
        context: Sequence[tuple[str, str]],
        *,
        stream: bool,
        first: CallOutcome | None = None,
    ) -> Generator[TranslateEvent, None, list[str]]:
        """Translate a part; lines that came back wrong are translated again one at a time."""
        results, why = yield from self._lined_up(units, context, stream=stream, first=first)
        source_code = self.source.code if self.source else ""
        for position, unit in enumerate(units):
            line = results[position]
            untranslated = line is not None and left_untranslated(
                unit.text, line, source_code, self.target.code
            )
            echo = line is not None and echoes_instructions(unit.text, line)
            good = line is not None and line.strip() and same_markers(unit.text, line)
            if good and not untranslated and not echo:
                continue
            # Once more on its own, asked plainly and constrained to one line; whatever comes
            # back is used (a lost marker is put back by finish_segment, with a warning).
            if line is None or not line.strip():
                reason = why.get(position, "missing")
            elif echo:
                reason = "echo"
            elif untranslated:
                reason = "untranslated"
            else:
                reason = "markers"
            yield self._retrying(position + 1, unit.segment + 1, reason)
            again, again_raw, _cut = yield from self._call(
                [unit], context, stream=False, strict=True, plain=True
            )
            line = again[0] if again else " ".join(again_raw.split("\n"))
            if (
                untranslated
                and line
                and left_untranslated(unit.text, line, source_code, self.target.code)
            ):
                self.warnings.append(note("twice", segment=unit.segment + 1))
            if line is not None and echoes_instructions(unit.text, line):
                self.warnings.append(note("echo", segment=unit.segment + 1))
                line = unit.text
            elif line is None or not line.strip():
                self.warnings.append(note("empty", segment=unit.segment + 1))
                line = unit.text
            results[position] = line
        return [
            line if line is not None else unit.text
            for line, unit in zip(results, units, strict=True)
        ]
