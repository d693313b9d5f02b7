"""Perplexity anchor: Parley's figure against llama.cpp's own ``llama-perplexity``.

Parley computes perplexity the way ``llama-perplexity`` does (app/core/model_eval.py,
app/engine/scoring.py): the whole text tokenized once, whole windows of ``n_ctx`` tokens, BOS
at the start of each window where the model uses one, only the second half of each window
scored. If that is right, the two figures on the same model, text and window agree to well
under 1 %; a larger gap means one of the steps above drifted.

The reference tool is built from the llama.cpp that the pinned llama-cpp-python sdist vendors
(the pin and its SHA-256 are in scripts/fetch_test_assets.py), so it is the same llama.cpp the
engine runs. The sdist is fetched with that script's checked downloader (the file URL uv.lock
records, size and SHA-256 verified: ``pip download --no-binary`` would prepare the package's
metadata, which starts a CMake configure of its own), only ``vendor/llama.cpp`` is extracted,
and ``llama-perplexity`` is built once into ``$PARLEY_TEST_CACHE`` (default
``~/.cache/parley-tests``) under ``llama-perplexity-<pin>/``. A second run finds the binary
and builds nothing. The build runs under ``nice -n 19`` with two jobs: several minutes on two
cores.

The text is the project's own documentation (docs/ARCHITECTURE.md and docs/FIELD-NOTES.md),
read through Parley's extractor and written to one temporary UTF-8 file that both tools read,
so both tokenize exactly the same characters. Rows, for the starter model and for the test
suite's second model (Qwen2.5-Coder-0.5B-Instruct) when ``make test`` has fetched it: the two
perplexities and their ratio, the gap in percent (target < 1 %), and for information the
scoring speed of each (Parley's reads every position's probabilities through the engine
process and numpy; llama-perplexity's own time comes from its log's time stamps).

Run alone with ``python -m bench.perplexity``; ``run()`` returns rows for ``python -m bench``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
THREADS = int(os.environ.get("PARLEY_BENCH_THREADS", "2"))
WINDOW = 512
TOLERANCE = 0.01  # the two figures must agree within 1 %
TEXT_FILES = ("docs/ARCHITECTURE.md", "docs/FIELD-NOTES.md")
_FINAL = re.compile(r"Final estimate: PPL = ([0-9.]+)(?: \+/- ([0-9.]+))?")
# llama.cpp's log lines start with the time since start-up, "M.SS.mmm.uuu". Not anchored to
# a line start: the tool's per-chunk progress is written without a line end before them.
_STAMP = r"(\d+)\.(\d{2})\.(\d{3})\.(\d{3}) I "
_START = re.compile(_STAMP + r"perplexity: calculating perplexity over (\d+) chunks")
_END = re.compile(_STAMP + r"Final estimate")
_BUILD_TIMEOUT_S = 3 * 3600
_RUN_TIMEOUT_S = 1800


class AnchorError(RuntimeError):
    """The reference tool cannot be built or run; the message is one line for the person."""


def _script(name: str) -> ModuleType:
    """One of the repository's scripts/ modules (they are not part of the ``app`` package)."""
    path = REPO / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AnchorError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tool_dir() -> Path:
    """Where the extracted source, the build and the binary live (beside the test assets)."""
    assets = _script("fetch_test_assets")
    return Path(assets.cache_dir()).parent / f"llama-perplexity-{assets.VERSION}"


def binary_path() -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    return tool_dir() / "build" / "bin" / f"llama-perplexity{suffix}"


def _extract_llama_cpp(sdist: Path, target: Path, prefix: str) -> None:
    """``vendor/llama.cpp`` of the sdist into ``target``, without the vocabulary GGUFs and
    other model files (tens of MB the build never reads)."""
    with tarfile.open(sdist, "r:gz") as archive:
        members = []
        for member in archive:
            if not member.name.startswith(prefix) or member.name == prefix.rstrip("/"):
                continue
            relative = member.name[len(prefix) :]
            if relative.startswith("models/") and relative.endswith(".gguf"):
                continue
            member.name = relative
            members.append(member)
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: refuse links and paths out
            archive.extractall(target, members=members, filter="data")
        else:  # pragma: no cover - older 3.11: the sdist's SHA-256 was checked already
            archive.extractall(target, members=members)


