"""``parley serve`` throughput: several streaming clients at once against one (issue 14).

Why: the server's slots generate the replies of concurrent requests together, one sequence
each in one llama.cpp context, so 4 clients should get far more than 1 client's tokens/s in
aggregate. The row: aggregate tokens/s of ``CLIENTS`` concurrent streaming clients ÷ one
client's (target >= 1.6), and the same ratio for llama.cpp's own ``llama-server -np 4`` on
the same model in the same run, which Parley should at least match. 1, 2 and 4 clients are
all measured, which is how ``parley serve``'s default ``--parallel`` was chosen.

Each client sends ``ROUNDS`` streamed greedy requests one after another (each its own
prompt, ``MAX_TOKENS`` tokens at most) and counts the completion tokens the server reports
(``stream_options.include_usage``); aggregate tokens/s is all clients' tokens over the wall
time from the first request to the last reply. A warm-up request comes first, untimed.

``llama-server`` is built from the llama.cpp the pinned llama-cpp-python sdist vendors, the
way :mod:`bench.perplexity` builds ``llama-perplexity`` (the same extracted source, a build
of its own with the server on), once, into ``$PARLEY_TEST_CACHE/llama-server-<pin>/``.
``PARLEY_BENCH_SERVE_SMOKE=1`` makes a quick run (short replies, one round, no
llama-server unless it is built already); ``PARLEY_BENCH_SERVE_REFERENCE=0`` skips it.

Run alone with ``python -m bench.serve``; ``run()`` returns rows for ``python -m bench``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench import perplexity

SMOKE = os.environ.get("PARLEY_BENCH_SERVE_SMOKE", "") not in {"", "0"}
REFERENCE = os.environ.get("PARLEY_BENCH_SERVE_REFERENCE", "1") != "0"
THREADS = int(os.environ.get("PARLEY_BENCH_THREADS", "2"))
CLIENTS = 4
COUNTS = (1, 2, 4)
CONTEXT = 2048
MAX_TOKENS = 32 if SMOKE else 128
ROUNDS = 1 if SMOKE else 3
TARGET = 1.6
BATCH_CALLS = 8  # a summary's map step of 8 parts, through the remote backend
TOPICS = ("the sea", "a mountain", "a city at night", "a forest", "a desert", "the moon")
_START_TIMEOUT_S = 300


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stream(url: str, key: str, prompt: str) -> int:
    """One streamed greedy reply; the completion tokens the server counted."""
    body = {
        "model": "any",
        "messages": [{"role": "user", "content": prompt}],
        "temperature": 0,
        "max_tokens": MAX_TOKENS,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    tokens = 0
    headers = {"Authorization": f"Bearer {key}"}
    with (
        httpx.Client(timeout=600) as client,
        client.stream("POST", url + "/chat/completions", json=body, headers=headers) as reply,
    ):
        reply.raise_for_status()
        for line in reply.iter_lines():
            if line.startswith("data: {"):
                usage = json.loads(line[6:]).get("usage")
                if usage:
                    tokens = int(usage["completion_tokens"])
    return tokens


def aggregate(url: str, key: str, clients: int) -> float:
    """Tokens/s of ``clients`` concurrent clients, ``ROUNDS`` streamed requests each."""
    counts = [0] * clients

    def client(i: int) -> None:
        for r in range(ROUNDS):
            topic = TOPICS[(i + r * clients) % len(TOPICS)]
            counts[i] += _stream(url, key, f"Write a long, detailed story about {topic}.")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def rates(url: str, key: str) -> dict[int, float]:
    """Aggregate tokens/s for each number of clients in COUNTS, after a warm-up."""
    _stream(url, key, "Say hello.")
    return {n: aggregate(url, key, n) for n in COUNTS}


def _wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(base + "/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


@contextmanager
def _running(command: list[str], base: str) -> Iterator[None]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(base, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def remote_batch(url: str, key: str) -> tuple[float, float, int]:
    """A batch job's calls through the app's remote backend (:class:`OpenAICompatBackend`):
    wall seconds one after another, then sent together (``stream_many``, as many at once as
    the server has slots), and the slots the backend found."""
    from app.core.backend import GenerationRequest, LoadOptions, ModelRef, SamplingParams
    from app.engine.openai_compat import OpenAICompatBackend

    params = SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS, seed=1)
    requests = [
        GenerationRequest(
            ({"role": "user", "content": f"Write a long, detailed story about {topic}."},), params
        )
        for topic in (TOPICS * 2)[:BATCH_CALLS]
    ]
    backend = OpenAICompatBackend(url, api_key=key)
    try:
        backend.load(ModelRef(path=Path()), LoadOptions(n_ctx=CONTEXT))
        started = time.perf_counter()
        for request in requests:
            for _event in backend.stream(request.messages, request.params):
                pass
        alone = time.perf_counter() - started
        started = time.perf_counter()
        for _pair in backend.stream_many(requests):
            pass
        return alone, time.perf_counter() - started, backend.parallel_slots
    finally:
        backend.close()


def parley_rates(model: Path) -> tuple[dict[int, float], tuple[float, float, int]]:
    """Aggregate tokens/s by client count, and :func:`remote_batch` on the same server."""
    port, key = _free_port(), "bench-serve-key"
    parley = Path(sys.executable).with_name("parley")
    command = [str(parley), "serve", "--port", str(port), "--api-key", key, "--model",
               str(model), "--threads", str(THREADS), "--context", str(CONTEXT),
               "--parallel", str(CLIENTS)]  # fmt: skip
    with _running(command, f"http://127.0.0.1:{port}"):
        url = f"http://127.0.0.1:{port}/v1"
        return rates(url, key), remote_batch(url, key)


# -- llama.cpp's own server, for reference ----------------------------------------------------


def server_dir() -> Path:
    """Where llama-server's build lives (beside llama-perplexity's, sharing its source)."""
    folder = perplexity.tool_dir()
    return folder.with_name(folder.name.replace("perplexity", "server"))


def server_binary() -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    return server_dir() / "build" / "bin" / f"llama-server{suffix}"


def ensure_server() -> Path:
    """``llama-server``, built once from the pinned llama.cpp; later calls build nothing."""
    binary = server_binary()
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    if shutil.which("cmake") is None:
        raise perplexity.AnchorError("building llama-server needs CMake and a C/C++ compiler")
    source = perplexity._fetch_source(perplexity.tool_dir())
    build = server_dir() / "build"
    build.mkdir(parents=True, exist_ok=True)
    configure = ["cmake", "-S", str(source), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                 "-DLLAMA_CURL=OFF", "-DGGML_NATIVE=ON", "-DBUILD_SHARED_LIBS=OFF",
                 "-DLLAMA_OPENSSL=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
                 "-DLLAMA_BUILD_SERVER=ON", "-DLLAMA_BUILD_TOOLS=ON"]  # fmt: skip
    compile_ = ["cmake", "--build", str(build), "--target", "llama-server", "-j", "2"]
    log = server_dir() / "build.log"
    print(f"building llama-server (log: {log}) …", file=sys.stderr, flush=True)
    with log.open("w", encoding="utf-8") as out:
        for step in (configure, compile_):
            done = subprocess.run(perplexity._niced(step), stdout=out, stderr=subprocess.STDOUT,
                                  check=False)  # fmt: skip
            if done.returncode != 0:
                raise perplexity.AnchorError(f"{' '.join(step[:2])} failed; see {log}")
    if not binary.is_file():
        raise perplexity.AnchorError(f"the build finished but {binary} is missing; see {log}")
    return binary


def reference_rates(model: Path) -> dict[int, float]:
    """The same clients against ``llama-server -np CLIENTS`` (each slot a CONTEXT)."""
    binary = server_binary() if SMOKE else ensure_server()
    if not binary.is_file():
        raise perplexity.AnchorError("llama-server is not built (a smoke run builds nothing)")
    port = _free_port()
    command = [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(port),
               "-np", str(CLIENTS), "-c", str(CONTEXT * CLIENTS), "-t", str(THREADS),
               "--api-key", "bench-serve-key"]  # fmt: skip
    with _running(command, f"http://127.0.0.1:{port}"):
        return rates(f"http://127.0.0.1:{port}/v1", "bench-serve-key")


def _ratio(figures: dict[int, float]) -> float:
    return round(figures[CLIENTS] / figures[1], 3) if figures.get(1) else 0.0


def run() -> list[dict[str, Any]]:
    from app.core.paths import starter_model_path

    model = starter_model_path()
    ours, (alone, together, slots) = parley_rates(model)
    row: dict[str, Any] = {
        "benchmark": f"parley serve: {CLIENTS} streaming clients vs 1, aggregate tokens/s",
        "value": round(ours[CLIENTS], 1),
        "unit": "tokens/s",
        "baseline": round(ours[1], 1),
        "ratio": _ratio(ours),
        "target": TARGET,
        "model": "starter",
        "by_clients": {str(n): round(v, 1) for n, v in ours.items()},
        "max_tokens": MAX_TOKENS,
        "threads": THREADS,
        "smoke": SMOKE,
    }
    if REFERENCE:
        try:
            theirs = reference_rates(model)
        except (perplexity.AnchorError, RuntimeError) as exc:
            row["reference"] = f"not run: {exc}"
        else:
            row["reference_by_clients"] = {str(n): round(v, 1) for n, v in theirs.items()}
            row["reference_ratio"] = _ratio(theirs)
            row["beats_reference"] = row["ratio"] >= row["reference_ratio"]
    batch = {
        "benchmark": f"remote backend: {BATCH_CALLS} calls sent together vs one after another "
        f"(parley serve --parallel {CLIENTS}), wall time",
        "value": round(together, 2),
        "unit": "s",
        "baseline": round(alone, 2),
        "ratio": round(together / alone, 3) if alone else 0.0,
        "target": None,
        "model": "starter",
        "slots_found": slots,
        "max_tokens": MAX_TOKENS,
        "threads": THREADS,
        "smoke": SMOKE,
    }
    return [row, batch]


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
    sys.exit(0)
