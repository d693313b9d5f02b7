"""Summarising a document of any length, reading every part of it.

Short text is summarised in one pass. Longer text is split by real token counts and every
part is summarised (map); the partial summaries are then combined, in groups if they do not
fit together, round after round until one final pass fits (reduce). The other common
approach, summarising a few retrieved chunks, skips most of the document, which is the
complaint users have about other apps; here :class:`SummaryResult` reports how many tokens of
the document the model read, so tests (and curious users) can check that it was all of it.

Only the final pass streams tokens to the user; the map and combine passes report
``Progress(i, N, "part")`` and ``Progress(j, M, "combine")`` (then ``Progress(1, 1, "final")``
as the final prompt of several parts' notes is read), and within a call the engine's
``Progress(done, total, "prompt")`` and ``Progress(n, limit, "write")`` for each token written,
so a face can move its bar inside a part. Each part's notes come as a
:class:`~app.core.pipelines.resume.PartKept` when the part is done; a run given them back as
``done_parts`` skips those parts (:mod:`app.core.pipelines.resume`).
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from app.core.backend import (
    Backend,
    BackendError,
    ChatMessage,
    Error,
    Event,
    Progress,
    SamplingParams,
    Token,
)
from app.core.extract import InputError, check_text
from app.core.langs import get_language
from app.core.pipelines import CallLog, CallOutcome, Retry, run_call, with_max_tokens
from app.core.pipelines.many_calls import CallEnded, run_many, runs_together
from app.core.pipelines.resume import PartKept, part_key, usable_parts
from app.core.pipelines.summary_checks import key_terms, summary_problem, without_labels
from app.core.prompts import defuse
from app.core.prompts import summarise as prompts
from app.core.textsplit import SplitPlan, split_text

# Tokens kept free for differences between counting a text alone and inside the template.
SAFETY_TOKENS = 16
# Largest part read at once in a long document. A small model's notes on a 2,400-token part
# described its opening and missed everything after (bench/quality.py's planted facts); on
# parts of this size they cover the part. The prompt tokens are the same either way; only the
# number of notes (and of tokens written) grows.
MAX_PART_TOKENS = 1024
# Longest note on one part; a quarter of the context at most, so two always fit a combine.
MAP_ANSWER_TOKENS = 256
DEFAULT_PARAMS = SamplingParams(temperature=0.2, top_p=0.9, top_k=40, repeat_penalty=1.15)

Status = Literal["complete", "cancelled", "error"]


@dataclass(frozen=True)
class SummaryResult:
    """The outcome of a summary job; always the last event of :func:`summarise_document`."""

    status: Status
    text: str
    document_tokens: int
    budget: int  # tokens of the document the model reads at a time
    part_tokens: tuple[int, ...]  # tokens of each part, in order (one entry for a single pass)
    model_calls: int
    combine_rounds: int
    prompt_tokens: int  # all prompt tokens the model evaluated, templates included
    generated_tokens: int
    model_seconds: float  # time inside the model (prompt evaluation + generation)
    wall_seconds: float
    error: str = ""
    cut_off: bool = False  # the final answer ended at the length limit, mid-thought
    retry_reason: str = ""  # why the final answer was asked for a second time ("" if not)
    resumed_parts: int = 0  # parts an earlier run had read, taken from ``done_parts``
    notes: tuple[str, ...] = ()  # the notes on each part of a long document, in order

    @property
    def parts(self) -> int:
        """How many parts the document was read in."""
        return len(self.part_tokens)

    @property
    def tokens_read(self) -> int:
        """Tokens of the document that were sent to the model."""
        return sum(self.part_tokens)


SummaryEvent = Event | SplitPlan | Retry | PartKept | SummaryResult


def summarise_document(
    backend: Backend,
    text: str,
    *,
    length: str = "medium",
    style: str = "paragraph",
    language: str | None = None,
    params: SamplingParams | None = None,
    notes_tokens: int = MAP_ANSWER_TOKENS,
    stop: threading.Event | None = None,
    done_parts: Sequence[PartKept] | None = None,
) -> Iterator[SummaryEvent]:
    """Summarise ``text``; yields progress, the final pass's tokens, then a SummaryResult.

    ``language`` is a language code or name for the summary (None: the document's language).
    ``notes_tokens`` bounds the notes taken on each part of a long document (and each merge).
    ``done_parts`` are the :class:`PartKept` of an earlier run of the same job: the parts they
    match are not read again (no model call), their notes are used as they are.
    Bad input raises :class:`~app.core.extract.InputError` here, before anything runs.
    """
    check_text(text)
    prompts.check_options(length, style)
    language_name = get_language(language).name if language else None
    if notes_tokens < 16:
        raise InputError("Notes on each part need room for at least 16 tokens.")
    job = _Job(
        backend,
        length=length,
        style=style,
        language=language_name,
        params=params or DEFAULT_PARAMS,
        stop=stop,
    )
    job.notes_tokens = notes_tokens
    job.text = text
    job.done_parts = list(done_parts or ())
    return _summarise(job, text)


class _Job:
    """One summary job: its options, and the counts every step reports."""

    def __init__(
        self,
        backend: Backend,
        *,
        length: str,
        style: str,
        language: str | None,
        params: SamplingParams,
        stop: threading.Event | None,
    ) -> None:
        self.backend = backend
        self.length = length
        self.style = style
        self.language = language
        self.params = params
        self.stop = stop
        self.log = CallLog()
        self.started = time.perf_counter()
        self.document_tokens = 0
        self.budget = 0
        self.part_tokens: tuple[int, ...] = ()
        self.rounds = 0
        self.context = 0
        self.final_answer = 0
        self.map_answer = 0
        self.notes_tokens = MAP_ANSWER_TOKENS
        self.text = ""
        self.cut_off = False
        self.retry_reason = ""
        self.done_parts: list[PartKept] = []
        self.resumed_parts = 0
        self.notes: tuple[str, ...] = ()
        # The names and figures of the notes on the parts, handed to the final pass again
        # (from the first notes, so a merge round cannot lose them).
        self.key_terms: list[str] = []

    def count(self, text: str) -> int:
        return self.backend.count_tokens(defuse(text))

    def result(self, status: Status, text: str = "", error: str = "") -> SummaryResult:
        return SummaryResult(
            status=status,
            text=text,
            document_tokens=self.document_tokens,
            budget=self.budget,
            part_tokens=self.part_tokens,
            model_calls=self.log.calls,
            combine_rounds=self.rounds,
            prompt_tokens=self.log.prompt_tokens,
            generated_tokens=self.log.generated_tokens,
            model_seconds=self.log.model_seconds,
            wall_seconds=time.perf_counter() - self.started,
            error=error,
            cut_off=self.cut_off,
            retry_reason=self.retry_reason,
            resumed_parts=self.resumed_parts,
            notes=self.notes,
        )

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def combine(
        self, summaries: Sequence[str], *, final: bool, strict: bool = False
    ) -> list[ChatMessage]:
        return prompts.combine_messages(
            summaries,
            length=self.length,
            style=self.style,
            language=self.language,
            final=final,
            strict=strict,
            key_terms=self.key_terms if final else (),
        )


def _summarise(job: _Job, text: str) -> Iterator[SummaryEvent]:
    try:
        yield from _run(job, text)
    except BackendError as exc:
        yield Error(str(exc))
        yield job.result("error", error=str(exc))


def _run(job: _Job, text: str) -> Iterator[SummaryEvent]:
    backend = job.backend
    job.context = context = backend.context_length()
    job.final_answer = min(prompts.ANSWER_TOKENS[job.length], context // 4)
    job.map_answer = min(job.notes_tokens, context // 8)
    single = prompts.single_pass_messages(
        "", length=job.length, style=job.style, language=job.language
    )
    single_budget = context - backend.count_chat_tokens(single) - job.final_answer - SAFETY_TOKENS

    job.document_tokens = job.count(text)
    if job.document_tokens <= single_budget:
        job.budget = single_budget
        job.part_tokens = (job.document_tokens,)
        yield SplitPlan(job.document_tokens, single_budget, (text,))

        def single_messages(strict: bool) -> list[ChatMessage]:
            return prompts.single_pass_messages(
                text, length=job.length, style=job.style, language=job.language, strict=strict
            )

        yield from _final_call(job, single_messages)
        return

    probe = prompts.part_messages("", index=999, total=999, language=job.language)
    map_budget = context - backend.count_chat_tokens(probe) - job.map_answer - SAFETY_TOKENS
    if map_budget < 64:
        message = (
            f"The model's context of {context:,} tokens is too small to read a long document "
            "in parts. Load the model with a larger context length."
        )
        yield Error(message)
        yield job.result("error", error=message)
        return
    map_budget = min(map_budget, MAX_PART_TOKENS)
    parts = split_text(text, job.count, map_budget)
    job.budget = map_budget
    yield SplitPlan(job.document_tokens, map_budget, tuple(parts))

    counts: list[int] = []
    summaries: list[str] = []
    keys = [part_key(part) for part in parts]
    kept = usable_parts(job.done_parts, keys)
    job.resumed_parts = len(kept)
    for index, part in enumerate(parts, start=1):
        if index <= len(kept):  # read by an earlier run of this job: its notes are kept
            counts.append(job.count(part))
            job.part_tokens = tuple(counts)
            notes = kept[index - 1].data
            summaries.append(notes.strip() if isinstance(notes, str) else "")
            yield kept[index - 1]
            continue
        if runs_together(backend) and len(parts) - index >= 1:
            # The parts left are read together, one sequence each (app.core.pipelines.many_calls).
            counts.extend(job.count(rest) for rest in parts[index - 1 :])
            job.part_tokens = tuple(counts)
            notes_left = yield from _map_together(job, parts, keys, index)
            if notes_left is None:
                return
            summaries.extend(notes_left)
            break
        if job.stopped():
            yield job.result("cancelled")
            return
        yield Progress(index, len(parts), "part")
        counts.append(job.count(part))
        job.part_tokens = tuple(counts)
        messages = prompts.part_messages(part, index=index, total=len(parts), language=job.language)
        outcome = yield from _counted_call(job, messages)
        if outcome.reason == "cancelled":
            yield job.result("cancelled")
            return
        if outcome.reason == "error":
            yield Error(outcome.error)
            yield job.result("error", error=outcome.error)
            return
        summaries.append(without_labels(outcome.text, job.text).strip())
        yield PartKept(index, len(parts), keys[index - 1], summaries[-1])

    job.notes = tuple(summaries)
    yield from _reduce(job, summaries)


def _counted_call(
    job: _Job, messages: Sequence[ChatMessage]
) -> Generator[SummaryEvent, None, CallOutcome]:
    """A map or combine call: nobody reads its tokens, but each one is reported as
    ``Progress(n, limit, "write")`` so the bar moves while a part's notes are written."""
    call = run_call(
        job.backend,
        messages,
        with_max_tokens(job.params, job.map_answer),
        log=job.log,
        stop=job.stop,
        forward_tokens=True,
    )
    written = 0
    while True:
        try:
            event = next(call)
        except StopIteration as finished:
            outcome: CallOutcome = finished.value
            return outcome
        if isinstance(event, Token):
            written += 1
            yield Progress(written, job.map_answer, "write")
        else:
            yield event


def _reduce(job: _Job, summaries: list[str]) -> Iterator[SummaryEvent]:
    """Combine partial summaries, round after round, until the final combine fits; run it."""
    backend = job.backend
    kept = [summary for summary in summaries if summary] or ["(no notes)"]
    job.key_terms = key_terms(kept)
    while True:
        final = job.combine(kept, final=True, strict=True)  # the longer of the two prompts
        if backend.count_chat_tokens(final) + job.final_answer + SAFETY_TOKENS <= job.context:
            # The final prompt is read before its first token: the bar says so, where it used
            # to stay on the last part's label for that whole time.
            yield Progress(1, 1, "final")
            yield from _final_call(job, functools.partial(_final_messages, job, list(kept)))
            return
        groups = _group(job, kept)
        if all(len(group) == 1 for group in groups) and job.key_terms:
            job.key_terms = []  # the notes alone may fit: they matter more than the list
            continue
        if all(len(group) == 1 for group in groups):
            message = (
                "The partial summaries are too long to combine in this model's context. "
                "Load the model with a larger context length."
            )
            yield Error(message)
            yield job.result("error", error=message)
            return
        job.rounds += 1
        if runs_together(backend) and sum(1 for group in groups if len(group) > 1) > 1:
            together = yield from _combine_together(job, groups)
            if together is None:
                return
            kept = together
            continue
        merged: list[str] = []
        calls = sum(1 for group in groups if len(group) > 1)
        done = 0
        for group in groups:
            if len(group) == 1:
                merged.append(group[0])  # nothing to combine it with in this round
                continue
            if job.stopped():
                yield job.result("cancelled")
                return
            done += 1
            yield Progress(done, calls, "combine")
            outcome = yield from _counted_call(job, job.combine(group, final=False))
            if outcome.reason == "cancelled":
                yield job.result("cancelled")
                return
            if outcome.reason == "error":
                yield Error(outcome.error)
                yield job.result("error", error=outcome.error)
                return
            merged.append(without_labels(outcome.text, job.text).strip() or group[0])
        kept = merged


def _map_together(
    job: _Job, parts: Sequence[str], keys: Sequence[str], first: int
) -> Generator[SummaryEvent, None, list[str] | None]:
    """Notes on parts ``first``..last, written together; None when the job ended (stopped or
    failed: its result is yielded). Each part's notes are kept the moment they are done."""
    if job.stopped():
        yield job.result("cancelled")
        return None
    total = len(parts)
    numbers = list(range(first, total + 1))
    calls = [
        prompts.part_messages(parts[n - 1], index=n, total=total, language=job.language)
        for n in numbers
    ]
    yield Progress(first, total, "part")
    notes: dict[int, str] = {}

    def kept(offset: int, note: str) -> PartKept:
        return PartKept(first + offset, total, keys[first + offset - 1], note)

    outcomes = yield from _together(
        job, calls, notes, lambda done: Progress(first + done, total, "part"), kept
    )
    ended = yield from _ended(job, outcomes)
    return None if ended else [notes[n - first] for n in numbers]


def _combine_together(
    job: _Job, groups: Sequence[list[str]]
) -> Generator[SummaryEvent, None, list[str] | None]:
    """One round of combines, the groups merged together; the round's notes, or None when
    the job ended (its result is yielded)."""
    if job.stopped():
        yield job.result("cancelled")
        return None
    merging = [group for group in groups if len(group) > 1]
    yield Progress(1, len(merging), "combine")
    merged: dict[int, str] = {}
    calls = [job.combine(group, final=False) for group in merging]
    outcomes = yield from _together(
        job, calls, merged, lambda done: Progress(done + 1, len(merging), "combine")
    )
    if (yield from _ended(job, outcomes)):
        return None
    answers = iter(merged[i] or merging[i][0] for i in range(len(merging)))
    return [next(answers) if len(group) > 1 else group[0] for group in groups]


def _together(
    job: _Job,
    calls: Sequence[Sequence[ChatMessage]],
    answers: dict[int, str],
    step: Callable[[int], Progress],
    kept: Callable[[int, str], PartKept] | None = None,
) -> Generator[SummaryEvent, None, list[CallOutcome]]:
    """Run ``calls`` together into ``answers`` (by call index). The bar moves as with one
    call: each token is a ``write``, the first running call's prompt is the ``prompt``, and
    each call that ends moves it a step (``step(number ended)``); ``kept`` makes the event
    that saves a finished call's answer at once."""
    run = run_many(
        job.backend, calls, with_max_tokens(job.params, job.map_answer), log=job.log, stop=job.stop
    )
    running = set(range(len(calls)))
    written = 0
    while True:
        try:
            event = next(run)
        except StopIteration as finished:
            outcomes: list[CallOutcome] = finished.value
            return outcomes
        if isinstance(event, CallEnded):
            running.discard(event.index)
            if event.outcome.reason not in ("cancelled", "error"):
                answers[event.index] = without_labels(event.outcome.text, job.text).strip()
                if kept is not None:
                    yield kept(event.index, answers[event.index])
            if running:
                written = 0
                yield step(len(calls) - len(running))
            continue
        index, inner = event
        if isinstance(inner, Token):
            written += 1
            yield Progress(written, job.map_answer, "write")
        elif isinstance(inner, Progress) and running and index == min(running):
            yield inner


def _ended(job: _Job, outcomes: Sequence[CallOutcome]) -> Generator[SummaryEvent, None, bool]:
    """Whether a stop or a failure among ``outcomes`` ends the job (its result yielded)."""
    if any(outcome.reason == "cancelled" for outcome in outcomes) or job.stopped():
        yield job.result("cancelled")
        return True
    failed = next((outcome for outcome in outcomes if outcome.reason == "error"), None)
    if failed is not None:
        yield Error(failed.error)
        yield job.result("error", error=failed.error)
        return True
    return False


def _final_messages(job: _Job, notes: list[str], strict: bool) -> list[ChatMessage]:
    return job.combine(notes, final=True, strict=strict)


def _group(job: _Job, summaries: Sequence[str]) -> list[list[str]]:
    """Consecutive summaries packed into groups that each fit one combine prompt."""
    overhead = job.backend.count_chat_tokens(job.combine(["x"], final=False))
    budget = job.context - overhead - job.map_answer - SAFETY_TOKENS
    per_note = 12  # the "Notes on section N:" heading and the blank lines around a note
    groups: list[list[str]] = []
    current: list[str] = []
    used = 0
    for summary in summaries:
        tokens = job.count(summary) + per_note
        if current and used + tokens > budget:
            groups.append(current)
            current, used = [], 0
        current.append(summary)
        used += tokens
    if current:
        groups.append(current)
    return groups


# A line that is only a note's number ("[2]"): a small model copies them into its answer.
_NOTE_NUMBER = re.compile(r"^[ \t]*\[\d+\][ \t]*\n?", re.MULTILINE)


def _final_call(
    job: _Job, messages_for: Callable[[bool], list[ChatMessage]]
) -> Iterator[SummaryEvent]:
    """The pass the user watches: its tokens and figures are passed on as they come.

    An answer that copied the document or ran past the length limit is withdrawn (a
    :class:`Retry` event says why) and asked for once more, strictly; the second answer is
    kept whatever it is, with ``cut_off`` set if it too ran out. Once, because the same
    model asked a third time costs another minute and rarely does better.
    """
    for attempt in range(2):
        if job.stopped():
            yield job.result("cancelled")
            return
        outcome = yield from run_call(
            job.backend,
            messages_for(attempt > 0),
            with_max_tokens(job.params, job.final_answer),
            log=job.log,
            stop=job.stop,
            forward_tokens=True,
            forward_stats=True,
        )
        if outcome.reason == "error":
            yield Error(outcome.error)
            yield job.result("error", text=outcome.text, error=outcome.error)
            return
        if outcome.reason == "cancelled":
            yield job.result("cancelled", text=outcome.text.strip())
            return
        problem = summary_problem(outcome.text, job.text, outcome.reason) if attempt == 0 else None
        if problem is None:
            break
        job.retry_reason = problem
        yield Retry(problem)
    job.cut_off = outcome.reason == "length"
    text = without_labels(_NOTE_NUMBER.sub("", outcome.text), job.text)
    yield job.result("complete", text=text.strip())
