"""The engine process's direct dealings with llama.cpp through ctypes: log, abort, metadata.

Like :mod:`.worker`, this runs only in the engine process: ``llama_cpp`` is imported inside the
functions, so the app process, which imports the worker module just to name its entry point,
never loads the native library. Kept apart from the request loop because these are the parts
that depend on llama.cpp's C interface and its quirks rather than on Parley's protocol.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, Protocol

log = logging.getLogger("parley.engine")

# ggml log levels (ggml.h of the bundled llama.cpp): NONE, DEBUG, INFO, WARN, ERROR, CONT.
# llama-cpp-python's own logger still uses an older order and hides errors as "debug".
_LOG_DEBUG, _LOG_WARN, _LOG_ERROR, _LOG_CONT = 1, 3, 4, 5


class CancelFlag(Protocol):
    """Two bytes in shared memory both processes see (``RawArray(c_ubyte, 2)``).

    Byte 0 is the flag; byte 1 stays 0, so the pair reads as a C string of length 0 or 1.
    """

    def __getitem__(self, index: int) -> int: ...

    def __setitem__(self, index: int, value: int) -> None: ...


class LlamaLog:
    """Sends llama.cpp's own log to the engine log file instead of the terminal.

    The callback is set once per process and kept referenced (ctypes would free it
    otherwise). Recent warnings and errors are kept so a failed load can say why.
    """

    def __init__(self, log_file: IO[str]) -> None:
        import llama_cpp

        self._file = log_file
        self._level = 1
        self.recent: deque[str] = deque(maxlen=60)
        self._callback = llama_cpp.llama_log_callback(self._on_log)
        llama_cpp.llama_log_set(self._callback, ctypes.c_void_p(0))

    def _on_log(self, level: int, text: bytes, _user_data: object) -> None:
        try:
            if level == _LOG_CONT:
                level = self._level
            else:
                self._level = level
            if level == _LOG_DEBUG:
                return
            line = text.decode("utf-8", "replace")
            self._file.write(line)
            if level in (_LOG_WARN, _LOG_ERROR) and line.strip():
                self.recent.append(line.strip())
        except Exception:  # a log callback must never raise into native code
            pass

    def clear(self) -> None:
        self.recent.clear()


def without_amx_repacking() -> None:
    """Load weights without llama.cpp's "extra buffer types" on CPUs that report AMX.

    Virtual machines can advertise AMX yet fault on its first tile instruction (a general
    protection fault in ggml_backend_amx_mul_mat as soon as a prompt of more than one token
    is evaluated), which kills the engine on every request. Llama() has no argument for
    this, so the default model parameters are wrapped, once, in this (engine) process.
    """
    import llama_cpp.llama_cpp as low

    if getattr(low.llama_model_default_params, "_parley_no_extra_bufts", False):
        return
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            if "amx_tile" not in handle.read():
                return
    except OSError:
        return
    defaults = low.llama_model_default_params

    def params() -> Any:
        value = defaults()
        value.use_extra_bufts = False
        return value

    params._parley_no_extra_bufts = True  # type: ignore[attr-defined]
    low.llama_model_default_params = params


@contextmanager
def many_sequences(n_seq_max: int) -> Iterator[None]:
    """Make the ``Llama(...)`` built inside this block create a context for ``n_seq_max``
    sequences with one unified KV cache.

    ``Llama.__init__`` has no ``n_seq_max`` argument (only its embedding mode sets one), and
    creating a second context after it would allocate the KV cache twice; so the context
    class its constructor looks up is swapped for a subclass that sets the two fields, only
    for the duration of the call. Unified: every sequence shares the context's cells (a cell
    records which sequences see it), so copying a prefix to another sequence copies no data
    and sequences are only as big as their tokens.
    """
    import llama_cpp._internals as internals

    original = internals.LlamaContext

    class _ManySequences(original):  # type: ignore[misc, valid-type]
        def __init__(self, *, model: Any, params: Any, verbose: bool = True) -> None:
            params.n_seq_max = n_seq_max
            params.kv_unified = True
            super().__init__(model=model, params=params, verbose=verbose)

    internals.LlamaContext = _ManySequences  # type: ignore[misc]
    try:
        yield
    finally:
        internals.LlamaContext = original  # type: ignore[misc]


def abort_callback(flag: CancelFlag) -> tuple[Any, Any]:
    """llama.cpp abort callback reading ``flag`` and the data pointer to pass with it."""
    import llama_cpp

    data = ctypes.c_void_p(ctypes.addressof(flag))  # type: ignore[arg-type]
    try:
        libc = ctypes.cdll.msvcrt if sys.platform == "win32" else ctypes.CDLL(None)
        return ctypes.cast(libc.strlen, llama_cpp.ggml_abort_callback), data
    except (OSError, AttributeError):
        log.warning("C strlen not found: using a Python abort callback (slower decoding)")
        return llama_cpp.ggml_abort_callback(lambda _data: bool(flag[0])), None


def until_aborted(generator: Iterator[int], flag: CancelFlag) -> Iterator[int]:
    """The generator's tokens, ending quietly when a decode was aborted by Stop."""
    while True:
        try:
            token = next(generator)
        except StopIteration:
            return
        except RuntimeError:  # "llama_decode returned 2"
            if flag[0]:
                return
            raise
        yield token


def meta_value(model: Any, key: str) -> str | None:
    import llama_cpp

    buf = ctypes.create_string_buffer(256)
    n = llama_cpp.llama_model_meta_val_str(model, key.encode("utf-8"), buf, len(buf))
    return buf.value.decode("utf-8", "replace") if n >= 0 else None


def meta_int(model: Any, key: str, default: int) -> int:
    """An integer metadata value; per-layer arrays (not exposed by llama.cpp) give ``default``."""
    value = meta_value(model, key)
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def token_text(vocab: Any, token: int) -> str:
    import llama_cpp

    if token < 0:
        return ""
    raw = llama_cpp.llama_vocab_get_text(vocab, token)
    return raw.decode("utf-8", "replace") if raw else ""


def describe_load_failure(path: str, recent_log: Sequence[str]) -> str:
    """Turn llama.cpp's log lines about a failed load into a sentence for the user."""
    name = os.path.basename(path)
    text = " ".join(recent_log).lower()
    if "not within the file bounds" in text or "truncated" in text or "unexpected end" in text:
        return (
            f"{name} is incomplete or damaged (a download may have been cut short). "
            "Download the model again."
        )
    if "unknown model architecture" in text:
        arch = text.split("unknown model architecture:", 1)[-1].strip().split()[0].strip("'\"")
        return (
            f"{name} uses the model architecture '{arch}', which this version of the engine "
            "does not support."
        )
    if "out of memory" in text or "failed to allocate" in text:
        return f"There is not enough memory to load {name}."
    detail = next((line for line in reversed(recent_log) if "error" in line.lower()), "")
    suffix = f" (engine said: {detail})" if detail else ""
    return f"{name} could not be loaded: the file is damaged or not a supported model{suffix}."
