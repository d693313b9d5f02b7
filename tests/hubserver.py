"""A fake Hugging Face hub on 127.0.0.1, real enough for huggingface_hub 2.x and our downloader.

Two HTTP servers, like the real hub and its CDN, so the client sees a cross-origin redirect:

* the hub answers ``HEAD/GET /{repo}/resolve/{revision}/{file}`` with a 302 to the CDN and the
  headers huggingface_hub reads (``X-Repo-Commit``, ``X-Linked-Size``, ``X-Linked-Etag`` =
  the LFS sha256, ``ETag``), ``POST /api/models/{repo}/paths-info/{revision}`` with the LFS
  metadata, and 404s with the hub's ``X-Error-Code`` for unknown repos, files and revisions;
* the CDN serves the bytes with ``Accept-Ranges``/``Content-Length`` and ``206 Partial
  Content`` for ``Range`` requests.

Files are served from their place on disk (the 98 MB starter model is not copied). Faults are
switched on per test: drop the connection part-way, serve wrong bytes, answer slowly, answer
with a server error, or misbehave without one: a web page or a JSON message instead of the
file, a listed size that is not the size served, a body without a length. Every request is
recorded so tests can assert what the client asked for (for instance the ``Range`` of a
resumed download, or that nothing else was asked).

The servers stop with the fixture; handler threads are daemons that give up as soon as the
hub stops, so a slow-mode test never leaves a thread behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

COMMIT = "0123456789abcdef0123456789abcdef01234567"
# Where the tests publish the starter model's bytes under another name.
REPO = "test-org/Tiny-GGUF"
FILE = "tiny-chat.Q4_1.gguf"
ROOT = Path(__file__).resolve().parents[1]
SEND_CHUNK = 64 * 1024

_sha_cache: dict[tuple[Path, int, int], str] = {}


def sha256_of(path: Path) -> str:
    """The file's SHA-256, computed once per (path, size, mtime) for the whole test session."""
    info = path.stat()
    key = (path.resolve(), info.st_size, info.st_mtime_ns)
    if key not in _sha_cache:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        _sha_cache[key] = digest.hexdigest()
    return _sha_cache[key]


@dataclass(frozen=True)
class HubFile:
    repo: str
    name: str
    path: Path
    sha256: str
    size: int

    @property
    def blob_oid(self) -> str:
        return hashlib.sha1(self.sha256.encode()).hexdigest()


@dataclass(frozen=True)
class Seen:
    """One request the fake hub received."""

    server: str  # "hub" or "cdn"
    method: str
    path: str
    range: str | None
    user_agent: str


@dataclass
class Faults:
    """What goes wrong, and how often (counts go down as faults are served)."""

    drop_after: int | None = None  # close the connection after this many body bytes
    drops: int = 0  # how many GETs to drop (0 = none)
    corrupt: bool = False  # flip one byte of every body
    delay_s: float = 0.0  # sleep before each chunk of the body
    server_errors: int = 0  # answer this many file GETs with 503
    ignore_range: bool = False  # answer 200 with the whole file even when a Range is asked
    # Hubs that misbehave without an error status (as seen in the wild: a login or error page
    # behind a proxy, a listing that disagrees with the bytes). None of them counts down.
    html_page: bool = False  # answer file GETs with 200 and a web page (text/html)
    json_message: bool = False  # answer file GETs with 200 and a JSON error (application/json)
    size_surplus: int = 0  # the hub lists the file as this many bytes bigger than it serves
    no_length: bool = False  # send file bodies without Content-Length (ended by closing)
    range_cap: int = 0  # answer a Range with at most this many bytes (as some CDNs do)


@dataclass
class FakeHub:
    """Start with :meth:`start` (or ``with FakeHub() as hub``); stop with :meth:`stop`."""

    files: dict[tuple[str, str], HubFile] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    seen: list[Seen] = field(default_factory=list)
    commit: str = COMMIT

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()

    # -- set-up ------------------------------------------------------------------------------

    def add_file(self, repo: str, name: str, path: Path) -> HubFile:
        entry = HubFile(repo, name, path, sha256_of(path), path.stat().st_size)
        self.files[(repo, name)] = entry
        return entry

    def start(self) -> FakeHub:
        for role in ("hub", "cdn"):
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self, role))
            server.daemon_threads = True
            server.block_on_close = False
            self._servers.append(server)
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"fake-{role}"
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        with self._lock:
            open_connections = list(self._connections)
        for connection in open_connections:  # idle keep-alive connections hold a thread each
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._servers[0].server_address[1]}"

    @property
    def cdn(self) -> str:
        return f"http://127.0.0.1:{self._servers[1].server_address[1]}"

    # -- what happened ---------------------------------------------------------------------

    def opened(self, connection: socket.socket, is_open: bool) -> None:
        with self._lock:
            if is_open:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def file_gets(self) -> list[Seen]:
        """The GETs of file bytes (at the CDN), in order."""
        with self._lock:
            return [s for s in self.seen if s.server == "cdn" and s.method == "GET"]

    def paths(self) -> list[str]:
        with self._lock:
            return [f"{s.method} {s.path}" for s in self.seen]

    def by_sha(self, sha: str) -> HubFile | None:
        return next((f for f in self.files.values() if f.sha256 == sha), None)

    def take_fault(self, name: str) -> bool:
        """Use up one occurrence of a counted fault; True if it applies to this request."""
        with self._lock:
            left = getattr(self.faults, name)
            if left > 0:
                setattr(self.faults, name, left - 1)
                return True
            return False

    def pause(self, seconds: float) -> bool:
        """Sleep unless the hub is stopping; True if the caller should carry on."""
        return not self._stopping.wait(seconds)


HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in to continue</title></head>"
    b"<body><h1>Sign in</h1><p>Your session has expired.</p></body></html>\n"
)
JSON_MESSAGE = b'{"error": "Access to this file is restricted for now."}\n'

_RESOLVE = re.compile(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")
_PATHS_INFO = re.compile(r"^/api/models/([^/]+/[^/]+)/paths-info/([^/]+)$")
_CDN = re.compile(r"^/cdn/([0-9a-f]{64})$")


def _handler_for(hub: FakeHub, role: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30  # a client that stops reading cannot hold a thread for longer

        def setup(self) -> None:
            super().setup()
            hub.opened(self.connection, True)

        def finish(self) -> None:
            hub.opened(self.connection, False)
            super().finish()

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: the tests read hub.seen instead

        def _record(self) -> None:
            hub.record(
                Seen(
                    server=role,
                    method=self.command,
                    path=unquote(self.path.split("?", 1)[0]),
                    range=self.headers.get("Range"),
                    user_agent=self.headers.get("User-Agent", ""),
                )
            )

        def _send(
            self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and body:
                self.wfile.write(body)

        def _not_found(self, code: str, message: str) -> None:
            body = json.dumps({"error": message}).encode()
            self._send(
                404,
                body,
                {
                    "X-Error-Code": code,
                    "X-Error-Message": message,
                    "Content-Type": "application/json",
                },
            )

        def do_HEAD(self) -> None:
            self._dispatch()

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def _dispatch(self) -> None:
            self._record()
            path = unquote(self.path.split("?", 1)[0])
            try:
                if role == "hub":
                    self._hub(path)
                else:
                    self._cdn(path)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        # -- the hub -----------------------------------------------------------------------

        def _lookup(self, repo: str, revision: str, name: str) -> HubFile | None:
            if not any(r == repo for r, _ in hub.files):
                self._not_found("RepoNotFound", f"Repository {repo} not found")
                return None
            if revision not in ("main", hub.commit):
                self._not_found("RevisionNotFound", f"Invalid rev id: {revision}")
                return None
            found = hub.files.get((repo, name))
            if found is None:
                self._not_found("EntryNotFound", f"{name} does not exist on {revision}")
            return found

        def _hub(self, path: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            match = _RESOLVE.match(path)
            if match and self.command in ("HEAD", "GET"):
                repo, revision, name = match.groups()
                found = self._lookup(repo, revision, name)
                if found is None:
                    return
                self._send(
                    302,
                    headers={
                        "Location": f"{hub.cdn}/cdn/{found.sha256}",
                        "X-Repo-Commit": hub.commit,
                        "X-Linked-Size": str(found.size + hub.faults.size_surplus),
                        "X-Linked-Etag": f'"{found.sha256}"',
                        "ETag": f'"{found.blob_oid}"',
                    },
                )
                return
            match = _PATHS_INFO.match(path)
            if match and self.command == "POST":
                repo, revision = match.groups()
                if not any(r == repo for r, _ in hub.files):
                    self._not_found("RepoNotFound", f"Repository {repo} not found")
                    return
                if revision not in ("main", hub.commit):
                    self._not_found("RevisionNotFound", f"Invalid rev id: {revision}")
                    return
                form = parse_qs(body.decode("utf-8"))
                answer = []
                for name in form.get("paths", []):
                    found = hub.files.get((repo, name))
                    if found is None:
                        continue
                    listed = found.size + hub.faults.size_surplus
                    answer.append(
                        {
                            "type": "file",
                            "path": name,
                            "size": listed,
                            "oid": found.blob_oid,
                            "lfs": {"oid": found.sha256, "size": listed, "pointerSize": 134},
                        }
                    )
                self._send(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})
                return
            self._not_found("NotFound", f"{self.command} {path} is not served by the fake hub")

        # -- the CDN -----------------------------------------------------------------------

        def _cdn(self, path: str) -> None:
            match = _CDN.match(path)
            found = hub.by_sha(match.group(1)) if match else None
            if found is None:
                self._send(404, b"no such object")
                return
            if self.command == "GET" and hub.take_fault("server_errors"):
                self._send(503, b"service unavailable", {"Retry-After": "0"})
                return
            if self.command == "GET" and hub.faults.html_page:
                self._send(200, HTML_PAGE, {"Content-Type": "text/html; charset=utf-8"})
                return
            if self.command == "GET" and hub.faults.json_message:
                self._send(200, JSON_MESSAGE, {"Content-Type": "application/json"})
                return
            size = found.size
            start, end = 0, size - 1
            wanted = self.headers.get("Range")
            status = 200
            if wanted and not hub.faults.ignore_range:
                m = re.match(r"bytes=(\d+)-(\d*)$", wanted.strip())
                if m is None or int(m.group(1)) >= size:
                    self._send(416, b"", {"Content-Range": f"bytes */{size}"})
                    return
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
                if hub.faults.range_cap:
                    end = min(end, start + hub.faults.range_cap - 1)
                status = 206
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            if hub.faults.no_length and self.command == "GET":
                self.send_header("Connection", "close")  # the end of the body is the close
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(end - start + 1))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", f'"{found.sha256}"')
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.end_headers()
            if self.command == "HEAD":
                return
            drop_at = None
            if hub.faults.drop_after is not None and hub.take_fault("drops"):
                drop_at = start + hub.faults.drop_after
            self._stream(found, start, end, drop_at)

        def _stream(self, found: HubFile, start: int, end: int, drop_at: int | None) -> None:
            corrupt_at = start + 1000 if hub.faults.corrupt else None
            with found.path.open("rb") as handle:
                handle.seek(start)
                position = start
                while position <= end:
                    if hub.faults.delay_s and not hub.pause(hub.faults.delay_s):
                        break
                    block = handle.read(min(SEND_CHUNK, end + 1 - position))
                    if not block:
                        break
                    if corrupt_at is not None and position <= corrupt_at < position + len(block):
                        data = bytearray(block)
                        data[corrupt_at - position] ^= 0xFF
                        block = bytes(data)
                    if drop_at is not None and position + len(block) >= drop_at:
                        self.wfile.write(block[: max(0, drop_at - position)])
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    self.wfile.write(block)
                    position += len(block)
            if position <= end:  # stopped early (the hub is shutting down)
                self.close_connection = True

    return Handler


def wait_for(condition: object, timeout: float = 30.0) -> None:
    """Poll ``condition()`` until it is true (for tests that watch a running download)."""
    deadline = time.monotonic() + timeout
    assert callable(condition)
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def serve(files: dict[tuple[str, str], Path]) -> Iterator[FakeHub]:
    """Generator for fixtures: a started hub serving ``files``, stopped afterwards."""
    hub = FakeHub()
    for (repo, name), path in files.items():
        hub.add_file(repo, name, path)
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


def serve_tiny_chat(
    starter: Path, tmp_path: Path, environ: Any, extra: dict[str, Path] | None = None
) -> Iterator[FakeHub]:
    """Generator for fixtures: a hub publishing the starter as ``REPO/FILE`` (plus ``extra``
    files of the same repo), the app pointed at it and at a catalogue listing "tiny-chat".

    ``environ`` is pytest's monkeypatch, so the variables are restored after the test.
    """
    files = {(REPO, FILE): starter}
    files.update({(REPO, name): path for name, path in (extra or {}).items()})
    hubs = serve(files)
    hub = next(hubs)
    try:
        environ.setenv("HF_ENDPOINT", hub.endpoint)
        catalogue = write_catalogue(tmp_path / "models.json", starter)
        environ.setenv("PARLEY_CATALOGUE", str(catalogue))
        environ.delenv("HF_HUB_OFFLINE", raising=False)
        yield hub
    finally:
        hubs.close()  # runs serve()'s finally: the hub stops


def write_catalogue(path: Path, starter: Path, *, pinned_sha: str | None = None) -> Path:
    """The shipped catalogue's starter entry plus a downloadable "tiny-chat" entry.

    Point ``PARLEY_CATALOGUE`` at the result: "tiny-chat" is then a catalogue model whose
    file the fake hub serves (the starter's bytes, so its pinned sha256 is real).
    """
    shipped = json.loads((ROOT / "models.json").read_text(encoding="utf-8"))
    starter_entry = next(m for m in shipped["models"] if m.get("builtin"))
    tiny = dict(starter_entry)
    tiny.update(
        id="tiny-chat",
        name="Tiny Chat (test)",
        repo=REPO,
        file=FILE,
        builtin=False,
        sha256=pinned_sha or sha256_of(starter),
    )
    path.write_text(json.dumps({"version": 1, "models": [starter_entry, tiny]}), encoding="utf-8")
    return path