def _fetch_source(folder: Path) -> Path:
    """The vendored llama.cpp source under ``folder/src``, downloading the sdist if needed."""
    source = folder / "src"
    if (source / "CMakeLists.txt").is_file():
        return source
    assets = _script("fetch_test_assets")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sdist-", dir=folder) as tmp:
        sdist = Path(tmp) / f"llama_cpp_python-{assets.VERSION}.tar.gz"
        print(f"downloading llama-cpp-python {assets.VERSION}'s sdist …", file=sys.stderr)
        try:
            assets._download(sdist)  # size and SHA-256 checked against the pin
        except assets.AssetError as exc:
            raise AnchorError(str(exc)) from None
        partial = Path(tmp) / "src"
        _extract_llama_cpp(sdist, partial, f"llama_cpp_python-{assets.VERSION}/vendor/llama.cpp/")
        if not (partial / "CMakeLists.txt").is_file():
            raise AnchorError("the sdist has no vendor/llama.cpp/CMakeLists.txt")
        shutil.rmtree(source, ignore_errors=True)
        partial.rename(source)
    return source


def _niced(command: list[str]) -> list[str]:
    """``command`` at the lowest priority where ``nice`` exists (the machines are shared)."""
    return ["nice", "-n", "19", *command] if shutil.which("nice") else command


