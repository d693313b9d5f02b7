"""Fixtures for the packaging tests: the packaging scripts on sys.path and the built artefacts.

Tests of a built bundle or .deb skip when it has not been built (a plain `make test` does not
build it); `make package-test` sets PARLEY_REQUIRE_BUNDLE=1, which turns those skips into
failures so a missing artefact can never pass as success.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import frozen_probe  # noqa: E402

DIST = ROOT / "dist"


def _unavailable(message: str) -> None:
    if os.environ.get("PARLEY_REQUIRE_BUNDLE") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def bundle() -> Path:
    """dist/Parley, the PyInstaller one-folder bundle."""
    if not frozen_probe.bundle_executable(DIST / "Parley").is_file():
        _unavailable("dist/Parley has not been built (run `make package`)")
    return DIST / "Parley"


def _artefact(pattern: str, bundle: Path) -> Path:
    found = sorted(DIST.glob(pattern))
    if not found:
        _unavailable(f"dist/{pattern} has not been built (run `make package`)")
    artefact = found[-1]
    built_bundle = bundle / frozen_probe.bundle_executable(bundle).name
    if artefact.stat().st_mtime < built_bundle.stat().st_mtime:
        _unavailable(f"{artefact.name} is older than dist/Parley: run `make package` again")
    return artefact


@pytest.fixture(scope="session")
def deb_file(bundle: Path) -> Path:
    """dist/parley_<version>_<arch>.deb, built from the current bundle."""
    return _artefact("parley_*.deb", bundle)


@pytest.fixture(scope="session")
def tarball(bundle: Path) -> Path:
    """dist/parley-<version>-linux-<machine>.tar.gz, built from the current bundle."""
    return _artefact("parley-*-linux-*.tar.gz", bundle)


@pytest.fixture()
def display() -> Iterator[str]:
    """A private X server for one test."""
    missing = frozen_probe.missing_x11_tools()
    if missing:
        _unavailable(f"not installed: {', '.join(missing)} (apt-get install xvfb x11-utils)")
    with frozen_probe.xvfb() as value:
        yield value
