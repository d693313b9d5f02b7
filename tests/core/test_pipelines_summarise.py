"""Summarise pipeline logic with a scripted backend: every part read, progress, stop, errors."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import pytest
from fake_backend import Call, FakeBackend, count_words

from app.core.backend import Error, Progress, Stats, Token
from app.core.extract import InputError
from app.core.pipelines import Retry, request_stop
from app.core.pipelines.summarise import SummaryResult, summarise_document
from app.core.pipelines.summary_checks import copied_share
from app.core.prompts import summarise as summary_prompts
from app.core.textsplit import SplitPlan


def document(paragraphs: int, words: int = 60) -> str:
    return "\n\n".join(
        f"Paragraph {i} begins here. " + " ".join(f"w{i}x{j}" for j in range(words)) + "."
        for i in range(paragraphs)
    )


def scripted(call: Call) -> str:
    """Map calls note which part they read; combine calls list the sections they merged."""
    user = call.user
    part = re.search(r"This is part (\d+) of (\d+)", user)
    if part:
        return f"Notes on part {part.group(1)}: it covers several points."
    sections = re.findall(r"\[\d+\]\n(.*?)(?:\n\n|$)", user, flags=re.S)
    if "Merge them" in user:
        return "Merged: " + " | ".join(sections)
    if sections:
        return "Final summary of everything. " + " | ".join(sections)
    return "Single-pass summary of the text."


def run(backend: FakeBackend, text: str, **options: object) -> list[object]:
    return list(summarise_document(backend, text, **options))  # type: ignore[arg-type]


def result_of(events: Sequence[object]) -> SummaryResult:
    assert isinstance(events[-1], SummaryResult), events[-1]
    assert sum(isinstance(e, SummaryResult) for e in events) == 1
    return events[-1]


def test_short_text_is_one_streamed_pass() -> None:
    backend = FakeBackend(reply=scripted)
    text = "A short document about cats. Cats sleep a lot."
    events = run(backend, text)
    result = result_of(events)
    assert result.status == "complete"
    assert result.text == "Single-pass summary of the text."
    assert "".join(e.text for e in events if isinstance(e, Token)) == result.text
    assert next(e for e in events if isinstance(e, SplitPlan)).parts == (text,)
    assert sum(isinstance(e, Stats) for e in events) == 1
    assert (result.model_calls, result.parts, result.tokens_read) == (1, 1, count_words(text))
    assert text in backend.calls[0].user


def test_long_document_reads_every_part_then_combines() -> None:
    backend = FakeBackend(reply=scripted, context=600)
    text = document(30)
    events = run(backend, text, length="short", style="bullets")
    result = result_of(events)
    assert result.status == "complete", result.error
    plan = next(e for e in events if isinstance(e, SplitPlan))
    parts = plan.parts
    assert len(parts) == result.parts > 3
    assert "".join(parts) == text  # nothing lost, nothing read twice

    map_calls = [c for c in backend.calls if "This is part" in c.user]
    assert len(map_calls) == len(parts)
    for index, (part, call) in enumerate(zip(parts, map_calls, strict=True), start=1):
        assert f"part {index} of {len(parts)}" in call.user
        assert part.strip() in call.user
    # Every part counted, and the counts add up to the document (give or take the joins).
    assert result.part_tokens == tuple(count_words(part) for part in parts)
    assert abs(result.tokens_read - result.document_tokens) <= len(parts)
    assert result.document_tokens == count_words(text)

    progress = [e for e in events if isinstance(e, Progress) and e.what == "part"]
    assert [(p.done, p.total) for p in progress] == [
        (i, len(parts)) for i in range(1, len(parts) + 1)
    ]
    # The final pass is announced once, after the last part and before its first token.
    final = [i for i, e in enumerate(events) if isinstance(e, Progress) and e.what == "final"]
    first_token = next(i for i, e in enumerate(events) if isinstance(e, Token))
    assert len(final) == 1 and events.index(progress[-1]) < final[0] < first_token
    # Only the final pass streams to the user, and every partial note reached it.
    streamed = "".join(e.text for e in events if isinstance(e, Token))
    assert streamed == result.text
    assert result.text.startswith("Final summary")
    assert all(f"Notes on part {i}:" in result.text for i in range(1, len(parts) + 1))
    assert result.model_calls == len(backend.calls)
    assert not backend.overflows, "a call asked for more than the context"


def test_partial_summaries_are_combined_in_rounds_until_they_fit() -> None:
    # Long notes and a small context: the notes cannot all be combined at once.
    def wordy(call: Call) -> str:
        part = re.search(r"This is part (\d+)", call.user)
        if part:
            return f"Note{part.group(1)} " + "detail " * 60
        return scripted(call)

    backend = FakeBackend(reply=wordy, context=512)
    text = document(40)
    events = run(backend, text)
    result = result_of(events)
    assert result.status == "complete", result.error
    assert result.combine_rounds >= 1
    combine_progress = [e for e in events if isinstance(e, Progress) and e.what == "combine"]
    assert combine_progress
    # Every note went into some combine call.
    merge_calls = [c for c in backend.calls if "Merge them" in c.user]
    for index in range(1, result.parts + 1):
        assert any(f"Note{index} " in c.user for c in merge_calls), index
    assert not backend.overflows


def test_stop_during_a_part_ends_the_job_with_no_more_calls() -> None:
    stop = threading.Event()
    backend = FakeBackend(reply=scripted, context=600)

    def stop_in_call_two(call_number: int, token: int) -> None:
        if call_number == 2 and token == 1:
            request_stop(backend, stop)

    backend.on_token = stop_in_call_two
    result = result_of(run(backend, document(30), stop=stop))
    assert result.status == "cancelled"
    assert len(backend.calls) == 2
    assert backend.calls[1].reason == "cancelled"
    assert result.text == ""


def test_stop_between_calls_is_not_lost() -> None:
    """A cancel() with no call in flight does nothing to the backend; the stop flag still works."""
    stop = threading.Event()
    backend = FakeBackend(reply=scripted, context=600)
    events = []
    for event in summarise_document(backend, document(30), stop=stop):
        events.append(event)
        if isinstance(event, Progress) and event.what == "part" and event.done == 3:
            request_stop(backend, stop)  # between the calls for part 2 and part 3
    result = result_of(events)
    assert result.status == "cancelled"
    assert len(backend.calls) == 2


def test_stop_during_the_final_pass_keeps_what_was_streamed() -> None:
    stop = threading.Event()
    backend = FakeBackend(reply=lambda call: "one two three four five six")

    def stop_early(call_number: int, token: int) -> None:
        if token == 3:
            request_stop(backend, stop)

    backend.on_token = stop_early
    result = result_of(run(backend, "Short text to summarise.", stop=stop))
    assert result.status == "cancelled"
    assert result.text == "one two three"


def test_engine_failure_in_a_part_is_an_error_result() -> None:
    backend = FakeBackend(reply=scripted, context=600, fail_on_call=3)
    events = run(backend, document(30))
    result = result_of(events)
    assert result.status == "error"
    assert "stopped unexpectedly" in result.error
    assert [e.message for e in events if isinstance(e, Error)] == [result.error]
    assert len(backend.calls) == 3


def test_no_model_loaded_is_an_error_result_not_a_traceback() -> None:
    backend = FakeBackend(loaded_model=False)
    result = result_of(run(backend, "Some text."))
    assert result.status == "error"
    assert result.error == "No model is loaded. Load a model first."


def test_context_too_small_for_parts() -> None:
    backend = FakeBackend(reply=scripted, context=180)
    result = result_of(run(backend, document(10)))
    assert result.status == "error"
    assert "too small" in result.error


def test_summary_language_reaches_every_prompt() -> None:
    backend = FakeBackend(reply=scripted, context=600)
    result_of(run(backend, document(20), language="zh-Hans"))
    assert all("Simplified Chinese" in call.user for call in backend.calls)


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("", {}, "the input is empty"),
        ("text", {"length": "huge"}, "Unknown summary length"),
        ("text", {"style": "haiku"}, "Unknown summary style"),
        ("text", {"language": "Klingon"}, "Unknown language"),
    ],
)
def test_bad_input_raises_before_anything_runs(
    text: str, options: dict[str, str], message: str
) -> None:
    backend = FakeBackend()
    with pytest.raises(InputError, match=message):
        summarise_document(backend, text, **options)  # type: ignore[arg-type]
    assert backend.calls == []


COPIED_DOC = (
    "The lighthouse keeper walked up the spiral stairs every evening at dusk to light the lamp. "
    "Ships far out at sea watched for its beam and steered clear of the rocks below the cliff. "
    "In winter the storms were so strong that the keeper tied himself to the railing."
)


def test_an_answer_copied_from_the_document_is_withdrawn_and_asked_again_strictly() -> None:
    def copier(call: Call) -> str:
        if summary_prompts.STRICTER in call.user:
            return "A keeper lights a lamp each night so ships avoid the rocks."
        return COPIED_DOC.split(". ", maxsplit=1)[0] + "."  # the opening sentence, word for word

    backend = FakeBackend(reply=copier)
    events = run(backend, COPIED_DOC, length="short")
    result = result_of(events)
    retry = next(e for e in events if isinstance(e, Retry))
    assert "copied 100 % of its words" in retry.message
    assert result.text == "A keeper lights a lamp each night so ships avoid the rocks."
    assert result.retry_reason == retry.message and not result.cut_off
    assert result.model_calls == 2
    # The tokens after the Retry are the answer kept.
    after = events[events.index(retry) + 1 :]
    assert "".join(e.text for e in after if isinstance(e, Token)).strip() == result.text


def test_a_summary_cut_off_twice_is_kept_and_says_so() -> None:
    backend = FakeBackend(reply=lambda call: " ".join(f"word{i}" for i in range(2000)))
    result = result_of(run(backend, COPIED_DOC, length="short"))
    assert result.status == "complete" and result.cut_off
    assert "length limit" in result.retry_reason
    assert result.model_calls == 2  # asked once more, never a third time


def test_a_good_answer_is_not_asked_again() -> None:
    result = result_of(run(FakeBackend(reply=scripted), COPIED_DOC))
    assert result.model_calls == 1 and result.retry_reason == "" and not result.cut_off


def test_copied_share_counts_runs_of_words_and_of_chinese_characters() -> None:
    assert copied_share("", COPIED_DOC) == 0.0
    assert copied_share(COPIED_DOC, COPIED_DOC) == 1.0
    assert copied_share("Ships watched for the beam and kept away from rocks.", COPIED_DOC) == 0.0
    article = (
        "灯塔看守人每天傍晚都会沿着螺旋楼梯走上去点亮灯塔。"
        "远处海上的船只看到光束就会避开悬崖下的礁石。"
    )
    assert copied_share(article[:30], article) == 1.0
    assert copied_share("看守人每晚点灯，让船只避开礁石。", article) == 0.0


def test_the_pipelines_own_part_labels_never_reach_the_summary() -> None:
    # The starter model began its notes with the map prompt's "Part 3:" and the final
    # summary carried it over: "… moved beside the station. Part 3: A railway reached …".
    def labels(call: Call) -> str:
        found = re.search(r"This is part (\d+) of", call.user)
        if found:
            return f"Part {found[1]}: - fact {found[1]}"
        return "The town grew. Part 2: The bridge stood. Notes on section 3: It still does."

    events = run(FakeBackend(reply=labels, context=600), document(30), length="short")
    result = result_of(events)
    assert result.status == "complete", result.error
    assert result.text == "The town grew. The bridge stood. It still does."
    assert all(not note.startswith("Part") for note in result.notes)
    # A label the document has itself is the author's, and stays.
    book = "Part 2: The bridge.\n\n" + document(30)
    kept = result_of(run(FakeBackend(reply=labels, context=600), book, length="short"))
    assert "Part 2: The bridge stood." in kept.text
    assert "Notes on section 3" not in kept.text
