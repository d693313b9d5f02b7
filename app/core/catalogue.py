"""The curated model catalogue (models.json) and how a model name becomes a file to load.

The catalogue is data the app ships, so it is checked strictly when read: a typo in a field
name, a negative size or a duplicated id is reported with the file, the entry and the field,
instead of surfacing later as a download of the wrong file. The schema is documented in
docs/CATALOGUE.md.

Model resolution is one function, :func:`resolve_model`, so the GUI, the CLI and every tool
agree on what "the chat model" means: an explicit choice, else the user's default for the
tool, else the built-in starter model. Every path it returns has passed the GGUF header check
(app.core.gguf), so the engine is only ever handed a file that looks loadable. An explicit
path to a .gguf file needs no catalogue, so a broken catalogue is only a warning for it.

Every installed model has one id (:func:`installed_models`), whether it is in the catalogue
or not: the catalogue id, else the file name without ``.gguf``. Where a model came from (the
catalogue, another hub repository, an import) is remembered in a small file in the models
folder (:data:`ORIGINS_FILE`), written by downloads and imports, so listings can say so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from app.core.backend import ModelRef, SamplingParams
from app.core.gguf import InvalidModelError, read_gguf_metadata
from app.core.paths import app_dirs, catalogue_path, starter_model_path
from app.core.settings import TOOLS, Settings, load_settings

log = logging.getLogger(__name__)

CATALOGUE_VERSION = 1
GOOD_FOR = ("chat", "summarise", "translate", "sentiment", "code", "reasoning")
VERIFY_CACHE_FILE = "verified-models.json"
# In the models folder: {"version": 1, "files": {file name: {"source": ..., ...}}}. A dot file,
# so it is never taken for a model.
ORIGINS_FILE = ".origins.json"

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
_QUANT_RE = re.compile(r"^[A-Za-z0-9_]+$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_REVISION_RE = re.compile(r"^[0-9a-f]{40}$")

# Sampling overrides a catalogue entry may set: name -> (type, lowest, highest, lowest allowed?)
_SAMPLING_RULES: dict[str, tuple[type, float, float, bool]] = {
    "temperature": (float, 0.0, 5.0, True),
    "top_p": (float, 0.0, 1.0, False),
    "top_k": (int, 0, 1000, True),
    "min_p": (float, 0.0, 1.0, True),
    "repeat_penalty": (float, 0.0, 5.0, False),
}


class CatalogueError(ValueError):
    """The catalogue file is unusable; the message names the file, the entry and the field."""

    def __init__(
        self, message: str, *, path: Path, entry: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.path = path
        self.entry = entry
        self.field = field


class ModelNotFoundError(ValueError):
    """The requested model is not on this computer; the message says what to do."""

    def __init__(self, message: str, *, model: str | None = None) -> None:
        super().__init__(message)
        self.model = model


@dataclass(frozen=True)
class CatalogueEntry:
    """One model the app offers. Sizes in bytes, RAM in GB (10**9 bytes), context in tokens."""

    id: str
    name: str
    family: str
    repo: str
    file: str
    quant: str
    params_b: float
    size_bytes: int
    context_length: int
    ram_gb: float
    license: str
    languages: tuple[str, ...]
    good_for: tuple[str, ...]
    description: str
    sha256: str | None = None
    builtin: bool = False
    chat_template: str | None = None
    sampling: Mapping[str, float | int] = field(default_factory=lambda: MappingProxyType({}))
    revision: str | None = None  # the hub commit the file (and its sha256) was taken from


# Where an installed model came from: shipped with Parley, downloaded from the catalogue,
# downloaded from another hub repository, imported from a file, or found in the folder.
ModelSource = Literal["built-in", "catalogue", "hub", "imported", "folder"]


@dataclass(frozen=True)
class InstalledModel:
    """A model file present on this computer, matched to its catalogue entry when there is one.

    ``model_id`` is the one id ``--model``, settings and :func:`resolve_model` use: the
    catalogue id, or for any other GGUF its file name without ``.gguf`` (the whole file name
    when that would clash with a catalogue id or another model). :func:`resolve_model` also
    accepts the file name. ``source`` says where it came from; ``repo`` is the hub repository
    of a download, ``imported_from`` the original file of an import.
    """

    path: Path
    model_id: str
    name: str
    size_bytes: int
    builtin: bool
    entry: CatalogueEntry | None
    source: ModelSource = "folder"
    repo: str | None = None
    imported_from: str | None = None

    @property
    def linked(self) -> bool:
        """True for a model imported as a link (the file lives elsewhere)."""
        return self.path.is_symlink()


# --------------------------------------------------------------------------- validation


class _Problem(Exception):
    """A field-level problem found while checking one entry."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    if _is_int(value):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _text(raw: Mapping[str, Any], key: str, *, pattern: re.Pattern[str] | None = None) -> str:
    value = raw[key]
    if not isinstance(value, str):
        raise _Problem(key, f"must be text, not {_json_type(value)}")
    if not value.strip():
        raise _Problem(key, "must not be empty")
    if pattern is not None and not pattern.match(value):
        raise _Problem(key, f"has an invalid value {value!r}")
    return value


