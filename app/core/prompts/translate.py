"""Prompts for translating a document part by part.

The pipeline, not the model, keeps the document's structure: it sends only the text of
headings, paragraphs, list items and table cells, one per line, and puts the translations back
into the Markdown it took them from. Code, URLs and link targets never reach the model; they
are replaced by markers such as ``⟦3⟧`` that the model is told to copy. A grammar makes the
model answer with exactly as many lines as it was given, so every translation lands in its
place even with a model that would otherwise add a preamble or merge two lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.core.backend import ChatMessage
from app.core.langs import Language
from app.core.prompts import defuse

TONES = ("formal", "informal")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)\S")

_MARKER_RULE = (
    "Markers like ⟦1⟧ stand for code, links and other text that must not change: copy each "
    "marker exactly, once, into the matching line."
)

# Phrases of the instructions above that no translation contains: a small model sometimes
# answers with its instructions ("The text has 1 line. Reply with the translation only: …").
SCAFFOLD_PHRASES = (
    "you are a professional translator",
    "reply with the translation only",
    "one for each line of the text",
    "do not add notes, explanations",
    "markers like ⟦1⟧ stand for",
    "keep markdown emphasis",
    "for context, the text just before",
    "already translated (do not repeat it)",
    "(do not translate or repeat it)",
)


def tone_instruction(target: Language, tone: str | None) -> str:
    """The register to use; languages with formal and informal 'you' get the exact form."""
    if tone is None:
        return ""
    if tone not in TONES:
        from app.core.extract import InputError

        raise InputError(f"Unknown tone “{tone}”. Choose formal or informal.")
    how = target.formal if tone == "formal" else target.informal
    register = "a formal, polite register" if tone == "formal" else "a friendly, informal register"
    return f"Use {register}" + (f": {how}." if how else ".")


def glossary_instruction(glossary: Mapping[str, str] | None) -> str:
    """Fixed translations the user chose (names, product terms)."""
    if not glossary:
        return ""
    entries = "\n".join(
        f"- {defuse(source)} → {defuse(target)}" for source, target in glossary.items()
    )
    return f"Always translate these terms exactly as given:\n{entries}"


def translate_messages(
    lines: Sequence[str],
    *,
    target: Language,
    source: Language | None = None,
    glossary: Mapping[str, str] | None = None,
    tone: str | None = None,
    context: Sequence[tuple[str, str]] = (),
) -> list[ChatMessage]:
    """Ask for a line-by-line translation of ``lines``.

    ``context`` holds (source, translation) pairs of the text just before, so a part starts
    with the terms and register the previous part used; pairs without translations (the
    part before is translated at the same time) give its source alone.
    """
    source_clause = f"from {source.name} " if source else ""
    count = len(lines)
    rules = [
        f"You are a professional translator. Translate the user's text {source_clause}"
        f"into {target.name}.",
        f"The text has {count} line{'s' if count != 1 else ''}. Reply with the translation "
        f"only: exactly {count} line{'s' if count != 1 else ''}, one for each line of the text, "
        "in the same order. Do not add notes, explanations, quotes or a preamble.",
    ]
    # Rules only where the text needs them: every rule more is one more thing a small model
    # can get wrong (on lines without markers, the marker rule cost chrF on Debian's set).
    if any("⟦" in line for line in lines):
        rules.append(_MARKER_RULE)
    if any(_EMPHASIS.search(line) for line in lines):
        rules.append("Keep Markdown emphasis such as **bold** and *italic* around the same words.")
    for extra in (tone_instruction(target, tone), glossary_instruction(glossary)):
        if extra:
            rules.append(extra)
    user_parts: list[str] = []
    if context and all(dst for _src, dst in context):
        before = "\n".join(f"{defuse(src)}\n→ {defuse(dst)}" for src, dst in context)
        user_parts.append(
            f"For context, the text just before, already translated (do not repeat it):\n{before}"
        )
    elif context:  # the text before is being translated at the same time: its source only
        before = "\n".join(defuse(src) for src, _dst in context)
        user_parts.append(
            f"For context, the text just before (do not translate or repeat it):\n{before}"
        )
    # The target named right before the text: a small model asked "Translate these lines"
    # with the language only in the system message copies more lines untranslated.
    lines_word = f"these {count} lines" if count != 1 else "this line"
    user_parts.append(
        f"Translate {lines_word} into {target.name}:\n" + "\n".join(defuse(line) for line in lines)
    )
    return [
        ChatMessage(role="system", content="\n".join(rules)),
        ChatMessage(role="user", content="\n\n".join(user_parts)),
    ]


def retry_messages(
    line: str,
    *,
    target: Language,
    source: Language | None = None,
    glossary: Mapping[str, str] | None = None,
    tone: str | None = None,
) -> list[ChatMessage]:
    """Ask again for one line that came back wrong, in the plainest words.

    A small model that copied a line or answered with its instructions under the full prompt
    does the same when asked the same way again; asked as a person would ask ("Translate into
    German: …") it usually translates. Tone and glossary still apply; markers are still
    explained, as the line may hold some.
    """
    rules: list[str] = []
    if "⟦" in line:
        rules.append(_MARKER_RULE)
    for extra in (tone_instruction(target, tone), glossary_instruction(glossary)):
        if extra:
            rules.append(extra)
    ask = ChatMessage(role="user", content=f"Translate into {target.name}: {defuse(line)}")
    if not rules:
        # Nothing else to say: the request alone, as a person types it. A system message
        # ("Translate from English into German. Answer with the translation alone.") had
        # the model copy "Exit status is 0 if inputs are the same…" a second time.
        return [ask]
    source_clause = f" from {source.name}" if source else ""
    first = f"Translate{source_clause} into {target.name}. Answer with the translation alone."
    rules.insert(0, first)
    return [ChatMessage(role="system", content="\n".join(rules)), ask]


def lines_grammar(count: int) -> str:
    """GBNF for exactly ``count`` non-empty lines, so the answer always maps back line by line."""
    if count < 1:
        raise ValueError("a translation request needs at least one line")
    body = ' "\\n" '.join(["line"] * count)
    return f"root ::= {body}\nline ::= [^\\n]+\n"
