"""Checking a model file against the size and SHA-256 the catalogue pins.

A success is remembered by (size, mtime), so the starter model is hashed once, not at every
start; failures are never remembered.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from app.core.catalogue.entries import CatalogueEntry, CatalogueError
from app.core.catalogue.parsing import builtin_entry, load_catalogue
from app.core.gguf import InvalidModelError
from app.core.paths import app_dirs, catalogue_path, starter_model_path

log = logging.getLogger(__name__)

VERIFY_CACHE_FILE = "verified-models.json"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _read_verify_cache(cache_file: Path) -> dict[str, Any]:
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_verify_cache(cache_file: Path, data: Mapping[str, Any]) -> None:
    """Best effort: a cache that cannot be written only costs a re-hash next time."""
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".verified-", dir=cache_file.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
            os.replace(tmp, cache_file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("could not record model verification in %s: %s", cache_file, exc)


def verify_model_file(path: Path, *, size_bytes: int, sha256: str, label: str = "") -> None:
    """Check a model file's exact size and sha256, remembering a success by (size, mtime).

    Hashing a large file takes a while (about a second per GB), so a file that passed once is
    not hashed again until its size or modification time changes. Failures are never cached.
    Raises :class:`InvalidModelError` whose message says the file is wrong or truncated.
    """
    what = label or "The model file"
    try:
        info = path.stat()
    except OSError as exc:
        raise InvalidModelError(
            f"{what} at {path} cannot be read: {exc.strerror or exc}.",
            path=path,
            reason="missing" if isinstance(exc, FileNotFoundError) else "unreadable",
        ) from None
    if info.st_size != size_bytes:
        raise InvalidModelError(
            f"{what} at {path} is wrong or truncated: it has {info.st_size:,} bytes, "
            f"expected {size_bytes:,}.",
            path=path,
            reason="truncated" if info.st_size < size_bytes else "damaged",
        )
    cache_file = app_dirs().cache / VERIFY_CACHE_FILE
    key = str(path.resolve())
    cache = _read_verify_cache(cache_file)
    remembered = cache.get(key)
    stamp = {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "sha256": sha256}
    if remembered == stamp:
        return
    try:
        actual = _sha256_of(path)
    except OSError as exc:
        raise InvalidModelError(
            f"{what} at {path} cannot be read: {exc.strerror or exc}.",
            path=path,
            reason="unreadable",
        ) from None
    if actual != sha256:
        raise InvalidModelError(
            f"{what} at {path} is wrong or truncated: its contents do not match the expected "
            "checksum (sha256). Reinstall it or download it again.",
            path=path,
            reason="damaged",
        )
    cache[key] = stamp
    _write_verify_cache(cache_file, cache)


def verify_starter_model(
    path: Path | None = None, entries: Sequence[CatalogueEntry] | None = None
) -> None:
    """Check the bundled starter model against the size and sha256 pinned in the catalogue.

    Raises :class:`InvalidModelError` ("... wrong or truncated ...") on a mismatch. The first
    check hashes the file (about 0.3 s); later ones only compare size and mtime.
    """
    entries = list(entries) if entries is not None else load_catalogue()
    entry = builtin_entry(entries)
    path = path or starter_model_path()
    if entry.sha256 is None:
        raise CatalogueError(
            f"Model catalogue: entry '{entry.id}': field 'sha256' must be set for the built-in "
            "model so its file can be checked.",
            path=catalogue_path(),
            entry=entry.id,
            field="sha256",
        )
    verify_model_file(
        path,
        size_bytes=entry.size_bytes,
        sha256=entry.sha256,
        label=f"The built-in starter model ({entry.name})",
    )
