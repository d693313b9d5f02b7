"""Small text helpers the tool modules share: error text, titles, sizes and HTML escaping.

They live apart from the widgets so the document input, the run widgets and the panes can
all use them without importing one another.
"""

from __future__ import annotations

import html
import re


def message_of(error: BaseException | str) -> str:
    """The user-facing text of an error: InputError and HistoryError carry ``message``."""
    if isinstance(error, str):
        return error
    return str(getattr(error, "message", "") or error or type(error).__name__)


# Markdown's markers at the start of a document ("# Title", "**bold**", "- item", "`code`"):
# a title made of its first words reads them as the document means them.
_TITLE_MARKUP = re.compile(
    r"(?m)^ {0,3}(?:#{1,6}|[-*+]|\d+[.)]|>)[ \t]+"  # a heading, list item or quote
    r"|(?<![\w*_])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w*_])"  # emphasis, not snake_case
    r"|`+|\[|\]\([^)\s]*\)"  # code marks; a link keeps its text
)


def first_words(text: str, limit: int = 60) -> str:
    """A one-line title from the start of a text, cut at a word boundary, without Markdown's
    markers."""
    line = " ".join(_TITLE_MARKUP.sub("", text[: limit * 4]).split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut.rstrip(" ,.;:-") + "…"


def size_label(chars: int) -> str:
    """A byte count as B, KB or MB, the way the document card shows it."""
    if chars >= 1024 * 1024:
        return f"{chars / (1024 * 1024):.1f} MB"
    if chars >= 1024:
        return f"{chars / 1024:.0f} KB"
    return f"{chars} B"


def escape(text: str) -> str:
    """Text for the HTML the result views build (quotes stay as they are)."""
    return html.escape(text, quote=False)


# Markdown a document carries into the translation table: a cell shows it formatted, as the
# document means it, not as ``**`` and ``##`` (the pipeline keeps the markers on purpose).
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_LIST_ITEM = re.compile(r"^([ \t]*)[-*+][ \t]+", re.MULTILINE)
_CODE = re.compile(r"`([^`\n]+)`")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])")
_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\s]+\)")
_FENCED = re.compile(r"\A {0,3}(`{3,}|~{3,})[^\n]*\n(.*?)\n? {0,3}\1[ \t]*\Z", re.DOTALL)


def markdown_cell(text: str) -> str:
    """A paragraph of Markdown as HTML for a table cell: headings, emphasis, inline code,
    list bullets and link texts. The text is escaped first, so nothing the model wrote can
    become markup; line breaks stay where they are (the cell keeps white space)."""
    fenced = _FENCED.match(text)
    if fenced is not None:  # a code block: its lines as they are, without the fences
        return f"<code>{escape(fenced.group(2))}</code>"
    out = escape(text)
    out = _HEADING.sub(lambda m: f"<b>{m.group(2)}</b>", out)
    out = _LIST_ITEM.sub(lambda m: f"{m.group(1)}\u2022 ", out)
    pieces = _CODE.split(out)  # odd pieces are code: no emphasis inside them
    for index, piece in enumerate(pieces):
        if index % 2:
            pieces[index] = f"<code>{piece}</code>"
            continue
        shown = _LINK.sub(r"\1", piece)
        shown = _STRONG.sub(lambda m: f"<b>{m.group(1) or m.group(2)}</b>", shown)
        shown = _EMPHASIS.sub(r"<i>\1</i>", shown)
        pieces[index] = _UNDERSCORE.sub(r"<i>\1</i>", shown)
    return "".join(pieces)
