"""Fixtures for the core tests that run the real model (the engine itself is the shared
``engine`` fixture of tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.backend import ModelRef


@pytest.fixture
def starter(starter_model: Path) -> ModelRef:
    return ModelRef(path=starter_model, model_id="smollm2-135m-instruct")
