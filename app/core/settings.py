"""User settings in a small, versioned JSON file.

Why JSON and not QSettings: the core (and the CLI) must read settings without Qt, and a
human-readable file is easy to back up or fix by hand. A file that cannot be read is never
fatal: it is kept as ``settings.json.bad-<timestamp>`` and the defaults are used, with a
warning the GUI and CLI show to the user.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.paths import app_dirs

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1
SETTINGS_FILE = "settings.json"
TOOLS = ("chat", "summarise", "translate", "sentiment")


def default_threads() -> int:
    """All logical CPUs.

    Measured on two-core machines: llama.cpp's own default (half the logical CPUs) decodes at
    80-104 tokens/s, all of them at 151-163 tokens/s. Machines with many cores gain little past
    the physical core count, so cap it there when we can tell.
    """
    count = os.cpu_count() or 2
    return max(1, min(count, 16))


@dataclass
class Settings:
    """Every user-adjustable setting, with the default a new user gets."""

    version: int = SETTINGS_VERSION
    language: str = "system"
    theme: str = "system"
    font_size: int = 0  # 0 = the platform default
    threads: int = 0  # 0 = automatic (see default_threads)
    context_length: int = 4096
    batch_size: int = 512
    gpu_offload: str = "auto"  # "auto", "cpu" or a number of layers as text
    flash_attention: bool = True
    default_models: dict[str, str] = field(default_factory=dict)  # tool -> model id
    history_path: str = ""  # "" = <data>/history.sqlite3
    show_welcome: bool = True
    # Remote servers (app.core.servers): name, base_url, model. Never an API key: keys live in
    # the system keyring. Old files without these keys load with the defaults.
    servers: list[dict[str, str]] = field(default_factory=list)
    tool_backends: dict[str, str] = field(default_factory=dict)  # tool -> "local" | server name

    def effective_threads(self) -> int:
        """The thread count to hand to llama.cpp."""
        return self.threads if self.threads > 0 else default_threads()


@dataclass
class LoadedSettings:
    """Settings plus the warning to show when the file had to be replaced."""

    settings: Settings
    warning: str | None = None


def settings_path() -> Path:
    """Where the settings file lives (follows ``PARLEY_HOME``)."""
    return app_dirs().config / SETTINGS_FILE


def _from_dict(raw: dict[str, Any]) -> Settings:
    """Build settings from a parsed file, ignoring unknown keys and checking types.

    Unknown keys are dropped (a newer version may have written them); a known key with the
    wrong type is an error so the caller can fall back to defaults instead of crashing later.
    """
    defaults = Settings()
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        if f.name not in raw:
            continue
        value = raw[f.name]
        expected = type(getattr(defaults, f.name))
        if expected is int and isinstance(value, bool):
            raise ValueError(f"'{f.name}' must be a number")
        if not isinstance(value, expected):
            raise ValueError(f"'{f.name}' must be of type {expected.__name__}")
        values[f.name] = value
    settings = Settings(**values)
    if settings.version > SETTINGS_VERSION:
        log.warning("settings file is from a newer Parley (version %s)", settings.version)
    settings.version = SETTINGS_VERSION
    return settings


def load_settings(path: Path | None = None) -> LoadedSettings:
    """Read settings; a missing file gives defaults, a broken one is backed up and replaced."""
    path = path or settings_path()
    if not path.exists():
        return LoadedSettings(Settings())
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("the file does not hold a JSON object")
        return LoadedSettings(_from_dict(raw))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        backup = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            path.replace(backup)
            kept = f"It was kept as {backup.name}."
        except OSError:
            kept = "It could not be moved aside."
        message = (
            f"The settings file {path} could not be read ({exc}). "
            f"{kept} Default settings are in use."
        )
        log.warning(message)
        return LoadedSettings(Settings(), warning=message)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write settings atomically (temp file + rename) so a crash never leaves half a file."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(dataclasses.asdict(settings), indent=2, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
