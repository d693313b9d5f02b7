"""What this computer offers a model: CPU cores and features, memory, and the GPU.

Why it matters: whether a model "fits" (app/core/fit.py) and how fast it runs depend on
RAM, on the GPU backend llama.cpp was built with and on the GPU's memory. Users of other
local-LLM apps complain that the GPU is silently unused; showing what was found, and where
the figure came from, is the cure.

The core never imports ``llama_cpp`` (it lives in the engine's child process), so the GPU
backend compiled into llama-cpp-python is learnt in one of three ways, best first:

1. the engine's own report after a load (``LoadInfo.system_info`` / ``LoadInfo.device``);
2. a ``gpu_offload_supported`` answer the caller already has;
3. the names of the shared libraries in the installed package's ``lib`` folder
   (``libggml-cuda``, ``libggml-metal``, ...), found with ``importlib.util.find_spec``,
   which locates a package without running it.

Nothing here touches the network. GPU memory is read from ``nvidia-smi`` (when it is on
PATH), from NVML (when ``pynvml`` is installed), or, on Apple Silicon, is the unified RAM.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.core.backend import LoadInfo

NVIDIA_SMI_TIMEOUT_S = 5.0

# The CPU features llama.cpp's kernels use, in the order people know them. /proc/cpuinfo
# flag -> the name llama.cpp's system info uses.
_X86_FLAGS: tuple[tuple[str, str], ...] = (
    ("pni", "SSE3"),
    ("ssse3", "SSSE3"),
    ("sse4_1", "SSE4.1"),
    ("sse4_2", "SSE4.2"),
    ("avx", "AVX"),
    ("f16c", "F16C"),
    ("fma", "FMA"),
    ("bmi2", "BMI2"),
    ("avx2", "AVX2"),
    ("avx_vnni", "AVX_VNNI"),
    ("avx512f", "AVX512"),
    ("avx512bw", "AVX512_BW"),
    ("avx512vl", "AVX512_VL"),
    ("avx512_vbmi", "AVX512_VBMI"),
    ("avx512_vnni", "AVX512_VNNI"),
    ("avx512_bf16", "AVX512_BF16"),
    ("amx_int8", "AMX_INT8"),
    ("amx_bf16", "AMX_BF16"),
)
_ARM_FLAGS: tuple[tuple[str, str], ...] = (
    ("asimd", "NEON"),
    ("neon", "NEON"),
    ("asimdhp", "ARM_FP16"),
    ("asimddp", "DOTPROD"),
    ("i8mm", "MATMUL_INT8"),
    ("sve", "SVE"),
    ("sve2", "SVE2"),
    ("bf16", "BF16"),
)
# macOS: sysctl feature words (machdep.cpu.features / leaf7_features) -> names above.
_MAC_X86_WORDS = {
    "SSE3": "SSE3",
    "SSSE3": "SSSE3",
    "SSE4.1": "SSE4.1",
    "SSE4.2": "SSE4.2",
    "AVX1.0": "AVX",
    "F16C": "F16C",
    "FMA": "FMA",
    "BMI2": "BMI2",
    "AVX2": "AVX2",
    "AVX512F": "AVX512",
    "AVX512BW": "AVX512_BW",
    "AVX512VL": "AVX512_VL",
    "AVX512VNNI": "AVX512_VNNI",
}
_MAC_ARM_KEYS = {
    "hw.optional.neon": "NEON",
    "hw.optional.AdvSIMD": "NEON",
    "hw.optional.arm.FEAT_FP16": "ARM_FP16",
    "hw.optional.arm.FEAT_DotProd": "DOTPROD",
    "hw.optional.arm.FEAT_I8MM": "MATMUL_INT8",
    "hw.optional.arm.FEAT_BF16": "BF16",
}
# Windows IsProcessorFeaturePresent ids -> names above.
_WINDOWS_FEATURES = {
    13: "SSE3",
    36: "SSSE3",
    37: "SSE4.1",
    38: "SSE4.2",
    39: "AVX",
    40: "AVX2",
    41: "AVX512",
    19: "NEON",
    43: "DOTPROD",
}
_ORDER = [name for _, name in _X86_FLAGS] + [name for _, name in _ARM_FLAGS]

# Shared-library name fragments -> GPU backend names, as llama.cpp's system info spells them.
_LIB_BACKENDS: tuple[tuple[str, str], ...] = (
    ("ggml-cuda", "CUDA"),
    ("ggml-metal", "Metal"),
    ("ggml-vulkan", "Vulkan"),
    ("ggml-hip", "ROCm"),
    ("ggml-sycl", "SYCL"),
    ("ggml-opencl", "OpenCL"),
    ("ggml-musa", "MUSA"),
    ("ggml-cann", "CANN"),
)
# Words in llama_print_system_info() that name a GPU backend.
_INFO_BACKENDS: tuple[tuple[str, str], ...] = (
    ("CUDA", "CUDA"),
    ("METAL", "Metal"),
    ("VULKAN", "Vulkan"),
    ("ROCM", "ROCm"),
    ("HIP", "ROCm"),
    ("SYCL", "SYCL"),
    ("OPENCL", "OpenCL"),
    ("MUSA", "MUSA"),
    ("CANN", "CANN"),
)


@dataclass(frozen=True)
class GpuInfo:
    """One GPU and its memory in bytes (None where it could not be read)."""

    name: str
    total_bytes: int | None
    free_bytes: int | None
    source: str  # "nvidia-smi", "NVML", "unified memory", "engine"


@dataclass(frozen=True)
class HardwareInfo:
    """Everything :func:`detect_hardware` found, with where the GPU backend figure came from."""

    os_name: str
    machine: str
    cpu_name: str
    physical_cores: int | None
    logical_cores: int
    instruction_sets: tuple[str, ...]
    ram_total_bytes: int
    ram_available_bytes: int
    gpu_backend: str | None  # "CUDA", "Metal", "Vulkan", ...; None = a CPU-only build
    gpu_backend_source: str  # "engine", "caller", "library files", "not installed"
    gpus: tuple[GpuInfo, ...] = ()
    unified_memory: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def gpu_offload_supported(self) -> bool:
        """True when the engine build has a GPU backend (whether or not a GPU was found)."""
        return self.gpu_backend is not None

    @property
    def gpu_free_bytes(self) -> int | None:
        """Free memory over all GPUs (llama.cpp splits layers across them); None if unknown."""
        known = [g.free_bytes for g in self.gpus if g.free_bytes is not None]
        return sum(known) if known else None

    def to_json(self) -> dict[str, Any]:
        """A plain dict for ``--format json`` and bug reports."""
        data = asdict(self)
        data["instruction_sets"] = list(self.instruction_sets)
        data["gpus"] = [asdict(g) for g in self.gpus]
        data["notes"] = list(self.notes)
        data["gpu_offload_supported"] = self.gpu_offload_supported
        return data


# --------------------------------------------------------------------------- CPU


def parse_cpuinfo(text: str) -> tuple[str, tuple[str, ...]]:
    """(CPU model name, instruction sets) from the text of Linux's /proc/cpuinfo."""
    name = ""
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware", "cpu model") and not name:
            name = value.strip()
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
    table = _ARM_FLAGS if ("asimd" in flags or "neon" in flags) else _X86_FLAGS
    return name, _ordered(label for flag, label in table if flag in flags)


