"""The local backend against the real starter model: load, stream, count, constrain, reuse.

All tests share one engine process (module-scoped ``backend`` fixture) with greedy sampling
and small ``max_tokens``: the real model is fast, but the test machines are shared.
"""

from __future__ import annotations

import json
import math
import re
from importlib.metadata import version

import pytest
from engine_helpers import GREEDY, TEST_OPTIONS, collect, stats_of, text_of

from app.core.backend import (
    Backend,
    BackendError,
    ChatMessage,
    Done,
    Error,
    ModelRef,
    SamplingParams,
    Stats,
    Token,
)
from app.engine.local import LocalBackend

CAPITAL: list[ChatMessage] = [{"role": "user", "content": "What is the capital of France?"}]


def test_load_reports_device_layers_and_versions(backend: LocalBackend) -> None:
    info = backend.loaded()
    assert info is not None
    assert isinstance(backend, Backend)
    assert info.model_id == "starter"
    assert info.path.endswith("SmolLM2-135M-Instruct.Q4_1.gguf")
    # This machine's llama.cpp build has no GPU backend, so "auto" must mean the CPU.
    assert (info.device, info.gpu_layers) == ("CPU", 0)
    assert info.n_layers == 30  # SmolLM2-135M
    assert (info.n_ctx, info.n_ctx_train, info.n_threads) == (4096, 8192, 2)
    assert 0 < info.load_seconds < 60
    assert info.system_info.startswith("CPU :")
    assert info.engine_version == version("llama-cpp-python") == "0.3.36"
    assert backend.context_length() == 4096


def test_loading_the_same_model_again_reuses_the_engine(
    backend: LocalBackend, starter_ref: ModelRef
) -> None:
    info, pid = backend.loaded(), backend.engine_pid
    assert info is not None and pid is not None
    assert backend.load(starter_ref, TEST_OPTIONS) is info
    assert backend.engine_pid == pid


def test_stream_yields_tokens_then_stats_then_done(backend: LocalBackend) -> None:
    events = collect(backend.stream(CAPITAL, SamplingParams(temperature=0.0, max_tokens=48)))
    kinds = [type(e) for e in events]
    assert kinds[-2:] == [Stats, Done]
    assert set(kinds[:-2]) == {Token}
    assert "Paris" in text_of(events)
    assert events[-1] == Done("stop")
    stats = stats_of(events)
    assert stats.prompt_tokens == backend.count_chat_tokens(CAPITAL)
    assert stats.generated_tokens >= len(kinds) - 2
    assert 0 < stats.ttft_s < 30
    assert 0 < stats.prompt_eval_s <= stats.ttft_s
    assert stats.tokens_per_s > 1


def test_max_tokens_ends_the_reply_with_length(backend: LocalBackend) -> None:
    story: list[ChatMessage] = [{"role": "user", "content": "Write a long story about a cat."}]
    events = collect(backend.stream(story, SamplingParams(temperature=0.0, max_tokens=5)))
    assert events[-1] == Done("length")
    assert stats_of(events).generated_tokens == 5


def test_a_character_cut_by_the_token_limit_is_dropped_not_shown_broken(
    backend: LocalBackend,
) -> None:
    # The starter model's tokenizer spells a Chinese character in two or three byte tokens,
    # so some of these limits end mid-character; that tail used to come out as "\ufffd".
    chinese: list[ChatMessage] = [{"role": "user", "content": "请用中文写一句关于猫的话。"}]
    tokens = [backend.count_tokens(ch) for ch in "猫的话"]
    assert max(tokens) > 1  # the premise: characters of several tokens

    def reply(limit: int) -> str:
        return text_of(
            collect(backend.stream(chinese, SamplingParams(temperature=0.0, max_tokens=limit)))
        )

    whole = reply(12)
    for limit in range(1, 12):
        text = reply(limit)
        assert "\ufffd" not in text, (limit, text)
        assert whole.startswith(text), (limit, text, whole)


