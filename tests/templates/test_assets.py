"""scripts/fetch_test_assets.py: where it caches, that a second run fetches nothing, and how
it fails (offline, a wrong download) without leaving partial files behind."""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
import urllib.error
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.templates.assets import fetcher


@pytest.fixture
def fetch() -> ModuleType:
    return fetcher()


def _no_network(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("the network was used")


def test_second_run_fetches_nothing(
    vendored: Path, fetch: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch.urllib.request, "urlopen", _no_network)
    started = time.perf_counter()
    assert fetch.ensure_assets() == vendored
    assert time.perf_counter() - started < 0.5
    assert fetch.missing(vendored) == []
    assert sorted(p.name for p in (vendored / "templates").iterdir()) == sorted(
        Path(name).name for name in fetch.WANTED if name.startswith("templates/")
    )


def test_cache_folder(fetch: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PARLEY_TEST_CACHE", str(tmp_path / "mine"))
    assert fetch.cache_dir() == tmp_path / "mine" / "llama-cpp-python-0.3.36"
    monkeypatch.delenv("PARLEY_TEST_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fetch.cache_dir() == tmp_path / "xdg" / "parley-tests" / "llama-cpp-python-0.3.36"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".cache" / "parley-tests" / "llama-cpp-python-0.3.36"
    assert fetch.cache_dir() == expected


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_offline_is_one_clear_line(
    fetch: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PARLEY_TEST_CACHE", str(tmp_path))

    def offline(*_args: Any, **_kwargs: Any) -> Any:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(fetch.urllib.request, "urlopen", offline)
    assert fetch.main() == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: cannot download llama-cpp-python 0.3.36's sdist")
    assert "(offline?): [Errno -3] Temporary failure in name resolution" in err
    assert fetch.SDIST_URL in err
    assert _leftovers(tmp_path) == []


def _fake_sdist(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_only_the_wanted_files_are_taken_once(
    fetch: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    prefix = fetch.MEMBER_PREFIX
    sdist = _fake_sdist(
        {
            prefix + "templates/A.jinja": b"{{ a }}",
            prefix + "templates/unused.jinja": b"{{ b }}",
            prefix + "ggml-vocab-x.gguf": b"GGUF....",
            "llama_cpp_python-0.3.36/setup.py": b"print()",
        }
    )
    monkeypatch.setattr(fetch, "WANTED", {"templates/A.jinja": 7, "ggml-vocab-x.gguf": 8})
    monkeypatch.setattr(fetch, "SDIST_SIZE", len(sdist))
    monkeypatch.setattr(fetch, "SDIST_SHA256", hashlib.sha256(sdist).hexdigest())
    monkeypatch.setenv("PARLEY_TEST_CACHE", str(tmp_path))
    calls: list[str] = []

    def download(url: str, **_kwargs: Any) -> io.BytesIO:
        calls.append(url)
        return io.BytesIO(sdist)

    monkeypatch.setattr(fetch.urllib.request, "urlopen", download)
    folder = fetch.ensure_assets()
    assert folder == tmp_path / "llama-cpp-python-0.3.36"
    assert sorted(str(p.relative_to(folder)) for p in _leftovers(folder)) == [
        "ggml-vocab-x.gguf",
        "templates/A.jinja",
    ]
    assert (folder / "templates" / "A.jinja").read_bytes() == b"{{ a }}"
    assert calls == [fetch.SDIST_URL]
    assert fetch.ensure_assets() == folder
    assert calls == [fetch.SDIST_URL]  # all present: nothing fetched again
    # A file of the wrong size is fetched again.
    (folder / "ggml-vocab-x.gguf").write_bytes(b"GGUF")
    fetch.ensure_assets()
    assert len(calls) == 2
    assert (folder / "ggml-vocab-x.gguf").read_bytes() == b"GGUF...."


def test_a_download_that_does_not_match_is_refused(
    fetch: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PARLEY_TEST_CACHE", str(tmp_path))
    monkeypatch.setattr(
        fetch.urllib.request, "urlopen", lambda *_a, **_k: io.BytesIO(b"not the sdist")
    )
    with pytest.raises(fetch.AssetError, match="does not match its pinned size and sha256"):
        fetch.ensure_assets()
    assert _leftovers(tmp_path) == []