def _optional_text(
    raw: Mapping[str, Any], key: str, *, pattern: re.Pattern[str] | None = None, what: str = ""
) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Problem(key, f"must be text or null, not {_json_type(value)}")
    if pattern is not None and not pattern.match(value):
        raise _Problem(key, f"must be {what}, not {value!r}")
    if not value.strip():
        raise _Problem(key, "must not be empty (use null to leave it out)")
    return value


def _positive_int(raw: Mapping[str, Any], key: str, unit: str) -> int:
    value = raw[key]
    if not _is_int(value) or value <= 0:
        raise _Problem(key, f"must be a positive whole number of {unit}, not {value!r}")
    return int(value)


def _positive_number(raw: Mapping[str, Any], key: str) -> float:
    value = raw[key]
    if not _is_number(value) or value <= 0:
        raise _Problem(key, f"must be a positive number, not {value!r}")
    return float(value)


def _text_list(
    raw: Mapping[str, Any], key: str, check: re.Pattern[str] | Sequence[str], what: str
) -> tuple[str, ...]:
    value = raw[key]
    if not isinstance(value, list) or not value:
        raise _Problem(key, f"must be a non-empty list of {what}")
    items: list[str] = []
    for item in value:
        ok = isinstance(item, str) and (
            check.match(item) if isinstance(check, re.Pattern) else item in check
        )
        if not ok:
            raise _Problem(key, f"has {item!r}, which is not one of {what}")
        if item in items:
            raise _Problem(key, f"lists {item!r} twice")
        items.append(item)
    return tuple(items)


def _sampling(raw: Mapping[str, Any]) -> Mapping[str, float | int]:
    value = raw.get("sampling")
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, dict):
        raise _Problem("sampling", f"must be an object, not {_json_type(value)}")
    result: dict[str, float | int] = {}
    for name, setting in value.items():
        rule = _SAMPLING_RULES.get(name)
        if rule is None:
            known = ", ".join(_SAMPLING_RULES)
            raise _Problem(f"sampling.{name}", f"is not a known setting (known: {known})")
        kind, low, high, low_ok = rule
        good_type = _is_int(setting) if kind is int else _is_number(setting)
        in_range = good_type and (low <= setting if low_ok else low < setting) and setting <= high
        if not in_range:
            bound = f"{'from' if low_ok else 'above'} {low} to {high}"
            noun = "a whole number" if kind is int else "a number"
            raise _Problem(f"sampling.{name}", f"must be {noun} {bound}, not {setting!r}")
        result[name] = int(setting) if kind is int else float(setting)
    return MappingProxyType(result)  # entries are shared through the cache: read-only


_REQUIRED = (
    "id",
    "name",
    "family",
    "repo",
    "file",
    "quant",
    "params_b",
    "size_bytes",
    "context_length",
    "ram_gb",
    "license",
    "languages",
    "good_for",
    "description",
)
_OPTIONAL = ("sha256", "builtin", "chat_template", "sampling", "revision")


def _file_name(raw: Mapping[str, Any]) -> str:
    name = _text(raw, "file")
    if "/" in name or "\\" in name or not name.lower().endswith(".gguf"):
        raise _Problem("file", f"must be a bare .gguf file name, not {name!r}")
    return name


def _builtin(raw: Mapping[str, Any]) -> bool:
    value = raw.get("builtin", False)
    if not isinstance(value, bool):
        raise _Problem("builtin", f"must be true or false, not {value!r}")
    return value


