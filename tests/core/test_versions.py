"""app.core.versions: what the About dialog and ``parley --self-test`` say Parley runs on.

Every figure is checked against an independent source: the installed distributions' own
metadata, the files PySide6 and llama-cpp-python installed, and uv.lock (which ``make``
installs from, so the reported versions are the locked ones).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import platform
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from app import __version__
from app.core import versions

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ICU is Linux-only")


def _locked_versions() -> dict[str, set[str]]:
    with (ROOT / "uv.lock").open("rb") as handle:
        lock = tomllib.load(handle)
    locked: dict[str, set[str]] = {}
    for package in lock["package"]:
        locked.setdefault(package["name"], set()).add(package["version"])
    return locked


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_reported_versions_are_the_installed_distributions() -> None:
    report = versions.collect("6.0.0")
    for key, distribution in versions.DISTRIBUTIONS.items():
        assert report[key] == importlib.metadata.version(distribution), key
    assert report["parley"] == __version__ == importlib.metadata.version("parley")
    assert report["python"] == platform.python_version()
    assert report["qt"] == "6.0.0"  # Qt's version is the caller's: core never loads Qt


def test_reported_versions_are_the_locked_ones() -> None:
    """`make` installs from uv.lock, so each main component is at its locked version."""
    locked = _locked_versions()
    report = versions.collect()
    for key, distribution in versions.DISTRIBUTIONS.items():
        assert report[key] in locked[_normalise(distribution)], (key, report[key])
    assert report["parley"] in locked["parley"]


def test_every_installed_locked_package_is_at_a_locked_version() -> None:
    locked = _locked_versions()
    wrong = {}
    for dist in importlib.metadata.distributions():
        name = _normalise(dist.metadata["Name"])
        if name in locked and dist.version not in locked[name]:
            wrong[name] = (dist.version, sorted(locked[name]))
    assert wrong == {}, f"not the locked versions (run `make setup`): {wrong}"


def test_the_llama_cpp_build_is_read_from_its_library() -> None:
    build = versions.llama_cpp_build()
    assert build is not None, "libggml-base of llama-cpp-python was not found or not readable"
    assert re.fullmatch(r"\d+\.\d+\.\d+", build.ggml_version), build
    # The sdist of llama-cpp-python carries llama.cpp's git history, so the build records
    # the commit it was made from (empty only when git was missing at build time).
    assert build.commit == "" or re.fullmatch(r"[0-9a-f]{7,40}(-dirty)?", build.commit), build
    report = versions.collect()
    assert (report["ggml"], report["llama_cpp"]) == (build.ggml_version, build.commit)
    assert build.ggml_version in str(build) and build.commit in str(build)


def test_the_llama_cpp_build_matches_what_llama_cpp_itself_reports() -> None:
    """Cross-check in a child that imports llama_cpp: its own handle on libggml-base."""
    code = (
        "import ctypes, llama_cpp, llama_cpp._ggml as g\n"
        "lib = g.libggml  # libggml, which links libggml-base: dlsym searches both\n"
        "for f in (lib.ggml_version, lib.ggml_commit):\n"
        "    f.restype = ctypes.c_char_p\n"
        "print(lib.ggml_version().decode(), lib.ggml_commit().decode())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    ggml_version, commit = result.stdout.split()
    build = versions.llama_cpp_build()
    assert build is not None
    assert build.ggml_version == ggml_version
    assert build.commit == ("" if commit == "unknown" else commit)


@linux_only
def test_icu_version_is_the_one_pyside6_ships() -> None:
    spec = importlib.util.find_spec("PySide6")
    assert spec is not None and spec.submodule_search_locations
    qt_lib = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "lib"
    majors = {
        match.group(1)
        for path in qt_lib.glob("libicuuc.so.*")
        if (match := re.fullmatch(r"libicuuc\.so\.(\d+)(\.\d+)*", path.name))
    }
    assert majors, f"PySide6 ships no ICU in {qt_lib}"
    icu = versions.icu_version()
    assert re.fullmatch(r"\d+\.\d+(\.\d+)*", icu), icu
    assert icu.split(".")[0] in majors


def test_gathering_versions_loads_neither_qt_nor_the_engine() -> None:
    """The app process may read libggml-base's two strings, never llama_cpp, libllama or Qt."""
    code = (
        "import sys, json\n"
        "from app.core import versions\n"
        "report = versions.collect()\n"
        "maps = open('/proc/self/maps').read() if sys.platform.startswith('linux') else ''\n"
        "print(json.dumps([report['ggml'], 'PySide6' in sys.modules, 'llama_cpp' in sys.modules,"
        " 'libllama' in maps, 'libQt6' in maps]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    ggml, qt_imported, llama_imported, libllama_mapped, qt_mapped = json.loads(result.stdout)
    assert ggml
    assert not (qt_imported or llama_imported or libllama_mapped or qt_mapped)
