"""Read a GGUF model file's header without llama.cpp.

Why a pure-Python reader: the GUI and the CLI must tell the user that a file is not a model,
is cut short or is too new *before* handing it to the engine process, where llama.cpp only
says "Failed to load model from file". Reading the header also gives the model's own facts
(architecture, training context, chat template, quantisation) for the model picker without
loading any weights.

The reader follows the GGUF layout (versions 2 and 3, little-endian): a fixed preamble, the
key/value metadata, the tensor directory, then the tensor data at the next multiple of
``general.alignment``. Only the header is read (a few megabytes at most: the tokenizer's
vocabulary arrays are walked, not decoded), and the file size is compared with the end of
the last tensor so a truncated download is caught in milliseconds, without hashing.
"""

from __future__ import annotations

import math
import os
import re
import stat
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO, Literal

from app.core.gguf_types import (
    ARRAY,
    GGML_TYPES,
    LLAMA_FILE_TYPES,
    SCALAR_TYPES,
    STRING,
    VALUE_TYPE_NAMES,
)

# Re-exported: the tables are part of what this module describes to its callers.
__all__ = [
    "DEFAULT_ALIGNMENT",
    "GGML_TYPES",
    "GGUF_MAGIC",
    "LLAMA_FILE_TYPES",
    "SUPPORTED_VERSIONS",
    "GgufArray",
    "GgufInfo",
    "GgufTensor",
    "InvalidModelError",
    "InvalidReason",
    "MetadataValue",
    "read_gguf_metadata",
]

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32

InvalidReason = Literal[
    "missing",
    "directory",
    "unreadable",
    "empty",
    "not_gguf",
    "unsupported_version",
    "truncated",
    "damaged",
]


class InvalidModelError(ValueError):
    """A file that cannot be used as a model; ``str(error)`` is written for the user.

    ``reason`` lets a caller choose what to offer (e.g. "download again" for ``truncated``)
    without parsing the message.
    """

    def __init__(self, message: str, *, path: Path, reason: InvalidReason) -> None:
        super().__init__(message)
        self.path = path
        self.reason: InvalidReason = reason


# Sanity limits: a damaged header (one flipped bit in a count) must end in a clear error,
# not in a loop over 2**60 items. Real files stay far below these.
_MAX_KV = 1 << 20
# A publisher's size label as converters write it: "0.5B", "135M", "8x7B" (a mixture of experts).
_SIZE_LABEL = re.compile(r"(\d+x)?\d+(\.\d+)?[KMBT]")
_MAX_TENSORS = 1 << 20
_MAX_DIMS = 4  # GGML_MAX_DIMS
_MAX_STRING = 1 << 28  # 256 MiB (an embedded tokenizer.json is a few MB)
_SMALL_ARRAY = 256  # arrays up to this length are kept in GgufInfo.metadata
# Real headers are a few MB (Gemma 3's 262k-token vocabulary is about 7 MB); a damaged count
# must not make the reader pull gigabytes of weights into memory.
_MAX_HEADER = 64 << 20

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_FIRST_READ = 1 << 20


@dataclass(frozen=True)
class GgufArray:
    """Stands in for a large metadata array (e.g. the vocabulary) that was skipped, not read."""

    element_type: str
    length: int


MetadataValue = int | float | bool | str | tuple[object, ...] | GgufArray


@dataclass(frozen=True)
class GgufTensor:
    """One entry of the tensor directory."""

    name: str
    shape: tuple[int, ...]
    type_id: int
    offset: int  # relative to the start of the data section

    @property
    def element_count(self) -> int:
        return math.prod(self.shape)

    @property
    def type_name(self) -> str:
        known = GGML_TYPES.get(self.type_id)
        return known[0] if known else f"type {self.type_id}"


@dataclass(frozen=True)
class GgufInfo:
    """What a GGUF header says about its model. Sizes are in bytes, counts are exact."""

    path: Path
    file_size: int
    version: int
    architecture: str
    name: str
    context_length: int | None
    block_count: int | None
    embedding_length: int | None
    head_count: int | None
    head_count_kv: int | None
    file_type: int | None
    quant: str  # e.g. "Q4_K_M"; derived from the tensors when general.file_type is absent
    quant_guessed: bool
    chat_template: str | None
    parameter_count: int
    tensor_count: int
    vocab_size: int | None
    alignment: int
    data_offset: int
    data_size: int  # bytes from data_offset to the end of the last tensor
    metadata: Mapping[str, MetadataValue] = field(repr=False)
    tensors: tuple[GgufTensor, ...] = field(repr=False)

    @property
    def parameters_label(self) -> str:
        """A short label such as "135M" or "1.5B" for the model picker.

        The publisher's own figure (``general.size_label``, which the converter takes from
        the model card) wins over counting the file's tensors: a file that stores the output
        layer apart from the embedding it shares (Qwen2.5 0.5B converted from AWQ) holds 630M
        weights of a model its card calls 0.5B, and users compare against the card.
        """
        stated = self.metadata.get("general.size_label")
        if isinstance(stated, str) and _SIZE_LABEL.fullmatch(stated.strip()):
            return stated.strip()
        count = self.parameter_count
        if count >= 1_000_000_000:
            return f"{count / 1e9:.1f}B".replace(".0B", "B")
        if count >= 1_000_000:
            return f"{count / 1e6:.0f}M"
        return f"{count / 1e3:.0f}K"


