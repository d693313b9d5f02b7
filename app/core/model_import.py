"""Adding a GGUF file from disk to Parley, and removing installed models.

A model the user already has (from another app, a colleague, a USB stick) should not need a
download. Importing checks the file's GGUF header first, so a non-model, a truncated copy or
a too-new format is refused with a message before anything is copied. A sound header is not
enough (a tensor of a type llama.cpp does not know passes it and then fails at every use), so
the caller's load test - the same one downloads run, which loads the model once in a real
engine - runs next, and a file that fails it is not installed. Then the file is either copied
into the models folder (with progress and a free-space check) or linked to (a symbolic link,
else a hard link), which costs no space but breaks if the original moves.

Removing deletes the file from the models folder (for a link: only the link) and forgets it
as a default for any tool; the built-in starter model is never removed, because Parley must
always have a model that works offline.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from app.core.catalogue import (
    ModelNotFoundError,
    forget_origin,
    installed_model_at,
    installed_models,
    record_origin,
)
from app.core.gguf import GgufInfo, InvalidModelError, read_gguf_metadata
from app.core.hardware import format_bytes
from app.core.paths import app_dirs, starter_model_path
from app.core.settings import load_settings, save_settings

log = logging.getLogger(__name__)

COPY_CHUNK = 8 << 20
DISK_MARGIN_BYTES = 64 * 10**6
IMPORT_TMP_PREFIX = ".import-"

ImportMode = Literal["copy", "link"]
Duplicate = Literal["error", "rename", "replace"]


class ModelImportError(ValueError):
    """An import or removal that cannot be done; the message says why and what to do.

    ``reason`` lets the GUI offer the right choice (e.g. "Keep both" for ``duplicate``).
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ImportCancelled(Exception):
    """The user stopped a copy; nothing was left behind."""


@dataclass(frozen=True)
class ModelFacts:
    """What the GGUF header says about a model, for the import dialog and the CLI."""

    architecture: str
    name: str
    parameters: str  # "135M", "1.5B"
    parameter_count: int
    context_length: int | None
    quantization: str
    chat_template: str | None
    size_bytes: int

    @classmethod
    def from_info(cls, info: GgufInfo) -> ModelFacts:
        return cls(
            architecture=info.architecture or "unknown",
            name=info.name,
            parameters=info.parameters_label,
            parameter_count=info.parameter_count,
            context_length=info.context_length,
            quantization=info.quant,
            chat_template=info.chat_template,
            size_bytes=info.file_size,
        )


@dataclass(frozen=True)
class ImportedModel:
    """The result of an import: where the model now is and what it is."""

    path: Path
    model_id: str  # the installed model's id: what settings and ``--model`` use
    facts: ModelFacts
    how: Literal["copy", "symlink", "hardlink"]
    replaced: bool = False


@dataclass(frozen=True)
class RemovedModel:
    """What a removal did."""

    path: Path
    freed_bytes: int
    was_link: bool
    defaults_cleared: tuple[str, ...]  # tools whose default model this was


Progress = Callable[[int, int], None]
# Loads a model file once and raises (with a message for the user) when the engine cannot:
# the hook the command line (app/cli/models.py) and the Models page also give downloads.
LoadTest = Callable[[Path], None]


def inspect_model(path: Path) -> ModelFacts:
    """Read and check a GGUF header; raises InvalidModelError with a user-facing message."""
    return ModelFacts.from_info(read_gguf_metadata(path))


def free_disk_bytes(folder: Path) -> int:
    """Free bytes on the disk holding ``folder`` (the seam tests replace)."""
    return shutil.disk_usage(folder).free


def _safe_name(name: str) -> str:
    """A file name that is safe in any file system and still ends in .gguf."""
    stem = name[:-5] if name.lower().endswith(".gguf") else name
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", stem).strip(" .")
    if not stem:
        raise ModelImportError("The model needs a name.", reason="bad_name")
    return stem[:120] + ".gguf"


