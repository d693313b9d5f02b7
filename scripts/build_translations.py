"""Compile Qt translation sources (resources/translations/*.ts) into .qm files.

Runs on every ``make run``/``make test``; a .qm newer than its .ts is left alone so the step
costs nothing after the first time.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TS_DIR = ROOT / "resources" / "translations"


def find_lrelease() -> str | None:
    """The lrelease that ships with PySide6 (next to the interpreter in the venv)."""
    candidates = [Path(sys.executable).with_name("pyside6-lrelease"), Path("pyside6-lrelease")]
    for candidate in candidates:
        found = shutil.which(str(candidate))
        if found:
            return found
    return None


def main() -> int:
    """Build each stale .qm; fail loudly if a .ts exists but cannot be compiled."""
    sources = sorted(TS_DIR.glob("*.ts"))
    stale = [
        ts
        for ts in sources
        if not ts.with_suffix(".qm").exists()
        or ts.with_suffix(".qm").stat().st_mtime < ts.stat().st_mtime
    ]
    if not stale:
        return 0
    lrelease = find_lrelease()
    if lrelease is None:
        print("error: pyside6-lrelease not found; is PySide6 installed?", file=sys.stderr)
        return 1
    for ts in stale:
        subprocess.run(
            [lrelease, "-silent", str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
