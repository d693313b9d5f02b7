"""Translating a document while keeping its structure.

The structure is kept by this module, not by asking the model nicely: the text is parsed as
Markdown-ish lines (headings, list items, quotes, table rows, code fences, blank lines), and
only the words are sent to the model, one line per segment. Code blocks are never sent; inline
code, URLs, link targets and chat-template markers inside a segment are replaced by numbered
markers (``⟦3⟧``) that are put back afterwards. The translations then go back into the same
skeleton, so the output has the same paragraphs, headings, list items, code blocks and links
as the input, whatever the model does.

Segments are translated in parts that fit the model's context, each part with the end of the
previous one (source and translation) as context, so terms and register carry over. The model
is asked for one line per segment; lines that do not come back right (a missing line, a lost
marker) are translated again one segment at a time, under a grammar that allows exactly one
line. Whole parts get no grammar, for two reasons: a grammar forcing N lines hides a model
that merged two lines and split another (the count is right, the lines are shifted), while
without it the wrong count shows the problem and the retry fixes it; and llama-cpp-python
applies a grammar to the whole vocabulary at every step, which slowed decoding by 20 to 80 %
in ``bench/tools.py`` on our shared, noisy test machine. A glossary goes into the prompt and
is checked afterwards.

One deliberate change: a paragraph that was hard-wrapped (lines of similar, long length that
end mid-sentence, as in e-mails and text taken from PDFs) is translated as one line, because
translating half-sentences line by line ruins the translation. Short lines (poems, addresses,
one sentence per line) are kept line for line.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

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
from app.core.pipelines import CallLog, Notice, PartDone, run_call, with_max_tokens
from app.core.prompts import TEMPLATE_MARKER
from app.core.prompts import translate as prompts
from app.core.textsplit import split_text

DEFAULT_PARAMS = SamplingParams(temperature=0.2, top_p=0.9, top_k=40, repeat_penalty=1.05)
# Largest part sent at once, in tokens: small parts translate better and show progress sooner.
MAX_PART_TOKENS = 768
# At most this many (source, translation) pairs of the previous part go along as context.
CONTEXT_PAIRS = 3
SAFETY_TOKENS = 16
# Scripts written without spaces between words: pieces of a split paragraph join without one.
NO_SPACE_LANGUAGES = frozenset({"zh-Hans", "zh-Hant", "ja", "th"})

Status = Literal["complete", "cancelled", "error"]

# --- protecting what must not be translated -------------------------------------------------

PLACEHOLDER = re.compile(r"⟦(\d+)⟧")
_URL_TAIL = r"[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}]"
_PROTECT = re.compile(
    r"(?P<code>(?P<ticks>`+).+?(?P=ticks))"
    r"|(?P<link_open>!?\[(?=[^\]\n]*\](?:\([^)\s]+(?:\s+\"[^\"\n]*\")?\)|\[[^\]\n]*\])))"
    r"|(?P<link_close>\](?:\([^)\s]+(?:\s+\"[^\"\n]*\")?\)|\[[^\]\n]*\]))"
    r"|(?P<autolink><(?:https?://|mailto:)[^>\s]+>)"
    r"|(?P<tag></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>\n]*)?/?>)"
    rf"|(?P<url>\b(?:https?|ftp)://{_URL_TAIL}|\bwww\.{_URL_TAIL})"
    r"|(?P<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b)"
    rf"|(?P<marker>{TEMPLATE_MARKER.pattern})"
    r"|(?P<bracket>[⟦⟧])"
)


@dataclass(frozen=True)
class Segment:
    """One run of translatable text (a heading, a paragraph, a list item, a table cell)."""

    index: int
    text: str  # what the model sees: the source with protected parts replaced by markers
    source: str  # the original text, for the checks after translation
    placeholders: tuple[int, ...]  # marker numbers in ``text``, in order


@dataclass(frozen=True)
class ParsedDocument:
    """A document as a skeleton of literal text with numbered holes for translated segments."""

    pieces: tuple[str | int, ...]  # literal text, or the index of a segment
    segments: tuple[Segment, ...]
    protected: Mapping[int, str]  # marker number -> the original text it stands for


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in PLACEHOLDER.sub("", text))


class _Builder:
    def __init__(self) -> None:
        self.pieces: list[str | int] = []
        self.segments: list[Segment] = []
        self.protected: dict[int, str] = {}

    def literal(self, text: str) -> None:
        if not text:
            return
        if self.pieces and isinstance(self.pieces[-1], str):
            self.pieces[-1] += text
        else:
            self.pieces.append(text)

    def text(self, text: str) -> None:
        """Translatable text; white space around it stays literal."""
        core = text.strip()
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        self.literal(lead)
        if core:
            masked, originals = _mask(core, len(self.protected) + 1)
            if _has_letters(masked):
                self.protected.update(originals)
                index = len(self.segments)
                self.segments.append(Segment(index, masked, core, tuple(originals)))
                self.pieces.append(index)
            else:
                self.literal(core)
        self.literal(trail)

    def build(self) -> ParsedDocument:
        return ParsedDocument(tuple(self.pieces), tuple(self.segments), dict(self.protected))


def _mask(text: str, first: int) -> tuple[str, dict[int, str]]:
    originals: dict[int, str] = {}

    def replace(match: re.Match[str]) -> str:
        number = first + len(originals)
        originals[number] = match.group(0)
        return f"⟦{number}⟧"

    return _PROTECT.sub(replace, text), originals


def protect(text: str) -> tuple[str, dict[int, str]]:
    """Replace code, URLs, link targets and template markers in ``text`` by ``⟦n⟧`` markers."""
    return _mask(text, 1)


def restore(text: str, protected: Mapping[int, str]) -> str:
    """Put the originals back in place of their markers (unknown markers are left as they are)."""
    return PLACEHOLDER.sub(lambda m: protected.get(int(m.group(1)), m.group(0)), text)


# --- parsing the structure --------------------------------------------------------------

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")
_FENCE_OPEN = re.compile(r"^[ \t]{0,3}(?P<fence>`{3,}|~{3,})")
_LINE_PREFIX = re.compile(
    r"^[ \t]*(?:>[ \t]?)*[ \t]*"
    r"(?:(?P<heading>#{1,6}[ \t]+)|(?P<item>(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?))?"
)
_HEADING_CLOSE = re.compile(r"[ \t]+#+[ \t]*$")
_REFERENCE_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*\S+")
_HTML_ONLY = re.compile(r"^[ \t]*(?:<!--.*-->|</?[A-Za-z][^<>]*>)[ \t]*$")
_TABLE_PIPE = re.compile(r"(?<!\\)\|")
_SENTENCE_FINAL = tuple('.!?:;。！？；…"”’»)')
# Lines at least this wide (CJK characters count double) may belong to a hard-wrapped paragraph.
WRAP_MIN_WIDTH = 40


@dataclass
class _PlainLine:
    prefix: str
    content: str
    suffix: str  # trailing white space (a Markdown hard break is two spaces)
    ending: str


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _hard_wrapped(lines: Sequence[_PlainLine]) -> bool:
    """Whether consecutive lines are one paragraph broken for width, not lines of their own."""
    if len(lines) < 2 or len({line.prefix for line in lines}) != 1:
        return False
    body = lines[:-1]
    if any(len(line.suffix.replace("\t", "")) >= 2 or line.content.endswith("\\") for line in body):
        return False  # Markdown hard line breaks: the author wants these lines
    if any(_width(line.content) < WRAP_MIN_WIDTH for line in body):
        return False
    ended = sum(1 for line in body if line.content.endswith(_SENTENCE_FINAL))
    return ended / len(body) < 0.5


def _join_wrapped(lines: Sequence[_PlainLine]) -> str:
    joined = lines[0].content
    for line in lines[1:]:
        gap = (
            ""
            if joined and line.content and _is_cjk(joined[-1]) and _is_cjk(line.content[0])
            else " "
        )
        joined += gap + line.content
    return joined


def _table_row(builder: _Builder, body: str) -> None:
    cells = _TABLE_PIPE.split(body)
    for position, cell in enumerate(cells):
        if position:
            builder.literal("|")
        builder.text(cell)


def parse_document(text: str, *, reflow: bool = True) -> ParsedDocument:
    """Split a document into a literal skeleton and translatable segments.

    With ``reflow=False`` every line keeps its own segment, and reassembling the untranslated
    segments gives back ``text`` exactly.
    """
    builder = _Builder()
    pending: list[_PlainLine] = []
    fence: str | None = None

    def flush() -> None:
        if reflow and _hard_wrapped(pending):
            builder.literal(pending[0].prefix)
            builder.text(_join_wrapped(pending))
            builder.literal(pending[-1].suffix + pending[-1].ending)
        else:
            for line in pending:
                builder.literal(line.prefix)
                builder.text(line.content)
                builder.literal(line.suffix + line.ending)
        pending.clear()

    for match in _LINE.finditer(text):
        line = match.group(0)
        if not line:
            continue
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        if fence is not None:
            builder.literal(line)
            stripped = body.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                fence = None
            continue
        opened = _FENCE_OPEN.match(body)
        if opened:
            flush()
            fence = opened.group("fence")
            builder.literal(line)
            continue
        if not _has_letters(body) or _REFERENCE_DEFINITION.match(body) or _HTML_ONLY.match(body):
            flush()
            builder.literal(line)
            continue
        if body.lstrip().startswith("|"):
            flush()
            _table_row(builder, body)
            builder.literal(ending)
            continue
        prefix_match = _LINE_PREFIX.match(body)
        prefix = prefix_match.group(0) if prefix_match else ""
        rest = body[len(prefix) :]
        content = rest.rstrip()
        suffix = rest[len(content) :]
        is_heading = bool(prefix_match and prefix_match.group("heading"))
        if is_heading:
            close = _HEADING_CLOSE.search(content)
            if close:
                suffix = content[close.start() :] + suffix
                content = content[: close.start()]
        if is_heading or (prefix_match and prefix_match.group("item")):
            flush()
            builder.literal(prefix)
            builder.text(content)
            builder.literal(suffix + ending)
            continue
        pending.append(_PlainLine(prefix, content, suffix, ending))
    flush()
    return builder.build()


def reassemble(document: ParsedDocument, texts: Sequence[str], upto: int | None = None) -> str:
    """Fill the skeleton with ``texts`` (one per segment, markers already restored).

    With ``upto``, stop before segment ``upto``: the translated beginning of the document,
    including the literal text (code blocks, blank lines) that follows the last segment done.
    """
    out: list[str] = []
    for piece in document.pieces:
        if isinstance(piece, str):
            out.append(piece)
        elif upto is not None and piece >= upto:
            break
        else:
            out.append(texts[piece])
    return "".join(out)


# --- checks after translation -----------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d+)*")


def _digits(text: str) -> set[str]:
    return {re.sub(r"\D", "", number) for number in _NUMBER.findall(text)}


def _term_pattern(term: str) -> re.Pattern[str]:
    """Whole-word match for alphabetic terms; plain substring for CJK, which has no spaces."""
    escaped = re.escape(term)
    if term and not _is_cjk(term[0]) and not _is_cjk(term[-1]):
        escaped = rf"(?<!\w){escaped}(?!\w)"
    return re.compile(escaped, re.IGNORECASE)


def repair_markers(segment: Segment, translation: str) -> tuple[str, list[int]]:
    """Keep each of the segment's markers exactly once; append any the model dropped.

    Dropped markers that stand next to each other in the source go back with the source text
    between them, so a link whose both ends were lost comes back as a working link (with its
    text untranslated) rather than an empty one. Returns the text and the missing numbers.
    """
    expected = set(segment.placeholders)
    seen: set[int] = set()

    def keep(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if number in expected and number not in seen:
            seen.add(number)
            return match.group(0)
        return ""  # a marker from another segment, or a repeat

    text = PLACEHOLDER.sub(keep, translation)
    missing = [number for number in segment.placeholders if number not in seen]
    runs: list[list[int]] = []
    for position, number in enumerate(segment.placeholders):
        if number not in missing:
            continue
        if runs and position > 0 and segment.placeholders[position - 1] == runs[-1][-1]:
            runs[-1].append(number)
        else:
            runs.append([number])
    for run in runs:
        start = segment.text.index(f"⟦{run[0]}⟧")
        end = segment.text.index(f"⟦{run[-1]}⟧") + len(f"⟦{run[-1]}⟧")
        text = text.rstrip() + " " + segment.text[start:end]
    return text, missing


def missing_terms(source: str, translation: str, glossary: Mapping[str, str]) -> list[str]:
    """Glossary entries whose source term is in ``source`` but whose translation is absent."""
    return [
        term
        for term, wanted in glossary.items()
        if _term_pattern(term).search(source) and not _term_pattern(wanted).search(translation)
    ]


def finish_segment(
    segment: Segment,
    translation: str,
    protected: Mapping[int, str],
    glossary: Mapping[str, str] | None = None,
) -> tuple[str, list[str]]:
    """Turn the model's line for ``segment`` into final text; returns it and warnings.

    Markers are repaired and restored, emphasis the source did not have is removed, glossary
    terms left untranslated are replaced, and numbers that went missing are reported.
    """
    warnings: list[str] = []
    text, missing = repair_markers(segment, translation.strip())
    if missing:
        warnings.append(
            f"Segment {segment.index + 1}: the model dropped "
            f"{', '.join(protected.get(n, '?') for n in missing)}; it was put back at the end."
        )
    for marker in ("**", "__"):
        if marker not in segment.source and marker in text:
            text = text.replace(marker, "")
    if glossary:
        for term in missing_terms(segment.source, text, glossary):
            wanted = glossary[term]
            pattern = _term_pattern(term)
            if pattern.search(text):
                text = pattern.sub(wanted.replace("\\", "\\\\"), text)
            else:
                warnings.append(
                    f"Segment {segment.index + 1}: the glossary asks for “{term}” → "
                    f"“{wanted}”, but the translation does not use it."
                )
    lost = _digits(segment.source) - _digits(text)
    if lost:
        warnings.append(
            f"Segment {segment.index + 1}: the number(s) {', '.join(sorted(lost))} of the "
            "source are not in the translation; check it."
        )
    return restore(text, protected), warnings


# --- the pipeline --------------------------------------------------------------------------


@dataclass(frozen=True)
class TranslationResult:
    """The outcome of a translation job; always the last event of :func:`translate_document`."""

    status: Status
    text: str  # the translated document (its translated beginning if stopped)
    source_language: str  # code, "" if unknown
    target_language: str
    parts: int
    segments: int
    model_calls: int
    retries: int  # segments translated again one at a time
    warnings: tuple[str, ...]
    prompt_tokens: int
    generated_tokens: int
    model_seconds: float
    wall_seconds: float
    error: str = ""


TranslateEvent = Event | Notice | PartDone | TranslationResult


@dataclass(frozen=True)
class _Unit:
    """One line sent to the model: a segment, or a piece of a segment too long for one part."""

    segment: int
    text: str
    tokens: int
    joiner: str  # what goes between this piece's translation and the next piece's
    last: bool  # the segment's last piece: once translated, the segment is complete


class _StreamRestorer:
    """Puts protected text back into streamed tokens as soon as a marker is complete."""

    def __init__(self, protected: Mapping[int, str]) -> None:
        self.protected = protected
        self.held = ""

    def feed(self, text: str) -> str:
        data = self.held + text
        cut = data.rfind("⟦")
        if cut != -1 and "⟧" not in data[cut:]:
            self.held, data = data[cut:], data[:cut]
        else:
            self.held = ""
        return restore(data, self.protected)

    def flush(self) -> str:
        data, self.held = self.held, ""
        return restore(data, self.protected)


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


def split_answer(answer: str, count: int) -> list[str] | None:
    """The model's answer as one line per segment, or None if it does not line up."""
    lines = answer.strip("\n").split("\n")
    if len(lines) == count:
        return lines
    non_empty = [line for line in lines if line.strip()]
    if len(non_empty) == count:
        return non_empty  # a model that put blank lines between its lines
    return None


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
) -> Iterator[TranslateEvent]:
    """Translate ``text`` into ``target`` (a language code or name), keeping its structure.

    Yields ``Progress(i, N, "part")``, the streamed tokens of each part (markers already
    restored), ``PartDone`` with the translated document so far, and a TranslationResult last.
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
    ) -> None:
        self.backend = backend
        self.text = text
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

    def _context(self, previous: Sequence[tuple[str, str]], reserve: int) -> list[tuple[str, str]]:
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
        for number, part in enumerate(parts, start=1):
            self._check_stop()
            yield Progress(number, len(parts), "part")
            context = self._context(previous, reserve)
            outputs = yield from self._translate_units(part, context, stream=True)
            for unit, output in zip(part, outputs, strict=True):
                pending.setdefault(unit.segment, []).append(output.strip() + unit.joiner)
                if unit.last:
                    masked = "".join(pending.pop(unit.segment))
                    yield from self._finish(unit, masked, context)
            previous = list(zip((unit.text for unit in part), outputs, strict=True))
            yield PartDone(
                number, len(parts), reassemble(self.document, self.done, upto=self.finished)
            )
        yield self.result("complete")

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
                if not _term_pattern(term).search(masked)
            ]
            if ignored:
                self.retries += 1
                wanted = {term: self.glossary[term] for term in ignored}
                again, _raw = yield from self._call(
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
    ) -> Generator[TranslateEvent, None, tuple[list[str] | None, str]]:
        """One model call for ``units``: the answer split into lines (None if it does not line
        up) and the raw answer. ``strict`` constrains the answer to one line per unit."""
        self._check_stop()
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
        restorer = _StreamRestorer(self.document.protected)
        outcome = yield from run_call(
            self.backend,
            messages,
            with_max_tokens(self.params, limit),
            log=self.log,
            stop=self.stop,
            forward_tokens=stream,
            transform=restorer.feed,
            grammar=prompts.lines_grammar(len(units)) if strict else None,
        )
        if stream:
            tail = restorer.flush()
            if tail:
                yield Token(tail)
        if outcome.reason == "cancelled":
            raise _Stop("cancelled")
        if outcome.reason == "error":
            raise _Stop("error", outcome.error)
        return split_answer(outcome.text, len(units)), outcome.text

    def _translate_units(
        self, units: Sequence[_Unit], context: Sequence[tuple[str, str]], *, stream: bool
    ) -> Generator[TranslateEvent, None, list[str]]:
        """Translate a part; lines that came back wrong are translated again one at a time."""
        lines, _raw = yield from self._call(units, context, stream=stream)
        results: list[str | None] = list(lines) if lines is not None else [None] * len(units)
        for position, unit in enumerate(units):
            line = results[position]
            if line is not None and line.strip() and _same_markers(unit.text, line):
                continue
            # Once more on its own, constrained to one line; whatever comes back is used (a
            # lost marker is put back by finish_segment, with a warning).
            self.retries += 1
            again, again_raw = yield from self._call([unit], context, stream=False, strict=True)
            line = again[0] if again else " ".join(again_raw.split("\n"))
            if line is None or not line.strip():
                self.warnings.append(
                    f"Segment {unit.segment + 1} was left untranslated: the model gave no "
                    "translation for it."
                )
                line = unit.text
            results[position] = line
        return [
            line if line is not None else unit.text
            for line, unit in zip(results, units, strict=True)
        ]


def _same_markers(source: str, translation: str) -> bool:
    return sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translation))
