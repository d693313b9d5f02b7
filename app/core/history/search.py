"""Turning what the user types into a safe full-text query, and results into snippets.

User text never reaches FTS5's query syntax: every term is wrapped in double quotes (inner
quotes doubled), so ``AND``, ``NEAR(``, ``*``, ``-`` or an unbalanced quote are just text.
Terms are substrings (the index uses the trigram tokenizer) and all must match. FTS5 cannot
match a substring shorter than three characters through a trigram index, so shorter terms
(a two-character Chinese word, say) are checked with ``LIKE`` instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.history.records import HIT_END, HIT_START

MIN_INDEXED_CHARS = 3
MAX_TERMS = 16
MAX_TERM_CHARS = 200
SNIPPET_CHARS = 160

_TERM = re.compile(r'"([^"]*)"|(\S+)')
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ParsedQuery:
    """``match`` is an FTS5 expression ("" if no term is long enough for the index);
    ``like`` holds LIKE patterns for the short terms; ``terms`` feeds the snippet marker."""

    terms: tuple[str, ...]
    match: str
    like: tuple[str, ...]


def _clean(query: str) -> str:
    # Control characters (NUL, the snippet markers) can neither be typed nor found usefully.
    return "".join(ch if ch.isprintable() else " " for ch in query)


def parse_query(query: str) -> ParsedQuery:
    """Split on spaces, keeping "quoted phrases" together; drop duplicates and empty terms."""
    terms: list[str] = []
    seen: set[str] = set()
    for m in _TERM.finditer(_clean(query)):
        term = m.group(1) if m.group(1) is not None else m.group(2).strip('"')
        term = _SPACES.sub(" ", term).strip()[:MAX_TERM_CHARS]
        if not term or term.casefold() in seen:
            continue
        seen.add(term.casefold())
        terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    indexed = [t for t in terms if len(t) >= MIN_INDEXED_CHARS]
    short = [t for t in terms if len(t) < MIN_INDEXED_CHARS]
    match = " AND ".join('"' + t.replace('"', '""') + '"' for t in indexed)
    like = tuple("%" + _escape_like(t) + "%" for t in short)
    return ParsedQuery(terms=tuple(terms), match=match, like=like)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def make_snippet(text: str, terms: tuple[str, ...], width: int = SNIPPET_CHARS) -> str:
    """A one-line excerpt around the first hit, each hit wrapped in \\x02 ... \\x03.

    Done here rather than with FTS5's ``snippet()``: with the trigram tokenizer that counts
    characters, not words, and the LIKE path for short terms has no ``snippet()`` at all.
    """
    text = text.replace(HIT_START, "").replace(HIT_END, "")
    if not terms:
        return _SPACES.sub(" ", text[:width]).strip()
    pattern = re.compile(
        "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE
    )
    first = pattern.search(text)
    start = 0
    if first is not None and first.start() > width // 3:
        start = first.start() - width // 3
        # Start at a word boundary when there is one close by.
        space = text.rfind(" ", start - 20, start)
        if space != -1:
            start = space + 1
    end = min(len(text), start + width)
    if first is not None and first.end() > end:
        end = first.end()
    window = _SPACES.sub(" ", text[start:end]).strip()
    marked = pattern.sub(lambda m: HIT_START + m.group(0) + HIT_END, window)
    return ("…" if start > 0 else "") + marked + ("…" if end < len(text) else "")
