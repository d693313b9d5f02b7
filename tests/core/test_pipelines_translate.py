"""Translation: structure parsing and reassembly (pure), and the pipeline with a fake backend."""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Sequence

import pytest
from fake_backend import Call, FakeBackend

from app.core.backend import Progress, Token
from app.core.extract import InputError
from app.core.pipelines import PartDone, request_stop
from app.core.pipelines.translate import (
    PLACEHOLDER,
    Segment,
    TranslationResult,
    finish_segment,
    parse_document,
    reassemble,
    restore,
    split_answer,
    translate_document,
)
from app.core.pipelines.translate_structure import StreamRestorer

DOC = """# Getting started

Parley runs **local** models. See [the guide](https://example.com/guide?x=1) or
<https://example.org> for more, and mail help@example.com.

## Install

1. Download the app.
2. Run `parley --setup` once.
   - [ ] Check the box

```bash
pip install parley  # never translated
echo "Hello"
```

> Quoted advice: keep it simple.

| Name | Value |
| --- | --- |
| Speed | 150 tokens/s |

Visit www.example.net today. Use ⟦literal⟧ brackets too.
"""


def shout(text: str) -> str:
    """A fake translator: upper-cases words, leaves markers alone."""
    return PLACEHOLDER.sub(lambda m: m.group(0), text.upper())


def fake_translate(document_text: str) -> str:
    document = parse_document(document_text)
    texts = [
        finish_segment(segment, shout(segment.text), document.protected)[0]
        for segment in document.segments
    ]
    return reassemble(document, texts)


def structure(text: str) -> dict[str, object]:
    """What must survive a translation: the Markdown skeleton, code, links and numbers."""
    fence = re.compile(r"```.*?```", re.S)
    return {
        "paragraphs": len([block for block in re.split(r"\n[ \t]*\n", text) if block.strip()]),
        "blank_lines": len(re.findall(r"\n[ \t]*\n", text)),
        "headings": re.findall(r"^#+ ", text, re.M),
        "items": re.findall(r"^[ \t]*(?:[-*+]|\d+\.)[ \t]", text, re.M),
        "code": fence.findall(text),
        "urls": re.findall(r"https?://[^\s)>]+", text),
        "quotes": len(re.findall(r"^>", text, re.M)),
        "table_pipes": [line.count("|") for line in text.splitlines() if line.startswith("|")],
        "inline_code": re.findall(r"`[^`\n]+`", fence.sub("", text)),
        "numbers": re.findall(r"\d+", fence.sub("", text)),
    }


# --- pure structure handling ------------------------------------------------------------


def test_untranslated_reassembly_is_exact() -> None:
    document = parse_document(DOC, reflow=False)
    texts = [restore(segment.text, document.protected) for segment in document.segments]
    assert reassemble(document, texts) == DOC
    assert [s.source for s in document.segments] == texts


def test_code_and_urls_never_reach_the_model() -> None:
    document = parse_document(DOC)
    sent = "\n".join(segment.text for segment in document.segments)
    for secret in (
        "pip install",
        "echo",
        "https://example.com",
        "https://example.org",
        "help@example.com",
        "--setup",
        "www.example.net",
        "⟦literal⟧",
    ):
        assert secret not in sent, secret
    # Link text is translated, its target is not.
    link = next(s for s in document.segments if "the guide" in s.text)
    assert re.search(r"⟦\d+⟧the guide⟦\d+⟧", link.text)


def test_segments_are_the_translatable_runs() -> None:
    document = parse_document(DOC)
    sources = [segment.source for segment in document.segments]
    assert sources[:2] == ["Getting started", sources[1]]
    assert sources[1].startswith("Parley runs **local** models.")
    assert "Install" in sources
    assert "Download the app." in sources
    assert "Check the box" in sources
    assert "Quoted advice: keep it simple." in sources
    assert {"Name", "Value", "Speed", "150 tokens/s"} <= set(sources)


