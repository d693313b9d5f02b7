"""Helpers shared by the engine tests (a plain module: conftest files are not for importing)."""

from __future__ import annotations

from collections.abc import Iterator

from app.core.backend import Done, Event, LoadOptions, SamplingParams, Stats, Token

# Two threads: the test machines have two cores, shared with the rest of the suite.
TEST_OPTIONS = LoadOptions(n_ctx=4096, n_batch=512, n_threads=2)
GREEDY = SamplingParams(temperature=0.0, max_tokens=24)


def collect(events: Iterator[Event]) -> list[Event]:
    """Consume a stream, checking the contract: Done exactly once, and last."""
    out = list(events)
    assert out, "a stream must yield at least Done"
    assert isinstance(out[-1], Done)
    assert sum(isinstance(e, Done) for e in out) == 1
    return out


def text_of(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, Token))


def stats_of(events: list[Event]) -> Stats:
    stats = [e for e in events if isinstance(e, Stats)]
    assert len(stats) == 1, events
    return stats[0]
