"""The About dialog, with engine details from a real engine load of the starter model.

Lives with the packaging tests because what it lists is what the bundle ships: the licence
table is checked against the installed packages' own metadata, so a wrong licence or a
renamed distribution fails here rather than in a licence audit.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import frozen_probe  # on sys.path from tests/package/conftest.py
import pytest
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTableWidget
from pytestqt.qtbot import QtBot

from app import __version__
from app.core import versions
from app.core.backend import LoadInfo, LoadOptions, ModelRef
from app.gui.about import COMPONENTS, AboutDialog, Component, component_version, show_about


@pytest.fixture(scope="module")
def real_load_info(tmp_path_factory: pytest.TempPathFactory) -> LoadInfo:
    """What the engine reports after loading the starter model for real."""
    from app.core.paths import starter_model_path
    from app.engine.local import LocalBackend

    backend = LocalBackend(log_dir=tmp_path_factory.mktemp("engine-logs"))
    try:
        return backend.load(
            ModelRef(starter_model_path(), model_id="smollm2-135m-instruct"),
            LoadOptions(n_ctx=512, n_threads=2, gpu_layers=0),
        )
    finally:
        backend.close()


def _label(dialog: AboutDialog, name: str) -> QLabel:
    for label in dialog.findChildren(QLabel):
        if label.accessibleName() == name:
            return label
    raise AssertionError(f"no label named {name!r}")


def test_about_without_a_model_says_so(qtbot: QtBot) -> None:
    dialog = AboutDialog(None, None)
    qtbot.addWidget(dialog)
    assert __version__ in _label(dialog, "Application version").text()
    assert _label(dialog, "Loaded model").text() == "none loaded"
    build = dialog.findChild(QPlainTextEdit)
    assert build is not None and "Load a model" in build.toPlainText()
    bundled = _label(dialog, "Bundled model licence").text()
    assert "SmolLM2" in bundled and "Apache-2.0" in bundled


def test_about_shows_the_engine_build_the_engine_reported(
    qtbot: QtBot, real_load_info: LoadInfo
) -> None:
    dialog = show_about(None, real_load_info)
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert _label(dialog, "Engine version").text() == real_load_info.engine_version
    assert real_load_info.engine_version == importlib.metadata.version("llama_cpp_python")
    assert _label(dialog, "Device in use").text().startswith("CPU, 2 threads")
    build = dialog.findChild(QPlainTextEdit)
    assert build is not None
    assert build.toPlainText() == real_load_info.system_info.strip()
    assert "CPU" in build.toPlainText()

    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.details_text()
    assert f"Parley {__version__}" in copied and real_load_info.system_info.strip() in copied
    dialog.close()


def test_about_can_switch_back_to_no_model(qtbot: QtBot, real_load_info: LoadInfo) -> None:
    dialog = AboutDialog(None, real_load_info)
    qtbot.addWidget(dialog)
    dialog.set_load_info(None)
    assert _label(dialog, "Loaded model").text() == "none loaded"


def test_licence_table_lists_every_component_with_its_installed_version(qtbot: QtBot) -> None:
    dialog = AboutDialog(None, None)
    qtbot.addWidget(dialog)
    table = dialog.findChild(QTableWidget)
    assert table is not None and table.rowCount() == len(COMPONENTS)
    for row, component in enumerate(COMPONENTS):
        name = table.item(row, 0)
        licence = table.item(row, 2)
        version = table.item(row, 1)
        assert name is not None and licence is not None and version is not None
        assert (name.text(), licence.text()) == (component.name, component.licence)
        if component.distribution:
            assert version.text() == importlib.metadata.version(component.distribution)


@pytest.mark.parametrize(
    "component", [c for c in COMPONENTS if c.distribution], ids=lambda c: c.name
)
def test_declared_licence_matches_the_package_metadata(component: Component) -> None:
    assert component.distribution
    metadata = importlib.metadata.metadata(component.distribution)
    declared = metadata.get_all("License-Expression") or metadata.get_all("License") or []
    expression = declared[0] if declared else ""
    classifiers = [c for c in metadata.get_all("Classifier") or [] if c.startswith("License")]
    if expression:
        assert component.licence in expression.replace("(", " ").replace(")", " ").split()
    else:
        assert classifiers, f"{component.distribution} declares no licence to check against"
        family = component.licence.split("-")[0]  # "BSD-3-Clause" -> "BSD", "MIT" -> "MIT"
        assert any(family in c for c in classifiers), classifiers


def test_versions_are_known_for_everything_installed() -> None:
    missing = [c.name for c in COMPONENTS if c.distribution and not component_version(c)]
    assert missing == []


def test_every_component_has_a_purpose_and_spdx_licence() -> None:
    spdx = {
        "MIT",
        "LGPL-3.0-only",
        "Apache-2.0",
        "BSD-3-Clause",
        "BSD-2-Clause",
        "PSF-2.0",
        "Unicode-3.0",
    }
    for component in COMPONENTS:
        assert component.purpose.strip()
        assert component.licence in spdx, component


def _cell(table: QTableWidget, name: str) -> str:
    for row in range(table.rowCount()):
        item = table.item(row, 0)
        if item is not None and item.text() == name:
            version = table.item(row, 1)
            assert version is not None
            return version.text()
    raise AssertionError(f"no row {name!r}")


def test_llama_cpp_and_icu_versions_are_shown(qtbot: QtBot) -> None:
    """These two are no Python distribution; their cells were empty before app.core.versions."""
    dialog = AboutDialog(None, None)
    qtbot.addWidget(dialog)
    table = dialog.findChild(QTableWidget)
    assert table is not None
    build = versions.llama_cpp_build()
    assert build is not None
    llama_cell = _cell(table, "llama.cpp (ggml)")
    assert llama_cell == str(build) and build.ggml_version in llama_cell
    if sys.platform.startswith("linux"):
        assert _cell(table, "ICU") == versions.icu_version() != ""
    assert _cell(table, "Qt") == qVersion()
    assert _cell(table, "PySide6") == importlib.metadata.version("PySide6_Essentials")
    details = dialog.details_text()
    assert f"llama.cpp: {build}" in details
    assert f"SQLAlchemy {importlib.metadata.version('SQLAlchemy')}" in details
    assert f"huggingface_hub {importlib.metadata.version('huggingface_hub')}" in details


def _expected_versions() -> dict[str, str]:
    """What the self-test must report: the installed distributions' own metadata."""
    expected = versions.collect(qVersion())
    for key, distribution in versions.DISTRIBUTIONS.items():
        assert expected[key] == importlib.metadata.version(distribution), key
    assert expected["parley"] == importlib.metadata.version("parley")
    return expected


def _self_test(command: list[str], home: Path) -> dict[str, object]:
    result = subprocess.run(
        [*command, "--self-test", "--threads", "2"],
        cwd=Path(__file__).resolve().parents[2],
        env=frozen_probe.clean_env(home, {"QT_QPA_PLATFORM": "offscreen"}),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_self_test_reports_the_installed_versions(tmp_path: Path) -> None:
    report = _self_test([sys.executable, "-m", "app.cli"], tmp_path)
    assert report["versions"] == _expected_versions()
    assert report["llama_cpp_python"] == importlib.metadata.version("llama_cpp_python")


def test_frozen_self_test_reports_the_versions_it_was_built_from(
    bundle: Path, tmp_path: Path
) -> None:
    """The bundle carries the .dist-info folders and libraries the versions are read from."""
    report = frozen_probe.run_self_test(frozen_probe.bundle_executable(bundle), tmp_path)
    assert report["frozen"] is True
    reported = report["versions"]
    assert isinstance(reported, dict)
    assert reported == _expected_versions()
    assert all(reported[key] for key in ("llama_cpp_python", "pyside6", "qt", "ggml")), reported