def test_stop_strings_end_the_reply_before_them(backend: LocalBackend) -> None:
    events = collect(backend.stream(CAPITAL, SamplingParams(temperature=0.0, stop=("Paris",))))
    assert events[-1] == Done("stop")
    assert "Paris" not in text_of(events)
    assert text_of(events)  # something came before the stop string


def test_token_counts_use_the_models_tokenizer(backend: LocalBackend) -> None:
    assert backend.count_tokens("") == 0
    assert backend.count_tokens("Hello world") == 2  # SmolLM2's BPE: "Hello", " world"
    sentence = "The quick brown fox jumps over the lazy dog. "
    one, forty = backend.count_tokens(sentence), backend.count_tokens(sentence * 40)
    assert 9 <= one <= 12
    assert 40 * (one - 1) <= forty <= 40 * one  # " The" merges across the repeats


def test_chat_template_from_the_gguf_is_applied(backend: LocalBackend) -> None:
    text = "Tell me a joke about penguins."
    messages: list[ChatMessage] = [{"role": "user", "content": text}]
    prompt = backend.render_prompt(messages)
    # SmolLM2's own template: ChatML, with a default system prompt when none is given.
    assert prompt.startswith("<|im_start|>system\n")
    assert f"<|im_start|>user\n{text}<|im_end|>\n" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")
    # The markers are single special tokens, and the template adds more than the text.
    assert backend.count_chat_tokens(messages) > backend.count_tokens(text) + 10
    assert backend.count_tokens("<|im_start|>") > 1  # user text is not parsed as specials


SENTIMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "sentiment": {"type": "string", "enum": ["positive", "negative", "neutral"]},
        "confidence": {"type": "integer"},
    },
    "required": ["sentiment", "confidence"],
}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_json_schema_output_always_parses(backend: LocalBackend, seed: int) -> None:
    messages: list[ChatMessage] = [
        {"role": "user", "content": "Classify the sentiment of: 'I loved this film!' as JSON."}
    ]
    params = SamplingParams(temperature=1.0, max_tokens=64, seed=seed)
    events = collect(backend.stream(messages, params, json_schema=SENTIMENT_SCHEMA))
    assert events[-1] == Done("stop"), events[-3:]
    data = json.loads(text_of(events))
    assert data["sentiment"] in {"positive", "negative", "neutral"}
    assert isinstance(data["confidence"], int)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gbnf_grammar_constrains_output(backend: LocalBackend, seed: int) -> None:
    grammar = 'root ::= ("yes" | "no") "." [ ] ("It is " [a-z]+ ".")?'
    messages: list[ChatMessage] = [{"role": "user", "content": "Is the sky blue?"}]
    params = SamplingParams(temperature=1.0, max_tokens=24, seed=seed)
    events = collect(backend.stream(messages, params, grammar=grammar))
    text = text_of(events)
    assert events[-1] == Done("stop"), (text, events[-3:])
    assert re.fullmatch(r"(yes|no)\. (It is [a-z]+\.)?", text), text


def test_invalid_grammar_is_a_clear_error_and_the_engine_survives(
    backend: LocalBackend,
) -> None:
    events = collect(backend.stream(CAPITAL, GREEDY, grammar='root ::= ("unclosed'))
    assert events[-1] == Done("error")
    errors = [e for e in events if isinstance(e, Error)]
    assert len(errors) == 1 and errors[0].message.startswith("The grammar is not valid")
    after = collect(backend.stream(CAPITAL, SamplingParams(max_tokens=3)))
    assert after[-1] == Done("length")


