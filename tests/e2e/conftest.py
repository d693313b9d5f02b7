"""Run the real ``parley`` console script the way a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ParleyRunner = Callable[..., subprocess.CompletedProcess[str]]


def parley_executable() -> str:
    """The installed console script next to the test interpreter (the venv's ``bin``)."""
    script = Path(sys.executable).with_name("parley")
    if not script.exists():
        pytest.fail(f"the parley command is not installed next to {sys.executable}")
    return str(script)


@pytest.fixture
def parley(parley_home: Path) -> ParleyRunner:
    """Call ``parley ARGS…`` in a subprocess with an isolated PARLEY_HOME."""

    def run(
        *args: str, input_text: str | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, PARLEY_HOME=str(parley_home))
        env.pop("PARLEY_DEBUG", None)
        return subprocess.run(
            [parley_executable(), *args],
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )

    return run
