"""The rules that decide what goes into the bundle, checked without building one.

Each rule is checked against the real files it will meet (the installed PySide6 and
llama-cpp-python wheels) as well as against hand-made examples of the cases it must tell apart.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import bundle_rules as rules
import pytest


def _installed(package: str) -> Path:
    module = __import__(package)
    assert module.__file__ is not None
    return Path(module.__file__).parent


def test_qt_modules_used_finds_every_import_form(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "from PySide6.QtSvg import QSvgRenderer\nimport PySide6.QtNetwork\n", encoding="utf-8"
    )
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "b.py").write_text(
        "from PySide6 import QtMultimedia, QtCore\nfrom PySide6 import (QtPdf)\n", encoding="utf-8"
    )
    (tmp_path / "c.txt").write_text("from PySide6.QtQml import x", encoding="utf-8")
    used = rules.qt_modules_used(tmp_path)
    assert used == {"QtCore", "QtGui", "QtWidgets", "QtSvg", "QtNetwork", "QtMultimedia", "QtPdf"}


def test_the_app_uses_widgets_not_qml() -> None:
    used = rules.qt_modules_used(Path(__file__).resolve().parents[2] / "app")
    assert used >= rules.QT_BASE_MODULES
    assert not used & {"QtQml", "QtQuick", "QtWebEngineCore", "QtMultimedia", "Qt3DCore"}


def test_qt_excludes_cover_installed_modules_the_app_does_not_use() -> None:
    available = rules.qt_modules_available(_installed("PySide6"))
    assert {"QtCore", "QtGui", "QtWidgets"} <= available
    used = {"QtCore", "QtGui", "QtWidgets", "QtSvg"}
    excluded = rules.qt_excludes(used, available)
    for name in ("QtQml", "QtQuick", "QtNetwork", "QtOpenGL", "QtDBus"):
        if name in available:
            assert f"PySide6.{name}" in excluded
    assert not {f"PySide6.{name}" for name in used} & set(excluded)
    # Even if the scan found nothing, the base modules are never excluded.
    assert "PySide6.QtCore" not in rules.qt_excludes(set(), available)


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6\\Qt\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/plugins/qmltooling/libqmldbg_tcp.so", False),
        ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", True),
        ("PySide6/Qt/plugins/wayland-shell-integration/libivi-shell.so", False),
        (
            "PySide6/Qt/plugins/wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
            False,
        ),
        ("PySide6/Qt/lib/libQt6Core.so.6", True),  # not a plugin: other rules decide
        ("app/plugins/whatever/x.so", True),
    ],
)
def test_keep_qt_plugin(dest: str, kept: bool) -> None:
    assert rules.keep_qt_plugin(dest) is kept


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/translations/qtbase_zh_CN.qm", True),
        ("PySide6/Qt/translations/qt_en.qm", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/translations/qtdeclarative_zh_CN.qm", False),
        ("PySide6/Qt/translations/qt_help_zh_CN.qm", False),
        ("resources/translations/parley_zh_CN.qm", True),  # the app's own translation
    ],
)
def test_keep_qt_translation(dest: str, kept: bool) -> None:
    assert rules.keep_qt_translation(dest) is kept


@pytest.mark.parametrize(
    ("name", "system"),
    [
        ("libstdc++.so.6", True),
        ("libgomp.so.1", True),
        ("libxcb-cursor.so.0", True),
        ("libxcb.so.1", True),
        ("libxkbcommon-x11.so.0", True),
        ("libGL.so.1", True),
        ("libEGL.so.1", True),
        ("libfontconfig.so.1", True),
        ("libglib-2.0.so.0", True),
        ("libwayland-client.so.0", True),
        ("PySide6/Qt/lib/libQt6Core.so.6", False),
        ("PySide6/Qt/lib/libicudata.so.73", False),
        ("libpython3.11.so.1.0", False),
        ("libssl.so.3", False),
        ("libsqlite3.so.0", False),
        ("llama_cpp/lib/libggml-cpu.so.0", False),
    ],
)
def test_is_system_library(name: str, system: bool) -> None:
    assert rules.is_system_library(name) is system


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("libllama.so", True),
        ("libllama.so.0", False),
        ("libllama.so.0.5.0", False),
        ("libggml.so.0", True),
        ("libggml.so", False),
        ("libggml-cpu.so.0.25.3", False),
        ("libggml-cuda.so.0", True),
        ("libmtmd.so", False),
        ("libmtmd.so.0", False),
        ("llama.dll", True),
        ("ggml-cpu.dll", True),
        ("mtmd.dll", False),
        ("libggml-metal.dylib", True),
        ("libllama.dylib", True),
    ],
)
def test_keep_llama_library(name: str, kept: bool) -> None:
    assert rules.keep_llama_library(name) is kept


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF libraries")
def test_llama_libraries_kept_from_the_wheel_satisfy_each_other() -> None:
    """One copy of each library, and libllama's llama.cpp dependencies all among them."""
    lib_dir = _installed("llama_cpp") / "lib"
    kept = sorted(p.name for p in lib_dir.iterdir() if rules.keep_llama_library(p.name))
    assert "libllama.so" in kept
    sonames = []
    for name in kept:
        info = rules.read_elf(lib_dir / name)
        assert info is not None, name
        sonames.append(info.soname)
    assert len(set(sonames)) == len(sonames), f"duplicate copies: {kept}"
    for name in kept:
        info = rules.read_elf(lib_dir / name)
        assert info is not None
        for needed in info.needed:
            if needed.startswith(("libggml", "libllama")):
                assert needed in kept, f"{name} needs {needed}, which would be left out"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF libraries")
