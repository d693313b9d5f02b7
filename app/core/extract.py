"""Reading documents into plain text, and refusing input the tools cannot work on.

Every failure here is an :class:`InputError` whose message is written for the user (the GUI
shows it in a dialog, the CLI prints it), never a traceback: a wrong file dropped on a pane
is an everyday event, not a bug.

Text comes out with paragraphs separated by blank lines and headings marked with ``#``, the
shape the token-aware splitter and the translation pipeline understand.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
# pypdf reports every oddity of a damaged PDF ("invalid pdf header", "incorrect startxref")
# through logging. With no handler configured (the command line), Python's last-resort
# handler printed those lines on the terminal between Parley's own messages. Parley says
# what it thinks of the file itself; pypdf's details go to the app's log where one is set up.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

# The largest text the tools accept, in bytes of UTF-8. Ten megabytes is a few thousand
# pages: far more than a local model reads in reasonable time, small enough to keep in memory.
MAX_TEXT_BYTES = 10 * 1024 * 1024
# Files are bigger than their text (PDF fonts and images, zipped Word XML); this bounds what
# is read from disk before any text is seen.
MAX_FILE_BYTES = 200 * 1024 * 1024
# Share of control characters above which a "text" is taken to be binary data.
MAX_CONTROL_RATIO = 0.05

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".rst", ".csv", ".tsv", ".log"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}


class InputError(ValueError):
    """Input the tools cannot use; ``message`` says why in the user's terms."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ExtractedText:
    """The text of a document and what the user should know about how it was read."""

    text: str
    source: str  # the file name, for titles and messages
    kind: str  # "text", "markdown", "html", "pdf" or "docx"
    encoding: str | None = None  # for text and HTML files
    pages: int | None = None  # for PDFs
    notes: tuple[str, ...] = field(default=())  # e.g. "read as Windows-1252"


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def _too_large(what: str, size: int, limit: int) -> InputError:
    size_label, limit_label = _size_label(size), _size_label(limit)
    if size_label == limit_label:  # just over the limit: rounding would hide the difference
        size_label, limit_label = f"{size:,} bytes", f"{limit:,} bytes"
    return InputError(
        f"{what} too large: {size_label}, and Parley works on at most {limit_label} at a time. "
        "Split the document and work on it in parts."
    )


def check_text(text: str) -> None:
    """Refuse text that is empty, binary or too large, with a message that says which."""
    if not text or not text.strip():
        raise InputError("There is no text to work on: the input is empty.")
    if "\x00" in text:
        raise InputError(
            "This looks like binary data, not text (it contains NUL characters). "
            "Open a text, Markdown, HTML, PDF or Word document instead."
        )
    sample = text[:200_000]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if control / len(sample) > MAX_CONTROL_RATIO:
        raise InputError(
            "This looks like binary data, not text "
            f"({control / len(sample):.0%} of the characters are control codes). "
            "Open a text, Markdown, HTML, PDF or Word document instead."
        )
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise _too_large("The text is", size, MAX_TEXT_BYTES)


# --- plain text and encodings ------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# The most frequent Chinese characters, in both scripts. A right guess of a legacy Chinese
# encoding turns a large share of a text into these; a wrong guess gives rare characters.
_COMMON_HANZI = frozenset(
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家"
    "学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见"
    "经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话"
    "這個們來時為說國會對發後過還學樣麼沒經問長見電話東進開關現實書車門馬與從動兩應間讓認識記"
    "設論計議請誰調難題頁順須預領風習樂親觀眾華單報處備復歲歷網線組織紅級給結統維總絕續帶師"
)


def _share(text: str, predicate: Callable[[str], bool]) -> float:
    letters = [ch for ch in text[:20_000] if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if predicate(ch)) / len(letters)


