"""``parley serve``'s app returns reasoning as ``reasoning_content``, the way llama-server does,
and Parley's own OpenAI-compatible backend reads it back apart from the answer.

The server runs for real (uvicorn on a socket of 127.0.0.1, the app ``parley serve`` builds),
over a scripted thinking backend: no thinking model is small enough to run here, and the
engine's own splitting is tested with the real model in tests/engine.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.core.backend import (
    ChatMessage,
    Done,
    Event,
    LoadInfo,
    LoadOptions,
    ModelRef,
    Reasoning,
    SamplingParams,
    Stats,
    Token,
)
from app.engine.openai_compat import OpenAICompatBackend
from app.server.app import build_app

KEY = "reasoning-test-key-0123456789"


class Thinker:
    """Thinks "Two and two make four." then answers "4." (unless thinking is off)."""

    def __init__(self) -> None:
        self.params: list[SamplingParams] = []

    def load(self, model: ModelRef, options: LoadOptions) -> LoadInfo:
        raise AssertionError("the server's backend is loaded already")

    def stream(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        *,
        grammar: str | None = None,
        json_schema: dict[str, Any] | None = None,
        logprobs: int = 0,
    ) -> Iterator[Event]:
        self.params.append(params)
        thinking = params.think is not False
        if thinking:
            yield Reasoning("Two and two ")
            yield Reasoning("make four.")
        yield Token("4")
        yield Token(".")
        yield Stats(5, 6 if thinking else 2, 0.01, 100.0, reasoning_tokens=4 if thinking else 0)
        yield Done("stop")

    def cancel(self) -> None:
        pass

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def count_chat_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return sum(len(m["content"].split()) + 3 for m in messages)

    def context_length(self) -> int:
        return 2048

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Thinker]]:
    thinker = Thinker()
    app = build_app(thinker, KEY, "thinker", SamplingParams())
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}", thinker
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


ASK = [{"role": "user", "content": "What is 2+2?"}]


def test_non_streamed_reply_carries_reasoning_content(served: tuple[str, Thinker]) -> None:
    url, _thinker = served
    with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as client:
        reply = client.post(f"{url}/v1/chat/completions", json={"messages": ASK}).json()
    message = reply["choices"][0]["message"]
    assert message == {
        "role": "assistant",
        "content": "4.",
        "reasoning_content": "Two and two make four.",
    }
    assert reply["usage"]["completion_tokens_details"] == {"reasoning_tokens": 4}


def test_streamed_reasoning_round_trips_through_parleys_client(
    served: tuple[str, Thinker],
) -> None:
    url, thinker = served
    remote = OpenAICompatBackend(f"{url}/v1", api_key=KEY)
    try:
        remote.load(ModelRef(path=Path(), model_id="thinker"), LoadOptions())
        events = list(remote.stream(ASK, SamplingParams(max_tokens=16)))
    finally:
        remote.close()
    thought = "".join(e.text for e in events if isinstance(e, Reasoning))
    answer = "".join(e.text for e in events if isinstance(e, Token))
    assert (thought, answer) == ("Two and two make four.", "4.")
    assert isinstance(events[-1], Done) and events[-1].reason == "stop"
    stats = next(e for e in events if isinstance(e, Stats))
    assert stats.reasoning_tokens == 2  # two reasoning deltas came over the wire
    assert thinker.params[-1].think is None


def test_enable_thinking_reaches_the_backend(served: tuple[str, Thinker]) -> None:
    url, thinker = served
    body = {"messages": ASK, "chat_template_kwargs": {"enable_thinking": False}}
    with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as client:
        reply = client.post(f"{url}/v1/chat/completions", json=body).json()
        bad = client.post(
            f"{url}/v1/chat/completions",
            json={"messages": ASK, "chat_template_kwargs": {"enable_thinking": "no"}},
        )
    assert thinker.params[-1].think is False
    assert reply["choices"][0]["message"] == {"role": "assistant", "content": "4."}
    assert bad.status_code == 400
    assert "enable_thinking" in bad.json()["error"]["message"]