def parse_mac_sysctl(output: str) -> tuple[str, tuple[str, ...]]:
    """(CPU name, instruction sets) from ``sysctl machdep.cpu hw.optional`` output."""
    name = ""
    found: set[str] = set()
    for line in output.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key == "machdep.cpu.brand_string":
            name = value
        elif key in ("machdep.cpu.features", "machdep.cpu.leaf7_features"):
            found.update(_MAC_X86_WORDS[w] for w in value.split() if w in _MAC_X86_WORDS)
        elif key in _MAC_ARM_KEYS and value == "1":
            found.add(_MAC_ARM_KEYS[key])
    return name, _ordered(found)


def parse_system_info(system_info: str) -> tuple[tuple[str, ...], str | None]:
    """(CPU features, GPU backend) from llama.cpp's ``llama_print_system_info()`` text.

    The text looks like ``CPU : SSE3 = 1 | AVX = 1 | ... | CUDA : ARCHS = 890 | ...``.
    """
    features: set[str] = set()
    for name, value in re.findall(r"([A-Z0-9_.]+)\s*=\s*(\d+)", system_info):
        if value != "0" and name in _ORDER:
            features.add(name)
    backend: str | None = None
    upper = system_info.upper()
    for word, label in _INFO_BACKENDS:
        if re.search(rf"\b{word}\b\s*:", upper):
            backend = label
            break
    return _ordered(features), backend


