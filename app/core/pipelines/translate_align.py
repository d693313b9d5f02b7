"""Lining a translated part up with its source when the model merged or split lines.

A part is sent as N lines and should come back as N. A small model often merges two lines
into one, or runs a whole run of paragraphs together; the answer then has fewer lines and,
before this module, every line of the part was sent again on its own (Qwen2.5-Coder-0.5B on
``bench/quality.py``'s document: 18 lines for 19, and 19 calls more). Most of such an answer
still lines up: the lines before and after a merge are good translations of their sources.

:func:`align_lines` finds them the way sentence aligners for parallel text have since Gale
and Church (1993): a dynamic programme over the two sequences of lengths, where each step
pairs one source line with one answer line, or several sources with one answer line (a
merge), one source with two answer lines (a split), or leaves a line unpaired, and the cost
of a pair is how far its length ratio is from the part's. Lengths are token counts, which
vary far less between English and Chinese than characters do. The expected ratio is first
taken as 1 and then re-estimated from the pairs the first pass found.

Only a one-to-one pair (or a split, joined again) whose ratio is plausible is kept; the
sources of a merge, and any line that could not be paired, are sent again one at a time.
Only answers with fewer lines than asked are lined up (see :func:`place_answer`). A kept line
is still checked like any other (markers, untranslated, echo). Asking for a run of unplaced
lines again together was tried, and dropped: on the benchmark's document the model ran the
25 lines it had looped before into one line again, one call more for nothing (as halves of a
part had done before).

The same answer sometimes never reaches the later lines at all: greedy decoding caught in a
loop wrote one sentence over and over until the token limit (two minutes of the benchmark's
122 s). :func:`repeated_tail` spots the loop as it is written, so the call is ended there.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Literal

from app.core.pipelines.translate_checks import digits
from app.core.pipelines.translate_structure import PLACEHOLDER

# Penalties of each kind of step, as negative log odds: a one-to-one pair is the rule; a
# merge or a split happens; an answer line that pairs with nothing (a preamble) or a source
# with no answer is rare. A long merge costs a little more per line, so it is not preferred
# to pairs that fit.
ONE_TO_ONE = 0.0
MERGE = 2.5
MERGE_EACH_MORE = 0.5
SPLIT = 2.5
UNPAIRED = 4.5
# A source after the answer's last line: the answer stopped early (a loop cut off, the token
# limit), which is one event however many lines it left out.
AFTER_THE_END = 0.3
# Spread of log(answer length / source length) around the part's ratio.
SIGMA = 0.5
# A pair kept only if its ratio is within this factor of the part's ratio either way.
PLAUSIBLE = 2.2

Why = Literal["merged", "missing"]


@dataclass(frozen=True)
class Aligned:
    """One source line's place in the answer: its translation, or why there is none."""

    text: str | None
    why: Why | None = None


def _cost(source: float, answer: float, ratio: float) -> float:
    off = math.log((answer + 1) / (ratio * source + 1))
    return off * off / (2 * SIGMA * SIGMA)


def _plausible(source: float, answer: float, ratio: float) -> bool:
    return abs(math.log((answer + 1) / (ratio * source + 1))) <= math.log(PLAUSIBLE)


