"""Stopped long jobs continue: finished parts are announced as PartKept, saved as JSON, and a
run given them back skips those parts (no model call) and ends with the same result."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from fake_backend import Call, FakeBackend

from app.core.backend import Progress
from app.core.pipelines import PartDone
from app.core.pipelines.resume import PartKept, keep_part, saved_parts, usable_parts
from app.core.pipelines.summarise import SummaryResult, summarise_document
from app.core.pipelines.translate import TranslationResult, translate_document
from app.core.pipelines.translate_parts import LineRetry
from app.core.runs import can_resume, final_extra, translation_record


def document(paragraphs: int, words: int = 60) -> str:
    return "\n\n".join(
        f"Paragraph {i} begins here. " + " ".join(f"w{i}x{j}" for j in range(words)) + "."
        for i in range(paragraphs)
    )


def notes_reply(call: Call) -> str:
    part = re.search(r"This is part (\d+) of (\d+)", call.user)
    if part:
        return f"Notes on part {part.group(1)}: several points."
    return "Final summary: " + " ".join(re.findall(r"part (\d+)", call.user))


def round_trip(events: Sequence[object]) -> list[PartKept]:
    """The parts as a face saves them: into a record's extra, through JSON and back."""
    extra: dict[str, object] = {}
    for event in events:
        if isinstance(event, PartKept):
            keep_part(extra, event)
    return saved_parts(json.loads(json.dumps(extra)))


def test_summary_resumed_after_a_failure_matches_an_uninterrupted_run() -> None:
    text = document(12)
    whole = list(summarise_document(FakeBackend(reply=notes_reply, context=600), text))
    expected = whole[-1]
    assert isinstance(expected, SummaryResult) and expected.parts >= 3
    notes = [e for e in whole if isinstance(e, PartKept)]
    assert [p.data for p in notes] == [
        f"Notes on part {i}: several points." for i in range(1, expected.parts + 1)
    ]
    # Within a part the notes' tokens move the bar.
    assert any(isinstance(e, Progress) and e.what == "write" for e in whole)

    failing = FakeBackend(reply=notes_reply, context=600, fail_on_call=3)
    first = list(summarise_document(failing, text))
    assert isinstance(first[-1], SummaryResult) and first[-1].status == "error"
    kept = round_trip(first)
    assert [p.index for p in kept] == [1, 2]

    again = FakeBackend(reply=notes_reply, context=600)
    resumed = list(summarise_document(again, text, done_parts=kept))
    result = resumed[-1]
    assert isinstance(result, SummaryResult) and result.status == "complete"
    assert result.text == expected.text
    assert result.part_tokens == expected.part_tokens  # every part still counted as read
    # Parts 1 and 2 cost nothing: the first call reads part 3.
    assert "This is part 3 of" in again.calls[0].user
    assert len(again.calls) == expected.model_calls - 2
    parts_progress = [e.done for e in resumed if isinstance(e, Progress) and e.what == "part"]
    assert parts_progress[0] == 3
    assert [p.index for p in round_trip(resumed)] == list(range(1, expected.parts + 1))


def test_parts_of_another_split_are_not_used() -> None:
    text = document(12)
    kept = round_trip(list(summarise_document(FakeBackend(reply=notes_reply, context=600), text)))
    other = FakeBackend(reply=notes_reply, context=900)  # a larger context: other parts
    events = list(summarise_document(other, text, done_parts=kept))
    assert isinstance(events[-1], SummaryResult) and events[-1].status == "complete"
    assert "This is part 1 of" in other.calls[0].user
    assert usable_parts(kept, ["not", "the", "same"]) == []


def upper(call: Call) -> str:
    lines = re.split(r"Translate (?:these \d+ lines |this line )?into [^:\n]+:[\n ]", call.user)
    return "\n".join(line.upper() for line in lines[-1].split("\n"))


def test_translation_resumed_after_a_failure_matches_an_uninterrupted_run() -> None:
    text = "\n\n".join(f"Paragraph {i} " + "text " * 40 for i in range(20))
    whole = list(translate_document(FakeBackend(reply=upper, context=1200), text, target="fr"))
    expected = whole[-1]
    assert isinstance(expected, TranslationResult) and expected.parts >= 3

    first = list(
        translate_document(
            FakeBackend(reply=upper, context=1200, fail_on_call=3), text, target="fr"
        )
    )
    assert isinstance(first[-1], TranslationResult) and first[-1].status == "error"
    kept = round_trip(first)
    assert [p.index for p in kept] == [1, 2]

    again = FakeBackend(reply=upper, context=1200)
    resumed = list(translate_document(again, text, target="fr", done_parts=kept))
    result = resumed[-1]
    assert isinstance(result, TranslationResult) and result.status == "complete"
    assert result.text == expected.text
    assert len(again.calls) == expected.model_calls - 2
    # The resumed run shows the kept parts at once, then goes on from part 3.
    shown = [e for e in resumed if isinstance(e, PartDone)]
    assert len(shown) == expected.parts and shown[1].text == first[-1].text


def test_retried_lines_are_announced_and_recorded() -> None:
    def lazy(call: Call) -> str:
        # The first answer leaves its second line in English; the retry translates it.
        if "Translate these" in call.user:
            lines = upper(call).split("\n")
            return "\n".join([lines[0], "The cat sleeps on the mat.", *lines[2:]])
        return upper(call)

    text = "Le chien mange.\n\nThe cat sleeps on the mat.\n\nLe soleil brille."
    events = list(translate_document(FakeBackend(reply=lazy), text, target="fr", source="en"))
    result = events[-1]
    assert isinstance(result, TranslationResult)
    retries = [e for e in events if isinstance(e, LineRetry)]
    assert retries, events
    assert all(e.part == 1 and e.reason in {"untranslated", "markers", "missing"} for e in retries)
    assert "part 1: line" in retries[0].message and "trying again" in retries[0].message
    record = translation_record(result)
    assert record["retry_log"] == [e.as_json() for e in retries]
    assert record["retries"] == len(retries)


def test_the_record_keeps_parts_only_while_there_is_something_to_continue() -> None:
    kept = {"done_parts": [PartKept(1, 3, "k", "notes").as_json()], "context": 512}
    assert final_extra({"parts": 3}, kept, "stopped")["done_parts"] == kept["done_parts"]
    assert "done_parts" not in final_extra({"parts": 3}, kept, "complete")
    assert can_resume("summarise", "failed", kept)
    assert can_resume("translate", "interrupted", kept)
    assert not can_resume("summarise", "complete", kept)
    assert not can_resume("sentiment", "stopped", kept)
    assert not can_resume("summarise", "stopped", {"parts": 3})