def test_fake_translation_keeps_the_structure() -> None:
    translated = fake_translate(DOC)
    assert structure(translated) == structure(DOC)
    assert "# GETTING STARTED" in translated
    assert "[THE GUIDE](https://example.com/guide?x=1)" in translated
    assert "`parley --setup`" in translated
    assert "pip install parley  # never translated" in translated
    assert "2. RUN `parley --setup` ONCE." in translated
    assert "   - [ ] CHECK THE BOX" in translated
    assert "| SPEED | 150 TOKENS/S |" in translated
    assert "USE ⟦LITERAL⟧ BRACKETS" in translated  # literal brackets survive as text


def test_hard_wrapped_paragraph_is_one_segment_and_short_lines_are_not() -> None:
    wrapped = (
        "This paragraph was written in an e-mail client that wraps lines at\n"
        "seventy-two characters, so every sentence runs over several lines and\n"
        "has to be translated as a whole.\n"
    )
    poem = "Roses are red,\nviolets are blue,\nthis line is short,\nand so is this too.\n"
    document = parse_document(wrapped + "\n" + poem)
    sources = [segment.source for segment in document.segments]
    assert sources[0] == " ".join(line for line in wrapped.splitlines())
    assert sources[1:] == poem.splitlines()
    out = reassemble(document, [s.source.upper() for s in document.segments])
    assert out.count("\n") == 1 + 1 + 4  # wrapped paragraph on one line, blank, 4 poem lines


def test_one_sentence_per_line_is_kept_line_by_line() -> None:
    text = "".join(f"This is a complete sentence number {i} on its own line.\n" for i in range(4))
    document = parse_document(text)
    assert len(document.segments) == 4


def test_chinese_wrapped_lines_join_without_spaces() -> None:
    text = (
        "这是一段很长的中文文字，它在编辑器里被自动换行了，所以每一行都没有\n"
        "结束，需要作为一个整体来翻译才能保证句子的完整性和准确性好的\n"
        "最后一行。\n"
    )
    document = parse_document(text)
    assert len(document.segments) == 1
    assert " " not in document.segments[0].source


@pytest.mark.parametrize("seed", range(30))
def test_random_markdown_round_trips(seed: int) -> None:
    rng = random.Random(seed)
    blocks = [
        "# Title {n}",
        "## Section {n} ##",
        "Plain paragraph {n} with [a link](http://x.org/{n}) and `code {n}`.",
        "- item {n}\n- item {n} b\n  continued",
        "1. first {n}\n2) second",
        "```\ncode {n}\n```",
        "~~~~python\nx = {n}\n~~~~",
        "> quote {n}\n> more",
        "| a {n} | b |\n|---|---|\n| c | d {n} |",
        "---",
        "Line with trailing spaces  \nnext line {n}",
        "<div>html {n}</div>",
        "[ref{n}]: http://example.com/{n}",
        "<!-- comment {n} -->",
        "Text with <|im_end|> marker {n} and ⟦9⟧ brackets.",
        "    indented text {n}",
        "中文段落{n}。第二句！",
        "",
    ]
    endings = ["\n", "\r\n"]
    ending = rng.choice(endings)
    text = (ending * rng.choice([1, 2])).join(
        rng.choice(blocks).format(n=i).replace("\n", ending) for i in range(rng.randint(1, 25))
    )
    document = parse_document(text, reflow=False)
    texts = [restore(segment.text, document.protected) for segment in document.segments]
    assert reassemble(document, texts) == text
    translated = reassemble(
        document,
        [finish_segment(s, shout(s.text), document.protected)[0] for s in document.segments],
    )
    assert structure(translated) == structure(text)