def _steps(
    sources: Sequence[float], answers: Sequence[float], ratio: float, end: float
) -> list[tuple[str, int, int]]:
    """The cheapest alignment as steps (kind, sources taken, answer lines taken), in order;
    ``end`` is the cost of a source left after the answer's last line."""
    n, m = len(sources), len(answers)
    before = [0.0]
    for size in sources:
        before.append(before[-1] + size)
    inf = math.inf
    best = [[inf] * (m + 1) for _ in range(n + 1)]
    step: list[list[tuple[str, int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = best[i][j]
            if here == inf:
                continue
            options: list[tuple[float, tuple[str, int, int]]] = []
            if i < n:
                left_out = UNPAIRED if j < m else end
                options.append((here + left_out, ("missing", 1, 0)))
            if j < m:
                options.append((here + UNPAIRED, ("extra", 0, 1)))
            if i < n and j < m:
                options.append(
                    (here + ONE_TO_ONE + _cost(sources[i], answers[j], ratio), ("pair", 1, 1))
                )
                for k in range(2, n - i + 1):
                    merged = before[i + k] - before[i]
                    penalty = MERGE + MERGE_EACH_MORE * (k - 2)
                    options.append(
                        (here + penalty + _cost(merged, answers[j], ratio), ("merged", k, 1))
                    )
            if i < n and j + 1 < m:
                joined = answers[j] + answers[j + 1]
                options.append((here + SPLIT + _cost(sources[i], joined, ratio), ("split", 1, 2)))
            for cost, move in options:
                ni, nj = i + move[1], j + move[2]
                if cost < best[ni][nj]:
                    best[ni][nj] = cost
                    step[ni][nj] = move
    moves: list[tuple[str, int, int]] = []
    i, j = n, m
    while i or j:
        taken = step[i][j]
        assert taken is not None
        moves.append(taken)
        i, j = i - taken[1], j - taken[2]
    moves.reverse()
    return moves


def _place(  # noqa: PLR0917 - the alignment's inputs, passed on as they come
    sources: Sequence[float],
    lines: Sequence[str],
    answers: Sequence[float],
    ratio: float,
    joiner: str,
    end: float,
) -> tuple[list[Aligned], list[float]]:
    placed: list[Aligned] = []
    ratios: list[float] = []
    i = j = 0
    for kind, took, gave in _steps(sources, answers, ratio, end):
        if kind in {"pair", "split"}:
            size = sum(answers[j : j + gave])
            if lines[j].strip() and _plausible(sources[i], size, ratio):
                placed.append(Aligned(joiner.join(line.strip() for line in lines[j : j + gave])))
                ratios.append((size + 1) / (sources[i] + 1))
            else:
                placed.append(Aligned(None, "missing"))
        elif kind == "merged":
            placed.extend(Aligned(None, "merged") for _ in range(took))
        elif kind == "missing":
            placed.append(Aligned(None, "missing"))
        i, j = i + took, j + gave
    return placed, ratios


def align_lines(
    sources: Sequence[float],
    lines: Sequence[str],
    answers: Sequence[float],
    joiner: str = " ",
    *,
    cut_off: bool = False,
) -> list[Aligned]:
    """Each source line's translation among ``lines`` (the answer's lines, of sizes
    ``answers``), or None with the reason, for an answer that does not have one line per
    source. ``joiner`` joins the two halves of a line the model split. ``cut_off`` makes
    sources left after the answer's end cheap: an answer that stopped early did not merge
    them, it never got to them (one that ended of itself is more likely to have merged)."""
    if len(lines) != len(answers):
        raise ValueError("one size per answer line")
    if not sources:
        return []
    end = AFTER_THE_END if cut_off else UNPAIRED
    placed, ratios = _place(sources, lines, answers, 1.0, joiner, end)
    if len(ratios) >= 3:
        placed, _ = _place(sources, lines, answers, median(ratios), joiner, end)
    return placed


def place_answer(
    answer: str,
    sources: Sequence[str],
    sizes: Sequence[int],
    count: Callable[[str], int],
    joiner: str,
    *,
    cut_off: bool = False,
) -> tuple[list[str | None], dict[int, str]]:
    """An answer that does not have one line per source, lined up with the ``sources`` (of
    ``sizes`` tokens; ``count`` measures the answer's lines): each source's line or None, and
    why each None. ``cut_off``: the answer was ended early (a loop, the token limit), so its
    last sources may simply not have been reached, and the line it stopped in is unfinished.

    Lengths alone place lines wrongly often enough to matter (on the benchmark's document,
    five of some thirty lines landed one place off), and a line in the wrong place reads as
    a fluent translation of the wrong paragraph: worse than a slow one. So a run of lines
    paired in a row is kept only on evidence (see :func:`_evidence`): at least one of its
    lines carries its source's anchors (numbers, code names, words left in Latin letters in a
    translation into another script) and none carries anchors its source does not have. A
    shift lasts from one merge to the next, so one line out of place condemns its run."""
    lines = [line for line in answer.strip("\n").split("\n") if line.strip()]
    if cut_off:
        lines = lines[:-1]  # the line the answer stopped in is unfinished, or a loop's
    if len(sizes) == 1 or len(lines) >= len(sizes):
        # More lines than asked for is a preamble or a note as often as a split line, and a
        # short preamble pairs with a short first line as well as its translation does: not
        # worth the risk of a line in the wrong place. Every line is sent again.
        return [None] * len(sizes), {}
    aligned = align_lines(sizes, lines, [count(line) for line in lines], joiner, cut_off=cut_off)
    placed: list[str | None] = [place.text for place in aligned]
    why: dict[int, str] = {n: place.why for n, place in enumerate(aligned) if place.why}
    position = 0
    while position < len(placed):
        if placed[position] is None:
            position += 1
            continue
        end = position
        while end < len(placed) and placed[end] is not None:
            end += 1
        verdicts = [_evidence(sources[n], placed[n] or "") for n in range(position, end)]
        if False in verdicts or True not in verdicts:
            for n in range(position, end):
                placed[n] = None
                why[n] = "missing"
        position = end
    return placed, why


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]+")
# A code name in a translation into a Latin script: snake_case, a digit, a call.
_CODE_NAME = re.compile(r"[A-Za-z_]\w*(?:_\w*|\d\w*|\(\))")


def _fixed(text: str) -> set[str]:
    """What every translation of ``text`` carries: its numbers and its markers."""
    return digits(text) | {f"⟦{n}⟧" for n in PLACEHOLDER.findall(text)}


def _other_script(text: str) -> bool:
    """Whether ``text`` has letters of a script other than Latin (Chinese, Cyrillic…)."""
    return any(ch.isalpha() and not ch.isascii() and not _latin(ch) for ch in text)


def _latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN")


def _anchors(text: str, *, latin_words: bool) -> set[str]:
    found = _fixed(text)
    plain = PLACEHOLDER.sub(" ", text)
    found |= {name.lower() for name in _CODE_NAME.findall(plain)}
    if latin_words:
        found |= {word.lower() for word in _WORD.findall(plain)}
    return found


def _evidence(source: str, line: str) -> bool | None:
    """Whether ``line`` is the translation of ``source`` by its anchors: True (it has some,
    all from the source), False (it has one the source has not, or lacks a number or
    marker the source has), None (nothing to tell by)."""
    # In a translation into another script, every word left in Latin letters is one.
    theirs = _anchors(line, latin_words=_other_script(line))
    ours = _anchors(source, latin_words=True)
    if not theirs <= ours or not _fixed(source) <= theirs:
        return False
    return True if theirs else None


_SENTENCE_END = frozenset(".!?。！？")
# A block of 12 to 400 characters, no line break, three times in a row.
_REPEATS = re.compile(r"([^\n]{12,400}?)\1\1")


def repeats(text: str) -> bool:
    """Whether ``text`` has a run :func:`repeated_tail` would take for a loop. A source that
    has one (a table of dashes, "text text text…") may well be translated with one, so its
    translation is not watched for loops."""
    return any(any(ch.isalpha() for ch in found.group(1)) for found in _REPEATS.finditer(text))


def repeated_tail(text: str, *, shortest: int = 12, longest: int = 400, times: int = 3) -> int:
    """How many characters at the end of ``text`` repeat what comes just before them (a model
    caught in a loop writes the same sentence over and over); 0 when the end does not repeat.

    The end counts as a loop when a block of ``shortest`` to ``longest`` characters, with
    letters in it and no line break, occurs ``times`` times in a row there. Everything after
    its first occurrence is the repeat. A block with a line break is never a loop here: a
    document may well have the same line three times, and extra lines show in the count."""
    size = len(text)
    for period in range(shortest, min(longest, size // times) + 1):
        block = text[size - period :]
        if "\n" in block or not any(ch.isalpha() for ch in block):
            continue
        if all(text[size - (n + 1) * period : size - n * period] == block for n in range(1, times)):
            # Walk back to where the repetition began: everything after its first full
            # period is the repeat.
            start = size - times * period
            while start > 0 and text[start - 1] == text[start - 1 + period]:
                start -= 1
            # The first copy is kept, to the end of a sentence where one ends within it.
            cut = start + period
            ends = [n + 1 for n in range(cut - 1, cut + period - 1) if text[n] in _SENTENCE_END]
            return size - (ends[0] if ends else cut)
    return 0
