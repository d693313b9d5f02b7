"""Fetch the public labelled reviews the sentiment benchmark scores, and VADER to compare with.

The data is not ours: the sdist of ``vaderSentiment`` 3.3.2 on PyPI (MIT) carries the
ground-truth sets of Hutto & Gilbert, "VADER: A Parsimonious Rule-based Model for Sentiment
Analysis of Social Media Text" (ICWSM 2014): 10,605 movie-review snippets and 3,708
Amazon product-review sentences, each rated by ten people from -4 to +4. The same sdist holds
VADER itself, the word-list baseline. It is fetched with ``pip download --no-deps
--no-binary :all:`` (never installed), its SHA-256 checked, and only the files the benchmark
reads are kept.

Where: ``$PARLEY_TEST_CACHE`` if set, else ``${XDG_CACHE_HOME:-~/.cache}/parley-tests``, in
``vader-3.3.2/``. A second run finds them there and fetches nothing.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from fetch_test_model import cache_dir as test_cache_dir

VERSION = "3.3.2"
SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
CACHE_ENV = "PARLEY_TEST_CACHE"
_ROOT = f"vaderSentiment-{VERSION}/"
_DATA = "hutto_ICWSM_2014/"
# The files kept, as they are named in the cache.
DATA_FILES = ("movieReviewSnippets_GroundTruth.txt", "amazonReviewSnippets_GroundTruth.txt")
CODE_FILES = (
    "vaderSentiment/__init__.py",
    "vaderSentiment/vaderSentiment.py",
    "vaderSentiment/vader_lexicon.txt",
    "vaderSentiment/emoji_utf8_lexicon.txt",
)


class DataFetchError(Exception):
    """The data could not be fetched or verified; the message says why, in one line."""


def cache_dir() -> Path:
    """This data's folder in the test cache that the test model's fetcher defines."""
    return test_cache_dir() / f"vader-{VERSION}"


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in (*DATA_FILES, *CODE_FILES))


def ensure_data() -> Path:
    """The cache folder with the ground-truth files and VADER's code, fetched if needed."""
    folder = cache_dir()
    if _complete(folder):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".vader-", dir=folder) as tmp:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "--quiet", "-d", tmp, f"vaderSentiment=={VERSION}"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        sdists = sorted(Path(tmp).glob("vaderSentiment-*.tar.gz"))
        if result.returncode != 0 or not sdists:
            detail = (result.stderr.strip().splitlines() or ["nothing was downloaded"])[-1]
            raise DataFetchError(f"could not download vaderSentiment {VERSION}: {detail}")
        data = sdists[0].read_bytes()
        if hashlib.sha256(data).hexdigest() != SDIST_SHA256:
            raise DataFetchError(f"vaderSentiment {VERSION}'s sdist does not match its sha256")
        _extract(data, folder)
    if not _complete(folder):
        raise DataFetchError(f"the vaderSentiment sdist lacks the expected files ({folder})")
    return folder


def _extract(sdist: bytes, folder: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(sdist), mode="r:gz") as archive:
        for name in CODE_FILES:
            _write(folder / name, _read(archive, _ROOT + name))
        inner = _read(archive, _ROOT + "additional_resources/hutto_ICWSM_2014.tar.gz")
    with tarfile.open(fileobj=io.BytesIO(inner), mode="r:gz") as archive:
        for name in DATA_FILES:
            _write(folder / name, _read(archive, _DATA + name))


def _read(archive: tarfile.TarFile, name: str) -> bytes:
    try:
        member = archive.extractfile(name)
    except KeyError:
        member = None
    if member is None:
        raise DataFetchError(f"{name} is not in the vaderSentiment sdist")
    with member:
        return member.read()


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(data)
    os.replace(partial, target)


def main() -> int:
    try:
        folder = ensure_data()
    except (DataFetchError, OSError, tarfile.TarError) as exc:
        print(f"error: sentiment benchmark data: {exc}", file=sys.stderr)
        return 1
    print(f"sentiment benchmark data: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
