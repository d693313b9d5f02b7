"""What goes into the PyInstaller bundle and what is left out, as plain functions.

``parley.spec`` applies these rules to PyInstaller's table of contents; keeping them here,
outside the spec, lets ``tests/package`` check them in milliseconds without a build. The
rules exist because a plain bundle is 252 MB: PyInstaller's Qt hooks collect every plugin and
every translation of the modules they see, llama-cpp-python ships each native library three
times (``libllama.so``, ``.so.0``, ``.so.0.5.0``: pip does not keep symlinks), and system
libraries of the desktop stack are copied in from the build machine, where they can clash with
the user's graphics drivers.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# Qt modules every build needs whatever the GUI imports: the ones PySide6 itself loads.
QT_BASE_MODULES = frozenset({"QtCore", "QtGui", "QtWidgets"})

# Python packages and modules the app never imports at run time. Some are pulled in only
# through optional imports of our dependencies (numpy -> unittest-based testing helpers,
# huggingface_hub -> hf_xet, which is only a faster transport: without it downloads go over
# plain HTTPS, which is the path the app uses anyway with HF_HUB_DISABLE_XET).
PYTHON_EXCLUDES = (
    "tkinter",
    "_tkinter",
    "turtle",
    "turtledemo",
    "idlelib",
    "lib2to3",
    "pydoc_data",
    "test",
    "pip",
    "setuptools",
    "pkg_resources",
    "distutils",
    "wheel",
    "PyInstaller",
    "pytest",
    "_pytest",
    "pytestqt",
    "mypy",
    "ruff",
    "importlinter",
    "grimp",
    "IPython",
    "matplotlib",
    "PIL",
    "hf_xet",
    # huggingface_hub's command line, inference client and fsspec file system: the app only
    # downloads files (app/core/downloads/).
    "huggingface_hub.cli",
    "huggingface_hub.commands",
    "huggingface_hub.inference",
    "huggingface_hub.hf_file_system",
    "fsspec",
    "rich",
    "click",
    "typer",
    "readline",
    # numpy imports these lazily and llama-cpp-python never asks for them (3 MB).
    "numpy.random",
    "numpy.fft",
    "numpy.polynomial",
    "numpy.f2py",
    "numpy.testing",
    "numpy.distutils",
    "numpy.tests",
    "llama_cpp.server",
    "llama_cpp.mtmd_cpp",
    "llama_cpp.llava_cpp",
    # python-docx needs only lxml.etree; the lxml hook adds every submodule.
    "lxml.objectify",
    "lxml.html",
    "lxml.isoschematron",
    "alembic.testing",
    "sqlalchemy.testing",
    "PySide6.scripts",
    # Development-only packages (the test suite's OpenAI client and llama-cpp-python's own
    # server) that PyInstaller would otherwise find through optional imports in the build
    # environment: 2,000+ modules and 7 MB of pydantic the app never loads.
    "openai",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "fastapi",
    "sse_starlette",
    "starlette_context",
    "opentelemetry",
    "httpx2",
    "httpcore2",
    # httpx tries to import its command line (click, rich, pygments) when they are installed.
    "httpx._main",
    "pygments",
    "dotenv",
    # keyring's Linux backend (SecretStorage) needs cryptography's 12 MB Rust library; the
    # packaged app reaches the same Secret Service through libsecret's secret-tool instead
    # (app/core/servers.py), and macOS and Windows use their native keyring backends.
    "cryptography",
    "secretstorage",
    "jeepney",
)

# Qt plugins worth shipping: platforms a desktop runs on (X11, Wayland) plus ``offscreen`` for
# headless self-tests; input methods (Chinese input goes through IBus); the SVG image/icon
# engines the icons need; platform themes for native dialogs. Everything else (EGLFS, VNC,
# printing, SQL drivers, network information, TLS, QML tooling, Designer, the Wayland EGL
# buffer integrations that pull in QtOpenGL: widgets draw into shared-memory buffers) serves
# modules or devices the app does not use.
QT_PLUGINS_KEPT: dict[str, frozenset[str] | None] = {
    "platforms": frozenset(
        {"qxcb", "qwayland", "qoffscreen", "qminimal", "qwindows", "qcocoa", "qdirect2d"}
    ),
    # Not qgtk3: it drags GTK, Pango and Cairo in; the portal theme gives native dialogs.
    "platformthemes": frozenset({"qxdgdesktopportal"}),
    "platforminputcontexts": frozenset(
        {"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"}
    ),
    "imageformats": frozenset({"qsvg", "qico"}),
    "iconengines": frozenset({"qsvgicon"}),
    "xcbglintegrations": None,
    "styles": None,
    "wayland-shell-integration": frozenset({"xdg-shell"}),
    "wayland-decoration-client": None,
    "accessiblebridge": None,
}

# Data files of dependencies the app never reads: python-docx's templates are for creating
# documents; Parley only reads them.
DATA_EXCLUDE_PREFIXES = ("docx/templates/",)

# Translations of Qt's own strings (dialog buttons, context menus) for the languages Parley is
# translated into; the other 190 files would only mix English UI with foreign Qt buttons.
QT_TRANSLATION_LANGUAGES = ("en", "zh_CN")
QT_TRANSLATION_DOMAINS = ("qt", "qtbase")

# Linux libraries of the desktop stack, taken from the user's system (the .deb declares the
# packages; packaging/README.md lists them for the tarball). Bundling the build machine's
# copies is what makes frozen Qt apps crash on newer distributions: Mesa drivers loaded from
# the system need the system's libstdc++, a bundled fontconfig cannot read a newer config.
SYSTEM_LIBRARY_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        r"libstdc\+\+\.so\..*",
        r"libgcc_s\.so\..*",
        r"libgomp\.so\..*",
        r"libX11(-xcb)?\.so\..*",
        r"libX(au|dmcp|ext|render|i|fixes|cursor|randr|inerama)\.so\..*",
        r"libxcb(-[a-z0-9-]+)?\.so\..*",
        r"libxkbcommon(-x11)?\.so\..*",
        r"libwayland-[a-z]+\.so\..*",
        r"libE?GL[A-Za-z]*\.so\..*",
        r"libOpenGL\.so\..*",
        r"libfontconfig\.so\..*",
        r"libfreetype\.so\..*",
        r"libharfbuzz\.so\..*",
        r"libpng16\.so\..*",
        r"libexpat\.so\..*",
        r"lib(glib|gobject|gthread|gio|gmodule)-2\.0\.so\..*",
        r"libdbus-1\.so\..*",
        r"libgtk-3\.so\..*",
        r"libgdk-3\.so\..*",
        r"libpango.*\.so\..*",
        r"libcairo.*\.so\..*",
        r"libatk.*\.so\..*",
    )
)

# llama-cpp-python's libraries that the app loads: ``libllama.so`` by name (ctypes), the ggml
# libraries by the SONAME libllama records (``libggml.so.0``). libmtmd is the vision add-on.
LLAMA_CTYPES_NAMES = frozenset({"libllama.so", "libllama.dylib", "llama.dll"})
_UNUSED_LLAMA_LIBS = re.compile(r"^(lib)?(mtmd|llava)[.\-]")
_SONAME = re.compile(r"^lib[\w\-+]+\.so\.\d+$")


def qt_modules_used(source_root: Path) -> set[str]:
    """Every ``PySide6.QtX`` module the app's sources import, plus the base modules.

    Read from the sources at build time, so a pane that starts using QtSvgWidgets gets it
    bundled without anyone editing the spec.
    """
    found: set[str] = set(QT_BASE_MODULES)
    dotted = re.compile(r"\bPySide6\.(Qt\w+)")
    from_import = re.compile(r"^\s*from\s+PySide6\s+import\s+\(?([^)\n]+)", re.MULTILINE)
    for path in sorted(source_root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found.update(dotted.findall(text))
        for names in from_import.findall(text):
            found.update(n.strip() for n in names.split(",") if n.strip().startswith("Qt"))
    return found


def qt_modules_available(pyside_dir: Path) -> set[str]:
    """The Qt binding modules installed with PySide6 (``QtCore.abi3.so``, ``QtCore.pyd``...)."""
    names: set[str] = set()
    for path in pyside_dir.iterdir():
        match = re.match(r"^(Qt\w+?)(\.abi3|\.cpython-[^.]+|\.cp\d+[^.]*)?\.(so|pyd)$", path.name)
        if match:
            names.add(match.group(1))
    return names


def qt_excludes(used: Iterable[str], available: Iterable[str]) -> list[str]:
    """PyInstaller ``excludes`` for every installed Qt module the app does not import."""
    keep = set(used) | QT_BASE_MODULES
    return sorted(f"PySide6.{name}" for name in set(available) - keep)


def _qt_plugin_parts(dest: str) -> tuple[str, str] | None:
    """``(category, plugin name)`` of a Qt plugin's destination path, else None."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "plugins" not in parts:
        return None
    index = parts.index("plugins")
    if index == 0 or parts[index - 1] != "Qt" or len(parts) < index + 3:
        return None
    category = parts[index + 1]
    stem = parts[-1].split(".")[0]
    if stem.startswith("lib"):
        stem = stem[3:]
    return category, stem


