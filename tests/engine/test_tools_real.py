"""The tool pipelines against the real starter model in a real engine process.

The starter model (SmolLM2-135M) is a toy: what it writes is not judged here. What is judged
is what the pipelines promise whatever the model writes: a document larger than the context
is read completely, part by part; a translation keeps the document's structure; a batch gives
one valid row per line with a confidence taken from token probabilities; Stop stops. Answers
are kept short so the module runs in about a minute on two cores.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from app.core.backend import (
    ChatMessage,
    Event,
    GenerationRequest,
    LoadOptions,
    ModelRef,
    Progress,
    SamplingParams,
    Stats,
)
from app.core.pipelines import request_stop
from app.core.pipelines.sentiment import LABELS, analyse_batch, analyse_sentiment
from app.core.pipelines.sentiment_scoring import CONTENT_FREE
from app.core.pipelines.summarise import SummaryResult, summarise_document
from app.core.pipelines.translate import TranslationResult, translate_document
from app.core.textsplit import SplitPlan
from app.engine.local import LocalBackend

pytestmark = pytest.mark.slow

SMALL_CONTEXT = LoadOptions(n_ctx=2048, n_batch=512, n_threads=2)


class RecordingBackend:
    """The real backend, with a record of every request and its figures."""

    def __init__(self, inner: LocalBackend) -> None:
        self.inner = inner
        self.requests: list[list[ChatMessage]] = []
        self.scored: list[list[ChatMessage]] = []  # score_choices calls (sentiment labels)
        self.stats: list[Stats] = []
        self.streams = 0  # model requests made: one stream, or several replies together

    def stream(
        self,
        messages: list[ChatMessage] | tuple[ChatMessage, ...],
        params: SamplingParams,
        *,
        grammar: str | None = None,
        json_schema: dict[str, Any] | None = None,
        logprobs: int = 0,
    ) -> Iterator[Event]:
        self.requests.append(list(messages))
        self.streams += 1
        for event in self.inner.stream(
            messages, params, grammar=grammar, json_schema=json_schema, logprobs=logprobs
        ):
            if isinstance(event, Stats):
                self.stats.append(event)
            yield event

    def stream_many(self, requests: Sequence[GenerationRequest]) -> Iterator[tuple[int, Event]]:
        """Replies generated together (a summary's parts): recorded like single ones."""
        self.requests.extend(list(request.messages) for request in requests)
        self.streams += 1
        stats: dict[int, Stats] = {}
        for index, event in self.inner.stream_many(requests):
            if isinstance(event, Stats):
                stats[index] = event
            yield index, event
        self.stats.extend(stats[index] for index in sorted(stats))  # in the requests' order

    def score_choices(
        self, messages: list[ChatMessage] | tuple[ChatMessage, ...], choices: Sequence[str]
    ) -> tuple[float, ...]:
        self.scored.append(list(messages))
        return self.inner.score_choices(messages, choices)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture(scope="module")
def engine(
    starter_ref: ModelRef, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalBackend]:
    backend = LocalBackend(log_dir=tmp_path_factory.mktemp("engine-logs"))
    try:
        backend.load(starter_ref, SMALL_CONTEXT)
        yield backend
    finally:
        backend.close()


@pytest.fixture
def recording(engine: LocalBackend) -> RecordingBackend:
    return RecordingBackend(engine)


# About 2,450 tokens: more than the 2,048-token context, so the document is read in parts.
PARAGRAPHS = 24


def long_document(paragraphs: int, seed: int = 3) -> str:
    """Readable, varied prose with a unique marker per paragraph."""
    rng = random.Random(seed)
    subjects = ["The river", "Our team", "The old library", "A small robot", "The market"]
    verbs = ["opened", "measured", "described", "repaired", "painted", "counted"]
    objects = ["the north bridge", "forty lanterns", "a quiet garden", "the ledger", "new maps"]
    out = []
    for index in range(paragraphs):
        sentences = [
            f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} "
            f"in week {rng.randint(1, 52)}."
            for _ in range(rng.randint(6, 10))
        ]
        out.append(f"Section {index} marker{index:03d}. " + " ".join(sentences))
    return "\n\n".join(out)


def test_summary_of_a_document_larger_than_the_context_reads_every_part(
    recording: RecordingBackend,
) -> None:
    text = long_document(PARAGRAPHS)
    document_tokens = recording.count_tokens(text)
    assert document_tokens > recording.context_length(), "the document must not fit"

    events = list(summarise_document(recording, text, length="short", notes_tokens=40))
    result = events[-1]
    assert isinstance(result, SummaryResult)
    assert result.status == "complete", result.error
    assert result.text.strip()

    plan = next(e for e in events if isinstance(e, SplitPlan))
    assert "".join(plan.parts) == text
    assert result.parts == len(plan.parts) >= 2
    map_requests = [r for r in recording.requests if "This is part " in r[-1]["content"]]
    assert len(map_requests) == result.parts
    for part, request in zip(plan.parts, map_requests, strict=True):
        assert part.strip() in request[-1]["content"]
    # Every paragraph's marker went to the model exactly once in the map step.
    sent = "".join(r[-1]["content"] for r in map_requests)
    assert all(sent.count(f"marker{i:03d}") == 1 for i in range(PARAGRAPHS))

    # Token counts: the parts add up to the document, and the engine evaluated at least
    # each part's tokens in the call that read it, never more than the context.
    assert result.document_tokens == document_tokens
    assert result.part_tokens == tuple(recording.count_tokens(p) for p in plan.parts)
    assert abs(result.tokens_read - document_tokens) <= result.parts
    map_stats = recording.stats[: result.parts]
    for tokens, stats in zip(result.part_tokens, map_stats, strict=True):
        assert tokens < stats.prompt_tokens <= recording.context_length()
    assert result.model_calls == len(recording.requests) >= result.parts + 1
    assert result.prompt_tokens == sum(s.prompt_tokens for s in recording.stats)


