"""The summary's parts and combine rounds read together, on a scripted backend that
generates several replies at once: the same summary as one call at a time, every part read
once and kept as it ends, a failing part failing the job with the others kept, and Stop
making no call after it. (The real engine runs them in tests/engine/test_tools_real.py.)"""

from __future__ import annotations

import re
import threading

from fake_backend import Call, FakeBackend, ParallelFakeBackend
from test_pipelines_summarise import document, result_of, run, scripted

from app.core.backend import Progress
from app.core.pipelines import request_stop
from app.core.pipelines.many_calls import runs_together
from app.core.pipelines.resume import PartKept
from app.core.textsplit import SplitPlan


def wordy(call: Call) -> str:
    part = re.search(r"This is part (\d+)", call.user)
    if part:
        return f"Note{part.group(1)} " + "detail " * 60
    return scripted(call)


def test_parts_read_together_give_the_summary_of_one_at_a_time() -> None:
    alone, together = (
        FakeBackend(reply=scripted, context=600),
        ParallelFakeBackend(reply=scripted, context=600),
    )
    assert not runs_together(alone) and runs_together(together)
    text = document(30)
    one = result_of(run(alone, text, length="short"))
    events = run(together, text, length="short")
    both = result_of(events)
    assert both.status == one.status == "complete"
    assert both.text == one.text and both.model_calls == one.model_calls
    parts = next(e for e in events if isinstance(e, SplitPlan)).parts
    kept = [e for e in events if isinstance(e, PartKept)]
    assert sorted(k.index for k in kept) == list(range(1, len(parts) + 1))
    assert all(k.data == f"Notes on part {k.index}: it covers several points." for k in kept)
    # The bar: a step for each part as it ends, never backwards, ending at the last.
    steps = [e.done for e in events if isinstance(e, Progress) and e.what == "part"]
    assert steps == sorted(steps) and steps[0] == 1 and steps[-1] == len(parts)
    assert any(isinstance(e, Progress) and e.what == "write" for e in events)


def test_combine_rounds_run_together_and_keep_every_note() -> None:
    alone = FakeBackend(reply=wordy, context=512)
    together = ParallelFakeBackend(reply=wordy, context=512)
    text = document(40)
    one = result_of(run(alone, text))
    events = run(together, text)
    both = result_of(events)
    assert both.status == "complete", both.error
    assert both.combine_rounds == one.combine_rounds >= 1
    assert both.text == one.text
    merges = [c for c in together.calls if "Merge them" in c.user]
    for index in range(1, both.parts + 1):
        assert any(f"Note{index} " in c.user for c in merges), index
    combine = [e for e in events if isinstance(e, Progress) and e.what == "combine"]
    assert combine and all(1 <= e.done <= e.total for e in combine)


def test_a_failing_part_fails_the_job_and_the_other_parts_are_kept() -> None:
    backend = ParallelFakeBackend(reply=scripted, context=600, fail_on_call=3)
    events = run(backend, document(30))
    result = result_of(events)
    assert result.status == "error" and "stopped unexpectedly" in result.error
    kept = sorted(e.index for e in events if isinstance(e, PartKept))
    assert 3 not in kept and kept == [i for i in range(1, result.parts + 1) if i != 3]
    assert not any("Merge them" in c.user or "[1]" in c.user for c in backend.calls)


def test_stop_while_the_parts_are_read_makes_no_further_call() -> None:
    stop = threading.Event()
    backend = ParallelFakeBackend(reply=scripted, context=600)

    def stop_soon(call_number: int, token: int) -> None:
        if call_number == 2 and token == 1:
            request_stop(backend, stop)

    backend.on_token = stop_soon
    events = run(backend, document(30), stop=stop)
    result = result_of(events)
    assert result.status == "cancelled"
    parts = result.parts
    assert len(backend.calls) == parts  # the parts' one request; no combine, no final pass
    assert all(call.reason in ("cancelled", "stop") for call in backend.calls)
    assert any(call.reason == "cancelled" for call in backend.calls)