def test_logprobs_are_log_probabilities_with_sorted_alternatives(backend: LocalBackend) -> None:
    params = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=12)
    tokens = [
        e for e in collect(backend.stream(CAPITAL, params, logprobs=5)) if isinstance(e, Token)
    ]
    assert len(tokens) >= 3
    for token in tokens:
        assert token.logprob is not None and token.logprob <= 0.0
        assert len(token.top) == 5
        logprobs = [lp for _, lp in token.top]
        assert logprobs == sorted(logprobs, reverse=True)
        assert all(lp <= 0.0 for lp in logprobs)
        assert sum(math.exp(lp) for lp in logprobs) <= 1.0 + 1e-6
        # greedy without penalties picks the likeliest token
        assert token.logprob == pytest.approx(token.top[0][1])
        assert token.text == token.top[0][0]
    # without the option, nothing is computed or sent
    plain = [
        e
        for e in collect(backend.stream(CAPITAL, SamplingParams(max_tokens=4)))
        if isinstance(e, Token)
    ]
    assert all(t.logprob is None and t.top == () for t in plain)


def test_follow_up_turn_evaluates_only_the_new_tokens(backend: LocalBackend) -> None:
    turn1: list[ChatMessage] = [
        {"role": "system", "content": "You are a geography tutor."},
        {"role": "user", "content": "Name three rivers in Europe."},
    ]
    first = collect(backend.stream(turn1, SamplingParams(temperature=0.0, max_tokens=20)))
    reply = text_of(first)
    stats1 = stats_of(first)
    question = "Which of them is the longest?"
    turn2: list[ChatMessage] = [
        *turn1,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": question},
    ]
    # The rendered history is a stable prefix of the next turn's prompt.
    assert backend.render_prompt(turn2).startswith(backend.render_prompt(turn1) + reply)
    second = collect(backend.stream(turn2, SamplingParams(max_tokens=2)))
    stats2 = stats_of(second)
    evaluated = stats2.prompt_tokens - stats2.cached_tokens
    assert stats2.cached_tokens >= stats1.prompt_tokens
    # new: "<|im_end|>\n<|im_start|>user\n" + question + "<|im_end|>\n<|im_start|>assistant\n"
    assert evaluated <= backend.count_tokens(question) + 12, (stats1, stats2)

    # A different conversation shares only the template's first tokens with the cache.
    other: list[ChatMessage] = [
        {"role": "system", "content": "You answer in French."},
        {"role": "user", "content": "Bonjour"},
    ]
    stats3 = stats_of(collect(backend.stream(other, SamplingParams(max_tokens=1))))
    assert stats3.cached_tokens < 5
    # and coming back to the first conversation evaluates it all again
    stats4 = stats_of(collect(backend.stream(turn2, SamplingParams(max_tokens=1))))
    assert stats4.cached_tokens < 5
    assert stats4.prompt_tokens == stats2.prompt_tokens


def test_a_prompt_longer_than_the_context_is_refused_clearly(backend: LocalBackend) -> None:
    huge: list[ChatMessage] = [{"role": "user", "content": "word " * 5000}]
    events = collect(backend.stream(huge, GREEDY))
    assert events[-1] == Done("error")
    message = next(e.message for e in events if isinstance(e, Error))
    assert "too long" in message and "4096" in message


def test_malformed_requests_are_refused_before_reaching_the_engine(
    backend: LocalBackend,
) -> None:
    with pytest.raises(BackendError, match="Message 2 needs a role and a text content"):
        backend.stream(
            [{"role": "user", "content": "hi"}, {"role": "assistant"}],  # type: ignore[typeddict-item]
            GREEDY,
        )
    with pytest.raises(BackendError, match="JSON schema is not valid JSON"):
        backend.stream(CAPITAL, GREEDY, json_schema={"enum": {1, 2}})
    # A schema the grammar converter does not understand is the engine's to refuse.
    events = collect(backend.stream(CAPITAL, GREEDY, json_schema={"type": "no-such-type"}))
    assert events[-1] == Done("error")
    assert [e.message for e in events if isinstance(e, Error)] == [
        "The JSON schema cannot be turned into a grammar: "
        "Unrecognized schema: {'type': 'no-such-type'}"
    ]
    # the engine is unharmed
    assert backend.count_tokens("Hello world") == 2
