"""Token-aware splitting of long text.

A model reads a fixed number of tokens at a time, and how many tokens a text takes depends on
the model's own tokenizer (Chinese may take one token per character, English one per word
piece). So text is never cut by characters: every length here is measured with ``count_fn``,
normally ``Backend.count_tokens`` of the loaded model.

Counting is the expensive part (with the local engine it is a round trip to the engine
process), so each unit is counted once, chunks are packed by adding up those counts with a
small allowance per join (tokenizers may merge or split differently at a boundary), and only
the finished chunk is counted once more to verify it. Total counting work stays linear in the
length of the text.

Cuts happen at the most natural boundary that works: blank lines (paragraphs), then single
line breaks, then sentence ends (including the Chinese and Japanese 。！？), then spaces, and
only as a last resort between two characters. Separators stay attached to the piece before
them, so ``"".join(parts) == text`` always holds: nothing is lost, nothing is duplicated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

CountFn = Callable[[str], int]

# Tokens allowed for each join when chunk sizes are estimated by adding up unit counts.
JOIN_ALLOWANCE = 1
# Share of the budget kept free while packing, so verification rarely has to re-split.
PACKING_MARGIN = 0.03

_PARAGRAPH_END = re.compile(r"\n[^\S\n]*\n\s*")
_LINE_END = re.compile(r"\n\s*")
# A sentence ends at . ! ? … (optionally followed by closing quotes or brackets) and white
# space, or at a full-width end mark, which needs no space after it.
_SENTENCE_END = re.compile(
    r"(?:[.!?…]+[\"'”’»)\]]*\s+)"
    r"|(?:[。！？；]+[」』”’）)\]]*\s*)"
)


class BudgetError(ValueError):
    """The model's context leaves no room for text; the message is written for the user."""


@dataclass(frozen=True)
class SplitPlan:
    """How a text will be read: its size, how much fits at once, and the parts."""

    total_tokens: int
    budget: int
    parts: tuple[str, ...]

    @property
    def part_count(self) -> int:
        """The number of parts (1 when the whole text fits)."""
        return len(self.parts)

    def describe(self) -> str:
        """The sentence the GUI and CLI show before a long job starts."""
        noun = "part" if self.part_count == 1 else "parts"
        return (
            f"{self.total_tokens:,} tokens — the model reads {self.budget:,} at a time — "
            f"{self.part_count} {noun}"
        )