def _is_hiragana(ch: str) -> bool:
    return "\u3040" <= ch <= "\u309f"


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def _looks_utf16(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark: ASCII-heavy text has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    half = len(sample) / 2
    even = sample[0::2].count(0) / half
    odd = sample[1::2].count(0) / half
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return None


def _guess_legacy(data: bytes) -> tuple[str, str] | None:
    """Guess a legacy East Asian encoding by what the decoded text looks like.

    Their byte ranges overlap so much that most East Asian text decodes without error in
    several of them; the right one is the one that yields the script's everyday characters
    (hiragana for Japanese, Hangul for Korean, the most frequent characters for Chinese).
    """
    decoded: dict[str, str] = {}
    for encoding in ("shift_jis", "euc-kr", "gb18030", "big5"):
        try:
            decoded[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if "shift_jis" in decoded and _share(decoded["shift_jis"], _is_hiragana) >= 0.15:
        return decoded["shift_jis"], "shift_jis"
    if "euc-kr" in decoded and _share(decoded["euc-kr"], _is_hangul) >= 0.6:
        return decoded["euc-kr"], "euc-kr"
    best: tuple[float, str] | None = None
    for encoding in ("gb18030", "big5"):
        if encoding in decoded:
            score = _share(decoded[encoding], _COMMON_HANZI.__contains__)
            if score >= 0.1 and (best is None or score > best[0]):
                best = (score, encoding)
    if best is not None:
        return decoded[best[1]], best[1]
    return None


_ENCODING_LABELS = {
    "shift_jis": "Shift-JIS (Japanese)",
    "euc-kr": "EUC-KR (Korean)",
    "gb18030": "GB18030/GBK (Simplified Chinese)",
    "big5": "Big5 (Traditional Chinese)",
    "cp1252": "Windows-1252 (Western European)",
    "latin-1": "Latin-1 (Western European)",
}


def decode_text(data: bytes, name: str = "the file") -> tuple[str, str, tuple[str, ...]]:
    """Decode file bytes: BOMs first, then UTF-8, then common legacy encodings.

    Returns the text, the encoding used and notes for the user (a legacy encoding is a guess
    worth telling about). Binary data is refused here, before a guess could make it "text".
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, ()
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{name} starts with a {encoding.upper()} byte-order mark but is not valid "
                    f"{encoding.upper()} text (bad bytes at position {exc.start})."
                ) from exc
    utf16 = _looks_utf16(data)
    if utf16:
        try:
            return data.decode(utf16), utf16, ()
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise InputError(
            f"{name} looks like binary data, not text (it contains NUL bytes). "
            "Open a text, Markdown, HTML, PDF or Word document instead."
        )
    try:
        return data.decode("utf-8"), "utf-8", ()
    except UnicodeDecodeError:
        pass
    guess = _guess_legacy(data)
    if guess is None:
        try:
            guess = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            # Latin-1 maps every byte to a character; whatever this file is, check_text()
            # still refuses it if the result is mostly control codes.
            guess = data.decode("latin-1"), "latin-1"
    text, encoding = guess
    note = (
        f"{name} is not UTF-8; it was read as {_ENCODING_LABELS[encoding]}. If some "
        "characters look wrong, save the file as UTF-8 and open it again."
    )
    return text, encoding, (note,)


# --- HTML ------------------------------------------------------------------------------

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe"})
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "nav", "aside",
        "blockquote", "figure", "figcaption", "table", "tr", "ul", "ol", "dl", "dt", "dd",
        "form", "fieldset", "address", "details", "summary", "hr", "body", "html",
    }
)  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_VOID_TAGS = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "area", "base", "col"})


_BREAK = "\ue000"  # a private-use character standing for <br> until white space is collapsed


class _ReadableText(HTMLParser):
    """Collects the text a reader sees, with blank lines between blocks.

    Why not an HTML library: the standard parser is forgiving enough for real pages and adds
    no dependency; all that is needed is block structure, headings and list items.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._line: list[str] = []
        self._skip_depth = 0
        self._pre_depth = 0
        self._prefix = ""

    def _end_block(self) -> None:
        raw = "".join(self._line)
        self._line = []
        if self._pre_depth:
            text = raw.strip("\n")
        else:
            # Source line breaks are just white space in HTML; only <br> breaks a line.
            text = "\n".join(
                " ".join(part.split()) for part in raw.split(_BREAK) if part.strip()
            ).strip()
        if text:
            self.blocks.append(self._prefix + text)
            self._prefix = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            if tag not in _VOID_TAGS:
                self._skip_depth += 1
            return
        if self._skip_depth:
            return
        if tag in _HEADINGS:
            self._end_block()
            self._prefix = "#" * _HEADINGS[tag] + " "
        elif tag == "li":
            self._end_block()
            self._prefix = "- "
        elif tag == "pre":
            self._end_block()
            self._pre_depth += 1
        elif tag == "br":
            self._line.append("\n" if self._pre_depth else _BREAK)
        elif tag in ("td", "th"):
            if self._line and "".join(self._line).strip():
                self._line.append(" | ")
        elif tag in _BLOCK_TAGS:
            self._end_block()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if self._skip_depth:
            return
        if tag == "pre":
            self._end_block()
            self._pre_depth = max(0, self._pre_depth - 1)
        elif tag in _HEADINGS or tag == "li" or tag in _BLOCK_TAGS:
            self._end_block()

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._line.append(data)

    def close(self) -> None:
        super().close()
        self._end_block()


def html_to_text(html: str) -> str:
    """Readable text of an HTML page: no scripts or styles, a blank line between blocks."""
    parser = _ReadableText()
    parser.feed(html)
    parser.close()
    return "\n\n".join(parser.blocks)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def _decode_html(data: bytes, name: str) -> tuple[str, str, tuple[str, ...]]:
    """HTML declares its encoding in a meta tag; honour it before guessing."""
    match = _META_CHARSET.search(data[:4096])
    if match and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        declared = match.group(1).decode("ascii").lower()
        try:
            return data.decode(declared), declared, ()
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data, name)


# --- PDF and Word ------------------------------------------------------------------------


def _read_pdf(path: Path) -> tuple[str, int, tuple[str, ...]]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    name = path.name
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            # Many PDFs are "encrypted" only against editing, with an empty open password.
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError) as exc:
                raise InputError(
                    f"{name} is encrypted in a way Parley cannot open ({exc}). "
                    "Save an unprotected copy and open that."
                ) from exc
            if not opened:
                raise InputError(
                    f"{name} is password-protected. Save an unprotected copy and open that."
                )
        pages: list[str] = []
        empty_pages = 0
        for page in reader.pages:
            page_text = (page.extract_text() or "").strip()
            if page_text:
                pages.append(page_text)
            else:
                empty_pages += 1
        page_count = len(reader.pages)
    except (InputError, PermissionError):
        raise
    except FileNotDecryptedError as exc:
        raise InputError(
            f"{name} is password-protected. Save an unprotected copy and open that."
        ) from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise InputError(
            f"{name} could not be read as a PDF: the file is damaged or not really a PDF ({exc})."
        ) from exc
    except Exception as exc:
        # A hand-made or truncated PDF can send pypdf down paths that raise almost anything
        # (IndexError, RecursionError on cyclic objects...): a damaged file, not a bug.
        log.info("pdf %s: %s: %s", name, type(exc).__name__, exc)
        raise InputError(
            f"{name} could not be read as a PDF: its contents are damaged ({type(exc).__name__})."
        ) from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise InputError(
            f"{name} has no text layer (it is probably scanned pages). Parley reads text, "
            "not images: run it through OCR first."
        )
    notes: tuple[str, ...] = ()
    if empty_pages:
        notes = (f"{empty_pages} of {page_count} pages had no text (scanned images?).",)
    return text, page_count, notes


