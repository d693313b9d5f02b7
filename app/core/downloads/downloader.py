"""The transfer: one file from the hub into the models folder, resumable and verified.

Bytes go to ``<models>/.partial/<file>.part`` with a small JSON note beside it (repo, commit,
size, sha256), so a later run continues with an HTTP ``Range`` request; the SHA-256 is
computed while writing, and the file is moved into place only after the hash and the GGUF
header check pass, so a half-written model is never listed as installed. Every way round the
retry loop is bounded (see :meth:`Downloader._transfer`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

from app.core.catalogue import record_origin
from app.core.downloads.answers import (
    MAGIC,
    RangeRefused,
    RestartFromZero,
    check_content_type,
    check_magic,
    check_size,
    disk_error,
    full_size,
    range_end,
    range_starts_at,
)
from app.core.downloads.hub import HttpStatus, explain, http, resolve, retryable
from app.core.downloads.progress import Reporter, hash_file
from app.core.downloads.spec import (
    DownloadError,
    DownloadResult,
    DownloadSpec,
    DownloadStopped,
    LoadTest,
    PendingDownload,
    ProgressCallback,
    RemoteFile,
)
from app.core.gguf import InvalidModelError, read_gguf_metadata
from app.core.hardware import format_bytes
from app.core.paths import app_dirs

log = logging.getLogger(__name__)

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


def free_disk_bytes(folder: Path) -> int:
    """Free bytes on the disk holding ``folder`` (the seam tests replace)."""
    return shutil.disk_usage(folder).free


def write_chunk(handle: BinaryIO, data: memoryview) -> int:
    """Write some of ``data``; returns how many bytes were written (the seam tests replace)."""
    written = handle.write(data)
    return len(data) if written is None else written


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
        return resolve(
            spec,
            endpoint=self.endpoint,
            timeout=self.timeout,
            connect_timeout=self.connect_timeout,
        )

    def _explain(self, exc: BaseException, spec: DownloadSpec, *, done: int) -> DownloadError:
        """Turn a library or network exception into a message for the user."""
        return explain(exc, spec, done=done, endpoint=self.endpoint, timeout=self.timeout)

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
        report = Reporter(progress)
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
            raise disk_error(exc, spec, self.partial_dir, kept=done > 0) from None
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
        report: Reporter,
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
            hash_file(part, digest, done, stop, report)
        headers = build_hf_headers()
        headers["Accept-Encoding"] = "identity"
        failures = 0
        restarts = 0
        first_failure: float | None = None
        httpx = http()
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
                except RangeRefused as refused:
                    if self._part_is_complete(spec, remote, digest, done, refused.server_size):
                        break
                    restarts = self._restart(spec, part, restarts)
                    digest = hashlib.sha256()
                    done = 0
                except RestartFromZero:
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
                    if not retryable(exc) or failures > self.retries or out_of_time:
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
        report: Reporter,
    ) -> int:
        request_headers = {"Range": f"bytes={done}-"} if done else {}
        start = done
        with client.stream("GET", remote.url, headers=request_headers) as response:
            status = response.status_code
            if status == 416 and done:
                raise RangeRefused(full_size(response.headers))
            if status >= 400:
                raise HttpStatus(status)
            chunks = response.iter_bytes()
            check_content_type(spec, response.headers, chunks, done=done, endpoint=self.endpoint)
            if done and status != 206:
                log.info("server ignored the Range request; starting %s again", spec.file)
                raise RestartFromZero()
            if status == 206 and not range_starts_at(response.headers, done):
                raise RestartFromZero()
            check_size(spec, remote, response.headers, done=done)
            head = b""
            try:
                handle = part.open("ab", buffering=0)
            except OSError as exc:
                raise disk_error(exc, spec, self.partial_dir, kept=done > 0) from None
            with handle:
                for received in chunks:
                    data = received
                    if start == 0 and done == 0 and len(head) < len(MAGIC):
                        # Nothing is written before the first bytes say "GGUF".
                        head += received
                        if len(head) < len(MAGIC):
                            continue
                        check_magic(spec, head)
                        data = head
                    view = memoryview(data)
                    while view:
                        try:
                            written = write_chunk(handle, view)
                        except OSError as exc:
                            raise disk_error(exc, spec, self.partial_dir, kept=True) from None
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
                check_magic(spec, head)  # the whole answer was under four bytes
            last = range_end(response.headers) if status == 206 else None
        if done < remote.size and (last is None or done != last + 1):
            raise http().RemoteProtocolError("the server closed the connection early")
        return done  # the whole file, or a shorter range the server chose: ask for the rest
