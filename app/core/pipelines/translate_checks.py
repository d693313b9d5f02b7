"""Checks on the model's lines after translation: markers, glossary terms, numbers.

A model drops or repeats markers, ignores glossary entries, loses numbers and adds emphasis;
none of that may reach the user silently. These functions repair what can be repaired and
turn the rest into warnings shown with the result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from app.core.pipelines.translate_structure import PLACEHOLDER, Segment, is_cjk, restore
from app.core.prompts.translate import SCAFFOLD_PHRASES

_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d+)*")


def digits(text: str) -> set[str]:
    """The numbers in ``text``, as digits only ("1,820" and "1 820" are both "1820")."""
    return {re.sub(r"\D", "", number) for number in _NUMBER.findall(text)}


def term_pattern(term: str) -> re.Pattern[str]:
    """Whole-word match for alphabetic terms; plain substring for CJK, which has no spaces."""
    escaped = re.escape(term)
    if term and not is_cjk(term[0]) and not is_cjk(term[-1]):
        escaped = rf"(?<!\w){escaped}(?!\w)"
    return re.compile(escaped, re.IGNORECASE)


def repair_markers(segment: Segment, translation: str) -> tuple[str, list[int]]:
    """Keep each of the segment's markers exactly once; append any the model dropped.

    Dropped markers that stand next to each other in the source go back with the source text
    between them, so a link whose both ends were lost comes back as a working link (with its
    text untranslated) rather than an empty one. Returns the text and the missing numbers.
    """
    expected = set(segment.placeholders)
    seen: set[int] = set()

    def keep(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if number in expected and number not in seen:
            seen.add(number)
            return match.group(0)
        return ""  # a marker from another segment, or a repeat

    text = PLACEHOLDER.sub(keep, translation)
    missing = [number for number in segment.placeholders if number not in seen]
    runs: list[list[int]] = []
    for position, number in enumerate(segment.placeholders):
        if number not in missing:
            continue
        if runs and position > 0 and segment.placeholders[position - 1] == runs[-1][-1]:
            runs[-1].append(number)
        else:
            runs.append([number])
    for run in runs:
        start = segment.text.index(f"⟦{run[0]}⟧")
        end = segment.text.index(f"⟦{run[-1]}⟧") + len(f"⟦{run[-1]}⟧")
        text = text.rstrip() + " " + segment.text[start:end]
    return text, missing


def missing_terms(source: str, translation: str, glossary: Mapping[str, str]) -> list[str]:
    """Glossary entries whose source term is in ``source`` but whose translation is absent."""
    return [
        term
        for term, wanted in glossary.items()
        if term_pattern(term).search(source) and not term_pattern(wanted).search(translation)
    ]


def finish_segment(
    segment: Segment,
    translation: str,
    protected: Mapping[int, str],
    glossary: Mapping[str, str] | None = None,
) -> tuple[str, list[str]]:
    """Turn the model's line for ``segment`` into final text; returns it and warnings.

    Markers are repaired and restored, emphasis the source did not have is removed, glossary
    terms left untranslated are replaced, and numbers that went missing are reported.
    """
    warnings: list[str] = []
    text, missing = repair_markers(segment, translation.strip())
    if missing:
        what = ", ".join(protected.get(n, "?") for n in missing)
        warnings.append(note("dropped", segment=segment.index + 1, what=what))
    for marker in ("**", "__"):
        if marker not in segment.source and marker in text:
            text = text.replace(marker, "")
    if glossary:
        for term in missing_terms(segment.source, text, glossary):
            wanted = glossary[term]
            pattern = term_pattern(term)
            if pattern.search(text):
                text = pattern.sub(wanted.replace("\\", "\\\\"), text)
            else:
                warnings.append(
                    note("glossary", segment=segment.index + 1, term=term, wanted=wanted)
                )
    lost = digits(segment.source) - digits(text)
    if lost:
        numbers = ", ".join(sorted(lost))
        warnings.append(note("numbers", segment=segment.index + 1, numbers=numbers))
    return restore(text, protected), warnings


_CJK_TARGETS = ("zh", "ja", "ko")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]{2,}")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def _copied_words(line: str, source_words: list[str]) -> float:
    """Share of the line's words that are words of the source (a copy, or a copy with a word
    dropped or mended, scores near 1; a translation keeps only names, code and numbers)."""
    words = line.split()
    if not words:
        return 0.0
    known = set(source_words)
    return sum(word in known for word in words) / len(words)


def left_untranslated(source: str, line: str, source_code: str, target_code: str) -> bool:
    """Whether the model answered ``line`` in the source's language instead of translating.

    Small models do this (they copy the sentence, or mend its English); the line is then
    translated again. Only clear cases count, so names, numbers and short labels that stay
    the same in any language are never flagged: a line of which at least 80 % of the words are
    the source's, from a source of four words or more (a copy, or a copy mended); a
    line meant to be Chinese, Japanese or Korean without a single character of those scripts
    (from a source without any); or, from such a source into another script, two of its
    characters left standing together. A Latin-script line in a Latin-script target is not
    judged: language detection on one short line is not sure enough to spend a call on.
    """
    if not line.strip() or (source_code and source_code == target_code):
        return False
    source_words = source.split()
    if len(source_words) >= 4 and _copied_words(line, source_words) >= 0.8:
        return True
    if target_code.split("-", maxsplit=1)[0] in _CJK_TARGETS:
        no_cjk = not any(is_cjk(ch) for ch in source) and not any(is_cjk(ch) for ch in line)
        return no_cjk and len(_LETTERS.findall(line)) >= 12
    # Into a language of another script: Chinese words left standing ("Sunday休息").
    return any(is_cjk(ch) for ch in source) and _CJK_RUN.search(line) is not None


def echoes_instructions(source: str, line: str) -> bool:
    """Whether ``line`` repeats the pipeline's own instructions instead of translating
    (a phrase of them that the source itself does not contain)."""
    said, given = " ".join(line.casefold().split()), " ".join(source.casefold().split())
    return any(phrase in said and phrase not in given for phrase in SCAFFOLD_PHRASES)


def split_answer(answer: str, count: int) -> list[str] | None:
    """The model's answer as one line per segment, or None if it does not line up."""
    lines = answer.strip("\n").split("\n")
    if len(lines) == count:
        return lines
    non_empty = [line for line in lines if line.strip()]
    if len(non_empty) == count:
        return non_empty  # a model that put blank lines between its lines
    return None


