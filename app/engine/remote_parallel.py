"""Concurrent requests to an OpenAI-compatible server, as many as it says it serves at once.

llama-server (``-np N``, 4 by default) and ``parley serve --parallel N`` batch the replies of
several requests together, so a batch job (a summary's map step, a round of combines, a
batch of sentiment items) finishes sooner when its calls are sent together rather than one
after another. A server that says nothing about its slots gets one request at a time, as
before: sending more could only make it queue them, or fail them.

The number comes from the server, found by :meth:`ConcurrentRequests._discover_slots`:
llama-server's ``/props`` (``total_slots``), else a ``/health`` that counts its slots
(``slots_idle`` + ``slots_processing``: ``parley serve`` and older llama-servers), at most
:data:`MAX_CONCURRENT`.

This is a mixin of :class:`~app.engine.openai_compat.OpenAICompatBackend`, which holds the
HTTP client and the single-stream code. Each stream has its own :class:`Flow` (its cancel
flag and response), so one reply can be stopped while the others go on
(:meth:`ConcurrentRequests.cancel_sequence`), and :meth:`ConcurrentRequests.cancel` stops
every stream and every call of a batch not yet sent.
"""

from __future__ import annotations

import json
import queue
import threading
import weakref
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import Any

import httpx

from app.core.backend import (
    BackendError,
    ChatMessage,
    ChoiceScores,
    Done,
    Error,
    Event,
    GenerationRequest,
    SamplingParams,
    Token,
    checked_messages,
)
from app.engine.openai_wire import Dialect, chat_body, choice_scores, shutdown_socket

MAX_CONCURRENT = 8  # a bound even for a server that claims more slots
# Alternatives asked for when scoring choices: the most the OpenAI API allows.
SCORE_ALTERNATIVES = 20
_SCORE_PARAMS = SamplingParams(temperature=0.0, top_k=1, max_tokens=1, think=False)


class Flow:
    """One stream's cancel state: the flag :meth:`ConcurrentRequests.cancel` sets, and the
    response whose socket it shuts so a reader blocked on a long prompt wakes at once."""

    __slots__ = ("__weakref__", "cancelled", "response")

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.response: httpx.Response | None = None


class CallBatch:
    """One batch of concurrent calls: which were stopped, and each started call's flow."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stopped = False  # every call not yet started ends at once
        self.cancelled: set[int] = set()
        self.flows: dict[int, Flow] = {}

    def flow_for(self, index: int, flow: Flow) -> Flow:
        """Register call ``index``'s flow, cancelled already if the call was stopped."""
        with self.lock:
            self.flows[index] = flow
            if self.stopped or index in self.cancelled:
                flow.cancelled.set()
        return flow

    def stop(self, index: int | None = None) -> Flow | None:
        """Stop call ``index`` (or all); the started flow to cancel, if there is one."""
        with self.lock:
            if index is None:
                self.stopped = True
                return None
            self.cancelled.add(index)
            return self.flows.get(index)


