"""``parley serve`` as other programs use it: through the official ``openai`` client."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import openai
import pytest
from conftest import ParleyRunner, parley_executable


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    key: str
    stderr_path: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].split("/")[0])

    def stderr(self) -> str:
        """What the server has written to stderr so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serving(home: Path, *options: str) -> Iterator[Served]:
    """A real ``parley serve`` process on a free port of 127.0.0.1, stopped with Ctrl+C.

    Its stderr goes to a file, so a test can check it for tracebacks while it runs.
    """
    env = dict(os.environ, PARLEY_HOME=str(home))
    env.pop("PARLEY_DEBUG", None)
    stderr_path = home / "serve-stderr.txt"
    with stderr_path.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [parley_executable(), "serve", "--port", "0", "--threads", "1", *options],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        )
    try:
        assert process.stdout is not None
        address = process.stdout.readline()
        key_line = process.stdout.readline()
        match = re.search(r"(http://[^\s]+:\d+/v1)", address)
        assert match, address + stderr_path.read_text()
        assert key_line.startswith("API key: ")
        key = key_line.removeprefix("API key: ").strip()
        yield Served(process, match.group(1), key, stderr_path)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("serve-home")) as server:
        assert server.url.startswith("http://127.0.0.1:")
        yield server


def _client(served: Served, key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(base_url=served.url, api_key=key or served.key, max_retries=0)


def test_models_list(served: Served) -> None:
    with _client(served) as client:
        models = [m.id for m in client.models.list().data]
    assert models == ["smollm2-135m-instruct"]


def test_chat_completion_not_streaming(served: Served) -> None:
    with _client(served) as client:
        reply = client.chat.completions.create(
            model="smollm2-135m-instruct",
            messages=[{"role": "user", "content": "Say hello."}],
            max_tokens=8,
            temperature=0,
        )
    assert reply.choices[0].message.role == "assistant"
    assert reply.choices[0].message.content
    assert reply.choices[0].finish_reason in ("stop", "length")
    assert reply.usage is not None
    assert reply.usage.completion_tokens >= 1
    assert reply.usage.prompt_tokens > 5


def test_chat_completion_streaming_matches_the_plain_reply(served: Served) -> None:
    request = {
        "model": "any",
        "messages": [{"role": "user", "content": "Name a colour."}],
        "max_tokens": 8,
        "temperature": 0,
        "seed": 1,
    }
    with _client(served) as client:
        plain = client.chat.completions.create(**request)  # type: ignore[call-overload]
        chunks = list(
            client.chat.completions.create(
                **request, stream=True, stream_options={"include_usage": True}
            )  # type: ignore[call-overload]
        )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) >= 2
    assert text == plain.choices[0].message.content
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens  # type: ignore[union-attr]


def test_completions_and_json_schema(served: Served) -> None:
    with _client(served) as client:
        completion = client.completions.create(model="any", prompt="Hello", max_tokens=6)
        assert completion.choices[0].text
        structured = client.chat.completions.create(
            model="any",
            messages=[{"role": "user", "content": "A person as JSON."}],
            max_tokens=40,
            temperature=0,
            response_format={
                "type": "json_schema",
                "json_schema": {
                    "name": "person",
                    "schema": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}},
                        "required": ["name"],
                    },
                },
            },
        )
    import json

    assert isinstance(json.loads(structured.choices[0].message.content or "")["name"], str)


def test_wrong_key_and_bad_requests_are_rejected(served: Served) -> None:
    with _client(served, key="not-the-key") as client, pytest.raises(openai.AuthenticationError):
        client.models.list()
    with _client(served) as client, pytest.raises(openai.BadRequestError, match="roles"):
        client.chat.completions.create(
            model="any",
            messages=[{"role": "tool", "content": "x", "tool_call_id": "1"}],  # type: ignore[list-item, misc]
        )


def test_network_address_needs_a_flag_and_a_key(parley: ParleyRunner) -> None:
    refused = parley("serve", "--host", "0.0.0.0", "--port", "0")
    assert refused.returncode == 1
    assert "--allow-network" in refused.stderr
    no_key = parley("serve", "--host", "0.0.0.0", "--port", "0", "--allow-network")
    assert no_key.returncode == 1
    assert "needs an explicit --api-key" in no_key.stderr


def test_busy_port_is_a_clear_error(served: Served, parley: ParleyRunner, tmp_path: Path) -> None:
    port = served.url.rsplit(":", 1)[1].split("/")[0]
    busy = parley("serve", "--port", port)
    assert busy.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in busy.stderr


def test_the_command_loads_no_web_stack_or_qt_until_it_serves() -> None:
    """``parley --help`` and every other command register ``serve``; that must not cost them
    Starlette, uvicorn or Qt, which app.server imports only when a server starts."""
    import sys

    probe = (
        "import sys, app.cli.serve, app.server; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'starlette', 'uvicorn', 'PySide6', 'llama_cpp'}))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout + loaded.stderr