def test_protect_and_restore() -> None:
    document = parse_document("Run `make` at https://x.org/a. Then <b>stop</b>.")
    (segment,) = document.segments
    masked, originals = segment.text, document.protected
    assert masked == "Run ⟦1⟧ at ⟦2⟧. Then ⟦3⟧stop⟦4⟧."
    assert originals == {1: "`make`", 2: "https://x.org/a", 3: "<b>", 4: "</b>"}
    assert restore(masked, originals) == "Run `make` at https://x.org/a. Then <b>stop</b>."


def test_finish_segment_repairs_markers_and_reports() -> None:
    protected = {1: "`x`", 2: "https://a.org", 3: "`other`"}
    segment = Segment(
        0,
        "Use ⟦1⟧ and see ⟦2⟧ for 1,500 items",
        "Use `x` and see https://a.org for 1,500 items",
        (1, 2),
    )
    text, warnings = finish_segment(segment, "Nutze ⟦1⟧ ⟦1⟧ und ⟦3⟧ für 1.500 Dinge", protected)
    assert text == "Nutze `x`  und  für 1.500 Dinge https://a.org"

    assert len(warnings) == 1 and "dropped https://a.org" in warnings[0]

    text, warnings = finish_segment(segment, "Nutze ⟦1⟧ und ⟦2⟧ für Dinge", protected)
    assert any("1500" in warning for warning in warnings)

    # Both ends of a link lost: the link comes back whole, with its source text.
    link = Segment(1, "Read ⟦4⟧the manual⟦5⟧ now", "Read [the manual](u) now", (4, 5))
    text, warnings = finish_segment(link, "Lisez maintenant", {4: "[", 5: "](u)"})
    assert text == "Lisez maintenant [the manual](u)"
    assert "dropped [, ](u)" in warnings[0]


def test_finish_segment_removes_added_emphasis_and_enforces_glossary() -> None:
    segment = Segment(0, "Open the workspace settings", "Open the workspace settings", ())
    glossary = {"workspace": "Arbeitsbereich"}
    text, warnings = finish_segment(segment, "Öffne die **workspace** Einstellungen", {}, glossary)
    assert text == "Öffne die Arbeitsbereich Einstellungen"
    assert warnings == []
    text, warnings = finish_segment(segment, "Öffne die Arbeitsumgebung", {}, glossary)
    assert "glossary asks for “workspace” → “Arbeitsbereich”" in warnings[0]


def test_split_answer() -> None:
    assert split_answer("a\nb\nc", 3) == ["a", "b", "c"]
    assert split_answer("a\n\nb\n\nc\n", 3) == ["a", "b", "c"]
    assert split_answer("a\nb", 3) is None


def test_stream_restorer_handles_markers_split_across_tokens() -> None:
    restorer = StreamRestorer({12: "`code`"})
    shown = [restorer.feed(piece) for piece in ["Use ", "⟦", "1", "2⟧ now", " ⟦"]]
    shown.append(restorer.flush())
    assert shown == ["Use ", "", "", "`code` now", " ", "⟦"]


# --- the pipeline with a scripted backend -----------------------------------------------


def lines_of(call: Call) -> list[str]:
    """The lines a translate prompt asks for (everything after "Translate these N lines into
    <language>:", "Translate this line into <language>:" or the retry's "Translate into
    <language>: ")."""
    return re.split(r"Translate (?:these \d+ lines |this line )?into [^:\n]+:[\n ]", call.user)[
        -1
    ].split("\n")


def upper_translator(call: Call) -> str:
    return "\n".join(shout(line) for line in lines_of(call))


def run(backend: FakeBackend, text: str, **options: object) -> list[object]:
    return list(translate_document(backend, text, **options))  # type: ignore[arg-type]


def result_of(events: Sequence[object]) -> TranslationResult:
    assert isinstance(events[-1], TranslationResult)
    return events[-1]


