"""Prompts for summarising: one pass for short text, map and combine steps for long text.

The map step asks for a faithful digest of one part, in the document's order, because its
output is read again by the combine step, not by the user; only the final step applies the
length and style the user chose.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.backend import ChatMessage
from app.core.extract import InputError
from app.core.prompts import defuse

LENGTHS: dict[str, str] = {
    "short": "in two or three sentences",
    "medium": "in about one paragraph (five to eight sentences)",
    "long": "in several paragraphs that cover every main point",
}
STYLES: dict[str, str] = {
    "paragraph": "Write flowing prose.",
    "bullets": "Write a bulleted list of the key points, one point per line starting with '- '.",
    "tldr": "Start with a one-line TL;DR, then give the main points.",
    "headline": (
        "Write only a headline: one line of at most twelve words that states the main point, "
        "with no full stop, quotation marks or preamble."
    ),
}
# Room for the final answer, in tokens, by length. Generous: a summary cut off mid-sentence is
# worse than a prompt part that is a little smaller.
ANSWER_TOKENS: dict[str, int] = {"short": 160, "medium": 320, "long": 640}

_SYSTEM = (
    "You are a careful assistant that summarises documents. Use only information from the "
    "text you are given; do not add facts, opinions or a preamble."
)


def check_options(length: str, style: str) -> None:
    """Refuse unknown choices with the list of valid ones (they may come from the command line)."""
    if length not in LENGTHS:
        raise InputError(f"Unknown summary length “{length}”. Choose one of: {', '.join(LENGTHS)}.")
    if style not in STYLES:
        raise InputError(f"Unknown summary style “{style}”. Choose one of: {', '.join(STYLES)}.")


def _language_clause(language: str | None) -> str:
    if language:
        return f"Write the summary in {language}."
    return "Write the summary in the same language as the text."


def single_pass_messages(
    text: str, *, length: str, style: str, language: str | None = None
) -> list[ChatMessage]:
    """Summarise a text that fits the model's context in one go."""
    check_options(length, style)
    instruction = (
        f"Summarise the following text {LENGTHS[length]}. {STYLES[style]} "
        f"{_language_clause(language)}"
    )
    return [
        ChatMessage(role="system", content=_SYSTEM),
        ChatMessage(role="user", content=f"{instruction}\n\nText:\n{defuse(text)}"),
    ]


def part_messages(
    text: str, *, index: int, total: int, language: str | None = None
) -> list[ChatMessage]:
    """Digest one part of a long document (the map step); ``index`` counts from 1."""
    instruction = (
        f"This is part {index} of {total} of a longer document. List the key facts, events, "
        "names, figures and conclusions of this part, in the order they appear, as short "
        "sentences. These notes will be combined with the notes on the other parts. "
        f"{_language_clause(language)}"
    )
    return [
        ChatMessage(role="system", content=_SYSTEM),
        ChatMessage(role="user", content=f"{instruction}\n\nPart {index}:\n{defuse(text)}"),
    ]


def combine_messages(
    summaries: Sequence[str],
    *,
    length: str,
    style: str,
    language: str | None = None,
    final: bool = True,
) -> list[ChatMessage]:
    """Combine notes on consecutive parts (reduce); only ``final`` applies the user's choices."""
    check_options(length, style)
    notes = "\n\n".join(
        f"Notes on section {number}:\n{defuse(summary.strip())}"
        for number, summary in enumerate(summaries, start=1)
    )
    if final:
        instruction = (
            "Below are notes on consecutive sections of one document. Write a single summary "
            f"of the whole document {LENGTHS[length]}. {STYLES[style]} "
            f"{_language_clause(language)}"
        )
    else:
        instruction = (
            "Below are notes on consecutive sections of one document. Merge them into one set "
            "of notes that keeps every key fact, name, figure and conclusion, in order, "
            f"without repeating anything. {_language_clause(language)}"
        )
    return [
        ChatMessage(role="system", content=_SYSTEM),
        ChatMessage(role="user", content=f"{instruction}\n\n{notes}"),
    ]
