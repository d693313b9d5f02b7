"""Fixtures every test shares: an isolated PARLEY_HOME and a check for leaked workers.

DESIGN.md: "A test that leaves a thread or process running fails." The check runs after each
test and names what was left behind.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.core.paths import starter_model_path

if TYPE_CHECKING:
    from app.engine.local import LocalBackend

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Qt reports every CJK font it cannot shape for an unused script; the lines drown real messages.
os.environ.setdefault("QT_LOGGING_RULES", "qt.text.font.db=false")


@pytest.fixture(autouse=True)
def parley_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty PARLEY_HOME, so no test touches real user data."""
    home = tmp_path_factory.mktemp("parley-home")
    monkeypatch.setenv("PARLEY_HOME", str(home))
    return home


def _live_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive() and not t.daemon}


def _wait_until_clean(check: Callable[[], list[str]], seconds: float = 3.0) -> list[str]:
    """Give workers a moment to finish shutting down before calling them leaked."""
    deadline = time.monotonic() + seconds
    while True:
        leaked = check()
        if not leaked or time.monotonic() > deadline:
            return leaked
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a non-daemon thread running."""
    before = _live_threads()
    yield
    leaked = _wait_until_clean(lambda: [t.name for t in _live_threads() - before])
    if leaked:
        pytest.fail(f"test left threads running: {', '.join(leaked)}")


@pytest.fixture(autouse=True, scope="module")
def no_leaked_processes() -> Iterator[None]:
    """Fail a module that leaves a child process (e.g. an engine) running.

    Checked per module rather than per test so a module-scoped engine fixture, which a
    crash-recovery test may legitimately restart, is judged after its own teardown.
    """
    before = {p.pid for p in multiprocessing.active_children()}
    yield
    leaked = _wait_until_clean(
        lambda: [
            f"process {p.pid} ({p.name})"
            for p in multiprocessing.active_children()
            if p.pid not in before
        ]
    )
    if leaked:
        pytest.fail(f"test module left processes running: {', '.join(leaked)}")


@pytest.fixture(scope="session")
def second_model() -> Path:
    """Qwen2.5-Coder-0.5B-Instruct, the second real model; `make test` fetches it first."""
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "fetch_test_model.py"
    spec = importlib.util.spec_from_file_location("fetch_test_model", script)
    assert spec is not None and spec.loader is not None
    fetch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fetch)
    path = fetch.model_path()
    if not (path.is_file() and path.stat().st_size == fetch.SIZE):
        pytest.fail(f"the second test model is missing at {path}; run `make test` first")
    return Path(path)


@pytest.fixture(scope="session")
def starter_model() -> Path:
    """The real starter model; `make test` fetches it before the suite runs."""
    path = starter_model_path()
    if not path.is_file():
        pytest.fail(f"starter model missing at {path}; run `make setup` first")
    return path


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackend]:
    """One engine process per module with nothing loaded: each test loads the model it needs
    (about a second, the weights are memory-mapped). Modules that want a loaded model define
    their own ``engine`` or use tests/engine's ``backend``."""
    from app.engine.local import LocalBackend

    backend = LocalBackend(log_dir=tmp_path_factory.mktemp("engine-logs"))
    try:
        yield backend
    finally:
        backend.close()
