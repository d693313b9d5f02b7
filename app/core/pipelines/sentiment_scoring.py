"""Sentiment by scoring: the model's own probabilities for each label, calibrated.

Why not generate the label: a small model asked to write one of four words under a grammar
drifts to whatever the prompt makes easy ("mixed" for anything with two clauses), and the
confidence read from the first generated token is the probability of that drift. Asked for
the probability of each label word at the answer position, the same model separates positive
from negative far better. So:

1. **Score.** One forward pass over the prompt; the engine returns the log-probability of each
   label word (and its capitalised form) as the start of the reply. The instruction comes
   before the text, so it stays in the KV cache from item to item.
2. **Calibrate.** A model leans towards some labels whatever the text ("Calibrate before use",
   Zhao et al. 2021). That lean is measured once per model and prompt on content-free inputs
   ("N/A", "[MASK]", an empty text) and divided out.
3. **Decide polarity first**, then allow the other two labels only on evidence:
   *neutral* when neutral is the likeliest calibrated label and neither polarity is clearly
   ahead; *mixed* when a text of several sentences has clearly positive and clearly negative
   sentences and the whole is not clearly one or the other.

The confidence shown is the calibrated probability of the label given.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from app.core.backend import Backend, BatchChoiceScorer, ChoiceScorer
from app.core.prompts import sentiment as prompts

POSITIVE, NEGATIVE, NEUTRAL, MIXED = prompts.LABELS
SCORED = (POSITIVE, NEGATIVE, NEUTRAL)
# Each label is scored as written and capitalised: small models often start with a capital.
CHOICES = tuple(form for label in SCORED for form in (label, label.capitalize()))
CONTENT_FREE = ("N/A", "[MASK]", "")
# Texts per batched request: the engine packs them into batches of its own; between requests
# the pipeline reports progress and checks Stop.
BATCH_ITEMS = 32
# How often a running batched request looks at the stop flag (the engine's own cancel then
# lands within one decode).
STOP_POLL_S = 0.05
# A polarity is "clear" when it has this share of the positive + negative probability.
CLEAR = 0.75
# For "mixed", the weaker polarity's clear sentences carry at least this share of the text.
MIXED_MIN_SHARE = 0.25


@dataclass(frozen=True)
class Scored:
    """One text's calibrated label probabilities (positive, negative, neutral sum to 1)."""

    probabilities: dict[str, float]

    @property
    def polarity(self) -> str:
        """Positive or negative, whichever is ahead: decided before anything else."""
        p = self.probabilities
        return POSITIVE if p[POSITIVE] >= p[NEGATIVE] else NEGATIVE

    @property
    def strength(self) -> float:
        """The leading polarity's share of the polar probability, 0.5 (a tie) to 1."""
        p = self.probabilities
        polar = p[POSITIVE] + p[NEGATIVE]
        return max(p[POSITIVE], p[NEGATIVE]) / polar if polar > 0 else 0.5

    @property
    def clear(self) -> bool:
        return self.strength >= CLEAR

    def label(self) -> str:
        """Polarity, or neutral when neutral is likeliest and no polarity is clearly ahead."""
        p = self.probabilities
        if p[NEUTRAL] > max(p[POSITIVE], p[NEGATIVE]) and not self.clear:
            return NEUTRAL
        return self.polarity

    def scores(self) -> dict[str, float]:
        """The four labels' probabilities as shown; mixed is 0 unless a rule gives it weight."""
        return {**self.probabilities, MIXED: 0.0}


def label_probabilities(logprobs: Sequence[float]) -> dict[str, float]:
    """Probabilities of the scored labels, normalised over them, from the choices' scores
    (each label's forms added up)."""
    mass = dict.fromkeys(SCORED, 0.0)
    peak = max(logprobs)
    for choice, logprob in zip(CHOICES, logprobs, strict=True):
        mass[choice.lower()] += math.exp(logprob - peak)
    total = sum(mass.values())
    return {label: value / total for label, value in mass.items()}


def calibrate(raw: Mapping[str, float], bias: Mapping[str, float]) -> dict[str, float]:
    """``raw`` with the model's content-free lean divided out, normalised again."""
    adjusted = {label: raw[label] / max(bias[label], 1e-9) for label in SCORED}
    total = sum(adjusted.values())
    return {label: value / total for label, value in adjusted.items()}


def mixed_weight(whole: Scored, parts: Sequence[tuple[Scored, int]]) -> float:
    """How mixed a text is, from its sentences (each with its length): 0 when it is not.

    Mixed needs clearly positive and clearly negative sentences, the weaker side carrying at
    least MIXED_MIN_SHARE of their length, and a whole that is not clearly one polarity. The
    weight is then how evenly the two sides split, 0.5 to 1.
    """
    if whole.clear or len(parts) < 2:
        return 0.0
    sides = {POSITIVE: 0, NEGATIVE: 0}
    for scored, length in parts:
        if scored.clear and scored.label() != NEUTRAL:
            sides[scored.polarity] += length
    total = sides[POSITIVE] + sides[NEGATIVE]
    if not total or min(sides.values()) / total < MIXED_MIN_SHARE:
        return 0.0
    return max(0.5, 2 * min(sides.values()) / total)


