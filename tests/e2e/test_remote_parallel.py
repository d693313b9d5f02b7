"""The remote backend sends a batch's calls together to a server that has several slots.

A real ``parley serve --parallel 2`` with the starter model on 127.0.0.1, reached through
:class:`OpenAICompatBackend` as the app reaches any server: it finds the server's two slots,
streams two replies at once and holds a third until one ends, stops one reply while the
others go on, ends a refused request alone, frees the slots when the caller leaves, and a
long summary's parts go out together.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_serve import Served, serving

from app.core.backend import (
    ChoiceScores,
    Done,
    Error,
    Event,
    GenerationRequest,
    LoadOptions,
    ModelRef,
    SamplingParams,
    Stats,
    Token,
)
from app.core.pipelines.many_calls import runs_together
from app.core.pipelines.sentiment_scoring import CHOICES
from app.core.pipelines.summarise import SummaryResult, summarise_document
from app.core.prompts.sentiment import score_messages
from app.engine.openai_compat import OpenAICompatBackend

SLOTS = 2
CONTEXT = 2048


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("remote-parallel-home")
    with serving(home, "--parallel", str(SLOTS), "--context", str(CONTEXT)) as served:
        yield served


@pytest.fixture
def remote(server: Served) -> Iterator[OpenAICompatBackend]:
    backend = OpenAICompatBackend(server.url, api_key=server.key)
    try:
        backend.load(ModelRef(path=Path()), LoadOptions(n_ctx=CONTEXT))
        yield backend
    finally:
        backend.close()


def _request(content: str, max_tokens: int = 24, **sampling: Any) -> GenerationRequest:
    params = SamplingParams(temperature=0.0, max_tokens=max_tokens, seed=1, **sampling)
    return GenerationRequest(({"role": "user", "content": content},), params)


def _processing(server: Served) -> int:
    health = httpx.get(server.url.removesuffix("/v1") + "/health", timeout=10).json()
    return int(health["slots_processing"])


def _settles(server: Served) -> bool:
    deadline = time.monotonic() + 10
    while _processing(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _processing(server) == 0


def _by_index(events: list[tuple[int, Event]], count: int) -> list[list[Event]]:
    out: list[list[Event]] = [[] for _ in range(count)]
    for index, event in events:
        out[index].append(event)
    return out


def _text(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, Token))


def _normalised(logprobs: tuple[float, ...]) -> list[float]:
    weights = [math.exp(value) for value in logprobs]
    return [weight / sum(weights) for weight in weights]


def test_the_servers_slots_are_found(remote: OpenAICompatBackend) -> None:
    assert remote.parallel_slots == SLOTS
    assert runs_together(remote)
    info = remote.loaded()
    assert info is not None and f"{SLOTS} request(s) at a time" in info.system_info


def test_two_replies_stream_at_once_and_the_third_waits_for_a_slot(
    remote: OpenAICompatBackend, server: Served
) -> None:
    questions = ["Name three colours.", "Say hello in French.", "Count to five."]
    events = list(remote.stream_many([_request(q, max_tokens=32) for q in questions]))
    replies = _by_index(events, len(questions))
    for reply in replies:
        assert _text(reply).strip(), replies
        assert isinstance(reply[-2], Stats) and reply[-1] in (Done("stop"), Done("length"))
    position = {id(e): n for n, (_i, e) in enumerate(events)}

    def first_token(index: int) -> int:
        return min(position[id(e)] for e in replies[index] if isinstance(e, Token))

    def done(index: int) -> int:
        return position[id(replies[index][-1])]

    # The first two stream side by side: each starts before the other has ended.
    assert first_token(1) < done(0) and first_token(0) < done(1)
    # The third is sent only once a slot is free.
    assert first_token(2) > min(done(0), done(1))
    # The same reply as when it is asked alone, at least at its start (greedy replies made
    # together may part after a near tie, as the batch's sums differ slightly).
    first = _request(questions[0], max_tokens=32)
    alone = _text(list(remote.stream(first.messages, first.params)))
    assert _text(replies[0])[:8] == alone[:8]
    assert _settles(server)


def test_one_reply_stopped_while_the_others_go_on(
    remote: OpenAICompatBackend, server: Served
) -> None:
    requests = [
        _request("Write a very long story about a lighthouse.", max_tokens=600),
        _request("Say hello in French.", max_tokens=16),
        _request("Name three colours.", max_tokens=16),
    ]
    seen: list[tuple[int, Event]] = []
    stopped = False
    for index, event in remote.stream_many(requests):
        seen.append((index, event))
        if index == 0 and isinstance(event, Token) and not stopped:
            remote.cancel_sequence(0)
            stopped = True
    replies = _by_index(seen, len(requests))
    assert replies[0][-1] == Done("cancelled")
    assert sum(isinstance(e, Token) for e in replies[0]) < 600
    for reply in replies[1:]:
        assert _text(reply).strip() and reply[-1] in (Done("stop"), Done("length"))
    assert _settles(server)


def test_a_refused_request_ends_alone(remote: OpenAICompatBackend) -> None:
    too_long = "hello there " * 3000
    replies = _by_index(
        list(remote.stream_many([_request(too_long), _request("Say hello in French.")])), 2
    )
    errors = [e for e in replies[0] if isinstance(e, Error)]
    assert errors and "context" in errors[0].message.lower(), replies[0]
    assert replies[0][-1] == Done("error")
    assert _text(replies[1]).strip() and replies[1][-1] in (Done("stop"), Done("length"))


def test_leaving_early_frees_the_slots_and_cancel_stops_what_was_not_sent(
    remote: OpenAICompatBackend, server: Served
) -> None:
    story = "Write a very long story about a lighthouse."
    stream = remote.stream_many([_request(story, max_tokens=600) for _ in range(3)])
    for _index, event in stream:
        if isinstance(event, Token):
            break
    stream.close()  # type: ignore[attr-defined]
    assert _settles(server)
    # cancel() from another thread: the running replies end cancelled, and those not sent yet
    # end cancelled without a request.
    requests = [_request(story, max_tokens=600) for _ in range(4)]
    seen: list[tuple[int, Event]] = []
    for index, event in remote.stream_many(requests):
        seen.append((index, event))
        if isinstance(event, Token) and len(seen) == 3:
            threading.Thread(target=remote.cancel).start()
    replies = _by_index(seen, len(requests))
    assert [reply[-1] for reply in replies] == [Done("cancelled")] * 4
    assert not any(isinstance(e, Token) for reply in replies[2:] for e in reply)
    assert _settles(server)
    # The backend still works afterwards.
    assert _text(list(remote.stream([{"role": "user", "content": "Hi"}], _request("").params)))


def test_batch_scoring_agrees_with_one_at_a_time(remote: OpenAICompatBackend) -> None:
    reviews = ["I loved this film.", "Terrible, a waste of money.", "Great value, works well."]
    conversations = [score_messages(review) for review in reviews]
    choices = CHOICES
    many = remote.score_choices_many(conversations, choices)
    assert all(isinstance(r, ChoiceScores) and r.logprobs is not None for r in many), many
    for conversation, result in zip(conversations, many, strict=True):
        alone = remote.score_choices(conversation, choices)
        assert alone is not None and result.logprobs is not None
        # The same choice first, and the choices' probabilities normalised over them (what
        # the pipeline reads) within the engine tests' tolerance: a prompt whose prefix came
        # from the server's cache differs a little from one evaluated at once.
        assert alone.index(max(alone)) == result.logprobs.index(max(result.logprobs))
        assert _normalised(result.logprobs) == pytest.approx(_normalised(alone), abs=0.08)


def test_a_long_summarys_parts_go_to_the_server_together(
    remote: OpenAICompatBackend, server: Served
) -> None:
    paragraph = (
        "The harbour town of {n} grew around its fishing fleet, and its council met every "
        "week to decide how the catch was sold and how the quay was kept in repair. "
    )
    text = "\n\n".join((paragraph.format(n=f"Port{i}") * 6).strip() for i in range(10))
    busiest = 0
    finished = threading.Event()

    def watch() -> None:
        nonlocal busiest
        while not finished.is_set():
            busiest = max(busiest, _processing(server))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        events = list(summarise_document(remote, text, length="short", notes_tokens=48))
    finally:
        finished.set()
        watcher.join()
    result = events[-1]
    assert isinstance(result, SummaryResult) and result.status == "complete", result
    assert result.parts >= 3 and result.text.strip()
    assert busiest == SLOTS


def test_the_servers_page_learns_the_slots(server: Served) -> None:
    from app.gui.servers_page import probe_server

    info, models, slots = probe_server(server.url, server.key, "")
    assert slots == SLOTS and models == [info.model_id]
