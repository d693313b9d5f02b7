"""Every ``parley`` model command run through a real OpenAI-compatible server (``--server``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ParleyRunner, parley_executable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from llama_server import MODEL_ALIAS, LlamaServer, free_port, start_llama_server

SHORT = ("--max-tokens", "12", "--temperature", "0", "--seed", "1")


@pytest.fixture(scope="module")
def server(starter_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    running = start_llama_server(starter_model, tmp_path_factory.mktemp("llama-server"))
    try:
        yield running
    finally:
        running.stop()


def _history(parley: ParleyRunner) -> list[dict[str, object]]:
    exported = parley("history", "export", "all", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    return data["conversations"] if isinstance(data, dict) else data


def _messages(conversation: dict[str, object]) -> list[dict[str, object]]:
    messages = conversation.get("messages")
    assert isinstance(messages, list)
    return messages


def test_chat_through_the_server_streams_and_saves(
    parley: ParleyRunner, server: LlamaServer
) -> None:
    result = parley("chat", "--server", server.url, "Say hello.", *SHORT, "-v")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "tokens/s" in result.stderr
    conversations = _history(parley)
    assert len(conversations) == 1
    texts = [m.get("text") or m.get("content") for m in _messages(conversations[0])]
    assert "Say hello." in texts
    assert result.stdout.strip() in [str(t).strip() for t in texts]
    # The conversation continues on the same server.
    again = parley("chat", "--server", server.url, "--conversation", "1", "And again.", *SHORT)
    assert again.returncode == 0, again.stderr


def test_global_server_option_and_model_name(parley: ParleyRunner, server: LlamaServer) -> None:
    ok = parley("--server", server.url, "--model", MODEL_ALIAS, "chat", "Hi", "--no-save", *SHORT)
    assert ok.returncode == 0, ok.stderr
    wrong = parley("--server", server.url, "--model", "gpt-9", "chat", "Hi", "--no-save")
    assert wrong.returncode == 1
    assert f"has no model “gpt-9”. It offers: {MODEL_ALIAS}" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_summarise_translate_and_sentiment_through_the_server(
    parley: ParleyRunner, server: LlamaServer, tmp_path: Path
) -> None:
    document = tmp_path / "note.txt"
    document.write_text(
        "The new library opened on Monday. Hundreds of families came to borrow books, and the "
        "children's corner was full all day.\n",
        encoding="utf-8",
    )
    summary = parley("summarise", str(document), "--length", "short", "--server", server.url)
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.strip()
    translation = parley("translate", str(document), "--to", "fr", "--server", server.url)
    assert translation.returncode == 0, translation.stderr
    assert translation.stdout.strip()
    reviews = tmp_path / "reviews.txt"
    reviews.write_text("I love this phone.\nTerrible service, never again.\n", encoding="utf-8")
    sentiment = parley(
        "sentiment", str(reviews), "--lines", "--format", "json", "--server", server.url
    )
    assert sentiment.returncode == 0, sentiment.stderr
    rows = json.loads(sentiment.stdout)
    assert len(rows) == 2
    labels = {"positive", "negative", "neutral", "mixed"}
    assert all(row["label"] in labels for row in rows)
    runs = json.loads(parley("runs", "list", "--format", "json").stdout)
    assert sorted(r["tool"] for r in runs) == ["sentiment", "summarise", "translate"]
    assert all(r.get("model") == MODEL_ALIAS for r in runs), runs


def test_unreachable_server_is_one_clear_line(parley: ParleyRunner) -> None:
    result = parley("chat", "--server", f"http://127.0.0.1:{free_port()}", "Hi", "--no-save")
    assert result.returncode == 1
    assert "cannot reach the server at 127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr
    bad = parley("chat", "--server", "ftp://nowhere", "Hi", "--no-save")
    assert bad.returncode == 1
    assert "not an http:// or https:// address" in bad.stderr


def test_wrong_key_is_refused(
    parley: ParleyRunner, starter_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    keyed = start_llama_server(
        starter_model, tmp_path_factory.mktemp("keyed"), api_key="right-key-123", n_ctx=512
    )
    try:
        wrong = parley("chat", "--server", keyed.url, "--api-key", "nope", "Hi", "--no-save")
        assert wrong.returncode == 1
        assert "refused the API key (HTTP 401" in wrong.stderr
        right = parley(
            "chat", "--server", keyed.url, "--api-key", "right-key-123", "Hi", "--no-save", *SHORT
        )
        assert right.returncode == 0, right.stderr
    finally:
        keyed.stop()


def test_server_killed_mid_reply_keeps_the_message_and_the_partial_reply(
    parley: ParleyRunner,
    parley_home: Path,
    starter_model: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    doomed = start_llama_server(starter_model, tmp_path_factory.mktemp("doomed"), n_ctx=512)
    env = dict(os.environ, PARLEY_HOME=str(parley_home))
    env.pop("PARLEY_DEBUG", None)
    question = "Write a long story about a lighthouse keeper."
    chat = subprocess.Popen(
        [parley_executable(), "chat", "--server", doomed.url, question, "--max-tokens", "400"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert chat.stdout is not None
        seen = b""
        while len(seen.split()) < 5:
            piece = chat.stdout.read1(64)  # type: ignore[attr-defined]
            assert piece, "the reply ended before the server was stopped"
            seen += piece
        time.sleep(1.2)  # past one checkpoint of the streaming reply
        doomed.kill()
        out, err = chat.communicate(timeout=60)
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()
        doomed.stop()
    assert chat.returncode == 1
    message = err.decode()
    assert "was lost before the reply was finished" in message
    assert "Traceback" not in message
    printed = (seen + out).decode().strip()
    conversation = _history(parley)[0]
    messages = _messages(conversation)
    user = [m for m in messages if m["role"] == "user"]
    reply = [m for m in messages if m["role"] == "assistant"]
    assert [m.get("text") or m.get("content") for m in user] == [question]
    assert len(reply) == 1
    kept = str(reply[0].get("text") or reply[0].get("content"))
    assert kept.strip()
    assert printed.startswith(kept.strip()[:20])
    assert reply[0].get("status") == "failed"
