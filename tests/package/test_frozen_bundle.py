"""The built bundle and its packages, run and inspected as a user's machine would see them.

Skipped until `make package` has built dist/ (and failing instead of skipping under
`make package-test`). Each test starts the frozen executable for real: the self-test loads the
starter model in the engine's spawned child process, the window test opens the GUI on a
private X server, and the .deb test runs the app from an unpacked package.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import frozen_probe
import pytest
from bundle_rules import is_system_library, qt_modules_used, read_elf

from app.core.paths import starter_model_path
from app.gui.about import COMPONENTS

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux bundle")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def source_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The self-test report of the source checkout, to compare the frozen one with."""
    home = tmp_path_factory.mktemp("source-home")
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "--self-test", "--threads", "2"],
        cwd=ROOT,
        env=frozen_probe.clean_env(home, {"QT_QPA_PLATFORM": "offscreen"}),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_frozen_self_test_gives_the_source_report(
    bundle: Path, source_report: dict[str, object], tmp_path: Path
) -> None:
    report = frozen_probe.run_self_test(frozen_probe.bundle_executable(bundle), tmp_path)
    assert report["ok"] is True
    assert report["frozen"] is True and source_report["frozen"] is False
    assert set(report) == set(source_report)
    for key in ("version", "model", "llama_cpp_python", "system_info", "device", "n_threads"):
        assert report[key] == source_report[key], key
    assert isinstance(report["tokens_per_s"], float) and report["tokens_per_s"] > 0


@linux_only
def test_window_opens_and_engine_loads_the_model(
    bundle: Path, display: str, tmp_path: Path
) -> None:
    app = frozen_probe.launch_until_window(
        frozen_probe.bundle_executable(bundle), display, tmp_path
    )
    leftovers: list[int] = []
    try:
        assert app.seconds_to_window < 30
        model = frozen_probe.bundle_model(bundle)
        engine_mapped_model = frozen_probe.wait_for_model_mapped(app.process.pid, model)
        assert engine_mapped_model, "no engine process loaded the bundled model"
        time.sleep(2)  # a failure right after mapping (context creation) would show now
        assert app.process.poll() is None, "the app quit on its own"
        engine_log = (tmp_path / "logs" / "engine.log").read_text(errors="replace")
        assert "Traceback" not in engine_log, engine_log[-3000:]
    finally:
        leftovers = frozen_probe.stop_app(app.process)
    assert leftovers == [], f"processes outlived the app: {leftovers}"


def _bundled_files(bundle: Path) -> list[Path]:
    return [p for p in bundle.rglob("*") if p.is_file() or p.is_symlink()]


@linux_only
def test_bundle_holds_what_the_app_needs_and_nothing_it_must_not(bundle: Path) -> None:
    internal = bundle / "_internal"
    names = {p.name for p in _bundled_files(bundle)}
    # Resources where app.core.paths looks for them.
    assert (internal / "models.json").is_file()
    assert (internal / "resources" / "icons" / "parley.svg").is_file()
    migrations = internal / "app" / "core" / "history" / "migrations"
    assert (migrations / "env.py").is_file()
    assert sorted(p.name for p in (migrations / "versions").glob("r*.py"))
    model = frozen_probe.bundle_model(bundle)
    assert model.stat().st_size == starter_model_path().stat().st_size
    assert _sha256(model) == _sha256(starter_model_path())
    # llama.cpp: one copy of each library, found where llama_cpp looks.
    llama_libs = sorted(p.name for p in (internal / "llama_cpp" / "lib").iterdir())
    assert "libllama.so" in llama_libs
    assert not [n for n in llama_libs if n.count(".") > 2 or n.startswith("libmtmd")]
    # Only the Qt modules the GUI imports, and no Qt Quick/QML at all.
    used = qt_modules_used(ROOT / "app")
    bindings = {p.name.split(".")[0] for p in (internal / "PySide6").glob("Qt*.so")}
    assert bindings == used
    assert not [n for n in names if n.startswith(("libQt6Qml", "libQt6Quick", "libQt6Pdf"))]
    translations = sorted(p.name for p in (internal / "PySide6" / "Qt" / "translations").iterdir())
    assert translations == ["qt_en.qm", "qt_zh_CN.qm", "qtbase_en.qm", "qtbase_zh_CN.qm"]
    # The desktop stack comes from the system (declared in the .deb), never from the bundle.
    assert not [n for n in names if is_system_library(n)]
    # Metadata (versions for the About dialog, licence texts) of everything it lists.
    shipped = {
        d.metadata["Name"].lower().replace("_", "-")
        for d in importlib.metadata.distributions(path=[str(internal)])
    }
    for component in COMPONENTS:
        if component.distribution:
            assert component.distribution.lower().replace("_", "-") in shipped, component.name
    # No unused packages, no dangling links.
    for package in ("tkinter", "hf_xet", "PyInstaller", "pip", "setuptools"):
        assert not (internal / package).exists(), package
    dangling = [str(p) for p in internal.rglob("*") if p.is_symlink() and not p.exists()]
    assert dangling == []


