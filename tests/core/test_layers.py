"""The layer rules of DESIGN.md, checked by import-linter as part of the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Every contract in pyproject.toml ran and held (none silently skipped).
    contracts = (ROOT / "pyproject.toml").read_text().count("[[tool.importlinter.contracts]]")
    assert f"Contracts: {contracts} kept, 0 broken" in result.stdout


def test_core_imports_without_qt_or_llama() -> None:
    """Importing every core module must not pull in PySide6 or llama_cpp at run time either."""
    code = (
        "import importlib, pkgutil, sys, app.core\n"
        "for m in pkgutil.walk_packages(app.core.__path__, 'app.core.'):\n"
        "    if '.migrations' not in m.name:  # Alembic scripts run only under Alembic\n"
        "        importlib.import_module(m.name)\n"
        "bad = [n for n in ('PySide6', 'llama_cpp') if n in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_the_app_process_never_loads_llama_cpp() -> None:
    """The GUI, CLI and engine client import fine without loading the native library.

    llama.cpp lives only in the engine's child process (DESIGN.md: a native crash must not
    take the window with it), so importing them must leave ``llama_cpp`` unloaded.
    """
    code = (
        "import sys, app.cli, app.engine.local, app.gui.main\nprint('llama_cpp' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
