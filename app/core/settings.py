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
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core import limits
from app.core.backend import GpuLayers, LoadOptions
from app.core.paths import app_dirs

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1
SETTINGS_FILE = "settings.json"
TOOLS = ("chat", "summarise", "translate", "sentiment")
THEMES = ("system", "light", "dark")
HISTORY_FILE = "history.sqlite3"


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
        if self.threads > 0:
            return min(self.threads, limits.max_threads())
        return default_threads()

    def history_file(self) -> Path:
        """The history database every face opens: the one chosen in Settings, else the
        standard place. The CLI used to open the standard place always, so after a move in
        Settings ``parley history list`` read the old file."""
        chosen = self.history_path.strip()
        if chosen:
            return Path(chosen).expanduser()
        return app_dirs().data / HISTORY_FILE

    def gpu_layers(self) -> GpuLayers:
        """The GPU offload setting as LoadOptions takes it: "auto", 0 (CPU) or a layer count."""
        value = self.gpu_offload.strip()
        if value == "cpu":
            return 0
        if value.isdigit():
            return int(value)
        return "auto"

    def load_options(
        self, *, context: int | None = None, threads: int | None = None
    ) -> LoadOptions:
        """How every face loads a local model from these settings: the one mapping the CLI,
        the window, the Models page and ``parley serve`` share, with a command line's
        ``--context``/``--threads`` (already checked against app.core.limits) on top."""
        return LoadOptions(
            n_ctx=context or self.context_length,
            n_batch=self.batch_size,
            n_threads=threads or self.effective_threads(),
            gpu_layers=self.gpu_layers(),
            flash_attn=self.flash_attention,
        )


@dataclass
class LoadedSettings:
    """Settings plus the warning to show when the file had to be replaced."""

    settings: Settings
    warning: str | None = None


def settings_path() -> Path:
    """Where the settings file lives (follows ``PARLEY_HOME``)."""
    return app_dirs().config / SETTINGS_FILE


def _field_problem(name: str, value: Any, default: Any) -> str | None:
    """Why ``value`` cannot be used for the setting ``name``, or None when it can.

    Numbers are checked against the bounds every face shares (app.core.limits), so a value
    the Settings dialog would never offer (``"threads": 100000``) cannot reach llama.cpp
    through the file either.
    """
    expected = type(default)
    if expected is int and isinstance(value, bool):
        return f"'{name}' must be a number"
    if not isinstance(value, expected):
        return f"'{name}' must be of type {expected.__name__}"
    try:
        if name == "threads" and value != 0:
            limits.check("threads_setting", value, name="'threads'")
        elif name == "font_size" and value != 0:
            limits.check("font_size", value, name="'font_size'")
        elif name in ("context_length", "batch_size"):
            limits.check(name, value, name=f"'{name}'")
        elif name == "gpu_offload" and value not in ("auto", "cpu"):
            if not value.isdigit():
                return '\'gpu_offload\' must be "auto", "cpu" or a number of layers'
            limits.check("gpu_layers", int(value), name="'gpu_offload'")
    except limits.LimitError as exc:
        return str(exc)
    if name == "theme" and value not in THEMES:
        return f"'theme' must be one of {', '.join(THEMES)}"
    if name in ("default_models", "tool_backends"):
        for tool, choice in value.items():
            if tool not in TOOLS:
                return f"'{name}' names an unknown tool {tool!r} (known: {', '.join(TOOLS)})"
            if not isinstance(choice, str):
                return f"'{name}' must map each tool to a text, not {json.dumps(choice)}"
    if name == "servers":
        for server in value:
            if not isinstance(server, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in server.items()
            ):
                return "'servers' must be a list of objects whose values are texts"
    return None


def _from_dict(raw: dict[str, Any]) -> tuple[Settings, list[str]]:
    """Build settings from a parsed file, ignoring unknown keys and checking each value.

    Unknown keys are dropped (a newer version may have written them). A known key whose value
    is of the wrong type or out of bounds gets its default, and the problem is returned so
    the caller can say so; the other settings are kept, so one bad value does not cost the
    user every other choice.
    """
    defaults = Settings()
    values: dict[str, Any] = {}
    problems: list[str] = []
    for f in dataclasses.fields(Settings):
        if f.name not in raw:
            continue
        value = raw[f.name]
        problem = _field_problem(f.name, value, getattr(defaults, f.name))
        if problem is not None:
            problems.append(problem)
            continue
        values[f.name] = value
    settings = Settings(**values)
    if settings.version > SETTINGS_VERSION:
        log.warning("settings file is from a newer Parley (version %s)", settings.version)
    settings.version = SETTINGS_VERSION
    return settings, problems


def _backup_name(path: Path) -> Path:
    return path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")


def load_settings(path: Path | None = None) -> LoadedSettings:
    """Read settings; a missing file gives defaults, a broken one is backed up and replaced.

    A file with some unusable values keeps its good values: the original is copied aside and
    the file is rewritten without the bad ones, so the warning is shown once, not on every
    start (when the folder is read-only, the warning repeats and nothing is written).
    """
    path = path or settings_path()
    if not path.exists():
        return LoadedSettings(Settings())
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("the file does not hold a JSON object")
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        backup = _backup_name(path)
        try:
            path.replace(backup)
            kept = f"It was kept as {backup.name}."
        except OSError:
            kept = "It could not be moved aside."
        detail = "it is nested too deeply" if isinstance(exc, RecursionError) else exc
        message = (
            f"The settings file {path} could not be read ({detail}). "
            f"{kept} Default settings are in use."
        )
        log.warning(message)
        return LoadedSettings(Settings(), warning=message)
    settings, problems = _from_dict(raw)
    if not problems:
        return LoadedSettings(settings)
    backup = _backup_name(path)
    try:
        shutil.copy2(path, backup)
        save_settings(settings, path)
        kept = f"The file as it was is kept as {backup.name}."
    except OSError:
        kept = "The file could not be corrected (it is not writable)."
    message = (
        f"Some settings in {path} could not be used and have their defaults: "
        f"{'; '.join(problems)}. {kept}"
    )
    log.warning(message)
    return LoadedSettings(settings, warning=message)


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
