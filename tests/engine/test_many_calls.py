"""``run_many``: a pipeline's independent calls run together on the real engine, with each
call's tokens tagged, each end reported as it happens, one failing call failing alone, Stop
ending them all, and the call log counting every one."""

from __future__ import annotations

import threading

import pytest
from engine_helpers import GREEDY

from app.core.backend import ChatMessage, Progress, SamplingParams, Token
from app.core.pipelines import CallLog, CallOutcome, request_stop
from app.core.pipelines.many_calls import CallEnded, ManyEvent, run_many, runs_together
from app.engine.local import LocalBackend

QUESTIONS = ("Name a colour.", "Say one word about the sea.", "What is two plus two?")


def _calls(*texts: str) -> list[list[ChatMessage]]:
    return [[{"role": "user", "content": text}] for text in texts]


def _drain(run: object) -> tuple[list[ManyEvent], list[CallOutcome]]:
    events: list[ManyEvent] = []
    while True:
        try:
            events.append(next(run))  # type: ignore[call-overload]
        except StopIteration as finished:
            return events, finished.value


def test_calls_run_together_and_each_ends_once_in_its_place(backend: LocalBackend) -> None:
    assert runs_together(backend)
    log = CallLog()
    events, outcomes = _drain(run_many(backend, _calls(*QUESTIONS), GREEDY, log=log, stop=None))
    assert all(o.reason in ("stop", "length") for o in outcomes), outcomes
    ended = [e for e in events if isinstance(e, CallEnded)]
    assert sorted(e.index for e in ended) == [0, 1, 2]
    for e in ended:
        assert e.outcome is outcomes[e.index]
    for index, outcome in enumerate(outcomes):
        tokens = [ev for ev in events if isinstance(ev, tuple) and ev[0] == index]
        assert all(isinstance(event, Token | Progress) for _i, event in tokens)
        assert "".join(t.text for _i, t in tokens if isinstance(t, Token)) == outcome.text
        assert outcome.text.strip() and outcome.stats is not None
    assert log.calls == 3 and log.generated_tokens == sum(
        o.stats.generated_tokens for o in outcomes if o.stats
    )


def test_a_failing_call_fails_alone(backend: LocalBackend) -> None:
    calls = _calls(QUESTIONS[0], "Go on and on. " * 2000, QUESTIONS[2])  # the second is too long
    _events, outcomes = _drain(run_many(backend, calls, GREEDY, log=CallLog(), stop=None))
    assert outcomes[1].reason == "error" and "too long" in outcomes[1].error
    assert outcomes[0].text.strip() and outcomes[2].text.strip()
    assert outcomes[0].reason != "error" and outcomes[2].reason != "error"


def test_stop_ends_every_call_at_once(backend: LocalBackend) -> None:
    stop = threading.Event()
    long = [{"role": "user", "content": "Write a long story about a lighthouse."}]
    params = SamplingParams(temperature=0.0, max_tokens=2000)
    run = run_many(backend, [long, long, long], params, log=CallLog(), stop=stop)
    tokens = 0
    events: list[ManyEvent] = []
    while True:
        try:
            event = next(run)
        except StopIteration as finished:
            outcomes: list[CallOutcome] = finished.value
            break
        events.append(event)
        if isinstance(event, tuple) and isinstance(event[1], Token):
            tokens += 1
            if tokens == 12:
                request_stop(backend, stop)
    assert [o.reason for o in outcomes] == ["cancelled"] * 3
    assert sum(1 for e in events if isinstance(e, tuple)) < 200


def test_a_stop_asked_before_makes_no_request(backend: LocalBackend) -> None:
    stop = threading.Event()
    stop.set()
    log = CallLog()
    events, outcomes = _drain(run_many(backend, _calls(*QUESTIONS), GREEDY, log=log, stop=stop))
    assert events == [] and [o.reason for o in outcomes] == ["cancelled"] * 3
    assert log.calls == 0


@pytest.fixture(autouse=True)
def _engine_still_answers(backend: LocalBackend) -> object:
    """After each test the engine answers a plain request as before."""
    yield None
    events = list(backend.stream([{"role": "user", "content": "Hello"}], GREEDY))
    assert any(isinstance(e, Token) for e in events)
