"""Independent model calls run together, as sequences of one batch, where the backend can.

The map step of a long summary reads each part on its own, and a round of combines merges
each group on its own: nothing in one call waits for another. On a backend that generates
several replies in one llama.cpp batch (:class:`~app.core.backend.ParallelGenerator`) every
decoding step reads the weights once for all of them, so a round of calls takes little more
than its longest call's writing. The engine admits calls while their cells fit in the cache
and starts the rest as others end, so all of a round's calls are handed over at once.

:func:`run_many` is :func:`~app.core.pipelines.run_call` for several calls: their tokens and
progress come tagged with the call's index, each call's end as a :class:`CallEnded` as it
happens (so a part's notes are kept the moment they are written), and the outcomes, in
order, are its return value. Stop cancels them all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, replace

from app.core.backend import (
    Backend,
    BackendError,
    ChatMessage,
    Done,
    Error,
    Event,
    GenerationRequest,
    ParallelGenerator,
    Progress,
    SamplingParams,
    Stats,
    StopReason,
    Token,
)
from app.core.pipelines import LOOP_CHECK_EVERY, CallLog, CallOutcome, ended_call, tool_params


@dataclass(frozen=True)
class CallEnded:
    """Call ``index`` of a :func:`run_many` ended (the others may still run)."""

    index: int
    outcome: CallOutcome


ManyEvent = tuple[int, Event] | CallEnded


def runs_together(backend: Backend) -> bool:
    """Whether ``backend`` generates several replies at once: the local engine always (its
    cache admits what fits), a server where it says it has more than one slot
    (``parallel_slots``)."""
    return isinstance(backend, ParallelGenerator) and getattr(backend, "parallel_slots", 2) > 1


def run_many(
    backend: Backend,
    calls: Sequence[Sequence[ChatMessage]],
    params: SamplingParams,
    *,
    log: CallLog,
    stop: threading.Event | None,
    max_tokens: Sequence[int] | None = None,
    loop_guards: Sequence[Callable[[str], int] | None] | None = None,
) -> Generator[ManyEvent, None, list[CallOutcome]]:
    """Run ``calls`` together; yields ``(index, Token | Progress)`` and :class:`CallEnded`,
    returns every call's outcome in order. ``backend`` must be a ParallelGenerator.

    ``max_tokens`` gives each call its own limit (else ``params``'). ``loop_guards`` are
    :func:`~app.core.pipelines.run_call`'s ``loop_guard`` for each call (None: none): a call
    caught in a loop is stopped alone, its repeat dropped, and its outcome is "length"."""
    assert isinstance(backend, ParallelGenerator)
    count = len(calls)
    if stop is not None and stop.is_set():
        return [CallOutcome(text="", reason="cancelled") for _ in calls]
    request_params = tool_params(params)
    limits = list(max_tokens) if max_tokens is not None else [request_params.max_tokens] * count
    guards = list(loop_guards) if loop_guards is not None else [None] * count
    requests = [
        GenerationRequest(tuple(messages), replace(request_params, max_tokens=limit))
        for messages, limit in zip(calls, limits, strict=True)
    ]
    pieces: list[list[str]] = [[] for _ in calls]
    stats: list[Stats | None] = [None] * count
    errors = [""] * count
    looped: set[int] = set()
    outcomes: dict[int, CallOutcome] = {}

    def end(index: int, reason: StopReason) -> CallEnded:
        if index in looped and reason in ("cancelled", "stop", "length"):
            reason = "length"  # ended on purpose: cut off, not stopped by the user
        outcome = ended_call(
            "".join(pieces[index]), reason, stats[index], errors[index], log=log, stop=stop
        )
        outcomes[index] = outcome
        return CallEnded(index, outcome)

    try:
        stream = backend.stream_many(requests)
    except BackendError as exc:
        errors = [str(exc)] * count
        for index in range(count):
            yield end(index, "error")
        return [outcomes[index] for index in range(count)]
    cancel_sent = False
    try:
        for index, event in stream:
            if isinstance(event, Token):
                if index in looped:
                    continue  # what comes after the stop was sent
                pieces[index].append(event.text)
                yield index, event
                guard = guards[index]
                if guard is not None and len(pieces[index]) % LOOP_CHECK_EVERY == 0:
                    text = "".join(pieces[index])
                    repeat = guard(text)
                    if repeat:
                        looped.add(index)
                        pieces[index] = [text[: len(text) - repeat]]
                        backend.cancel_sequence(index)
            elif isinstance(event, Progress):
                yield index, event
            elif isinstance(event, Stats):
                stats[index] = event
            elif isinstance(event, Error):
                errors[index] = event.message
            elif isinstance(event, Done) and index not in outcomes:
                yield end(index, event.reason)
            if stop is not None and stop.is_set() and not cancel_sent:
                backend.cancel()
                cancel_sent = True
    except BackendError as exc:
        for index in range(count):
            if index not in outcomes:
                errors[index] = errors[index] or str(exc)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    for index in range(count):
        if index not in outcomes:  # the stream ended without this call's Done
            yield end(index, "error")
    return [outcomes[index] for index in range(count)]
