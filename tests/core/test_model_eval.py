"""Perplexity on the user's text, with the real starter model in the real engine process.

The figures are checked for what they must be (finite, above 1, a text the model can copy
far easier than words in random order) rather than for exact values, which depend on the
llama.cpp build. Windows are 128 tokens so each test scores a few windows in seconds.
"""

from __future__ import annotations

import json
import math
import random
import threading
from pathlib import Path

import pytest
from fake_backend import FakeBackend

from app.core.backend import BackendError, LoadOptions, ModelRef
from app.core.extract import InputError
from app.core.model_eval import (
    EvalProgress,
    EvalResult,
    EvaluationError,
    EvaluationStopped,
    TextTooShort,
    bits_per_char,
    evaluate_model,
    evaluation_key,
    evaluations_path,
    format_duration,
    load_evaluations,
    measure,
    read_document,
    save_evaluation,
    saved_evaluations,
    suggest_window,
    text_fingerprint,
)
from app.engine.local import LocalBackend

REPO = Path(__file__).resolve().parents[2]
# A real document of the project: prose, lists and code names, like a user's notes.
REAL_TEXT = REPO / "docs" / "FIELD-NOTES.md"
OPTIONS = LoadOptions(n_ctx=512, n_batch=512, n_threads=2, gpu_layers=0)
WINDOW = 128


def real_text(chars: int = 2400) -> str:
    """The start of the real document, cut at a line end so it stays natural text."""
    text = read_document(REAL_TEXT).text
    cut = text.rfind("\n", 0, chars)
    return text[: cut if cut > 0 else chars]


# --------------------------------------------------------------------------- real figures