class _HeaderEnd(Exception):
    """The header asks for bytes past the end of the file."""

    def __init__(self, needed: int) -> None:
        super().__init__(needed)
        self.needed = needed


class _Damaged(Exception):
    """The header is self-contradictory; the message says how."""


class _Reader:
    """Sequential reads from the start of a file, fetching more of it only when needed.

    The buffer always holds the file from byte 0, so positions are absolute offsets. It grows
    by doubling, which keeps reads few and large; tokenizer arrays of 150k strings are walked
    with ``unpack_from`` on the buffer instead of one ``read()`` per string.
    """

    def __init__(self, handle: BinaryIO, file_size: int) -> None:
        self._handle = handle
        self.file_size = file_size
        self.buf = handle.read(min(file_size, _FIRST_READ))
        self.pos = 0

    def need(self, end: int) -> None:
        """Make sure ``buf`` holds the file up to ``end`` (exclusive)."""
        if end <= len(self.buf):
            return
        if end > self.file_size:
            raise _HeaderEnd(end)
        if end > _MAX_HEADER:
            raise _Damaged(f"its header would be larger than {_MAX_HEADER >> 20} MB")
        want = min(self.file_size, max(end, 2 * len(self.buf)))
        chunk = self._handle.read(want - len(self.buf))
        self.buf += chunk
        if len(self.buf) < end:  # the file shrank while we read it
            raise _HeaderEnd(end)

    def u32(self) -> int:
        self.need(self.pos + 4)
        value: int = _U32.unpack_from(self.buf, self.pos)[0]
        self.pos += 4
        return value

    def u64(self) -> int:
        self.need(self.pos + 8)
        value: int = _U64.unpack_from(self.buf, self.pos)[0]
        self.pos += 8
        return value

    def string(self) -> str:
        length = self.u64()
        if length > _MAX_STRING:
            raise _Damaged(f"a text value claims to be {length:,} bytes long")
        self.need(self.pos + length)
        raw = self.buf[self.pos : self.pos + length]
        self.pos += length
        return raw.decode("utf-8", errors="replace")

    def skip_strings(self, count: int) -> None:
        """Walk ``count`` length-prefixed strings without decoding them."""
        unpack = _U64.unpack_from
        buf = self.buf
        pos = self.pos
        for _ in range(count):
            if pos + 8 > len(buf):
                self.need(pos + 8)
                buf = self.buf
            length = unpack(buf, pos)[0]
            if length > _MAX_STRING:
                raise _Damaged(f"a text value claims to be {length:,} bytes long")
            pos += 8 + length
        self.need(pos)
        self.pos = pos

    def value(self, type_id: int, *, depth: int = 0) -> MetadataValue:
        scalar = SCALAR_TYPES.get(type_id)
        if scalar is not None:
            packer, size = scalar
            self.need(self.pos + size)
            result: MetadataValue = packer.unpack_from(self.buf, self.pos)[0]
            self.pos += size
            return result
        if type_id == STRING:
            return self.string()
        if type_id == ARRAY:
            return self.array(depth=depth)
        raise _Damaged(f"the metadata uses an unknown value type ({type_id})")

    def array(self, *, depth: int) -> MetadataValue:
        if depth > 2:
            raise _Damaged("the metadata nests arrays too deeply")
        element_type = self.u32()
        count = self.u64()
        type_name = VALUE_TYPE_NAMES.get(element_type)
        if type_name is None:
            raise _Damaged(f"an array uses an unknown value type ({element_type})")
        if count > self.file_size - self.pos:
            # Every element takes at least one byte: the array runs past the end of the file,
            # because the file was cut short or the count is damaged.
            raise _HeaderEnd(self.pos + count)
        if count <= _SMALL_ARRAY:
            return tuple(self.value(element_type, depth=depth + 1) for _ in range(count))
        scalar = SCALAR_TYPES.get(element_type)
        if scalar is not None:
            end = self.pos + count * scalar[1]
            self.need(end)
            self.pos = end
        elif element_type == STRING:
            if count * 8 > self.file_size - self.pos:
                raise _HeaderEnd(self.pos + count * 8)
            self.skip_strings(count)
        else:
            for _ in range(count):
                self.value(element_type, depth=depth + 1)
        return GgufArray(type_name, count)


