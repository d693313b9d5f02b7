"""``parley serve --parallel N``: several streamed replies at once, a queue beyond N slots,
clients that leave freeing their slot, and ``/health`` as llama-server has it.

A real ``parley serve`` with the starter model on 127.0.0.1 (the ``serving`` fixture of
test_serve.py), spoken to over HTTP as any client would.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from test_serve import Served, serving

SLOTS = 2
QUESTION = "Name three colours, one per line."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(
        tmp_path_factory.mktemp("serve-parallel-home"), "--parallel", str(SLOTS)
    ) as served:
        yield served


def _headers(served: Served) -> dict[str, str]:
    return {"Authorization": f"Bearer {served.key}"}


def _body(max_tokens: int = 24, **extra: Any) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": QUESTION}],
        "temperature": 0,
        "max_tokens": max_tokens,
        **extra,
    }


def _stream(served: Served, body: dict[str, Any]) -> tuple[str, str, float, float]:
    """A streamed reply: its text, finish reason, seconds to the first content and in all."""
    started = time.monotonic()
    first = 0.0
    parts: list[str] = []
    reason = ""
    url = served.url + "/chat/completions"
    with (
        httpx.Client(timeout=120) as client,
        client.stream("POST", url, json={**body, "stream": True}, headers=_headers(served)) as r,
    ):
        assert r.status_code == 200, r.read()
        for line in r.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line.removeprefix("data: "))
            assert "error" not in chunk, chunk
            choice = chunk["choices"][0]
            text = choice["delta"].get("content")
            if text:
                first = first or time.monotonic() - started
                parts.append(text)
            reason = choice.get("finish_reason") or reason
    return "".join(parts), reason, first, time.monotonic() - started


def _health(served: Served) -> tuple[int, dict[str, Any]]:
    response = httpx.get(served.url.removesuffix("/v1") + "/health", timeout=10)
    return response.status_code, response.json()


def _together(served: Served, bodies: list[dict[str, Any]]) -> list[tuple[str, str, float, float]]:
    results: list[Any] = [None] * len(bodies)

    def run(i: int) -> None:
        results[i] = _stream(served, bodies[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert all(r is not None for r in results), results
    return results


def test_health_when_ready_shows_the_slots(server: Served) -> None:
    status, body = _health(server)
    assert status == 200
    assert body == {
        "status": "ok",
        "slots_idle": SLOTS,
        "slots_processing": 0,
        "requests_waiting": 0,
    }


def test_two_streams_at_once_agree_with_one_at_a_time(server: Served) -> None:
    alone = _stream(server, _body())
    other = _body(messages=[{"role": "user", "content": "Say hello in French."}])
    alone_other = _stream(server, other)
    both = _together(server, [_body(), other])
    for (text, reason, _first, _total), (single, single_reason, _f, _t) in zip(
        both, [alone, alone_other], strict=True
    ):
        assert text.strip(), both
        assert reason in {"stop", "length"}
        # Greedy replies generated together may part from their one-at-a-time twins after a
        # near tie (another evaluation order); they start the same.
        assert text[:8] == single[:8], (text, single)
        assert reason == single_reason or text != single


def test_more_requests_than_slots_wait_and_complete(server: Served) -> None:
    bodies = [_body(max_tokens=32) for _ in range(SLOTS + 1)]
    seen: list[dict[str, Any]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(_health(server)[1])
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        results = _together(server, bodies)
    finally:
        done.set()
        watcher.join()
    assert all(text.strip() for text, *_ in results), results
    assert max(h["slots_processing"] for h in seen) == SLOTS, seen
    assert max(h["requests_waiting"] for h in seen) >= 1, seen
    # The one that waited started last: after a reply's worth of time.
    firsts = sorted(first for _text, _reason, first, _total in results)
    assert firsts[-1] > firsts[0]
    assert _health(server)[1]["slots_processing"] == 0


def _leave_mid_stream(served: Served) -> None:
    """A streamed request for a long reply, closed after its first content arrives."""
    payload = json.dumps(_body(max_tokens=3000, stream=True, temperature=1.5)).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
        f"Authorization: Bearer {served.key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=60)
    try:
        sock.sendall(head.encode() + payload)
        received = b""
        while b'"content"' not in received:
            data = sock.recv(4096)
            assert data, received
            received += data
    finally:
        sock.close()


def test_a_client_that_leaves_mid_stream_frees_its_slot(server: Served) -> None:
    # Fill every slot with clients that leave, then one more request must start at once.
    leavers = [threading.Thread(target=_leave_mid_stream, args=(server,)) for _ in range(SLOTS)]
    for thread in leavers:
        thread.start()
    for thread in leavers:
        thread.join(60)
    _text, _reason, first, _total = _stream(server, _body(max_tokens=8))
    assert first < 5.0, first
    deadline = time.monotonic() + 5
    while _health(server)[1]["slots_processing"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _health(server)[1]["slots_processing"] == 0


def test_a_failing_request_does_not_end_the_others(server: Served) -> None:
    long_text = "hello there " * 9000
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(_stream(server, _body(max_tokens=40))))
    thread.start()
    time.sleep(0.3)
    refused = httpx.post(
        server.url + "/chat/completions",
        json={"messages": [{"role": "user", "content": long_text}], "stream": True},
        headers=_headers(server),
        timeout=60,
    )
    thread.join(120)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "context_length_exceeded"
    assert results and results[0][0].strip(), results


def test_plain_and_logprobs_requests_work_beside_streams(server: Served) -> None:
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(_stream(server, _body())))
    thread.start()
    plain = httpx.post(
        server.url + "/chat/completions", json=_body(), headers=_headers(server), timeout=120
    )
    with_logprobs = httpx.post(
        server.url + "/chat/completions",
        json=_body(max_tokens=4, logprobs=True, top_logprobs=2),
        headers=_headers(server),
        timeout=120,
    )
    thread.join(120)
    assert plain.status_code == 200, plain.text
    assert plain.json()["choices"][0]["message"]["content"].strip()
    assert with_logprobs.status_code == 200, with_logprobs.text
    assert with_logprobs.json()["choices"][0]["logprobs"]["content"]
    assert results and results[0][0].strip()


def test_health_says_loading_until_the_model_is_ready(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """While loading: 503 {"status": "loading"}; the API itself answers 503 too."""
    import os
    import subprocess

    from tests.e2e.conftest import parley_executable

    home = tmp_path_factory.mktemp("serve-loading-home")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PARLEY_HOME=str(home))
    process = subprocess.Popen(
        [parley_executable(), "serve", "--port", str(port), "--threads", "1", "--api-key",
         "k" * 12, "--parallel", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    try:
        seen: set[int] = set()
        loading: dict[str, Any] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
            except httpx.TransportError:
                time.sleep(0.01)
                continue
            seen.add(response.status_code)
            if response.status_code == 503:
                loading = response.json()
                api = httpx.get(
                    f"http://127.0.0.1:{port}/v1/models",
                    headers={"Authorization": "Bearer " + "k" * 12},
                    timeout=5,
                )
                assert api.status_code in {503, 200}
            if response.status_code == 200:
                assert response.json()["status"] == "ok"
                break
        assert 200 in seen, seen
        assert loading == {"status": "loading"}, seen
    finally:
        process.terminate()
        process.wait(30)
