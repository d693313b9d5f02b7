"""Sentiment: a label with a real confidence, per-sentence labels, aspects, and batches.

The label comes from the model's own probabilities for each label word, calibrated against
the model's bias (:mod:`.sentiment_scoring`, which says why and gives the rules for neutral
and mixed). A backend that cannot score (a server without log-probabilities) generates the
label instead, under a grammar that allows only the four label words, and its confidence is
the probability the model gave the label when it chose it: the likeliest alternatives at
each step that start another label show how close the call was. With a backend that reports
no probabilities at all the confidence is ``None``, not a made-up figure.
"""

from __future__ import annotations

import csv
import io
import json
import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.core.backend import (
    Backend,
    BackendError,
    ChatMessage,
    ChoiceScorer,
    Progress,
    SamplingParams,
    Token,
)
from app.core.extract import InputError, check_text, decode_text
from app.core.pipelines import CallLog, finish_call, run_call, with_max_tokens
from app.core.pipelines.sentiment_scoring import (
    BATCH_ITEMS,
    LabelScorer,
    Scored,
    mixed_weight,
    with_mixed,
)
from app.core.prompts import defuse
from app.core.prompts import sentiment as prompts
from app.core.textsplit import split_sentences, split_text

LABELS = prompts.LABELS
# Alternatives asked for at each step: enough to see every label's first token.
TOP_ALTERNATIVES = 10
# A text with more sentences than this gets a document label and aspects, but per-sentence
# labels only for its first sentences: each sentence costs one model call.
MAX_SENTENCES = 40
SAFETY_TOKENS = 16
# Enough for a label spelled one character per token; the grammar ends the answer sooner.
LABEL_MAX_TOKENS = 8
GREEDY = SamplingParams(temperature=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0)


class PipelineStopped(Exception):
    """The user stopped the analysis."""


@dataclass(frozen=True)
class LabelScore:
    """A label, the model's probability for it, and the probability of each label."""

    label: str
    confidence: float | None
    scores: dict[str, float] = field(default_factory=dict)
    scored: Scored | None = None  # the calibrated probabilities, when the backend scores


def _from_scored(scored: Scored) -> LabelScore:
    label = scored.label()
    return LabelScore(label, scored.probabilities[label], scored.scores(), scored)


@dataclass(frozen=True)
class SentenceSentiment:
    """The label of one sentence."""

    text: str
    label: str
    confidence: float | None


@dataclass(frozen=True)
class AspectSentiment:
    """Something the text judges ("battery life") and how."""

    aspect: str
    label: str


@dataclass(frozen=True)
class SentimentResult:
    """Everything :func:`analyse_sentiment` found out about one text."""

    label: str
    confidence: float | None
    scores: dict[str, float]
    sentences: tuple[SentenceSentiment, ...]
    aspects: tuple[AspectSentiment, ...]
    model_calls: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchRow:
    """One analysed line of a batch (``index`` counts from 0, in input order)."""

    index: int
    text: str
    label: str  # "" when the line could not be analysed (see ``error``)
    confidence: float | None
    error: str = ""


# --- label probabilities ------------------------------------------------------------------


def _labels_starting(prefix: str) -> list[str]:
    prefix = prefix.strip().lower()
    if not prefix:
        return []
    return [label for label in LABELS if label.startswith(prefix) or prefix.startswith(label)]


def label_distribution(tokens: Sequence[Token]) -> dict[str, float] | None:
    """Probability of each label, from the generated tokens' log-probabilities.

    Follows the tokens the model chose. At each step, an alternative that would have spelled
    a different label adds its probability (times the probability of the path so far) to that
    label; once the chosen path spells one label, the path's probability goes to it. The
    result is normalised over the four labels, as the grammar allows nothing else. None when
    the backend gave no log-probabilities.
    """
    mass = dict.fromkeys(LABELS, 0.0)
    possible = list(LABELS)
    path = 1.0
    text = ""
    for token in tokens:
        if token.logprob is None:
            return None
        for alternative, logprob in token.top:
            if alternative == token.text:
                continue
            reached = [label for label in _labels_starting(text + alternative) if label in possible]
            for label in reached:
                mass[label] += path * math.exp(logprob) / len(reached)
        path *= math.exp(token.logprob)
        text += token.text
        spelled = [label for label in _labels_starting(text) if label in possible]
        if len(spelled) == 1:
            mass[spelled[0]] += path
            break
        if spelled:
            possible = spelled
    total = sum(mass.values())
    if total <= 0:
        return None
    return {label: value / total for label, value in mass.items()}


