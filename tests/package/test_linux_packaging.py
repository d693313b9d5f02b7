"""The .deb and .tar.gz scripts, run on a small stand-in bundle so they take seconds.

The stand-in has the real layout (an executable ``Parley`` and ``_internal/``) but is a shell
script, so these tests check the packaging itself: the control file, the desktop entry, the
icons, and that dpkg installs and removes the package cleanly without touching user data.
The real bundle's package is checked in test_frozen_bundle.py.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tarfile
from pathlib import Path

import build_linux
import pytest
from bundle_rules import ElfInfo

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux packages")

# Qt's xcb platform plugin needs these at run time (issue 6); the .deb must declare them.
QT_XCB_PACKAGES = (
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-xkb1",
    "libxkbcommon-x11-0",
    "libxcb-randr0",
    "libxcb-shape0",
    "libxcb-xinerama0",
)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def icons(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app icon rendered the way the build renders it."""
    from render_icons import render_icons

    out = tmp_path_factory.mktemp("icons")
    render_icons(out_dir=out)
    return out


@pytest.fixture()
def fake_bundle(tmp_path: Path) -> Path:
    bundle = tmp_path / "Parley"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    (bundle / "_internal" / "resources" / "note.txt").write_text("bundled", encoding="utf-8")
    executable = bundle / "Parley"
    executable.write_text('#!/bin/sh\necho "fake parley $*"\n', encoding="utf-8")
    executable.chmod(0o755)
    return bundle


def test_icons_rendered_in_every_hicolor_size(icons: Path) -> None:
    from render_icons import HICOLOR_SIZES

    for size in HICOLOR_SIZES:
        png = icons / "hicolor" / f"{size}x{size}" / "apps" / "parley.png"
        assert _png_size(png) == (size, size)
    assert (icons / "hicolor" / "scalable" / "apps" / "parley.svg").read_bytes().startswith(b"<")


def test_render_icons_reports_a_broken_svg(tmp_path: Path) -> None:
    from render_icons import IconRenderError, render_icons

    broken = tmp_path / "broken.svg"
    broken.write_text("<svg", encoding="utf-8")
    with pytest.raises(IconRenderError, match="not a valid SVG"):
        render_icons(broken, tmp_path / "out")
    with pytest.raises(IconRenderError, match="does not exist"):
        render_icons(tmp_path / "missing.svg", tmp_path / "out")


def test_depends_declares_qt_xcb_needs_and_versioned_runtimes(tmp_path: Path) -> None:
    import llama_cpp

    bundle = tmp_path / "bundle"
    bundle.mkdir()
    shutil.copy(Path(llama_cpp.__file__).parent / "lib" / "libllama.so", bundle)
    depends = [item.strip() for item in build_linux.depends_field(bundle).split(",")]
    names = {item.split(" ")[0] for item in depends}
    assert set(QT_XCB_PACKAGES) <= names
    assert {"libgomp1", "libgcc-s1", "libgl1", "libfontconfig1"} <= names
    libc = next(item for item in depends if item.startswith("libc6 "))
    assert libc.startswith("libc6 (>= 2.") and libc.endswith(")")
    assert any(item.startswith("libstdc++6 (>= ") for item in depends)


def test_depends_refuses_a_libstdcxx_newer_than_it_knows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "libnew.so").write_bytes(b"x")
    future = ElfInfo((), None, frozenset({"GLIBC_2.40", "GLIBCXX_3.4.99"}))
    monkeypatch.setattr(build_linux, "read_elf", lambda _path: future)
    with pytest.raises(build_linux.PackagingError, match=r"GLIBCXX_3\.4\.99"):
        build_linux.depends_field(tmp_path)


