"""Linux packages from the bundle: dist/parley-<version>-linux-<arch>.tar.gz and a .deb.

The .deb installs the bundle to /opt/parley, links /usr/bin/parley to it, and adds a desktop
entry and hicolor icons so Parley appears in the application menu. It has no maintainer
scripts: dpkg removes exactly the files it installed, and the icon cache and the desktop
database are refreshed by the triggers of the packages that own them. Nothing in the user's
home (history, settings, downloaded models) is ever touched by installing or removing it.

Libraries of the desktop stack (X11/xcb, Wayland, OpenGL, fontconfig, GLib, D-Bus, the C++
and OpenMP runtimes) are left out of the bundle on purpose (packaging/bundle_rules.py) and
declared in ``Depends`` instead; the minimum glibc and libstdc++ versions are read from the
bundle's own binaries.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

from bundle_rules import read_elf  # noqa: E402

DIST = ROOT / "dist"
BUNDLE = DIST / "Parley"
ICONS = ROOT / "build" / "icons"
STAGE = ROOT / "build" / "deb"
PACKAGE = "parley"
INSTALL_DIR = f"opt/{PACKAGE}"
EXECUTABLE = "Parley"

# Packages of the shared libraries the bundle takes from the system. The xcb ones are what
# Qt's xcb platform plugin links (libxcb-cursor0 is the one desktops most often lack).
SYSTEM_DEPENDS = (
    "libgcc-s1",
    "libgomp1",
    "zlib1g",
    "libglib2.0-0",
    "libdbus-1-3",
    "libfontconfig1",
    "libfreetype6",
    "libgl1",
    "libegl1",
    "libx11-6",
    "libx11-xcb1",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-glx0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-util1",
    "libxcb-xfixes0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libwayland-client0",
    "libwayland-cursor0",
)
# Chinese text (the first translation) renders with tofu boxes without a CJK font.
# Chinese text needs a CJK font; server API keys reach the desktop's keyring (GNOME Keyring,
# KWallet) through libsecret's command, as the bundle leaves out keyring's Secret Service stack.
RECOMMENDS = ("fonts-noto-cjk", "libsecret-tools")

# libstdc++ symbol version -> the GCC release that introduced it (Debian's libstdc++6 package
# is versioned by GCC release).
_GLIBCXX_TO_GCC = {
    25: "8",
    26: "9",
    27: "9",
    28: "10",
    29: "11",
    30: "12",
    31: "13",
    32: "13.2",
    33: "14",
    34: "15",
}

DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Version=1.4
Name=Parley
GenericName=Offline Chat and Translation
GenericName[zh_CN]=离线聊天与翻译
Comment=Chat, summarise, translate and read sentiment offline with a local language model
Comment[zh_CN]=使用本地语言模型离线聊天、摘要、翻译和分析情感
Exec=parley
Icon=parley
Terminal=false
Categories=Utility;TextTools;
Keywords=chat;summarise;summarize;translate;sentiment;offline;LLM;GGUF;
StartupNotify=true
StartupWMClass=Parley
"""

COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Parley
Comment: Parley is a PyInstaller bundle; the licences of everything it contains follow.
 Full licence texts of the Python packages are in /opt/parley/_internal/*.dist-info where
 the packages ship them.

Files: *
Copyright: The Parley developers
License: Apache-2.0

Files: opt/parley/_internal/resources/models/SmolLM2-135M-Instruct.Q4_1.gguf
Copyright: Hugging Face (SmolLM2-135M-Instruct)
License: Apache-2.0

Files: opt/parley/_internal/llama_cpp/*
Copyright: The ggml authors; Andrei Betlen (llama-cpp-python)
License: MIT

Files: opt/parley/_internal/PySide6/* opt/parley/_internal/shiboken6/*
 opt/parley/_internal/libpyside6* opt/parley/_internal/libshiboken6*
Copyright: The Qt Company Ltd. and other contributors
License: LGPL-3.0-only
 Qt and PySide6 are used under the LGPL v3: the Qt libraries are separate shared libraries
 in opt/parley/_internal/PySide6/Qt/lib and can be replaced by the user.

Files: opt/parley/_internal/PySide6/Qt/lib/libicu*
Copyright: Unicode, Inc. and others
License: Unicode-3.0

Files: opt/parley/_internal/numpy* opt/parley/_internal/libpython* opt/parley/_internal/python*
Copyright: NumPy developers; Python Software Foundation; OpenBLAS contributors
License: BSD-3-Clause and PSF-2.0

License: Apache-2.0
 On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.

License: LGPL-3.0-only
 On Debian systems the full text is in /usr/share/common-licenses/LGPL-3.

License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy of this
 software and associated documentation files, to deal in the Software without restriction,
 subject to including the copyright notice and this permission notice in all copies.

License: Unicode-3.0
 See https://www.unicode.org/license.txt

License: BSD-3-Clause and PSF-2.0
 See the licence files shipped in the respective *.dist-info folders.
"""


class PackagingError(Exception):
    """The packages could not be built; the message says why."""


def app_version() -> str:
    """The version in app/__init__.py (read as text: the packaging tools do not import app)."""
    text = (ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if not match:
        raise PackagingError("app/__init__.py has no __version__")
    return match.group(1)


def deb_architecture() -> str:
    """Debian's name for this machine's architecture (amd64, arm64...)."""
    if shutil.which("dpkg"):
        result = subprocess.run(
            ["dpkg", "--print-architecture"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def _elf_files(bundle: Path) -> list[Path]:
    return [p for p in sorted(bundle.rglob("*")) if p.is_file() and not p.is_symlink()]


def symbol_version_floor(bundle: Path) -> tuple[str, str | None]:
    """The newest GLIBC and GLIBCXX symbol versions any binary in the bundle asks for."""

    def key(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split("_", 1)[1].split("."))

    glibc = "GLIBC_2.17"
    glibcxx: str | None = None
    for path in _elf_files(bundle):
        info = read_elf(path)
        if info is None:
            continue
        for ref in info.version_refs:
            if ref.startswith("GLIBCXX_"):
                if glibcxx is None or key(ref) > key(glibcxx):
                    glibcxx = ref
            elif ref.startswith("GLIBC_") and key(ref) > key(glibc):
                glibc = ref
    return glibc, glibcxx


def depends_field(bundle: Path) -> str:
    """The Depends line: versioned libc6/libstdc++6 from the bundle's symbols, then the rest."""
    glibc, glibcxx = symbol_version_floor(bundle)
    depends = [f"libc6 (>= {glibc.split('_', 1)[1]})"]
    if glibcxx is not None:
        minor = int(glibcxx.rsplit(".", 1)[1]) if glibcxx.count(".") == 2 else 0
        if minor > max(_GLIBCXX_TO_GCC):
            raise PackagingError(f"unknown libstdc++ symbol version {glibcxx}: extend the table")
        gcc = _GLIBCXX_TO_GCC.get(minor)
        depends.append(f"libstdc++6 (>= {gcc})" if gcc else "libstdc++6")
    depends += SYSTEM_DEPENDS
    return ", ".join(depends)


def _disk_kib(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += (path.stat().st_size + 1023) // 1024
    return total


def control_text(version: str, arch: str, installed_kib: int, depends: str) -> str:
    """DEBIAN/control for the package."""
    maintainer = os.environ.get(
        "PARLEY_DEB_MAINTAINER", "The Parley developers <packaging@parley.invalid>"
    )
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        f"Architecture: {arch}\n"
        f"Maintainer: {maintainer}\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {depends}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Section: utils\n"
        "Priority: optional\n"
        "Description: offline chat, summaries, translation and sentiment with a local model\n"
        " Parley runs a quantized language model (GGUF, through llama.cpp) on this computer:\n"
        " chat, summarise long documents, translate and read the sentiment of text without\n"
        " sending anything over the network. A small English starter model is included;\n"
        " larger multilingual models can be downloaded from the app.\n"
        " .\n"
        " Conversations are kept in a local SQLite database in the user's home folder,\n"
        " which removing the package leaves in place.\n"
    )


def _link_tree(source: Path, target: Path) -> None:
    """Copy a folder as hard links where possible (the bundle is hundreds of MB)."""

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=link_or_copy)


def stage_deb(bundle: Path, stage: Path, version: str, arch: str, icons: Path = ICONS) -> Path:
    """Lay out the package's file tree in ``stage`` (a fresh folder); return it."""
    if not (bundle / EXECUTABLE).is_file():
        raise PackagingError(f"{bundle / EXECUTABLE} is missing: run packaging/build_bundle.py")
    icon_svg = icons / "hicolor" / "scalable" / "apps" / "parley.svg"
    if not icon_svg.is_file():
        raise PackagingError(f"{icon_svg} is missing: run packaging/render_icons.py")
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    _link_tree(bundle, stage / INSTALL_DIR)
    bin_dir = stage / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    # Relative, so the link also works in a root unpacked elsewhere (dpkg -x, tests).
    (bin_dir / PACKAGE).symlink_to(Path("..", "..", INSTALL_DIR, EXECUTABLE))
    applications = stage / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    (applications / f"{PACKAGE}.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    shutil.copytree(icons / "hicolor", stage / "usr" / "share" / "icons" / "hicolor")
    doc = stage / "usr" / "share" / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT, encoding="utf-8")
    debian = stage / "DEBIAN"
    debian.mkdir()
    control = control_text(version, arch, _disk_kib(stage), depends_field(bundle))
    (debian / "control").write_text(control, encoding="utf-8")
    for folder in [stage, *(p for p in stage.rglob("*") if p.is_dir() and not p.is_symlink())]:
        folder.chmod(0o755)
    return stage


def build_deb(
    bundle: Path = BUNDLE, out_dir: Path = DIST, icons: Path = ICONS, work_dir: Path = STAGE
) -> Path:
    """Build ``parley_<version>_<arch>.deb`` (xz-compressed) with dpkg-deb; return its path."""
    if shutil.which("dpkg-deb") is None:
        raise PackagingError("dpkg-deb is not installed (apt-get install dpkg-dev)")
    version, arch = app_version(), deb_architecture()
    stage = stage_deb(bundle, work_dir / f"{PACKAGE}_{version}_{arch}", version, arch, icons)
    target = out_dir / f"{PACKAGE}_{version}_{arch}.deb"
    target.unlink(missing_ok=True)
    command = ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(stage), str(target)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PackagingError(f"dpkg-deb failed: {result.stderr.strip()}")
    shutil.rmtree(stage)
    return target


def build_tarball(bundle: Path = BUNDLE, out_dir: Path = DIST, icons: Path = ICONS) -> Path:
    """``parley-<version>-linux-<machine>.tar.gz`` with the bundle, icon and desktop entry."""
    version = app_version()
    target = out_dir / f"{PACKAGE}-{version}-linux-{platform.machine()}.tar.gz"
    top = f"{PACKAGE}-{version}"

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    partial = target.with_suffix(".part")
    with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
        archive.add(bundle, arcname=f"{top}/Parley", filter=normalise)
        desktop = tarfile.TarInfo(f"{top}/parley.desktop")
        data = DESKTOP_ENTRY.encode("utf-8")
        desktop.size, desktop.mtime, desktop.mode = len(data), int(time.time()), 0o644
        archive.addfile(normalise(desktop), io.BytesIO(data))
        archive.add(icons / "hicolor", arcname=f"{top}/icons/hicolor", filter=normalise)
    partial.replace(target)
    return target


def is_fresh(target: Path) -> bool:
    """True when ``target`` was built after the bundle and after this script last changed."""
    stamp = ROOT / "build" / "parley-bundle.json"
    if not target.is_file() or not stamp.is_file():
        return False
    inputs = [stamp, Path(__file__), ICONS / "hicolor" / "scalable" / "apps" / "parley.svg"]
    newest = max(p.stat().st_mtime for p in inputs if p.exists())
    return target.stat().st_mtime > newest


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python packaging/build_linux.py [--no-deb] [--no-tar]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-deb", action="store_true", help="do not build the .deb")
    parser.add_argument("--no-tar", action="store_true", help="do not build the .tar.gz")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        print("skipped: the .deb and .tar.gz are built on Linux only")
        return 0
    try:
        version, machine, arch = app_version(), platform.machine(), deb_architecture()
        steps = [
            (build_tarball, args.no_tar, DIST / f"{PACKAGE}-{version}-linux-{machine}.tar.gz"),
            (build_deb, args.no_deb, DIST / f"{PACKAGE}_{version}_{arch}.deb"),
        ]
        for step, skipped, expected in steps:
            if skipped:
                continue
            if not args.force and is_fresh(expected):
                print(f"up to date: {expected.relative_to(ROOT)}")
                continue
            started = time.monotonic()
            built = step()
            size_mb = built.stat().st_size / 1e6
            seconds = time.monotonic() - started
            print(f"built {built.relative_to(ROOT)} ({size_mb:.1f} MB, {seconds:.0f} s)")
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