def test_perplexity_of_a_real_text_on_the_starter_model(
    engine: LocalBackend, starter: ModelRef
) -> None:
    text = real_text()
    steps: list[EvalProgress] = []
    result = evaluate_model(
        engine,
        starter,
        OPTIONS,
        text,
        window=WINDOW,
        text_name=REAL_TEXT.name,
        progress=steps.append,
    )
    assert math.isfinite(result.perplexity) and result.perplexity > 1
    # A 135M model on technical notes: far better than chance (a 49k vocabulary), far from
    # perfect. The bounds are wide on purpose: they catch a broken sum, not a new build.
    assert 3 < result.perplexity < 1000
    tokens = engine.tokenize(text)
    assert result.windows == result.windows_total == len(tokens) // WINDOW >= 3
    assert not result.partial
    # Positions first .. window-2 of each window predict the token after them.
    assert result.scored_tokens == result.windows * (WINDOW - WINDOW // 2 - 1)
    assert result.perplexity == pytest.approx(math.exp(result.nll / result.scored_tokens))
    assert 0.1 < result.tokens_per_char < 1.0
    assert result.bits_per_char == pytest.approx(
        math.log2(result.perplexity) * result.tokens_per_char
    )
    assert result.quant == "Q4_1" and result.model_file == starter.path.name
    assert result.model_size == starter.path.stat().st_size
    assert result.tokens_per_s > 0 and result.seconds > 0
    assert result.text_sha256 == text_fingerprint(text) and result.text_chars == len(text)

    stages = [s.stage for s in steps]
    assert stages[:3] == ["loading", "tokenizing", "scoring"]
    scoring = [s for s in steps if s.stage == "scoring"]
    assert [s.done for s in scoring] == list(range(result.windows + 1))
    assert all(s.total == result.windows for s in scoring)
    assert scoring[0].eta_s is None and scoring[1].eta_s is not None
    assert scoring[-1].eta_s == 0 and scoring[-1].perplexity == pytest.approx(result.perplexity)
    assert scoring[1].english().startswith("smollm2-135m-instruct: window 1/")

    # Saved, keyed by model file, text and window; listed by text.
    stored = load_evaluations()
    assert stored[evaluation_key(starter.path.name, result.text_sha256, WINDOW)] == result
    assert saved_evaluations(text_sha256=result.text_sha256) == [result]
    assert saved_evaluations(model_files=["other.gguf"]) == []


def test_a_repeated_text_is_far_more_predictable_than_shuffled_words(
    engine: LocalBackend, starter: ModelRef
) -> None:
    engine.load(starter, OPTIONS)
    text = real_text(2000)
    sentence = text.split("\n\n")[1].split(". ")[0] + ". "  # one real sentence of the notes
    repeated = sentence * 14
    words = text.split()
    random.Random(7).shuffle(words)
    shuffled = " ".join(words)
    copied = measure(engine, repeated, window=WINDOW)
    scrambled = measure(engine, shuffled, window=WINDOW)
    assert copied.windows >= 3 and scrambled.windows >= 3
    # Every scored token of the repeated text has its earlier copies in the window: a model
    # that uses its context predicts it almost surely. Shuffled words give no such help.
    assert copied.perplexity < 3
    assert scrambled.perplexity > 20 * copied.perplexity


# --------------------------------------------------------------------------- bad input


def test_empty_and_binary_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.txt is empty"):
        read_document(empty)
    binary = tmp_path / "data.txt"
    binary.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(InputError, match="binary data"):
        read_document(binary)
    blob = tmp_path / "weights.bin"
    blob.write_bytes(b"\x00\x01" * 100)
    with pytest.raises(InputError, match=r"cannot read \.bin files"):
        read_document(blob)


def test_a_text_shorter_than_one_window_says_how_to_fix_it(
    engine: LocalBackend, starter: ModelRef
) -> None:
    text = real_text(1200)  # about 300 tokens
    with pytest.raises(TextTooShort) as caught:
        evaluate_model(engine, starter, OPTIONS, text, window=512, save=False)
    error = caught.value
    assert isinstance(error, InputError)
    assert 100 < error.tokens < 512 and error.window == 512
    assert error.message.startswith(f"The text has {error.tokens:,} tokens with this model;")
    assert "perplexity needs at least one window of 512 tokens" in error.message
    assert "a longer text, or a smaller window" in error.message
    assert error.suggested in (64, 128) and f"for example {error.suggested}" in error.message
    # The suggestion works.
    assert measure(engine, text, window=error.suggested).windows >= 2
    with pytest.raises(TextTooShort) as tiny:
        evaluate_model(engine, starter, OPTIONS, "Hello.", window=512, save=False)
    assert tiny.value.suggested == 0 and "for example" not in tiny.value.message
    assert load_evaluations() == {}


def test_window_bounds_and_the_suggestion() -> None:
    with pytest.raises(InputError, match="between 16 and 32,768"):
        evaluate_model(FakeBackend(), ModelRef(path=Path("x.gguf")), OPTIONS, "text", window=8)
    assert suggest_window(300) == 128
    assert suggest_window(1024) == 512
    assert suggest_window(40) == 16
    assert suggest_window(20) == 16
    assert suggest_window(10) == 0


def test_a_model_that_fails_to_load_passes_the_engine_message_on(
    engine: LocalBackend, starter_model: Path, tmp_path: Path
) -> None:
    truncated = tmp_path / "truncated.gguf"
    with starter_model.open("rb") as source:
        truncated.write_bytes(source.read(4 << 20))  # a header and a few tensors
    with pytest.raises(BackendError) as caught:
        evaluate_model(engine, ModelRef(path=truncated, model_id="truncated"), OPTIONS, real_text())
    message = str(caught.value)
    assert "Traceback" not in message and message.strip()
    assert "truncated" in message
    not_gguf = tmp_path / "notes.gguf"
    not_gguf.write_text("not a model", encoding="utf-8")
    with pytest.raises(BackendError, match=r"notes\.gguf is not a GGUF model file"):
        evaluate_model(engine, ModelRef(path=not_gguf), OPTIONS, real_text())


def test_a_backend_that_cannot_score_is_told_apart() -> None:
    with pytest.raises(EvaluationError, match="needs a model running on this computer"):
        evaluate_model(FakeBackend(), ModelRef(path=Path("x.gguf")), OPTIONS, real_text())


# --------------------------------------------------------------------------- stop


def test_stop_between_windows_gives_a_partial_result_that_is_not_saved(
    engine: LocalBackend, starter: ModelRef
) -> None:
    stop = threading.Event()

    def after_two(step: EvalProgress) -> None:
        if step.stage == "scoring" and step.done == 2:
            stop.set()

    result = evaluate_model(
        engine, starter, OPTIONS, real_text(), window=WINDOW, progress=after_two, stop=stop
    )
    assert result.partial and result.windows == 2 < result.windows_total
    assert result.scored_tokens == 2 * (WINDOW - WINDOW // 2 - 1)
    assert math.isfinite(result.perplexity) and result.perplexity > 1
    assert load_evaluations() == {}  # a partial figure is never kept

    stop = threading.Event()
    stop.set()
    with pytest.raises(EvaluationStopped, match="before the first window"):
        evaluate_model(engine, starter, OPTIONS, real_text(), window=WINDOW, stop=stop)


# --------------------------------------------------------------------------- comparison


@pytest.mark.slow
def test_bits_per_character_compares_models_with_different_tokenizers(
    engine: LocalBackend, starter: ModelRef, second_model: Path
) -> None:
    text = real_text(1800)
    small = evaluate_model(engine, starter, OPTIONS, text, window=WINDOW, save=False)
    qwen = evaluate_model(
        engine, ModelRef(path=second_model, model_id="qwen"), OPTIONS, text, window=WINDOW
    )
    # Two vocabularies (49k and 152k tokens) cut the same text into different token counts,
    # which is why per-token perplexity alone cannot rank them.
    assert small.text_tokens != qwen.text_tokens
    assert small.text_chars == qwen.text_chars
    for result in (small, qwen):
        assert 0.2 < result.bits_per_char < 8
        assert math.isfinite(result.perplexity) and result.perplexity > 1
    assert qwen.quant == "Q4_K_M"


# --------------------------------------------------------------------------- the store


def _result(model_file: str, text: str, window: int, when: str, ppl: float) -> EvalResult:
    return EvalResult(
        "m", model_file, 1, "Q4_0", "t.txt", text, 100, 30, window, 2, 2, 126, 1.0, ppl,
        bits_per_char(ppl, 0.3), 0.3, 50.0, 1.0, 2, "CPU", "0.3.36", when,
    )  # fmt: skip


def test_the_store_keys_by_model_file_text_and_window() -> None:
    save_evaluation(_result("a.gguf", "t1", 512, "2026-01-01T00:00:00+00:00", 10.0))
    save_evaluation(_result("a.gguf", "t1", 256, "2026-01-02T00:00:00+00:00", 12.0))
    save_evaluation(_result("b.gguf", "t1", 512, "2026-01-03T00:00:00+00:00", 9.0))
    save_evaluation(_result("a.gguf", "t1", 512, "2026-01-04T00:00:00+00:00", 11.0))  # replaces
    stored = load_evaluations()
    assert sorted(stored) == ["a.gguf|t1|256", "a.gguf|t1|512", "b.gguf|t1|512"]
    assert stored["a.gguf|t1|512"].perplexity == 11.0
    newest = saved_evaluations()
    assert [r.measured_at[:10] for r in newest] == ["2026-01-04", "2026-01-03", "2026-01-02"]
    assert [r.model_file for r in saved_evaluations(model_files=["b.gguf"])] == ["b.gguf"]
    data = json.loads(evaluations_path().read_text(encoding="utf-8"))
    assert data["version"] == 1 and "b.gguf|t1|512" in data["results"]


def test_a_damaged_store_counts_as_empty() -> None:
    path = evaluations_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    assert load_evaluations() == {}
    path.write_text('{"results": {"x": {"model_id": 3}, "y": 4}}', encoding="utf-8")
    assert load_evaluations() == {}
    save_evaluation(_result("a.gguf", "t", 512, "2026-01-01T00:00:00+00:00", 10.0))
    assert list(load_evaluations()) == ["a.gguf|t|512"]


def test_durations_read_the_same_everywhere() -> None:
    assert format_duration(0) == "0:00"
    assert format_duration(75.4) == "1:15"
    assert format_duration(3725) == "1:02:05"
