"""Hardware detection: this machine's real figures, and the parsers for other platforms."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from app.core.backend import LoadInfo
from app.core.hardware import (
    compiled_gpu_backend,
    describe_hardware,
    detect_hardware,
    llama_cpp_lib_dir,
    parse_cpuinfo,
    parse_mac_sysctl,
    parse_nvidia_smi,
    parse_system_info,
)

ROOT = Path(__file__).resolve().parents[2]


def test_detects_this_machine() -> None:
    info = detect_hardware(query_gpus=False)
    assert info.logical_cores == os.cpu_count()
    assert info.physical_cores == psutil.cpu_count(logical=False)
    memory = psutil.virtual_memory()
    assert info.ram_total_bytes == memory.total
    assert 0 < info.ram_available_bytes <= info.ram_total_bytes
    if sys.platform.startswith("linux"):
        flags = set()
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                flags = set(line.split(":", 1)[1].split())
                break
        expected = {
            "avx2": "AVX2",
            "avx": "AVX",
            "fma": "FMA",
            "avx512f": "AVX512",
            "asimd": "NEON",
        }
        for flag, name in expected.items():
            assert (name in info.instruction_sets) == (flag in flags), name


def test_gpu_backend_from_the_installed_engine_without_importing_it() -> None:
    """The library folder is read in a fresh interpreter, which must not load llama_cpp."""
    code = (
        "import json, sys\n"
        "from app.core.hardware import detect_hardware\n"
        "info = detect_hardware(query_gpus=False)\n"
        "found = [info.gpu_backend, info.gpu_backend_source, 'llama_cpp' in sys.modules]\n"
        "print(json.dumps(found))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    backend, source, imported = json.loads(result.stdout)
    assert imported is False
    assert source == "library files"
    lib = llama_cpp_lib_dir()
    assert lib is not None, "llama-cpp-python's lib folder was not found"
    names = " ".join(p.name for p in lib.iterdir())
    assert "ggml" in names
    # This test machine has a CPU-only build; a GPU build must be named by its library.
    if "ggml-cuda" in names:
        assert backend == "CUDA"
    elif not any(k in names for k in ("ggml-metal", "ggml-vulkan", "ggml-hip")):
        assert backend is None


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (["libggml-base.so", "libggml-cpu.so", "libllama.so"], None),
        (["libggml-base.so", "libggml-cuda.so", "libllama.so"], "CUDA"),
        (["libggml-metal.dylib", "libllama.dylib"], "Metal"),
        (["ggml-vulkan.dll", "llama.dll"], "Vulkan"),
        (["libggml-hip.so"], "ROCm"),
    ],
)
def test_compiled_backend_from_library_names(
    tmp_path: Path, files: list[str], expected: str | None
) -> None:
    for name in files:
        (tmp_path / name).write_bytes(b"")
    assert compiled_gpu_backend(tmp_path) == expected


def test_engine_report_wins_over_library_files() -> None:
    info = LoadInfo(
        model_id="m",
        path="m.gguf",
        device="CUDA",
        gpu_layers=28,
        n_layers=28,
        n_ctx=4096,
        n_ctx_train=32768,
        n_threads=8,
        load_seconds=1.0,
        system_info="CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | CUDA : ARCHS = 890 | USE_GRAPHS = 1 |",
    )
    hw = detect_hardware(load_info=info, query_gpus=False)
    assert hw.gpu_backend == "CUDA"
    assert hw.gpu_backend_source == "engine"
    assert hw.gpu_offload_supported


def test_caller_answer_is_used_when_given() -> None:
    hw = detect_hardware(gpu_offload_supported=False, query_gpus=False)
    assert hw.gpu_backend is None and hw.gpu_backend_source == "caller"


def test_nvidia_smi_on_path_gives_gpu_name_and_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in nvidia-smi (a real executable on PATH) answering the documented query."""
    script = tmp_path / "nvidia-smi"
    script.write_text(
        "#!/bin/sh\n"
        'case "$*" in *--query-gpu=name,memory.total,memory.free*) '
        'echo "NVIDIA GeForce RTX 4090, 24564, 23012";; *) exit 2;; esac\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    hw = detect_hardware()
    assert [g.name for g in hw.gpus] == ["NVIDIA GeForce RTX 4090"]
    assert hw.gpus[0].total_bytes == 24564 * 1024 * 1024
    assert hw.gpus[0].free_bytes == 23012 * 1024 * 1024
    assert hw.gpus[0].source == "nvidia-smi"
    if hw.gpu_backend is None:  # a CPU-only engine: the user is told why the GPU is idle
        assert any("no GPU support" in note for note in hw.notes)


def test_parse_cpuinfo_x86_and_arm() -> None:
    x86 = (
        "model name\t: AMD Ryzen 9 7950X\n"
        "flags\t\t: fpu sse pni ssse3 avx f16c fma avx2 avx512f avx512_vnni\n"
    )
    name, sets = parse_cpuinfo(x86)
    assert name == "AMD Ryzen 9 7950X"
    assert sets == ("SSE3", "SSSE3", "AVX", "F16C", "FMA", "AVX2", "AVX512", "AVX512_VNNI")
    arm = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes asimdhp asimddp i8mm sve\n"
    _, arm_sets = parse_cpuinfo(arm)
    assert arm_sets == ("NEON", "ARM_FP16", "DOTPROD", "MATMUL_INT8", "SVE")


def test_parse_mac_sysctl() -> None:
    apple = (
        "machdep.cpu.brand_string: Apple M2 Pro\n"
        "hw.optional.neon: 1\n"
        "hw.optional.arm.FEAT_DotProd: 1\n"
        "hw.optional.arm.FEAT_I8MM: 0\n"
    )
    assert parse_mac_sysctl(apple) == ("Apple M2 Pro", ("NEON", "DOTPROD"))
    intel = (
        "machdep.cpu.brand_string: Intel(R) Core(TM) i7-9750H\n"
        "machdep.cpu.features: FPU SSE3 SSSE3 SSE4.1 SSE4.2 AVX1.0 F16C FMA\n"
        "machdep.cpu.leaf7_features: BMI1 AVX2 BMI2\n"
    )
    name, sets = parse_mac_sysctl(intel)
    assert name.startswith("Intel")
    assert sets == ("SSE3", "SSSE3", "SSE4.1", "SSE4.2", "AVX", "F16C", "FMA", "BMI2", "AVX2")


def test_parse_system_info_and_nvidia_smi() -> None:
    features, backend = parse_system_info(
        "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 0 | Metal : EMBED_LIBRARY = 1 | BF16 = 1 |"
    )
    assert backend == "Metal"
    assert "AVX" in features and "AVX2" not in features
    assert parse_system_info("CPU : SSE3 = 1 | LLAMAFILE = 1 |")[1] is None
    gpus = parse_nvidia_smi("Tesla T4, 15360, 15000\nNVIDIA A100-SXM4-80GB, 81920, 80000\n")
    assert [g.name for g in gpus] == ["Tesla T4", "NVIDIA A100-SXM4-80GB"]
    assert parse_nvidia_smi("garbage") == ()


def test_json_report_and_description() -> None:
    hw = detect_hardware(query_gpus=False)
    data = json.loads(json.dumps(hw.to_json()))
    assert data["logical_cores"] == hw.logical_cores
    assert data["instruction_sets"] == list(hw.instruction_sets)
    assert data["gpu_offload_supported"] == hw.gpu_offload_supported
    rows = dict(describe_hardware(hw))
    assert rows["Cores"].endswith(f"{hw.logical_cores} logical")
    assert "RAM" in rows and "GPU backend" in rows