def _entry_from_json(raw: Mapping[str, Any]) -> CatalogueEntry:
    """Build one entry, raising _Problem at the first bad field (in schema order)."""
    for key in raw:
        if key not in _REQUIRED and key not in _OPTIONAL and not key.startswith("_"):
            raise _Problem(key, "is not a known field (check the spelling in docs/CATALOGUE.md)")
    for key in _REQUIRED:
        if key not in raw:
            raise _Problem(key, "is missing")
    # Keyword arguments are evaluated left to right, so problems are found in schema order.
    return CatalogueEntry(
        id=_text(raw, "id", pattern=_ID_RE),
        name=_text(raw, "name"),
        family=_text(raw, "family"),
        repo=_text(raw, "repo", pattern=_REPO_RE),
        file=_file_name(raw),
        quant=_text(raw, "quant", pattern=_QUANT_RE),
        params_b=_positive_number(raw, "params_b"),
        size_bytes=_positive_int(raw, "size_bytes", "bytes"),
        context_length=_positive_int(raw, "context_length", "tokens"),
        ram_gb=_positive_number(raw, "ram_gb"),
        license=_text(raw, "license"),
        languages=_text_list(raw, "languages", _LANG_RE, "ISO 639 language codes"),
        good_for=_text_list(raw, "good_for", GOOD_FOR, ", ".join(GOOD_FOR)),
        description=_text(raw, "description"),
        sha256=_optional_text(raw, "sha256", pattern=_SHA256_RE, what="64 lowercase hex digits"),
        builtin=_builtin(raw),
        chat_template=_optional_text(raw, "chat_template"),
        sampling=_sampling(raw),
        revision=_optional_text(
            raw, "revision", pattern=_REVISION_RE, what="a 40-digit hex commit id"
        ),
    )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _label(raw: object, index: int) -> str:
    """How an entry is named in messages: its id when it has a usable one, else its position."""
    if isinstance(raw, dict):
        ident = raw.get("id")
        if isinstance(ident, str) and ident.strip():
            return f"'{ident}' (entry #{index + 1})"
    return f"#{index + 1} (no id)"


def parse_catalogue(text: str, path: Path) -> list[CatalogueEntry]:
    """Check and parse catalogue JSON; ``path`` is only used in messages."""
    where = f"Model catalogue {path}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
            path=path,
        ) from None
    if not isinstance(data, dict):
        raise CatalogueError(f"{where} must hold a JSON object at the top level.", path=path)
    for key in data:
        if key not in ("version", "models") and not key.startswith("_"):
            raise CatalogueError(
                f"{where}: top-level field '{key}' is not a known field.", path=path, field=key
            )
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CatalogueError(
            f"{where}: field 'version' must be a whole number "
            f"(the schema version, {CATALOGUE_VERSION}).",
            path=path,
            field="version",
        )
    if version > CATALOGUE_VERSION:
        raise CatalogueError(
            f"{where} is schema version {version}, written for a newer Parley "
            f"(this one reads version {CATALOGUE_VERSION}).",
            path=path,
            field="version",
        )
    if version < 1:
        raise CatalogueError(
            f"{where}: field 'version' must be {CATALOGUE_VERSION}, not {version}.",
            path=path,
            field="version",
        )
    models = data.get("models")
    if not isinstance(models, list) or not models:
        raise CatalogueError(
            f"{where}: field 'models' must be a non-empty list of models.",
            path=path,
            field="models",
        )

    entries: list[CatalogueEntry] = []
    seen_ids: dict[str, int] = {}
    seen_files: dict[str, str] = {}
    for index, raw in enumerate(models):
        label = _label(raw, index)
        if not isinstance(raw, dict):
            raise CatalogueError(
                f"{where}, entry {label}: must be a JSON object, not {_json_type(raw)}.",
                path=path,
                entry=label,
            )
        try:
            entry = _entry_from_json(raw)
        except _Problem as problem:
            raise CatalogueError(
                f"{where}, entry {label}: field '{problem.field}' {problem.problem}.",
                path=path,
                entry=label,
                field=problem.field,
            ) from None
        if entry.id in seen_ids:
            raise CatalogueError(
                f"{where}, entry {label}: field 'id' repeats the id of entry "
                f"#{seen_ids[entry.id] + 1}; every id must be unique.",
                path=path,
                entry=label,
                field="id",
            )
        file_key = entry.file.lower()
        if file_key in seen_files:
            raise CatalogueError(
                f"{where}, entry {label}: field 'file' {entry.file!r} is also the file of "
                f"'{seen_files[file_key]}'; installed files are matched by name, "
                "so it must be unique.",
                path=path,
                entry=label,
                field="file",
            )
        seen_ids[entry.id] = index
        seen_files[file_key] = entry.id
        entries.append(entry)

    builtins = [e.id for e in entries if e.builtin]
    if len(builtins) != 1:
        found = ", ".join(f"'{b}'" for b in builtins) or "none"
        raise CatalogueError(
            f"{where}: exactly one entry must have field 'builtin' set to true "
            f"(the bundled starter model); found {found}.",
            path=path,
            entry=builtins[1] if len(builtins) > 1 else None,
            field="builtin",
        )
    return entries


