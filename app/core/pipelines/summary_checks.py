"""Checks on a finished summary: did it summarise, or paste the document back, or run out?

A small model asked to summarise a long text sometimes copies its opening sections word for
word (seen with a 0.5B model on a 7,588-token Chinese article), or writes until the length
limit cuts it off mid-sentence. Either answer is asked for once more, more strictly; these
functions decide when.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.core.backend import StopReason

# A run of this many words shared with the document counts as copied. Eight words in a row
# rarely repeat by chance, while names and terms (two or three words) are not caught.
COPY_RUN = 8
# Chinese, Japanese and Korean are counted by character, and a character is less than a
# word: a copied run there is twice as many characters.
COPY_RUN_CJK = 16
# More than this share of the summary in copied runs is a copy, not a summary.
COPY_LIMIT = 0.5

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _tokens(text: str) -> list[str]:
    """Words, with each CJK character a word of its own (those scripts have no spaces)."""
    return [token.casefold() for token in _TOKEN.findall(text)]


def copy_run_for(text: str) -> int:
    """The run length that counts as copying for ``text``'s script."""
    tokens = _TOKEN.findall(text)
    cjk = sum(1 for token in tokens if _CJK.fullmatch(token))
    return COPY_RUN_CJK if tokens and cjk * 2 > len(tokens) else COPY_RUN


def copied_share(summary: str, document: str, run: int | None = None) -> float:
    """The share of the summary's words that lie in a run of ``run`` or more consecutive words
    also found in the document (case and punctuation ignored); 0 for an empty summary."""
    words = _tokens(summary)
    if not words:
        return 0.0
    run = run or copy_run_for(summary)
    source = _tokens(document)
    grams = {tuple(source[i : i + run]) for i in range(len(source) - run + 1)}
    copied = [False] * len(words)
    for i in range(len(words) - run + 1):
        if tuple(words[i : i + run]) in grams:
            copied[i : i + run] = [True] * run
    return sum(copied) / len(words)


def summary_problem(summary: str, document: str, reason: StopReason) -> str | None:
    """Why a finished summary should be asked for again, in the app's words, or None.

    ``reason`` is how the final call ended: "length" means the length limit cut it off.
    """
    if not summary.strip():
        return None
    share = copied_share(summary, document)
    if share > COPY_LIMIT:
        return (
            f"The summary copied {round(100 * share)} % of its words from the document; "
            "asking again for a summary in the model's own words."
        )
    if reason == "length":
        return "The summary ran past the length limit; asking again for a shorter one."
    return None


# The labels the pipeline writes into its own prompts ("Part 3:" before a part, "Notes on
# section 2:" in older prompts), which a small model copies into its notes and from there
# into the summary: "Part 3: A railway reached Alder…" from the starter model.
_LABEL = re.compile(
    r"\b(?:notes on section|(?<!on )part|(?<!on )section) \d+(?: of \d+)?[ \t]*[:：][ \t]*", re.I
)


def without_labels(text: str, document: str) -> str:
    """``text`` without the pipeline's own part labels, unless the document itself has that
    label (a book's "Part 2:" is the author's, and a summary may well keep it)."""
    own = {label.casefold().strip() for label in _LABEL.findall(document)}
    return _LABEL.sub(lambda found: found[0] if found[0].casefold().strip() in own else "", text)


# Names and figures the final pass is handed again, apart from the notes, at most this many.
# Asked to summarise notes on eight parts, the 0.5B model wrote "This document covers the
# syntax of Python…" and left out every name and figure the notes had. Handed the notes'
# names and figures as a list after them, it kept three of the planted facts with three
# seeds out of three (``bench/quality.py``); handed the notes' whole lines instead, it kept
# them too but copied them word for word (40 to 56 % of the summary copied).
KEY_TERMS = 12
# A note line longer than this is a copied passage, not a note.
_NOTE_WORDS = 40
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")
# A figure: two or more digits ("6638", "1,820", "3.5"), not a single digit ("1 of 3").
_FIGURE = re.compile(r"\d[\d,.]*\d")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
# Capitalised words that start sentences, not names: "The Python" is no name.
_NOT_NAMES = frozenset({
    "a", "an", "and", "as", "at", "by", "for", "from", "he", "her", "his", "if", "in", "it",
    "its", "of", "on", "or", "she", "so", "that", "the", "their", "then", "there", "these",
    "they", "this", "those", "to", "we", "when", "where", "which", "while", "with", "you",
})  # fmt: skip


def _capitalised(word: str) -> bool:
    return word[0].isupper() and word[1:].islower()


def names_in(line: str) -> list[str]:
    """Runs of two or more capitalised words ("Ingrid Vasquez", "Élodie Marchetti's" as
    "Élodie Marchetti"), not begun by a word that merely starts a sentence; any script
    with upper and lower case."""
    names: list[str] = []
    run: list[str] = []
    for word in [*_WORD.findall(line), ""]:
        if word and _capitalised(word) and (run or word.casefold() not in _NOT_NAMES):
            run.append(word)
            continue
        if len(run) >= 2:
            names.append(_POSSESSIVE.sub("", " ".join(run)))
        run = []
    return names


def key_terms(notes: Sequence[str], limit: int = KEY_TERMS) -> list[str]:
    """The names and figures of the notes, spread over them (every note's first before any
    note's second) and given in the notes' order: what a general summary drops first and a
    reader looks for. Figures are script-neutral; names are found only in scripts with
    capitals, so notes in Chinese give their figures alone.
    """
    # (place in its note, place in the notes, term): sorted, every note's first comes first.
    found: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    for note in notes:
        depth = 0
        for raw in note.splitlines():
            line = _BULLET.sub("", raw).strip()
            if len(line.split()) > _NOTE_WORDS:
                continue
            for term in names_in(line) + _FIGURE.findall(line):
                if term.casefold() not in seen:
                    seen.add(term.casefold())
                    found.append((depth, len(found), term))
                    depth += 1
    chosen = sorted(found)[:limit]
    return [term for _depth, _order, term in sorted(chosen, key=lambda item: item[1])]
