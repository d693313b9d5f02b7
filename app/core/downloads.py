"""Model downloads from the Hugging Face hub that survive pauses, lost networks and restarts.

Why not ``hf_hub_download``: since huggingface_hub 1.18 a failed download restarts from
zero on the next call, it has no cancel, and it checks only the size. Users of Jan and LM
Studio complain about exactly that (downloads restarting from zero, no resume). So the
transfer is done here:

* the file's exact size and SHA-256 come from the hub's LFS metadata
  (``HfApi.get_paths_info``), and the commit is pinned when the download starts, so every
  later range request reads the same bytes;
* bytes go to ``<models>/.partial/<file>.part`` with a small JSON note beside it (repo,
  commit, size, sha256), so a later run (after Pause, a dropped connection or a restart of
  the app) continues with an HTTP ``Range`` request;
* the SHA-256 is computed while writing (a resumed part is re-hashed first), and a mismatch
  deletes the file and says so;
* the file is moved into the models folder only after the hash and the GGUF header check
  pass, so a half-written model is never listed as installed;
* a download gives up: retries are bounded by a number of attempts *and* by time (bytes
  arriving between failures do not reset either), starting again from zero happens at most
  once, and an answer that is not the file (a web page, a JSON message, the wrong size, bytes
  that do not start with the GGUF magic) stops it at once with a message that says what the
  server sent. Each of these once looped for ever against a misbehaving hub.

The app makes no network request the user did not start: nothing here runs at import time,
and huggingface_hub's own telemetry (it fetches an "agent harness" list from the hub while
building request headers) is switched off before the first request.

``HF_ENDPOINT`` is read when a download starts (huggingface_hub reads it only at import),
which is how the tests point the downloader at a hub served on 127.0.0.1.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Literal

from app.core.catalogue import CatalogueEntry, load_catalogue, record_origin
from app.core.gguf import InvalidModelError, read_gguf_metadata
from app.core.hardware import format_bytes
from app.core.paths import app_dirs

log = logging.getLogger(__name__)


def _http() -> Any:
    """The HTTP client library huggingface_hub uses, imported on the first download.

    huggingface_hub 2.x ships it as ``httpx2``, 1.x used ``httpx``; either way it is not
    imported at start-up, which keeps the app's first window fast.
    """
    try:
        import httpx2
    except ImportError:  # pragma: no cover - depends on the installed huggingface_hub
        import httpx

        return httpx
    return httpx2


PARTIAL_DIR = ".partial"
PART_SUFFIX = ".part"
NOTE_SUFFIX = ".part.json"
# Keep this much disk free beyond the file itself: a full disk breaks more than downloads.
DISK_MARGIN_BYTES = 64 * 10**6
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_CONNECT_TIMEOUT_S = 10.0
# Retries within one download: at most this many, and none started later than
# DEFAULT_RETRY_WINDOW_S after the first failure. Bytes that arrive between failures do not
# reset either bound: a server that sends a little and then fails every time must not be
# asked for ever. The part is kept, so the user can continue later.
DEFAULT_RETRIES = 5
DEFAULT_RETRY_WINDOW_S = 120.0
MAX_RETRY_DELAY_S = 30.0
# Starting again from zero (the server ignored or refused a Range request): at most this many
# times in one download; a server that cannot continue twice in a row will not the third time.
MAX_RESTARTS = 1
PROGRESS_INTERVAL_S = 0.1
MAGIC = b"GGUF"
# Content types that are never a model file: a sign-in or error page, an API message.
_PAGE_TYPES = {"text/html", "application/xhtml+xml"}

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_REPO_PART_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_TRUE = {"1", "true", "yes", "on"}

FailureReason = Literal[
    "offline",
    "not_found",
    "auth",
    "network",
    "timeout",
    "server",
    "disk_full",
    "checksum",
    "changed",
    "invalid",
    "bad_spec",
    "exists",
    "not_the_file",
]
Phase = Literal["resolving", "checking", "downloading", "verifying", "testing"]


class DownloadError(Exception):
    """A download that could not finish; ``str(error)`` is written for the user.

    ``partial_kept`` tells the caller whether a later attempt continues where this one
    stopped (network trouble, a full disk) or starts again (checksum mismatch).
    """

    def __init__(self, message: str, *, reason: FailureReason, partial_kept: bool = False) -> None:
        super().__init__(message)
        self.reason: FailureReason = reason
        self.partial_kept = partial_kept


class DownloadStopped(Exception):
    """The user paused or cancelled; the bytes so far are kept for a later resume."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"stopped after {done} of {total} bytes")
        self.done = done
        self.total = total


@dataclass(frozen=True)
class DownloadSpec:
    """What to fetch: a catalogue entry, or any GGUF file in a hub repository."""

    repo: str
    file: str  # path inside the repository
    model_id: str
    name: str
    revision: str | None = None
    sha256: str | None = None  # pinned by the catalogue
    size_bytes: int | None = None  # the catalogue's figure (exact only with sha256)

    @property
    def target_name(self) -> str:
        """The file name in the models folder."""
        return self.file.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class RemoteFile:
    """The file as the hub describes it, pinned to one commit."""

    url: str
    size: int
    sha256: str | None
    commit: str | None


@dataclass(frozen=True)
class DownloadProgress:
    """One progress report; ``eta_s`` is None until the speed is known."""

    phase: Phase
    done: int
    total: int
    speed_bps: float = 0.0
    eta_s: float | None = None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class DownloadResult:
    """A finished download (or a file that was already there)."""

    spec: DownloadSpec
    path: Path
    size: int
    sha256: str | None
    resumed_from: int = 0
    seconds: float = 0.0
    already_installed: bool = False
    load_error: str | None = None  # set when the load test hook failed