def same_markers(source: str, translation: str) -> bool:
    return sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translation))


# The notes a translation can end with, in English for the command line and the run record;
# a face reads one back with :func:`read_note` and says it in its own words.
NOTES = {
    "dropped": "Segment {segment}: the model dropped {what}; it was put back at the end.",
    "glossary": "Segment {segment}: the glossary asks for “{term}” → “{wanted}”, but the "
    "translation does not use it.",
    "numbers": "Segment {segment}: the number(s) {numbers} of the source are not in the "
    "translation; check it.",
    "twice": "Segment {segment} may not be translated: the model answered in the source's "
    "language twice. Check it, or try a larger model.",
    "echo": "Segment {segment} was left untranslated: the model repeated its instructions "
    "instead of translating it. Try a larger model.",
    "empty": "Segment {segment} was left untranslated: the model gave no translation for it.",
}


def note(key: str, **fields: object) -> str:
    return NOTES[key].format(**fields)


def _note_pattern(template: str) -> re.Pattern[str]:
    pieces = re.split(r"\{(\w+)\}", template)
    body = "".join(
        re.escape(piece) if n % 2 == 0 else f"(?P<{piece}>.+?)" for n, piece in enumerate(pieces)
    )
    return re.compile(f"^{body}$", re.S)


_NOTE_PATTERNS = {key: _note_pattern(template) for key, template in NOTES.items()}


def read_note(text: str) -> tuple[str, dict[str, str]] | None:
    """Which of :data:`NOTES` ``text`` is, and its fields; None for any other text."""
    for key, pattern in _NOTE_PATTERNS.items():
        found = pattern.match(text)
        if found:
            return key, found.groupdict()
    return None
