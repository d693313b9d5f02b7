"""Fixtures for the engine tests: the real starter model in a real engine process."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_helpers import TEST_OPTIONS

from app.core.backend import ModelRef
from app.core.paths import starter_model_path
from app.engine.local import LocalBackend

# The benchmark package lives at the repository root, outside the installed ``app`` package.
REPO_ROOT = str(Path(__file__).resolve().parents[2])
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


@pytest.fixture(scope="session")
def starter_ref() -> ModelRef:
    path = starter_model_path()
    if not path.is_file():
        pytest.fail(f"the starter model is missing at {path}; run `make setup` first")
    return ModelRef(path=path, model_id="starter", display_name="SmolLM2 135M")


@pytest.fixture(scope="module")
def backend(
    starter_ref: ModelRef, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalBackend]:
    """One engine process with the starter model, shared by the tests of a module."""
    engine = LocalBackend(log_dir=tmp_path_factory.mktemp("engine-logs"))
    try:
        engine.load(starter_ref, TEST_OPTIONS)
        yield engine
    finally:
        engine.close()
    assert not multiprocessing.active_children(), "an engine process outlived its backend"