def test_desktop_entry_is_valid(tmp_path: Path) -> None:
    entry = tmp_path / "parley.desktop"
    entry.write_text(build_linux.DESKTOP_ENTRY, encoding="utf-8")
    fields = dict(
        line.split("=", 1) for line in build_linux.DESKTOP_ENTRY.splitlines() if "=" in line
    )
    assert fields["Exec"] == "parley"
    assert fields["Icon"] == "parley"
    assert fields["Type"] == "Application"
    assert fields["Terminal"] == "false"
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils)")
    result = subprocess.run([validator, str(entry)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _dpkg(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["dpkg", f"--root={root}", "--force-not-root", "--log=/dev/null", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": os.environ.get("PATH", "") + ":/usr/sbin:/sbin"},
    )


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="dpkg is not installed")
def test_deb_installs_runs_and_uninstalls_cleanly_leaving_user_data(
    tmp_path: Path, fake_bundle: Path, icons: Path
) -> None:
    deb = build_linux.build_deb(fake_bundle, tmp_path, icons=icons, work_dir=tmp_path / "stage")
    assert deb.name == f"parley_{build_linux.app_version()}_{build_linux.deb_architecture()}.deb"
    assert not any((tmp_path / "stage").iterdir()), "the staged tree is removed after the build"

    info = _run("dpkg-deb", "--info", str(deb))
    assert info.returncode == 0, info.stderr
    for script in ("preinst", "postinst", "prerm", "postrm"):
        assert script not in info.stdout, f"unexpected maintainer script {script}"
    control = _run("dpkg-deb", "--field", str(deb))
    assert "Package: parley" in control.stdout
    assert "Recommends: fonts-noto-cjk, libsecret-tools" in control.stdout
    for package in QT_XCB_PACKAGES:
        assert package in control.stdout
    contents = _run("dpkg-deb", "--contents", str(deb))
    owners = {line.split()[1] for line in contents.stdout.splitlines()}
    assert owners == {"root/root"}, owners

    # A throwaway dpkg database: a real install and removal, not just an unpack.
    root = tmp_path / "root"
    admin = root / "var" / "lib" / "dpkg"
    for folder in ("info", "updates", "triggers"):
        (admin / folder).mkdir(parents=True)
    (admin / "status").touch()
    (admin / "available").touch()
    user_data = root / "home" / "someone" / ".local" / "share" / "parley"
    user_data.mkdir(parents=True)
    (user_data / "history.sqlite3").write_bytes(b"conversations")

    installed = _dpkg(root, "--force-depends", "--install", str(deb))
    assert installed.returncode == 0, installed.stderr
    link = root / "usr" / "bin" / "parley"
    assert link.is_symlink()
    assert os.readlink(link) == "../../opt/parley/Parley"
    assert link.resolve() == (root / "opt" / "parley" / "Parley").resolve()
    ran = subprocess.run([str(link), "--version"], capture_output=True, text=True, check=False)
    assert ran.stdout.strip() == "fake parley --version"
    assert (root / "usr" / "share" / "applications" / "parley.desktop").is_file()
    for size in ("16x16", "48x48", "256x256", "512x512"):
        assert (root / "usr/share/icons/hicolor" / size / "apps" / "parley.png").is_file()
    assert (root / "usr/share/icons/hicolor/scalable/apps/parley.svg").is_file()
    assert (root / "usr/share/doc/parley/copyright").is_file()
    listed = _dpkg(root, "--listfiles", "parley").stdout.split()
    assert "/opt/parley/_internal/resources/note.txt" in listed

    removed = _dpkg(root, "--purge", "parley")
    assert removed.returncode == 0, removed.stderr
    leftovers = [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and admin not in p.parents and p.parent != user_data
    ]
    assert leftovers == []
    for folder in ("opt/parley", "usr/share/doc/parley"):
        assert not (root / folder).exists()
    assert (user_data / "history.sqlite3").read_bytes() == b"conversations"


def test_tarball_holds_bundle_desktop_entry_and_icons(
    tmp_path: Path, fake_bundle: Path, icons: Path
) -> None:
    archive = build_linux.build_tarball(fake_bundle, tmp_path, icons=icons)
    top = f"parley-{build_linux.app_version()}"
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        executable = members[f"{top}/Parley/Parley"]
        assert executable.mode & 0o111, "the executable bit survives"
        assert f"{top}/Parley/_internal/resources/note.txt" in members
        assert f"{top}/icons/hicolor/256x256/apps/parley.png" in members
        desktop = tar.extractfile(members[f"{top}/parley.desktop"])
        assert desktop is not None
        assert desktop.read().decode() == build_linux.DESKTOP_ENTRY
        assert {(m.uid, m.gid) for m in members.values()} == {(0, 0)}


def test_missing_bundle_is_a_clear_error(tmp_path: Path, icons: Path) -> None:
    with pytest.raises(build_linux.PackagingError, match=r"build_bundle\.py"):
        build_linux.stage_deb(tmp_path / "nothing", tmp_path / "stage", "1.0", "amd64", icons)
