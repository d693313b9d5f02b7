"""The models on this computer: the starter model plus every GGUF in the models folder.

Every installed model has one id, whether it is in the catalogue or not: the catalogue id,
else the file name without ``.gguf``. Where a model came from (the catalogue, another hub
repository, an import) is remembered in a small file in the models folder
(:data:`ORIGINS_FILE`), written by downloads and imports, so listings can say so.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.core.catalogue.entries import CatalogueEntry, InstalledModel, ModelSource
from app.core.catalogue.parsing import builtin_entry, load_catalogue
from app.core.paths import app_dirs, starter_model_path

log = logging.getLogger(__name__)

# In the models folder: {"version": 1, "files": {file name: {"source": ..., ...}}}. A dot file,
# so it is never taken for a model.
ORIGINS_FILE = ".origins.json"


def entry_for_file(entries: Sequence[CatalogueEntry], name: str) -> CatalogueEntry | None:
    exact = next((e for e in entries if e.file == name), None)
    return exact or next((e for e in entries if e.file.lower() == name.lower()), None)


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def installed_models(entries: Sequence[CatalogueEntry] | None = None) -> list[InstalledModel]:
    """The starter model (when its file is present) plus every ``*.gguf`` in the models folder.

    Files are matched to catalogue entries by file name; any other GGUF gets its file name
    without ``.gguf`` as its id, so a model downloaded from any hub repository or imported
    from disk is listed and usable like a catalogue one. Headers are not read here (listing
    must stay instant); :func:`resolve_model` checks the one that is about to be used.
    """
    entries = list(entries) if entries is not None else load_catalogue()
    found: list[InstalledModel] = []
    starter = starter_model_path()
    builtin = builtin_entry(entries)
    if starter.is_file():
        found.append(
            InstalledModel(
                path=starter,
                model_id=builtin.id,
                name=builtin.name,
                size_bytes=starter.stat().st_size,
                builtin=True,
                entry=builtin,
                source="built-in",
                repo=builtin.repo,
            )
        )
    folder = app_dirs().models
    try:
        candidates = sorted(folder.iterdir(), key=lambda p: (p.name.lower(), p.name))
    except OSError:
        candidates = []
    origins = read_origins(folder)
    catalogue_ids = {e.id for e in entries}
    taken = {m.model_id for m in found}
    for path in candidates:
        if not path.name.lower().endswith(".gguf") or path.name.startswith("."):
            continue
        try:
            if not path.is_file():
                continue
            size = path.stat().st_size
        except OSError:
            continue
        if found and same_file(path, starter):
            continue
        entry = entry_for_file(entries, path.name)
        if entry is not None and entry.id not in taken:
            model_id = entry.id
        else:
            stem = path.name[: -len(".gguf")]
            clash = not stem or stem in catalogue_ids or stem in taken
            model_id = path.name if clash else stem
        taken.add(model_id)
        origin = origins.get(path.name)
        if origin is not None and origin.get("size") not in (None, str(size)):
            origin = None  # another file has taken the name since
        recorded = (origin or {}).get("source")
        source: ModelSource
        if recorded == "imported":
            source = "imported"
        elif entry is not None and not entry.builtin:
            source = "catalogue"
        elif recorded == "hub":
            source = "hub"
        else:
            source = "folder"
        found.append(
            InstalledModel(
                path=path,
                model_id=model_id,
                name=entry.name if entry else path.name[: -len(".gguf")],
                size_bytes=size,
                builtin=False,
                entry=entry,
                source=source,
                repo=(origin or {}).get("repo") or (entry.repo if entry else None),
                imported_from=(origin or {}).get("from") if source == "imported" else None,
            )
        )
    return found


def installed_model_at(
    path: Path, entries: Sequence[CatalogueEntry] | None = None
) -> InstalledModel | None:
    """The installed model whose file is ``path`` (to tell the user its id), or None."""
    return next((m for m in installed_models(entries) if m.path == path), None)


# --------------------------------------------------------------------------- origins

_origins_lock = threading.Lock()


def read_origins(folder: Path) -> dict[str, dict[str, str]]:
    """The origin records of the models folder; an unreadable file is no records."""
    try:
        data = json.loads((folder / ORIGINS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {
        str(name): {str(k): str(v) for k, v in record.items()}
        for name, record in files.items()
        if isinstance(record, dict)
    }


def _write_origins(folder: Path, records: Mapping[str, Mapping[str, str]]) -> None:
    """Best effort: a lost record only makes a listing say "models folder"."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".origins-", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"version": 1, "files": records}, handle, indent=1, sort_keys=True)
            os.replace(tmp, folder / ORIGINS_FILE)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("could not record where the models in %s came from: %s", folder, exc)


def record_origin(path: Path, origin: Mapping[str, str]) -> None:
    """Remember where the model file ``path`` (in the models folder) came from.

    ``origin`` holds ``source`` (``hub`` or ``imported``) and details such as ``repo`` or
    ``from``; the file's size is stored with it, so a different file put under the same name
    later is not mistaken for this one.
    """
    try:
        size = str(path.stat().st_size)
    except OSError:
        return
    with _origins_lock:
        records = read_origins(path.parent)
        records[path.name] = {**{k: str(v) for k, v in origin.items()}, "size": size}
        _write_origins(path.parent, records)


def forget_origin(path: Path) -> None:
    """Drop the record of a model file that was removed."""
    with _origins_lock:
        records = read_origins(path.parent)
        if records.pop(path.name, None) is not None:
            _write_origins(path.parent, records)
