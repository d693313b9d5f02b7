"""Parts of a translation read together, as sequences of one batch, where the backend can.

Decoding one token reads every weight once, whether it is one sequence's next token or
several sequences'; a translation's answer is as long as its part, so its parts gain from
being written together more than a summary's parts do. A part is translated with the end of
the part before as context, so terms and register carry over; when the part before is being
translated at the same time its translation is not there yet, and the context is its source
alone (which still tells the model what the text is about and where it stands). The first
part of each window has the translation before it, as when parts run one at a time.

:func:`read_ahead` runs the first call of up to :data:`PARTS_TOGETHER` parts at once
(:func:`~app.core.pipelines.many_calls.run_many`); the job then lines each answer up and
sends lines that came back wrong again, part by part in order, as it does for a part read
alone. Each call keeps its own token limit and loop guard. A window is small so that a Stop
loses little and the first finished part shows soon.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from app.core.backend import Backend, ChatMessage, SamplingParams
from app.core.pipelines import CallLog, CallOutcome, finish_call
from app.core.pipelines.many_calls import run_many

PARTS_TOGETHER = 4

Ahead = dict[int, tuple[list[tuple[str, str]], CallOutcome]]


class _Job(Protocol):
    """What :func:`read_ahead` needs of the translation job (``translate._Translation``)."""

    backend: Backend
    params: SamplingParams
    log: CallLog
    stop: threading.Event | None

    def context_for(
        self, previous: Sequence[tuple[str, str]], reserve: int
    ) -> list[tuple[str, str]]: ...

    def request(
        self, units: Sequence[Any], context: Sequence[tuple[str, str]]
    ) -> tuple[list[ChatMessage], int, Callable[[str], int] | None]: ...


def read_ahead(
    job: _Job,
    window: Sequence[Sequence[Any]],
    number: int,
    previous: Sequence[tuple[str, str]],
    reserve: int,
) -> Ahead:
    """The first call of each part of ``window`` (parts ``number``, ``number + 1``, …),
    run together: each part's context and outcome, by part number. The answers are not
    shown as they come: they are lined up first, part by part."""
    contexts = [job.context_for(previous, reserve)]
    contexts += [job.context_for([(u.text, "") for u in part], reserve) for part in window[:-1]]
    requests = [job.request(part, context) for part, context in zip(window, contexts, strict=True)]
    calls = run_many(
        job.backend,
        [messages for messages, _limit, _guard in requests],
        job.params,
        log=job.log,
        stop=job.stop,
        max_tokens=[limit for _messages, limit, _guard in requests],
        loop_guards=[guard for _messages, _limit, guard in requests],
    )
    outcomes = finish_call(calls)
    return {
        number + offset: (context, outcome)
        for offset, (context, outcome) in enumerate(zip(contexts, outcomes, strict=True))
    }
