"""Talking to the Hugging Face hub: the file's size, hash and commit, and what a failure means.

huggingface_hub is imported only here and only when a download starts, and it is configured
then (telemetry off, finite timeouts), never at import: the app makes no network request the
user did not start.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any

from app.core.downloads.spec import DownloadError, DownloadSpec, RemoteFile

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_TRUE = {"1", "true", "yes", "on"}


def http() -> Any:
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


def _offline() -> bool:
    """Whether HF_HUB_OFFLINE forbids downloads, read now rather than at import."""
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

        httpx = http()

        def client_factory() -> Any:
            return httpx.Client(
                follow_redirects=True,
                timeout=httpx.Timeout(timeout, connect=connect_timeout),
            )

        set_client_factory(client_factory)
        _hub_timeouts = (timeout, connect_timeout)


class HttpStatus(Exception):
    """The file request got an HTTP error status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def retryable(exc: BaseException) -> bool:
    """Worth another Range request: a lost connection, a timeout, or a 5xx/429 answer."""
    if isinstance(exc, HttpStatus):
        return exc.status >= 500 or exc.status == 429
    return isinstance(exc, http().TransportError)


def short(exc: BaseException) -> str:
    """The first line of an exception's text, for a one-line message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def resolve(
    spec: DownloadSpec, *, endpoint: str, timeout: float, connect_timeout: float
) -> RemoteFile:
    """Ask the hub for the file's commit, size and SHA-256 (two small requests)."""
    if _offline():
        raise DownloadError(
            "Downloads are switched off because HF_HUB_OFFLINE is set. Unset it to "
            "download models; everything else works offline.",
            reason="offline",
        )
    _prepare_hub(timeout, connect_timeout)
    from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_url

    revision = spec.revision or "main"
    try:
        url = hf_hub_url(spec.repo, spec.file, revision=revision, endpoint=endpoint)
        meta = get_hf_file_metadata(url, timeout=timeout, endpoint=endpoint)
        commit = meta.commit_hash or (revision if len(revision) == 40 else None)
        infos = HfApi(endpoint=endpoint).get_paths_info(
            spec.repo, [spec.file], revision=commit or revision
        )
    except Exception as exc:  # every failure becomes a clear message
        raise explain(exc, spec, done=0, endpoint=endpoint, timeout=timeout) from exc
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
    download_url = hf_hub_url(spec.repo, spec.file, revision=commit or revision, endpoint=endpoint)
    return RemoteFile(url=download_url, size=size, sha256=sha, commit=commit)


def explain(
    exc: BaseException, spec: DownloadSpec, *, done: int, endpoint: str, timeout: float
) -> DownloadError:
    """Turn a library or network exception into a message for the user."""
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    httpx = http()
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
    if isinstance(exc, HttpStatus):
        return status_error(exc.status, spec, kept=kept)
    if isinstance(exc, HfHubHTTPError | httpx.HTTPStatusError):
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", 0) or 0
        return status_error(status, spec, kept=kept)
    if isinstance(exc, httpx.TimeoutException):
        return DownloadError(
            f"The hub did not answer within {timeout:g} seconds while downloading {where}.{later}",
            reason="timeout",
            partial_kept=kept,
        )
    if isinstance(exc, httpx.TransportError | ConnectionError):
        return DownloadError(
            f"The connection to the hub ({endpoint}) was lost or could not be made "
            f"({short(exc)}).{later}",
            reason="network",
            partial_kept=kept,
        )
    return DownloadError(
        f"Downloading {where} failed: {short(exc)}.{later}",
        reason="network",
        partial_kept=kept,
    )


def status_error(status: int, spec: DownloadSpec, *, kept: bool) -> DownloadError:
    """What an HTTP error status from the hub means for the user."""
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
