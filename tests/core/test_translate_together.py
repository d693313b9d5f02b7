"""A translation's parts read together on a backend that generates several replies at once:
the same translation as one part at a time, the part before given as its source where its
translation is not there yet, each call with its own limit, a looping part stopped alone,
a failing part ending the job with the parts before it kept, and Stop making no call after
the window. (The real engine runs them in tests/engine/test_tools_real.py.)"""

from __future__ import annotations

import threading

from fake_backend import Call, FakeBackend, ParallelFakeBackend
from test_pipelines_translate import lines_of, result_of, run, shout, upper_translator

from app.core.backend import Progress
from app.core.pipelines import PartDone, request_stop
from app.core.pipelines.resume import PartKept
from app.core.pipelines.translate_together import PARTS_TOGETHER

TEXT = "\n\n".join(f"Paragraph {i} " + "text " * 40 for i in range(30))
CONTEXT = 1200


def test_parts_read_together_give_the_translation_of_one_at_a_time() -> None:
    alone = FakeBackend(reply=upper_translator, context=CONTEXT)
    together = ParallelFakeBackend(reply=upper_translator, context=CONTEXT)
    one = result_of(run(alone, TEXT, target="fr", source="en"))
    events = run(together, TEXT, target="fr", source="en")
    both = result_of(events)
    assert both.status == one.status == "complete"
    assert both.text == one.text == TEXT.upper()
    assert both.parts == one.parts > PARTS_TOGETHER
    assert both.model_calls == one.model_calls == both.parts
    # Each call has its own limit (the parts differ in size); none overruns the context.
    limits = [call.params.max_tokens for call in together.calls]
    assert limits[0] == alone.calls[0].params.max_tokens and len(set(limits)) > 1
    # The bar and the kept parts, in order, one for each part.
    steps = [e.done for e in events if isinstance(e, Progress) and e.what == "part"]
    assert steps == list(range(1, both.parts + 1))
    assert [e.index for e in events if isinstance(e, PartKept)] == steps
    done = [e for e in events if isinstance(e, PartDone)]
    assert len(done) == both.parts and all(both.text.startswith(d.text) for d in done)
    assert not together.overflows


def test_a_part_read_beside_the_one_before_gets_its_source_as_context() -> None:
    together = ParallelFakeBackend(reply=upper_translator, context=CONTEXT)
    result_of(run(together, TEXT, target="fr", source="en"))
    calls = together.calls
    assert "For context" not in calls[0].user
    for number, call in enumerate(calls[1:], start=2):
        if number % PARTS_TOGETHER == 1:  # the first of a window: the translation before it
            assert "already translated" in call.user and "→" in call.user
        else:  # beside the part before it: that part's source, untranslated
            assert "(do not translate or repeat it)" in call.user
            assert "→" not in call.user and "TEXT" not in call.user
            before = call.user.split("(do not translate or repeat it):\n")[1].split("\n\n")[0]
            assert before.splitlines()[-1] in calls[number - 2].user


def test_a_looping_part_is_stopped_alone_and_its_lines_sent_again() -> None:
    def loops_on_part_two(call: Call) -> str:
        if together.calls.index(call) == 1:
            return "la la la la la la la la la la. " * 200
        return "\n".join(shout(line) for line in lines_of(call))

    # A source that does not repeat itself (one that does is let repeat).
    text = "\n\n".join(
        f"Paragraph {i} " + " ".join(f"w{i}x{j}" for j in range(40)) for i in range(30)
    )
    together = ParallelFakeBackend(reply=loops_on_part_two, context=CONTEXT)
    result = result_of(run(together, text, target="fr", source="en"))
    assert result.status == "complete"
    assert result.text == text.upper()
    assert together.cancelled_sequences == [1]
    assert result.retries >= 1


def test_a_failing_part_ends_the_job_and_the_parts_before_it_are_kept() -> None:
    together = ParallelFakeBackend(reply=upper_translator, context=CONTEXT, fail_on_call=2)
    events = run(together, TEXT, target="fr", source="en")
    result = result_of(events)
    assert result.status == "error" and "stopped unexpectedly" in result.error
    assert [e.index for e in events if isinstance(e, PartKept)] == [1]
    assert len(together.calls) == PARTS_TOGETHER  # nothing sent after the window
    assert result.text and result.text == result.text.upper()


def test_stop_during_a_window_makes_no_call_after_it() -> None:
    stop = threading.Event()
    together = ParallelFakeBackend(reply=upper_translator, context=CONTEXT)

    def stop_in_second_call(call_number: int, token: int) -> None:
        if call_number == 2 and token == 3:
            request_stop(together, stop)

    together.on_token = stop_in_second_call
    result = result_of(run(together, TEXT, target="fr", source="en", stop=stop))
    assert result.status == "cancelled"
    assert len(together.calls) == PARTS_TOGETHER