def test_read_elf_reports_what_libllama_links() -> None:
    info = rules.read_elf(_installed("llama_cpp") / "lib" / "libllama.so")
    assert info is not None
    assert info.soname == "libllama.so.0"
    assert "libggml.so.0" in info.needed and "libc.so.6" in info.needed
    assert any(ref.startswith("GLIBC_2.") for ref in info.version_refs)


def test_read_elf_rejects_what_is_not_a_whole_elf_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    assert rules.read_elf(text) is None
    assert rules.read_elf(tmp_path / "missing.so") is None
    if sys.platform.startswith("linux"):
        truncated = tmp_path / "truncated.so"
        source = (_installed("llama_cpp") / "lib" / "libllama.so").read_bytes()
        truncated.write_bytes(source[:4096])
        assert rules.read_elf(truncated) is None


def _fake_reader(graph: dict[str, tuple[str, ...]]) -> Callable[[Path], rules.ElfInfo | None]:
    def read(path: Path) -> rules.ElfInfo | None:
        if path.name not in graph:
            return None
        return rules.ElfInfo(graph[path.name], path.name, frozenset())

    return read


def test_prune_unreachable_follows_needed_from_the_binaries_the_app_loads() -> None:
    graph = {
        "QtCore.abi3.so": ("libQt6Core.so.6",),
        "libQt6Core.so.6": ("libicuuc.so.73",),
        "libicuuc.so.73": (),
        "libqxcb.so": ("libQt6XcbQpa.so.6",),
        "libQt6XcbQpa.so.6": (),
        "libQt6Network.so.6": ("libssl.so.3",),  # only a dropped plugin needed it
        "libssl.so.3": (),
        "libkrb5.so.3": (),
    }
    entries = [
        ("PySide6/QtCore.abi3.so", "/src/QtCore.abi3.so", "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/src/libQt6Core.so.6", "BINARY"),
        ("PySide6/Qt/lib/libicuuc.so.73", "/src/libicuuc.so.73", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        ("PySide6/Qt/lib/libQt6XcbQpa.so.6", "/src/libQt6XcbQpa.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Network.so.6", "/src/libQt6Network.so.6", "BINARY"),
        ("libssl.so.3", "/src/libssl.so.3", "BINARY"),
        ("libkrb5.so.3", "/src/libkrb5.so.3", "BINARY"),
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
        ("models.json", "/src/models.json", "DATA"),
    ]
    kept, dropped = rules.prune_unreachable(entries, read=_fake_reader(graph))
    assert sorted(dropped) == [
        "PySide6/Qt/lib/libQt6Network.so.6",
        "libQt6Network.so.6",
        "libkrb5.so.3",
        "libssl.so.3",
    ]
    assert ("models.json", "/src/models.json", "DATA") in kept
    assert ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK") in kept


def test_prune_keeps_a_link_target_reached_only_through_the_link() -> None:
    graph = {"mod.cpython-311-x86_64-linux-gnu.so": ("libfoo.so.1",), "libfoo.so.1.2": ()}
    entries = [
        (
            "pkg/mod.cpython-311-x86_64-linux-gnu.so",
            "/s/mod.cpython-311-x86_64-linux-gnu.so",
            "EXTENSION",
        ),
        ("pkg/lib/libfoo.so.1.2", "/s/libfoo.so.1.2", "BINARY"),
        ("pkg/lib/libfoo.so.1", "libfoo.so.1.2", "SYMLINK"),
    ]
    kept, dropped = rules.prune_unreachable(entries, read=_fake_reader(graph))
    assert dropped == []
    assert len(kept) == 3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF libraries")
def test_auditwheel_repaired_libraries_are_never_stripped(tmp_path: Path) -> None:
    numpy_dir = _installed("numpy")
    umath = next((numpy_dir / "_core").glob("_multiarray_umath*.so"))
    libs = next(numpy_dir.parent.glob("numpy.libs"))
    assert not rules.worth_stripping(umath)  # run path points at numpy.libs
    for library in libs.iterdir():
        assert not rules.worth_stripping(library)
    elsewhere = tmp_path / "copy.so"
    elsewhere.write_bytes(umath.read_bytes())
    assert not rules.worth_stripping(elsewhere)  # recognised by its run path, not its folder
    assert not rules.worth_stripping(Path(shutil.__file__))  # not ELF at all


def test_stripped_copy_leaves_data_and_unsafe_files_alone(tmp_path: Path) -> None:
    data = ("models.json", str(tmp_path / "models.json"), "DATA")
    assert rules.stripped_copy(data, tmp_path / "cache") == data
    (tmp_path / "x.libs").mkdir()
    repaired = tmp_path / "x.libs" / "libx.so"
    repaired.write_bytes(b"\x7fELF" + b"\0" * 100)
    entry = ("x.libs/libx.so", str(repaired), "BINARY")
    assert rules.stripped_copy(entry, tmp_path / "cache") == entry
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("docx/templates/default.docx", False),
        ("docx\\templates\\default-header.xml", False),
        ("docx/__init__.py", True),
        ("py3langid/data/model.npz.xz", True),
    ],
)
def test_keep_data_file(dest: str, kept: bool) -> None:
    assert rules.keep_data_file(dest) is kept
