"""The pure-Python GGUF header reader, on the real starter model and on broken files.

Broken files are made from the real model (a partial or sparse copy of its first bytes, bits
flipped in its header) or built byte by byte here, so every error path is exercised on the
same layout llama.cpp writes.
"""

from __future__ import annotations

import os
import random
import struct
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from app.core.gguf import (
    GGML_TYPES,
    GgufArray,
    InvalidModelError,
    read_gguf_metadata,
)

STARTER_SIZE = 98_362_432

# ----------------------------------------------------------------- a minimal GGUF writer


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


_FORMATS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?"}
_FORMATS.update({10: "<Q", 11: "<q", 12: "<d"})


def _value(type_id: int, value: Any) -> bytes:
    if type_id == 8:
        return _string(value)
    if type_id == 9:
        element_type, items = value
        body = b"".join(_value(element_type, item) for item in items)
        return struct.pack("<IQ", element_type, len(items)) + body
    return struct.pack(_FORMATS[type_id], value)


def build_gguf(
    kv: list[tuple[str, int, Any]],
    tensors: Sequence[tuple[str, tuple[int, ...], int]],
    *,
    alignment: int = 32,
    version: int = 3,
    data_shortfall: int = 0,
) -> bytes:
    """GGUF bytes with the given metadata and tensors (data zero-filled, laid out aligned).

    ``data_shortfall`` cuts that many bytes off the end, to make a truncated file.
    """
    header = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kv))
    for key, type_id, value in kv:
        header += _string(key) + struct.pack("<I", type_id) + _value(type_id, value)
    offset = 0
    end = 0
    for name, shape, type_id in tensors:
        _, block, block_bytes = GGML_TYPES[type_id]
        count = 1
        for dim in shape:
            count *= dim
        size = count // block * block_bytes
        header += _string(name) + struct.pack("<I", len(shape))
        header += b"".join(struct.pack("<Q", d) for d in shape)
        header += struct.pack("<IQ", type_id, offset)
        end = offset + size
        offset += -(-size // alignment) * alignment
    data_start = -(-len(header) // alignment) * alignment
    blob = header.ljust(data_start + end, b"\0") if tensors else header
    return blob[: len(blob) - data_shortfall] if data_shortfall else blob


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _copy_head(source: Path, target: Path, size: int, *, sparse_to: int | None = None) -> Path:
    """Copy the first ``size`` bytes; optionally extend to ``sparse_to`` without writing data."""
    with source.open("rb") as src, target.open("wb") as dst:
        dst.write(src.read(size))
        if sparse_to is not None:
            dst.truncate(sparse_to)
    return target


def _flip(path: Path, offset: int, mask: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)[0]
        handle.seek(offset)
        handle.write(bytes([byte ^ mask]))


@pytest.fixture
def starter_header(starter_model: Path, tmp_path: Path) -> Path:
    """The starter's first 2 MB (its whole header and a little data): cheap to corrupt."""
    return _copy_head(starter_model, tmp_path / "head.gguf", 2_000_000)


# ----------------------------------------------------------------- the real model


def test_reads_the_real_starter_model(starter_model: Path) -> None:
    info = read_gguf_metadata(starter_model)
    assert info.version == 3
    assert info.architecture == "llama"
    assert info.block_count == 30
    assert info.context_length == 8192
    assert info.embedding_length == 576
    assert (info.head_count, info.head_count_kv) == (9, 3)
    assert info.file_type == 3
    assert info.quant == "Q4_1"
    assert not info.quant_guessed
    assert info.chat_template is not None
    assert "<|im_start|>" in info.chat_template and "<|im_end|>" in info.chat_template
    assert 130e6 < info.parameter_count < 140e6
    assert info.parameters_label == "135M"
    assert info.tensor_count == len(info.tensors) == 272
    assert info.vocab_size == 49152
    assert info.file_size == STARTER_SIZE
    # The last tensor ends exactly at the end of the file: the type-size table and the
    # alignment arithmetic agree with the bytes llama.cpp wrote.
    assert info.data_offset % info.alignment == 0
    assert info.data_offset + info.data_size == info.file_size
    # Large arrays are skipped, small ones kept.
    assert isinstance(info.metadata["tokenizer.ggml.tokens"], GgufArray)
    assert info.metadata["general.languages"] == ("en",)


def test_reading_the_header_is_fast(starter_model: Path) -> None:
    read_gguf_metadata(starter_model)  # warm the page cache
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        read_gguf_metadata(starter_model)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.050, f"fastest of 5 reads took {min(timings) * 1000:.1f} ms"


# ----------------------------------------------------------------- broken files


def test_random_bytes_are_not_a_model(tmp_path: Path) -> None:
    data = random.Random(7).randbytes(64 * 1024)
    assert not data.startswith(b"GGUF")
    path = _write(tmp_path / "random.gguf", data)
    with pytest.raises(InvalidModelError) as caught:
        read_gguf_metadata(path)
    assert caught.value.reason == "not_gguf"
    assert str(path) in str(caught.value)
    assert "is not a GGUF model file" in str(caught.value)


def test_text_file_is_not_a_model(tmp_path: Path) -> None:
    path = _write(tmp_path / "notes.gguf", b"Meeting notes\nnothing to see\n")
    with pytest.raises(InvalidModelError, match=r"not a GGUF model file.*text file") as caught:
        read_gguf_metadata(path)
    assert caught.value.reason == "not_gguf"


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.gguf", b"")
    with pytest.raises(InvalidModelError, match=r"is empty \(0 bytes\)") as caught:
        read_gguf_metadata(path)
    assert caught.value.reason == "empty"


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "model.gguf"
    folder.mkdir()
    with pytest.raises(InvalidModelError, match="is a folder, not a model file") as caught:
        read_gguf_metadata(folder)
    assert caught.value.reason == "directory"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidModelError, match="No file at") as caught:
        read_gguf_metadata(tmp_path / "nowhere.gguf")
    assert caught.value.reason == "missing"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.gguf"
    os.mkfifo(fifo)
    with pytest.raises(InvalidModelError, match="not a regular file") as caught:
        read_gguf_metadata(fifo)  # must not block trying to read the pipe
    assert caught.value.reason == "unreadable"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(starter_header: Path) -> None:
    starter_header.chmod(0)
    try:
        with pytest.raises(InvalidModelError, match="cannot be read") as caught:
            read_gguf_metadata(starter_header)
        assert caught.value.reason == "unreadable"
    finally:
        starter_header.chmod(0o600)


def test_truncated_in_the_tensor_data(starter_header: Path) -> None:
    # The header is complete, the weights are not: caught by comparing sizes, no hashing.
    with pytest.raises(InvalidModelError) as caught:
        read_gguf_metadata(starter_header)
    message = str(caught.value)
    assert caught.value.reason == "truncated"
    assert f"is truncated (2,000,000 of {STARTER_SIZE:,} bytes)" in message
    assert "Download it again" in message


def test_truncated_in_the_header(starter_model: Path, tmp_path: Path) -> None:
    path = _copy_head(starter_model, tmp_path / "cut.gguf", 100_000)
    with pytest.raises(InvalidModelError, match="is truncated or damaged") as caught:
        read_gguf_metadata(path)
    assert caught.value.reason == "truncated"
    assert "the file has 100,000" in str(caught.value)


def test_only_the_magic(tmp_path: Path) -> None:
    with pytest.raises(InvalidModelError) as caught:
        read_gguf_metadata(_write(tmp_path / "m.gguf", b"GGUF"))
    assert caught.value.reason == "truncated"


def test_sparse_full_size_copy_passes_the_header_check(starter_model: Path, tmp_path: Path) -> None:
    # Right size, header intact, weights all zero: the header reader cannot tell (the sha256
    # check in the catalogue does, see test_catalogue). It must not read the 98 MB either.
    path = _copy_head(starter_model, tmp_path / "sparse.gguf", 2_000_000, sparse_to=STARTER_SIZE)
    info = read_gguf_metadata(path)
    assert info.quant == "Q4_1"
    assert info.file_size == STARTER_SIZE


def test_flipped_magic(starter_header: Path) -> None:
    _flip(starter_header, 1, 0x20)
    with pytest.raises(InvalidModelError) as caught:
        read_gguf_metadata(starter_header)
    assert caught.value.reason == "not_gguf"


@pytest.mark.parametrize(
    ("version_bytes", "expected"),
    [
        (struct.pack("<I", 0x83), "says version 131"),
        (struct.pack("<I", 1), "version 1 files are from 2023"),
        (struct.pack(">I", 3), "big-endian"),
        (struct.pack("<I", 0), "says version 0"),
    ],
)
def test_unsupported_versions(starter_header: Path, version_bytes: bytes, expected: str) -> None:
    with starter_header.open("r+b") as handle:
        handle.seek(4)
        handle.write(version_bytes)
    with pytest.raises(InvalidModelError, match="unsupported GGUF version") as caught:
        read_gguf_metadata(starter_header)
    assert caught.value.reason == "unsupported_version"
    assert expected in str(caught.value)


def test_flipped_bit_in_tensor_count(starter_header: Path) -> None:
    _flip(starter_header, 8 + 6, 0x01)  # byte 6 of the little-endian u64 tensor count
    with pytest.raises(InvalidModelError, match=r"is damaged: it claims .* tensors") as caught:
        read_gguf_metadata(starter_header)
    assert caught.value.reason == "damaged"


def test_flipped_bit_in_a_value_type(starter_header: Path) -> None:
    # First key starts at 24: u64 length, the key text, then the u32 value type.
    with starter_header.open("rb") as handle:
        handle.seek(24)
        key_length = struct.unpack("<Q", handle.read(8))[0]
    _flip(starter_header, 24 + 8 + key_length, 0x40)
    with pytest.raises(InvalidModelError, match="unknown value type") as caught:
        read_gguf_metadata(starter_header)
    assert caught.value.reason == "damaged"


def test_bad_copy_of_the_real_model_is_rejected_whatever_bit_flips(
    starter_model: Path, tmp_path: Path
) -> None:
    """Flip one bit at many header positions: every outcome is a parse or a clear error."""
    rng = random.Random(11)
    outcomes: dict[int, str] = {}
    for offset in [*range(24), *rng.sample(range(24, 1_785_000), 40)]:
        victim = _copy_head(starter_model, tmp_path / "v.gguf", 2_000_000, sparse_to=STARTER_SIZE)
        _flip(victim, offset, 1 << rng.randrange(8))
        try:
            read_gguf_metadata(victim)
            outcomes[offset] = "parsed"
        except InvalidModelError as exc:
            assert str(victim) in str(exc)
            outcomes[offset] = exc.reason
        victim.unlink()
    # The magic and the version are checked exactly; every flip there must be refused.
    assert all(outcomes[offset] == "not_gguf" for offset in range(4))
    assert all(outcomes[offset] == "unsupported_version" for offset in range(4, 8))
    assert set(outcomes.values()) <= {
        "parsed",
        "not_gguf",
        "unsupported_version",
        "truncated",
        "damaged",
    }


# ----------------------------------------------------------------- synthetic files


def test_all_value_types_and_alignment(tmp_path: Path) -> None:
    kv: list[tuple[str, int, Any]] = [
        ("general.architecture", 8, "toy"),
        ("general.alignment", 4, 64),
        ("toy.context_length", 4, 4096),
        ("toy.block_count", 10, 2),
        ("u8", 0, 255),
        ("i8", 1, -5),
        ("u16", 2, 65535),
        ("i16", 3, -300),
        ("i32", 5, -70000),
        ("f32", 6, 0.5),
        ("flag", 7, True),
        ("i64", 11, -(2**40)),
        ("f64", 12, 2.25),
        ("small", 9, (5, [1, 2, 3])),
        ("nested", 9, (9, [(8, ["a", "b"]), (8, ["c"])])),
        ("big_strings", 9, (8, [f"tok{i}" for i in range(1000)])),
        ("big_floats", 9, (6, [0.0] * 5000)),
        ("tokenizer.ggml.tokens", 9, (8, ["<s>", "</s>", "x"])),
    ]
    tensors = [("a.weight", (64, 8), 0), ("b.weight", (256, 4), 12), ("c.bias", (7,), 0)]
    path = _write(tmp_path / "toy.gguf", build_gguf(kv, tensors, alignment=64))
    info = read_gguf_metadata(path)
    meta = info.metadata
    assert (meta["u8"], meta["i8"], meta["u16"], meta["i16"]) == (255, -5, 65535, -300)
    assert (meta["i32"], meta["f32"], meta["flag"], meta["i64"]) == (-70000, 0.5, True, -(2**40))
    assert meta["f64"] == 2.25
    assert meta["small"] == (1, 2, 3)
    assert meta["nested"] == (("a", "b"), ("c",))
    assert meta["big_strings"] == GgufArray("string", 1000)
    assert meta["big_floats"] == GgufArray("float32", 5000)
    assert info.alignment == 64 and info.data_offset % 64 == 0
    assert info.context_length == 4096 and info.block_count == 2
    assert info.parameter_count == 64 * 8 + 256 * 4 + 7
    assert info.vocab_size == 3
    # No general.file_type: the quantisation is taken from the largest weight type.
    assert info.quant_guessed and info.quant == "Q4_K"
    assert info.data_offset + info.data_size == path.stat().st_size


def test_one_byte_short_is_truncated(tmp_path: Path) -> None:
    kv: list[tuple[str, int, Any]] = [("general.architecture", 8, "toy")]
    tensors = [("w", (32, 2), 8)]
    whole = build_gguf(kv, tensors)
    assert read_gguf_metadata(_write(tmp_path / "ok.gguf", whole)).quant == "Q8_0"
    cut = _write(tmp_path / "cut.gguf", build_gguf(kv, tensors, data_shortfall=1))
    with pytest.raises(InvalidModelError, match=rf"truncated \({len(whole) - 1:,} of"):
        read_gguf_metadata(cut)


def test_impossible_array_length_is_damage_not_a_hang(tmp_path: Path) -> None:
    data = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + _string("x") + struct.pack("<IIQ", 9, 8, 2**62)
    started = time.perf_counter()
    with pytest.raises(InvalidModelError, match="truncated or damaged") as caught:
        read_gguf_metadata(_write(tmp_path / "huge.gguf", data))
    assert caught.value.reason == "truncated"
    assert time.perf_counter() - started < 1.0


def test_misaligned_tensor_is_damage(tmp_path: Path) -> None:
    data = bytearray(build_gguf([("general.architecture", 8, "toy")], [("w", (32,), 0)]))
    # The tensor's offset is the last u64 of the header, before the padding; make it 3.
    header_end = data.index(b"w") + 1 + 4 + 8 + 4
    data[header_end : header_end + 8] = struct.pack("<Q", 3)
    with pytest.raises(InvalidModelError, match="not aligned") as caught:
        read_gguf_metadata(_write(tmp_path / "odd.gguf", bytes(data)))
    assert caught.value.reason == "damaged"


def test_the_publishers_size_label_wins_over_counting_tensors(tmp_path: Path) -> None:
    """A file that stores a tied output layer twice counts more weights than its model card
    states; the card's figure (general.size_label) is what users compare against."""
    tensors = [("token_embd.weight", (32, 64), 0), ("output.weight", (32, 64), 0)]
    stated = tmp_path / "stated.gguf"
    stated.write_bytes(build_gguf([("general.size_label", 8, "0.5B")], tensors))
    assert read_gguf_metadata(stated).parameters_label == "0.5B"
    odd = tmp_path / "odd.gguf"
    odd.write_bytes(build_gguf([("general.size_label", 8, "large-ish")], tensors))
    info = read_gguf_metadata(odd)
    assert info.parameter_count == 2 * 32 * 64
    assert info.parameters_label == "4K"  # not a size label: counted from the tensors


def test_the_second_test_model_reads_as_its_card_says(second_model: Path) -> None:
    info = read_gguf_metadata(second_model)
    assert info.parameter_count == 630_167_424  # the output layer is stored apart
    assert info.parameters_label == "0.5B"
