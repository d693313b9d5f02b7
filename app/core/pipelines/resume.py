"""Finished parts of a long job, kept so a stopped or crashed run can continue.

A summary of a long document and a translation both work part by part. Each finished part is
announced with :class:`PartKept`, whose ``data`` is what a later run needs to skip that part
(a summary part's notes; a translated part's lines). The faces save these with the run record
as they come, so Stop, a failure or a crash keeps them, and a resumed run passes them back as
``done_parts``.

A part is skipped only if the resumed run split the document the same way: each kept part
carries ``key``, a hash of the source text it was made from, and only the leading parts whose
keys match the new split are used. Splitting is deterministic for the same text, model and
context, so with the same settings every kept part is used; with a different context the
parts differ and the run starts again from the first one that changed, never mixing notes of
one split with parts of another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The key of the run record's ``extra`` under which finished parts are saved.
EXTRA_KEY = "done_parts"


@dataclass(frozen=True)
class PartKept:
    """Part ``index`` (1-based) of ``total`` is finished; ``data`` is JSON-able and is what a
    resumed run needs to skip it; ``key`` identifies the part's source text."""

    index: int
    total: int
    key: str
    data: Any

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "total": self.total, "key": self.key, "data": self.data}

    @classmethod
    def from_json(cls, item: Any) -> PartKept | None:
        """A saved part, or None for an entry that is not one (an older or damaged record)."""
        if not isinstance(item, dict):
            return None
        index, total, key = item.get("index"), item.get("total"), item.get("key")
        if not isinstance(index, int) or not isinstance(total, int) or not isinstance(key, str):
            return None
        return cls(index, total, key, item.get("data"))


def part_key(text: str) -> str:
    """A short fingerprint of a part's source text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def usable_parts(done: Sequence[PartKept] | None, keys: Sequence[str]) -> list[PartKept]:
    """The leading kept parts that match this run's split (``keys``, in order)."""
    usable: list[PartKept] = []
    by_index = {part.index: part for part in done or ()}
    for index, key in enumerate(keys, start=1):
        part = by_index.get(index)
        if part is None or part.key != key or part.total != len(keys):
            break
        usable.append(part)
    return usable


def saved_parts(extra: dict[str, Any]) -> list[PartKept]:
    """The finished parts saved in a run record's ``extra``, in order."""
    raw = extra.get(EXTRA_KEY)
    if not isinstance(raw, list):
        return []
    parts = [part for part in map(PartKept.from_json, raw) if part is not None]
    return sorted(parts, key=lambda part: part.index)


def keep_part(extra: dict[str, Any], part: PartKept) -> None:
    """Add ``part`` to a run record's ``extra`` (replacing an entry with its index)."""
    kept = [p for p in saved_parts(extra) if p.index != part.index]
    kept.append(part)
    kept.sort(key=lambda p: p.index)
    extra[EXTRA_KEY] = [p.as_json() for p in kept]


def unfinished(status: str, extra: dict[str, Any]) -> bool:
    """Whether a run can continue: it did not complete and kept at least one finished part
    (all parts kept still leaves a summary's combine step to do)."""
    return status != "complete" and bool(saved_parts(extra))
