"""Fixtures for the core tests that run the real model: one engine process per module, with
nothing loaded, so each test loads the model it needs (about a second: the weights are
memory-mapped)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.backend import ModelRef
from app.engine.local import LocalBackend


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackend]:
    backend = LocalBackend(log_dir=tmp_path_factory.mktemp("engine-logs"))
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def starter(starter_model: Path) -> ModelRef:
    return ModelRef(path=starter_model, model_id="smollm2-135m-instruct")