@dataclass(frozen=True)
class PendingDownload:
    """A partial file left by an earlier run, resumable from ``done`` bytes."""

    spec: DownloadSpec
    done: int
    total: int


ProgressCallback = Callable[[DownloadProgress], None]
LoadTest = Callable[[Path], None]


# --------------------------------------------------------------------------- specs


def parse_spec(text: str, entries: Sequence[CatalogueEntry] | None = None) -> DownloadSpec:
    """A catalogue id, ``OWNER/REPO/FILE.gguf``, or a hub URL to a .gguf file.

    A repository file that a catalogue entry describes gets that entry's pinned hash.
    """
    entries = list(entries) if entries is not None else load_catalogue()
    text = text.strip()
    for entry in entries:
        if entry.id == text:
            if entry.builtin:
                raise DownloadError(
                    f"{entry.name} is built into Parley; there is nothing to download.",
                    reason="exists",
                )
            return spec_for_entry(entry)
    revision: str | None = None
    path = text
    url = re.match(r"^https?://[^/]+/(.*)$", text)
    if url:
        path = url.group(1)
        parts = path.split("/")
        if len(parts) > 4 and parts[2] in ("resolve", "blob"):
            revision = parts[3]
            path = "/".join(parts[:2] + parts[4:])
    path = path.split("?", 1)[0]
    parts = path.split("/")
    if (
        len(parts) < 3
        or not all(_REPO_PART_RE.match(p) for p in parts[:2])
        or any(p in ("", ".", "..") for p in parts[2:])
    ):
        known = ", ".join(e.id for e in entries if not e.builtin)
        raise DownloadError(
            f"'{text}' is neither a catalogue model nor a hub file. Give a catalogue id "
            f"({known}) or OWNER/REPOSITORY/FILE.gguf.",
            reason="bad_spec",
        )
    repo, file = "/".join(parts[:2]), "/".join(parts[2:])
    if not file.lower().endswith(".gguf") or file.rsplit("/", 1)[-1].startswith("."):
        raise DownloadError(
            f"'{file}' is not a .gguf file. Parley runs models in the GGUF format; pick a "
            "file ending in .gguf from the repository's file list.",
            reason="bad_spec",
        )
    for entry in entries:
        if entry.repo == repo and entry.file == file and not entry.builtin:
            return replace(spec_for_entry(entry), revision=revision or entry.revision)
    name = file.rsplit("/", 1)[-1]
    # The id the model will have once installed (app.core.catalogue.installed_models): the
    # file name without .gguf.
    model_id = name[: -len(".gguf")]
    return DownloadSpec(repo=repo, file=file, model_id=model_id, name=name, revision=revision)


def spec_for_entry(entry: CatalogueEntry) -> DownloadSpec:
    return DownloadSpec(
        repo=entry.repo,
        file=entry.file,
        model_id=entry.id,
        name=entry.name,
        revision=entry.revision,
        sha256=entry.sha256,
        size_bytes=entry.size_bytes,
    )


# --------------------------------------------------------------------------- seams


def free_disk_bytes(folder: Path) -> int:
    """Free bytes on the disk holding ``folder`` (the seam tests replace)."""
    return shutil.disk_usage(folder).free


def write_chunk(handle: BinaryIO, data: memoryview) -> int:
    """Write some of ``data``; returns how many bytes were written (the seam tests replace)."""
    written = handle.write(data)
    return len(data) if written is None else written


def _offline() -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE:
        return True
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


_hub_timeouts: tuple[float, float] | None = None
_hub_lock = threading.Lock()


def _prepare_hub(timeout: float, connect_timeout: float) -> None:
    """Switch off huggingface_hub's telemetry and give its client finite timeouts.

    Done when a download starts, never at import: importing this module must not change (or
    even import) huggingface_hub. Building request headers otherwise fetches
    ``{endpoint}/api/agent-harnesses`` (once a day) - a request the user did not ask for.
    ``get_paths_info`` passes no timeout and the library's default client has none, so a
    silent server would hang it forever.
    """
    global _hub_timeouts  # noqa: PLW0603 - one process-wide configuration
    with _hub_lock:
        from huggingface_hub import constants, set_client_factory

        constants.HF_HUB_DISABLE_TELEMETRY = True
        if _hub_timeouts == (timeout, connect_timeout):
            return

        httpx = _http()

        def client_factory() -> Any:
            return httpx.Client(
                follow_redirects=True,
                timeout=httpx.Timeout(timeout, connect=connect_timeout),
            )

        set_client_factory(client_factory)
        _hub_timeouts = (timeout, connect_timeout)


# --------------------------------------------------------------------------- the downloader


class _Speed:
    """Bytes per second over the last few seconds (a whole-run average hides a stall)."""

    def __init__(self, window_s: float = 3.0) -> None:
        self._window = window_s
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, now: float, done: int) -> float:
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > self._window:
            self._samples.popleft()
        first_t, first_done = self._samples[0]
        elapsed = now - first_t
        return (done - first_done) / elapsed if elapsed > 0 else 0.0