def _ordered(names: Iterable[str]) -> tuple[str, ...]:
    unique = set(names)
    return tuple(n for n in dict.fromkeys(_ORDER) if n in unique)


def _run(command: list[str]) -> str | None:
    """Output of a short local command, or None if it is missing, fails or hangs."""
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console flash on Windows
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=NVIDIA_SMI_TIMEOUT_S,
            check=False,
            creationflags=flags,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def _windows_features() -> tuple[str, ...]:
    import ctypes

    try:
        present = ctypes.windll.kernel32.IsProcessorFeaturePresent  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return ()
    return _ordered(name for fid, name in _WINDOWS_FEATURES.items() if present(fid))


def cpu_details() -> tuple[str, tuple[str, ...]]:
    """(CPU name, instruction sets) for this computer, best effort on every platform."""
    if sys.platform.startswith("linux"):
        try:
            text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        name, features = parse_cpuinfo(text)
        return name or platform.processor() or platform.machine(), features
    if sys.platform == "darwin":
        sysctl = shutil.which("sysctl") or "/usr/sbin/sysctl"
        output = _run([sysctl, "machdep.cpu", "hw.optional"]) or ""
        name, features = parse_mac_sysctl(output)
        return name or platform.processor() or platform.machine(), features
    if sys.platform == "win32":
        return platform.processor() or platform.machine(), _windows_features()
    return platform.processor() or platform.machine(), ()


# --------------------------------------------------------------------------- GPU


def llama_cpp_lib_dir() -> Path | None:
    """The installed llama-cpp-python's ``lib`` folder, found without importing the package."""
    try:
        spec = importlib.util.find_spec("llama_cpp")
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    if not locations and spec.origin:
        locations = [str(Path(spec.origin).parent)]
    for location in locations:
        lib = Path(location) / "lib"
        if lib.is_dir():
            return lib
    return None


def compiled_gpu_backend(lib_dir: Path | None = None) -> str | None:
    """The GPU backend whose library ships with llama-cpp-python, or None for a CPU build."""
    folder = lib_dir if lib_dir is not None else llama_cpp_lib_dir()
    if folder is None:
        return None
    try:
        names = [p.name.lower() for p in folder.iterdir()]
    except OSError:
        return None
    for fragment, label in _LIB_BACKENDS:
        if any(fragment in name for name in names):
            return label
    return None


def parse_nvidia_smi(output: str) -> tuple[GpuInfo, ...]:
    """GPUs from ``nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv,...``."""
    gpus: list[GpuInfo] = []
    for line in output.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 3 or not parts[0]:
            continue
        gpus.append(
            GpuInfo(
                name=parts[0],
                total_bytes=_mib(parts[1]),
                free_bytes=_mib(parts[2]),
                source="nvidia-smi",
            )
        )
    return tuple(gpus)


def _mib(text: str) -> int | None:
    try:
        return int(float(text) * 1024 * 1024)
    except ValueError:
        return None


def _nvidia_smi_gpus() -> tuple[GpuInfo, ...]:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return ()
    output = _run(
        [
            exe,
            "--query-gpu=name,memory.total,memory.free",
            "--format=csv,noheader,nounits",
        ]
    )
    return parse_nvidia_smi(output) if output else ()


def _nvml_gpus() -> tuple[GpuInfo, ...]:
    try:
        import pynvml
    except ImportError:
        return ()
    try:
        pynvml.nvmlInit()
    except Exception:  # no driver: NVML raises its own error types
        return ()
    gpus: list[GpuInfo] = []
    try:
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            gpus.append(
                GpuInfo(
                    name=name.decode() if isinstance(name, bytes) else str(name),
                    total_bytes=int(memory.total),
                    free_bytes=int(memory.free),
                    source="NVML",
                )
            )
    except Exception:  # a half-working driver gives what it can
        pass
    finally:
        with contextlib.suppress(Exception):
            pynvml.nvmlShutdown()
    return tuple(gpus)


# --------------------------------------------------------------------------- all together


def _memory() -> tuple[int, int]:
    import psutil

    memory = psutil.virtual_memory()
    return int(memory.total), int(memory.available)


def _cores() -> tuple[int | None, int]:
    import psutil

    logical = psutil.cpu_count(logical=True) or os.cpu_count() or 1
    physical = psutil.cpu_count(logical=False)
    return physical, int(logical)