def keep_qt_plugin(dest: str) -> bool:
    """False for a Qt plugin outside :data:`QT_PLUGINS_KEPT`; True for anything else."""
    parts = _qt_plugin_parts(dest)
    if parts is None:
        return True
    category, name = parts
    if category not in QT_PLUGINS_KEPT:
        return False
    allowed = QT_PLUGINS_KEPT[category]
    return allowed is None or name in allowed


def keep_qt_translation(dest: str) -> bool:
    """False for Qt translation files other than Qt's own strings in the app's languages."""
    path = PurePosixPath(dest.replace("\\", "/"))
    if path.suffix != ".qm" or "translations" not in path.parts or "Qt" not in path.parts:
        return True
    stem = path.stem
    return any(
        stem == f"{domain}_{language}"
        for domain in QT_TRANSLATION_DOMAINS
        for language in QT_TRANSLATION_LANGUAGES
    )


def keep_data_file(dest: str) -> bool:
    """False for data files under :data:`DATA_EXCLUDE_PREFIXES`."""
    return not _posix(dest).startswith(DATA_EXCLUDE_PREFIXES)


def is_system_library(dest: str) -> bool:
    """True for a Linux library that must come from the user's system, not the bundle."""
    name = PurePosixPath(dest.replace("\\", "/")).name
    return any(pattern.fullmatch(name) for pattern in SYSTEM_LIBRARY_PATTERNS)


