"""Every folder Parley reads or writes, resolved in one place.

The platform conventions come from platformdirs. ``PARLEY_HOME`` puts every folder under one
directory so tests (and portable installs) never touch the user's real data. Bundled,
read-only resources are found through :func:`resource_path`, which also works inside a
PyInstaller bundle where files live under ``sys._MEIPASS``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_SLUG = "parley"
HOME_ENV = "PARLEY_HOME"
STARTER_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class AppDirs:
    """The writable folders of one Parley installation."""

    data: Path
    config: Path
    cache: Path
    models: Path
    logs: Path

    def ensure(self) -> AppDirs:
        """Create every folder; called lazily so importing the module has no side effects."""
        for folder in (self.data, self.config, self.cache, self.models, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def app_dirs() -> AppDirs:
    """Resolve the folders now (not at import time), so a changed ``PARLEY_HOME`` is seen."""
    home = os.environ.get(HOME_ENV)
    if home:
        root = Path(home).expanduser().resolve()
        return AppDirs(
            data=root / "data",
            config=root / "config",
            cache=root / "cache",
            models=root / "models",
            logs=root / "logs",
        )
    data = Path(platformdirs.user_data_dir(APP_SLUG, appauthor=False))
    return AppDirs(
        data=data,
        config=Path(platformdirs.user_config_dir(APP_SLUG, appauthor=False)),
        cache=Path(platformdirs.user_cache_dir(APP_SLUG, appauthor=False)),
        models=data / "models",
        logs=Path(platformdirs.user_log_dir(APP_SLUG, appauthor=False)),
    )


def bundle_root() -> Path:
    """The folder that holds ``resources/`` and ``models.json``.

    In a PyInstaller bundle that is ``sys._MEIPASS``; from a source checkout it is the
    repository root (the parent of the ``app`` package).
    """
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parents[2]


def resource_path(*parts: str) -> Path:
    """Path of a bundled read-only resource, e.g. ``resource_path("icons", "parley.svg")``."""
    return bundle_root().joinpath("resources", *parts)


def catalogue_path() -> Path:
    """The curated model catalogue shipped with the app.

    ``PARLEY_CATALOGUE`` points at another file: organisations can ship their own curated list,
    and tests check how a broken catalogue is reported.
    """
    override = os.environ.get("PARLEY_CATALOGUE")
    if override:
        return Path(override)
    return bundle_root() / "models.json"


def starter_model_path() -> Path:
    """The built-in starter model, shipped with the app rather than downloaded per user."""
    override = os.environ.get("PARLEY_STARTER_MODEL")
    if override:
        return Path(override)
    return resource_path("models", STARTER_MODEL_FILE)


def log_dir() -> tuple[Path, str | None]:
    """Where logs go, and a note when that is not the usual place.

    A read-only ``PARLEY_HOME`` (or a log folder the user cannot write) must not stop a
    command that saves nothing, such as ``parley chat --no-save``: the logs then go to a
    private folder in the system's temporary directory, and the note says where.
    """
    usual = app_dirs().logs
    try:
        usual.mkdir(parents=True, exist_ok=True)
        if os.access(usual, os.W_OK | os.X_OK):
            return usual, None
    except OSError:
        pass
    import tempfile

    uid = os.getuid() if hasattr(os, "getuid") else 0
    fallback = Path(tempfile.gettempdir()) / f"parley-{uid}-logs"
    fallback.mkdir(mode=0o700, parents=True, exist_ok=True)
    return fallback, f"the log folder {usual} is not writable; logs go to {fallback}"
