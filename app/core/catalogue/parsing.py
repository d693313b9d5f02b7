"""Reading models.json strictly: every field checked, every problem named precisely.

The catalogue is data the app ships, so a typo in a field name, a negative size or a
duplicated id is reported with the file, the entry and the field, instead of surfacing later
as a download of the wrong file. The schema is documented in docs/CATALOGUE.md.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.core.backend import ReasoningMode
from app.core.catalogue.entries import CATALOGUE_VERSION, GOOD_FOR, CatalogueEntry, CatalogueError
from app.core.chat_template import THINK_SWITCH
from app.core.paths import catalogue_path

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


_REASONING: dict[str, ReasoningMode] = {
    "none": "none",
    "switchable": "switchable",
    "always": "always",
}
# Template variables a "switchable" entry may name: the ones the engine knows how to set.
_REASONING_SWITCHES = (THINK_SWITCH,)


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
_OPTIONAL = (
    "sha256",
    "builtin",
    "chat_template",
    "sampling",
    "revision",
    "reasoning",
    "reasoning_switch",
)


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


def _reasoning(raw: Mapping[str, Any]) -> ReasoningMode:
    value = raw.get("reasoning")
    if value is None:
        return "none"
    mode = _REASONING.get(value) if isinstance(value, str) else None
    if mode is None:
        known = ", ".join(f"'{name}'" for name in _REASONING)
        raise _Problem("reasoning", f"must be one of {known}, not {value!r}")
    return mode


def _reasoning_switch(raw: Mapping[str, Any]) -> str | None:
    """The switch of a "switchable" entry (default enable_thinking); None for the others."""
    value = raw.get("reasoning_switch")
    switchable = _reasoning(raw) == "switchable"
    if value is None:
        return THINK_SWITCH if switchable else None
    if not switchable:
        raise _Problem("reasoning_switch", 'is only for entries with "reasoning": "switchable"')
    if not isinstance(value, str) or value not in _REASONING_SWITCHES:
        known = ", ".join(f"'{name}'" for name in _REASONING_SWITCHES)
        raise _Problem(
            "reasoning_switch", f"must be a template variable Parley sets ({known}), not {value!r}"
        )
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
        reasoning=_reasoning(raw),
        reasoning_switch=_reasoning_switch(raw),
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