class Downloader:
    """Fetches one file at a time per call; several calls may run in parallel threads."""

    def __init__(
        self,
        *,
        models_dir: Path | None = None,
        endpoint: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S,
        retries: int = DEFAULT_RETRIES,
        retry_delay: float = 1.0,
        retry_window_s: float = DEFAULT_RETRY_WINDOW_S,
    ) -> None:
        self._models_dir = models_dir
        self._endpoint = endpoint
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self.retry_window_s = retry_window_s

    # -- places ----------------------------------------------------------------------------

    @property
    def models_dir(self) -> Path:
        return self._models_dir or app_dirs().models

    @property
    def partial_dir(self) -> Path:
        return self.models_dir / PARTIAL_DIR

    @property
    def endpoint(self) -> str:
        """The hub to talk to: the constructor's, else ``HF_ENDPOINT`` now, else the default."""
        if self._endpoint:
            return self._endpoint.rstrip("/")
        from_env = os.environ.get("HF_ENDPOINT", "").strip()
        if from_env:
            return from_env.rstrip("/")
        from huggingface_hub import constants

        return str(constants.ENDPOINT).rstrip("/")

    def target_path(self, spec: DownloadSpec) -> Path:
        return self.models_dir / spec.target_name

    def partial_path(self, spec: DownloadSpec) -> Path:
        return self.partial_dir / (spec.target_name + PART_SUFFIX)

    def _note_path(self, spec: DownloadSpec) -> Path:
        return self.partial_dir / (spec.target_name + NOTE_SUFFIX)

    def partial_bytes(self, spec: DownloadSpec) -> int:
        """Bytes already downloaded for ``spec`` (0 when there is no partial file)."""
        try:
            return self.partial_path(spec).stat().st_size
        except OSError:
            return 0

    def discard_partial(self, spec: DownloadSpec) -> None:
        """Delete a partial download and its note (Cancel download)."""
        self.partial_path(spec).unlink(missing_ok=True)
        self._note_path(spec).unlink(missing_ok=True)

    def pending(self) -> list[PendingDownload]:
        """Partial downloads left by earlier runs, to offer "Resume" at start-up."""
        found: list[PendingDownload] = []
        try:
            notes = sorted(self.partial_dir.glob("*" + NOTE_SUFFIX))
        except OSError:
            return found
        for note in notes:
            try:
                data = json.loads(note.read_text(encoding="utf-8"))
                spec = DownloadSpec(**data["spec"])
                total = int(data["size"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            found.append(PendingDownload(spec, self.partial_bytes(spec), total))
        return found

    # -- resolving ---------------------------------------------------------------------------

    def resolve(self, spec: DownloadSpec) -> RemoteFile:
        """Ask the hub for the file's commit, size and SHA-256 (two small requests)."""
        if _offline():
            raise DownloadError(
                "Downloads are switched off because HF_HUB_OFFLINE is set. Unset it to "
                "download models; everything else works offline.",
                reason="offline",
            )
        _prepare_hub(self.timeout, self.connect_timeout)
        from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_url

        endpoint = self.endpoint
        revision = spec.revision or "main"
        try:
            url = hf_hub_url(spec.repo, spec.file, revision=revision, endpoint=endpoint)
            meta = get_hf_file_metadata(url, timeout=self.timeout, endpoint=endpoint)
            commit = meta.commit_hash or (revision if len(revision) == 40 else None)
            infos = HfApi(endpoint=endpoint).get_paths_info(
                spec.repo, [spec.file], revision=commit or revision
            )
        except Exception as exc:  # every failure becomes a clear message
            raise self._explain(exc, spec, done=0) from exc
        info = next((i for i in infos if getattr(i, "path", None) == spec.file), None)
        if info is None or not hasattr(info, "size"):
            raise DownloadError(
                f"{spec.file} was not found on the hub in {spec.repo}.", reason="not_found"
            )
        lfs = getattr(info, "lfs", None)
        size = int(lfs.size if lfs is not None else info.size)
        sha = lfs.sha256 if lfs is not None else None
        if sha is None and meta.etag and _SHA256_RE.match(meta.etag):
            sha = meta.etag
        if spec.sha256 and sha and spec.sha256 != sha:
            raise DownloadError(
                f"The file {spec.file} in {spec.repo} has changed since Parley's catalogue was "
                f"written (its checksum is now {sha[:12]}…, the catalogue expects "
                f"{spec.sha256[:12]}…). It was not downloaded; update Parley for the new "
                "version of this model.",
                reason="changed",
            )
        sha = sha or spec.sha256
        download_url = hf_hub_url(
            spec.repo, spec.file, revision=commit or revision, endpoint=endpoint
        )
        return RemoteFile(url=download_url, size=size, sha256=sha, commit=commit)

    def _explain(self, exc: BaseException, spec: DownloadSpec, *, done: int) -> DownloadError:
        """Turn a library or network exception into a message for the user."""
        from huggingface_hub.errors import (
            EntryNotFoundError,
            GatedRepoError,
            HfHubHTTPError,
            OfflineModeIsEnabled,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )

        httpx = _http()
        kept = done > 0
        later = " The part downloaded so far is kept; try again to continue." if kept else ""
        where = f"{spec.repo}/{spec.file}"
        if isinstance(exc, DownloadError):
            return exc
        if isinstance(exc, OfflineModeIsEnabled):
            return DownloadError(
                "Downloads are switched off because HF_HUB_OFFLINE is set.", reason="offline"
            )
        if isinstance(exc, GatedRepoError):
            return DownloadError(
                f"{spec.repo} is gated: accept its licence on the Hugging Face website and log "
                "in with `hf auth login`, then try again.",
                reason="auth",
            )
        if isinstance(exc, RevisionNotFoundError):
            return DownloadError(
                f"Revision {spec.revision or 'main'} of {spec.repo} was not found on the hub.",
                reason="not_found",
            )
        if isinstance(exc, EntryNotFoundError):
            return DownloadError(
                f"{spec.file} was not found on the hub in {spec.repo}. Check the file name "
                "in the repository's file list.",
                reason="not_found",
            )
        if isinstance(exc, RepositoryNotFoundError):
            return DownloadError(
                f"The repository {spec.repo} was not found on the hub (or it is private). "
                "Check its name.",
                reason="not_found",
            )
        if isinstance(exc, _HttpStatus):
            return self._status_error(exc.status, spec, kept=kept)
        if isinstance(exc, HfHubHTTPError | httpx.HTTPStatusError):
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", 0) or 0
            return self._status_error(status, spec, kept=kept)
        if isinstance(exc, httpx.TimeoutException):
            return DownloadError(
                f"The hub did not answer within {self.timeout:g} seconds while downloading "
                f"{where}.{later}",
                reason="timeout",
                partial_kept=kept,
            )
        if isinstance(exc, httpx.TransportError | ConnectionError):
            return DownloadError(
                f"The connection to the hub ({self.endpoint}) was lost or could not be made "
                f"({_short(exc)}).{later}",
                reason="network",
                partial_kept=kept,
            )
        return DownloadError(
            f"Downloading {where} failed: {_short(exc)}.{later}",
            reason="network",
            partial_kept=kept,
        )

    def _status_error(self, status: int, spec: DownloadSpec, *, kept: bool) -> DownloadError:
        later = " The part downloaded so far is kept; try again to continue." if kept else ""
        if status == 404:
            return DownloadError(
                f"{spec.repo}/{spec.file} was not found on the hub. Check the repository and "
                "file name.",
                reason="not_found",
            )
        if status in (401, 403):
            return DownloadError(
                f"The hub refused access to {spec.repo} (HTTP {status}). It may be gated or "
                "private: accept its licence on the website and log in with `hf auth login`.",
                reason="auth",
            )
        if status == 429:
            return DownloadError(
                f"The hub is limiting requests (HTTP 429). Wait a minute and try again.{later}",
                reason="server",
                partial_kept=kept,
            )
        return DownloadError(
            f"The hub answered with an error (HTTP {status}). Try again later.{later}",
            reason="server",
            partial_kept=kept,
        )

    # -- downloading -------------------------------------------------------------------------

    def download(
        self,
        spec: DownloadSpec,
        *,
        progress: ProgressCallback | None = None,
        stop: threading.Event | None = None,
        load_test: LoadTest | None = None,
    ) -> DownloadResult:
        """Fetch ``spec`` into the models folder, continuing any partial file.

        Raises :class:`DownloadStopped` when ``stop`` is set (the part is kept) and
        :class:`DownloadError` with a user-facing message for everything else.
        """
        started = time.monotonic()
        stop = stop or threading.Event()
        target = self.target_path(spec)
        if target.exists():
            return DownloadResult(
                spec, target, target.stat().st_size, spec.sha256, already_installed=True
            )
        report = _Reporter(progress)
        report.now("resolving", 0, spec.size_bytes or 0, force=True)
        remote = self.resolve(spec)
        try:
            self.partial_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DownloadError(
                f"Parley cannot write to {self.partial_dir}: {exc.strerror or exc}.",
                reason="disk_full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "invalid",
            ) from None
        part = self.partial_path(spec)
        resumed_from = self._prepare_partial(spec, remote)
        self._check_disk(spec, remote.size - resumed_from)

        try:
            done, actual = self._transfer(
                spec=spec, remote=remote, part=part, done=resumed_from, stop=stop, report=report
            )
        except DownloadError as exc:
            if not exc.partial_kept:
                self.discard_partial(spec)  # nothing to continue: no "Resume" for it later
            raise

        report.now("verifying", done, remote.size, force=True)
        if remote.sha256 and actual != remote.sha256:
            self.discard_partial(spec)
            raise DownloadError(
                f"The downloaded file {spec.target_name} does not match the checksum published "
                f"on the hub (expected {remote.sha256[:12]}…, got {actual[:12]}…), so it was "
                "deleted. Download it again; if this keeps happening, something on the "
                "network is changing the file.",
                reason="checksum",
            )
        try:
            read_gguf_metadata(part)
        except InvalidModelError as exc:
            self.discard_partial(spec)
            raise DownloadError(
                f"{spec.target_name} was downloaded but is not a usable GGUF model "
                f"({exc}). It was deleted.",
                reason="invalid",
            ) from None
        os.replace(part, target)
        self._note_path(spec).unlink(missing_ok=True)
        record_origin(
            target,
            {
                "source": "hub",
                "repo": spec.repo,
                "file": spec.file,
                "revision": remote.commit or spec.revision or "",
                "sha256": actual,
            },
        )
        log.info("downloaded %s (%s) to %s", spec.file, format_bytes(done), target)

        load_error: str | None = None
        if load_test is not None:
            report.now("testing", done, remote.size, force=True)
            try:
                load_test(target)
            except Exception as exc:  # any failure is reported, file kept
                load_error = str(exc) or type(exc).__name__
        return DownloadResult(
            spec=spec,
            path=target,
            size=done,
            sha256=actual,
            resumed_from=resumed_from,
            seconds=time.monotonic() - started,
            load_error=load_error,
        )

    def _prepare_partial(self, spec: DownloadSpec, remote: RemoteFile) -> int:
        """Keep a partial file only if it belongs to the same file on the hub."""
        part, note = self.partial_path(spec), self._note_path(spec)
        done = self.partial_bytes(spec)
        keep = False
        if done:
            try:
                data = json.loads(note.read_text(encoding="utf-8"))
                keep = (
                    int(data["size"]) == remote.size
                    and data.get("sha256") == remote.sha256
                    and done <= remote.size
                )
            except (OSError, ValueError, KeyError, TypeError):
                keep = False
        if not keep:
            part.unlink(missing_ok=True)
            done = 0
        payload = {
            "spec": {
                "repo": spec.repo,
                "file": spec.file,
                "model_id": spec.model_id,
                "name": spec.name,
                "revision": remote.commit or spec.revision,
                "sha256": remote.sha256,
                "size_bytes": remote.size,
            },
            "size": remote.size,
            "sha256": remote.sha256,
            "commit": remote.commit,
        }
        try:
            note.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        except OSError as exc:
            raise _disk_error(exc, spec, self.partial_dir, kept=done > 0) from None
        return done

    def _check_disk(self, spec: DownloadSpec, needed: int) -> None:
        free = free_disk_bytes(self.partial_dir)
        if needed + DISK_MARGIN_BYTES > free:
            raise DownloadError(
                f"Not enough free disk space to download {spec.name}: it needs "
                f"{format_bytes(needed)} more (plus {format_bytes(DISK_MARGIN_BYTES)} to "
                f"spare) and only {format_bytes(free)} is free in {self.models_dir}. Free some "
                "space and try again.",
                reason="disk_full",
                partial_kept=self.partial_bytes(spec) > 0,
            )

    def _transfer(
        self,
        *,
        spec: DownloadSpec,
        remote: RemoteFile,
        part: Path,
        done: int,
        stop: threading.Event,
        report: _Reporter,
    ) -> tuple[int, str]:
        """GET the rest of the file with Range requests, retrying lost connections.

        Returns the byte count and the SHA-256 of the whole file: a resumed part is hashed
        first, then every byte is hashed as it is written. Every way round this loop is
        bounded: failures by :attr:`retries` and :attr:`retry_window_s` (never reset by bytes
        that arrived in between), starting again from zero by :data:`MAX_RESTARTS`, and an
        answer that is not the file raises at once.
        """
        from huggingface_hub.utils import build_hf_headers

        digest = hashlib.sha256()
        if done:
            report.now("checking", 0, done, force=True)
            _hash_file(part, digest, done, stop, report)
        headers = build_hf_headers()
        headers["Accept-Encoding"] = "identity"
        failures = 0
        restarts = 0
        first_failure: float | None = None
        httpx = _http()
        with httpx.Client(
            follow_redirects=True,
            timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
            headers=headers,
        ) as client:
            while done < remote.size:
                if stop.is_set():
                    raise DownloadStopped(done, remote.size)
                try:
                    done = self._get_range(
                        client=client,
                        spec=spec,
                        remote=remote,
                        part=part,
                        digest=digest,
                        done=done,
                        stop=stop,
                        report=report,
                    )
                except (DownloadStopped, DownloadError):
                    raise
                except _RangeRefused as refused:
                    if self._part_is_complete(spec, remote, digest, done, refused.server_size):
                        break
                    restarts = self._restart(spec, part, restarts)
                    digest = hashlib.sha256()
                    done = 0
                except _RestartFromZero:
                    restarts = self._restart(spec, part, restarts)
                    digest = hashlib.sha256()
                    done = 0
                except Exception as exc:  # classified by _explain
                    done = max(done, self.partial_bytes(spec))
                    error = self._explain(exc, spec, done=done)
                    failures += 1
                    now = time.monotonic()
                    if first_failure is None:
                        first_failure = now
                    out_of_time = now - first_failure >= self.retry_window_s
                    if not _retryable(exc) or failures > self.retries or out_of_time:
                        raise error from None
                    delay = min(MAX_RETRY_DELAY_S, self.retry_delay * 2 ** (failures - 1))
                    delay = min(delay, max(0.0, first_failure + self.retry_window_s - now))
                    log.warning(
                        "download of %s interrupted (%s); retry %d of %d",
                        spec.file,
                        error,
                        failures,
                        self.retries,
                    )
                    if stop.wait(delay):
                        raise DownloadStopped(done, remote.size) from None
        report.now("downloading", done, remote.size, force=True)
        return done, digest.hexdigest()

    def _restart(self, spec: DownloadSpec, part: Path, restarts: int) -> int:
        """Delete the part to start again from zero, unless that was already tried."""
        if restarts >= MAX_RESTARTS:
            self.discard_partial(spec)
            raise DownloadError(
                f"The server could not continue {spec.target_name} from where it stopped, and "
                "starting again from the beginning did not help either, so the download "
                "stopped and its part was deleted. Try again later.",
                reason="server",
            )
        log.info("starting %s again from the beginning", spec.file)
        part.unlink(missing_ok=True)
        return restarts + 1

    def _part_is_complete(
        self,
        spec: DownloadSpec,
        remote: RemoteFile,
        digest: Any,
        done: int,
        server_size: int | None,
    ) -> bool:
        """After a 416 (no bytes after ``done``): is the part already the whole file?

        True when the part matches the published SHA-256: the hub's listed size was wrong, the
        bytes are right. When the part is exactly as long as the server's file (or as the
        listed size) and still does not match, asking again would only fetch the same bytes,
        so the download stops with a message instead of starting again for ever. False
        (start again) when the part is longer than the server's file or the size is unknown.
        """
        actual = digest.copy().hexdigest()
        if remote.sha256 and actual == remote.sha256:
            log.warning(
                "the hub lists %s as %d bytes, the server has %s; the %d bytes match the "
                "published checksum",
                spec.file,
                remote.size,
                server_size if server_size is not None else "fewer",
                done,
            )
            return True
        if done not in (server_size, remote.size):
            return False
        self.discard_partial(spec)
        has = format_bytes(done)
        listed = format_bytes(remote.size)
        if remote.sha256:
            raise DownloadError(
                f"The server has only {has} of {spec.target_name} ({done:,} bytes), while the "
                f"hub lists {listed} ({remote.size:,} bytes), and the bytes it has do not "
                "match the checksum published on the hub. The file on the hub looks broken or "
                "is being replaced; the download stopped and its part was deleted. Try again "
                "later.",
                reason="checksum",
            )
        raise DownloadError(
            f"The server has only {has} of {spec.target_name} ({done:,} bytes), while the hub "
            f"lists {listed} ({remote.size:,} bytes), and there is no published checksum to "
            "tell which is right. The download stopped and its part was deleted. Try again "
            "later.",
            reason="server",
        )

    def _get_range(
        self,
        *,
        client: Any,
        spec: DownloadSpec,
        remote: RemoteFile,
        part: Path,
        digest: Any,
        done: int,
        stop: threading.Event,
        report: _Reporter,
    ) -> int:
        request_headers = {"Range": f"bytes={done}-"} if done else {}
        start = done
        with client.stream("GET", remote.url, headers=request_headers) as response:
            status = response.status_code
            if status == 416 and done:
                raise _RangeRefused(_full_size(response.headers))
            if status >= 400:
                raise _HttpStatus(status)
            chunks = response.iter_bytes()
            self._check_content_type(spec, response.headers, chunks, done=done)
            if done and status != 206:
                log.info("server ignored the Range request; starting %s again", spec.file)
                raise _RestartFromZero()
            if status == 206 and not _range_starts_at(response.headers, done):
                raise _RestartFromZero()
            self._check_size(spec, remote, response.headers, done=done)
            head = b""
            try:
                handle = part.open("ab", buffering=0)
            except OSError as exc:
                raise _disk_error(exc, spec, self.partial_dir, kept=done > 0) from None
            with handle:
                for received in chunks:
                    data = received
                    if start == 0 and done == 0 and len(head) < len(MAGIC):
                        # Nothing is written before the first bytes say "GGUF".
                        head += received
                        if len(head) < len(MAGIC):
                            continue
                        self._check_magic(spec, head)
                        data = head
                    view = memoryview(data)
                    while view:
                        try:
                            written = write_chunk(handle, view)
                        except OSError as exc:
                            raise _disk_error(exc, spec, self.partial_dir, kept=True) from None
                        digest.update(view[:written])
                        done += written
                        view = view[written:]
                    if done > remote.size:
                        self.discard_partial(spec)
                        raise DownloadError(
                            f"The hub sent more data than {spec.target_name} should have "
                            f"({format_bytes(remote.size)}); the file was deleted. Try again.",
                            reason="checksum",
                        )
                    report.now("downloading", done, remote.size)
                    if stop.is_set():
                        raise DownloadStopped(done, remote.size)
            if start == 0 and done == 0:
                self._check_magic(spec, head)  # the whole answer was under four bytes
            range_end = _range_end(response.headers) if status == 206 else None
        if done < remote.size and (range_end is None or done != range_end + 1):
            raise _http().RemoteProtocolError("the server closed the connection early")
        return done  # the whole file, or a shorter range the server chose: ask for the rest

    def _check_content_type(
        self, spec: DownloadSpec, headers: Any, chunks: Iterator[bytes], *, done: int
    ) -> None:
        """Refuse a web page or a JSON message sent with a success status.

        That is what proxies, sign-in walls and broken mirrors send. Retrying only fetches the
        same answer again, so the download stops with what the server said; a part from
        before is kept (the server, not the part, is wrong).
        """
        kept = done > 0
        after = " The part downloaded before is kept." if kept else " Nothing was saved."
        content_type = headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        name = spec.target_name
        if content_type in _PAGE_TYPES:
            title = _page_title(_peek(chunks, 8192))
            titled = f', titled "{title}"' if title else ""
            raise DownloadError(
                f"The server sent a web page ({content_type}{titled}) instead of the model "
                f"file {name}. A sign-in page, a proxy or a network filter usually does this; "
                f"check that {self.endpoint} can be reached from this computer.{after}",
                reason="not_the_file",
                partial_kept=kept,
            )
        if content_type == "application/json" or content_type.endswith("+json"):
            said = _json_message(_peek(chunks, 8192))
            quoted = f': "{said}"' if said else ""
            raise DownloadError(
                f"The server sent a message ({content_type}) instead of the model file "
                f"{name}{quoted}.{after}",
                reason="not_the_file",
                partial_kept=kept,
            )

    def _check_size(
        self, spec: DownloadSpec, remote: RemoteFile, headers: Any, *, done: int
    ) -> None:
        """Refuse an answer whose length is not the listed size: it is another file (or the
        listing is wrong), and asking again gets the same length."""
        kept = done > 0
        after = " The part downloaded before is kept." if kept else " Nothing was saved."
        name = spec.target_name
        total = _full_size(headers)
        # A 206 may cover less than the rest of the file (some CDNs cap a range); its
        # Content-Range says the whole size. A 200 is the whole file: its length is the size.
        length = None if total is not None else _int_header(headers, "Content-Length")
        if (total is not None and total != remote.size) or (
            length is not None and length != remote.size - done
        ):
            sent = total if total is not None else (length or 0) + done
            raise DownloadError(
                f"The server is sending {name} as {format_bytes(sent)} ({sent:,} bytes), but "
                f"the hub lists it as {format_bytes(remote.size)} ({remote.size:,} bytes), so "
                "it is not the file Parley asked for. The repository may be changing; try "
                f"again later.{after}",
                reason="not_the_file",
                partial_kept=kept,
            )

    def _check_magic(self, spec: DownloadSpec, head: bytes) -> None:
        """The first bytes of a GGUF file are ``GGUF``; anything else is not the model."""
        if head[: len(MAGIC)] == MAGIC:
            return
        if not head:
            what = "nothing at all"
        elif _looks_like_text(head):
            text = head[:60].decode("utf-8", "replace").split("\n", 1)[0].strip()
            what = f'text that begins "{text}"'
        else:
            what = f"data that begins with the bytes {head[:8].hex(' ')}"
        raise DownloadError(
            f"The server sent something that is not a GGUF model instead of "
            f"{spec.target_name}: {what} (a GGUF file begins with the letters GGUF). "
            "Nothing was saved. Check that the repository and file name are right.",
            reason="not_the_file",
        )


class _RestartFromZero(Exception):
    """The server cannot continue the partial file; start it again."""


class _RangeRefused(Exception):
    """HTTP 416: the server has no bytes after the part (``server_size`` when it says)."""

    def __init__(self, server_size: int | None) -> None:
        super().__init__(f"range not satisfiable (server size {server_size})")
        self.server_size = server_size


class _HttpStatus(Exception):
    """The file request got an HTTP error status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def _retryable(exc: BaseException) -> bool:
    """Worth another Range request: a lost connection, a timeout, or a 5xx/429 answer."""
    if isinstance(exc, _HttpStatus):
        return exc.status >= 500 or exc.status == 429
    return isinstance(exc, _http().TransportError)


def _range_starts_at(headers: Any, start: int) -> bool:
    match = re.match(r"bytes\s+(\d+)-", headers.get("Content-Range", ""))
    return bool(match) and int(match.group(1)) == start  # type: ignore[union-attr]


def _range_end(headers: Any) -> int | None:
    """The last byte of ``Content-Range: bytes a-b/N`` (None without one)."""
    match = re.match(r"bytes\s+\d+-(\d+)/", headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def _full_size(headers: Any) -> int | None:
    """The whole file's size from ``Content-Range: bytes a-b/N`` or ``bytes */N``."""
    match = re.match(r"bytes\s+(?:\d+-\d+|\*)/(\d+)\s*$", headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def _int_header(headers: Any, name: str) -> int | None:
    value = str(headers.get(name, "")).strip()
    return int(value) if value.isdigit() else None


def _peek(chunks: Iterator[bytes], limit: int) -> bytes:
    """Up to ``limit`` bytes of a body that is about to be refused (to quote it)."""
    data = b""
    try:
        for chunk in chunks:
            data += chunk
            if len(data) >= limit:
                break
    except Exception:  # quoting is a courtesy; a broken body must not hide the real problem
        log.debug("could not read the refused answer", exc_info=True)
    return data[:limit]


def _page_title(body: bytes) -> str:
    match = re.search(rb"<title[^>]*>(.*?)</title>", body, re.IGNORECASE | re.DOTALL)
    if not match:
        return ""
    return " ".join(match.group(1).decode("utf-8", "replace").split())[:100]


def _json_message(body: bytes) -> str:
    """The ``error``/``message`` text of a JSON answer, else its first line (shortened)."""
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())[:200]
    text = body.decode("utf-8", "replace").strip().split("\n", 1)[0]
    return text[:200]


def _looks_like_text(data: bytes) -> bool:
    sample = data[:64]
    try:
        decoded = sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in decoded)


def _disk_error(exc: OSError, spec: DownloadSpec, folder: Path, *, kept: bool) -> DownloadError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        kept_text = (
            " The part downloaded so far is kept: free some space and try again to continue."
            if kept
            else ""
        )
        return DownloadError(
            f"The disk is full: {spec.name} could not be saved in {folder}.{kept_text}",
            reason="disk_full",
            partial_kept=kept,
        )
    return DownloadError(
        f"Parley could not write {spec.target_name} in {folder}: {exc.strerror or exc}.",
        reason="invalid",
        partial_kept=kept,
    )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _hash_file(
    path: Path, digest: Any, length: int, stop: threading.Event, report: _Reporter
) -> None:
    """Feed the first ``length`` bytes of ``path`` to ``digest`` (resuming a download)."""
    done = 0
    with path.open("rb") as handle:
        while done < length:
            block = handle.read(min(4 << 20, length - done))
            if not block:
                break
            digest.update(block)
            done += len(block)
            report.now("checking", done, length)
            if stop.is_set():
                raise DownloadStopped(done, length)


class _Reporter:
    """Throttles progress callbacks to ~10 a second and works out speed and time left."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._last = 0.0
        self._speed = _Speed()
        self._phase: Phase | None = None

    def now(self, phase: Phase, done: int, total: int, *, force: bool = False) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if phase != self._phase:
            self._speed = _Speed()
            self._phase = phase
            force = True
        speed = self._speed.add(now, done)
        if not force and now - self._last < PROGRESS_INTERVAL_S:
            return
        self._last = now
        eta = (total - done) / speed if speed > 0 and total >= done else None
        self._callback(DownloadProgress(phase, done, total, speed, eta))


# --------------------------------------------------------------------------- the queue

JobState = Literal["queued", "running", "paused", "cancelled", "done", "failed"]


@dataclass
class DownloadJob:
    """One queued download; its fields are updated by the queue's worker thread."""

    job_id: int
    spec: DownloadSpec
    state: JobState = "queued"
    progress: DownloadProgress | None = None
    error: DownloadError | None = None
    result: DownloadResult | None = None
    stop: threading.Event = field(default_factory=threading.Event, repr=False)
    discard: bool = False  # cancelled, not paused: delete the part when it stops

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")


JobListener = Callable[[DownloadJob], None]


class DownloadQueue:
    """Several downloads queued, ``parallel`` at a time, each pausable and cancellable.

    Listeners are called from the worker threads; the GUI forwards them to its own thread
    with a queued signal. Workers are started on demand and end when the queue is empty, so
    an idle queue holds no thread.
    """

    def __init__(
        self,
        downloader: Downloader | None = None,
        *,
        parallel: int = 1,
        load_test: LoadTest | None = None,
    ) -> None:
        self.downloader = downloader or Downloader()
        self.parallel = max(1, min(parallel, 2))
        self.load_test = load_test
        self._jobs: list[DownloadJob] = []
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self._listeners: list[JobListener] = []
        self._ids = 0
        self._closed = False

    def add_listener(self, listener: JobListener) -> None:
        self._listeners.append(listener)

    def jobs(self) -> list[DownloadJob]:
        with self._lock:
            return list(self._jobs)

    def find(self, target_name: str) -> DownloadJob | None:
        with self._lock:
            return next(
                (j for j in reversed(self._jobs) if j.spec.target_name == target_name), None
            )

    def add(self, spec: DownloadSpec) -> DownloadJob:
        """Queue ``spec``; a download of the same file already queued or running is reused."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the download queue is closed")
            for job in self._jobs:
                if job.spec.target_name == spec.target_name and job.state in (
                    "queued",
                    "running",
                    "paused",
                    "failed",
                ):
                    if job.state in ("paused", "failed"):
                        self._requeue(job)
                    return job
            self._ids += 1
            job = DownloadJob(self._ids, spec)
            self._jobs.append(job)
        self._notify(job)
        self._start_workers()
        return job

    def restore(self, pending: PendingDownload) -> DownloadJob:
        """A paused job for a partial file left by an earlier run (offered as "Resume")."""
        with self._lock:
            for job in self._jobs:
                if job.spec.target_name == pending.spec.target_name:
                    return job
            self._ids += 1
            job = DownloadJob(self._ids, pending.spec, state="paused")
            job.progress = DownloadProgress("downloading", pending.done, pending.total)
            self._jobs.append(job)
        self._notify(job)
        return job

    def forget(self, job: DownloadJob) -> None:
        """Drop a finished, failed or cancelled job from the list."""
        with self._lock:
            if job in self._jobs and not job.active:
                self._jobs.remove(job)

    def resume(self, job: DownloadJob) -> None:
        """Continue a paused or failed download from where it stopped."""
        with self._lock:
            if job.state not in ("paused", "failed", "cancelled"):
                return
            self._requeue(job)
        self._notify(job)
        self._start_workers()

    def _requeue(self, job: DownloadJob) -> None:
        job.state = "queued"
        job.error = None
        job.discard = False
        job.stop = threading.Event()

    def pause(self, job: DownloadJob) -> None:
        """Stop at the next chunk, keeping the part for :meth:`resume`."""
        self._stop(job, discard=False)

    def cancel(self, job: DownloadJob) -> None:
        """Stop and delete the part (the user no longer wants the model)."""
        self._stop(job, discard=True)

    def _stop(self, job: DownloadJob, *, discard: bool) -> None:
        with self._lock:
            job.discard = discard
            job.stop.set()
            if job.state == "queued":
                job.state = "cancelled" if discard else "paused"
            elif job.state in ("paused", "failed") and discard:
                job.state = "cancelled"
            else:
                return  # a running job changes state when its worker sees the flag
        if discard:
            self.downloader.discard_partial(job.spec)
        self._notify(job)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no download is queued or running; True if that happened in time."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                workers = [w for w in self._workers if w.is_alive()]
                busy = any(j.active for j in self._jobs)
            if not busy and not workers:
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            for worker in workers:
                worker.join(0.05)
            if not workers:
                time.sleep(0.05)

    def close(self, timeout: float = 10.0) -> None:
        """Pause everything (parts are kept for next time) and end the worker threads."""
        with self._lock:
            self._closed = True
            jobs = list(self._jobs)
        for job in jobs:
            if job.active:
                self.pause(job)
        deadline = time.monotonic() + timeout
        for worker in list(self._workers):
            worker.join(max(0.0, deadline - time.monotonic()))

    # -- workers ---------------------------------------------------------------------------

    def _start_workers(self) -> None:
        with self._lock:
            self._workers = [w for w in self._workers if w.is_alive()]
            queued = sum(1 for j in self._jobs if j.state == "queued")
            while len(self._workers) < min(self.parallel, queued + len(self._workers)):
                # A daemon, so quitting never waits for a download; close() pauses and
                # joins them, and an abrupt exit leaves a part that resumes next time.
                worker = threading.Thread(
                    target=self._work,
                    name=f"parley-download-{len(self._workers) + 1}",
                    daemon=True,
                )
                self._workers.append(worker)
                worker.start()
                queued -= 1
                if queued <= 0:
                    break

    def _next_job(self) -> DownloadJob | None:
        with self._lock:
            for job in self._jobs:
                if job.state == "queued":
                    job.state = "running"
                    return job
            self._workers = [w for w in self._workers if w is not threading.current_thread()]
            return None

    def _work(self) -> None:
        while True:
            job = self._next_job()
            if job is None:
                return
            self._notify(job)
            self._run(job)
            self._notify(job)

    def _run(self, job: DownloadJob) -> None:
        def on_progress(progress: DownloadProgress) -> None:
            job.progress = progress
            self._notify(job)

        try:
            job.result = self.downloader.download(
                job.spec, progress=on_progress, stop=job.stop, load_test=self.load_test
            )
            job.state = "done"
        except DownloadStopped:
            if job.discard:
                self.downloader.discard_partial(job.spec)
                job.state = "cancelled"
            else:
                job.state = "paused"
        except DownloadError as exc:
            job.error = exc
            job.state = "failed"
        except Exception as exc:  # a bug must not kill the queue silently
            log.exception("download of %s failed", job.spec.file)
            job.error = DownloadError(
                f"Downloading {job.spec.name} failed unexpectedly: {_short(exc)}",
                reason="network",
            )
            job.state = "failed"

    def _notify(self, job: DownloadJob) -> None:
        for listener in list(self._listeners):
            try:
                listener(job)
            except Exception:  # a listener bug must not stop a download
                log.exception("download listener failed")
