"""Sentiment by scoring: label probabilities, calibration, and the rules for neutral and mixed.

The rules are tested on figures chosen to sit on each side of their thresholds; a scripted
scorer (a backend with a known, deliberately biased distribution) checks that the pipeline
measures the bias once per model, divides it out, and falls back to generating a label when
the backend cannot score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from fake_backend import FakeBackend

from app.core.backend import ChatMessage, ChoiceScorer, ChoiceScores
from app.core.pipelines.sentiment import analyse_batch, analyse_sentiment
from app.core.pipelines.sentiment_scoring import (
    CHOICES,
    CONTENT_FREE,
    Scored,
    calibrate,
    label_probabilities,
    mixed_weight,
    with_mixed,
)
from app.core.prompts.sentiment import LABEL_GRAMMAR
from app.engine.openai_wire import choice_scores
from app.engine.scoring import distinguishing_lengths


def scored(pos: float, neg: float, neu: float) -> Scored:
    return Scored({"positive": pos, "negative": neg, "neutral": neu})


# --- the pieces -----------------------------------------------------------------------------


def test_a_label_s_forms_are_added_up_and_normalised() -> None:
    # positive 0.2 + Positive 0.2, negative 0.1, neutral 0.05 + Neutral 0.05; rest elsewhere
    logprobs = [math.log(x) for x in (0.2, 0.2, 0.1, 1e-12, 0.05, 0.05)]
    probabilities = label_probabilities(logprobs)
    assert probabilities == pytest.approx({"positive": 0.4 / 0.6, "negative": 0.1 / 0.6,
                                           "neutral": 0.1 / 0.6}, rel=1e-6)  # fmt: skip
    assert len(CHOICES) == len(logprobs)


def test_calibration_divides_the_models_lean_out() -> None:
    # A model that says "positive" 70 % of the time about nothing at all.
    bias = {"positive": 0.7, "negative": 0.1, "neutral": 0.2}
    raw = {"positive": 0.6, "negative": 0.3, "neutral": 0.1}
    out = calibrate(raw, bias)
    assert sum(out.values()) == pytest.approx(1.0)
    assert out["negative"] > out["positive"]  # 0.3 / 0.1 beats 0.6 / 0.7
    assert calibrate(raw, {k: 1 / 3 for k in raw}) == pytest.approx(raw)


def test_polarity_comes_first_and_neutral_needs_evidence() -> None:
    # Neutral likeliest, but positive clearly ahead of negative: still positive.
    assert scored(0.35, 0.05, 0.6).label() == "positive"
    # Neutral likeliest and the polarities close: neutral.
    assert scored(0.22, 0.18, 0.6).label() == "neutral"
    # Polarities close but neutral not the likeliest: the polarity that is ahead.
    assert scored(0.4, 0.35, 0.25).label() == "positive"
    assert scored(0.3, 0.4, 0.3).label() == "negative"
    assert scored(0.3, 0.4, 0.3).strength == pytest.approx(4 / 7)


def test_mixed_needs_clear_sentences_of_both_signs_and_an_unclear_whole() -> None:
    good, bad, flat = scored(0.9, 0.05, 0.05), scored(0.05, 0.9, 0.05), scored(0.3, 0.3, 0.4)
    unclear = scored(0.45, 0.4, 0.15)
    assert mixed_weight(unclear, [(good, 50), (bad, 50)]) == pytest.approx(1.0)
    assert mixed_weight(unclear, [(good, 60), (bad, 30)]) == pytest.approx(2 / 3)
    # The whole is clearly positive: the one bad sentence does not make it mixed.
    assert mixed_weight(scored(0.85, 0.1, 0.05), [(good, 50), (bad, 50)]) == 0.0
    # The negative side is too small a share of the text.
    assert mixed_weight(unclear, [(good, 90), (bad, 10)]) == 0.0
    # No clear sentence of one sign.
    assert mixed_weight(unclear, [(good, 50), (flat, 50)]) == 0.0
    assert mixed_weight(unclear, [(good, 50)]) == 0.0
    shares = with_mixed(unclear.scores(), 0.8)
    assert shares["mixed"] == 0.8 and sum(shares.values()) == pytest.approx(1.0)


def test_choices_are_scored_only_as_far_as_they_differ() -> None:
    # "positive" [5], "negative" [7, 8], "neutral" [7, 9], "ne" [7]
    assert distinguishing_lengths([[5], [7, 8], [7, 9]]) == [1, 2, 2]
    assert distinguishing_lengths([[5, 6, 7], [8]]) == [1, 1]
    assert distinguishing_lengths([[7], [7, 9]]) == [1, 2]


def test_a_servers_top_alternatives_become_choice_scores() -> None:
    top = (("pos", math.log(0.5)), (" Negative", math.log(0.3)), ("ne", math.log(0.15)))
    scores = choice_scores(top, ("positive", "negative", "neutral", "Negative"))
    assert scores is not None
    # "ne" begins both "negative" and "neutral": it counts for neither.
    assert scores[0] == pytest.approx(math.log(0.5))
    assert scores[3] == pytest.approx(math.log(0.3))
    assert scores[1] == scores[2] == pytest.approx(math.log(0.15) - math.log(2))
    assert choice_scores((("The", -0.1),), ("positive", "negative")) is None


# --- the pipeline with a scripted scorer ----------------------------------------------------


@dataclass
class ScoringBackend(FakeBackend):
    """Scores by keywords with a strong lean to "positive", like a small model's."""

    bias: tuple[float, float, float] = (0.8, 0.05, 0.15)
    score_calls: list[str] = field(default_factory=list)

    def score_choices(
        self, messages: Sequence[ChatMessage], choices: Sequence[str]
    ) -> tuple[float, ...]:
        text = messages[-1]["content"].removeprefix("Text: ")
        self.score_calls.append(text)
        lowered = text.lower()
        evidence = [1.0, 1.0, 1.0]
        good = "love" in lowered or "great" in lowered
        if good and ("terrible" in lowered or "broke" in lowered):
            evidence = [2.0, 2.0, 0.5]
        elif good:
            evidence = [4.0, 0.1, 0.5]
        elif "terrible" in lowered or "broke" in lowered:
            evidence = [0.3, 8.0, 0.5]
        elif "box" in lowered:
            evidence = [1.0, 1.0, 6.0]
        mass = [b * e for b, e in zip(self.bias, evidence, strict=True)]
        per_form = {"positive": mass[0], "negative": mass[1], "neutral": mass[2]}
        return tuple(math.log(per_form[c.lower()] / 2) for c in choices)


