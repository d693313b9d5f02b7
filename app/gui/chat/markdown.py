"""Markdown for the message view: fenced code blocks apart, everything else as rich text.

Code blocks are split out so each can get its own monospace box and Copy button. The rest is
rendered by Qt's own Markdown reader (GitHub dialect: lists, tables, emphasis, links) with raw
HTML switched off, so model output can never inject markup or load images.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtGui import QTextDocument

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$", re.MULTILINE)


@dataclass(frozen=True)
class Segment:
    """A run of prose (``code`` False) or one fenced code block."""

    text: str
    code: bool = False
    language: str = ""
    closed: bool = True  # False while a code block is still streaming


def split_markdown(text: str) -> list[Segment]:
    """Split ``text`` into prose and fenced code blocks, in order.

    An unterminated fence (a reply still streaming, or cut off) runs to the end of the text.
    """
    segments: list[Segment] = []
    position = 0
    while True:
        opening = _FENCE.search(text, position)
        if opening is None:
            break
        before = text[position : opening.start()]
        if before.strip():
            segments.append(Segment(before.strip("\n")))
        fence = opening.group("fence")
        language = opening.group("info").strip().split(" ")[0] if opening.group("info") else ""
        body_start = opening.end() + 1
        closing_pattern = re.compile(
            rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.MULTILINE
        )
        closing = closing_pattern.search(text, body_start) if body_start <= len(text) else None
        if closing is None:
            segments.append(Segment(text[body_start:], code=True, language=language, closed=False))
            return segments
        body = text[body_start : closing.start()]
        segments.append(Segment(body.rstrip("\n"), code=True, language=language))
        position = closing.end() + 1
    rest = text[position:]
    if rest.strip() or not segments:
        segments.append(Segment(rest.strip("\n")))
    return segments


_FEATURES = QTextDocument.MarkdownFeature(
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub.value
    | QTextDocument.MarkdownFeature.MarkdownNoHTML.value
)


# A line break inside a paragraph: Markdown would join the lines ("soft" break), but a model
# that writes a poem or an address line by line means them, as every chat app shows them.
_SOFT_BREAK = re.compile(r"(?<=[^\s\\])[ \t]?\n(?=[ \t]*\S)")


def markdown_to_html(text: str) -> str:
    """Rich text for a QLabel, from Markdown with raw HTML disabled; the model's own line
    breaks are kept."""
    document = QTextDocument()
    document.setMarkdown(_SOFT_BREAK.sub("  \n", text), _FEATURES)
    return document.toHtml()
