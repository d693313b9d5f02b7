"""The "will it fit" estimate: its formulas, its verdicts, and a check against a real load."""

from __future__ import annotations

import dataclasses
import multiprocessing
from pathlib import Path
from types import MappingProxyType

import psutil
import pytest

from app.core.backend import LoadOptions, ModelRef, SamplingParams
from app.core.catalogue import find_entry, load_catalogue
from app.core.fit import (
    KNOWN_DIMS,
    RUNTIME_BYTES,
    ModelDims,
    assess_fit,
    dims_for_entry,
    dims_from_parameters,
    estimate_memory,
    fit_for_entry,
    fit_for_file,
    kv_cache_bytes,
)
from app.core.gguf import read_gguf_metadata
from app.core.hardware import GpuInfo, HardwareInfo

GB = 10**9
MIB = 1024**2


def machine(
    ram_gb: float,
    *,
    backend: str | None = None,
    gpu_gb: float | None = None,
    unified: bool = False,
    free_ram_gb: float | None = None,
) -> HardwareInfo:
    gpus: tuple[GpuInfo, ...] = ()
    if gpu_gb is not None:
        gpus = (GpuInfo("Test GPU", int(gpu_gb * GB), int(gpu_gb * GB), "nvidia-smi"),)
    return HardwareInfo(
        os_name="Test",
        machine="x86_64",
        cpu_name="Test CPU",
        physical_cores=8,
        logical_cores=16,
        instruction_sets=("AVX2",),
        ram_total_bytes=int(ram_gb * GB),
        ram_available_bytes=int((free_ram_gb if free_ram_gb is not None else ram_gb * 0.8) * GB),
        gpu_backend=backend,
        gpu_backend_source="caller",
        gpus=gpus,
        unified_memory=unified,
    )


def test_published_figures_match_the_starter_header(starter_model: Path) -> None:
    dims = ModelDims.from_gguf(read_gguf_metadata(starter_model))
    layers, kv_heads, head_dim, vocab, embd = KNOWN_DIMS["smollm2-135m-instruct"]
    assert (dims.n_layers, dims.n_kv_heads, dims.head_dim, dims.n_vocab, dims.n_embd) == (
        layers,
        kv_heads,
        head_dim,
        vocab,
        embd,
    )
    assert dims.file_bytes == starter_model.stat().st_size


def test_kv_cache_equals_what_llama_cpp_allocates(starter_model: Path) -> None:
    """llama.cpp logs "KV buffer size = 90.00 MiB" for the starter at 4,096 tokens."""
    dims = ModelDims.from_gguf(read_gguf_metadata(starter_model))
    assert kv_cache_bytes(dims, 4096) == 90 * MIB
    assert kv_cache_bytes(dims, 8192) == 180 * MIB
    assert kv_cache_bytes(dims, 512) == 11.25 * MIB


def test_explicit_key_length_beats_width_over_heads(starter_model: Path) -> None:
    """Qwen3-4B is 2560 wide with 32 heads of 128, not of 80."""
    info = read_gguf_metadata(starter_model)
    metadata = dict(info.metadata)
    metadata["llama.attention.key_length"] = 128
    metadata["llama.attention.value_length"] = 128
    wide = dataclasses.replace(info, metadata=MappingProxyType(metadata))
    assert ModelDims.from_gguf(info).head_dim == 64
    assert ModelDims.from_gguf(wide).head_dim == 128


def test_parameter_formula_is_cautious_for_every_catalogue_model() -> None:
    """Where only the size is known, the KV estimate must not be below the real figure."""
    for entry in load_catalogue():
        if entry.builtin:
            continue  # the 135M model has no grouped-query saving; its figures are known
        real = dims_for_entry(entry)
        guess = dims_from_parameters(entry.params_b, entry.size_bytes)
        assert real.source == "catalogue"
        assert kv_cache_bytes(guess, 4096) >= kv_cache_bytes(real, 4096), entry.id
        assert guess.n_vocab >= real.n_vocab, entry.id


def test_estimates_agree_with_the_catalogue_ram_figures() -> None:
    """The catalogue's ram_gb was worked out independently (size + KV + ~0.3 GB)."""
    for entry in load_catalogue():
        fit = fit_for_entry(entry, machine(64), 4096)
        assert abs(fit.estimate.total / GB - entry.ram_gb) <= 0.6, entry.id


