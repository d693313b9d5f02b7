"""Will this model fit this computer? An estimate with the numbers behind it.

LM Studio's users complain its "will it fit" guesses are wrong; the cure is to show the
arithmetic. The estimate is the memory llama.cpp allocates when it loads a model:

* weights: the GGUF file size (llama.cpp memory-maps the file; every byte is used);
* KV cache: ``2 (K and V) x layers x context x kv_heads x head_dim x 2 bytes (f16)``, times
  the number of sequences loaded to run at once (``LoadOptions.n_seq``: each holds a whole
  context; batched scoring of short items shares one context and needs no more);
* compute buffers: the graph's scratch memory, dominated by the output logits of one batch
  (``vocabulary x batch x 4 bytes``), plus a little per-token activation memory;
* a fixed allowance for the runtime itself.

Checked against a real load (tests/core/test_fit.py): for the starter model at a 4,096-token
context the estimate is 348 MB and the engine process, after reading a 1,300-token prompt,
holds about 280 MB. The estimate is an upper bound because the logits buffer is reserved for
a whole batch but, on the CPU, only partly written (on a GPU it is allocated in full).
Erring high is deliberate: an out-of-memory load does not raise, the operating system kills
the engine or the whole machine starts swapping.

The model's shape comes from its GGUF header when the file is here, from a table of
published figures for catalogue models not yet downloaded, and from a conservative formula
on the parameter count otherwise (``ModelDims.source`` says which).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from app.core.catalogue import CatalogueEntry
from app.core.gguf import GgufInfo, read_gguf_metadata
from app.core.hardware import HardwareInfo, format_bytes

FitKind = Literal["gpu", "partial", "cpu", "too_large"]

FIT_LABELS: Mapping[FitKind, str] = {
    "gpu": "Runs on GPU",
    "partial": "Partly on GPU",
    "cpu": "Fits, on the CPU",
    "too_large": "Too large for this computer",
}

KV_BYTES_PER_VALUE = 2  # f16 K and V, llama.cpp's default cache type
LOGIT_BYTES = 4  # f32 logits
RUNTIME_BYTES = 50 * 10**6  # the engine's own buffers beyond the model (measured: ~45 MB)
# Room the operating system and other programs keep. A model that needs every byte of RAM
# makes the whole computer swap.
RAM_RESERVE_FRACTION = 0.15
RAM_RESERVE_MIN = 1 * 10**9
# Room left free on a GPU for the driver and the display (as the engine's planner does).
GPU_RESERVE_FRACTION = 0.10
GPU_RESERVE_MIN = 512 * 1024**2
# Apple Silicon lets the GPU use about three quarters of the unified memory.
UNIFIED_GPU_FRACTION = 0.75

DimsSource = Literal["file header", "catalogue", "estimate from parameters"]


@dataclass(frozen=True)
class ModelDims:
    """The few figures of a model that decide its memory needs."""

    file_bytes: int
    n_layers: int
    n_kv_heads: int
    head_dim: int
    n_vocab: int
    n_embd: int
    source: DimsSource

    @classmethod
    def from_gguf(cls, info: GgufInfo) -> ModelDims:
        """From a file's header; head size from ``attention.key_length`` when present.

        Some models (Qwen3-4B: 2560 wide, 32 heads of 128) have heads wider than
        ``embedding_length / head_count``, so the explicit key length wins.
        """
        arch = info.architecture
        heads = info.head_count or 1
        embd = info.embedding_length or 0
        key_length = info.metadata.get(f"{arch}.attention.key_length")
        value_length = info.metadata.get(f"{arch}.attention.value_length")
        head_dim = embd // heads if embd else 128
        if isinstance(key_length, int) and not isinstance(key_length, bool) and key_length > 0:
            value = value_length if isinstance(value_length, int) else key_length
            head_dim = (key_length + value) // 2
        n_layers = info.block_count or 32
        return cls(
            file_bytes=info.file_size,
            n_layers=n_layers,
            n_kv_heads=info.head_count_kv or heads,
            head_dim=head_dim,
            n_vocab=info.vocab_size or 152_064,
            n_embd=embd or 4096,
            source="file header",
        )


# Published architecture figures (each model's config.json) for catalogue models that are
# not downloaded yet: layers, KV heads, head size, vocabulary, width. A test checks the
# starter's row against its real GGUF header.
KNOWN_DIMS: Mapping[str, tuple[int, int, int, int, int]] = {
    "smollm2-135m-instruct": (30, 3, 64, 49_152, 576),
    "qwen2.5-0.5b-instruct": (24, 2, 64, 151_936, 896),
    "qwen2.5-1.5b-instruct": (28, 2, 128, 151_936, 1536),
    "qwen2.5-3b-instruct": (36, 2, 128, 151_936, 2048),
    "qwen2.5-7b-instruct": (28, 4, 128, 152_064, 3584),
    "qwen3-1.7b": (28, 8, 128, 151_936, 2048),
    "qwen3-4b": (36, 8, 128, 151_936, 2560),
    "qwen3-8b": (36, 8, 128, 151_936, 4096),
    "gemma-3-1b-it": (26, 1, 256, 262_144, 1152),
    "gemma-3-4b-it": (34, 4, 256, 262_208, 2560),
    "llama-3.2-1b-instruct": (16, 8, 64, 128_256, 2048),
    "llama-3.2-3b-instruct": (28, 8, 128, 128_256, 3072),
    "phi-4-mini-instruct": (32, 8, 128, 200_064, 3072),
}


def dims_from_parameters(params_b: float, file_bytes: int) -> ModelDims:
    """A cautious shape for a model known only by its size.

    KV cache per token across today's models ranges from 7 kB per billion parameters (Qwen2.5
    7B) to 67 kB (Qwen3 1.7B) and 170 kB (SmolLM2 135M, which has no grouped-query saving);
    the formula below (64 kB per billion + 32 kB) is above every catalogue model but the
    smallest, whose exact figures are in :data:`KNOWN_DIMS`. The vocabulary is taken as
    Gemma's 262k, the largest in use, because it sizes the compute buffer.
    """
    kv_per_token = int(64_000 * params_b + 32_000)
    n_layers, head_dim = 32, 128
    per_head = 2 * n_layers * head_dim * KV_BYTES_PER_VALUE
    kv_heads = max(1, -(-kv_per_token // per_head))  # rounded up
    return ModelDims(
        file_bytes=file_bytes,
        n_layers=n_layers,
        n_kv_heads=kv_heads,
        head_dim=head_dim,
        n_vocab=262_208,
        n_embd=max(1024, int((params_b * 1e9 / (12 * n_layers)) ** 0.5)),
        source="estimate from parameters",
    )


def dims_for_entry(entry: CatalogueEntry, installed_path: Path | None = None) -> ModelDims:
    """The best shape available for a catalogue entry (its file's header when installed)."""
    if installed_path is not None:
        try:
            return ModelDims.from_gguf(read_gguf_metadata(installed_path))
        except ValueError:
            pass  # a damaged file: fall back to the published figures
    known = KNOWN_DIMS.get(entry.id)
    if known is not None:
        layers, kv_heads, head_dim, vocab, embd = known
        return ModelDims(entry.size_bytes, layers, kv_heads, head_dim, vocab, embd, "catalogue")
    return dims_from_parameters(entry.params_b, entry.size_bytes)


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a load takes, by part."""

    weights: int
    kv_cache: int
    compute: int
    runtime: int
    n_ctx: int
    n_batch: int
    dims: ModelDims
    n_seq: int = 1  # sequences with a whole context each

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.compute + self.runtime

    @property
    def per_layer(self) -> int:
        """Weights and KV cache of one repeating layer (what moves to the GPU layer by layer)."""
        return (self.weights + self.kv_cache) // max(1, self.dims.n_layers + 1)


def kv_cache_bytes(dims: ModelDims, n_ctx: int) -> int:
    """``2 x layers x context x kv_heads x head_dim x 2 bytes`` (f16 K and V)."""
    return 2 * dims.n_layers * n_ctx * dims.n_kv_heads * dims.head_dim * KV_BYTES_PER_VALUE


def compute_bytes(dims: ModelDims, n_batch: int) -> int:
    """The compute buffer llama.cpp reserves: a batch of logits plus a batch of activations.

    For the starter model (49k vocabulary, batch 512) llama.cpp reports 98.25 MiB and this
    formula gives 100.5 MiB. The buffer does not grow with the context when flash attention
    is on (checked at 512, 4,096 and 8,192 tokens).
    """
    logits = dims.n_vocab * n_batch * LOGIT_BYTES
    activations = 4 * dims.n_embd * n_batch * LOGIT_BYTES
    return logits + activations


def estimate_memory(
    dims: ModelDims, n_ctx: int, n_batch: int = 512, n_seq: int = 1
) -> MemoryEstimate:
    """What loading a model with this context and batch size will take, with a KV cache for
    ``n_seq`` sequences of ``n_ctx`` tokens each."""
    n_batch = max(1, min(n_batch, n_ctx))
    n_seq = max(1, n_seq)
    return MemoryEstimate(
        weights=dims.file_bytes,
        kv_cache=kv_cache_bytes(dims, n_ctx * n_seq),
        compute=compute_bytes(dims, n_batch),
        runtime=RUNTIME_BYTES,
        n_ctx=n_ctx,
        n_batch=n_batch,
        dims=dims,
        n_seq=n_seq,
    )


@dataclass(frozen=True)
class FitResult:
    """A verdict, its label, and every figure behind it (for a tooltip)."""

    kind: FitKind
    estimate: MemoryEstimate
    ram_total: int
    ram_usable: int
    ram_available: int
    gpu_budget: int | None  # bytes usable on the GPU(s); None when there is no GPU offload
    gpu_layers: int  # layers expected on the GPU (n_layers when all fit)
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return FIT_LABELS[self.kind]

    def details(self) -> list[str]:
        """The numbers behind the label, one line each, in plain words."""
        e = self.estimate
        sequences = f", {e.n_seq} sequences at once" if e.n_seq > 1 else ""
        lines = [
            f"Estimated memory: {format_bytes(e.total)} for a {e.n_ctx:,}-token context{sequences}",
            f"  model weights: {format_bytes(e.weights)}",
            f"  context (KV cache): {format_bytes(e.kv_cache)}",
            f"  compute buffers: {format_bytes(e.compute)}",
            f"  runtime: {format_bytes(e.runtime)}",
            f"Model shape from {e.dims.source}: {e.dims.n_layers} layers, "
            f"{e.dims.n_kv_heads} KV heads of {e.dims.head_dim}",
            f"RAM: {format_bytes(self.ram_total)} total, {format_bytes(self.ram_usable)} usable "
            f"for models, {format_bytes(self.ram_available)} free now",
        ]
        if self.gpu_budget is not None:
            lines.append(
                f"GPU memory usable: {format_bytes(self.gpu_budget)}; "
                f"{self.gpu_layers} of {e.dims.n_layers} layers would run there"
            )
        lines.extend(self.notes)
        return lines


def _ram_usable(ram_total: int) -> int:
    return ram_total - max(RAM_RESERVE_MIN, int(ram_total * RAM_RESERVE_FRACTION))


def _gpu_budget(hardware: HardwareInfo) -> int | None:
    if not hardware.gpu_offload_supported:
        return None
    if hardware.unified_memory:
        return int(hardware.ram_total_bytes * UNIFIED_GPU_FRACTION)
    free = hardware.gpu_free_bytes
    if free is None:
        return None
    return max(0, free - max(GPU_RESERVE_MIN, int(free * GPU_RESERVE_FRACTION)))


def assess_fit(estimate: MemoryEstimate, hardware: HardwareInfo) -> FitResult:
    """Decide GPU / partly GPU / CPU / too large for ``estimate`` on ``hardware``."""
    total = estimate.total
    n_layers = estimate.dims.n_layers
    ram_usable = _ram_usable(hardware.ram_total_bytes)
    notes: list[str] = []
    budget = _gpu_budget(hardware)

    def result(kind: FitKind, layers: int) -> FitResult:
        if (
            kind != "too_large"
            and total > hardware.ram_available_bytes
            and not (kind == "gpu" and not hardware.unified_memory)
        ):
            notes.append(
                f"Only {format_bytes(hardware.ram_available_bytes)} of RAM is free right now: "
                "close other programs before loading it."
            )
        return FitResult(
            kind=kind,
            estimate=estimate,
            ram_total=hardware.ram_total_bytes,
            ram_usable=ram_usable,
            ram_available=hardware.ram_available_bytes,
            gpu_budget=budget,
            gpu_layers=layers,
            notes=tuple(notes),
        )

    if hardware.gpu_offload_supported and budget is None:
        notes.append(
            f"This engine has {hardware.gpu_backend} support but the GPU's memory could "
            "not be read; the verdict assumes the model runs on the CPU."
        )
    if budget is not None and budget > 0:
        gpu_part = estimate.weights + estimate.kv_cache + estimate.compute
        if gpu_part <= budget:
            if hardware.unified_memory and total > ram_usable:
                return result("too_large", 0)
            return result("gpu", n_layers)
        if not hardware.unified_memory:
            layers = max(0, min(n_layers - 1, (budget - estimate.compute) // estimate.per_layer))
            cpu_part = total - layers * estimate.per_layer
            if layers > 0 and cpu_part <= ram_usable:
                return result("partial", int(layers))
    if total <= ram_usable:
        return result("cpu", 0)
    notes.append(
        f"It needs about {format_bytes(total)}; this computer can give a model about "
        f"{format_bytes(ram_usable)}. A smaller model or a shorter context would fit."
    )
    return result("too_large", 0)


def fit_for_entry(
    entry: CatalogueEntry,
    hardware: HardwareInfo,
    n_ctx: int = 4096,
    *,
    n_batch: int = 512,
    installed_path: Path | None = None,
    n_seq: int = 1,
) -> FitResult:
    """The verdict for a catalogue model (its file's header is used when it is installed)."""
    dims = dims_for_entry(entry, installed_path)
    n_ctx = min(n_ctx, entry.context_length) if entry.context_length > 0 else n_ctx
    return assess_fit(estimate_memory(dims, n_ctx, n_batch, n_seq), hardware)


def fit_for_file(
    path: Path, hardware: HardwareInfo, n_ctx: int = 4096, *, n_batch: int = 512, n_seq: int = 1
) -> FitResult:
    """The verdict for any GGUF file; raises InvalidModelError for a file that is not one."""
    info = read_gguf_metadata(path)
    if info.context_length:
        n_ctx = min(n_ctx, info.context_length)
    dims = ModelDims.from_gguf(info)
    return assess_fit(estimate_memory(dims, n_ctx, n_batch, n_seq), hardware)
