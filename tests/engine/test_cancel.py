"""Stop: within 0.5 s from another thread, during generation and during a long prompt.

The cancel comes from a second thread, as it does in the app (the GUI thread presses Stop
while a worker thread consumes the stream); its latency is measured from the cancel() call
to the Done event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from engine_helpers import GREEDY, collect, stats_of, text_of

from app.core.backend import ChatMessage, Done, Event, Progress, SamplingParams, Token
from app.engine.local import LocalBackend

STORY: list[ChatMessage] = [
    {"role": "user", "content": "Write a very long story about a dragon and a knight."}
]
PARAGRAPH = (
    "Parley keeps every conversation on this computer. The model reads the whole history "
    "before it answers, so a long conversation means a long prompt to evaluate, and the "
    "user must be able to stop that at any moment without waiting for it to finish. "
)


class Canceller:
    """Calls ``backend.cancel()`` from its own thread when triggered; records when."""

    def __init__(self, backend: LocalBackend) -> None:
        self._trigger = threading.Event()
        self.cancelled_at = 0.0
        self._thread = threading.Thread(target=self._run, args=(backend,), name="canceller")
        self._thread.start()

    def _run(self, backend: LocalBackend) -> None:
        if self._trigger.wait(60):
            self.cancelled_at = time.perf_counter()
            backend.cancel()

    def fire(self) -> None:
        self._trigger.set()

    def join(self) -> None:
        self._trigger.set()
        self._thread.join()


def consume_until(
    events: Iterator[Event], canceller: Canceller, fire_when: type, n: int
) -> tuple[list[Event], float]:
    """Collect a stream, firing the canceller at the ``n``-th event of type ``fire_when``."""
    seen: list[Event] = []
    done_at = 0.0
    count = 0
    try:
        for event in events:
            seen.append(event)
            if isinstance(event, fire_when):
                count += 1
                if count == n:
                    canceller.fire()
            if isinstance(event, Done):
                done_at = time.perf_counter()
    finally:
        canceller.join()
    return seen, done_at


def test_cancel_during_generation_stops_within_half_a_second(backend: LocalBackend) -> None:
    canceller = Canceller(backend)
    params = SamplingParams(temperature=0.8, max_tokens=400, seed=7)
    events, done_at = consume_until(backend.stream(STORY, params), canceller, Token, 5)
    assert events[-1] == Done("cancelled")
    assert done_at - canceller.cancelled_at < 0.5
    stats = stats_of(events)
    assert 5 <= stats.generated_tokens < 400
    # The engine is ready for the next request straight away.
    after = collect(backend.stream(STORY, SamplingParams(max_tokens=3)))
    assert after[-1] == Done("length")
    assert stats_of(after).generated_tokens == 3


def test_cancel_during_a_long_prompt_evaluation(backend: LocalBackend) -> None:
    long_prompt: list[ChatMessage] = [
        {"role": "user", "content": PARAGRAPH * 60 + "\nSummarise the text above."}
    ]
    total = backend.count_chat_tokens(long_prompt)
    assert 2800 <= total <= 3900

    canceller = Canceller(backend)
    # The second Progress event arrives after the first batch: evaluation is under way.
    events, done_at = consume_until(backend.stream(long_prompt, GREEDY), canceller, Progress, 2)
    latency = done_at - canceller.cancelled_at
    assert events[-1] == Done("cancelled")
    assert latency < 0.5, f"Stop took {latency:.3f} s"
    assert not [e for e in events if isinstance(e, Token)]
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[-1].done < total  # it really was stopped part-way
    assert stats_of(events).generated_tokens == 0

    # The batches finished before Stop are kept: asking again starts from there (and is
    # stopped at once, to keep the test short)...
    again, _ = consume_until(backend.stream(long_prompt, GREEDY), Canceller(backend), Progress, 1)
    assert again[-1] == Done("cancelled")
    assert stats_of(again).cached_tokens >= progress[1].done > 0
    # ...and the model is still usable.
    after = collect(backend.stream(STORY, SamplingParams(max_tokens=3)))
    assert after[-1] == Done("length")
    assert text_of(after)


def test_cancel_between_stream_and_first_event_still_counts(backend: LocalBackend) -> None:
    stream = backend.stream(STORY, SamplingParams(max_tokens=200))
    backend.cancel()  # before the engine has even received the request
    events = collect(stream)
    assert events[-1] == Done("cancelled")
    assert not [e for e in events if isinstance(e, Token)]
    # ...and it does not leak into the next request
    assert collect(backend.stream(STORY, SamplingParams(max_tokens=3)))[-1] == Done("length")


def test_a_stream_closed_early_leaves_the_engine_in_step(backend: LocalBackend) -> None:
    stream = backend.stream(STORY, SamplingParams(temperature=0.8, max_tokens=300))
    for event in stream:
        if isinstance(event, Token):
            break
    started = time.perf_counter()
    stream.close()
    assert time.perf_counter() - started < 0.5
    # The next reply is the next reply, not the rest of the abandoned one: its figures are
    # those of the new request (a 3-token answer to a different prompt).
    question: list[ChatMessage] = [{"role": "user", "content": "What is the capital of France?"}]
    capital = collect(backend.stream(question, SamplingParams(temperature=0.0, max_tokens=3)))
    assert capital[-1] == Done("length")
    stats = stats_of(capital)
    assert stats.generated_tokens == 3
    assert stats.prompt_tokens == backend.count_chat_tokens(question)