def _split_keep(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Cut after every match of ``pattern``; the match stays with the piece before it."""
    pieces: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        end = match.end()
        if end <= start or end >= len(text):
            continue
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs with their trailing blank lines attached."""
    return _split_keep(text, _PARAGRAPH_END)


def split_lines(text: str) -> list[str]:
    """Lines with their line breaks attached."""
    return _split_keep(text, _LINE_END)


def split_sentences(text: str) -> list[str]:
    """Sentences with their trailing spaces attached, for Latin and CJK punctuation alike."""
    return _split_keep(text, _SENTENCE_END)


_LEVELS: tuple[Callable[[str], list[str]], ...] = (
    split_paragraphs,
    split_lines,
    split_sentences,
)


def _safe_cut(text: str, cut: int) -> int:
    """Move a character cut backwards off a combining mark, so no accent loses its letter."""
    while 0 < cut < len(text) and unicodedata.combining(text[cut]):
        cut -= 1
    return cut


def _hard_split(text: str, count_fn: CountFn, budget: int, total: int) -> list[str]:
    """Split text that has no usable sentence boundary: at spaces if any, else between characters.

    Each piece is guessed from the running characters-per-token ratio, counted once, and shrunk
    in proportion when it is over; the rest of the text is never re-counted, which keeps the
    work linear even for one paragraph of megabytes.
    """
    pieces: list[str] = []
    rest = text
    rest_tokens: int | None = total
    chars_per_token = max(len(text) / max(total, 1), 0.05)
    while rest:
        if rest_tokens is not None and rest_tokens <= budget:
            pieces.append(rest)
            break
        guess = max(1, int(budget * chars_per_token * (1 - PACKING_MARGIN)))
        if guess >= len(rest):
            tokens = count_fn(rest)
            if tokens <= budget:
                pieces.append(rest)
                break
            guess = max(1, int(len(rest) * budget / tokens * (1 - PACKING_MARGIN)))
        while True:
            cut = _snap_to_space(rest, guess)
            piece = rest[:cut]
            tokens = count_fn(piece)
            if tokens <= budget:
                break
            if cut <= 1:
                raise BudgetError(
                    f"A single character takes {tokens} tokens, more than the {budget} the "
                    "model can read at a time."
                )
            guess = max(1, min(cut - 1, int(cut * budget / tokens * (1 - PACKING_MARGIN))))
        if tokens > 0:
            chars_per_token = max(len(piece) / tokens, 0.05)
        pieces.append(piece)
        rest = rest[cut:]
        rest_tokens = None
    return pieces


def _snap_to_space(text: str, cut: int) -> int:
    """Prefer cutting just after white space, unless that would waste more than half the piece."""
    cut = min(cut, len(text))
    if cut >= len(text):
        return len(text)
    window = text[:cut]
    space = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
    if space >= cut // 2:
        return space + 1
    return max(1, _safe_cut(text, cut))


def _pack(
    units: list[str],
    counts: list[int],
    count_fn: CountFn,
    budget: int,
    level: int,
) -> list[str]:
    """Fill chunks with whole units; a unit that alone exceeds the budget goes one level down."""
    target = max(1, int(budget * (1 - PACKING_MARGIN)))
    chunks: list[str] = []
    current: list[str] = []
    current_tokens = 0

    def flush() -> None:
        nonlocal current, current_tokens
        if current:
            chunks.extend(_verify("".join(current), current, count_fn, budget, level))
        current = []
        current_tokens = 0

    for unit, tokens in zip(units, counts, strict=True):
        if tokens > budget:
            flush()
            chunks.extend(_split_unit(unit, count_fn, budget, level + 1, tokens))
            continue
        if current and current_tokens + tokens + JOIN_ALLOWANCE > target:
            flush()
        current.append(unit)
        current_tokens += tokens + JOIN_ALLOWANCE
    flush()
    return chunks


def _verify(chunk: str, units: list[str], count_fn: CountFn, budget: int, level: int) -> list[str]:
    """Count a packed chunk for real; if the estimate was wrong, split its units in two."""
    if len(units) == 1:
        return [chunk]  # a single unit was counted on its own already
    if count_fn(chunk) <= budget:
        return [chunk]
    middle = len(units) // 2
    left, right = units[:middle], units[middle:]
    return _verify("".join(left), left, count_fn, budget, level) + _verify(
        "".join(right), right, count_fn, budget, level
    )


def _split_unit(text: str, count_fn: CountFn, budget: int, level: int, tokens: int) -> list[str]:
    """Split one over-budget piece at the finest natural boundary that actually divides it."""
    while level < len(_LEVELS):
        units = _LEVELS[level](text)
        if len(units) > 1:
            counts = [count_fn(unit) for unit in units]
            return _pack(units, counts, count_fn, budget, level)
        level += 1
    # No sentence boundary left: cut near the budget, at a space when there is one. Counting
    # every word here would cost one tokenizer call per word of a possibly huge paragraph.
    return _hard_split(text, count_fn, budget, tokens)


def split_text(text: str, count_fn: CountFn, budget: int) -> list[str]:
    """Split ``text`` into parts of at most ``budget`` tokens each.

    Guarantees: every part has at most ``budget`` tokens by ``count_fn``; ``"".join(parts)``
    equals ``text`` exactly; no part is empty. An empty text gives no parts.
    """
    if budget < 1:
        raise BudgetError(f"The token budget must be at least 1 (got {budget}).")
    if not text:
        return []
    units = split_paragraphs(text)
    counts = [count_fn(unit) for unit in units]
    if len(units) == 1:
        if counts[0] <= budget:
            return [text]
        return _split_unit(text, count_fn, budget, 1, counts[0])
    return _pack(units, counts, count_fn, budget, 0)


def plan(
    text: str,
    count_fn: CountFn,
    context_length: int,
    template_overhead: int,
    answer_room: int,
) -> SplitPlan:
    """Decide how a text is read: budget = context - prompt template - room for the answer.

    ``template_overhead`` is what the prompt takes without the text (measure it with
    ``Backend.count_chat_tokens`` on the messages built around an empty text).
    """
    budget = context_length - template_overhead - answer_room
    if budget < 16:
        raise BudgetError(
            f"The model's context of {context_length:,} tokens leaves no room for the text "
            f"after the instructions ({template_overhead:,} tokens) and the answer "
            f"({answer_room:,} tokens). Load the model with a larger context length."
        )
    total = count_fn(text) if text else 0
    if total <= budget:
        return SplitPlan(total_tokens=total, budget=budget, parts=(text,) if text else ())
    return SplitPlan(
        total_tokens=total, budget=budget, parts=tuple(split_text(text, count_fn, budget))
    )