def detect_hardware(
    *,
    load_info: LoadInfo | None = None,
    gpu_offload_supported: bool | None = None,
    query_gpus: bool = True,
) -> HardwareInfo:
    """Look at this computer. Fast (tens of milliseconds; nvidia-smi adds up to a second).

    ``load_info`` (from the engine) is the most reliable source for the GPU backend;
    ``gpu_offload_supported`` is used when the caller knows only that. ``query_gpus=False``
    skips nvidia-smi/NVML, for callers that need an instant answer.
    """
    notes: list[str] = []
    cpu_name, features = cpu_details()
    physical, logical = _cores()
    ram_total, ram_available = _memory()
    machine = platform.machine().lower()
    apple_silicon = sys.platform == "darwin" and machine in ("arm64", "aarch64")

    backend: str | None
    if load_info is not None and (load_info.system_info or load_info.device != "CPU"):
        engine_features, backend = parse_system_info(load_info.system_info)
        if backend is None and load_info.device not in ("", "CPU"):
            backend = load_info.device
        if not features:
            features = engine_features
        source = "engine"
    elif gpu_offload_supported is not None:
        backend = (compiled_gpu_backend() or "GPU") if gpu_offload_supported else None
        source = "caller"
    else:
        lib = llama_cpp_lib_dir()
        if lib is None:
            backend, source = None, "not installed"
            notes.append("The model engine (llama-cpp-python) is not installed.")
        else:
            backend, source = compiled_gpu_backend(lib), "library files"
            if backend is None and apple_silicon:
                # Metal is built in by default on Apple Silicon, often with no separate library.
                backend = "Metal"

    gpus: tuple[GpuInfo, ...] = ()
    if apple_silicon:
        gpus = (
            GpuInfo(
                name=cpu_name or "Apple GPU",
                total_bytes=ram_total,
                free_bytes=ram_available,
                source="unified memory",
            ),
        )
    elif query_gpus:
        gpus = _nvidia_smi_gpus() or _nvml_gpus()
    if gpus and backend is None and not apple_silicon:
        notes.append(
            "A GPU was found, but this build of the model engine has no GPU support, so "
            "models run on the CPU. Install a GPU build of llama-cpp-python to use it."
        )
    return HardwareInfo(
        os_name=f"{platform.system()} {platform.release()}".strip(),
        machine=machine,
        cpu_name=cpu_name,
        physical_cores=physical,
        logical_cores=logical,
        instruction_sets=features,
        ram_total_bytes=ram_total,
        ram_available_bytes=ram_available,
        gpu_backend=backend,
        gpu_backend_source=source,
        gpus=gpus,
        unified_memory=apple_silicon,
        notes=tuple(notes),
    )


def format_bytes(n: int | None) -> str:
    """Sizes the way people read them: 98.4 MB, 4.68 GB (powers of 1000, like the hub)."""
    if n is None:
        return "unknown"
    if n >= 10**9:
        return f"{n / 1e9:.2f} GB"
    if n >= 10**6:
        return f"{n / 1e6:.1f} MB"
    if n >= 10**3:
        return f"{n / 1e3:.0f} kB"
    return f"{n} B"


def describe_hardware(info: HardwareInfo) -> list[tuple[str, str]]:
    """(label, value) rows for the CLI and the GUI's tooltip."""
    cores = f"{info.logical_cores} logical"
    if info.physical_cores:
        cores = f"{info.physical_cores} physical, {cores}"
    rows = [
        ("System", f"{info.os_name} ({info.machine})"),
        ("CPU", info.cpu_name or "unknown"),
        ("Cores", cores),
        ("Instruction sets", " ".join(info.instruction_sets) or "unknown"),
        (
            "RAM",
            f"{format_bytes(info.ram_total_bytes)} total, "
            f"{format_bytes(info.ram_available_bytes)} available",
        ),
        (
            "GPU backend",
            f"{info.gpu_backend or 'none (CPU only)'} (from {info.gpu_backend_source})",
        ),
    ]
    if info.gpus:
        for gpu in info.gpus:
            rows.append(
                (
                    "GPU",
                    f"{gpu.name}: {format_bytes(gpu.total_bytes)} total, "
                    f"{format_bytes(gpu.free_bytes)} free ({gpu.source})",
                )
            )
    else:
        rows.append(("GPU", "none found"))
    rows.extend(("Note", note) for note in info.notes)
    return rows
