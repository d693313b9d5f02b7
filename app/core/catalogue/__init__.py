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

The package is split by concern: :mod:`.entries` (the records and errors), :mod:`.parsing`
(reading and checking models.json), :mod:`.installed` (the models on this computer and where
they came from), :mod:`.resolution` (a model name to a checked file) and
:mod:`.verification` (size and hash checks). Callers import from here.
"""

from app.core.catalogue.entries import (
    CATALOGUE_VERSION,
    GOOD_FOR,
    CatalogueEntry,
    CatalogueError,
    InstalledModel,
    ModelNotFoundError,
    ModelSource,
)
from app.core.catalogue.installed import (
    ORIGINS_FILE,
    forget_origin,
    installed_model_at,
    installed_models,
    record_origin,
)
from app.core.catalogue.parsing import builtin_entry, find_entry, load_catalogue, parse_catalogue
from app.core.catalogue.resolution import default_sampling, resolve_model
from app.core.catalogue.verification import (
    VERIFY_CACHE_FILE,
    verify_model_file,
    verify_starter_model,
)

__all__ = [
    "CATALOGUE_VERSION",
    "GOOD_FOR",
    "ORIGINS_FILE",
    "VERIFY_CACHE_FILE",
    "CatalogueEntry",
    "CatalogueError",
    "InstalledModel",
    "ModelNotFoundError",
    "ModelSource",
    "builtin_entry",
    "default_sampling",
    "find_entry",
    "forget_origin",
    "installed_model_at",
    "installed_models",
    "load_catalogue",
    "parse_catalogue",
    "record_origin",
    "resolve_model",
    "verify_model_file",
    "verify_starter_model",
]