class ConcurrentRequests:
    """Several calls sent to the server together, up to :attr:`parallel_slots` at a time."""

    host: str
    parallel_slots: int
    _lock: threading.Lock
    _flows: weakref.WeakSet[Flow]
    _root: str
    _dialect: Dialect
    _logprobs_ok: bool
    _model_id: str
    model: str
    _runs: weakref.WeakSet[CallBatch]
    _many: CallBatch | None = None

    # -- provided by OpenAICompatBackend ---------------------------------------------------

    def _json(self, method: str, url: str, *, retries: int | None = None) -> Any:
        raise NotImplementedError

    def _stream(
        self, body: dict[str, Any], flow: Flow, *, want_logprobs: bool
    ) -> Generator[Event, None, None]:
        raise NotImplementedError

    def _body(
        self,
        checked: tuple[ChatMessage, ...],
        params: SamplingParams,
        grammar: str | None,
        json_schema: dict[str, Any] | None,
        logprobs: int,
    ) -> dict[str, Any]:
        """The request body of one reply (its JSON schema checked first)."""
        if json_schema is not None:
            try:
                json.dumps(json_schema)
            except (TypeError, ValueError) as exc:
                raise BackendError(f"The JSON schema is not valid JSON: {exc}") from None
        return chat_body(
            checked,
            params,
            grammar,
            json_schema,
            logprobs,
            model=self._model_id or self.model or "default",
            dialect=self._dialect,
            logprobs_ok=self._logprobs_ok,
            host=self.host,
        )

    # -- flows -----------------------------------------------------------------------------

    def _new_flow(self) -> Flow:
        """A stream's own cancel state, registered so :meth:`cancel` reaches it even before
        its generator first runs (a stream never read is dropped with its generator)."""
        flow = Flow()
        with self._lock:
            self._flows.add(flow)
        return flow

    def _cancel_flow(self, flow: Flow) -> None:
        flow.cancelled.set()
        with self._lock:
            response = flow.response
        if response is not None:
            shutdown_socket(response)

    def cancel(self) -> None:
        """Stop every stream now (closing its connection) and every call of a batch not yet
        sent. Safe from any thread."""
        with self._lock:
            runs, flows = list(self._runs), list(self._flows)
        for run in runs:
            run.stop()
        for flow in flows:
            self._cancel_flow(flow)

    def _discover_slots(self) -> int:
        """How many requests the server serves at once, as it says; 1 when it does not."""
        if self._dialect == "llama-server":
            with suppress(BackendError):
                props = self._json("GET", f"{self._root}/props", retries=0)
                total = props.get("total_slots") if isinstance(props, dict) else None
                if isinstance(total, int) and total > 0:
                    return min(total, MAX_CONCURRENT)
        with suppress(BackendError):
            health = self._json("GET", f"{self._root}/health", retries=0)
            if isinstance(health, dict):
                idle, busy = health.get("slots_idle"), health.get("slots_processing")
                if isinstance(idle, int) and isinstance(busy, int) and idle + busy > 0:
                    return min(idle + busy, MAX_CONCURRENT)
        return 1

    def _new_run(self) -> CallBatch:
        run = CallBatch()
        with self._lock:
            self._runs.add(run)
        return run

    # -- several replies -------------------------------------------------------------------

    def stream_many(self, requests: Sequence[GenerationRequest]) -> Iterator[tuple[int, Event]]:
        """Each request's reply, streamed: ``(index, event)`` pairs, interleaved, each
        index's events ending with its own Done. Up to :attr:`parallel_slots` requests are
        sent at once and the next as one ends. Closing the generator early cancels them all;
        :meth:`cancel_sequence` stops one."""
        prepared = [
            (
                self._body(
                    checked_messages(r.messages), r.params, r.grammar, r.json_schema, r.logprobs
                ),
                r.logprobs > 0,
            )
            for r in requests
        ]
        run = self._new_run()
        self._many = run
        return self._stream_many(prepared, run)

    def cancel_sequence(self, index: int) -> None:
        """Stop reply ``index`` of the running :meth:`stream_many`; the others go on."""
        run = self._many
        flow = run.stop(int(index)) if run is not None else None
        if flow is not None:
            self._cancel_flow(flow)

    def _stream_many(
        self, prepared: list[tuple[dict[str, Any], bool]], run: CallBatch
    ) -> Generator[tuple[int, Event], None, None]:
        events: queue.SimpleQueue[tuple[int, Event] | None] = queue.SimpleQueue()
        order = iter(range(len(prepared)))
        take = threading.Lock()

        def work() -> None:
            while True:
                with take:
                    index = next(order, None)
                if index is None:
                    break
                flow = run.flow_for(index, self._new_flow())
                body, want_logprobs = prepared[index]
                try:
                    for event in self._stream(body, flow, want_logprobs=want_logprobs):
                        events.put((index, event))
                except Exception as exc:  # the index must still get its Done
                    events.put((index, Error(f"The request to {self.host} failed: {exc}")))
                    events.put((index, Done("error")))
            events.put(None)

        workers = [
            threading.Thread(target=work, name=f"parley-remote-{n}", daemon=True)
            for n in range(min(max(1, self.parallel_slots), len(prepared)))
        ]
        for worker in workers:
            worker.start()
        running = len(workers)
        try:
            while running:
                item = events.get()
                if item is None:
                    running -= 1
                else:
                    yield item
        finally:
            if running:  # closed early: stop what is still to come and what runs
                run.stop()
                with run.lock:
                    flows = list(run.flows.values())
                for flow in flows:
                    self._cancel_flow(flow)
            if self._many is run:
                self._many = None

    # -- scoring ---------------------------------------------------------------------------

    def score_choices(
        self, messages: list[ChatMessage] | tuple[ChatMessage, ...], choices: Sequence[str]
    ) -> tuple[float, ...] | None:
        """Each choice's log-probability as the reply's start, from the server's top
        alternatives for one greedy token; None when the server gives no log-probabilities
        or names none of the choices among them."""
        scores = self._score(checked_messages(messages), tuple(choices), self._new_flow())
        return None if scores is None or scores.cancelled else scores.logprobs

    def score_choices_many(
        self,
        conversations: Sequence[Sequence[ChatMessage]],
        choices: Sequence[str],
    ) -> list[ChoiceScores]:
        """Every conversation scored, :attr:`parallel_slots` requests at a time; a failed
        request is that item's error, and a cancel() marks the items not reached cancelled.
        Logprobs of ``None`` with no error: the server gives none."""
        checked = [checked_messages(tuple(messages)) for messages in conversations]
        run = self._new_run()
        wanted = tuple(choices)

        def one(index: int) -> ChoiceScores:
            flow = run.flow_for(index, self._new_flow())
            try:
                scores = self._score(checked[index], wanted, flow)
            except BackendError as exc:
                return ChoiceScores(None, error=str(exc))
            return ChoiceScores(None) if scores is None else scores

        if not checked:
            return []
        with ThreadPoolExecutor(
            max_workers=min(max(1, self.parallel_slots), len(checked)),
            thread_name_prefix="parley-remote-score",
        ) as pool:
            return list(pool.map(one, range(len(checked))))

    def _score(
        self, checked: tuple[ChatMessage, ...], choices: tuple[str, ...], flow: Flow
    ) -> ChoiceScores | None:
        """One conversation's scores; None when the server gives no log-probabilities."""
        if not self._logprobs_ok:
            return None
        if flow.cancelled.is_set():
            return ChoiceScores(None, cancelled=True)
        body = self._body(checked, _SCORE_PARAMS, None, None, SCORE_ALTERNATIVES)
        first: Token | None = None
        for event in self._stream(body, flow, want_logprobs=True):
            if isinstance(event, Token) and first is None:
                first = event
            elif isinstance(event, Error):
                raise BackendError(event.message)
            elif isinstance(event, Done) and event.reason == "cancelled":
                return ChoiceScores(None, cancelled=True)
        if first is None or first.logprob is None:
            return None
        scores = choice_scores(first.top, choices)
        return None if scores is None else ChoiceScores(scores)
