"""Checks on a finished summary: did it summarise, or paste the document back, or run out?

A small model asked to summarise a long text sometimes copies its opening sections word for
word (seen with a 0.5B model on a 7,588-token Chinese article), or writes until the length
limit cuts it off mid-sentence. Either answer is asked for once more, more strictly; these
functions decide when.
"""

from __future__ import annotations

import re

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
