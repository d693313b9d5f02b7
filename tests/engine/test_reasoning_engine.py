"""Reasoning through the real engine process and the real starter model.

No thinking model is small enough to reach this machine, so the starter model is made to
behave like one at the two seams a thinking model uses:

* a chat template that opens ``<think>`` in the generation prompt (as DeepSeek-R1 distills'
  do): everything the model writes is then reasoning until ``</think>``, which the 135M
  model never writes, so the engine's reasoning budget must close it;
* a grammar that forces ``<think>…</think>`` text out of the model, tokenized by the real
  SmolLM2 tokenizer (the tags come out in several pieces).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from engine_helpers import GREEDY, TEST_OPTIONS, collect, stats_of, text_of

from app.core.backend import Event, ModelRef, Reasoning, SamplingParams, Token
from app.engine.local import LocalBackend

# ChatML as SmolLM2 uses it, with Qwen3's switch and DeepSeek-R1's opened block.
THINKING_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and not enable_thinking %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}{% else %}{{ '<think>\\n' }}{% endif %}"
    "{% endif %}"
)
HELLO = [{"role": "user", "content": "Say hello to Ada."}]


def reasoning_of(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, Reasoning))


@pytest.fixture(scope="module")
def thinker(
    starter_ref: ModelRef, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalBackend]:
    engine = LocalBackend(log_dir=tmp_path_factory.mktemp("engine-logs"))
    try:
        info = engine.load(replace(starter_ref, chat_template=THINKING_TEMPLATE), TEST_OPTIONS)
        assert info.reasoning == "switchable"  # read from the template's enable_thinking
        yield engine
    finally:
        engine.close()


# The plain model first: its module engine must outlive the thinking one (teardown order).


def test_tags_the_model_writes_are_split_in_the_engine(backend: LocalBackend) -> None:
    """The plain starter model, forced by a grammar to write tags in its own tokens."""
    grammar = 'root ::= "<think>" [a-z ]{4,24} "</think>" " " [A-Za-z ]{2,16}'
    params = SamplingParams(temperature=0.0, max_tokens=64)
    events = collect(backend.stream(HELLO, params, grammar=grammar))
    thought, answer = reasoning_of(events), text_of(events)
    assert 4 <= len(thought.strip()) <= 24 and thought.strip(), events
    assert answer.strip() and "<" not in answer and ">" not in answer
    stats = stats_of(events)
    assert 0 < stats.reasoning_tokens < stats.generated_tokens


def test_logprobs_cover_the_answer_only(backend: LocalBackend) -> None:
    grammar = 'root ::= "<think>" [a-z ]{4,12} "</think>" "yes"'
    params = SamplingParams(temperature=0.0, max_tokens=48)
    events = collect(backend.stream(HELLO, params, grammar=grammar, logprobs=2))
    tokens = [e for e in events if isinstance(e, Token)]
    assert "".join(t.text for t in tokens) == "yes"
    assert all(t.logprob is not None for t in tokens)


def test_a_plain_reply_is_untouched(backend: LocalBackend) -> None:
    events = collect(backend.stream(HELLO, GREEDY))
    assert reasoning_of(events) == ""
    assert text_of(events).strip()
    assert stats_of(events).reasoning_tokens == 0


def test_opened_block_is_reasoning_and_the_budget_closes_it(thinker: LocalBackend) -> None:
    params = replace(GREEDY, max_tokens=12, max_reasoning_tokens=10)
    events = collect(thinker.stream(HELLO, params))
    stats = stats_of(events)
    thought, answer = reasoning_of(events), text_of(events)
    assert thought.strip(), events
    assert answer.strip(), "after the budget closed the thought, the model must still answer"
    assert "</think>" not in thought and "<think>" not in answer and "</think>" not in answer
    assert stats.reasoning_tokens == 10
    # max_tokens counts the answer alone: it was not spent thinking.
    assert stats.generated_tokens - stats.reasoning_tokens <= 12
    assert stats.generated_tokens > 12
    # Every reasoning event comes before the first answer token.
    kinds = [type(e) for e in events if isinstance(e, Reasoning | Token)]
    assert kinds.index(Token) > max(i for i, k in enumerate(kinds) if k is Reasoning)


def test_thinking_switched_off_renders_the_empty_block(thinker: LocalBackend) -> None:
    events = collect(thinker.stream(HELLO, replace(GREEDY, think=False)))
    assert reasoning_of(events) == ""
    assert text_of(events).strip()
    assert stats_of(events).reasoning_tokens == 0
    # Left to the model (think unset), the template opens the block in the prompt.
    assert thinker.render_prompt(HELLO).endswith("<think>\n")


def test_grammar_answers_at_once_even_when_the_prompt_opened_a_thought(
    thinker: LocalBackend,
) -> None:
    """A grammar shapes the answer from the first token: the engine closes the thought."""
    grammar = 'root ::= "positive" | "negative"'
    events = collect(thinker.stream(HELLO, GREEDY, grammar=grammar))
    assert text_of(events) in ("positive", "negative")
    assert reasoning_of(events) == ""


# DeepSeek-R1's way: the block is opened in the prompt and there is no switch.
ALWAYS_TEMPLATE = THINKING_TEMPLATE.replace(
    "{% if enable_thinking is defined and not enable_thinking %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}{% else %}{{ '<think>\\n' }}{% endif %}",
    "{{ '<think>\\n' }}",
)
DOCUMENT = (
    "The lighthouse on Sable Point was built in 1871. Its keeper, Mara Lind, kept a log of "
    "every ship that passed. In the winter of 1903 a storm broke the lamp, and she kept a "
    "fire burning on the gallery for three nights until the supply boat came."
)


class Recording:
    """The thinking backend, remembering every piece of reasoning it produced."""

    def __init__(self, backend: LocalBackend) -> None:
        self.backend = backend
        self.thoughts: list[str] = []

    def stream(self, *args: object, **kwargs: object) -> Iterator[Event]:
        for event in self.backend.stream(*args, **kwargs):  # type: ignore[arg-type]
            if isinstance(event, Reasoning):
                self.thoughts.append(event.text)
            yield event

    def __getattr__(self, name: str) -> object:
        return getattr(self.backend, name)


@pytest.fixture(scope="module")
def always_thinks(
    starter_ref: ModelRef, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalBackend]:
    engine = LocalBackend(log_dir=tmp_path_factory.mktemp("engine-logs"))
    try:
        info = engine.load(replace(starter_ref, chat_template=ALWAYS_TEMPLATE), TEST_OPTIONS)
        assert info.reasoning == "always"
        yield engine
    finally:
        engine.close()


def test_text_tools_never_carry_reasoning(always_thinks: LocalBackend) -> None:
    """A model that cannot stop thinking: the tools budget its thinking, drop it from the
    result, and still get an answer (a map note is never empty for want of tokens)."""
    from app.core.pipelines.sentiment import LABELS, analyse_sentiment
    from app.core.pipelines.summarise import SummaryResult, summarise_document
    from app.core.pipelines.translate import TranslationResult, translate_document

    recording = Recording(always_thinks)
    params = SamplingParams(temperature=0.0, max_tokens=40, max_reasoning_tokens=12)
    events = list(summarise_document(recording, DOCUMENT, length="short", params=params))  # type: ignore[arg-type]
    summary = events[-1]
    assert isinstance(summary, SummaryResult) and summary.status == "complete"
    assert summary.text.strip()
    translated = list(
        translate_document(recording, DOCUMENT, target="fr", source="en", params=params)  # type: ignore[arg-type]
    )[-1]
    assert isinstance(translated, TranslationResult) and translated.text.strip()
    assert recording.thoughts, "the model was meant to think"
    thought = "".join(recording.thoughts)
    for result in (summary.text, translated.text):
        assert "<think>" not in result and "</think>" not in result
        assert thought.strip() not in result
    # Sentiment's labels come under a grammar: the engine closes the thought first.
    recording.thoughts.clear()
    sentiment = analyse_sentiment(recording, "I love this lighthouse.", aspects=False)  # type: ignore[arg-type]
    assert sentiment.label in LABELS
    assert recording.thoughts == []