def _parse_label(answer: str) -> str | None:
    """The label in an answer; a cut-off answer that can only be one label counts as it."""
    cleaned = answer.strip().lower()
    for label in LABELS:
        if cleaned.startswith(label):
            return label
    candidates = _labels_starting(cleaned)
    if len(candidates) == 1:
        return candidates[0]
    for label in LABELS:
        if label in cleaned:
            return label
    return None


# --- one text -------------------------------------------------------------------------------


def text_budget(backend: Backend) -> int:
    """Tokens of text one label can take: a longer text is labelled part by part."""
    overhead = backend.count_chat_tokens(prompts.label_messages(""))
    if isinstance(backend, ChoiceScorer):  # the scoring prompt, with its examples, is longer
        overhead = max(overhead, backend.count_chat_tokens(prompts.score_messages("")))
    return backend.context_length() - overhead - LABEL_MAX_TOKENS - SAFETY_TOKENS


class _Analysis:
    """Shared state of an analysis: the backend, the stop flag and the call counts."""

    def __init__(self, backend: Backend, stop: threading.Event | None) -> None:
        self.backend = backend
        self.stop = stop
        self.log = CallLog()
        self.notes: list[str] = []
        self._label_budget: int | None = None
        self.scorer = LabelScorer(backend, self._count_call)

    def _count_call(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise PipelineStopped
        self.log.add(None)

    def call(
        self, messages: list[ChatMessage], max_tokens: int, grammar: str, logprobs: int
    ) -> tuple[str, list[Token]]:
        """One greedy model call under ``grammar``; its text and (with logprobs) its tokens."""
        if self.stop is not None and self.stop.is_set():
            raise PipelineStopped
        outcome = finish_call(
            run_call(
                self.backend,
                messages,
                with_max_tokens(GREEDY, max_tokens),
                log=self.log,
                stop=self.stop,
                grammar=grammar,
                logprobs=logprobs,
            )
        )
        if outcome.reason == "cancelled":
            raise PipelineStopped
        if outcome.reason == "error":
            raise BackendError(outcome.error)
        return outcome.text, outcome.tokens

    def label_budget(self) -> int:
        """Tokens of text one label call can take."""
        if self._label_budget is None:
            self._label_budget = text_budget(self.backend)
        return self._label_budget

    def label(self, text: str) -> LabelScore:
        """One label for a text that fits the context: scored where the backend can."""
        scored = self.scorer.score(text)
        if scored is not None:
            return _from_scored(scored)
        answer, tokens = self.call(
            prompts.label_messages(text), LABEL_MAX_TOKENS, prompts.LABEL_GRAMMAR, TOP_ALTERNATIVES
        )
        label = _parse_label(answer)
        if label is None:
            self.notes.append(f"The model answered “{answer.strip()}”, which is not a label.")
            return LabelScore("neutral", None, {})
        scores = label_distribution(tokens)
        if scores is None:
            return LabelScore(label, None, {})
        return LabelScore(label, scores[label], scores)

    def label_any(self, text: str) -> LabelScore:
        """A label for text of any length: long text is labelled part by part and averaged."""
        budget = self.label_budget()
        if self.backend.count_tokens(defuse(text)) <= budget:
            return self.label(text)
        parts = split_text(text, lambda t: self.backend.count_tokens(defuse(t)), budget)
        # Each part's probabilities, weighted by its length; a majority vote when the
        # backend gives no probabilities.
        weights: dict[str, float] = dict.fromkeys(LABELS, 0.0)
        votes: dict[str, int] = dict.fromkeys(LABELS, 0)
        known = True
        scored_parts: list[Scored] = []
        for part in parts:
            score = self.label(part)
            if score.scored is not None:
                scored_parts.append(score.scored)
            votes[score.label] += len(part)
            if score.scores:
                for label, value in score.scores.items():
                    weights[label] += value * len(part)
            else:
                known = False
        self.notes.append(f"The text was read in {len(parts)} parts and their labels combined.")
        if len(scored_parts) == len(parts):
            lengths = [len(part) for part in parts]
            combined = {
                label: sum(
                    s.probabilities[label] * n for s, n in zip(scored_parts, lengths, strict=True)
                )
                / sum(lengths)
                for label in scored_parts[0].probabilities
            }
            return _from_scored(Scored(combined))
        if known:
            total = sum(weights.values())
            scores = {label: value / total for label, value in weights.items()}
            label = max(scores, key=lambda key: scores[key])
            return LabelScore(label, scores[label], scores)
        return LabelScore(max(votes, key=lambda key: votes[key]), None, {})

    def aspects(self, text: str) -> list[AspectSentiment]:
        budget = self.label_budget() - prompts.ASPECTS_MAX_TOKENS
        if budget < 32:
            self.notes.append("The model's context is too small to look for aspects.")
            return []
        if self.backend.count_tokens(defuse(text)) > budget:
            self.notes.append("Aspects were looked for in the beginning of the text only.")
            text = split_text(text, lambda t: self.backend.count_tokens(defuse(t)), budget)[0]
        answer, _tokens = self.call(
            prompts.aspects_messages(text), prompts.ASPECTS_MAX_TOKENS, prompts.ASPECTS_GRAMMAR, 0
        )
        return parse_aspects(answer)


_ASPECT_PUNCTUATION = " \t,.;:!?\"'()[]，。；：！？、“”‘’（）"


def parse_aspects(answer: str) -> list[AspectSentiment]:
    """The aspects in a model's JSON answer; anything malformed is left out, not guessed."""
    try:
        data = json.loads(answer)
    except json.JSONDecodeError:
        return []
    if not isinstance(data, list):
        return []
    found: dict[str, AspectSentiment] = {}
    for item in data:
        if not isinstance(item, dict):
            continue
        # "phone," or "电池。": the punctuation a model copies from the text is not the aspect.
        name = str(item.get("aspect", "")).strip().strip(_ASPECT_PUNCTUATION).strip()
        label = str(item.get("sentiment", "")).strip().lower()
        if not name or label not in LABELS or "|" in name or name.lower() in LABELS:
            continue  # empty, or a small model copying the instructions instead of answering
        key = name.lower()
        if key in found and found[key].label != label:
            found[key] = AspectSentiment(found[key].aspect, "mixed")
        elif key not in found:
            found[key] = AspectSentiment(name, label)
    return list(found.values())


def analyse_sentiment(
    backend: Backend,
    text: str,
    *,
    sentences: bool = True,
    aspects: bool = True,
    stop: threading.Event | None = None,
) -> SentimentResult:
    """Label a text, each of its sentences, and the aspects it judges.

    Raises InputError for unusable text, BackendError when the model fails, and
    PipelineStopped when ``stop`` is set (or the backend is cancelled) midway.
    """
    check_text(text)
    analysis = _Analysis(backend, stop)
    overall = analysis.label_any(text)
    per_sentence: list[SentenceSentiment] = []
    sentence_scores: list[tuple[Scored, int]] = []
    if sentences:
        pieces = [piece.strip() for piece in split_sentences(text)]
        pieces = [piece for piece in pieces if any(ch.isalpha() for ch in piece)]
        if len(pieces) > MAX_SENTENCES:
            analysis.notes.append(
                f"Per-sentence labels cover the first {MAX_SENTENCES} of {len(pieces)} sentences."
            )
            pieces = pieces[:MAX_SENTENCES]
        if len(pieces) == 1 and pieces[0] == text.strip():
            per_sentence.append(SentenceSentiment(pieces[0], overall.label, overall.confidence))
        else:
            for piece in pieces:
                score = analysis.label_any(piece)
                per_sentence.append(SentenceSentiment(piece, score.label, score.confidence))
                if score.scored is not None:
                    sentence_scores.append((score.scored, len(piece)))
    if overall.scored is not None and len(sentence_scores) == len(per_sentence):
        weight = mixed_weight(overall.scored, sentence_scores)
        if weight:
            overall = LabelScore("mixed", weight, with_mixed(overall.scores, weight))
    found = analysis.aspects(text) if aspects else []
    return SentimentResult(
        label=overall.label,
        confidence=overall.confidence,
        scores=overall.scores,
        sentences=tuple(per_sentence),
        aspects=tuple(found),
        model_calls=analysis.log.calls,
        notes=tuple(analysis.notes),
    )


# --- batches --------------------------------------------------------------------------------


def iter_batch(
    backend: Backend, items: Sequence[str], *, stop: threading.Event | None = None
) -> Iterator[Progress | BatchRow]:
    """Label every item, yielding ``Progress(i, N, "item")`` and then its row.

    A bad item (empty, binary) gets a row with an error instead of stopping the batch; a model
    failure or a stop ends the batch (raising BackendError or PipelineStopped) after the rows
    already yielded.
    """
    analysis = _Analysis(backend, stop)
    if analysis.scorer.batched:
        yield from _iter_batched(analysis, items)
        return
    total = len(items)
    for index, item in enumerate(items):
        yield Progress(index + 1, total, "item")
        try:
            check_text(item)
        except InputError as exc:
            yield BatchRow(index, item, "", None, exc.message)
            continue
        score = analysis.label_any(item)
        yield BatchRow(index, item, score.label, score.confidence)


def _iter_batched(analysis: _Analysis, items: Sequence[str]) -> Iterator[Progress | BatchRow]:
    """:func:`iter_batch` with a backend that scores many texts per request.

    Items that fit one label call go to the engine ``BATCH_ITEMS`` at a time, packed into
    its batches; a longer one is labelled part by part as before, in its place. An item the
    engine could not score gets a row with the error, and the others go on.
    """
    total = len(items)
    for start in range(0, total, BATCH_ITEMS):
        if analysis.stop is not None and analysis.stop.is_set():
            raise PipelineStopped
        chunk = list(enumerate(items[start : start + BATCH_ITEMS], start))
        rows: dict[int, BatchRow] = {}
        short: list[tuple[int, str]] = []
        budget = analysis.label_budget()
        for index, item in chunk:
            try:
                check_text(item)
            except InputError as exc:
                rows[index] = BatchRow(index, item, "", None, exc.message)
                continue
            if analysis.backend.count_tokens(defuse(item)) <= budget:
                short.append((index, item))
        scored = analysis.scorer.score_many([item for _, item in short], analysis.stop)
        for (index, item), result in zip(short, scored, strict=True):
            if isinstance(result, Scored):
                score = _from_scored(result)
                rows[index] = BatchRow(index, item, score.label, score.confidence)
            elif isinstance(result, str):
                rows[index] = BatchRow(index, item, "", None, result)
        sent = {index for index, _ in short}
        for index, item in chunk:
            if index not in rows and index in sent and analysis.scorer.available:
                raise PipelineStopped  # the engine was stopped before this item
            yield Progress(index + 1, total, "item")
            row = rows.get(index)
            if row is None:  # too long for one call: part by part
                score = analysis.label_any(item)
                row = BatchRow(index, item, score.label, score.confidence)
            yield row


def analyse_batch(
    backend: Backend, items: Sequence[str], *, stop: threading.Event | None = None
) -> list[BatchRow]:
    """Label every item; one row per item, in order."""
    return [row for row in iter_batch(backend, items, stop=stop) if isinstance(row, BatchRow)]


def lines_from_text(text: str) -> list[str]:
    """One item per non-blank line: the form of a pasted list of reviews or comments."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# Column names that usually hold the text to analyse, in order of preference.
_TEXT_COLUMNS = ("text", "review", "comment", "comments", "feedback", "message", "body", "content")


def read_csv_column(path: Path, column: str | int | None = None) -> list[str]:
    """The values of one column of a CSV file, for a batch.

    ``column`` is a header name (any case) or a 0-based index; None picks a column named like
    "text" or "review", else the one with the longest values. Every failure is an InputError
    naming the file and, for a wrong column, the columns there are.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{path.name} does not exist.") from exc
    except OSError as exc:
        raise InputError(f"{path.name} could not be read: {exc.strerror or exc}.") from exc
    text, _encoding, _notes = decode_text(data, path.name)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(f"{path.name} is empty.")
    sample = text[:65536]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [
            row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)
        ]
    except csv.Error as exc:
        raise InputError(f"{path.name} is not a readable CSV file ({exc}).") from exc
    if not rows:
        raise InputError(f"{path.name} has no rows.")
    header = [cell.strip() for cell in rows[0]]
    lowered = [cell.lower() for cell in header]
    named = isinstance(column, str) or any(name in lowered for name in _TEXT_COLUMNS)
    try:
        has_header = named or csv.Sniffer().has_header(sample)
    except csv.Error:
        has_header = False
    body = rows[1:] if has_header else rows
    width = max(len(row) for row in rows)
    if isinstance(column, str):
        if column.strip().lower() not in lowered:
            raise InputError(
                f"{path.name} has no column “{column}”. Its columns are: {', '.join(header)}."
            )
        position = lowered.index(column.strip().lower())
    elif isinstance(column, int):
        if not 0 <= column < width:
            raise InputError(
                f"{path.name} has {width} column{'s' if width != 1 else ''}; there is no "
                f"column number {column + 1}."
            )
        position = column
    else:
        preferred = [lowered.index(name) for name in _TEXT_COLUMNS if name in lowered]
        if has_header and preferred:
            position = preferred[0]
        else:
            lengths = [sum(len(row[i]) for row in body if i < len(row)) for i in range(width)]
            position = max(range(width), key=lambda i: lengths[i])
    return [row[position].strip() if position < len(row) else "" for row in body]


def rows_to_csv(rows: Iterable[BatchRow]) -> str:
    """Batch results as CSV text: line number, text, label, confidence, error."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line", "text", "label", "confidence", "error"])
    for row in rows:
        confidence = "" if row.confidence is None else f"{row.confidence:.4f}"
        writer.writerow([row.index + 1, row.text, row.label, confidence, row.error])
    return out.getvalue()


def export_csv(rows: Iterable[BatchRow], path: Path) -> None:
    """Write batch results to ``path``; with a BOM, so spreadsheet apps read non-ASCII right."""
    try:
        Path(path).write_text(rows_to_csv(rows), encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"Could not write {Path(path).name}: {exc.strerror or exc}.") from exc
