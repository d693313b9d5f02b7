"""GPU offload decisions, with the GPU capability and the loader faked at their seams.

The machine running the tests has no GPU, so what is tested here is the decision logic the
engine applies to whatever ``probe_gpu()`` reports: layers chosen for the free memory, and
the fallback sequence when loads fail or crash the engine.
"""

from __future__ import annotations

import pytest

from app.core.backend import BackendError
from app.engine.gpu import (
    CPU_ONLY,
    GpuCapability,
    GpuDevice,
    GpuPlan,
    LoadAttemptFailed,
    ModelShape,
    gpu_bytes_needed,
    layers_that_fit,
    load_with_fallback,
    memory_problem,
    plan_gpu_layers,
)

GB = 1024**3

# Roughly a 7B Q4 model: 4 GB of weights, 32 layers, 8 KV heads of 128 dims.
SEVEN_B = ModelShape(
    file_bytes=4 * GB, n_layers=32, n_embd=4096, n_head=32, n_head_kv=8, n_ctx_train=32768
)


def cuda(free_gb: float, total_gb: float = 24.0) -> GpuCapability:
    return GpuCapability(
        supports_offload=True,
        devices=(GpuDevice("CUDA", "CUDA0", "Fake RTX", int(free_gb * GB), int(total_gb * GB)),),
    )


def test_auto_offloads_every_layer_when_the_model_fits() -> None:
    plan = plan_gpu_layers("auto", SEVEN_B, 4096, cuda(free_gb=12))
    assert plan.attempts[0] == 32
    assert plan.attempts[-1] == 0
    assert plan.notes == ()


def test_auto_offloads_part_of_the_model_when_it_does_not_fit() -> None:
    plan = plan_gpu_layers("auto", SEVEN_B, 4096, cuda(free_gb=3))
    first = plan.attempts[0]
    assert 0 < first < 32
    # what was chosen fits the budget; one more layer would not
    budget = 3 * GB - max(512 * 1024**2, int(0.1 * 3 * GB))
    assert gpu_bytes_needed(SEVEN_B, first, 4096) <= budget
    assert gpu_bytes_needed(SEVEN_B, first + 1, 4096) > budget
    assert "does not fit" in plan.notes[0]
    assert f"{first} of 32 layers" in plan.notes[0]


def test_a_longer_context_leaves_room_for_fewer_layers() -> None:
    short = plan_gpu_layers("auto", SEVEN_B, 2048, cuda(free_gb=3)).attempts[0]
    long = plan_gpu_layers("auto", SEVEN_B, 32768, cuda(free_gb=3)).attempts[0]
    assert long < short


def test_auto_uses_the_cpu_when_gpu_memory_is_almost_full() -> None:
    plan = plan_gpu_layers("auto", SEVEN_B, 4096, cuda(free_gb=0.3))
    assert plan.attempts == (0,)
    assert "runs on the CPU" in plan.notes[0]


def test_auto_on_a_cpu_only_build_is_the_cpu_without_a_warning() -> None:
    assert plan_gpu_layers("auto", SEVEN_B, 4096, CPU_ONLY) == GpuPlan((0,))


def test_explicit_layers_on_a_cpu_only_build_say_why_they_are_ignored() -> None:
    plan = plan_gpu_layers(20, SEVEN_B, 4096, CPU_ONLY)
    assert plan.attempts == (0,)
    assert "no GPU support" in plan.notes[0]


def test_explicit_requests_are_honoured_then_fall_back_by_halving() -> None:
    assert plan_gpu_layers(0, SEVEN_B, 4096, cuda(24)).attempts == (0,)
    assert plan_gpu_layers(-1, SEVEN_B, 4096, cuda(1)).attempts == (32, 16, 8, 0)
    assert plan_gpu_layers(20, SEVEN_B, 4096, cuda(24)).attempts == (20, 10, 5, 0)
    assert plan_gpu_layers(99, SEVEN_B, 4096, cuda(24)).attempts[0] == 32


