"""Scoring in the real engine: choice log-probabilities agree with generation, and reuse the
cache without disturbing it."""

from __future__ import annotations

import math

import pytest
from engine_helpers import collect, text_of

from app.core.backend import SamplingParams, Token
from app.core.pipelines.sentiment import analyse_batch
from app.engine.local import LocalBackend

MESSAGES = [
    {"role": "system", "content": "Answer with one word: yes or no."},
    {"role": "user", "content": "Is the sky blue on a clear day?"},
]
CHOICES = ("yes", "no", "Yes", "No")


def test_scores_agree_with_the_probabilities_generation_reports(backend: LocalBackend) -> None:
    scores = backend.score_choices(MESSAGES, CHOICES)  # type: ignore[arg-type]
    assert len(scores) == len(CHOICES) and all(s <= 0 for s in scores)
    grammar = "root ::= " + " | ".join(f'"{c}"' for c in CHOICES)
    events = collect(
        backend.stream(
            MESSAGES,  # type: ignore[arg-type]
            SamplingParams(temperature=0.0, top_k=1, max_tokens=4),
            grammar=grammar,
            logprobs=5,
        )
    )
    answer = text_of(events)
    first = next(e for e in events if isinstance(e, Token))
    best = max(range(len(CHOICES)), key=lambda i: scores[i])
    assert answer == CHOICES[best]
    # The first token of the greedy answer has the probability scoring gave its choice
    # (each choice is one token for this tokenizer, or scored as far as it differs).
    assert first.logprob is not None
    assert math.exp(first.logprob) == pytest.approx(math.exp(scores[best]), abs=0.02)


def test_scoring_twice_and_after_a_reply_gives_the_same_figures(backend: LocalBackend) -> None:
    before = backend.score_choices(MESSAGES, CHOICES)  # type: ignore[arg-type]
    collect(backend.stream([{"role": "user", "content": "Count to five."}], SamplingParams(
        temperature=0.0, max_tokens=12)))  # fmt: skip
    again = backend.score_choices(MESSAGES, CHOICES)  # type: ignore[arg-type]
    assert again == pytest.approx(before, abs=1e-3)
    # Choices that share their first tokens are told apart by the following ones.
    shared = backend.score_choices(MESSAGES, ("negative", "neutral", "positive"))  # type: ignore[arg-type]
    assert len(set(shared)) == 3


def test_batch_sentiment_scores_on_the_real_model(backend: LocalBackend) -> None:
    rows = analyse_batch(backend, ["I love this, it is wonderful!", "Terrible. It broke at once."])
    assert all(row.label in ("positive", "negative", "neutral") for row in rows)
    assert all(row.confidence is not None and 0 < row.confidence <= 1 for row in rows)


def test_a_prompt_too_long_for_the_context_is_a_clear_error(backend: LocalBackend) -> None:
    from app.core.backend import BackendError

    huge = [{"role": "user", "content": "word " * 6000}]
    with pytest.raises(BackendError, match="too long"):
        backend.score_choices(huge, CHOICES)  # type: ignore[arg-type]
