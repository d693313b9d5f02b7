"""The real ``parley`` command on a second real model: Qwen2.5-Coder-0.5B-Instruct.

A second architecture, tokenizer and chat template (Qwen2, ChatML from the GGUF) next to the
starter model's (Llama, SmolLM2): chat in English and Chinese, and every text tool, by path
with ``--model``, the way a user runs a GGUF they downloaded themselves.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import ParleyRunner

ONE_THREAD = ("--threads", "2")
# A file given by its path, outside the catalogue, is known by its file name.
MODEL_ID = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"


@pytest.fixture
def qwen(parley: ParleyRunner, second_model: Path) -> ParleyRunner:
    """``parley --model <the Qwen GGUF> …``"""

    def run(*args: str, **kwargs: object) -> object:
        return parley("--model", str(second_model), *ONE_THREAD, *args, **kwargs)  # type: ignore[arg-type]

    return run  # type: ignore[return-value]


def _chat(qwen: ParleyRunner, message: str) -> dict[str, object]:
    result = qwen(
        "chat",
        message,
        "--max-tokens",
        "32",
        "--seed",
        "1",
        "--temperature",
        "0",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    reply: dict[str, object] = json.loads(result.stdout)
    return reply


def test_chat_in_english_and_chinese_is_saved(qwen: ParleyRunner, parley: ParleyRunner) -> None:
    english = _chat(qwen, "What is the capital of France? Answer in one word.")
    assert "paris" in str(english["reply"]).lower()
    assert english["model"] == MODEL_ID
    assert english["reasoning"] == ""
    stats = english["stats"]
    assert isinstance(stats, dict) and 0 < stats["generated_tokens"] <= 32
    assert stats["prompt_tokens"] > 10 and stats["ttft_s"] > 0
    assert stats["reasoning_tokens"] == 0
    assert english["stop_reason"] in ("stop", "length")

    chinese = _chat(qwen, "法国的首都是哪里？请用中文回答。")
    answer = str(chinese["reply"])
    assert "巴黎" in answer, answer  # Chinese out, through the model's own tokenizer and UTF-8
    stats = chinese["stats"]
    assert isinstance(stats, dict) and stats["generated_tokens"] > 1
    assert stats["tokens_per_s"] > 0  # a rate between its first and last token (one has none)

    exported = parley("history", "export", str(chinese["conversation"]), "--format", "json")
    assert exported.returncode == 0, exported.stderr
    messages = json.loads(exported.stdout)["conversations"][0]["messages"]
    assert messages[0]["text"] == "法国的首都是哪里？请用中文回答。"
    assert messages[1]["text"] == answer and messages[1]["model"] == MODEL_ID


def test_every_text_tool_runs_and_is_recorded(
    qwen: ParleyRunner, parley: ParleyRunner, tmp_path: Path
) -> None:
    document = tmp_path / "note.txt"
    document.write_text(
        "The library opens at nine on weekdays and at ten on Saturdays. It is closed on "
        "Sundays. Members may borrow up to five books for three weeks.\n",
        encoding="utf-8",
    )
    summary = qwen("summarise", str(document), "--length", "short")
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.strip()

    to_chinese = qwen("translate", str(document), "--to", "zh")
    assert to_chinese.returncode == 0, to_chinese.stderr
    assert any("\u4e00" <= ch <= "\u9fff" for ch in to_chinese.stdout), to_chinese.stdout

    chinese = tmp_path / "zh.txt"
    chinese.write_text("图书馆周一至周五九点开门，周日休息。\n", encoding="utf-8")
    to_english = qwen("translate", str(chinese), "--to", "en")
    assert to_english.returncode == 0, to_english.stderr
    assert any(word in to_english.stdout.lower() for word in ("library", "open", "sunday"))

    sentiment = qwen("sentiment", "-", "--format", "json", input_text="I love this library!")
    assert sentiment.returncode == 0, sentiment.stderr
    (result,) = json.loads(sentiment.stdout)
    assert result["label"] == "positive", result
    assert 0.0 < result["confidence"] <= 1.0

    listing = parley("runs", "list", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    runs = json.loads(listing.stdout)
    assert sorted(run["tool"] for run in runs) == [
        "sentiment",
        "summarise",
        "translate",
        "translate",
    ]
    assert {run["model"] for run in runs} == {MODEL_ID}
    assert all(run["status"] == "complete" and run["output_chars"] > 0 for run in runs)
    # The Chinese translation comes back from the store as it was printed (UTF-8 both ways).
    zh_run = next(
        r
        for r in runs
        if r["tool"] == "translate" and str(r["options"].get("to", "")).startswith("zh")
    )
    shown = parley("runs", "show", str(zh_run["id"]))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == to_chinese.stdout.strip()


def test_imported_it_is_chosen_by_its_id(parley: ParleyRunner, second_model: Path) -> None:
    """``parley models import --link``: its header read, a load test on it, then used by id."""
    imported = parley("models", "import", "--link", str(second_model))
    assert imported.returncode == 0, imported.stderr
    model_id = imported.stdout.strip()
    assert model_id == MODEL_ID.removesuffix(".gguf")
    assert "Load test passed." in imported.stderr
    assert "Qwen2.5 Coder 0.5B Instruct AWQ" in imported.stderr  # general.name, from the GGUF
    assert "qwen2" in imported.stderr and "Q4_K_M" in imported.stderr

    listing = parley("models", "list", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    (entry,) = [m for m in json.loads(listing.stdout) if m["id"] == model_id]
    assert entry["installed"] and entry["source"] == "imported"
    assert entry["size_bytes"] == second_model.stat().st_size and entry["quant"] == "Q4_K_M"

    reply = parley(
        "--model", model_id, *ONE_THREAD, "chat", "用中文说“你好”。",
        "--max-tokens", "16", "--temperature", "0", "--format", "json",
    )  # fmt: skip
    assert reply.returncode == 0, reply.stderr
    answer = json.loads(reply.stdout)
    assert answer["model"] == model_id and answer["stats"]["generated_tokens"] > 0
    assert "你好" in answer["reply"], answer["reply"]
