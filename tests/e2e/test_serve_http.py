"""``parley serve`` against raw HTTP: hostile hosts, broken bodies, clients that leave.

Every test talks to the real ``parley serve`` process on a real port of 127.0.0.1 (with the
starter model), with httpx or a plain socket, so what is checked is what a client sees on the
wire; the server's stderr is checked for tracebacks after each test.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psutil
import pytest
from conftest import ParleyRunner
from test_serve import Served, serving

CONTEXT = 4096
MAX_BODY = 8 * 1024 * 1024
# Sampling that practically never stops early (near-uniform over the whole vocabulary), so a
# reply runs to max_tokens and its length in time is predictable.
ENDLESS = {"temperature": 2.0, "top_k": 0, "top_p": 1.0, "min_p": 0.0}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("serve-http"), "--context", str(CONTEXT)) as served:
        yield served


@pytest.fixture(autouse=True)
def no_traceback(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test during which the server wrote a traceback to its stderr."""
    served: Served | None = None
    if "server" in request.fixturenames:
        served = request.getfixturevalue("server")
    before = len(served.stderr()) if served else 0
    yield
    if served is not None:
        log = served.stderr()[before:]
        assert "Traceback" not in log, log[-3000:]


def _client(served: Served, host: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {served.key}"}
    if host is not None:
        headers["Host"] = host
    return httpx.Client(base_url=f"http://127.0.0.1:{served.port}", headers=headers, timeout=120)


def _chat(**extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 4, **extra}


def _assert_error(response: httpx.Response, status: int, code: str | None = None) -> str:
    """The response is an OpenAI-style error with ``status``; returns its message."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    error = response.json()["error"]
    assert error["type"] == ("invalid_request_error" if status < 500 else "server_error")
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return str(error["message"])


def _raw_request(port: int, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """Send ``head`` (request line and headers) and ``body`` on a socket; status and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        return _read_response(sock)


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while True:
        try:
            piece = sock.recv(65536)
        except ConnectionResetError:
            break
        if not piece:
            break
        data += piece
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            lengths = [
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ]
            if lengths and len(rest) >= lengths[0]:
                break
    assert data.startswith(b"HTTP/1.1 "), data[:200]
    return int(data.split(b" ", 2)[1]), data.partition(b"\r\n\r\n")[2]


# --------------------------------------------------------------------------- Host


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example",
        "localhost.evil.example:{port}",
    ],
)
def test_a_foreign_host_is_refused_before_the_key_is_checked(server: Served, host: str) -> None:
    host = host.format(port=server.port)
    with _client(server, host=host) as client:
        message = _assert_error(client.get("/v1/models"), 403, "host_not_allowed")
        assert "--allow-host" in message
        # The key is not even looked at: a wrong one gets the same answer, not a 401.
        _assert_error(client.get("/v1/models", headers={"Authorization": "Bearer wrong"}), 403)
        _assert_error(client.post("/v1/chat/completions", json=_chat()), 403)
        _assert_error(client.get("/no/such/path"), 403)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:{port}",
        "127.0.0.1",
        "localhost:{port}",
        "LocalHost",
        "localhost.",
        "[::1]:{port}",
        "[::1]",
        "localhost:1234",
    ],
)
def test_local_host_names_are_answered(server: Served, host: str) -> None:
    with _client(server, host=host.format(port=server.port)) as client:
        response = client.get("/v1/models")
    assert response.status_code == 200, response.text
    assert response.json()["data"][0]["id"]


def test_a_missing_or_malformed_host_is_a_400(server: Served) -> None:
    status, body = _raw_request(
        server.port, f"GET /v1/models HTTP/1.0\r\nAuthorization: Bearer {server.key}\r\n"
    )
    assert status == 400
    assert json.loads(body)["error"]["code"] == "invalid_host"
    for bad in ("localhost:port", "user@localhost", "::1", "[::1"):
        with _client(server, host=bad) as client:
            _assert_error(client.get("/v1/models"), 400, "invalid_host")


