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
    assert english["stop_reason"] in ("stop", "length")

    chinese = _chat(qwen, "法国的首都是哪里？请用中文回答。")
    answer = str(chinese["reply"])
    assert "巴黎" in answer, answer  # Chinese out, through the model's own tokenizer and UTF-8

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
    assert result["label"] in {"positive", "negative", "neutral", "mixed"}

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
    assert all(run["status"] == "complete" for run in runs)