def _docx_paragraph(paragraph: Any) -> str:
    """One Word paragraph as Markdown-ish text: headings become '#', list items '-'."""
    text = paragraph.text.strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    lowered = style.lower()
    if lowered == "title":
        return "# " + text
    if lowered.startswith("heading"):
        level_text = lowered.removeprefix("heading").strip()
        level = int(level_text) if level_text.isdigit() else 1
        return "#" * min(max(level, 1), 6) + " " + text
    if lowered.startswith("list number"):
        return "1. " + text
    if lowered.startswith("list"):
        return "- " + text
    return text


def _read_docx(path: Path) -> str:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    name = path.name
    try:
        document = docx.Document(str(path))
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                rows = []
                for row in item.rows:
                    cells = [" ".join(cell.text.split()) for cell in row.cells]
                    if any(cells):
                        rows.append("| " + " | ".join(cells) + " |")
                if rows:
                    blocks.append("\n".join(rows))
            else:
                line = _docx_paragraph(item)
                if line:
                    blocks.append(line)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(
            f"{name} could not be read as a Word document: the file is damaged or not really "
            f"a .docx file ({exc})."
        ) from exc
    except PermissionError:
        raise
    except OSError as exc:
        raise InputError(f"{name} could not be read: {exc.strerror or exc}.") from exc
    except Exception as exc:
        # python-docx parses the package's XML with lxml and walks it with assumptions a
        # damaged or hand-made file breaks in many ways (XMLSyntaxError, AttributeError,
        # IndexError...): each is a damaged document to the user, not a bug to report.
        log.info("docx %s: %s: %s", name, type(exc).__name__, exc)
        raise InputError(
            f"{name} could not be read as a Word document: its contents are damaged "
            f"({type(exc).__name__})."
        ) from exc
    return "\n\n".join(blocks)