def ensure_binary() -> Path:
    """``llama-perplexity``, built once from the pinned llama.cpp; later calls build nothing."""
    binary = binary_path()
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    if shutil.which("cmake") is None:
        raise AnchorError("building llama-perplexity needs CMake and a C/C++ compiler")
    folder = tool_dir()
    source = _fetch_source(folder)
    build = folder / "build"
    configure = [
        "cmake",
        "-S",
        str(source),
        "-B",
        str(build),
        "-DCMAKE_BUILD_TYPE=Release",
        "-DLLAMA_CURL=OFF",
        "-DGGML_NATIVE=ON",
        "-DBUILD_SHARED_LIBS=OFF",
        "-DLLAMA_OPENSSL=OFF",
        "-DLLAMA_BUILD_TESTS=OFF",
        "-DLLAMA_BUILD_EXAMPLES=OFF",
        "-DLLAMA_BUILD_SERVER=OFF",
        "-DLLAMA_BUILD_APP=OFF",
        "-DLLAMA_BUILD_TOOLS=ON",
    ]
    compile_ = ["cmake", "--build", str(build), "--target", "llama-perplexity", "-j", "2"]
    log = folder / "build.log"
    print(f"building llama-perplexity (log: {log}) …", file=sys.stderr, flush=True)
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        for step in (configure, compile_):
            done = subprocess.run(
                _niced(step),
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=_BUILD_TIMEOUT_S,
                check=False,
            )
            if done.returncode != 0:
                what = " ".join(step[:2])
                raise AnchorError(f"{what} failed (exit {done.returncode}); see {log}")
    if not binary.is_file():
        raise AnchorError(f"the build finished but {binary} is missing; see {log}")
    print(f"  built in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return binary


def _seconds(match: re.Match[str]) -> float:
    minutes, seconds, millis, micros = (int(match.group(i)) for i in range(1, 5))
    return minutes * 60 + seconds + millis / 1e3 + micros / 1e6


def reference_speed(output: str, window: int = WINDOW) -> float | None:
    """Tokens per second ``llama-perplexity`` scored at, from its log's time stamps (from
    "calculating perplexity" to "Final estimate"); None when the log has no stamps."""
    start, end = _START.search(output), _END.search(output)
    if start is None or end is None:
        return None
    elapsed = _seconds(end) - _seconds(start)
    return int(start.group(5)) * window / elapsed if elapsed > 0 else None


def reference_perplexity(
    binary: Path, model: Path, text_file: Path, *, window: int = WINDOW, threads: int = THREADS
) -> tuple[float, float | None, str]:
    """``llama-perplexity``'s final estimate (PPL, its +/- error) and its whole output."""
    command = [
        str(binary),
        "-m",
        str(model),
        "-f",
        str(text_file),
        "-c",
        str(window),
        "-b",
        str(window),
        "-t",
        str(threads),
        "-tb",
        str(threads),
        "-ngl",
        "0",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=_RUN_TIMEOUT_S, check=False
    )
    output = done.stdout + done.stderr
    match = _FINAL.search(output)
    if done.returncode != 0 or match is None:
        tail = " | ".join(output.strip().splitlines()[-3:])
        raise AnchorError(
            f"llama-perplexity gave no final estimate (exit {done.returncode}): {tail}"
        )
    error = float(match.group(2)) if match.group(2) else None
    return float(match.group(1)), error, output


def anchor_text(folder: Path) -> tuple[Path, str]:
    """The benchmark's text, as Parley reads it, in one UTF-8 file both tools read.

    No trailing newline: ``llama-perplexity`` drops one from a ``-f`` file, and the two must
    tokenize the same characters.
    """
    from app.core.model_eval import read_document

    parts = [read_document(REPO / name).text.strip() for name in TEXT_FILES]
    text = "\n\n".join(parts)
    path = folder / "anchor.txt"
    path.write_text(text, encoding="utf-8", newline="\n")
    again = read_document(path).text
    if again != text:
        raise AnchorError("Parley does not read the anchor text back unchanged")
    return path, text


def _rows_for(
    binary: Path, model: Path, label: str, text_file: Path, text: str
) -> list[dict[str, Any]]:
    from app.core.backend import LoadOptions, ModelRef
    from app.core.model_eval import evaluate_model
    from app.engine.local import LocalBackend

    backend = LocalBackend()
    try:
        ours = evaluate_model(
            backend,
            ModelRef(path=model, model_id=label),
            LoadOptions(n_ctx=WINDOW, n_batch=WINDOW, n_threads=THREADS, gpu_layers=0),
            text,
            window=WINDOW,
            text_name=text_file.name,
            save=False,
        )
    finally:
        backend.close()
    theirs, error, output = reference_perplexity(binary, model, text_file)
    their_speed = reference_speed(output)
    ratio = ours.perplexity / theirs
    gap = abs(ratio - 1.0) * 100
    what = f"{ours.windows} windows of {WINDOW} tokens, {ours.scored_tokens} tokens scored"
    return [
        {
            "benchmark": f"{label}: perplexity, Parley vs llama-perplexity ({what})",
            "value": round(ours.perplexity, 4),
            "unit": "PPL",
            "baseline": round(theirs, 4),
            "ratio": round(ratio, 5),
            "within_1pct": "yes" if gap <= TOLERANCE * 100 else "NO",
            "llama_error": error,
            "bits_per_char": round(ours.bits_per_char, 4),
        },
        {
            "benchmark": f"{label}: perplexity gap to llama-perplexity",
            "value": round(gap, 3),
            "unit": "%",
            "target": f"< {TOLERANCE * 100:g}",
        },
        {
            "benchmark": f"{label}: scoring speed, Parley (engine process, every logit read "
            f"through Python) vs llama-perplexity, {THREADS} threads",
            "value": round(ours.tokens_per_s, 1),
            "unit": "tokens/s",
            "baseline": round(their_speed, 1) if their_speed else None,
            "ratio": round(ours.tokens_per_s / their_speed, 3) if their_speed else None,
        },
    ]


def run() -> list[dict[str, Any]]:
    from app.core.paths import starter_model_path

    binary = ensure_binary()
    models = [(starter_model_path(), "SmolLM2 135M")]
    from bench.engine import second_model

    qwen = second_model()
    if qwen is not None:
        models.append((qwen, "Qwen2.5 0.5B"))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="parley-ppl-") as tmp:
        text_file, text = anchor_text(Path(tmp))
        for path, label in models:
            rows += _rows_for(binary, path, label, text_file, text)
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
