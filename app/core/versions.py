"""The versions of what this Parley runs on, for the About dialog and ``parley --self-test``.

``make`` installs every dependency at the version pinned in ``uv.lock``, so what is reported
here is the locked set (tests/core/test_versions.py checks both halves of that).

Python distributions are read from their installed metadata (``importlib.metadata``); the
frozen bundle carries the ``.dist-info`` folders of :data:`DISTRIBUTIONS` for that
(packaging/parley.spec). Two components are not Python distributions:

* **llama.cpp**: the library llama-cpp-python compiles from its vendored copy records its
  ggml version and the llama.cpp commit it was built from (``ggml_version()`` and
  ``ggml_commit()`` in libggml-base). They are read from that small base library with
  ctypes; the app process never imports ``llama_cpp`` and never loads libllama or a
  compute backend, which stay in the engine's child process.
* **ICU**, which Qt links on Linux (PySide6 ships it next to the Qt libraries); its version
  comes from ``u_getVersion``. Qt on Windows and macOS uses the system's text services
  instead, and ICU is then reported as "".

This module is Qt-free like the rest of app.core: the caller passes Qt's run-time version
(``qVersion()``) in when it has Qt loaded.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import importlib.util
import platform
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app import __version__

# Report key -> Python distribution, for the main components; the frozen bundle carries
# their metadata. Names as the distributions spell them in their own metadata.
DISTRIBUTIONS: dict[str, str] = {
    "llama_cpp_python": "llama_cpp_python",
    "pyside6": "PySide6_Essentials",
    "sqlalchemy": "SQLAlchemy",
    "alembic": "alembic",
    "huggingface_hub": "huggingface_hub",
    "numpy": "numpy",
}

_ICU_LIBRARY = re.compile(r"^libicuuc\.so\.(\d+)(?:\.\d+)*$")
_ICU_DATA = re.compile(r"^libicudata\.so\.(\d+)(?:\.\d+)*$")


@dataclass(frozen=True)
class LlamaBuild:
    """How the llama.cpp library in use was built: ggml's version and the source commit."""

    ggml_version: str
    commit: str  # short llama.cpp commit hash, or "" when the build did not record it

    def __str__(self) -> str:
        if self.commit:
            return f"{self.commit} (ggml {self.ggml_version})"
        return f"ggml {self.ggml_version}"


def distribution_version(distribution: str) -> str:
    """The installed version of a Python distribution, or "" when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _package_dirs(package: str) -> list[Path]:
    """Where a top-level package's files are, found without importing it."""
    dirs: list[Path] = []
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        dirs += [Path(location) for location in spec.submodule_search_locations]
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller keeps data files under this folder
    if bundle:
        dirs.append(Path(bundle) / package)
    return list(dict.fromkeys(dirs))


def _ggml_base_library() -> Path | None:
    """llama-cpp-python's libggml-base (the wheel's ``llama_cpp/lib`` folder), if installed."""
    for package_dir in _package_dirs("llama_cpp"):
        lib = package_dir / "lib"
        if not lib.is_dir():
            continue
        candidates = [
            path
            for path in lib.iterdir()
            if path.name in ("libggml-base.dylib", "ggml-base.dll")
            or re.fullmatch(r"libggml-base(\.so(\.\d+)*|\.\d+\.dylib)", path.name)
        ]
        if candidates:
            return min(candidates, key=lambda path: (len(path.name), path.name))
    return None


@cache
def llama_cpp_build() -> LlamaBuild | None:
    """The llama.cpp build llama-cpp-python carries, or None when it cannot be read here."""
    library = _ggml_base_library()
    if library is None:
        return None
    try:
        ggml = ctypes.CDLL(str(library))
        version_fn = ggml.ggml_version
        commit_fn = ggml.ggml_commit
    except (OSError, AttributeError):  # not loadable here, or a ggml older than these calls
        return None
    version_fn.restype = ctypes.c_char_p
    version_fn.argtypes = []
    commit_fn.restype = ctypes.c_char_p
    commit_fn.argtypes = []
    version = (version_fn() or b"").decode("utf-8", "replace").strip()
    commit = (commit_fn() or b"").decode("utf-8", "replace").strip()
    if not version:
        return None
    return LlamaBuild(version, "" if commit == "unknown" else commit)


def _icu_libraries() -> tuple[Path, Path | None] | None:
    """The ICU common library Qt links (and its data library), on Linux."""
    if not sys.platform.startswith("linux"):
        return None
    folders = [package_dir / "Qt" / "lib" for package_dir in _package_dirs("PySide6")]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        folders.append(Path(bundle))
    for folder in folders:
        if not folder.is_dir():
            continue
        names = sorted(path.name for path in folder.iterdir())
        common = [name for name in names if _ICU_LIBRARY.match(name)]
        if not common:
            continue
        data = [name for name in names if _ICU_DATA.match(name)]
        return folder / min(common, key=len), (folder / min(data, key=len)) if data else None
    return None


@cache
def icu_version() -> str:
    """The version of the ICU library Qt uses (Linux), e.g. "73.2"; "" when there is none."""
    found = _icu_libraries()
    if found is None:
        return ""
    common, data = found
    match = _ICU_LIBRARY.match(common.name)
    major = match.group(1) if match else ""
    try:
        if data is not None:  # load by path first, so the common library finds it
            ctypes.CDLL(str(data))
        icu = ctypes.CDLL(str(common))
        get_version = getattr(icu, f"u_getVersion_{major}")
    except (OSError, AttributeError):
        return major
    info = (ctypes.c_uint8 * 4)()
    get_version.restype = None
    get_version.argtypes = [ctypes.c_uint8 * 4]
    get_version(info)
    parts = list(info)
    while len(parts) > 2 and parts[-1] == 0:  # 73.2.0.0 -> 73.2, as ICU writes it
        parts.pop()
    return ".".join(str(part) for part in parts)


def collect(qt_version: str = "") -> dict[str, str]:
    """Every main component's version by report key; "" where one is not known here.

    ``qt_version`` is Qt's run-time version (``PySide6.QtCore.qVersion()``), from a caller
    that has Qt loaded.
    """
    build = llama_cpp_build()
    report = {
        "parley": __version__,
        "python": platform.python_version(),
        "llama_cpp": build.commit if build else "",
        "ggml": build.ggml_version if build else "",
        "qt": qt_version,
        "icu": icu_version(),
    }
    for key, distribution in DISTRIBUTIONS.items():
        report[key] = distribution_version(distribution)
    return report
