"""Remote backend benchmark: what OpenAICompatBackend costs over calling the server directly.

The same llama-cpp-python server (starter model, on 127.0.0.1) is streamed from twice per
round: once through :class:`~app.engine.openai_compat.OpenAICompatBackend` (events, parsing,
cancel plumbing), once with raw httpx and a minimal SSE loop. Both are timed from the
consumer's side: time to first token, and tokens per second between the first and the last
token. Rounds alternate and the best of each path counts (shared, noisy machines lower a
round, never raise one). Target: the backend keeps >= 95 % of the direct figures.

Run alone with ``python -m bench.remote``; ``run()`` returns rows for ``python -m bench``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.core.backend import LoadOptions, ModelRef, SamplingParams, Token
from app.core.paths import starter_model_path
from app.engine.openai_compat import OpenAICompatBackend

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from llama_server import start_llama_server

THREADS = os.environ.get("PARLEY_BENCH_THREADS", "2")
MAX_TOKENS = 120
ROUNDS = 5
MESSAGES = [
    {
        "role": "user",
        "content": "Write a long, detailed story about a lighthouse keeper who finds a message "
        "in a bottle.",
    }
]


def _direct(client: httpx.Client, url: str) -> tuple[float, float, int]:
    """Raw httpx on a kept-alive connection, as the backend has: (ttft s, tokens/s, tokens)."""
    body = {"messages": MESSAGES, "max_tokens": MAX_TOKENS, "temperature": 0.0, "stream": True}
    sent = time.perf_counter()
    first = last = 0.0
    count = 0
    with client.stream("POST", f"{url}/v1/chat/completions", json=body) as response:
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            delta = json.loads(line[6:])["choices"][0].get("delta", {})
            if delta.get("content"):
                now = time.perf_counter()
                first = first or now
                last = now
                count += 1
    rate = (count - 1) / (last - first) if count > 1 and last > first else 0.0
    return first - sent, rate, count


def _backend(backend: OpenAICompatBackend) -> tuple[float, float, int]:
    params = SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS)
    sent = time.perf_counter()
    first = last = 0.0
    count = 0
    for event in backend.stream(MESSAGES, params):  # type: ignore[arg-type]
        if isinstance(event, Token):
            now = time.perf_counter()
            first = first or now
            last = now
            count += 1
    rate = (count - 1) / (last - first) if count > 1 and last > first else 0.0
    return first - sent, rate, count


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as logs:
        server = start_llama_server(
            starter_model_path(),
            Path(logs),
            n_ctx=2048,
            extra_args=("--n_threads", THREADS, "--n_threads_batch", THREADS),
        )
        backend = OpenAICompatBackend(server.url)
        client = httpx.Client(timeout=120)
        try:
            backend.load(ModelRef(path=Path()), LoadOptions())
            _direct(client, server.url)  # warm-up: the first prompt fills the server's cache
            _backend(backend)
            direct, ours = [], []
            for _ in range(ROUNDS):
                direct.append(_direct(client, server.url))
                ours.append(_backend(backend))
        finally:
            client.close()
            backend.close()
            server.stop()
    best_direct_rate = max(r for _, r, _ in direct)
    best_rate = max(r for _, r, _ in ours)
    best_direct_ttft = min(t for t, _, _ in direct)
    best_ttft = min(t for t, _, _ in ours)
    return [
        {
            "benchmark": f"decode speed through OpenAICompatBackend vs raw httpx "
            f"(llama-cpp-python server, {ours[0][2]} tokens)",
            "value": round(best_rate, 1),
            "unit": "tokens/s",
            "baseline": round(best_direct_rate, 1),
            "ratio": round(best_rate / best_direct_rate, 3) if best_direct_rate else None,
            "target": 0.95,
        },
        {
            "benchmark": "time to first token through OpenAICompatBackend vs raw httpx "
            "(ratio = direct / backend)",
            "value": round(best_ttft * 1000, 1),
            "unit": "ms",
            "baseline": round(best_direct_ttft * 1000, 1),
            "ratio": round(best_direct_ttft / best_ttft, 3) if best_ttft else None,
            "target": 0.95,
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