def test_verdicts() -> None:
    entries = load_catalogue()
    big = find_entry(entries, "qwen2.5-7b-instruct")
    assert big is not None
    # A laptop without GPU offload: fits in 16 GB, too large for 4 GB.
    assert fit_for_entry(big, machine(16), 4096).kind == "cpu"
    small_ram = fit_for_entry(big, machine(4), 4096)
    assert small_ram.kind == "too_large"
    assert small_ram.label == "Too large for this computer"
    # A 24 GB GPU takes it all; a 4 GB GPU takes some layers.
    assert fit_for_entry(big, machine(32, backend="CUDA", gpu_gb=24), 4096).kind == "gpu"
    partly = fit_for_entry(big, machine(32, backend="CUDA", gpu_gb=4), 4096)
    assert partly.kind == "partial"
    assert 0 < partly.gpu_layers < partly.estimate.dims.n_layers
    # A GPU the engine cannot use does not count.
    assert fit_for_entry(big, machine(16, gpu_gb=24), 4096).kind == "cpu"
    # Apple Silicon: unified memory, three quarters usable by the GPU.
    assert fit_for_entry(big, machine(16, backend="Metal", unified=True), 4096).kind == "gpu"
    assert fit_for_entry(big, machine(4, backend="Metal", unified=True), 4096).kind == "too_large"
    # A longer context needs more: 32k tokens of KV cache for the 7B model is 1.9 GB.
    long = fit_for_entry(big, machine(16), 32768)
    assert long.estimate.kv_cache - fit_for_entry(big, machine(16), 4096).estimate.kv_cache > GB


def test_low_free_ram_and_unknown_gpu_memory_are_explained() -> None:
    entry = find_entry(load_catalogue(), "qwen3-4b")
    assert entry is not None
    busy = fit_for_entry(entry, machine(16, free_ram_gb=2), 4096)
    assert busy.kind == "cpu"
    assert any("free right now" in note for note in busy.notes)
    unknown = fit_for_entry(entry, machine(16, backend="Vulkan"), 4096)
    assert any("could not be read" in note for note in unknown.notes)
    text = "\n".join(busy.details())
    assert "model weights: 2.50 GB" in text and "KV cache" in text


def test_fit_for_file_uses_the_header(starter_model: Path) -> None:
    fit = fit_for_file(starter_model, machine(8), 100_000)
    assert fit.estimate.n_ctx == 8192  # capped at the model's training context
    assert fit.estimate.dims.source == "file header"
    assert fit.kind == "cpu"


def _idle_engine_rss(queue: multiprocessing.Queue) -> None:
    """What an engine process holds before any model: Python, the engine code, llama.cpp."""
    import llama_cpp.llama  # noqa: F401

    import app.engine.worker  # noqa: F401

    queue.put(psutil.Process().memory_info().rss)


@pytest.mark.slow
def test_estimate_against_a_real_load(starter_model: Path, tmp_path: Path) -> None:
    """The engine process grows by less than the estimate, and by more than 1/1.45 of it.

    Measured here: the estimate of the model's part is 298 MB (weights 98, KV cache 94,
    compute buffers 105); the engine grows by about 235 MB after reading a prompt. The
    estimate is an upper bound on purpose (an out-of-memory load kills the engine), so the
    stated tolerance is one-sided: never under, at most 45 % over.
    """
    from app.engine.local import LocalBackend

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    idle = ctx.Process(target=_idle_engine_rss, args=(queue,))
    idle.start()
    baseline = queue.get(timeout=120)
    idle.join(30)

    n_ctx = 4096
    estimate = estimate_memory(ModelDims.from_gguf(read_gguf_metadata(starter_model)), n_ctx, 512)
    backend = LocalBackend(log_dir=tmp_path)
    try:
        backend.load(
            ModelRef(path=starter_model, model_id="starter"),
            LoadOptions(n_ctx=n_ctx, n_batch=512, n_threads=2),
        )
        # About 500 tokens: one whole batch, so the compute buffers are really used.
        prompt = " ".join(f"Line {i} of the ledger." for i in range(60))
        for _event in backend.stream(
            [{"role": "user", "content": prompt}], SamplingParams(max_tokens=4, seed=1)
        ):
            pass
        pid = backend.engine_pid
        assert pid is not None
        loaded = psutil.Process(pid).memory_info().rss
    finally:
        backend.close()
    grown = loaded - baseline
    model_part = estimate.total - RUNTIME_BYTES
    print(f"engine grew {grown / 1e6:.0f} MB; estimate {model_part / 1e6:.0f} MB")
    assert grown <= model_part, "the estimate is below what the engine really used"
    assert model_part <= 1.45 * grown, "the estimate is more than 45 % above the real use"
    assert estimate.total >= loaded - 20 * MIB  # the whole process, runtime included


def test_assess_fit_on_this_machine() -> None:
    """Whatever this machine is, the starter model fits it (the test machines have 2+ GB)."""
    from app.core.hardware import detect_hardware

    entry = next(e for e in load_catalogue() if e.builtin)
    fit = fit_for_entry(entry, detect_hardware(query_gpus=False), 4096)
    assert fit.kind in ("gpu", "partial", "cpu")
    same = assess_fit(fit.estimate, detect_hardware(query_gpus=False))
    assert same.kind == fit.kind
