"""Several sequences in one context, on the real models: batched scoring agrees with the
one-at-a-time path, fails per item, stops when cancelled and leaves the cache usable."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import GREEDY, TEST_OPTIONS, collect, text_of

from app.core.backend import BatchChoiceScorer, ChatMessage, ModelRef
from app.core.fit import ModelDims, estimate_memory
from app.core.pipelines.sentiment import PipelineStopped, analyse_batch
from app.core.pipelines.sentiment_scoring import CHOICES
from app.core.prompts import sentiment as prompts
from app.engine.batching import branches, common_prefix
from app.engine.local import LocalBackend
from bench.throughput import OneAtATime

TEXTS = [
    "I love this, it is wonderful!",
    "Terrible. It broke at once.",
    "The box is blue.",
    "Meh, it's ok I guess, but the battery died after a week.",
    "Best purchase of the year, highly recommended.",
    "Awful customer service, never again.",
    "The film was long, and the ending made no sense at all.",
    "A delightful little café with friendly staff.",
    "It arrived on Tuesday.",
    "I want my money back.",
    "Great sound, poor battery.",
    "Absolutely stunning photography and a moving story.",
    "The hotel room smelled of smoke and the sheets were dirty.",
    "Works as described.",
    "What a waste of two hours.",
    "My kids adore it and so do I.",
    "The update fixed nothing and broke the camera.",
    "Fast shipping, well packed, thank you!",
    "The instructions are in French and German.",
    "Worst pizza I have ever eaten.",
]

# Probabilities in a batch differ from one at a time by a few hundredths on the starter
# model (its prompt evaluated in other splits); the labels must agree.
TOLERANCE = 0.08


def _argmax(values: tuple[float, ...]) -> int:
    return max(range(len(values)), key=lambda i: values[i])


def _probs(values: tuple[float, ...] | None) -> list[float]:
    """The choices' probabilities normalised over them: what the pipeline reads. Log-
    probabilities of unlikely choices differ by a tenth or so between a prompt evaluated
    at once and one whose prefix came from the cache (the one-at-a-time path does both), so
    they are compared as probabilities."""
    assert values is not None
    peak = max(values)
    weights = [math.exp(v - peak) for v in values]
    return [w / sum(weights) for w in weights]


def _conversations(texts: list[str]) -> list[list[ChatMessage]]:
    return [prompts.score_messages(text) for text in texts]


def test_branches_and_common_prefix() -> None:
    assert common_prefix([[1, 2, 3], [1, 2, 4], [1, 2]]) == 2
    assert common_prefix([[5], [6]]) == 0
    # "neutral" and "negative" share a first token: each needs the row after it.
    encoded = [[7, 8], [7, 9], [10]]
    assert branches(encoded, [2, 2, 1]) == [(7,)]
    assert branches([[1], [2]], [1, 1]) == []
    assert branches([[1, 2, 3], [1, 2, 4]], [3, 3]) == [(1, 2)]


def test_the_kv_cache_of_every_sequence_counts_in_the_estimate() -> None:
    dims = ModelDims(100 * 10**6, 24, 2, 64, 151_936, 896, "file header")
    one = estimate_memory(dims, 4096)
    four = estimate_memory(dims, 4096, n_seq=4)
    assert four.kv_cache == 4 * one.kv_cache
    assert four.total - one.total == 3 * one.kv_cache


def test_batched_scores_agree_with_one_at_a_time(backend: LocalBackend) -> None:
    assert isinstance(backend, BatchChoiceScorer)
    conversations = _conversations(TEXTS)
    one = [backend.score_choices(c, CHOICES) for c in conversations]
    many = backend.score_choices_many(conversations, CHOICES)
    assert len(many) == len(TEXTS)
    assert all(m.logprobs is not None and not m.error for m in many)
    same = sum(_argmax(o) == _argmax(m.logprobs or ()) for o, m in zip(one, many, strict=True))
    assert same / len(TEXTS) >= 0.98
    for o, m in zip(one, many, strict=True):
        assert _probs(m.logprobs) == pytest.approx(_probs(o), abs=TOLERANCE)


def test_labels_that_share_first_tokens_are_scored_as_one_at_a_time(
    backend: LocalBackend,
) -> None:
    # For the starter's tokenizer: "Ne"+"utral", "Ne"+"ut"+"r"+"ality", "Ne"+"ut"+"ron",
    # "un"+"happy", "un"+"clear": two branches to continue each item with, up to 3 tokens.
    labels = ("Neutral", "Neutrality", "Neutron", "unhappy", "unclear", "positive")
    conversations = _conversations(TEXTS[:6])
    many = backend.score_choices_many(conversations, labels)
    for conversation, result in zip(conversations, many, strict=True):
        assert _probs(result.logprobs) == pytest.approx(
            _probs(backend.score_choices(conversation, labels)), abs=TOLERANCE
        )


def test_an_item_too_long_fails_alone(backend: LocalBackend) -> None:
    long_text = "This sentence goes on and on. " * 900  # far beyond the 4,096-token context
    conversations = _conversations([TEXTS[0], long_text, TEXTS[1]])
    results = backend.score_choices_many(conversations, CHOICES)
    assert results[1].logprobs is None and "too long" in results[1].error
    assert not results[1].cancelled
    for i in (0, 2):
        expected = backend.score_choices(conversations[i], CHOICES)
        assert _probs(results[i].logprobs) == pytest.approx(_probs(expected), abs=TOLERANCE)


def test_the_cache_is_usable_after_a_batch(backend: LocalBackend) -> None:
    messages: list[ChatMessage] = [{"role": "user", "content": "Name three colours."}]
    before = text_of(collect(backend.stream(messages, GREEDY)))
    single = backend.score_choices(_conversations([TEXTS[2]])[0], CHOICES)
    backend.score_choices_many(_conversations(TEXTS), CHOICES)
    assert text_of(collect(backend.stream(messages, GREEDY))) == before
    again = backend.score_choices(_conversations([TEXTS[2]])[0], CHOICES)
    assert _probs(again) == pytest.approx(_probs(single), abs=TOLERANCE)


def test_cancel_stops_a_batch_promptly_and_keeps_what_was_scored(backend: LocalBackend) -> None:
    conversations = _conversations([f"{text} ({i})" for i in range(20) for text in TEXTS])
    outcome: dict[str, Any] = {}

    def run() -> None:
        outcome["results"] = backend.score_choices_many(conversations, CHOICES)
        outcome["ended"] = time.monotonic()

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(2.5)
    cancelled_at = time.monotonic()
    backend.cancel()
    worker.join(30)
    assert not worker.is_alive()
    results = outcome["results"]
    assert any(r.cancelled for r in results), "the batch finished before the cancel"
    assert outcome["ended"] - cancelled_at < 2.0
    assert all(r.logprobs is not None for r in results if not r.cancelled)
    assert not any(r.error for r in results)
    # The engine goes on as before.
    for i in (0, len(conversations) - 1):  # one scored before the cancel, if any, and one not
        again = backend.score_choices(conversations[i], CHOICES)
        if not results[i].cancelled:
            assert _probs(again) == pytest.approx(_probs(results[i].logprobs), abs=TOLERANCE)
        assert len(again) == len(CHOICES) and all(v < 0 for v in again)


def test_batch_sentiment_rows_come_in_order_with_errors_in_place(backend: LocalBackend) -> None:
    items = [TEXTS[0], "", TEXTS[1], "\x00\x01\x02", TEXTS[2]]
    batched = analyse_batch(backend, items)
    one = analyse_batch(OneAtATime(backend), items)
    assert [r.index for r in batched] == list(range(len(items)))
    for i in (1, 3):
        assert batched[i].error == one[i].error != "" and batched[i].label == ""
    for a, b in zip(batched, one, strict=True):
        assert (a.confidence is None) == (b.confidence is None)
        if a.label == b.label and a.confidence is not None and b.confidence is not None:
            assert a.confidence == pytest.approx(b.confidence, abs=TOLERANCE)


def test_stop_ends_a_batched_sentiment_run_promptly(backend: LocalBackend) -> None:
    items = [f"{text} ({i})" for i in range(20) for text in TEXTS]
    stop = threading.Event()
    timer = threading.Timer(1.0, stop.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(PipelineStopped):
            analyse_batch(backend, items, stop=stop)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 1.0 + 3.0


def test_second_model_batch_sentiment_agrees_with_one_at_a_time(
    second_model: Path, tmp_path: Path
) -> None:
    """The agreement the issue asks for, on the model the benchmark's target is set on (the
    starter model is so unsure that the calibrated polarity of a few texts is a coin toss,
    which a batch's other evaluation order can flip)."""
    engine = LocalBackend(log_dir=tmp_path)
    try:
        engine.load(ModelRef(second_model, model_id="second"), replace(TEST_OPTIONS, n_ctx=2048))
        conversations = _conversations(TEXTS)
        one = [engine.score_choices(c, CHOICES) for c in conversations]
        many = engine.score_choices_many(conversations, CHOICES)
        same = sum(_argmax(o) == _argmax(m.logprobs or ()) for o, m in zip(one, many, strict=True))
        assert same / len(TEXTS) >= 0.98
        batched = analyse_batch(engine, TEXTS)
        single = analyse_batch(OneAtATime(engine), TEXTS)
        same = sum(a.label == b.label for a, b in zip(batched, single, strict=True))
        assert same / len(TEXTS) >= 0.98, [
            (a.label, b.label) for a, b in zip(batched, single, strict=True)
        ]
    finally:
        engine.close()


def test_a_context_for_several_sequences(starter_ref: ModelRef, tmp_path: Path) -> None:
    engine = LocalBackend(log_dir=tmp_path)
    try:
        info = engine.load(starter_ref, replace(TEST_OPTIONS, n_ctx=1024, n_seq=3))
        assert info.n_ctx == 1024  # each sequence's context, not the cells of all three
        messages: list[ChatMessage] = [{"role": "user", "content": "Say hello."}]
        assert text_of(collect(engine.stream(messages, GREEDY)))
    finally:
        engine.close()
