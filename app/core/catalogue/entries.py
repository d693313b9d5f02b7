"""The records of the catalogue and of installed models, and the errors resolution raises.

Kept apart from parsing and resolution so the GUI can type its tables and dialogs with them
without importing the code that reads files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from app.core.backend import ReasoningMode

CATALOGUE_VERSION = 1
GOOD_FOR = ("chat", "summarise", "translate", "sentiment", "code", "reasoning")


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
    # How the model reasons, as its chat template will say once it is downloaded: "none",
    # "switchable" (thinking can be turned off with the template variable reasoning_switch)
    # or "always" (it thinks before every answer).
    reasoning: ReasoningMode = "none"
    reasoning_switch: str | None = None  # set exactly when reasoning is "switchable"


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
