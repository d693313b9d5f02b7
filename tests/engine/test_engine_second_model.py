"""The engine and the remote backend on a second real model: Qwen2.5-Coder-0.5B-Instruct.

Qwen2 architecture, its BPE tokenizer and its own ChatML template from the GGUF, next to the
starter's Llama/SmolLM2: the template renders and counts, generation stops at ``<|im_end|>``,
log-probabilities come from its logits, and a real ``llama_cpp.server`` on it streams to
Parley's OpenAI-compatible backend.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_helpers import TEST_OPTIONS, collect, stats_of, text_of

from app.core.backend import LoadOptions, ModelRef, Reasoning, SamplingParams, Stats, Token
from app.core.gguf import read_gguf_metadata
from app.engine.local import LocalBackend
from app.engine.openai_compat import OpenAICompatBackend

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from llama_server import LlamaServer, start_llama_server

GREEDY = SamplingParams(temperature=0.0, max_tokens=48, seed=1)
CONVERSATION = [
    {"role": "system", "content": "You are a terse assistant."},
    {"role": "user", "content": "Name a colour."},
    {"role": "assistant", "content": "Blue."},
    {"role": "user", "content": "What is 2 + 3? Reply with the number only."},
]


@pytest.fixture(scope="module")
def qwen(second_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackend]:
    engine = LocalBackend(log_dir=tmp_path_factory.mktemp("engine-logs"))
    try:
        info = engine.load(ModelRef(path=second_model, model_id="qwen-0.5b"), TEST_OPTIONS)
        assert info.reasoning == "none" and info.n_ctx == TEST_OPTIONS.n_ctx
        assert not info.notes, info.notes  # its own template was used, not a fallback
        yield engine
    finally:
        engine.close()


def test_the_fixture_is_qwen2_and_its_own_template_is_used(
    qwen: LocalBackend, second_model: Path
) -> None:
    header = read_gguf_metadata(second_model)
    assert (header.architecture, header.name) == ("qwen2", "Qwen2.5 Coder 0.5B Instruct AWQ")
    assert header.quant == "Q4_K_M" and header.chat_template
    assert "<|im_start|>" in header.chat_template
    # Without a system message, Qwen2.5's own template (not a generic ChatML) adds its default.
    prompt = qwen.render_prompt([{"role": "user", "content": "Hi"}])
    assert prompt == (
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
        "assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
    # The chat count is the rendered prompt's with each of its six ChatML markers one special
    # token and no BOS (Qwen2 adds none): 30, as llama.cpp's tokenizer with special=True counts
    # it. count_tokens reads the markers as plain text, as it must for a user's text.
    assert qwen.count_chat_tokens([{"role": "user", "content": "Hi"}]) == 30
    assert qwen.count_tokens(prompt) > 30 + 6


def test_its_chatml_template_renders_and_counts(qwen: LocalBackend) -> None:
    prompt = qwen.render_prompt(CONVERSATION)
    assert prompt.startswith("<|im_start|>system\nYou are a terse assistant.<|im_end|>")
    assert prompt.endswith("<|im_start|>assistant\n")
    assert prompt.count("<|im_start|>") == 5
    total = qwen.count_chat_tokens(CONVERSATION)
    shorter = qwen.count_chat_tokens(CONVERSATION[:2])
    # Special tokens count as one each: far fewer tokens than characters.
    assert 20 < shorter < total < len(prompt) // 2
    assert qwen.count_tokens("你好，世界") < len("你好，世界".encode())
    # A conversation of only a system message (a new chat's context meter) still counts.
    assert qwen.count_chat_tokens(CONVERSATION[:1]) > 0
    # And a chat with nothing in it yet (the template reads messages[0]) counts as nothing.
    assert qwen.count_chat_tokens([]) == 0


def test_generation_stops_at_its_end_of_turn(qwen: LocalBackend) -> None:
    events = collect(qwen.stream(CONVERSATION, GREEDY))
    assert "5" in text_of(events)
    assert "<|im_end|>" not in text_of(events)
    assert events[-1].reason == "stop"  # type: ignore[union-attr]
    stats = stats_of(events)
    assert stats.generated_tokens < GREEDY.max_tokens and stats.reasoning_tokens == 0
    assert not any(isinstance(e, Reasoning) for e in events)
    # The follow-up turn reuses the cached prefix of the conversation.
    follow = [*CONVERSATION, {"role": "assistant", "content": text_of(events)}]
    follow.append({"role": "user", "content": "And 3 + 4?"})
    again = collect(qwen.stream(follow, GREEDY))
    assert "7" in text_of(again)
    assert stats_of(again).cached_tokens > stats.prompt_tokens // 2


def test_logprobs_come_from_its_logits(qwen: LocalBackend) -> None:
    events = collect(qwen.stream(CONVERSATION, GREEDY, logprobs=3))
    tokens = [e for e in events if isinstance(e, Token)]
    assert tokens
    for token in tokens:
        assert token.logprob is not None and token.logprob <= 0
        assert len(token.top) == 3
        assert token.top[0][1] >= token.top[-1][1]
    # Greedy: each chosen token is the likeliest alternative.
    assert all(abs(t.logprob - t.top[0][1]) < 1e-4 for t in tokens)  # type: ignore[operator]


def test_chinese_reply(qwen: LocalBackend) -> None:
    messages = [{"role": "user", "content": "用中文说：早上好"}]
    text = text_of(collect(qwen.stream(messages, GREEDY)))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text


SERVER_ALIAS = "qwen2.5-coder-0.5b"


@pytest.fixture(scope="module")
def server(second_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    running = start_llama_server(
        second_model,
        tmp_path_factory.mktemp("llama-server"),
        extra_args=("--model_alias", SERVER_ALIAS),  # the last one given counts
    )
    try:
        yield running
    finally:
        running.stop()


def test_a_real_llama_cpp_server_on_it_streams_to_parley(
    server: LlamaServer, qwen: LocalBackend
) -> None:
    remote = OpenAICompatBackend(server.url)
    try:
        info = remote.load(ModelRef(path=Path()), LoadOptions(n_ctx=4096))
        events = list(remote.stream(CONVERSATION, GREEDY))
        counted = remote.count_chat_tokens(CONVERSATION)
        chinese = remote.count_tokens("你好，世界")
        dialect = remote.dialect
    finally:
        remote.close()
    assert info.model_id == SERVER_ALIAS and dialect == "llama-cpp-python"
    # Its tokenizer endpoint was found: counts, not estimates.
    assert not any("estimates" in note for note in info.notes), info.notes
    assert "5" in text_of(events)
    assert "<|im_end|>" not in text_of(events)
    assert events[-1].reason == "stop"  # type: ignore[union-attr]
    assert not any(isinstance(e, Reasoning) for e in events)
    stats = [e for e in events if isinstance(e, Stats)]
    assert len(stats) == 1 and 0 < stats[0].generated_tokens < GREEDY.max_tokens
    # The server's tokenizer is the model's: the same count as the local engine's.
    assert chinese == qwen.count_tokens("你好，世界")
    # The chat count is the contents counted exactly plus estimated template markers: close
    # to the exact count of the rendered prompt, and never under it by much.
    exact = qwen.count_chat_tokens(CONVERSATION)
    assert exact - 4 <= counted <= exact + 16, (counted, exact)