def _free_name(folder: Path, name: str) -> str:
    """``name``, or ``name-2.gguf``, ``name-3.gguf``... whichever is not taken."""
    stem = name[:-5]
    candidate, number = name, 2
    while (folder / candidate).exists() or (folder / candidate).is_symlink():
        candidate = f"{stem}-{number}.gguf"
        number += 1
    return candidate


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def import_model(
    source: Path,
    *,
    mode: ImportMode = "copy",
    name: str | None = None,
    on_duplicate: Duplicate = "error",
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    load_test: LoadTest | None = None,
    on_testing: Callable[[], None] | None = None,
) -> ImportedModel:
    """Validate ``source`` and copy or link it into the models folder.

    ``on_duplicate`` decides what happens when a model of that name is installed: refuse
    (``error``, the message names the installed file), keep both (``rename`` to
    ``name-2.gguf``) or ``replace`` it. ``load_test`` (when given) loads the file once before
    it is installed, so a model the engine cannot load is never installed, and never replaces
    a working one; ``on_testing`` is called just before it starts (it takes seconds). Raises
    :class:`InvalidModelError` for a file that is not a usable GGUF, :class:`ModelImportError`
    for everything else (``reason="load_failed"`` when the load test fails), and
    :class:`ImportCancelled` when ``stop`` is set during a copy.
    """
    source = Path(os.path.expanduser(source))
    facts = inspect_model(source)  # refuses non-GGUF, truncated and unsupported files
    source = source.resolve()
    folder = app_dirs().models
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelImportError(
            f"Parley cannot create its models folder {folder}: {exc.strerror or exc}.",
            reason="unwritable",
        ) from None
    if source.parent == folder.resolve() or any(
        _same_file(source, m.path) for m in installed_models()
    ):
        raise ModelImportError(
            f"{source.name} is already installed; there is nothing to import.",
            reason="already_installed",
        )
    file_name = _safe_name(name or source.name)
    target = folder / file_name
    replaced = False
    if target.exists() or target.is_symlink():
        if on_duplicate == "rename":
            target = folder / _free_name(folder, file_name)
        elif on_duplicate == "replace":
            replaced = True
        else:
            raise ModelImportError(
                f"A model file named {file_name} is already installed "
                f"({format_bytes(_size(target))}). Import it under another name, keep both, "
                "or replace the installed one.",
                reason="duplicate",
            )

    if load_test is not None:
        if on_testing is not None:
            on_testing()
        _load_tested(source, load_test)

    how: Literal["copy", "symlink", "hardlink"]
    if mode == "link":
        how = _link(source, target, replace=replaced)
    else:
        _copy(source, target, facts.size_bytes, progress=progress, stop=stop)
        how = "copy"
    record_origin(target, {"source": "imported", "from": str(source), "how": how})
    log.info("imported %s as %s (%s)", source, target, how)
    installed = installed_model_at(target)
    model_id = installed.model_id if installed is not None else target.name
    return ImportedModel(path=target, model_id=model_id, facts=facts, how=how, replaced=replaced)


def _load_tested(source: Path, load_test: LoadTest) -> None:
    """Run the load test on the file to import; a failure becomes a ModelImportError.

    The test runs on the original file, before anything is copied or linked, so a model the
    engine refuses leaves nothing installed (and a replaced model stays as it was).
    """
    try:
        load_test(source)
    except ImportCancelled:
        raise
    except Exception as exc:  # any failure to load is the answer, told in the engine's words
        detail = (str(exc).strip() or type(exc).__name__).rstrip(".")
        raise ModelImportError(
            f"{source.name} has a valid GGUF header, but the engine could not load it: "
            f"{detail}. It was not installed.",
            reason="load_failed",
        ) from None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _link(source: Path, target: Path, *, replace: bool) -> Literal["symlink", "hardlink"]:
    """A symbolic link, else a hard link (Windows without developer mode has no symlinks)."""
    temp = target.with_name(f"{IMPORT_TMP_PREFIX}{target.name}")
    temp.unlink(missing_ok=True)
    how: Literal["symlink", "hardlink"]
    try:
        temp.symlink_to(source)
        how = "symlink"
    except OSError as symlink_error:
        try:
            os.link(source, temp)
            how = "hardlink"
        except OSError as hardlink_error:
            raise ModelImportError(
                f"Parley could not link to {source} ({symlink_error.strerror or symlink_error}; "
                f"a hard link failed too: {hardlink_error.strerror or hardlink_error}). "
                "Copy the model instead.",
                reason="link_failed",
            ) from None
    if not replace and (target.exists() or target.is_symlink()):
        temp.unlink(missing_ok=True)
        raise ModelImportError(f"{target.name} appeared while importing.", reason="duplicate")
    os.replace(temp, target)
    return how