_cache: dict[Path, tuple[tuple[int, int], list[CatalogueEntry]]] = {}


def load_catalogue(path: Path | None = None) -> list[CatalogueEntry]:
    """Read and check the catalogue (default: the one bundled with the app).

    The parsed result is cached per file and re-read when the file's size or time changes, so
    callers may call this freely (e.g. once per request for sampling defaults).
    """
    path = path or catalogue_path()
    try:
        info = path.stat()
    except FileNotFoundError:
        raise CatalogueError(
            f"Model catalogue {path} is missing; reinstall Parley.", path=path
        ) from None
    except OSError as exc:
        raise CatalogueError(
            f"Model catalogue {path} cannot be read: {exc.strerror or exc}.", path=path
        ) from None
    stamp = (info.st_size, info.st_mtime_ns)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return list(cached[1])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"Model catalogue {path} cannot be read: {exc}.", path=path) from None
    entries = parse_catalogue(text, path)
    _cache[path] = (stamp, entries)
    return list(entries)


def find_entry(entries: Iterable[CatalogueEntry], model_id: str) -> CatalogueEntry | None:
    """The entry with this id, or None."""
    return next((entry for entry in entries if entry.id == model_id), None)


def builtin_entry(entries: Iterable[CatalogueEntry]) -> CatalogueEntry:
    """The starter model's entry (load_catalogue guarantees there is exactly one)."""
    return next(entry for entry in entries if entry.builtin)


# --------------------------------------------------------------------------- installed models


def _entry_for_file(entries: Sequence[CatalogueEntry], name: str) -> CatalogueEntry | None:
    exact = next((e for e in entries if e.file == name), None)
    return exact or next((e for e in entries if e.file.lower() == name.lower()), None)


def _same_file(a: Path, b: Path) -> bool:
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
    origins = _read_origins(folder)
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
        if found and _same_file(path, starter):
            continue
        entry = _entry_for_file(entries, path.name)
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


def _read_origins(folder: Path) -> dict[str, dict[str, str]]:
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
        records = _read_origins(path.parent)
        records[path.name] = {**{k: str(v) for k, v in origin.items()}, "size": size}
        _write_origins(path.parent, records)


def forget_origin(path: Path) -> None:
    """Drop the record of a model file that was removed."""
    with _origins_lock:
        records = _read_origins(path.parent)
        if records.pop(path.name, None) is not None:
            _write_origins(path.parent, records)


# --------------------------------------------------------------------------- resolution


def _looks_like_path(spec: str) -> bool:
    return (
        os.sep in spec
        or "/" in spec
        or (os.altsep is not None and os.altsep in spec)
        or spec.startswith("~")
    )


def _model_ref(path: Path, model_id: str, entry: CatalogueEntry | None) -> ModelRef:
    return ModelRef(
        path=path,
        model_id=model_id,
        display_name=entry.name if entry else path.stem,
        chat_template=entry.chat_template if entry else None,
    )


def _checked(ref: ModelRef) -> ModelRef:
    """Run the header check so the engine is never handed an unusable file."""
    read_gguf_metadata(ref.path)
    return ref


def _starter_ref(entries: Sequence[CatalogueEntry]) -> ModelRef:
    entry = builtin_entry(entries)
    path = starter_model_path()
    if not path.is_file():
        raise ModelNotFoundError(
            f"The built-in starter model ({entry.name}) is missing: expected it at {path}. "
            "Reinstall Parley (from a source checkout, run `make setup`).",
            model=entry.id,
        )
    read_gguf_metadata(path)
    verify_starter_model(path, entries)
    return _model_ref(path, entry.id, entry)