def _open_checked(path: Path) -> tuple[BinaryIO, int]:
    """Open ``path`` for reading, turning every OS failure into a user-facing error."""
    shown = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InvalidModelError(f"No file at {shown}.", path=path, reason="missing") from None
    except OSError as exc:
        raise InvalidModelError(
            f"{shown} cannot be read: {exc.strerror or exc}.", path=path, reason="unreadable"
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidModelError(
            f"{shown} is a folder, not a model file. Choose the .gguf file inside it.",
            path=path,
            reason="directory",
        )
    if not stat.S_ISREG(info.st_mode):
        raise InvalidModelError(
            f"{shown} is not a regular file, so it cannot be a model file.",
            path=path,
            reason="unreadable",
        )
    if info.st_size == 0:
        raise InvalidModelError(
            f"{shown} is empty (0 bytes), so it is not a model file. "
            "If it was being downloaded, download it again.",
            path=path,
            reason="empty",
        )
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InvalidModelError(
            f"{shown} cannot be read: {exc.strerror or exc}.", path=path, reason="unreadable"
        ) from None
    return handle, info.st_size


def _check_version(path: Path, version: int) -> None:
    if version in SUPPORTED_VERSIONS:
        return
    swapped = int.from_bytes(version.to_bytes(4, "little"), "big")
    if swapped in SUPPORTED_VERSIONS:
        detail = "it was written for big-endian computers and cannot run on this one"
    elif version == 1:
        detail = "version 1 files are from 2023 and no longer supported; get a newer conversion"
    else:
        detail = f"it says version {version}; Parley reads versions 2 and 3"
    raise InvalidModelError(
        f"{path} uses an unsupported GGUF version: {detail}.",
        path=path,
        reason="unsupported_version",
    )


def _int_meta(metadata: Mapping[str, MetadataValue], key: str) -> int | None:
    value = metadata.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _str_meta(metadata: Mapping[str, MetadataValue], key: str) -> str | None:
    value = metadata.get(key)
    return value if isinstance(value, str) else None


def _guess_quant(tensors: tuple[GgufTensor, ...]) -> str:
    """The most common type among the weight matrices, for files without general.file_type."""
    counts: dict[str, int] = {}
    for tensor in tensors:
        if len(tensor.shape) >= 2:
            counts[tensor.type_name] = counts.get(tensor.type_name, 0) + tensor.element_count
    if not counts:
        return "unknown"
    return max(counts, key=lambda name: counts[name])


def _tensor_bytes(tensor: GgufTensor) -> int | None:
    """Bytes the tensor occupies, or None for a type this reader does not know."""
    known = GGML_TYPES.get(tensor.type_id)
    if known is None:
        return None
    _, block, block_bytes = known
    if not tensor.shape:
        return block_bytes
    if tensor.shape[0] % block:
        raise _Damaged(
            f"tensor {tensor.name!r} has {tensor.shape[0]} columns, "
            f"not a multiple of its {known[0]} block size ({block})"
        )
    return tensor.element_count // block * block_bytes


def _parse(path: Path, reader: _Reader) -> GgufInfo:
    """Parse everything after the magic number; raises _HeaderEnd / _Damaged / InvalidModelError."""
    version = reader.u32()
    _check_version(path, version)
    tensor_count = reader.u64()
    kv_count = reader.u64()
    if kv_count > _MAX_KV:
        raise _Damaged(f"it claims {kv_count:,} metadata entries")
    if tensor_count > _MAX_TENSORS:
        raise _Damaged(f"it claims {tensor_count:,} tensors")

    metadata: dict[str, MetadataValue] = {}
    for _ in range(kv_count):
        key = reader.string()
        value_type = reader.u32()
        metadata[key] = reader.value(value_type)

    tensors: list[GgufTensor] = []
    for _ in range(tensor_count):
        name = reader.string()
        n_dims = reader.u32()
        if n_dims > _MAX_DIMS:
            raise _Damaged(f"tensor {name!r} claims {n_dims} dimensions")
        shape = tuple(reader.u64() for _ in range(n_dims))
        type_id = reader.u32()
        offset = reader.u64()
        tensors.append(GgufTensor(name, shape, type_id, offset))
    header_end = reader.pos

    alignment = _int_meta(metadata, "general.alignment") or DEFAULT_ALIGNMENT
    if alignment <= 0 or alignment & (alignment - 1):
        raise _Damaged(f"its alignment ({alignment}) is not a power of two")
    data_offset = -(-header_end // alignment) * alignment

    data_end = 0
    for tensor in tensors:
        if tensor.offset % alignment:
            raise _Damaged(f"tensor {tensor.name!r} is not aligned to {alignment} bytes")
        size = _tensor_bytes(tensor)
        data_end = max(data_end, tensor.offset + (size or 1))
    required = data_offset + data_end
    if reader.file_size < required:
        raise InvalidModelError(
            f"{path} is truncated ({reader.file_size:,} of {required:,} bytes): "
            "the download or copy did not finish. Download it again.",
            path=path,
            reason="truncated",
        )

    arch = _str_meta(metadata, "general.architecture") or ""
    file_type = _int_meta(metadata, "general.file_type")
    frozen_tensors = tuple(tensors)
    if file_type is not None and file_type in LLAMA_FILE_TYPES:
        quant, guessed = LLAMA_FILE_TYPES[file_type], False
    else:
        quant, guessed = _guess_quant(frozen_tensors), True
    template = _str_meta(metadata, "tokenizer.chat_template")
    vocab = metadata.get("tokenizer.ggml.tokens")
    if isinstance(vocab, GgufArray):
        vocab_size: int | None = vocab.length
    elif isinstance(vocab, tuple):
        vocab_size = len(vocab)
    else:
        vocab_size = None

    return GgufInfo(
        path=path,
        file_size=reader.file_size,
        version=version,
        architecture=arch,
        name=_str_meta(metadata, "general.name") or path.stem,
        context_length=_int_meta(metadata, f"{arch}.context_length"),
        block_count=_int_meta(metadata, f"{arch}.block_count"),
        embedding_length=_int_meta(metadata, f"{arch}.embedding_length"),
        head_count=_int_meta(metadata, f"{arch}.attention.head_count"),
        head_count_kv=_int_meta(metadata, f"{arch}.attention.head_count_kv"),
        file_type=file_type,
        quant=quant,
        quant_guessed=guessed,
        chat_template=template or None,
        parameter_count=sum(t.element_count for t in frozen_tensors),
        tensor_count=len(frozen_tensors),
        vocab_size=vocab_size,
        alignment=alignment,
        data_offset=data_offset,
        data_size=data_end,
        metadata=MappingProxyType(metadata),
        tensors=frozen_tensors,
    )


def read_gguf_metadata(path: Path | str) -> GgufInfo:
    """Read and check a GGUF file's header; raises :class:`InvalidModelError` for any problem.

    Checks, in order: the path is a readable, non-empty regular file; it starts with the GGUF
    magic; its version is 2 or 3; the metadata and tensor directory parse; every tensor's data
    lies inside the file. Only the header is read, so a 5 GB model takes as long as a 100 MB one.
    """
    path = Path(os.path.expanduser(path))
    handle, file_size = _open_checked(path)
    with handle:
        try:
            reader = _Reader(handle, file_size)
        except OSError as exc:
            raise InvalidModelError(
                f"{path} cannot be read: {exc.strerror or exc}.", path=path, reason="unreadable"
            ) from None
        magic = reader.buf[:4]
        if magic != GGUF_MAGIC:
            hint = ""
            if magic[:1] in (b"{", b"<") or (magic.isascii() and magic.decode().isprintable()):
                hint = " (it looks like a text file)"
            raise InvalidModelError(
                f"{path} is not a GGUF model file{hint}. "
                "Parley runs models in the GGUF format (files ending in .gguf).",
                path=path,
                reason="not_gguf",
            )
        reader.pos = 4
        try:
            return _parse(path, reader)
        except _HeaderEnd as end:
            raise InvalidModelError(
                f"{path} is truncated or damaged: its header runs past the end of the file "
                f"(needs at least {end.needed:,} bytes, the file has {file_size:,}). "
                "Download it again.",
                path=path,
                reason="truncated",
            ) from None
        except _Damaged as damage:
            raise InvalidModelError(
                f"{path} is damaged: {damage}. Download it again.", path=path, reason="damaged"
            ) from None
        except OSError as exc:
            raise InvalidModelError(
                f"{path} cannot be read: {exc.strerror or exc}.", path=path, reason="unreadable"
            ) from None