def test_pipeline_translates_every_segment_and_keeps_structure() -> None:
    backend = FakeBackend(reply=upper_translator)
    events = run(backend, DOC, target="de", source="en")
    result = result_of(events)
    assert result.status == "complete"
    assert result.text == fake_translate(DOC)
    assert structure(result.text) == structure(DOC)
    assert result.retries == 0 and result.warnings == ()
    assert result.model_calls == result.parts == 1
    # Only text went to the model: no code block, no URL.
    assert "pip install" not in backend.calls[0].user
    assert "https://" not in backend.calls[0].user
    streamed = "".join(e.text for e in events if isinstance(e, Token))
    assert "`parley --setup`" in streamed  # markers restored while streaming


def test_long_document_goes_in_parts_with_context() -> None:
    paragraphs = [f"Paragraph {i} " + "text " * 40 for i in range(30)]
    text = "\n\n".join(paragraphs)
    backend = FakeBackend(reply=upper_translator, context=1200)
    events = run(backend, text, target="fr", source="en")
    result = result_of(events)
    assert result.status == "complete"
    assert result.parts > 3
    assert result.text == text.upper()
    progress = [(e.done, e.total) for e in events if isinstance(e, Progress)]
    assert progress == [(i, result.parts) for i in range(1, result.parts + 1)]
    done = [e for e in events if isinstance(e, PartDone)]
    assert len(done) == result.parts
    assert all(result.text.startswith(d.text) for d in done)
    assert done[-1].text == result.text
    # From the second part on, the prompt carries the end of the previous part as context.
    assert "For context" not in backend.calls[0].user
    assert all("For context" in call.user for call in backend.calls[1:])
    assert not backend.overflows


def test_giant_paragraph_is_split_and_joined_back() -> None:
    text = " ".join(f"Sentence {i} is here." for i in range(400))
    backend = FakeBackend(reply=upper_translator, context=700)
    result = result_of(run(backend, text, target="fr", source="en"))
    assert result.status == "complete"
    assert result.text == text.upper()
    assert result.parts > 1
    assert not backend.overflows


def test_misaligned_answers_are_retried_one_segment_at_a_time() -> None:
    def merges_lines(call: Call) -> str:
        lines = lines_of(call)
        if len(lines) > 1:
            return " ".join(shout(line) for line in lines)  # all on one line: misaligned
        return shout(lines[0])

    backend = FakeBackend(reply=merges_lines)
    text = "# Title\n\nFirst paragraph.\n\n- one\n- two\n"
    result = result_of(run(backend, text, target="de", source="en"))
    assert result.text == "# TITLE\n\nFIRST PARAGRAPH.\n\n- ONE\n- TWO\n"
    assert result.retries == 4
    strict = [call for call in backend.calls if call.grammar is not None]
    assert len(strict) == 4
    assert all(call.grammar == "root ::= line\nline ::= [^\\n]+\n" for call in strict)


def test_dropped_marker_is_retried_then_put_back_with_a_warning() -> None:
    def drops_markers(call: Call) -> str:
        return "\n".join(PLACEHOLDER.sub("", line).upper() for line in lines_of(call))

    backend = FakeBackend(reply=drops_markers)
    result = result_of(run(backend, "Run `make` now.\n", target="de", source="en"))
    assert result.retries == 1
    assert result.text == "RUN  NOW. `make`\n"
    assert "dropped `make`" in result.warnings[0]


def test_glossary_goes_into_the_prompt_and_is_enforced() -> None:
    def ignores_glossary(call: Call) -> str:
        return "\n".join(line.replace("workspace", "espace de travail") for line in lines_of(call))

    backend = FakeBackend(reply=ignores_glossary)
    glossary = {"workspace": "atelier"}
    result = result_of(
        run(
            backend,
            "Open the workspace.\n\nClose it.\n",
            target="fr",
            source="en",
            glossary=glossary,
        )
    )
    assert "- workspace → atelier" in backend.calls[0].system
    # One retry with the glossary stressed; the fake still ignores it, so a warning remains.
    assert result.retries == 1
    assert any("atelier" in w for w in result.warnings)

    verbatim = FakeBackend(reply=lambda call: "\n".join(lines_of(call)))
    result = result_of(
        run(verbatim, "Open the workspace.\n", target="fr", source="en", glossary=glossary)
    )
    assert result.text == "Open the atelier.\n"
    assert result.retries == 0


