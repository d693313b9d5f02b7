"""Fixtures of the template tests: llama.cpp's real templates and vocabularies, fetched once.

``vendored`` is the cache folder ``scripts/fetch_test_assets.py`` fills (``$PARLEY_TEST_CACHE``,
else ``~/.cache/parley-tests``), laid out as llama.cpp's ``models/`` folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.templates import vocab
from tests.templates.assets import fetcher


@pytest.fixture(scope="session")
def vendored() -> Iterator[Path]:
    """The folder with the vendored templates (``templates/*.jinja``) and vocabularies."""
    fetch = fetcher()
    try:
        folder: Path = fetch.ensure_assets()
    except fetch.AssetError as exc:
        pytest.fail(
            f"the template tests need llama.cpp's templates from the llama-cpp-python sdist: {exc}"
            f" (run scripts/fetch_test_assets.py once while online, or set {fetch.CACHE_ENV} to"
            " a folder that has them)",
            pytrace=False,
        )
    yield folder
    vocab.close_all()
