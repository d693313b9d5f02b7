"""Several replies generated together on the real starter model: the same text as one at a
time, one reply cancelled or failing alone, everything stopped by the shared cancel."""

from __future__ import annotations

import threading
from collections import defaultdict

from engine_helpers import collect, text_of

from app.core.backend import (
    Done,
    Error,
    Event,
    GenerationRequest,
    ParallelGenerator,
    SamplingParams,
    Stats,
    Token,
)
from app.engine.local import LocalBackend

GREEDY = SamplingParams(temperature=0.0, max_tokens=40)
PROMPTS = [
    "Name three colours.",
    "Count from one to ten.",
    "What is the capital of France?",
    "Write a short poem about rain.",
]


def _request(text: str, params: SamplingParams = GREEDY, **kw: object) -> GenerationRequest:
    return GenerationRequest(messages=({"role": "user", "content": text},), params=params, **kw)  # type: ignore[arg-type]


def _by_index(pairs: list[tuple[int, Event]]) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = defaultdict(list)
    for index, event in pairs:
        out[index].append(event)
    for events in out.values():  # each reply keeps a single stream's contract
        assert isinstance(events[-1], Done)
        assert sum(isinstance(e, Done) for e in events) == 1
    return out


def test_parallel_replies_are_the_replies_of_one_at_a_time(backend: LocalBackend) -> None:
    assert isinstance(backend, ParallelGenerator)
    single = [
        text_of(collect(backend.stream([{"role": "user", "content": p}], GREEDY))) for p in PROMPTS
    ]
    replies = _by_index(list(backend.stream_many([_request(p) for p in PROMPTS])))
    assert sorted(replies) == list(range(len(PROMPTS)))
    # Greedy replies are the same text, but a batch sums in another order and a near tie
    # between two tokens can fall the other way after a while: most replies are identical
    # and all start the same.
    texts = [text_of(replies[i]) for i in range(len(PROMPTS))]
    assert sum(a == b for a, b in zip(texts, single, strict=True)) >= len(PROMPTS) // 2
    for text, alone in zip(texts, single, strict=True):
        assert text[:16] == alone[:16] and text
    for events in replies.values():
        stats = [e for e in events if isinstance(e, Stats)]
        assert len(stats) == 1 and stats[0].generated_tokens > 0
        assert stats[0].cached_tokens > 0  # the template's shared start, evaluated once
    # The engine goes on as before afterwards.
    again = text_of(collect(backend.stream([{"role": "user", "content": PROMPTS[0]}], GREEDY)))
    assert again[:16] == single[0][:16]


def test_one_failing_reply_ends_alone(backend: LocalBackend) -> None:
    long_text = "Go on and on. " * 2000  # far beyond the 4,096-token context
    requests = [
        _request(PROMPTS[0]),
        _request(long_text),
        _request(PROMPTS[2], grammar="root ::= this is not gbnf"),
        _request(PROMPTS[1]),
    ]
    replies = _by_index(list(backend.stream_many(requests)))
    for bad in (1, 2):
        assert replies[bad][-1] == Done("error")
        assert any(isinstance(e, Error) for e in replies[bad])
    for good in (0, 3):
        assert text_of(replies[good]) and replies[good][-1].reason in ("stop", "length")  # type: ignore[union-attr]


def test_cancel_one_reply_and_the_others_go_on(backend: LocalBackend) -> None:
    long = SamplingParams(temperature=0.0, max_tokens=200)
    requests = [_request("Tell me a long story about a dragon.", long) for _ in range(3)]
    pairs: list[tuple[int, Event]] = []
    for index, event in backend.stream_many(requests):
        pairs.append((index, event))
        tokens_of_1 = sum(1 for i, e in pairs if i == 1 and isinstance(e, Token))
        if index == 1 and tokens_of_1 == 3:
            backend.cancel_sequence(1)
    replies = _by_index(pairs)
    assert replies[1][-1] == Done("cancelled")
    n_cancelled = next(e for e in replies[1] if isinstance(e, Stats)).generated_tokens
    for other in (0, 2):
        assert replies[other][-1] == Done("length")
        generated = next(e for e in replies[other] if isinstance(e, Stats)).generated_tokens
        assert generated == 200 > n_cancelled


def test_the_shared_cancel_stops_every_reply(backend: LocalBackend) -> None:
    long = SamplingParams(temperature=0.0, max_tokens=400)
    requests = [_request(f"Tell me a long story about dragon number {i}.", long) for i in range(3)]
    pairs: list[tuple[int, Event]] = []
    timer = threading.Timer(0.5, backend.cancel)
    timer.start()
    try:
        pairs = list(backend.stream_many(requests))
    finally:
        timer.cancel()
    replies = _by_index(pairs)
    assert all(events[-1] == Done("cancelled") for events in replies.values())
    assert len(replies) == 3
    assert text_of(collect(backend.stream([{"role": "user", "content": "Hi"}], GREEDY)))
