"""GPU offload planning: how many layers go to the GPU, and what to try when a load fails.

Users of other local-LLM apps complain that the GPU is silently not used, or that a model
that does not fit crashes the app. So the decision is made here, in one place, from two
inputs: what the engine build can do plus how much GPU memory is free (:func:`probe_gpu`,
the only function that touches llama.cpp), and the shape of the model (:class:`ModelShape`).
Everything else is pure and runs in the app process, so tests can fake the capability and
a failing loader and check the layers chosen and the fallback sequence.

:func:`probe_gpu` runs in the engine process only; it imports ``llama_cpp`` lazily so this
module stays importable by the app process.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.core.backend import BackendError, GpuLayers

T = TypeVar("T")

# Room left free on the GPU for the compute buffers, the driver and other programs. A plan
# that uses every last byte is the plan that fails on load.
GPU_RESERVE_BYTES = 512 * 1024**2
GPU_RESERVE_FRACTION = 0.10

# KV cache element size: llama.cpp keeps K and V in f16 unless told otherwise.
KV_BYTES_PER_VALUE = 2


@dataclass(frozen=True)
class GpuDevice:
    """One accelerator as llama.cpp's backend registry reports it."""

    backend: str  # "CUDA", "Metal", "Vulkan", ...
    name: str
    description: str
    free_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class GpuCapability:
    """What this engine build can offload to, and how much room there is."""

    supports_offload: bool
    devices: tuple[GpuDevice, ...] = ()

    @property
    def backend(self) -> str:
        """Name of the GPU backend in use ("CUDA", "Metal", ...), or "GPU" if unknown."""
        return self.devices[0].backend if self.devices else "GPU"

    @property
    def free_bytes(self) -> int | None:
        """Free memory over all GPUs (llama.cpp splits layers across them); None if unknown."""
        if not self.devices:
            return None
        return sum(d.free_bytes for d in self.devices)


CPU_ONLY = GpuCapability(supports_offload=False)


@dataclass(frozen=True)
class ModelShape:
    """The few figures of a model that decide its memory needs."""

    file_bytes: int
    n_layers: int
    n_embd: int
    n_head: int
    n_head_kv: int
    n_ctx_train: int
    n_vocab: int = 0

    def kv_bytes_per_layer(self, n_ctx: int) -> int:
        """K and V cache of one layer for ``n_ctx`` tokens (grouped-query attention aware)."""
        head_dim = self.n_embd // max(1, self.n_head)
        n_embd_kv = head_dim * max(1, self.n_head_kv)
        return 2 * n_ctx * n_embd_kv * KV_BYTES_PER_VALUE

    def weight_bytes_per_layer(self) -> int:
        """Weights of one repeating layer; embeddings and output count as one more layer."""
        return self.file_bytes // (self.n_layers + 1)


@dataclass(frozen=True)
class GpuPlan:
    """Layer counts to try, in order (the last is always 0 = CPU), and why."""

    attempts: tuple[int, ...]
    notes: tuple[str, ...] = ()


def gpu_bytes_needed(shape: ModelShape, layers: int, n_ctx: int) -> int:
    """GPU memory ``layers`` offloaded layers take: their weights and their KV cache."""
    if layers <= 0:
        return 0
    per_layer = shape.weight_bytes_per_layer() + shape.kv_bytes_per_layer(n_ctx)
    extra = shape.weight_bytes_per_layer() if layers >= shape.n_layers else 0  # output layer
    return layers * per_layer + extra


def ram_bytes_needed(shape: ModelShape, gpu_layers: int, n_ctx: int) -> int:
    """System memory a load takes: the weights and KV cache left on the CPU, plus buffers."""
    cpu_layers = max(0, shape.n_layers - max(0, gpu_layers))
    weights = shape.file_bytes - gpu_bytes_needed(shape, shape.n_layers - cpu_layers, 0)
    kv = cpu_layers * shape.kv_bytes_per_layer(n_ctx)
    buffers = 128 * 1024**2 + shape.file_bytes // 20
    return max(0, weights) + kv + buffers


def memory_problem(
    shape: ModelShape, n_ctx: int, gpu_layers: int, available_bytes: int, name: str
) -> str | None:
    """A user-facing refusal when the model cannot fit in RAM, else None.

    Checked before loading because an out-of-memory load does not raise: the operating
    system kills the engine (or thrashes the whole machine) instead.
    """
    needed = ram_bytes_needed(shape, gpu_layers, n_ctx)
    if needed <= available_bytes:
        return None
    return (
        f"{name} needs about {_gb(needed)} of memory, but only {_gb(available_bytes)} is "
        "free. Close other programs, choose a smaller context length, or pick a smaller "
        "model."
    )


def _gb(n: int) -> str:
    return f"{n / 1024**3:.1f} GB"


