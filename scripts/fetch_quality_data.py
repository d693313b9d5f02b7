"""Fetch real human translations for the translation-quality benchmark, and pick its sentences.

The data is not ours: the gettext catalogues (``.mo`` files) that Debian's GNU packages ship,
in which volunteer translators turned each English program message (the ``msgid``) into
Simplified Chinese and German (the ``msgstr``). They are published, reviewed translations of
real text, and ``apt-get download`` fetches them from the Debian mirror the machine already
uses, without installing anything. Only the ``zh_CN`` and ``de`` catalogues are kept; the
manifest records each ``.deb``'s version and SHA-256, so a figure can be traced to its data.

Program messages are mostly not prose (option tables, ``%s`` templates, single words), so
:func:`sentence_pairs` keeps only plain sentences: five to thirty words, starting with a capital
and ending in a full stop, with no printf placeholders, option lists, tables, markup or
ellipses. A message wrapped over several lines counts when every line is prose. The same
English sentence from two packages (gnulib's messages are everywhere) is kept once, and the
sample is a seeded draw from the sorted pool, so every run reads the same sentences.

Where: ``$PARLEY_TEST_CACHE`` if set, else ``${XDG_CACHE_HOME:-~/.cache}/parley-tests``, in
``quality-data/``. A second run finds the manifest and the files it lists and fetches nothing.

Usage: ``.venv/bin/python scripts/fetch_quality_data.py`` (prints the folder and the number of
usable sentences per pair), or ``ensure_data() -> Path`` and ``sentence_pairs(...)``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import struct
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from fetch_test_model import cache_dir as test_cache_dir

CACHE_ENV = "PARLEY_TEST_CACHE"
# GNU packages whose .deb carries both catalogues, chosen for the prose in their messages.
PACKAGES = (
    "coreutils",
    "findutils",
    "diffutils",
    "tar",
    "sed",
    "gettext",
    "nano",
    "wget",
    "gawk",
)
LOCALES = ("zh_CN", "de")
MANIFEST = "manifest.json"
_MO_MAGIC = 0x950412DE
_MO_PATH = re.compile(r"^\.?/?usr/share/locale/([A-Za-z_@]+)/LC_MESSAGES/([^/]+\.mo)$")

# A pair is (source locale, target locale); "en" is the catalogue's msgid.
PAIRS: dict[str, tuple[str, str]] = {
    "en-zh": ("en", "zh_CN"),
    "zh-en": ("zh_CN", "en"),
    "en-de": ("en", "de"),
}
MIN_WORDS, MAX_WORDS = 5, 30
# Anything that marks a template, an option table or markup rather than a sentence.
_NOT_PROSE = re.compile(r"[%\t\\{}<>\[\]|=`_/@#*]|--|\.\.\.|…")
_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
_CJK_GAP = re.compile(f"(?<={_CJK}) (?={_CJK})")


class DataFetchError(Exception):
    """The data could not be fetched or verified; the message says why, in one line."""


@dataclass(frozen=True)
class SentencePair:
    """One sentence to translate, its human reference, and the package it comes from."""

    source: str
    reference: str
    package: str


def cache_dir() -> Path:
    """This data's folder in the test cache that the test model's fetcher defines."""
    return test_cache_dir() / "quality-data"


def load_manifest(folder: Path) -> dict[str, object] | None:
    """The manifest, when it and every file it lists are there; else None (fetch again)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    packages = manifest.get("packages") if isinstance(manifest, dict) else None
    if not isinstance(packages, list) or not packages:
        return None
    for entry in packages:
        if not all((folder / name).is_file() for name in entry.get("files", [])):
            return None
    return dict(manifest)