def test_the_scorer_is_used_and_its_lean_is_divided_out() -> None:
    backend = ScoringBackend()
    assert isinstance(backend, ChoiceScorer)
    rows = analyse_batch(backend, ["The battery is terrible.", "I love it.", "It came in a box."])
    assert [row.label for row in rows] == ["negative", "positive", "neutral"]
    # Uncalibrated, "terrible" would be 0.8 * 0.3 = 0.24 positive against 0.05 * 8 = 0.4
    # negative, a close call; calibrated it is 0.3 against 8.
    assert rows[0].confidence == pytest.approx(8 / 8.8)
    # The lean is measured once, on the content-free inputs, and nothing is generated.
    assert backend.score_calls[: len(CONTENT_FREE)] == list(CONTENT_FREE)
    assert len(backend.score_calls) == len(CONTENT_FREE) + 3
    assert backend.calls == []
    analyse_batch(backend, ["I love it."])
    assert len(backend.score_calls) == len(CONTENT_FREE) + 4  # measured once per model


def test_a_text_with_clear_good_and_bad_sentences_is_mixed() -> None:
    backend = ScoringBackend(bias=(1 / 3, 1 / 3, 1 / 3))
    text = "I love the screen. The battery is terrible."
    result = analyse_sentiment(backend, text, aspects=False)
    assert [s.label for s in result.sentences] == ["positive", "negative"]
    assert result.label == "mixed"
    assert result.confidence is not None and 0.5 <= result.confidence <= 1.0
    assert sum(result.scores.values()) == pytest.approx(1.0)


def test_a_backend_that_cannot_score_generates_the_label() -> None:
    @dataclass
    class NoScores(FakeBackend):
        def score_choices(
            self, messages: Sequence[ChatMessage], choices: Sequence[str]
        ) -> tuple[float, ...] | None:
            return None

    backend = NoScores(reply=lambda call: "negative")
    rows = analyse_batch(backend, ["The battery is terrible.", "Bad."])
    assert [row.label for row in rows] == ["negative", "negative"]
    assert all(call.grammar == LABEL_GRAMMAR for call in backend.calls)
    assert len(backend.calls) == 2


def test_a_batch_whose_items_come_back_unscored_generates_the_labels() -> None:
    # A server that scored the content-free inputs but gives no log-probabilities for the
    # batch's items (ChoiceScores with neither scores nor an error): the rows are generated,
    # not taken for a stop.
    @dataclass
    class UnscoredBatch(ScoringBackend):
        def score_choices_many(
            self, conversations: Sequence[Sequence[ChatMessage]], choices: Sequence[str]
        ) -> list[ChoiceScores]:
            return [ChoiceScores(None) for _ in conversations]

    backend = UnscoredBatch(reply=lambda call: "negative")
    rows = analyse_batch(backend, ["The battery is terrible.", "Bad."])
    assert [row.label for row in rows] == ["negative", "negative"]
    assert all(call.grammar == LABEL_GRAMMAR for call in backend.calls)