def resolve_model(
    spec: str | None, *, tool: str = "chat", settings: Settings | None = None
) -> ModelRef:
    """Turn a model choice into a checked :class:`ModelRef`.

    ``spec`` may be None (use the user's default for ``tool``, else the starter model), an
    installed model's id (a catalogue id, which must be downloaded, or a file name without
    ``.gguf``), the file name of a GGUF in the models folder, or a path to a .gguf file
    anywhere. A path needs no catalogue: when the catalogue is broken it is still resolved,
    and the catalogue's problem is logged as a warning. Raises :class:`ModelNotFoundError`
    when nothing matches, :class:`InvalidModelError` when the file is not a usable GGUF model
    and :class:`CatalogueError` when the catalogue is needed and broken.
    """
    if tool not in TOOLS:
        raise ValueError(f"unknown tool {tool!r}; expected one of {', '.join(TOOLS)}")
    if spec is None:
        settings = settings if settings is not None else load_settings().settings
        configured = settings.default_models.get(tool, "").strip()
        if not configured:
            return _starter_ref(load_catalogue())
        try:
            return _resolve_spec(configured)
        except ModelNotFoundError as exc:
            raise ModelNotFoundError(
                f"The default model for {tool} is not available: {exc} "
                "Choose another default in Settings.",
                model=configured,
            ) from None

    spec = spec.strip()
    if not spec:
        raise ModelNotFoundError("No model was given.", model=spec)
    return _resolve_spec(spec)


def _is_explicit_path(spec: str) -> bool:
    """A spec that names a file by its path rather than an installed model by its id."""
    return _looks_like_path(spec) or Path(spec).is_file()


def _resolve_spec(spec: str) -> ModelRef:
    try:
        entries: list[CatalogueEntry] | None = load_catalogue()
    except CatalogueError as exc:
        if not _is_explicit_path(spec):
            raise
        log.warning("%s The model file %s is used without the catalogue.", exc, spec)
        entries = None
    if entries is None:
        return _resolve_path(spec, None)
    entry = find_entry(entries, spec)
    if entry is not None and entry.builtin:
        return _starter_ref(entries)
    installed = installed_models(entries)
    for model in installed:
        if model.model_id == spec or (not model.builtin and model.path.name == spec):
            return _checked(_model_ref(model.path, model.model_id, model.entry))
    if entry is not None:
        size_gb = entry.size_bytes / 1e9
        raise ModelNotFoundError(
            f"{entry.name} ('{entry.id}') is in the catalogue but not downloaded yet "
            f"({size_gb:.1f} GB). Download it first; it will be saved in {app_dirs().models}.",
            model=spec,
        )
    if _looks_like_path(spec) or Path(spec).exists():
        return _resolve_path(spec, entries)
    known = ", ".join(m.model_id for m in installed) or "none"
    folded = spec.casefold().removesuffix(".gguf")
    close = next(
        (
            m.model_id
            for m in installed
            if folded in (m.model_id.casefold(), m.path.name.casefold().removesuffix(".gguf"))
        ),
        None,
    )
    hint = f" Did you mean '{close}'?" if close else ""
    raise ModelNotFoundError(
        f"There is no model called '{spec}'.{hint} The installed models are: {known}. Give "
        "one of these ids (a file name from the models folder, with .gguf, works too), or "
        "the path of a .gguf file.",
        model=spec,
    )


def _resolve_path(spec: str, entries: Sequence[CatalogueEntry] | None) -> ModelRef:
    """A .gguf file given by its path; ``entries`` None means the catalogue is unusable."""
    path = Path(spec).expanduser()
    if not path.exists():
        raise ModelNotFoundError(f"No model file at {path}.", model=spec)
    path = path.resolve()
    if entries is None:
        return _checked(_model_ref(path, path.name, None))
    if _same_file(path, starter_model_path()):
        return _starter_ref(entries)
    match = _entry_for_file(entries, path.name)
    if match is not None and match.builtin:
        match = None  # a copy of the starter elsewhere is just a file
    model_id = match.id if match else path.name
    return _checked(_model_ref(path, model_id, match))


def default_sampling(model_id: str) -> SamplingParams:
    """Sampling settings for a model: the catalogue's overrides on top of SamplingParams().

    A model outside the catalogue (a user's own GGUF) gets the plain defaults, and so does
    every model while the catalogue is broken: a model given by its path still runs (its
    resolution already warned about the catalogue).
    """
    try:
        entries = load_catalogue()
    except CatalogueError as exc:
        log.info("no catalogue sampling defaults for %s: %s", model_id, exc)
        return SamplingParams()
    entry = find_entry(entries, model_id)
    if entry is None or not entry.sampling:
        return SamplingParams()
    values: dict[str, Any] = dict(entry.sampling)
    return dataclasses.replace(SamplingParams(), **values)


# --------------------------------------------------------------------------- verification


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
