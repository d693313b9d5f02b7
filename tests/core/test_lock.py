"""uv.lock agrees with pyproject.toml (the same check `make lint` runs, and a plain-Python one).

`make` installs .venv from uv.lock; a lock that no longer matches pyproject.toml would install
something the project no longer asks for. `make lock` refreshes it.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

# PyPA's packaging (a pytest dependency), not the repository's packaging/ folder: a regular
# package on sys.path always wins over a folder without __init__.py.
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str) -> dict[str, Any]:
    with (ROOT / name).open("rb") as handle:
        return tomllib.load(handle)


def _pyproject_requirements() -> list[Requirement]:
    project = _load("pyproject.toml")["project"]
    specs = list(project["dependencies"])
    for extra, extra_specs in project.get("optional-dependencies", {}).items():
        specs += [f"{spec} ; extra == '{extra}'" for spec in extra_specs]
    return [Requirement(spec) for spec in specs]


def test_uv_lock_check_passes() -> None:
    """uv's own verdict, without the network: the lock is what `uv lock` would write."""
    uv = Path(sys.executable).with_name("uv")
    if not uv.exists():
        pytest.skip("uv is not installed next to this interpreter (run `make setup`)")
    result = subprocess.run(
        [str(uv), "lock", "--check", "--offline"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, "uv.lock does not match pyproject.toml: run `make lock`\n" + (
        result.stderr
    )


def test_lock_records_exactly_the_requirements_of_pyproject() -> None:
    lock = _load("uv.lock")
    parley = next(p for p in lock["package"] if p["name"] == "parley")
    recorded = set()
    for entry in parley["metadata"]["requires-dist"]:
        extras = ",".join(sorted(entry.get("extras", [])))
        recorded.add(
            (
                entry["name"],
                extras,
                str(entry.get("specifier", "")),
                entry.get("marker", "").replace('"', "'"),
            )
        )
    declared = set()
    for requirement in _pyproject_requirements():
        extras = ",".join(sorted(requirement.extras))
        marker = str(requirement.marker).replace('"', "'") if requirement.marker else ""
        declared.add(
            (canonicalize_name(requirement.name), extras, str(requirement.specifier), marker)
        )

    # Specifier order may differ ("<2,>=1.13" and ">=1.13,<2" are one range).
    def by_range(
        items: set[tuple[str, str, str, str]],
    ) -> set[tuple[str, str, frozenset[str], str]]:
        return {(n, e, frozenset(s.split(",")) if s else frozenset(), m) for n, e, s, m in items}

    assert by_range(recorded) == by_range(declared)


def test_every_locked_version_is_within_the_pyproject_range() -> None:
    locked: dict[str, list[str]] = {}
    for package in _load("uv.lock")["package"]:
        locked.setdefault(package["name"], []).append(package["version"])
    for requirement in _pyproject_requirements():
        versions = locked.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is not in uv.lock"
        for version in versions:
            assert requirement.specifier.contains(version, prereleases=True), (
                requirement,
                version,
            )


def test_lock_pins_every_file_by_hash_from_pypi() -> None:
    for package in _load("uv.lock")["package"]:
        if package["name"] == "parley":
            assert package["source"] == {"editable": "."}
            continue
        assert package["source"] == {"registry": "https://pypi.org/simple"}, package["name"]
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        assert files, package["name"]
        assert all(f["hash"].startswith("sha256:") for f in files), package["name"]


def test_the_engine_is_built_from_its_pinned_sdist() -> None:
    """llama-cpp-python is compiled here (CMAKE_ARGS applies), so the lock has its sdist."""
    package = next(p for p in _load("uv.lock")["package"] if p["name"] == "llama-cpp-python")
    assert package["version"] == "0.3.36"
    assert package["sdist"]["hash"].startswith("sha256:")


def test_declared_engine_metadata_is_the_installed_one() -> None:
    """[tool.uv.dependency-metadata] stands in for the sdist's metadata when uv resolves."""

    def normalised(requirement: Requirement) -> tuple[str, str, str, str]:
        marker = str(requirement.marker).replace('"', "'") if requirement.marker else ""
        return (
            canonicalize_name(requirement.name),
            ",".join(sorted(requirement.extras)),
            ",".join(sorted(str(s) for s in requirement.specifier)),
            marker,
        )

    declared = next(
        entry
        for entry in _load("pyproject.toml")["tool"]["uv"]["dependency-metadata"]
        if entry["name"] == "llama-cpp-python"
    )
    metadata = importlib.metadata.metadata("llama_cpp_python")
    assert declared["version"] == metadata["Version"]
    assert declared["requires-python"] == metadata["Requires-Python"]
    assert sorted(declared["provides-extras"]) == sorted(metadata.get_all("Provides-Extra") or [])
    installed = {normalised(Requirement(r)) for r in metadata.get_all("Requires-Dist") or []}
    assert {normalised(Requirement(r)) for r in declared["requires-dist"]} == installed