def structure(text: str) -> dict[str, object]:
    fence = re.compile(r"```.*?```", re.S)
    outside = fence.sub("", text)
    return {
        "paragraphs": len([b for b in re.split(r"\n[ \t]*\n", text) if b.strip()]),
        "headings": re.findall(r"^#+ ", text, re.M),
        "items": re.findall(r"^[ \t]*(?:[-*+]|\d+\.)[ \t]", text, re.M),
        "code_blocks": fence.findall(text),
        "links": re.findall(r"\]\((https?://[^)]+)\)", text),
        "inline_code": re.findall(r"`[^`\n]+`", outside),
    }


MARKDOWN = """# Quick start

Parley keeps your notes on this computer. Read [the manual](https://example.com/manual).

## Steps

- Open the app.
- Type `hello` and press Enter.

```python
print("never translated")
```

Thank you for trying it.
"""


def test_translation_keeps_the_structure(recording: RecordingBackend) -> None:
    events = list(translate_document(recording, MARKDOWN, target="fr", source="en"))
    result = events[-1]
    assert isinstance(result, TranslationResult)
    assert result.status == "complete", result.error
    assert structure(result.text) == structure(MARKDOWN)
    assert '```python\nprint("never translated")\n```' in result.text
    assert "](https://example.com/manual)" in result.text
    # The code block and the URL never went to the model.
    sent = "\n".join(m["content"] for r in recording.requests for m in r)
    assert "never translated" not in sent
    assert "example.com" not in sent


def test_batch_sentiment_of_fifty_lines(engine: LocalBackend) -> None:
    rng = random.Random(5)
    good = ["Great value", "I love it", "Works perfectly", "Fantastic service"]
    bad = ["Broke after a day", "Terrible support", "Waste of money", "Very disappointed"]
    lines = [f"{rng.choice(good if i % 2 else bad)}, order {i}." for i in range(50)]
    started = time.perf_counter()
    rows = analyse_batch(engine, lines)
    elapsed = time.perf_counter() - started
    assert len(rows) == 50
    assert [row.index for row in rows] == list(range(50))
    assert [row.text for row in rows] == lines
    for row in rows:
        assert row.label in LABELS, row
        assert row.error == ""
        assert row.confidence is not None and 0.0 < row.confidence <= 1.0, row
    print(f"batch sentiment: {50 / elapsed:.1f} items/s")


def test_sentiment_of_one_text_with_sentences_and_aspects(recording: RecordingBackend) -> None:
    text = "The screen is bright and beautiful. The battery dies by noon. Delivery was fast."
    result = analyse_sentiment(recording, text)
    assert result.label in LABELS
    assert result.confidence is not None
    assert sum(result.scores.values()) == pytest.approx(1.0)
    assert [s.text for s in result.sentences] == [
        "The screen is bright and beautiful.",
        "The battery dies by noon.",
        "Delivery was fast.",
    ]
    assert all(s.label in LABELS and s.confidence is not None for s in result.sentences)
    # The aspects grammar was accepted by llama.cpp and the answer parsed (maybe empty).
    assert all(a.label in LABELS and a.aspect for a in result.aspects)
    # Labels are scored (the text, its three sentences, and once per model the three
    # content-free inputs of the calibration); only the aspects are generated.
    scored = len(recording.scored)
    assert scored in (4, 4 + len(CONTENT_FREE))
    assert len(recording.requests) == 1
    assert result.model_calls == scored + 1


def test_stop_during_prompt_evaluation_ends_a_summary_quickly(
    recording: RecordingBackend,
) -> None:
    stop = threading.Event()
    timer: threading.Timer | None = None
    stopped_at = 0.0

    def stop_now() -> None:
        nonlocal stopped_at
        stopped_at = time.perf_counter()
        request_stop(recording, stop)

    events: list[object] = []
    try:
        for event in summarise_document(
            recording, long_document(PARAGRAPHS), notes_tokens=40, stop=stop
        ):
            events.append(event)
            if isinstance(event, Progress) and event.what == "part" and event.done == 1:
                # Reading ~1,900 prompt tokens takes seconds: this lands in the middle.
                timer = threading.Timer(0.5, stop_now)
                timer.start()
    finally:
        if timer is not None:
            timer.join()
    ended_at = time.perf_counter()
    result = events[-1]
    assert isinstance(result, SummaryResult)
    assert result.status == "cancelled"
    assert ended_at - stopped_at < 1.0
    assert recording.streams == 1  # the parts' one request (read together); none after
    assert recording.stats[0].generated_tokens == 0  # stopped before the first token
    # The engine is usable right after a stop.
    again = list(
        summarise_document(recording, "A short note about the weather today.", length="short")
    )
    last = again[-1]
    assert isinstance(last, SummaryResult) and last.status == "complete"


def test_plans_are_shown_before_work(recording: RecordingBackend) -> None:
    events: Sequence[object] = list(
        summarise_document(recording, "Just one sentence to summarise.", length="short")
    )
    plan = next(e for e in events if isinstance(e, SplitPlan))
    assert plan.part_count == 1
    assert plan.describe().endswith("— 1 part")