def test_tone_and_detected_source_reach_the_prompt() -> None:
    backend = FakeBackend(reply=upper_translator)
    result = result_of(
        run(
            backend,
            "Please send me the report by Friday, thank you very much.",
            target="German",
            tone="formal",
        )
    )
    assert result.source_language == "en"
    assert "from English into German" in backend.calls[0].system
    assert "„Sie“" in backend.calls[0].system


def test_stop_mid_translation_keeps_the_translated_beginning() -> None:
    stop = threading.Event()
    paragraphs = [f"Paragraph {i} " + "text " * 40 for i in range(30)]
    backend = FakeBackend(reply=upper_translator, context=700)

    def stop_in_third_call(call_number: int, token: int) -> None:
        if call_number == 3 and token == 2:
            request_stop(backend, stop)

    backend.on_token = stop_in_third_call
    result = result_of(run(backend, "\n\n".join(paragraphs), target="fr", source="en", stop=stop))
    assert result.status == "cancelled"
    assert len(backend.calls) == 3
    translated = [p for p in result.text.split("\n\n") if p.strip()]
    assert translated and all(p == p.upper() for p in translated)
    assert len(translated) < len(paragraphs)


def test_engine_failure_is_an_error_result() -> None:
    backend = FakeBackend(reply=upper_translator, fail_on_call=1)
    events = run(backend, "Hello there.", target="fr", source="en")
    result = result_of(events)
    assert result.status == "error"
    assert "stopped unexpectedly" in result.error


def test_nothing_to_translate() -> None:
    backend = FakeBackend(reply=upper_translator)
    result = result_of(run(backend, "```\ncode only\n```\n\nhttps://example.com\n", target="fr"))
    assert result.status == "complete"
    assert result.text == "```\ncode only\n```\n\nhttps://example.com\n"
    assert backend.calls == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"target": "Elvish"}, "Unknown language"),
        ({"target": "de", "source": "xx"}, "Unknown language"),
        ({"target": "de", "tone": "sarcastic"}, "Unknown tone"),
        ({"target": "de", "glossary": {"": "x"}}, "empty term"),
    ],
)
def test_bad_options_raise_before_anything_runs(options: dict[str, object], message: str) -> None:
    backend = FakeBackend()
    with pytest.raises(InputError, match=message):
        translate_document(backend, "Some text.", **options)  # type: ignore[arg-type]
    assert backend.calls == []


def test_a_line_that_repeats_the_instructions_is_translated_again_or_left_as_it_was() -> None:
    """A small model answered "The text has 1 line. Reply with the translation only: …";
    that is never kept as the translation."""
    from app.core.pipelines.translate_checks import echoes_instructions

    echo = "The text has 1 line. Reply with the translation only: exactly 1 line."
    assert echoes_instructions("Save the file.", echo)
    assert not echoes_instructions("Save the file.", "Enregistrez le fichier.")
    # A source that itself talks about such a phrase is translated as it is.
    quoted = "Reply with the translation only."
    assert not echoes_instructions(quoted, quoted)

    answers = iter([echo, "ENREGISTREZ LE FICHIER."])
    learner = FakeBackend(reply=lambda call: next(answers))
    result = result_of(run(learner, "Save the file.\n", target="fr", source="en"))
    assert result.text == "ENREGISTREZ LE FICHIER.\n" and result.retries == 1
    assert result.warnings == ()

    stubborn = FakeBackend(reply=lambda call: echo)
    result = result_of(run(stubborn, "Save the file.\n", target="fr", source="en"))
    assert result.text == "Save the file.\n" and result.retries == 1
    assert any("repeated its instructions" in w for w in result.warnings)
