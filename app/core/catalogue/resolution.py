"""How a model name becomes a checked file to load: one function for every caller.

:func:`resolve_model` is the only place that decides, so the GUI, the CLI and every tool agree
on what "the chat model" means: an explicit choice, else the user's default for the tool,
else the built-in starter model. Every path it returns has passed the GGUF header check
(app.core.gguf), so the engine is only ever handed a file that looks loadable. An explicit
path to a .gguf file needs no catalogue, so a broken catalogue is only a warning for it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.core.backend import ModelRef, SamplingParams
from app.core.catalogue.entries import CatalogueEntry, CatalogueError, ModelNotFoundError
from app.core.catalogue.installed import entry_for_file, installed_models, same_file
from app.core.catalogue.parsing import builtin_entry, find_entry, load_catalogue
from app.core.catalogue.verification import verify_starter_model
from app.core.gguf import read_gguf_metadata
from app.core.paths import app_dirs, starter_model_path
from app.core.settings import TOOLS, Settings, load_settings

log = logging.getLogger(__name__)


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
    if same_file(path, starter_model_path()):
        return _starter_ref(entries)
    match = entry_for_file(entries, path.name)
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
