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


# Added when a summary is asked for again because it copied the text or ran too long.
STRICTER = (
    "Important: write the summary in your own words. Do not copy sentences or sections from "
    "the text, and keep strictly to the length asked for."
)


def single_pass_messages(
    text: str, *, length: str, style: str, language: str | None = None, strict: bool = False
) -> list[ChatMessage]:
    """Summarise a text that fits the model's context in one go (``strict``: the second try,
    after an answer that copied the text or ran past the length limit)."""
    check_options(length, style)
    instruction = (
        f"Summarise the following text {LENGTHS[length]}. {STYLES[style]} "
        f"{_language_clause(language)}"
    )
    if strict:
        instruction += f" {STRICTER}"
    return [
        ChatMessage(role="system", content=_SYSTEM),
        ChatMessage(role="user", content=f"{instruction}\n\nText:\n{defuse(text)}"),
    ]


def part_messages(
    text: str, *, index: int, total: int, language: str | None = None
) -> list[ChatMessage]:
    """Digest one part of a long document (the map step); ``index`` counts from 1.

    Notes as a short list of facts, not prose: a small model asked for prose notes copied
    the part's opening instead (and the facts further into the part were lost).
    """
    instruction = (
        f"This is part {index} of {total} of a longer document. List the most important "
        "facts of this part as 5 to 10 lines starting with '- ', in the order they appear. "
        "Each line is one short sentence in your own words; keep the names of people and the "
        "numbers that matter. Do not copy the text. "
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
    strict: bool = False,
    key_terms: Sequence[str] = (),
) -> list[ChatMessage]:
    """Combine notes on consecutive parts (reduce); only ``final`` applies the user's choices
    (and ``strict``, the second try of a final answer that copied or ran too long).

    ``key_terms`` (final only) are the notes' names and figures, listed again after the
    notes with the instruction last, so the last thing a small model reads before it writes
    is what to write and what to keep. A headline has no room for them.
    """
    check_options(length, style)
    # Sections in brackets, not "Notes on section 2:" lines, which a small model copied into
    # the summary itself.
    notes = "\n\n".join(
        f"[{number}]\n{defuse(summary.strip())}"
        for number, summary in enumerate(summaries, start=1)
    )
    heading = "Below are notes on consecutive sections of one document, numbered in brackets."
    terms = ""
    if final:
        # The names and figures are listed after the notes, with the instruction last, where
        # there are any to list and room for them (a headline has none).
        terms = ", ".join(key_terms) if style != "headline" else ""
        keeping = "" if terms else " and keeping the names and figures that matter"
        instruction = (
            f"Write a single summary of the whole document {LENGTHS[length]}, covering every "
            f"section from the first to the last{keeping}. {STYLES[style]} Do not mention the "
            f"notes or the sections. {_language_clause(language)}"
        )
        if strict:
            instruction += f" {STRICTER}"
    else:
        instruction = (
            "Merge them into one set of notes that keeps every key fact, name, figure and "
            f"conclusion, in order, without repeating anything. {_language_clause(language)}"
        )
    if terms:
        content = (
            "Notes on consecutive sections of one document, numbered in brackets:\n\n"
            f"{notes}\n\nNames and figures the summary must keep: {defuse(terms)}.\n\n"
            f"{instruction}"
        )
    else:
        content = f"{heading} {instruction}\n\n{notes}"
    return [
        ChatMessage(role="system", content=_SYSTEM),
        ChatMessage(role="user", content=content),
    ]