def test_unknown_free_memory_tries_every_layer_first() -> None:
    metal_without_sizes = GpuCapability(supports_offload=True, devices=())
    assert plan_gpu_layers("auto", SEVEN_B, 4096, metal_without_sizes).attempts[0] == 32


def test_free_memory_is_summed_over_gpus() -> None:
    two = GpuCapability(
        True,
        (
            GpuDevice("CUDA", "CUDA0", "a", 2 * GB, 8 * GB),
            GpuDevice("CUDA", "CUDA1", "b", 2 * GB, 8 * GB),
        ),
    )
    assert two.free_bytes == 4 * GB
    assert (
        layers_that_fit(SEVEN_B, 4096, 4 * GB)
        == plan_gpu_layers("auto", SEVEN_B, 4096, two).attempts[0]
    )


class FakeLoader:
    """Fails (or 'crashes the engine') above a layer count, like a GPU out of memory."""

    def __init__(self, works_up_to: int, crash: bool = False, cpu_error: str = "") -> None:
        self.works_up_to = works_up_to
        self.crash = crash
        self.cpu_error = cpu_error
        self.tried: list[int] = []

    def __call__(self, layers: int) -> str:
        self.tried.append(layers)
        if layers == 0 and self.cpu_error:
            raise LoadAttemptFailed(self.cpu_error)
        if layers > self.works_up_to:
            raise LoadAttemptFailed("CUDA error: out of memory", crashed=self.crash)
        return f"model with {layers} layers on the GPU"


def test_first_attempt_that_loads_wins_without_notes() -> None:
    loader = FakeLoader(works_up_to=32)
    outcome = load_with_fallback(GpuPlan((32, 16, 8, 0)), loader)
    assert loader.tried == [32]
    assert outcome.gpu_layers == 32
    assert outcome.result == "model with 32 layers on the GPU"
    assert outcome.notes == ()


def test_failed_loads_fall_back_to_fewer_layers_and_say_so() -> None:
    loader = FakeLoader(works_up_to=10)
    outcome = load_with_fallback(GpuPlan((32, 16, 8, 0), ("planned",)), loader)
    assert loader.tried == [32, 16, 8]
    assert outcome.gpu_layers == 8
    assert outcome.notes[0] == "planned"
    assert "Loading with 32 GPU layers failed: CUDA error: out of memory" in outcome.notes
    assert outcome.notes[-1] == "Fell back to 8 GPU layers."


def test_engine_crashes_fall_back_to_the_cpu() -> None:
    loader = FakeLoader(works_up_to=0, crash=True)
    outcome = load_with_fallback(GpuPlan((32, 16, 8, 0)), loader)
    assert loader.tried == [32, 16, 8, 0]
    assert outcome.gpu_layers == 0
    assert any("stopped the engine" in note for note in outcome.notes)
    assert outcome.notes[-1] == "Fell back to the CPU."


def test_when_even_the_cpu_fails_the_cpu_error_is_reported() -> None:
    loader = FakeLoader(works_up_to=0, cpu_error="model.gguf is incomplete or damaged")
    with pytest.raises(BackendError, match="incomplete or damaged"):
        load_with_fallback(GpuPlan((32, 16, 0)), loader)
    assert loader.tried == [32, 16, 0]


def test_memory_check_refuses_a_model_bigger_than_free_ram() -> None:
    message = memory_problem(SEVEN_B, 4096, 0, available_bytes=2 * GB, name="Big model")
    assert message is not None
    assert "Big model needs about 4." in message and "2.0 GB" in message
    assert memory_problem(SEVEN_B, 4096, 0, available_bytes=16 * GB, name="Big model") is None


def test_memory_check_counts_only_what_stays_on_the_cpu() -> None:
    # Fully offloaded, the weights are on the GPU: 2 GB of RAM is enough.
    assert memory_problem(SEVEN_B, 4096, 32, available_bytes=2 * GB, name="m") is None