def _copy(
    source: Path,
    target: Path,
    size: int,
    *,
    progress: Progress | None,
    stop: threading.Event | None,
) -> None:
    """Copy in chunks to a hidden temporary file, then rename: never a half-copied model."""
    folder = target.parent
    free = free_disk_bytes(folder)
    if size + DISK_MARGIN_BYTES > free:
        raise ModelImportError(
            f"Not enough free disk space to copy {source.name}: it needs {format_bytes(size)} "
            f"(plus {format_bytes(DISK_MARGIN_BYTES)} to spare) and only {format_bytes(free)} "
            f"is free in {folder}. Free some space, or link to the file instead of copying it.",
            reason="disk_full",
        )
    temp = folder / f"{IMPORT_TMP_PREFIX}{target.name}"
    done = 0
    try:
        with source.open("rb") as reader, temp.open("wb") as writer:
            while block := reader.read(COPY_CHUNK):
                writer.write(block)
                done += len(block)
                if progress is not None:
                    progress(done, size)
                if stop is not None and stop.is_set():
                    raise ImportCancelled()
            writer.flush()
            os.fsync(writer.fileno())
        if done != size:
            raise ModelImportError(
                f"{source.name} changed while it was being copied ({done:,} of {size:,} bytes). "
                "Try again.",
                reason="changed",
            )
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ModelImportError(
                f"The disk filled up while copying {source.name}; the incomplete copy was "
                "removed. Free some space and try again.",
                reason="disk_full",
            ) from None
        raise ModelImportError(
            f"Copying {source.name} failed: {exc.strerror or exc}.", reason="copy_failed"
        ) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def remove_model(spec: str, *, clear_defaults: bool = True) -> RemovedModel:
    """Delete an installed model (by id or file name); the starter model is refused.

    Its file is deleted (a linked model loses only its link), and any tool that used it as
    its default falls back to the starter model.
    """
    spec = spec.strip()
    models = installed_models()
    match = next((m for m in models if m.model_id == spec), None) or next(
        (m for m in models if m.path.name == spec and not m.builtin), None
    )
    if match is None:
        known = ", ".join(m.model_id for m in models if not m.builtin) or "none"
        raise ModelNotFoundError(
            f"There is no installed model called '{spec}'. Installed models you can remove: "
            f"{known}.",
            model=spec,
        )
    if match.builtin or _same_file(match.path, starter_model_path()):
        raise ModelImportError(
            f"{match.name} is built into Parley and cannot be removed: it is the model that "
            "always works offline.",
            reason="builtin",
        )
    path = match.path
    was_link = path.is_symlink()
    freed = 0
    try:
        info = path.lstat()
        if not was_link and info.st_nlink <= 1:
            freed = info.st_size
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ModelImportError(
            f"{path} could not be deleted: {exc.strerror or exc}.", reason="unwritable"
        ) from None
    forget_origin(path)
    cleared: list[str] = []
    if clear_defaults:
        loaded = load_settings()
        settings = loaded.settings
        for tool, model_id in list(settings.default_models.items()):
            if model_id in (match.model_id, path.name):
                del settings.default_models[tool]
                cleared.append(tool)
        if cleared:
            save_settings(settings)
    log.info("removed %s (%s freed)", path, format_bytes(freed))
    return RemovedModel(
        path=path, freed_bytes=freed, was_link=was_link, defaults_cleared=tuple(cleared)
    )


__all__ = [
    "ImportCancelled",
    "ImportedModel",
    "InvalidModelError",
    "LoadTest",
    "ModelFacts",
    "ModelImportError",
    "RemovedModel",
    "import_model",
    "inspect_model",
    "remove_model",
]