def ensure_data() -> Path:
    """The cache folder with the catalogues and their manifest, fetched if needed."""
    folder = cache_dir()
    if load_manifest(folder) is not None:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    with tempfile.TemporaryDirectory(prefix=".debs-", dir=folder) as tmp:
        result = subprocess.run(
            ["apt-get", "download", *PACKAGES], cwd=tmp, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        if result.returncode != 0:
            detail = (result.stderr.strip().splitlines() or ["apt-get failed"])[-1]
            raise DataFetchError(
                f"apt-get download failed ({detail}); is this Debian or Ubuntu, and has "
                "`apt-get update` run?"
            )
        for package in PACKAGES:
            debs = sorted(Path(tmp).glob(f"{package}_*.deb"))
            if not debs:
                raise DataFetchError(f"apt-get download left no .deb for {package}")
            entries.append(_unpack(debs[0], package, folder))
    manifest = {
        "source": "Debian packages' gettext catalogues, fetched with apt-get download",
        "locales": list(LOCALES),
        "packages": entries,
    }
    _write(folder / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    return folder


def _unpack(deb: Path, package: str, folder: Path) -> dict[str, object]:
    """Keep the package's zh_CN and de catalogues; the manifest entry that describes them."""
    data = deb.read_bytes()
    fields = subprocess.run(
        ["dpkg-deb", "--showformat=${Version}", "--show", str(deb)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE) as tar:
        assert tar.stdout is not None
        files = _extract_catalogues(tar.stdout, package, folder)
    if tar.returncode != 0:
        raise DataFetchError(f"dpkg-deb could not read {deb.name}")
    missing = [loc for loc in LOCALES if not any(f.split("/")[1] == loc for f in files)]
    if missing:
        raise DataFetchError(f"{deb.name} carries no {', '.join(missing)} catalogue")
    return {
        "package": package,
        "version": fields.stdout.strip(),
        "deb": deb.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "files": files,
    }


def _extract_catalogues(stream: IO[bytes], package: str, folder: Path) -> list[str]:
    files: list[str] = []
    with tarfile.open(fileobj=stream, mode="r|*") as archive:
        for member in archive:
            match = _MO_PATH.match(member.name)
            if not match or match.group(1) not in LOCALES or not member.isfile():
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            name = f"{package}/{match.group(1)}/{match.group(2)}"
            _write(folder / name, handle.read())
            files.append(name)
    return sorted(files)


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(data)
    os.replace(partial, target)


# --- reading catalogues and choosing sentences ---------------------------------------------


def read_mo(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a compiled catalogue (GNU .mo format), header and empty ones left out.

    Parsed directly rather than through ``gettext.GNUTranslations``, whose table is private;
    plural and context entries keep their NUL and EOT separators, so they can be recognised.
    """
    data = path.read_bytes()
    order = "<" if struct.unpack("<I", data[:4])[0] == _MO_MAGIC else ">"
    if struct.unpack(order + "I", data[:4])[0] != _MO_MAGIC:
        raise ValueError(f"{path} is not a gettext .mo file")
    count, originals, translations = struct.unpack(order + "3I", data[8:20])
    catalogue: dict[str, str] = {}
    for i in range(count):
        id_len, id_at = struct.unpack(order + "2I", data[originals + 8 * i : originals + 8 * i + 8])
        str_len, str_at = struct.unpack(
            order + "2I", data[translations + 8 * i : translations + 8 * i + 8]
        )
        msgid = data[id_at : id_at + id_len].decode("utf-8", errors="replace")
        msgstr = data[str_at : str_at + str_len].decode("utf-8", errors="replace")
        if msgid and msgstr.strip():
            catalogue[msgid] = msgstr
    return catalogue


def flatten(text: str, locale: str = "en") -> str:
    """One line: wrapped lines joined with a space (none between two Chinese characters)."""
    joined = re.sub(r"\s+", " ", " ".join(line.strip() for line in text.strip().split("\n")))
    return _CJK_GAP.sub("", joined) if locale.startswith("zh") else joined


def prose_sentence(msgid: str) -> str | None:
    """The msgid as one plain sentence, or None when it is a template, table or fragment."""
    if "\x00" in msgid or "\x04" in msgid:  # plural forms, message contexts
        return None
    body = msgid.strip("\n")
    if any(line[:1] in ("", " ", "-") for line in body.split("\n")):  # tables, option lists
        return None
    text = flatten(body)
    if _NOT_PROSE.search(text) or not text.endswith(".") or not text[:1].isupper():
        return None
    if not MIN_WORDS <= len(text.split()) <= MAX_WORDS:
        return None
    return text


def _usable_translation(msgstr: str, locale: str) -> str | None:
    text = flatten(msgstr, locale)
    if not text or "%" in text:
        return None
    if locale.startswith("zh") and not re.search(_CJK, text):
        return None  # left in English
    return text


def catalogue_pairs(folder: Path, locale: str) -> list[SentencePair]:
    """Every usable (English sentence, ``locale`` translation), deduplicated, sorted."""
    manifest = load_manifest(folder)
    if manifest is None:
        raise DataFetchError(f"no complete quality data in {folder}; run ensure_data()")
    found: dict[str, SentencePair] = {}
    for entry in manifest["packages"]:  # type: ignore[attr-defined]
        for name in entry["files"]:
            if name.split("/")[1] != locale:
                continue
            for msgid, msgstr in read_mo(folder / name).items():
                sentence = prose_sentence(msgid)
                translation = _usable_translation(msgstr, locale) if sentence else None
                if sentence and translation and sentence not in found:
                    found[sentence] = SentencePair(sentence, translation, entry["package"])
    return sorted(found.values(), key=lambda pair: (pair.source, pair.package))


def sentence_pairs(folder: Path, pair: str, count: int, seed: int = 1) -> list[SentencePair]:
    """A fixed sample of ``count`` (source, reference) sentences for ``pair`` (see PAIRS).

    zh-en takes the Chinese translation as the source and the English original as the
    reference. The draw depends only on the pool, the pair and the seed.
    """
    source, target = PAIRS[pair]
    foreign = target if source == "en" else source
    pool = catalogue_pairs(folder, foreign)
    if source != "en":
        pool = [SentencePair(p.reference, p.source, p.package) for p in pool]
    rng = random.Random(f"{seed}:{pair}")
    return rng.sample(pool, min(count, len(pool)))


def main() -> int:
    try:
        folder = ensure_data()
        counts = {pair: len(sentence_pairs(folder, pair, 10**6)) for pair in PAIRS}
    except (DataFetchError, OSError, ValueError, tarfile.TarError) as exc:
        print(f"error: quality benchmark data: {exc}", file=sys.stderr)
        return 1
    print(f"quality benchmark data: {folder}")
    print("usable sentences: " + ", ".join(f"{pair} {n}" for pair, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