def _loader_paths() -> dict[str, str]:
    """Library name -> the path the dynamic loader uses for it (``ldconfig -p``)."""
    listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False)
    paths: dict[str, str] = {}
    for line in listing.stdout.splitlines():
        parts = line.strip().split(" => ")
        if len(parts) == 2:
            paths.setdefault(parts[0].split(" ")[0], parts[1])
    return paths


def _owning_packages(libraries: dict[str, str]) -> dict[str, str]:
    """Library name -> package owning its file, trying each merged-/usr spelling of the path.

    One ``dpkg -S`` call for all of them: dpkg reads its whole file database per call.
    """
    candidates: dict[str, str] = {}
    for name, path in libraries.items():
        for base in (path, os.path.realpath(path)):
            for spelling in (
                base,
                base.replace("/usr/lib/", "/lib/", 1),
                base.replace("/lib/", "/usr/lib/", 1),
            ):
                candidates.setdefault(spelling, name)
    result = subprocess.run(
        ["dpkg", "-S", *candidates], capture_output=True, text=True, check=False
    )
    owners: dict[str, str] = {}
    for line in result.stdout.splitlines():
        packages, _, path = line.partition(": ")
        if path in candidates:
            package = packages.split(",")[0].split(":")[0].strip()
            owners[candidates[path]] = package.removesuffix("t64")  # Ubuntu 24.04 renames
    return owners


@linux_only
@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs dpkg")
def test_deb_installs_a_working_app_with_menu_entry_and_declared_dependencies(
    deb_file: Path, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    unpacked = subprocess.run(
        ["dpkg-deb", "-x", str(deb_file), str(root)], capture_output=True, text=True, check=False
    )
    assert unpacked.returncode == 0, unpacked.stderr
    app_dir = root / "opt" / "parley"
    link = root / "usr" / "bin" / "parley"
    assert os.readlink(link) == "../../opt/parley/Parley"
    assert link.resolve() == (app_dir / "Parley").resolve()
    assert os.access(app_dir / "Parley", os.X_OK)
    desktop = root / "usr" / "share" / "applications" / "parley.desktop"
    validator = shutil.which("desktop-file-validate")
    if validator:
        checked = subprocess.run(
            [validator, str(desktop)], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert (root / f"usr/share/icons/hicolor/{size}x{size}/apps/parley.png").is_file()
    bundled_model = frozen_probe.bundle_model(app_dir)
    assert bundled_model.stat().st_size == starter_model_path().stat().st_size

    # The unpacked package runs the model through the /usr/bin link, as an installed one does.
    report = frozen_probe.run_self_test(link, tmp_path / "home")
    assert report["ok"] is True and report["frozen"] is True

    # Every library the bundle takes from the system belongs to a package in Depends.
    fields = subprocess.run(
        ["dpkg-deb", "--field", str(deb_file), "Depends"],
        capture_output=True,
        text=True,
        check=False,
    )
    depends = {item.strip().split(" ")[0] for item in fields.stdout.split(",")}
    bundled = {p.name for p in app_dir.rglob("*")}
    external: dict[str, str] = {}  # library -> a bundled file that needs it
    for path in app_dir.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        info = read_elf(path)
        for needed in info.needed if info else ():
            if needed not in bundled:
                external.setdefault(needed, path.name)
    loader = _loader_paths()
    missing = {name: user for name, user in external.items() if name not in loader}
    assert missing == {}, (
        f"libraries this machine lacks, so their packages cannot be checked: {missing}"
    )
    owners = _owning_packages({name: loader[name] for name in external})
    undeclared = {
        name: f"{owners.get(name)} (needed by {user})"
        for name, user in external.items()
        if owners.get(name) not in depends
    }
    assert "libc6" in fields.stdout
    assert undeclared == {}


@linux_only
def test_tarball_holds_the_bundle(tarball: Path, bundle: Path) -> None:
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    top = tarball.name.split("-linux-")[0]
    assert f"{top}/Parley/Parley" in names
    assert f"{top}/Parley/_internal/resources/models/{frozen_probe.STARTER_MODEL_NAME}" in names
    assert f"{top}/parley.desktop" in names
    expected = {f"{top}/Parley/{p.relative_to(bundle).as_posix()}" for p in _bundled_files(bundle)}
    assert expected <= names