def layers_that_fit(shape: ModelShape, n_ctx: int, free_bytes: int) -> int:
    """The most layers whose weights and KV cache fit in ``free_bytes`` minus a reserve."""
    budget = free_bytes - max(GPU_RESERVE_BYTES, int(free_bytes * GPU_RESERVE_FRACTION))
    if budget <= 0:
        return 0
    if gpu_bytes_needed(shape, shape.n_layers, n_ctx) <= budget:
        return shape.n_layers
    per_layer = shape.weight_bytes_per_layer() + shape.kv_bytes_per_layer(n_ctx)
    return max(0, min(shape.n_layers - 1, budget // max(1, per_layer)))


def plan_gpu_layers(
    requested: GpuLayers, shape: ModelShape, n_ctx: int, capability: GpuCapability
) -> GpuPlan:
    """Decide the layer counts to try for ``requested`` ("auto", 0, -1 or N).

    "auto" puts every layer on the GPU when the model fits, as many as fit when it does not,
    and nothing when no GPU is usable. An explicit count is honoured as asked (the user may
    know better than the estimate). Every plan falls back by halving, then to the CPU.
    """
    n_layers = shape.n_layers
    if requested == 0:
        return GpuPlan((0,))
    if not capability.supports_offload:
        notes: tuple[str, ...] = ()
        if requested != "auto":
            notes = ("This engine build has no GPU support; the model runs on the CPU.",)
        return GpuPlan((0,), notes)
    if requested == "auto":
        free = capability.free_bytes
        first = n_layers if free is None else layers_that_fit(shape, n_ctx, free)
        if first == 0:
            return GpuPlan(
                (0,),
                (
                    f"Not enough free GPU memory for any layer of the model "
                    f"({_gb(free or 0)} free); it runs on the CPU.",
                ),
            )
        plan_notes: tuple[str, ...] = ()
        if first < n_layers:
            plan_notes = (
                f"The model does not fit in GPU memory ({_gb(free or 0)} free): "
                f"{first} of {n_layers} layers on the GPU, the rest on the CPU.",
            )
        return GpuPlan(_halving(first), plan_notes)
    wanted = n_layers if requested < 0 else min(requested, n_layers)
    return GpuPlan(_halving(wanted))


def _halving(first: int) -> tuple[int, ...]:
    """``first``, then half as many layers, then a quarter, then the CPU."""
    attempts = [first]
    for fraction in (2, 4):
        n = first // fraction
        if 0 < n < attempts[-1]:
            attempts.append(n)
    attempts.append(0)
    return tuple(attempts)


class LoadAttemptFailed(Exception):
    """One load attempt failed; ``message`` is user-facing, ``crashed`` if the engine died."""

    def __init__(self, message: str, *, crashed: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.crashed = crashed


@dataclass(frozen=True)
class LoadOutcome(Generic[T]):
    """The successful attempt's result, its layer count, and what happened on the way."""

    result: T
    gpu_layers: int
    notes: tuple[str, ...]


def load_with_fallback(plan: GpuPlan, attempt: Callable[[int], T]) -> LoadOutcome[T]:
    """Try each layer count of ``plan`` until one loads.

    A GPU out-of-memory error can surface as a failed load or as a dead engine process
    (the caller restarts it and reports ``crashed``); either way the next, smaller attempt
    follows. When the CPU attempt fails too, the CPU failure's message is the one shown: it
    says what is wrong with the file rather than with the GPU.
    """
    notes = list(plan.notes)
    failures: list[tuple[int, LoadAttemptFailed]] = []
    for layers in plan.attempts:
        try:
            result = attempt(layers)
        except LoadAttemptFailed as exc:
            failures.append((layers, exc))
            continue
        for failed_layers, failure in failures:
            what = "stopped the engine" if failure.crashed else "failed"
            notes.append(f"Loading with {failed_layers} GPU layers {what}: {failure.message}")
        if failures:
            where = f"{layers} GPU layers" if layers else "the CPU"
            notes.append(f"Fell back to {where}.")
        return LoadOutcome(result, layers, tuple(notes))
    raise BackendError(failures[-1][1].message)


# ----------------------------------------------------------------------------------------
# The seam: the only code here that talks to llama.cpp (engine process only).

_DEVICE_TYPE_GPU = 1
_DEVICE_TYPE_IGPU = 2


def probe_gpu() -> GpuCapability:
    """Ask this llama.cpp build whether it can offload, and how much memory each GPU has.

    llama-cpp-python does not bind ggml's device registry, so it is read through ctypes
    from the ggml library llama-cpp-python has already loaded.
    """
    import llama_cpp

    if not llama_cpp.llama_supports_gpu_offload():
        return CPU_ONLY
    try:
        devices = tuple(_list_gpu_devices())
    except (AttributeError, OSError):  # an older or unusual build: capability without sizes
        devices = ()
    return GpuCapability(supports_offload=True, devices=devices)


def _list_gpu_devices() -> list[GpuDevice]:
    from llama_cpp._ggml import libggml

    lib = libggml
    lib.ggml_backend_dev_count.restype = ctypes.c_size_t
    lib.ggml_backend_dev_get.restype = ctypes.c_void_p
    lib.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
    lib.ggml_backend_dev_type.restype = ctypes.c_int
    lib.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_name.restype = ctypes.c_char_p
    lib.ggml_backend_dev_name.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_description.restype = ctypes.c_char_p
    lib.ggml_backend_dev_description.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_memory.restype = None
    lib.ggml_backend_dev_memory.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_size_t),
        ctypes.POINTER(ctypes.c_size_t),
    ]
    lib.ggml_backend_dev_backend_reg.restype = ctypes.c_void_p
    lib.ggml_backend_dev_backend_reg.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_reg_name.restype = ctypes.c_char_p
    lib.ggml_backend_reg_name.argtypes = [ctypes.c_void_p]

    found: list[GpuDevice] = []
    for i in range(lib.ggml_backend_dev_count()):
        dev = lib.ggml_backend_dev_get(i)
        if lib.ggml_backend_dev_type(dev) not in (_DEVICE_TYPE_GPU, _DEVICE_TYPE_IGPU):
            continue
        free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
        lib.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        reg = lib.ggml_backend_dev_backend_reg(dev)
        backend = (lib.ggml_backend_reg_name(reg) or b"GPU").decode("utf-8", "replace")
        found.append(
            GpuDevice(
                backend=backend,
                name=(lib.ggml_backend_dev_name(dev) or b"").decode("utf-8", "replace"),
                description=(lib.ggml_backend_dev_description(dev) or b"").decode(
                    "utf-8", "replace"
                ),
                free_bytes=int(free.value),
                total_bytes=int(total.value),
            )
        )
    return found