# --- entry point -------------------------------------------------------------------------


def extract_text(path: Path) -> ExtractedText:
    """Read a document's text by its file type; every failure is an :class:`InputError`."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if path.is_dir():
        raise InputError(f"{name} is a folder, not a document.")
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"{suffix} files" if suffix else "files without an extension"
        raise InputError(
            f"Parley cannot read {kind} ({name}). Open a text (.txt, .md), HTML, PDF or "
            "Word (.docx) document."
        )
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise InputError(f"{name} does not exist (it may have been moved or deleted).") from exc
    except OSError as exc:
        raise InputError(f"{name} could not be opened: {exc.strerror or exc}.") from exc
    if path.is_dir():
        raise InputError(f"{name} is a folder, not a document.")
    limit = MAX_TEXT_BYTES if suffix in TEXT_SUFFIXES else MAX_FILE_BYTES
    if size > limit:
        raise _too_large(f"{name} is", size, limit)
    if size == 0:
        raise InputError(f"{name} is empty: there is no text to work on.")

    encoding: str | None = None
    pages: int | None = None
    notes: tuple[str, ...] = ()
    try:
        if suffix == ".pdf":
            kind = "pdf"
            text, pages, notes = _read_pdf(path)
        elif suffix == ".docx":
            kind = "docx"
            text = _read_docx(path)
        else:
            data = path.read_bytes()
            if suffix in HTML_SUFFIXES:
                kind = "html"
                html, encoding, notes = _decode_html(data, name)
                text = html_to_text(html)
            else:
                kind = "markdown" if suffix in (".md", ".markdown") else "text"
                text, encoding, notes = decode_text(data, name)
    except PermissionError as exc:
        raise InputError(f"{name} could not be opened: permission denied.") from exc
    except OSError as exc:
        raise InputError(f"{name} could not be read: {exc.strerror or exc}.") from exc

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        check_text(text)
    except InputError as exc:
        if not text.strip():
            raise InputError(f"{name} has no text in it.") from exc
        raise InputError(f"{name}: {exc.message}") from exc
    return ExtractedText(
        text=text, source=name, kind=kind, encoding=encoding, pages=pages, notes=notes
    )
