"""A document as the translator sees it: a literal skeleton with numbered holes for words.

The structure is kept by this module, not by asking the model nicely: the text is parsed as
Markdown-ish lines (headings, list items, quotes, table rows, code fences, blank lines), and
only the words become segments, one line each. Code blocks are never segments; inline code,
URLs, link targets and chat-template markers inside a segment are replaced by numbered
markers (``⟦3⟧``) that :func:`restore` puts back. :func:`reassemble` fills the same skeleton
with the translations, so the output has the input's paragraphs, headings, list items, code
blocks and links whatever the model does.

One deliberate change: a paragraph that was hard-wrapped (lines of similar, long length that
end mid-sentence, as in e-mails and text taken from PDFs) becomes one segment, because
translating half-sentences line by line ruins the translation. Short lines (poems, addresses,
one sentence per line) are kept line for line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.core.prompts import TEMPLATE_MARKER

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


def is_cjk(ch: str) -> bool:
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
            if joined and line.content and is_cjk(joined[-1]) and is_cjk(line.content[0])
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


class StreamRestorer:
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