def keep_llama_library(name: str) -> bool:
    """Keep one copy of each llama.cpp library under the name the loader asks for.

    On Linux the wheel holds ``libggml.so``, ``libggml.so.0`` and ``libggml.so.0.25.3``, all
    the same file: keep the ctypes name of libllama and the SONAMEs of the rest. Windows and
    macOS wheels have one file per library.
    """
    if _UNUSED_LLAMA_LIBS.match(name):
        return False
    if name in LLAMA_CTYPES_NAMES:
        return True
    if ".so" in name:
        return bool(_SONAME.match(name)) and not name.startswith("libllama.")
    return True


@dataclass(frozen=True)
class ElfInfo:
    """The dynamic-linking facts of one ELF shared object or executable."""

    needed: tuple[str, ...]
    soname: str | None
    version_refs: frozenset[str]  # e.g. {"GLIBC_2.34", "GLIBCXX_3.4.30"}


_SHT_DYNAMIC = 6
_DT_NEEDED = 1
_DT_SONAME = 14


def read_elf(path: Path) -> ElfInfo | None:
    """NEEDED, SONAME and versioned-symbol references of a 64-bit little-endian ELF file.

    None for anything else (data files, scripts, 32-bit or big-endian objects). Reading the
    dynamic section directly avoids running ``ldd``, which would execute the loader and
    resolve against the build machine instead of reporting what the file asks for.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(64)
            if len(header) < 64 or header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
                return None
            data = header + handle.read()
    except OSError:
        return None
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for index in range(shnum):
        base = shoff + index * shentsize
        if base + 64 > len(data):
            return None
        _name, sh_type, _flags, _addr, offset, size, link = struct.unpack_from(
            "<IIQQQQI", data, base
        )
        sections.append((sh_type, offset, size, link))
    needed: list[str] = []
    soname: str | None = None
    strings = b""
    for sh_type, offset, size, link in sections:
        if sh_type != _SHT_DYNAMIC or link >= len(sections):
            continue
        _t, str_offset, str_size, _l = sections[link]
        strings = data[str_offset : str_offset + str_size]
        for entry in range(offset, offset + size - 15, 16):
            tag, value = struct.unpack_from("<qQ", data, entry)
            if tag == 0:
                break
            if tag == _DT_NEEDED:
                needed.append(_c_string(strings, value))
            elif tag == _DT_SONAME:
                soname = _c_string(strings, value)
    refs = frozenset(m.decode() for m in re.findall(rb"\b(GLIBC(?:XX)?_\d+(?:\.\d+)+)\b", strings))
    return ElfInfo(tuple(needed), soname, refs)


def _posix(path: str) -> str:
    return path.replace("\\", "/")


def _normalise(path: PurePosixPath) -> str:
    """Resolve ``..`` in a relative bundle path without touching the file system."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _c_string(table: bytes, position: int) -> str:
    end = table.find(b"\0", position)
    return table[position:end].decode("utf-8", "replace")


def is_linux_root_binary(dest: str) -> bool:
    """Binaries loaded by name at run time rather than as another library's dependency."""
    path = PurePosixPath(dest.replace("\\", "/"))
    name = path.name
    return (
        ".cpython-" in name
        or name.endswith(".abi3.so")
        or "lib-dynload" in path.parts
        or ("Qt" in path.parts and "plugins" in path.parts)
        or name in LLAMA_CTYPES_NAMES
        or name.startswith("libpython")
    )


TocEntry = tuple[str, str, str]


