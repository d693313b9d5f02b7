"""Fetch the real chat templates and tokenizer vocabularies the template tests render and use.

llama.cpp keeps the chat templates of many models (``models/templates/*.jinja``, taken from
the models' own ``tokenizer_config.json``) and small vocabulary-only GGUFs
(``models/ggml-vocab-*.gguf``) in its source tree, and llama-cpp-python's source
distribution vendors that tree. The tests in ``tests/templates/`` take both from the sdist of
the very llama-cpp-python Parley pins (uv.lock), checked against its SHA-256, so what they
render is what the engine's llama.cpp was tested with, and nothing is copied into this
repository.

How it is fetched: ``pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36``
would be the ordinary client, but pip insists on preparing the package's metadata, which
means importing its build backend (scikit-build-core) and, where that is installed, a CMake
configure: a build we do not want. So the sdist is downloaded directly from the file URL
uv.lock records on files.pythonhosted.org, with urllib, and checked against the size and
SHA-256 uv.lock pins. Only the files below are taken out of it.

Where: ``$PARLEY_TEST_CACHE`` if set, else ``${XDG_CACHE_HOME:-~/.cache}/parley-tests``, in
the subfolder ``llama-cpp-python-0.3.36/``, laid out as llama.cpp's ``models/`` folder
(``templates/<name>.jinja``, ``ggml-vocab-<name>.gguf``). When every file is there with its
expected size nothing is downloaded (the second run costs a few ``stat()`` calls). Every file
is written to a temporary name and renamed into place, so an interrupted run leaves no
half-written file behind.

Usage: ``.venv/bin/python scripts/fetch_test_assets.py`` (prints the folder), or from a test
``ensure_assets() -> Path``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

VERSION = "0.3.36"
SDIST_URL = (
    "https://files.pythonhosted.org/packages/ec/e9/"
    "e7de2b0463ea3ffbf0ede6cb21b58c1258a8f6521aae45ca773a59fe7cf3/"
    f"llama_cpp_python-{VERSION}.tar.gz"
)
SDIST_SIZE = 76_589_250
SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
# Where llama.cpp's models/ folder is inside the sdist.
MEMBER_PREFIX = f"llama_cpp_python-{VERSION}/vendor/llama.cpp/models/"
CACHE_SUBDIR = f"llama-cpp-python-{VERSION}"
CACHE_ENV = "PARLEY_TEST_CACHE"

# The files the tests use (relative to models/) and their sizes in this sdist.
WANTED: dict[str, int] = {
    "templates/Qwen-Qwen2.5-7B-Instruct.jinja": 2_507,
    "templates/Qwen-Qwen3-0.6B.jinja": 4_116,
    "templates/Qwen-QwQ-32B.jinja": 2_829,
    "templates/google-gemma-2-2b-it.jinja": 591,
    "templates/google-gemma-4-31B-it.jinja": 16_448,
    "templates/meta-llama-Llama-3.2-3B-Instruct.jinja": 3_827,
    "templates/microsoft-Phi-3.5-mini-instruct.jinja": 430,
    "templates/deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja": 2_567,
    "templates/HuggingFaceTB-SmolLM3-3B.jinja": 3_795,
    "ggml-vocab-qwen2.gguf": 5_928_681,
    "ggml-vocab-llama-bpe.gguf": 7_818_140,
    "ggml-vocab-phi-3.gguf": 726_019,
    "ggml-vocab-gemma-4.gguf": 15_776_467,
    "ggml-vocab-deepseek-llm.gguf": 3_970_167,
}

_TIMEOUT_S = 60
_BLOCK = 1 << 20


class AssetError(RuntimeError):
    """The test assets cannot be fetched; the message is one line for the person running."""


def cache_dir() -> Path:
    """The folder the assets live in (it may not exist yet)."""
    root = os.environ.get(CACHE_ENV)
    if root:
        base = Path(root).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "parley-tests"
    return base / CACHE_SUBDIR


def missing(folder: Path) -> list[str]:
    """The wanted files that are absent from ``folder`` or have the wrong size."""
    result = []
    for name, size in WANTED.items():
        path = folder / name
        try:
            ok = path.is_file() and path.stat().st_size == size
        except OSError:
            ok = False
        if not ok:
            result.append(name)
    return result


def ensure_assets() -> Path:
    """The cache folder with every wanted file in it, downloading the sdist only if needed."""
    folder = cache_dir()
    todo = missing(folder)
    if not todo:
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AssetError(f"cannot create the test cache {folder}: {exc.strerror or exc}") from None
    with tempfile.TemporaryDirectory(prefix=".sdist-", dir=folder) as tmp:
        sdist = Path(tmp) / f"llama_cpp_python-{VERSION}.tar.gz"
        _download(sdist)
        _extract(sdist, folder, todo)
    left = missing(folder)
    if left:
        raise AssetError(f"the sdist did not give the expected {', '.join(left)} in {folder}")
    return folder


def _download(target: Path) -> None:
    """The pinned sdist at ``target``, its size and SHA-256 checked."""
    digest = hashlib.sha256()
    size = 0
    try:
        with (
            urllib.request.urlopen(SDIST_URL, timeout=_TIMEOUT_S) as response,
            target.open("wb") as out,
        ):
            while block := response.read(_BLOCK):
                digest.update(block)
                size += len(block)
                out.write(block)
    except urllib.error.URLError as exc:
        reason = getattr(exc, "reason", exc)
        raise AssetError(
            f"cannot download llama-cpp-python {VERSION}'s sdist for the template tests "
            f"(offline?): {reason} ({SDIST_URL})"
        ) from None
    except OSError as exc:  # a broken connection or a full disk
        raise AssetError(
            f"downloading llama-cpp-python {VERSION}'s sdist failed: {exc} ({SDIST_URL})"
        ) from None
    if size != SDIST_SIZE or digest.hexdigest() != SDIST_SHA256:
        raise AssetError(
            f"llama-cpp-python {VERSION}'s sdist does not match its pinned size and sha256 "
            f"({size:,} bytes, sha256 {digest.hexdigest()}); refusing to use it"
        )


def _extract(sdist: Path, folder: Path, names: list[str]) -> None:
    """Take ``names`` (relative to models/) out of the sdist, each written atomically."""
    wanted = {MEMBER_PREFIX + name: name for name in names}
    try:
        with tarfile.open(sdist, "r:gz") as archive:
            for member in archive:
                name = wanted.pop(member.name, None)
                if name is None:
                    continue
                if not member.isfile() or member.size != WANTED[name]:
                    raise AssetError(
                        f"{member.name} in the sdist is not the expected {WANTED[name]:,}-byte file"
                    )
                source = archive.extractfile(member)
                if source is None:
                    raise AssetError(f"{member.name} cannot be read from the sdist")
                with source:
                    _write_atomically(source, folder / name)
                if not wanted:
                    break
    except (tarfile.TarError, EOFError) as exc:
        raise AssetError(f"the sdist cannot be read: {exc}") from None
    if wanted:
        raise AssetError(f"the sdist has no {', '.join(sorted(wanted))}")


def _write_atomically(source: IO[bytes], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out, _BLOCK)
        os.chmod(partial, 0o644)  # mkstemp makes it private
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def main() -> int:
    """Fetch what is missing; print the folder, or one error line and exit 1."""
    try:
        folder = ensure_assets()
    except AssetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
