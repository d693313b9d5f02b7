"""What the translation pipeline says about its parts and its outcome: lines sent again,
parts resumed, and the result.

Kept apart from :mod:`.translate` so that module stays about translating. A retried line is
announced with :class:`LineRetry` (the pane and the terminal say which line and why, the run
record lists each), and a part finished by an earlier run is taken back by
:func:`replay_part` instead of being translated again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from app.core.pipelines import Notice

Status = Literal["complete", "cancelled", "error"]


@dataclass(frozen=True)
class TranslationResult:
    """The outcome of a translation job; always the last event of :func:`translate_document`."""

    status: Status
    text: str  # the translated document (its translated beginning if stopped)
    source_language: str  # code, "" if unknown
    target_language: str
    parts: int
    segments: int
    model_calls: int
    retries: int  # segments translated again one at a time
    warnings: tuple[str, ...]
    prompt_tokens: int
    generated_tokens: int
    model_seconds: float
    wall_seconds: float
    error: str = ""
    # Each line sent again: {"part", "line", "segment", "reason"} (see LineRetry).
    retry_log: tuple[dict[str, Any], ...] = ()
    resumed_parts: int = 0  # parts an earlier run had translated, taken from ``done_parts``


# Why a line is sent again, in English for the command line and the log; a face says it in
# its own words from the key.
RETRY_REASONS = {
    "missing": "came back empty or missing",
    "merged": "ran together with another line",
    "markers": "lost some of its protected text (code, links)",
    "untranslated": "came back untranslated",
    "echo": "came back as the instructions instead of a translation",
    "glossary": "ignored glossary terms",
}


@dataclass(frozen=True)
class LineRetry(Notice):
    """Line ``line`` (1-based; 0: the whole segment) of part ``part`` is sent again, alone.

    ``reason`` is a key of :data:`RETRY_REASONS`; ``message`` says it all in English.
    """

    part: int = 0
    line: int = 0
    segment: int = 0
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "line": self.line,
            "segment": self.segment,
            "reason": self.reason,
        }


def line_retry(part: int, line: int, segment: int, reason: str) -> LineRetry:
    """The notice for one line sent again."""
    where = f"line {line}" if line else f"segment {segment}"
    return LineRetry(
        f"part {part}: {where} {RETRY_REASONS[reason]}, trying again",
        part=part,
        line=line,
        segment=segment,
        reason=reason,
    )


class Unit(Protocol):
    """What replaying needs of a unit (translate's ``_Unit``)."""

    @property
    def segment(self) -> int: ...
    @property
    def joiner(self) -> str: ...
    @property
    def last(self) -> bool: ...


@dataclass
class Replayed:
    """A part taken from an earlier run: its lines and what it finished."""

    lines: list[str]
    finished: list[tuple[int, str]]  # (segment index, its translation)
    warnings: list[str]
    retries: list[dict[str, Any]]


def replay_part(part: Sequence[Unit], data: Any, pending: dict[int, list[str]]) -> Replayed | None:
    """Take a part an earlier run finished (its saved ``data``) as if translated now, adding
    its unfinished pieces to ``pending``; None, changing nothing, when the data does not fit."""
    if not isinstance(data, dict):
        return None
    lines, texts = data.get("lines"), data.get("texts")
    ends = sum(1 for unit in part if unit.last)
    if (
        not isinstance(lines, list)
        or not isinstance(texts, list)
        or len(lines) != len(part)
        or len(texts) != ends
        or not all(isinstance(item, str) for item in (*lines, *texts))
    ):
        return None
    finished: list[tuple[int, str]] = []
    remaining = iter(texts)
    for unit, line in zip(part, lines, strict=True):
        pending.setdefault(unit.segment, []).append(line.strip() + unit.joiner)
        if unit.last:
            pending.pop(unit.segment)
            finished.append((unit.segment, next(remaining)))
    return Replayed(
        lines=list(lines),
        finished=finished,
        warnings=[str(w) for w in data.get("warnings") or ()],
        retries=[r for r in data.get("retries") or () if isinstance(r, dict)],
    )


def part_data(
    lines: Sequence[str],
    texts: Sequence[str],
    warnings: Sequence[str],
    retries: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """What is saved of a finished part (read back by :func:`replay_part`)."""
    return {
        "lines": list(lines),
        "texts": list(texts),
        "warnings": list(warnings),
        "retries": list(retries),
    }