def prune_unreachable(
    entries: Sequence[TocEntry], read: Callable[[Path], ElfInfo | None] = read_elf
) -> tuple[list[TocEntry], list[str]]:
    """Drop shared libraries no kept binary needs any more; return (kept, dropped names).

    PyInstaller collects the dependencies of every plugin before the spec filters the plugins,
    so without this the bundle keeps the libraries of dropped plugins (krb5 for the printing
    plugin, pixman for the GTK theme...). Starting from the binaries the app loads itself
    (Python extensions, kept Qt plugins, libllama, libpython), follow NEEDED by file name.
    """
    infos: dict[int, ElfInfo | None] = {}
    by_name: dict[str, list[int]] = {}
    by_dest = {_posix(dest): index for index, (dest, _src, _kind) in enumerate(entries)}
    link_target: dict[int, int | None] = {}
    for index, (dest, src, kind) in enumerate(entries):
        if kind == "SYMLINK":  # src is the link's target, relative to the link's folder
            infos[index] = None
            target = PurePosixPath(_posix(dest)).parent / _posix(src)
            link_target[index] = by_dest.get(_normalise(target))
        else:
            infos[index] = read(Path(src))
        by_name.setdefault(PurePosixPath(_posix(dest)).name, []).append(index)
    queue = [
        index
        for index, (dest, _src, kind) in enumerate(entries)
        if (infos[index] is None and kind != "SYMLINK") or is_linux_root_binary(dest)
    ]
    reachable: set[int] = set()
    while queue:
        index = queue.pop()
        if index in reachable:
            continue
        reachable.add(index)
        target_index = link_target.get(index)
        if target_index is not None:
            queue.append(target_index)
        info = infos[index]
        for name in info.needed if info else ():
            queue.extend(by_name.get(name, []))
    kept = [entry for i, entry in enumerate(entries) if i in reachable]
    dropped = [entry[0] for i, entry in enumerate(entries) if i not in reachable]
    return kept, dropped


def _section_names(data: bytes) -> list[str]:
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    if shstrndx >= shnum:
        return []
    table_offset, table_size = struct.unpack_from("<QQ", data, shoff + shstrndx * shentsize + 0x18)
    table = data[table_offset : table_offset + table_size]
    names = []
    for index in range(shnum):
        name_offset = struct.unpack_from("<I", data, shoff + index * shentsize)[0]
        names.append(_c_string(table, name_offset))
    return names


_RUNPATH_TAGS = (15, 29)  # DT_RPATH, DT_RUNPATH


def worth_stripping(path: Path) -> bool:
    """True for an ELF file that carries a symbol table or debug info and is safe to strip.

    Files repaired by auditwheel are never stripped: patchelf leaves their program headers in
    a layout that ``strip`` rewrites into one the loader rejects ("ELF load command
    address/offset not page-aligned", seen with numpy's OpenBLAS). They are recognisable by
    living in a ``<package>.libs`` folder or by a run path pointing at one.
    """
    if any(part.endswith(".libs") for part in path.parts):
        return False
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return False
    try:
        names = _section_names(data)
    except struct.error:
        return False
    if ".symtab" not in names and not any(n.startswith(".debug_") for n in names):
        return False
    return not _has_libs_runpath(data)


def _has_libs_runpath(data: bytes) -> bool:
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    for index in range(shnum):
        base = shoff + index * shentsize
        _n, sh_type, _f, _a, offset, size, link = struct.unpack_from("<IIQQQQI", data, base)
        if sh_type != _SHT_DYNAMIC:
            continue
        strings_base = shoff + link * shentsize
        str_offset, str_size = struct.unpack_from("<QQ", data, strings_base + 0x18)
        strings = data[str_offset : str_offset + str_size]
        for entry in range(offset, offset + size - 15, 16):
            tag, value = struct.unpack_from("<qQ", data, entry)
            if tag in _RUNPATH_TAGS and ".libs" in _c_string(strings, value):
                return True
    return False


def stripped_copy(entry: TocEntry, cache_dir: Path) -> TocEntry:
    """The entry pointing at a stripped copy of its file when stripping is worth it and safe.

    PyInstaller's own ``strip=True`` strips every binary, which breaks auditwheel-repaired
    libraries (see :func:`worth_stripping`); this strips only the ones that carry symbols
    (libpython from a source-built interpreter, Cython extensions): about 28 MB.
    """
    dest, src, kind = entry
    if kind not in ("BINARY", "EXTENSION") or shutil.which("strip") is None:
        return entry
    source = Path(src)
    if not worth_stripping(source):
        return entry
    stat = source.stat()
    key = hashlib.sha256(f"{source}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    target = cache_dir / key / source.name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        result = subprocess.run(
            ["strip", "--strip-unneeded", "-o", str(partial), str(source)],
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            return entry
        partial.replace(target)
    return dest, str(target), kind
