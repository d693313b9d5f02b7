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
from collections.abc import Generator, Sequence
from dataclasses import dataclass

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
from app.core.pipelines import CallLog, CallOutcome, ended_call, tool_params


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
) -> Generator[ManyEvent, None, list[CallOutcome]]:
    """Run ``calls`` together; yields ``(index, Token | Progress)`` and :class:`CallEnded`,
    returns every call's outcome in order. ``backend`` must be a ParallelGenerator."""
    assert isinstance(backend, ParallelGenerator)
    count = len(calls)
    if stop is not None and stop.is_set():
        return [CallOutcome(text="", reason="cancelled") for _ in calls]
    request_params = tool_params(params)
    requests = [GenerationRequest(tuple(messages), request_params) for messages in calls]
    pieces: list[list[str]] = [[] for _ in calls]
    stats: list[Stats | None] = [None] * count
    errors = [""] * count
    outcomes: dict[int, CallOutcome] = {}

    def end(index: int, reason: StopReason) -> CallEnded:
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
                pieces[index].append(event.text)
                yield index, event
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
