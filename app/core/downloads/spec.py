"""What a download is: the request (a catalogue entry or a hub file), its progress, its result
and the ways it can fail, written for the user.

Kept apart from the transfer so the Models page and the CLI can name a download, parse what the
user typed and show its progress without importing anything that talks to the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from app.core.catalogue import CatalogueEntry, load_catalogue

_REPO_PART_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

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
    """The download of a catalogue entry, with the size and hash the catalogue pins."""
    return DownloadSpec(
        repo=entry.repo,
        file=entry.file,
        model_id=entry.id,
        name=entry.name,
        revision=entry.revision,
        sha256=entry.sha256,
        size_bytes=entry.size_bytes,
    )