def with_mixed(scores: Mapping[str, float], weight: float) -> dict[str, float]:
    """Scores with ``weight`` given to mixed and the rest scaled to share what is left."""
    out = {label: value * (1.0 - weight) for label, value in scores.items() if label != MIXED}
    out[MIXED] = weight
    return out


# The bias of each model and prompt, measured once per backend object and model; an entry
# goes when its backend does (backends need not be hashable, so they are keyed by id).
_BIAS: dict[tuple[int, str], dict[str, float]] = {}


def _remember(backend: Backend, key: str, bias: dict[str, float]) -> None:
    ident = id(backend)
    if not any(known == ident for known, _ in _BIAS):
        try:
            weakref.finalize(backend, _forget, ident)
        except TypeError:  # cannot be weakly referenced: kept for this analysis only
            return
    _BIAS[(ident, key)] = bias


def _forget(ident: int) -> None:
    for known in [k for k in _BIAS if k[0] == ident]:
        del _BIAS[known]


def _model_key(backend: Backend) -> str:
    loaded = getattr(backend, "loaded", None)
    info = loaded() if callable(loaded) else None
    return f"{getattr(info, 'path', '')}|{getattr(info, 'model_id', '')}|{prompts.SCORE_VERSION}"


class LabelScorer:
    """Scores texts with one backend; None from :meth:`score` means the backend cannot score
    (a server without log-probabilities) and the caller generates a label instead."""

    def __init__(self, backend: Backend, on_call: Callable[[], None]) -> None:
        self.backend = backend
        self.on_call = on_call
        self.available = isinstance(backend, ChoiceScorer)
        self._bias: dict[str, float] | None = None

    def _raw(self, text: str) -> dict[str, float] | None:
        assert isinstance(self.backend, ChoiceScorer)
        self.on_call()
        logprobs = self.backend.score_choices(prompts.score_messages(text), CHOICES)
        if logprobs is None or len(logprobs) != len(CHOICES):
            self.available = False
            return None
        return label_probabilities(logprobs)

    def bias(self) -> dict[str, float] | None:
        """The model's label probabilities with no content, averaged (cached per model)."""
        if self._bias is not None:
            return self._bias
        key = _model_key(self.backend)
        cached = _BIAS.get((id(self.backend), key))
        if cached is not None:
            self._bias = cached
            return cached
        total = dict.fromkeys(SCORED, 0.0)
        for text in CONTENT_FREE:
            raw = self._raw(text)
            if raw is None:
                return None
            for label in SCORED:
                total[label] += raw[label] / len(CONTENT_FREE)
        self._bias = total
        _remember(self.backend, key, total)
        return total

    def score(self, text: str) -> Scored | None:
        """The calibrated probabilities for ``text``, or None when the backend cannot score."""
        if not self.available:
            return None
        bias = self.bias()
        raw = self._raw(text) if bias is not None else None
        if raw is None or bias is None:
            return None
        return Scored(calibrate(raw, bias))

    @property
    def batched(self) -> bool:
        """Whether :meth:`score_many` scores many texts in one request."""
        return self.available and isinstance(self.backend, BatchChoiceScorer)

    def score_many(
        self, texts: Sequence[str], stop: threading.Event | None = None
    ) -> list[Scored | str | None]:
        """The calibrated probabilities of each text (each one fitting the context), the
        error that ended that text alone, or None for a text a stop came before.

        Needs :attr:`batched`. ``stop`` set while the request runs cancels it in the engine.
        """
        assert isinstance(self.backend, BatchChoiceScorer)
        bias = self.bias()
        if bias is None:
            return [None] * len(texts)
        self.on_call()
        with _cancel_on(self.backend, stop):
            results = self.backend.score_choices_many(
                [prompts.score_messages(text) for text in texts], CHOICES
            )
        out: list[Scored | str | None] = []
        for result in results:
            if result.logprobs is not None and len(result.logprobs) == len(CHOICES):
                out.append(Scored(calibrate(label_probabilities(result.logprobs), bias)))
            elif result.error:
                out.append(result.error)
            else:
                if not result.cancelled:  # the server gives no log-probabilities after all
                    self.available = False
                out.append(None)
        return out


@contextmanager
def _cancel_on(backend: Backend, stop: threading.Event | None) -> Iterator[None]:
    """Cancel ``backend`` whenever ``stop`` is set while the block runs.

    A blocking request reads no events between which a stop could be checked; so a watcher
    thread does it. It cancels again at every poll while the flag is set, because the
    request clears a cancel that came before it reached the engine.
    """
    if stop is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(STOP_POLL_S):
            if stop.is_set():
                backend.cancel()

    watcher = threading.Thread(target=watch, name="parley-sentiment-stop", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
