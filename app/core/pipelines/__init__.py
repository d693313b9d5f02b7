"""Task pipelines (summarise, translate, sentiment), written against the Backend protocol.

A pipeline is a generator of events, so the GUI and the CLI show progress and stream text the
same way: model events (:class:`~app.core.backend.Token`, ``Progress``, ``Stats``, ``Error``)
pass through, and the pipeline adds its own (:class:`PartDone`, :class:`Notice`) and ends with
a result object that says what happened, including how much of the text the model read.

Stopping: ``Backend.cancel()`` ends the model call in flight, but a pipeline makes many calls,
and a cancel that lands between two of them would be lost. So a pipeline also takes a
``threading.Event``; :func:`request_stop` sets it and cancels the backend, which together stop
the job at any moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from app.core.backend import (
    Backend,
    BackendError,
    ChatMessage,
    Done,
    Error,
    Event,
    Progress,
    SamplingParams,
    Stats,
    StopReason,
    Token,
)

# Thinking a text tool allows a reasoning model that cannot be switched off (DeepSeek-R1
# distills, QwQ): enough to plan an answer, and far less than a map step's whole budget. At
# the limit the engine closes the thought and the model answers (app.engine.decode).
TOOL_REASONING_BUDGET = 1024


def tool_params(params: SamplingParams) -> SamplingParams:
    """``params`` for a text tool's call: thinking off where the model has a switch, and a
    reasoning budget of its own, so the answer's ``max_tokens`` is never spent thinking.

    The reasoning itself never reaches a result: :func:`run_call` keeps only answer tokens.
    """
    return replace(
        params,
        think=False if params.think is None else params.think,
        max_reasoning_tokens=params.max_reasoning_tokens or TOOL_REASONING_BUDGET,
    )


@dataclass(frozen=True)
class PartDone:
    """Part ``index`` of ``total`` is finished; ``text`` is the output so far, ready to show."""

    index: int
    total: int
    text: str


@dataclass(frozen=True)
class Notice:
    """Something the user should know that does not stop the job (shown as a status line)."""

    message: str


@dataclass(frozen=True)
class Retry(Notice):
    """The answer streamed so far is withdrawn (``message`` says why); a new one follows.

    A screen clears what it showed of the answer; a terminal, which cannot, starts the new
    answer on a fresh line.
    """


def request_stop(backend: Backend, stop: threading.Event | None) -> None:
    """Stop a running pipeline now, whether a model call is in flight or not."""
    if stop is not None:
        stop.set()
    backend.cancel()


def model_seconds(stats: Stats) -> float:
    """Time spent inside the model for one call: prompt evaluation plus generation.

    ``prompt_eval_s`` runs to the first token; the rest of the tokens came at ``tokens_per_s``.
    """
    generation = 0.0
    if stats.generated_tokens > 1 and stats.tokens_per_s > 0:
        generation = (stats.generated_tokens - 1) / stats.tokens_per_s
    return stats.prompt_eval_s + generation


@dataclass
class CallOutcome:
    """What one model call produced."""

    text: str
    reason: StopReason
    stats: Stats | None = None
    error: str = ""
    tokens: list[Token] = field(default_factory=list)  # kept only when logprobs were asked for


@dataclass
class CallLog:
    """Counts over all model calls of one job, for the result object and the benchmarks."""

    calls: int = 0
    prompt_tokens: int = 0
    generated_tokens: int = 0
    model_seconds: float = 0.0
    stats: list[Stats] = field(default_factory=list)

    def add(self, stats: Stats | None) -> None:
        self.calls += 1
        if stats is not None:
            self.prompt_tokens += stats.prompt_tokens
            self.generated_tokens += stats.generated_tokens
            self.model_seconds += model_seconds(stats)
            self.stats.append(stats)


Finished = TypeVar("Finished")

# Tokens between two looks for a loop (``run_call``'s ``loop_guard``).
LOOP_CHECK_EVERY = 8


def run_call(
    backend: Backend,
    messages: Sequence[ChatMessage],
    params: SamplingParams,
    *,
    log: CallLog,
    stop: threading.Event | None,
    forward_tokens: bool = False,
    forward_stats: bool = False,
    transform: Callable[[str], str] | None = None,
    grammar: str | None = None,
    json_schema: dict[str, Any] | None = None,
    logprobs: int = 0,
    loop_guard: Callable[[str], int] | None = None,
) -> Generator[Event, None, CallOutcome]:
    """Run one model call, passing its events on; returns what it produced.

    Use as ``outcome = yield from run_call(...)``. ``transform`` rewrites the text of forwarded
    tokens (the translation pipeline puts protected text back into them). ``loop_guard`` is
    given the text so far every few tokens and answers how many characters at its end are a
    loop: when it finds one, the call is ended there, the repeat dropped, and the outcome is
    "length" (cut off), not minutes of the same sentence until the token limit. A backend that
    raises :class:`BackendError` (no model loaded, an engine that would not start) gives an
    error outcome, so the pipeline ends with a result instead of a traceback.
    """
    pieces: list[str] = []
    kept: list[Token] = []
    stats: Stats | None = None
    error = ""
    reason: StopReason = "error"
    if stop is not None and stop.is_set():
        return CallOutcome(text="", reason="cancelled")
    try:
        stream = backend.stream(
            list(messages),
            tool_params(params),
            grammar=grammar,
            json_schema=json_schema,
            logprobs=logprobs,
        )
    except BackendError as exc:
        log.add(None)
        return CallOutcome(text="", reason="error", error=str(exc))
    cancel_sent = looped = False
    try:
        for event in stream:
            if isinstance(event, Token):
                if looped:
                    continue  # what the engine wrote before the cancel reached it
                pieces.append(event.text)
                if logprobs:
                    kept.append(event)
                if forward_tokens:
                    if transform is None:
                        yield event
                    else:
                        shown = transform(event.text)
                        if shown:
                            yield Token(shown, event.logprob, event.top)
                if loop_guard is not None and len(pieces) % LOOP_CHECK_EVERY == 0:
                    text = "".join(pieces)
                    repeat = loop_guard(text)
                    if repeat:
                        looped = True
                        pieces = [text[: len(text) - repeat]]
                        if not cancel_sent:
                            backend.cancel()
                            cancel_sent = True
            elif isinstance(event, Progress):
                yield event
            elif isinstance(event, Stats):
                stats = event
                if forward_stats:
                    yield event
            elif isinstance(event, Error):
                error = event.message
            elif isinstance(event, Done):
                reason = event.reason
                break
            if stop is not None and stop.is_set() and not cancel_sent:
                backend.cancel()
                cancel_sent = True
    except BackendError as exc:
        error = str(exc)
        reason = "error"
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    if looped and reason == "cancelled" and not (stop is not None and stop.is_set()):
        reason = "length"
    return ended_call("".join(pieces), reason, stats, error, log=log, stop=stop, tokens=kept)


def ended_call(
    text: str,
    reason: StopReason,
    stats: Stats | None,
    error: str,
    *,
    log: CallLog,
    stop: threading.Event | None,
    tokens: list[Token] | None = None,
) -> CallOutcome:
    """How a call ended, counted in ``log``: a stop asked for makes it cancelled, an error
    message makes it failed, and a failure always has a message."""
    log.add(stats)
    if stop is not None and stop.is_set() and reason != "error":
        reason = "cancelled"
    if error and reason != "cancelled":
        reason = "error"
    if reason == "error" and not error:
        error = "The model stopped without finishing its answer."
    return CallOutcome(text=text, reason=reason, stats=stats, error=error, tokens=tokens or [])


def finish_call(call: Generator[Any, None, Finished]) -> Finished:
    """Run a call generator whose events nobody watches (:func:`run_call`, or
    :func:`~app.core.pipelines.many_calls.run_many`); return its outcome."""
    while True:
        try:
            next(call)
        except StopIteration as finished:
            return finished.value


def with_max_tokens(params: SamplingParams, max_tokens: int) -> SamplingParams:
    """The caller's sampling settings with this call's answer limit."""
    return replace(params, max_tokens=max(1, max_tokens))
