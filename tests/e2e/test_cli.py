"""The ``parley`` command end to end: real model, real history file, real process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import ParleyRunner


def test_self_test_prints_a_one_line_json_report(parley: ParleyRunner) -> None:
    result = parley("--self-test")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["ok"] is True
    assert report["model"] == "smollm2-135m-instruct"
    assert report["device"] == "CPU"
    assert report["llama_cpp_python"] == "0.3.36"
    assert "CPU" in report["system_info"]
    assert report["tokens_per_s"] > 1


def test_chat_streams_a_reply_and_saves_it(parley: ParleyRunner) -> None:
    result = parley("chat", "hello", "--max-tokens", "24", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "no reply was printed"
    assert result.stderr.startswith("conversation ")
    conversation_id = int(result.stderr.split()[1])

    exported = parley("history", "export", str(conversation_id), "--format", "json")
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    messages = data["conversations"][0]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["text"] == "hello"
    assert messages[1]["text"].strip() == result.stdout.strip()
    assert messages[1]["interrupted"] is False


def test_chat_continues_a_conversation(parley: ParleyRunner) -> None:
    first = parley("chat", "My name is Ada.", "--max-tokens", "12")
    assert first.returncode == 0, first.stderr
    conversation_id = first.stderr.split()[1]
    second = parley(
        "chat", "What is my name?", "--conversation", conversation_id, "--max-tokens", "12"
    )
    assert second.returncode == 0, second.stderr
    data = json.loads(parley("history", "export", conversation_id, "--format", "json").stdout)
    roles = [m["role"] for m in data["conversations"][0]["messages"]]
    assert roles == ["user", "assistant", "user", "assistant"]


def test_chat_no_save_leaves_history_empty(parley: ParleyRunner) -> None:
    result = parley("chat", "hi", "--no-save", "--max-tokens", "8")
    assert result.returncode == 0, result.stderr
    listing = parley("history", "list", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    assert json.loads(listing.stdout) == []


def test_chat_reads_the_message_from_stdin(parley: ParleyRunner) -> None:
    result = parley("chat", "-", "--no-save", "--max-tokens", "8", input_text="Hello there")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_models_list_shows_the_catalogue(parley: ParleyRunner) -> None:
    result = parley("models", "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) >= 9
    starter = [r for r in rows if r["builtin"]]
    assert len(starter) == 1 and starter[0]["installed"] is True
    table = parley("models", "list")
    assert "smollm2-135m-instruct" in table.stdout and "built-in" in table.stdout


def test_errors_are_one_clear_line(parley: ParleyRunner, tmp_path: Path) -> None:
    not_a_model = tmp_path / "notes.gguf"
    not_a_model.write_text("these are my notes, not a model\n")
    cases = [
        (["--model", str(not_a_model), "chat", "hi", "--no-save"], "not a GGUF"),
        (["--model", str(tmp_path / "missing.gguf"), "chat", "hi", "--no-save"], "missing.gguf"),
        (["--model", "no-such-model", "chat", "hi", "--no-save"], "no-such-model"),
        (["chat", "   ", "--no-save"], "empty"),
    ]
    for args, expected in cases:
        result = parley(*args)
        assert result.returncode != 0, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ")
        assert expected.lower() in lines[0].lower(), lines[0]
        assert "Traceback" not in result.stderr


def test_a_broken_catalogue_is_reported_with_file_entry_and_field(
    parley: ParleyRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "models.json"
    broken.write_text(json.dumps({"version": 1, "models": [{"id": "tiny-model"}]}))
    monkeypatch.setenv("PARLEY_CATALOGUE", str(broken))
    result = parley("models", "list")
    assert result.returncode == 1
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1, result.stderr
    assert str(broken) in line or "models.json" in line
    assert "tiny-model" in line
    assert "field" in line
    assert "Traceback" not in result.stderr


def test_history_search_export_markdown_and_import(parley: ParleyRunner, tmp_path: Path) -> None:
    first = parley("chat", "Tell me about zebras", "--max-tokens", "16")
    assert first.returncode == 0, first.stderr
    conversation_id = first.stderr.split()[1]

    found = parley("history", "search", "zebras", "--format", "json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert any(str(h["conversation"]) == conversation_id for h in hits)
    assert all("zebra" in h["snippet"].lower() or "zebra" in h["title"].lower() for h in hits)

    markdown = parley("history", "export", conversation_id, "--format", "md")
    assert markdown.returncode == 0, markdown.stderr
    assert "Tell me about zebras" in markdown.stdout

    exported = tmp_path / "all.json"
    assert (
        parley("history", "export", "all", "--format", "json", "-o", str(exported)).returncode == 0
    )
    imported = parley("history", "import", str(exported))
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr.startswith("imported 1 conversation")
    listing = json.loads(parley("history", "list", "--format", "json").stdout)
    assert len(listing) == 2
    assert {c["messages"] for c in listing} == {2}


def test_history_import_of_a_bad_file_is_one_clear_line(
    parley: ParleyRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ this is not json")
    result = parley("history", "import", str(bad))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "not valid JSON" in result.stderr
    wrong_shape = tmp_path / "wrong.json"
    wrong_shape.write_text(json.dumps({"conversations": "nope"}))
    result = parley("history", "import", str(wrong_shape))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_chat_json_gives_reply_reasoning_and_figures(parley: ParleyRunner) -> None:
    result = parley(
        "chat", "hello", "--max-tokens", "12", "--seed", "3", "--format", "json", "--think", "off"
    )
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert set(reply) == {"conversation", "model", "reply", "reasoning", "stop_reason", "stats"}
    assert reply["reply"].strip() and reply["reasoning"] == ""  # the starter does not think
    assert reply["stop_reason"] in ("stop", "length")
    assert 0 < reply["stats"]["generated_tokens"] <= 12
    assert reply["stats"]["reasoning_tokens"] == 0
    exported = json.loads(
        parley("history", "export", str(reply["conversation"]), "--format", "json").stdout
    )
    saved = exported["conversations"][0]["messages"][-1]
    assert saved["text"] == reply["reply"] and saved["reasoning"] == ""


def test_chat_rejects_bad_reasoning_options(parley: ParleyRunner) -> None:
    result = parley("chat", "hello", "--think", "maybe")
    assert result.returncode == 2
    assert "--think" in result.stderr and "Traceback" not in result.stderr
