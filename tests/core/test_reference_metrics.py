"""Scoring a model's translation or summary against the user's reference, and the engine's
peak memory: the metrics with known values (sacrebleu's chrF, Google's rouge-score with a
tokenizer that keeps every script), the checks on bad input, and one real run of each
pipeline with the starter model in the real engine process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import psutil
import pytest

from app.core.backend import LoadOptions, ModelRef
from app.core.extract import InputError
from app.core.model_eval import (
    EvalProgress,
    evaluate_model,
    load_evaluations,
    saved_evaluations,
)
from app.core.reference_metrics import (
    PeakMemory,
    UnicodeTokenizer,
    chrf,
    make_reference_task,
    read_reference,
    rouge_l,
)
from app.engine.local import LocalBackend

OPTIONS = LoadOptions(n_ctx=1024, n_batch=512, n_threads=2, gpu_layers=0)
SOURCE = (
    "The engine keeps one model loaded and answers requests in turn. A second request waits "
    "until the first is done, so the computer never holds two models at once.\n"
)

# --------------------------------------------------------------------------- the metrics


def test_identical_texts_score_full_marks_and_unrelated_ones_nothing() -> None:
    text = "The cat sat on the mat. It was a sunny day."
    assert chrf(text, text) == pytest.approx(100.0)
    assert rouge_l(text, text) == pytest.approx(1.0)
    assert rouge_l("alpha beta gamma", "delta epsilon zeta") == 0.0
    assert chrf("xyz xyz", "abc abc") < 5
    # ROUGE-L reads order: the same words reversed share a subsequence of one word only.
    assert rouge_l("one two three four", "four three two one") == pytest.approx(0.25)


def test_rouge_l_on_chinese_counts_characters() -> None:
    # The library's default tokenizer keeps only [a-z0-9] and would score Chinese 0 (or
    # fail on an empty summary); each Han character is one token here.
    assert UnicodeTokenizer().tokenize("猫坐在垫子上。") == ["猫", "坐", "在", "垫", "子", "上"]
    assert rouge_l("猫坐在垫子上", "猫坐在垫子上") == pytest.approx(1.0)
    # Common subsequence 坐在上 (3): precision 3/6, recall 3/5, F1 = 6/11.
    assert rouge_l("猫坐在垫子上", "狗坐在地上") == pytest.approx(6 / 11)
    assert chrf("猫坐在垫子上", "猫坐在垫子上") == pytest.approx(100.0)
    assert 0 < chrf("猫坐在垫子上", "狗坐在地上") < 100


def test_the_tokenizer_keeps_every_script_and_lowercases_words() -> None:
    tokens = UnicodeTokenizer().tokenize("Hello, World! Привет мир; 안녕 하세요 café 42 日本語です")
    assert tokens == [
        "hello", "world", "привет", "мир", "안녕", "하세요", "café", "42",
        "日", "本", "語", "で", "す",
    ]  # fmt: skip
    assert rouge_l("Привет мир", "привет МИР") == pytest.approx(1.0)


def test_bad_reference_input_is_one_clear_message(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Unknown task “poem”"):
        make_reference_task("poem", "text", "ref.txt")
    with pytest.raises(InputError, match=r"ref\.txt is empty"):
        make_reference_task("summarise", "  \n", "ref.txt")
    with pytest.raises(InputError, match="language to translate into"):
        make_reference_task("translate", "Bonjour", "ref.txt")
    with pytest.raises(InputError, match="Unknown language “klingon”"):
        make_reference_task("translate", "Bonjour", "ref.txt", "klingon")
    with pytest.raises(InputError, match="does not exist"):
        read_reference(tmp_path / "gone.txt")
    job = make_reference_task("translate", "Bonjour", "ref.txt", "French")
    assert (job.task, job.target, job.metric) == ("translate", "fr", "chrF")
    assert len(job.reference_sha256) == 64


def test_peak_memory_samples_a_real_process() -> None:
    before = psutil.Process().memory_info().rss
    with PeakMemory(os.getpid, interval_s=0.01) as memory:
        ballast = bytearray(b"x" * (64 * 1024 * 1024))  # written, so resident
    assert memory.peak >= before + 48 * 1024 * 1024
    del ballast
    with PeakMemory(lambda: None) as nothing:
        pass
    assert nothing.peak == 0
    assert not [t for t in threading.enumerate() if t.name == "eval-memory"]


# --------------------------------------------------------------------------- real runs


def test_a_real_summary_is_scored_against_the_reference_and_saved(
    engine: LocalBackend, starter: ModelRef
) -> None:
    job = make_reference_task(
        "summarise", "The engine answers one request at a time.", "summary.txt"
    )
    stages: list[str] = []

    def note(step: EvalProgress) -> None:
        stages.append(step.stage)

    result = evaluate_model(
        engine, starter, OPTIONS, SOURCE, window=16, progress=note, reference=job
    )
    assert not result.partial and result.task == "summarise"
    assert result.rouge_l is not None and 0 < result.rouge_l <= 1 and result.chrf is None
    assert result.reference_score == ("ROUGE-L", result.rouge_l)
    assert result.task_tokens > 0 and result.task_seconds > 0
    assert "task" in stages and stages.index("task") > stages.index("scoring")
    # The engine child holds the mapped weights at least: more than half the file.
    assert result.peak_rss > result.model_size // 2
    assert result.peak_rss != psutil.Process().memory_info().rss  # the child's, not ours

    plain = evaluate_model(engine, starter, OPTIONS, SOURCE, window=16)
    assert plain.reference_score is None and plain.peak_rss > 0
    # Both are kept: a perplexity-only run does not replace the scored one.
    assert len(load_evaluations()) == 2
    assert {r.task for r in saved_evaluations(model_files=[result.model_file])} == {
        "",
        "summarise",
    }


def test_stop_during_the_task_gives_a_partial_result(
    engine: LocalBackend, starter: ModelRef
) -> None:
    stop = threading.Event()

    def stop_when_writing(step: EvalProgress) -> None:
        if step.stage == "task":
            stop.set()

    job = make_reference_task("summarise", "The engine answers in turn.", "summary.txt")
    result = evaluate_model(
        engine,
        starter,
        OPTIONS,
        SOURCE,
        window=16,
        progress=stop_when_writing,
        stop=stop,
        reference=job,
    )
    assert result.partial and result.rouge_l is None
    assert load_evaluations() == {}