def _own_address() -> str | None:
    """A non-loopback IPv4 address of this computer, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only, nothing is sent
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_allow_host_and_an_explicit_address(tmp_path_factory: pytest.TempPathFactory) -> None:
    address = _own_address()
    options = ["--allow-host", "Parley.Test", "--allow-host", "proxy.internal."]
    if address is not None:
        key = "k-" + "x7" * 16
        options += ["--host", address, "--allow-network", "--api-key", key]
    with serving(tmp_path_factory.mktemp("serve-hosts"), *options) as served:
        target = address or "127.0.0.1"
        headers = {"Authorization": f"Bearer {served.key}"}

        def status(host: str) -> int:
            with httpx.Client(base_url=f"http://{target}:{served.port}", timeout=30) as client:
                return client.get("/v1/models", headers={**headers, "Host": host}).status_code

        assert status(f"parley.test:{served.port}") == 200
        assert status("PROXY.INTERNAL") == 200
        assert status("other.test") == 403
        if address is not None:
            assert status(f"{address}:{served.port}") == 200  # the address it listens on
            assert status("203.0.113.9") == 403  # another address
        assert "Traceback" not in served.stderr()


def test_an_invalid_allow_host_is_a_clear_error(parley: ParleyRunner) -> None:
    done = parley("serve", "--port", "0", "--allow-host", "bad host/x", timeout=60)
    assert done.returncode == 1
    assert "--allow-host bad host/x is not a host name" in done.stderr
    assert "Traceback" not in done.stderr


# --------------------------------------------------------------------------- key


@pytest.mark.parametrize(
    "template", ["bearer {key}", "BEARER {key}", "Bearer   {key}", "bEaReR \t {key}"]
)
def test_the_bearer_scheme_is_case_insensitive(server: Served, template: str) -> None:
    with _client(server) as client:
        response = client.get(
            "/v1/models", headers={"Authorization": template.format(key=server.key)}
        )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "template", ["Basic {key}", "Bearer {key}x", "Bearer{key}", "Bearer", "{key}", "Bearer a {key}"]
)
def test_other_authorizations_are_refused(server: Served, template: str) -> None:
    with _client(server) as client:
        response = client.get(
            "/v1/models", headers={"Authorization": template.format(key=server.key)}
        )
    _assert_error(response, 401, "invalid_api_key")


# --------------------------------------------------------------------------- clients that leave


def _long_reply(server: Served) -> tuple[int, float]:
    """A max_tokens whose reply would take the engine about 30 s, and that time."""
    with _client(server) as client:
        started = time.monotonic()
        reply = client.post("/v1/chat/completions", json=_chat(**ENDLESS, max_tokens=50))
        elapsed = time.monotonic() - started
    assert reply.status_code == 200, reply.text
    rate = float(reply.json()["usage"]["completion_tokens"]) / elapsed
    max_tokens = min(CONTEXT - 100, int(rate * 30))
    would_take = max_tokens / rate
    assert would_take > 8, f"the model is too fast ({rate:.0f} tokens/s) for this test"
    return max_tokens, would_take


def _timed_reply(server: Served) -> float:
    """Seconds until a short request is answered (at most 60)."""
    with _client(server) as client:
        started = time.monotonic()
        try:
            reply = client.post("/v1/chat/completions", json=_chat(temperature=0), timeout=60)
        except httpx.TimeoutException:
            return 60.0
        assert reply.status_code == 200, reply.text
        return time.monotonic() - started


def _abandon(server: Served, body: dict[str, Any], wait_for_data: bool) -> None:
    """Send ``body`` to /v1/chat/completions and close the socket without reading it all."""
    payload = json.dumps(body).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {server.key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        sock.sendall(head.encode() + payload)
        if wait_for_data:
            assert sock.recv(1024).startswith(b"HTTP/1.1 200")
        time.sleep(1.5)  # the reply is being generated
    finally:
        sock.close()


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streaming"])
def test_a_client_that_leaves_stops_its_generation(server: Served, stream: bool) -> None:
    max_tokens, would_take = _long_reply(server)
    _abandon(server, _chat(**ENDLESS, max_tokens=max_tokens, stream=stream), stream)
    waited = _timed_reply(server)
    # Before the fix a plain request left behind kept the engine for all of would_take.
    assert waited < min(5.0, would_take / 3), (waited, would_take)


def test_a_client_that_leaves_while_waiting_is_dropped(server: Served) -> None:
    """Two abandoned requests (one generating, one queued), then a third gets in promptly."""
    max_tokens, would_take = _long_reply(server)
    body = json.dumps(_chat(**ENDLESS, max_tokens=max_tokens)).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: Bearer {server.key}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    first = socket.create_connection(("127.0.0.1", server.port))
    second = socket.create_connection(("127.0.0.1", server.port))
    try:
        first.sendall(head + body)
        time.sleep(0.5)
        second.sendall(head + body)  # waits for the engine
        time.sleep(0.5)
    finally:
        first.close()
        second.close()
    waited = _timed_reply(server)
    assert waited < min(5.0, would_take / 3), (waited, would_take)


# --------------------------------------------------------------------------- body size


def test_a_declared_oversized_body_is_refused_before_it_is_read(server: Served) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            (
                f"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                f"Authorization: Bearer {server.key}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {400 * 2**20}\r\n\r\n"
            ).encode()
            + b'{"messages": ['
        )
        status, body = _read_response(sock)
    assert status == 413
    assert json.loads(body)["error"]["code"] == "request_too_large"


def test_a_streamed_oversized_body_is_cut_off_at_the_limit(server: Served) -> None:
    """A chunked body (no Content-Length) of 128 MiB: the server must stop reading it soon
    after the 8 MiB limit, answer 413, and never hold anything like the whole body."""
    process = psutil.Process(server.process.pid)
    baseline = process.memory_info().rss
    peak = [baseline]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    total = 128 * 2**20
    piece = b"a" * 2**20
    chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
    sent = 0
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(
                (
                    f"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    f"Authorization: Bearer {server.key}\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n"
                ).encode()
                + b'14\r\n{"messages": "aaaaa"\r\n'
            )
            while sent < total:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered
                try:
                    sock.sendall(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += len(piece)
            else:
                sock.sendall(b"0\r\n\r\n")
            status, body = _read_response(sock)
    finally:
        sampling.set()
        sampler.join()
    assert status == 413, body[:300]
    assert json.loads(body)["error"]["code"] == "request_too_large"
    assert sent < 48 * 2**20, f"the server read {sent / 2**20:.0f} MiB before refusing"
    grew = (peak[0] - baseline) / 2**20
    assert grew < 48, f"the server grew by {grew:.0f} MiB while refusing the body"


def test_a_body_at_the_limit_is_still_read(server: Served) -> None:
    filler = "x" * (MAX_BODY - 200)
    with _client(server) as client:
        response = client.post("/v1/chat/completions", json={"messages": [], "pad": filler})
    message = _assert_error(response, 400)
    assert "messages" in message  # read and parsed, refused only for what it says


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize("depth", [100, 5000, 200_000])
def test_deeply_nested_json_is_a_400(server: Served, depth: int) -> None:
    body = b'{"messages": ' + b"[" * depth + b"]" * depth + b"}"
    with _client(server) as client:
        response = client.post("/v1/chat/completions", content=body)
    message = _assert_error(response, 400)
    assert "deep" in message


def test_a_deeply_nested_schema_is_a_400(server: Served) -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(300):
        schema = {"type": "object", "properties": {"a": schema}}
    request = _chat(response_format={"type": "json_schema", "json_schema": {"schema": schema}})
    with _client(server) as client:
        message = _assert_error(client.post("/v1/chat/completions", json=request), 400)
    assert "deep" in message


def test_a_prompt_over_the_context_is_context_length_exceeded(server: Served) -> None:
    long_text = "hello there " * (CONTEXT * 2)
    with _client(server) as client:
        for path, body in (
            ("/v1/chat/completions", {"messages": [{"role": "user", "content": long_text}]}),
            (
                "/v1/chat/completions",
                {"messages": [{"role": "user", "content": long_text}], "stream": True},
            ),
            ("/v1/completions", {"prompt": long_text}),
        ):
            response = client.post(path, json=body)
            message = _assert_error(response, 400, "context_length_exceeded")
            assert str(CONTEXT) in message
        # The engine is still usable afterwards.
        assert client.post("/v1/chat/completions", json=_chat()).status_code == 200


@pytest.mark.parametrize(
    "content",
    ['"Hi \\ud800 there"', '"\\udfff"', '"x\\ud83d"', '[{"type": "text", "text": "\\ud800"}]'],
)
def test_a_lone_surrogate_is_replaced_and_answered(server: Served, content: str) -> None:
    body = f'{{"messages": [{{"role": "user", "content": {content}}}], "max_tokens": 4}}'
    with _client(server) as client:
        response = client.post("/v1/chat/completions", content=body.encode())
        assert response.status_code == 200, response.text
        assert response.json()["choices"][0]["message"]["role"] == "assistant"
        completion = client.post(
            "/v1/completions", content=b'{"prompt": "a\\ud800b", "max_tokens": 2}'
        )
        assert completion.status_code == 200, completion.text
        # A proper pair is a character and still works.
        pair = client.post(
            "/v1/chat/completions",
            content=b'{"messages": [{"role": "user", "content": "\\ud83d\\ude00"}], '
            b'"max_tokens": 2}',
        )
        assert pair.status_code == 200, pair.text


_BAD_CHAT: list[tuple[str, bytes | dict[str, Any]]] = [
    ("array body", b"[1, 2]"),
    ("string body", b'"hello"'),
    ("null body", b"null"),
    ("number body", b"42"),
    ("truncated JSON", b'{"messages": ['),
    ("not UTF-8", b'{"messages": "\xff\xfe"}'),
    ("empty body", b""),
    ("messages not a list", {"messages": "hi"}),
    ("no messages", {"messages": []}),
    ("message not an object", {"messages": ["hi"]}),
    ("no role", {"messages": [{"content": "hi"}]}),
    ("role a number", {"messages": [{"role": 5, "content": "hi"}]}),
    ("role a list", {"messages": [{"role": [[["x"]]], "content": "hi"}]}),
    ("tool role", {"messages": [{"role": "tool", "content": "hi"}]}),
    ("content a number", {"messages": [{"role": "user", "content": 5}]}),
    ("content null", {"messages": [{"role": "user", "content": None}]}),
    ("image part", {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}),
    (
        "text part not a string",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": {"a": 1}}]}]},
    ),
    ("negative max_tokens", _chat(max_tokens=-1)),
    ("zero max_tokens", _chat(max_tokens=0)),
    ("fractional max_tokens", _chat(max_tokens=1.5)),
    ("string max_tokens", _chat(max_tokens="10")),
    ("huge max_tokens", _chat(max_tokens=10**12)),
    ("boolean max_tokens", _chat(max_tokens=True)),
    (
        "infinite max_tokens",
        b'{"messages": [{"role": "user", "content": "x"}], "max_tokens": 1e400}',
    ),
    ("NaN temperature", b'{"messages": [{"role": "user", "content": "x"}], "temperature": NaN}'),
    ("negative temperature", _chat(temperature=-1)),
    ("hot temperature", _chat(temperature=3)),
    ("string temperature", _chat(temperature="hot")),
    ("top_p over 1", _chat(top_p=2)),
    ("negative top_k", _chat(top_k=-1)),
    ("string seed", _chat(seed="x")),
    ("fractional seed", _chat(seed=1.5)),
    ("n of 2", _chat(n=2)),
    ("n of 0", _chat(n=0)),
    ("string n", _chat(n="1")),
    ("string stream", _chat(stream="yes")),
    ("numeric stream", _chat(stream=1)),
    ("string stream_options", _chat(stream=True, stream_options="x")),
    ("string include_usage", _chat(stream=True, stream_options={"include_usage": "yes"})),
    ("numeric stop", _chat(stop=5)),
    ("stop list of numbers", _chat(stop=[1])),
    ("too many stops", _chat(stop=[str(i) for i in range(40)])),
    ("string response_format", _chat(response_format="json")),
    ("unknown response_format", _chat(response_format={"type": "xml"})),
    ("json_schema without schema", _chat(response_format={"type": "json_schema"})),
    (
        "schema not an object",
        _chat(response_format={"type": "json_schema", "json_schema": {"schema": 5}}),
    ),
    ("json_object schema a string", _chat(response_format={"type": "json_object", "schema": "x"})),
    ("string logprobs", _chat(logprobs="yes")),
    ("too many top_logprobs", _chat(logprobs=True, top_logprobs=50)),
    ("too many logprobs", _chat(logprobs=99)),
    ("numeric model", _chat(model=5)),
]


@pytest.mark.parametrize("body", [b for _, b in _BAD_CHAT], ids=[name for name, _ in _BAD_CHAT])
def test_a_malformed_chat_request_is_a_400(server: Served, body: bytes | dict[str, Any]) -> None:
    with _client(server) as client:
        if isinstance(body, bytes):
            response = client.post("/v1/chat/completions", content=body)
        else:
            response = client.post("/v1/chat/completions", json=body)
    _assert_error(response, 400)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"prompt": 5},
        {"prompt": ""},
        {"prompt": [1, 2]},
        {"prompt": ["a", "b"]},
        {"prompt": "x", "max_tokens": -5},
        {"prompt": "x", "logprobs": 50},
        {"prompt": "x", "n": 3},
    ],
)
def test_a_malformed_completion_request_is_a_400(server: Served, body: dict[str, Any]) -> None:
    with _client(server) as client:
        _assert_error(client.post("/v1/completions", json=body), 400)


def test_a_schema_the_engine_cannot_use_is_a_400(server: Served) -> None:
    request = _chat(
        response_format={"type": "json_schema", "json_schema": {"schema": {"type": "frobnicate"}}}
    )
    with _client(server) as client:
        for stream in (False, True):
            response = client.post("/v1/chat/completions", json={**request, "stream": stream})
            _assert_error(response, 400)


def test_an_unknown_model_name_is_served_by_the_local_model(server: Served) -> None:
    """Like llama-server, any model name is accepted: the server has one model, and many
    clients send a fixed name."""
    with _client(server) as client:
        response = client.post("/v1/chat/completions", json=_chat(model="gpt-4o"))
    assert response.status_code == 200
    assert response.json()["model"] != "gpt-4o"


def test_unknown_paths_and_methods_get_json_errors(server: Served) -> None:
    with _client(server) as client:
        _assert_error(client.get("/v1/chat/completions"), 405, "method_not_allowed")
        _assert_error(client.get("/v1/nothing"), 404, "not_found")
        _assert_error(client.post("/v1/models"), 405)


def test_the_server_still_answers_after_all_that(server: Served) -> None:
    with _client(server) as client:
        response = client.post("/v1/chat/completions", json=_chat(temperature=0))
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"]
