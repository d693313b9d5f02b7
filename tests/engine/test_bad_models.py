"""Files that are not usable models give a clear BackendError: no traceback, no hang.

One engine serves the whole module; after every refusal it must still load the real model.
"""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import pytest
from engine_helpers import TEST_OPTIONS

from app.core.backend import BackendError, LoadOptions, ModelRef
from app.engine import local
from app.engine.local import LocalBackend


def refuse(engine: LocalBackend, path: Path, options: LoadOptions = TEST_OPTIONS) -> str:
    """Load ``path``, expecting a refusal; return its message after checking its form."""
    started = time.monotonic()
    with pytest.raises(BackendError) as caught:
        engine.load(ModelRef(path=path), options)
    message = str(caught.value)
    assert time.monotonic() - started < 60
    assert "Traceback" not in message and 'File "' not in message
    assert engine.loaded() is None
    return message


def still_works(engine: LocalBackend, starter_ref: ModelRef) -> None:
    info = engine.load(starter_ref, TEST_OPTIONS)
    assert info.n_layers == 30
    assert engine.count_tokens("Hello world") == 2


def test_missing_file(engine: LocalBackend, tmp_path: Path) -> None:
    message = refuse(engine, tmp_path / "nowhere.gguf")
    assert message == f"The model file {tmp_path / 'nowhere.gguf'} does not exist."
    assert engine.engine_pid is None  # nothing was started for a file that is not there


def test_folder_instead_of_a_file(engine: LocalBackend, tmp_path: Path) -> None:
    assert "is not a model file" in refuse(engine, tmp_path)


def test_text_file_named_gguf(engine: LocalBackend, tmp_path: Path) -> None:
    fake = tmp_path / "notes.gguf"
    fake.write_text("These are my notes, not a model.\n" * 100, encoding="utf-8")
    assert refuse(engine, fake) == "notes.gguf is not a GGUF model file."


def test_empty_file(engine: LocalBackend, tmp_path: Path) -> None:
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    assert refuse(engine, empty) == "empty.gguf is not a GGUF model file."


def test_unsupported_gguf_version(engine: LocalBackend, tmp_path: Path) -> None:
    future = tmp_path / "future.gguf"
    future.write_bytes(b"GGUF" + struct.pack("<I", 99) + bytes(64))
    assert "GGUF version 99" in refuse(engine, future)


def test_truncated_download(engine: LocalBackend, tmp_path: Path, starter_ref: ModelRef) -> None:
    data = Path(starter_ref.path).read_bytes()
    half = tmp_path / "half.gguf"
    half.write_bytes(data[: len(data) // 2])
    message = refuse(engine, half)
    assert message.startswith("half.gguf is incomplete or damaged")
    assert "Download the model again" in message
    still_works(engine, starter_ref)


def test_garbage_after_a_valid_magic(
    engine: LocalBackend, tmp_path: Path, starter_ref: ModelRef
) -> None:
    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(b"GGUF" + struct.pack("<I", 3) + os.urandom(1 << 20))
    message = refuse(engine, garbage)
    assert message.startswith("garbage.gguf ")
    assert "damaged" in message or "could not be loaded" in message
    still_works(engine, starter_ref)


def test_tensor_data_damaged_in_the_middle(
    engine: LocalBackend, tmp_path: Path, starter_ref: ModelRef
) -> None:
    """A header that promises more tensor data than the file holds (bad tensor offsets)."""
    data = bytearray(Path(starter_ref.path).read_bytes())
    # Drop 4 MB from the middle: the header is intact, the tensors no longer line up.
    middle = len(data) // 2
    del data[middle : middle + 4 * 1024 * 1024]
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(bytes(data))
    message = refuse(engine, broken)
    assert message.startswith("broken.gguf is incomplete or damaged")
    still_works(engine, starter_ref)


def test_model_bigger_than_free_memory_is_refused_before_loading(
    engine: LocalBackend, starter_ref: ModelRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "available_memory", lambda: 64 * 1024**2)
    message = refuse(engine, Path(starter_ref.path))
    assert "needs about" in message and "0.1 GB is free" in message
    assert "smaller model" in message
    monkeypatch.undo()
    still_works(engine, starter_ref)
