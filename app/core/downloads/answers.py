"""Reading what the server answered: a range of the model file, or something else.

A misbehaving hub or a proxy once made downloads loop for ever (a web page, a JSON message, a
file of another size, a range that did not start where asked), so every answer is checked
before its bytes are written, and each kind of wrong answer stops the download at once with a
message that quotes what the server sent.
"""

from __future__ import annotations

import errno
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.core.downloads.spec import DownloadError, DownloadSpec, RemoteFile
from app.core.hardware import format_bytes

log = logging.getLogger(__name__)

MAGIC = b"GGUF"
# Content types that are never a model file: a sign-in or error page, an API message.
_PAGE_TYPES = {"text/html", "application/xhtml+xml"}


class RestartFromZero(Exception):
    """The server cannot continue the partial file; start it again."""


class RangeRefused(Exception):
    """HTTP 416: the server has no bytes after the part (``server_size`` when it says)."""

    def __init__(self, server_size: int | None) -> None:
        super().__init__(f"range not satisfiable (server size {server_size})")
        self.server_size = server_size


def range_starts_at(headers: Any, start: int) -> bool:
    """Whether a 206 answer starts where the part ends (some servers send another range)."""
    match = re.match(r"bytes\s+(\d+)-", headers.get("Content-Range", ""))
    return bool(match) and int(match.group(1)) == start  # type: ignore[union-attr]


def range_end(headers: Any) -> int | None:
    """The last byte of ``Content-Range: bytes a-b/N`` (None without one)."""
    match = re.match(r"bytes\s+\d+-(\d+)/", headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def full_size(headers: Any) -> int | None:
    """The whole file's size from ``Content-Range: bytes a-b/N`` or ``bytes */N``."""
    match = re.match(r"bytes\s+(?:\d+-\d+|\*)/(\d+)\s*$", headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def int_header(headers: Any, name: str) -> int | None:
    """A header holding a whole number (``Content-Length``), None when absent or not one."""
    value = str(headers.get(name, "")).strip()
    return int(value) if value.isdigit() else None


def peek(chunks: Iterator[bytes], limit: int) -> bytes:
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


def page_title(body: bytes) -> str:
    """The ``<title>`` of a web page sent instead of the file, to tell the user what it was."""
    match = re.search(rb"<title[^>]*>(.*?)</title>", body, re.IGNORECASE | re.DOTALL)
    if not match:
        return ""
    return " ".join(match.group(1).decode("utf-8", "replace").split())[:100]


def json_message(body: bytes) -> str:
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


def looks_like_text(data: bytes) -> bool:
    """Whether the first bytes are readable text, so the message can quote them."""
    sample = data[:64]
    try:
        decoded = sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in decoded)


def disk_error(exc: OSError, spec: DownloadSpec, folder: Path, *, kept: bool) -> DownloadError:
    """A failed write as the user should read it: a full disk says so and keeps the part."""
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


def check_content_type(
    spec: DownloadSpec, headers: Any, chunks: Iterator[bytes], *, done: int, endpoint: str
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
        title = page_title(peek(chunks, 8192))
        titled = f', titled "{title}"' if title else ""
        raise DownloadError(
            f"The server sent a web page ({content_type}{titled}) instead of the model "
            f"file {name}. A sign-in page, a proxy or a network filter usually does this; "
            f"check that {endpoint} can be reached from this computer.{after}",
            reason="not_the_file",
            partial_kept=kept,
        )
    if content_type == "application/json" or content_type.endswith("+json"):
        said = json_message(peek(chunks, 8192))
        quoted = f': "{said}"' if said else ""
        raise DownloadError(
            f"The server sent a message ({content_type}) instead of the model file "
            f"{name}{quoted}.{after}",
            reason="not_the_file",
            partial_kept=kept,
        )


def check_size(spec: DownloadSpec, remote: RemoteFile, headers: Any, *, done: int) -> None:
    """Refuse an answer whose length is not the listed size: it is another file (or the
    listing is wrong), and asking again gets the same length."""
    kept = done > 0
    after = " The part downloaded before is kept." if kept else " Nothing was saved."
    name = spec.target_name
    total = full_size(headers)
    # A 206 may cover less than the rest of the file (some CDNs cap a range); its
    # Content-Range says the whole size. A 200 is the whole file: its length is the size.
    length = None if total is not None else int_header(headers, "Content-Length")
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


def check_magic(spec: DownloadSpec, head: bytes) -> None:
    """The first bytes of a GGUF file are ``GGUF``; anything else is not the model."""
    if head[: len(MAGIC)] == MAGIC:
        return
    if not head:
        what = "nothing at all"
    elif looks_like_text(head):
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
