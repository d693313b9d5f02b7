"""The bounds of every numeric option, in one place for the CLI, Settings and the chat panel.

Why one table: the same number reaches llama.cpp from the command line, from settings.json,
from the Settings dialog and from a conversation's panel. Each face used to check it its own
way (or not at all: ``--threads 5000`` started 5,000 threads, ``--context 16`` ended in a
numpy error deep in llama-cpp-python). Every face now asks :func:`check` and shows the same
message, and the widgets take their ranges from :data:`BOUNDS`.

The thread bound follows the computer: llama.cpp gains nothing from more threads than logical
CPUs and loses a lot (threads spin-wait for each other), so the upper bound is this machine's
logical CPU count, not a fixed number.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass


class LimitError(ValueError):
    """A value outside its bounds; the message is written for the user."""


# llama.cpp's smallest useful window is a few hundred tokens (the chat template alone takes
# dozens); the largest any catalogue model supports is 256 Ki.
CONTEXT_MIN = 512
CONTEXT_MAX = 262_144
BATCH_MIN = 16
BATCH_MAX = 8192
GPU_LAYERS_MAX = 999
SEED_MAX = 2**32 - 1
# llama.cpp's own ceiling (GGML_MAX_N_THREADS). settings.json may roam to a computer with
# fewer CPUs than the one that wrote it, so the file is checked against this fixed ceiling
# and the value is brought down to this computer's CPUs when used (Settings.effective_threads);
# a command line, which is for this computer, is checked against its CPUs.
THREADS_CEILING = 512


def max_threads() -> int:
    """This computer's logical CPUs: more threads than that only slows llama.cpp down."""
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Bound:
    """An inclusive range; ``what`` names the value the way messages say it."""

    what: str
    minimum: float
    maximum: float
    integer: bool
    why: str = ""

    def describe(self) -> str:
        low, high = self._show(self.minimum), self._show(self.maximum)
        why = f" ({self.why})" if self.why else ""
        return f"between {low} and {high}{why}"

    def _show(self, value: float) -> str:
        return f"{int(value):,}" if self.integer else f"{value:g}"


def _threads() -> Bound:
    count = max_threads()
    plural = "s" if count != 1 else ""
    return Bound("threads", 1, count, True, f"this computer has {count} logical CPU{plural}")


_STATIC: dict[str, Bound] = {
    "context_length": Bound("the context length", CONTEXT_MIN, CONTEXT_MAX, True, "tokens"),
    "batch_size": Bound("the batch size", BATCH_MIN, BATCH_MAX, True, "tokens"),
    "gpu_layers": Bound("GPU layers", 0, GPU_LAYERS_MAX, True),
    "max_tokens": Bound("max tokens", 1, CONTEXT_MAX, True),
    # A conversation's own budget within the loaded context (app.core.context), not a
    # llama.cpp window: a small one is a legitimate way to keep a chat short.
    "conversation_context": Bound("the conversation's context", 128, CONTEXT_MAX, True),
    "temperature": Bound("the temperature", 0.0, 2.0, False),
    "top_p": Bound("top-p", 0.0, 1.0, False),
    "top_k": Bound("top-k", 0, 1000, True, "0 = no limit"),
    "min_p": Bound("min-p", 0.0, 1.0, False),
    "repeat_penalty": Bound("the repeat penalty", 0.5, 2.0, False, "1 = off"),
    "seed": Bound("the seed", 0, SEED_MAX, True),
    "font_size": Bound("the font size", 7, 28, True, "points"),
    "threads_setting": Bound("threads", 1, THREADS_CEILING, True, "llama.cpp's maximum"),
    "limit": Bound("the number of rows", 1, 100_000, True),
    "bench_prompt": Bound("the prompt length", 16, 8192, True, "tokens"),
    "bench_tokens": Bound("the tokens to generate", 1, 4096, True),
    # SQLite's rowid is a signed 64-bit integer; a larger id would overflow in the driver.
    "row_id": Bound("the id", 1, 2**63 - 1, True),
}


def bound(key: str) -> Bound:
    """The bound of one option (``threads``, ``context_length``, ``temperature``, ...)."""
    if key == "threads":
        return _threads()
    return _STATIC[key]


def problem(key: str, value: object) -> str | None:
    """What is wrong with ``value`` for ``key`` ("must be between 1 and 2 ..."), or None.

    NaN and infinities are never within bounds; an integer option refuses fractions.
    """
    b = bound(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number {b.describe()}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a number {b.describe()}"
    if b.integer and isinstance(value, float) and not value.is_integer():
        return f"must be a whole number {b.describe()}"
    if not b.minimum <= value <= b.maximum:
        return f"must be {b.describe()}, not {b._show(value)}"
    return None


def check(key: str, value: float, *, name: str | None = None) -> float:
    """``value`` if it is within ``key``'s bound, else :class:`LimitError`.

    ``name`` is how the face calls the option (``--threads``, ``'threads'`` in
    settings.json); the default is the bound's own words.
    """
    wrong = problem(key, value)
    if wrong is not None:
        raise LimitError(f"{name or bound(key).what} {wrong}")
    return value


def clamp(key: str, value: float) -> float:
    """``value`` brought into ``key``'s bound: for stored values written by an older version
    or on another computer, which must not stop a conversation from opening."""
    b = bound(key)
    if isinstance(value, float) and not math.isfinite(value):
        return b.minimum
    result = min(max(value, b.minimum), b.maximum)
    return int(result) if b.integer else float(result)


def check_load_options(n_ctx: int, n_batch: int, n_threads: int, gpu_layers: object) -> None:
    """The last guard before llama.cpp, for callers that built LoadOptions themselves.

    ``n_ctx`` and ``n_threads`` 0 mean the model's own context and automatic threads;
    ``gpu_layers`` is "auto", -1 (all) or a layer count.
    """
    if n_ctx != 0:
        check("context_length", n_ctx)
    check("batch_size", n_batch)
    if n_threads != 0:
        check("threads", n_threads)
    if isinstance(gpu_layers, int) and gpu_layers != -1:
        check("gpu_layers", gpu_layers)


def check_sampling(
    *,
    temperature: float,
    top_p: float,
    top_k: int,
    min_p: float,
    repeat_penalty: float,
    max_tokens: int,
    seed: int | None,
) -> None:
    """Every sampling value within its bound (a seed of None means a random one)."""
    check("temperature", temperature)
    check("top_p", top_p)
    check("top_k", top_k)
    check("min_p", min_p)
    check("repeat_penalty", repeat_penalty)
    check("max_tokens", max_tokens)
    if seed is not None and seed != -1:
        check("seed", seed)
