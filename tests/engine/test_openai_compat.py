"""OpenAICompatBackend against a real llama-cpp-python server on 127.0.0.1 (starter model)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.backend import (
    Backend,
    BackendError,
    Done,
    Error,
    LoadOptions,
    ModelRef,
    Reasoning,
    SamplingParams,
    Stats,
    Token,
)
from app.core.pipelines.many_calls import runs_together
from app.engine.openai_compat import OpenAICompatBackend, estimate_tokens

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from llama_server import MODEL_ALIAS, LlamaServer, free_port, start_llama_server

KEY = "test-key-0123456789"
GREEDY = SamplingParams(temperature=0.0, max_tokens=12, seed=1)
HELLO = [{"role": "user", "content": "Say hello."}]
STORY = [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]
ANY_MODEL = ModelRef(path=Path())


@pytest.fixture(scope="module")
def server(starter_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    running = start_llama_server(starter_model, tmp_path_factory.mktemp("llama-server"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def remote(server: LlamaServer) -> Iterator[OpenAICompatBackend]:
    backend = OpenAICompatBackend(server.url)
    try:
        backend.load(ANY_MODEL, LoadOptions(n_ctx=4096))
        yield backend
    finally:
        backend.close()


def _text(events: list[object]) -> str:
    return "".join(e.text for e in events if isinstance(e, Token))


def test_is_a_backend_and_loads_the_servers_model(server: LlamaServer) -> None:
    backend = OpenAICompatBackend(server.url + "/v1/")
    try:
        assert isinstance(backend, Backend)
        assert backend.list_models() == [MODEL_ALIAS]
        info = backend.load(ANY_MODEL, LoadOptions(n_ctx=4096))
        assert info.model_id == MODEL_ALIAS
        assert info.device == f"Server: 127.0.0.1:{server.port}"
        assert backend.dialect == "llama-cpp-python"
        assert backend.context_length() == 4096
        # It says nothing of slots: one request at a time, and a summary's parts in turn.
        assert backend.parallel_slots == 1
        assert not runs_together(backend)
    finally:
        backend.close()


def test_unknown_model_names_what_the_server_has(server: LlamaServer) -> None:
    backend = OpenAICompatBackend(server.url, model="no-such-model")
    try:
        with pytest.raises(BackendError, match=f"no model “no-such-model”.*{MODEL_ALIAS}"):
            backend.load(ANY_MODEL, LoadOptions())
    finally:
        backend.close()


def test_streams_tokens_then_stats_then_done(remote: OpenAICompatBackend) -> None:
    events = list(remote.stream(HELLO, GREEDY))
    tokens = [e for e in events if isinstance(e, Token)]
    assert len(tokens) >= 2
    assert _text(events).strip()
    assert isinstance(events[-2], Stats)
    assert events[-2].generated_tokens == len(tokens)
    assert events[-1] == Done("length") or events[-1] == Done("stop")
    # Greedy decoding on the same server gives the same reply again.
    assert _text(list(remote.stream(HELLO, GREEDY))) == _text(events)


def test_token_counts_come_from_the_servers_tokenizer(remote: OpenAICompatBackend) -> None:
    info = remote.loaded()
    assert info is not None and not any("estimates" in note for note in info.notes)
    assert remote.count_tokens("") == 0
    one = remote.count_tokens("Hello")
    many = remote.count_tokens("Hello there, how are you today? " * 10)
    assert one >= 1
    assert many > 10 * one
    assert many != estimate_tokens("Hello there, how are you today? " * 10)
    chat = remote.count_chat_tokens(HELLO)
    assert chat > remote.count_tokens(HELLO[0]["content"])


def test_json_schema_output_parses(remote: OpenAICompatBackend) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    messages = [{"role": "user", "content": "Describe a person as JSON with name and age."}]
    events = list(
        remote.stream(messages, SamplingParams(temperature=0.0, max_tokens=60), json_schema=schema)
    )
    assert not [e for e in events if isinstance(e, Error)]
    data = json.loads(_text(events))
    assert isinstance(data["name"], str)
    assert isinstance(data["age"], int)


def test_grammar_and_logprobs(remote: OpenAICompatBackend) -> None:
    grammar = 'root ::= "positive" | "negative" | "neutral"'
    events = list(
        remote.stream(
            [{"role": "user", "content": "Sentiment of: I love it."}],
            SamplingParams(temperature=0.0, max_tokens=8),
            grammar=grammar,
            logprobs=3,
        )
    )
    assert _text(events) in ("positive", "negative", "neutral")
    tokens = [e for e in events if isinstance(e, Token)]
    assert all(t.logprob is not None and t.logprob <= 0 for t in tokens)
    assert all(len(t.top) >= 3 for t in tokens)  # the server may add the chosen token


def test_cancel_from_another_thread_stops_the_stream(remote: OpenAICompatBackend) -> None:
    events = []
    for event in remote.stream(STORY, SamplingParams(max_tokens=400, seed=3)):
        events.append(event)
        if sum(isinstance(e, Token) for e in events) == 3:
            canceller = threading.Thread(target=remote.cancel)
            canceller.start()
            canceller.join()
    assert events[-1] == Done("cancelled")
    assert sum(isinstance(e, Token) for e in events) < 100
    # The backend (and the server) serve the next request normally.
    assert _text(list(remote.stream(HELLO, GREEDY))).strip()


def test_closing_the_generator_early_releases_the_connection(remote: OpenAICompatBackend) -> None:
    stream = remote.stream(STORY, SamplingParams(max_tokens=400))
    assert isinstance(next(t for t in stream if isinstance(t, Token)), Token)
    stream.close()
    assert _text(list(remote.stream(HELLO, GREEDY))).strip()


def test_wrong_key_is_refused_clearly(
    starter_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    guarded = start_llama_server(
        starter_model, tmp_path_factory.mktemp("keyed"), api_key=KEY, n_ctx=512
    )
    try:
        wrong = OpenAICompatBackend(guarded.url, api_key="not-the-key")
        with pytest.raises(BackendError, match=r"refused the API key \(HTTP 401: Invalid API key"):
            wrong.load(ANY_MODEL, LoadOptions())
        wrong.close()
        right = OpenAICompatBackend(guarded.url, api_key=KEY)
        try:
            right.load(ANY_MODEL, LoadOptions())
            assert _text(list(right.stream(HELLO, GREEDY))).strip()
        finally:
            right.close()
    finally:
        guarded.stop()


def test_unreachable_server_is_a_clear_error() -> None:
    backend = OpenAICompatBackend(f"http://127.0.0.1:{free_port()}", retries=1)
    try:
        with pytest.raises(BackendError, match=r"cannot reach the server at 127\.0\.0\.1:\d+"):
            backend.load(ANY_MODEL, LoadOptions())
        events = list(backend.stream(HELLO, GREEDY))
        assert isinstance(events[0], Error)
        assert events[-1] == Done("error")
    finally:
        backend.close()


def test_bad_address_is_refused_before_any_request() -> None:
    with pytest.raises(BackendError, match="not an http"):
        OpenAICompatBackend("ftp://example.org")


def test_server_killed_mid_stream_ends_with_a_clear_error(
    starter_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    doomed = start_llama_server(starter_model, tmp_path_factory.mktemp("doomed"), n_ctx=512)
    backend = OpenAICompatBackend(doomed.url)
    try:
        backend.load(ANY_MODEL, LoadOptions())
        events = []
        for event in backend.stream(STORY, SamplingParams(max_tokens=400, seed=5)):
            events.append(event)
            if sum(isinstance(e, Token) for e in events) == 3:
                doomed.kill()
        errors = [e for e in events if isinstance(e, Error)]
        assert len(errors) == 1
        assert "was lost before the reply was finished" in errors[0].message
        assert "text so far is kept" in errors[0].message
        assert events[-1] == Done("error")
        assert len(_text(events)) > 0
    finally:
        backend.close()
        doomed.stop()


def test_think_tags_a_server_leaves_in_the_text_are_split_off(
    remote: OpenAICompatBackend,
) -> None:
    """llama-cpp-python's server sends the model's text as it is: a model made to write
    ``<think>`` tags (by a grammar, in its own tokens) has its reasoning split off here."""
    grammar = 'root ::= "<think>" [a-z ]{4,20} "</think>" " " [a-z]{2,10}'
    events = list(
        remote.stream(
            [{"role": "user", "content": "Say hello."}],
            SamplingParams(temperature=0.0, max_tokens=48),
            grammar=grammar,
        )
    )
    thought = "".join(e.text for e in events if isinstance(e, Reasoning))
    answer = _text(events)
    assert thought.strip(), events
    assert answer.strip() and "<" not in answer and ">" not in answer
    assert "<" not in thought and ">" not in thought
    stats = next(e for e in events if isinstance(e, Stats))
    assert stats.reasoning_tokens > 0


def test_choices_are_scored_from_the_servers_top_alternatives(
    remote: OpenAICompatBackend,
) -> None:
    """The remote backend scores labels from one greedy token's alternatives; the label the
    server itself would generate first under a grammar is the one it scores highest."""
    messages = [{"role": "user", "content": "Is this positive or negative: I love it!"}]
    choices = ("positive", "negative", "Positive", "Negative")
    scores = remote.score_choices(messages, choices)  # type: ignore[arg-type]
    assert scores is not None and len(scores) == len(choices)
    assert all(score <= 0 for score in scores)
    words = 'root ::= "positive" | "negative" | "Positive" | "Negative"'
    events = list(
        remote.stream(messages, SamplingParams(temperature=0.0, max_tokens=4), grammar=words)  # type: ignore[arg-type]
    )
    generated = _text(events)
    best = max(range(len(choices)), key=lambda i: scores[i])
    assert generated.startswith(choices[best][:3])
