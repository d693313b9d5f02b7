"""Benchmarks: a real measurement of the starter model, and the store they are kept in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.backend import LoadOptions, ModelRef
from app.core.model_bench import (
    BenchResult,
    BenchStep,
    benchmarks_path,
    known_speed,
    load_benchmarks,
    run_benchmark,
    save_benchmark,
)


def result(model: str, threads: int, device: str, when: str, gen: float) -> BenchResult:
    return BenchResult(model, threads, device, 100, 500.0, 32, gen, 2048, "0.3.36", when)


@pytest.mark.slow
def test_benchmark_of_the_real_model(starter_model: Path, tmp_path: Path) -> None:
    from app.engine.local import LocalBackend

    backend = LocalBackend(log_dir=tmp_path)
    steps: list[BenchStep] = []
    try:
        measured = run_benchmark(
            backend,
            ModelRef(path=starter_model, model_id="smollm2-135m-instruct"),
            LoadOptions(n_ctx=1024, n_threads=2, gpu_layers=0),
            prompt_tokens=96,
            generate_tokens=24,
            progress=steps.append,
        )
    finally:
        backend.close()
    assert measured.model_id == "smollm2-135m-instruct"
    assert measured.threads == 2 and measured.device == "CPU"
    # The nonce keeps the KV cache from serving the prompt: all of it was evaluated.
    assert 60 <= measured.prompt_tokens <= 140
    assert measured.prompt_tps > 1 and measured.generation_tps > 1
    assert measured.generated_tokens >= 8
    assert steps[0].stage == "loading" and steps[0].english().startswith("Loading")
    assert steps[1] == BenchStep("measuring", steps[0].model, 1)
    assert steps[1].english() == "Measuring speed (run 1)…"
    stored = load_benchmarks()
    assert stored[measured.key] == measured
    assert known_speed("smollm2-135m-instruct") == measured
    data = json.loads(benchmarks_path().read_text(encoding="utf-8"))
    assert data["version"] == 1 and measured.key in data["results"]


def test_store_keys_by_model_threads_and_device() -> None:
    save_benchmark(result("m", 2, "CPU", "2026-01-01T00:00:00+00:00", 100.0))
    save_benchmark(result("m", 8, "CPU", "2026-01-02T00:00:00+00:00", 300.0))
    save_benchmark(result("m", 8, "CUDA 28/28", "2026-01-03T00:00:00+00:00", 900.0))
    save_benchmark(result("m", 2, "CPU", "2026-01-04T00:00:00+00:00", 110.0))  # replaces
    stored = load_benchmarks()
    assert sorted(stored) == ["m|2|CPU", "m|8|CPU", "m|8|CUDA 28/28"]
    assert stored["m|2|CPU"].generation_tps == 110.0
    assert known_speed("m", threads=8, device="CPU").generation_tps == 300.0  # type: ignore[union-attr]
    assert known_speed("m", threads=2).generation_tps == 110.0  # type: ignore[union-attr]
    assert known_speed("m", threads=16).generation_tps == 110.0  # type: ignore[union-attr]
    assert known_speed("other") is None


def test_a_damaged_store_counts_as_empty() -> None:
    path = benchmarks_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    assert load_benchmarks() == {}
    save_benchmark(result("m", 2, "CPU", "2026-01-01T00:00:00+00:00", 100.0))
    assert list(load_benchmarks()) == ["m|2|CPU"]
