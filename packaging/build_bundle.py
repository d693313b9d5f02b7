"""Build the one-folder bundle dist/Parley/ with PyInstaller (any platform).

A PyInstaller build takes minutes, so the build is skipped when nothing that goes into the
bundle changed since the last one: a fingerprint of the inputs (spec, app sources, resources,
the installed distributions and their versions) is kept in build/parley-bundle.json. Pass
``--force`` to rebuild anyway.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "parley.spec"
DIST = ROOT / "dist"
BUNDLE = DIST / "Parley"
WORK = ROOT / "build" / "pyinstaller"
STAMP = ROOT / "build" / "parley-bundle.json"
MODEL = ROOT / "resources" / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


class BuildError(Exception):
    """The bundle could not be built; the message says what to do."""


def _inputs() -> list[Path]:
    """Every file whose content ends up in (or shapes) the bundle, except the model."""
    packaging = ROOT / "packaging"
    files = [SPEC, ROOT / "models.json"]
    files += [packaging / name for name in ("bundle_rules.py", "entry.py", "render_icons.py")]
    files += sorted(p for p in (ROOT / "app").rglob("*") if p.suffix in (".py", ".mako"))
    files += sorted((ROOT / "resources" / "icons").glob("*.svg"))
    files += sorted((ROOT / "resources" / "translations").glob("*.qm"))
    return [p for p in files if p.is_file() and "__pycache__" not in p.parts]


def fingerprint() -> str:
    """A hash of the inputs: file contents, the model's size, installed package versions."""
    digest = hashlib.sha256()
    for path in _inputs():
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    include_model = os.environ.get("PARLEY_BUNDLE_MODEL", "1") != "0"
    model_size = MODEL.stat().st_size if MODEL.exists() else -1
    digest.update(f"model={include_model}:{model_size}".encode())
    dists = sorted(
        {f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()}
    )
    digest.update("\n".join(dists).encode())
    digest.update(f"{sys.version}|{platform.machine()}".encode())
    return digest.hexdigest()


def _main_executable() -> Path:
    name = "Parley.exe" if sys.platform == "win32" else "Parley"
    return BUNDLE / name


def is_up_to_date(current: str) -> bool:
    """True when the last build used the same inputs and its bundle is still there."""
    if not STAMP.is_file() or not _main_executable().is_file():
        return False
    try:
        return bool(json.loads(STAMP.read_text(encoding="utf-8")).get("fingerprint") == current)
    except (OSError, json.JSONDecodeError):
        return False


def build(force: bool = False) -> Path:
    """Render the icons, run PyInstaller, record the fingerprint; return the bundle folder."""
    if not MODEL.is_file() and os.environ.get("PARLEY_BUNDLE_MODEL", "1") != "0":
        raise BuildError(f"the starter model {MODEL.name} is missing: run `make setup` first")
    if importlib.util.find_spec("PyInstaller") is None:
        raise BuildError("PyInstaller is not installed: pip install -e '.[dev]'")
    current = fingerprint()
    if not force and is_up_to_date(current):
        print(f"bundle up to date: {BUNDLE.relative_to(ROOT)} (use --force to rebuild)")
        return BUNDLE
    sys.path.insert(0, str(ROOT / "packaging"))
    from render_icons import IconRenderError, render_icons

    try:
        render_icons()
    except IconRenderError as exc:
        raise BuildError(str(exc)) from exc
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
        str(SPEC),
    ]
    STAMP.unlink(missing_ok=True)
    result = subprocess.run(command, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise BuildError(f"PyInstaller failed (exit code {result.returncode}); see the log above")
    if not _main_executable().is_file():
        raise BuildError(f"PyInstaller finished but {_main_executable()} is missing")
    STAMP.write_text(
        json.dumps({"fingerprint": current, "seconds": round(time.monotonic() - started)}),
        encoding="utf-8",
    )
    print(f"built {BUNDLE.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    return BUNDLE


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python packaging/build_bundle.py [--force]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    args = parser.parse_args(argv)
    try:
        build(force=args.force)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
