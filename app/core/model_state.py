"""One reading of everything the app knows about models: the catalogue, the installed models,
this computer, a "will it fit" verdict per catalogue model and the speeds measured here.

The Models page and the welcome page both show verdicts from this one reading, so the two
never disagree about what fits. It is plain data and pure functions, with no Qt, so it runs on
a background thread and is tested without a display; the pages only draw it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.core.backend import LoadInfo
from app.core.catalogue import (
    CatalogueEntry,
    CatalogueError,
    InstalledModel,
    installed_models,
    load_catalogue,
)
from app.core.downloads import PendingDownload
from app.core.fit import FitResult, fit_for_entry
from app.core.hardware import HardwareInfo, detect_hardware
from app.core.model_bench import BenchResult, known_speed, load_benchmarks
from app.core.settings import Settings, load_settings

# A rough decode-speed model for CPU and partly-GPU verdicts: generation reads every weight
# once per token, so tokens/s is about the memory bandwidth the cores can pull divided by the
# file size. 5 GB/s per core (capped at 8 cores) is conservative for laptops; a speed measured
# by the Models page's benchmark always wins over it.
BANDWIDTH_PER_CORE = 5e9
MAX_CORES = 8
MIN_USABLE_TPS = 6.0  # below this a chat reply feels stuck


def expected_speed(
    entry: CatalogueEntry, fit: FitResult, hardware: HardwareInfo, speed: BenchResult | None
) -> tuple[float, bool]:
    """Tokens per second to expect for ``entry`` here, and whether it was measured.

    The welcome page's recommendation and the Models page's Speed column both read it, so a
    model is never "fast" on one and "—" on the other.
    """
    if speed is not None and speed.generation_tps > 0:
        return speed.generation_tps, True
    cores = min(hardware.physical_cores or hardware.logical_cores or 1, MAX_CORES)
    bandwidth = cores * BANDWIDTH_PER_CORE
    if fit.kind == "gpu":
        bandwidth *= 10  # any GPU that holds the whole model is far faster than the CPU
    elif fit.kind == "partial" and fit.estimate.dims.n_layers:
        bandwidth /= max(0.1, 1 - fit.gpu_layers / fit.estimate.dims.n_layers)
    return bandwidth / max(entry.size_bytes, 1), False


# The catalogue's size filter: key, lowest size (inclusive), highest size (exclusive) in bytes.
SIZE_FILTERS: tuple[tuple[str, int, int], ...] = (
    ("any", 0, 1 << 62),
    ("small", 0, 10**9),
    ("medium", 10**9, 3 * 10**9),
    ("large", 3 * 10**9, 1 << 62),
)


class PendingSource(Protocol):
    """Whatever lists the partial downloads left by earlier runs (the core's Downloader)."""

    def pending(self) -> list[PendingDownload]: ...


@dataclass
class ModelsState:
    """Everything the model pages show, read in one go in the background.

    ``error`` holds the message of a broken catalogue (the pages show it instead of failing);
    ``pending`` lists partial downloads the Models page offers to resume.
    """

    entries: list[CatalogueEntry]
    installed: list[InstalledModel]
    hardware: HardwareInfo
    fits: dict[str, FitResult]
    speeds: dict[str, BenchResult]
    defaults: dict[str, str]
    n_ctx: int
    error: str | None = None
    pending: list[PendingDownload] = field(default_factory=list)

    def installed_ids(self) -> set[str]:
        """The ids of the models on this computer (catalogue or not)."""
        return {model.model_id for model in self.installed}

    def expected(self, entry: CatalogueEntry) -> tuple[float, bool] | None:
        """Tokens/s to expect for a catalogue model here and whether it was measured; None
        when it does not fit (or has no verdict)."""
        fit = self.fits.get(entry.id)
        if fit is None or fit.kind == "too_large":
            return None
        return expected_speed(entry, fit, self.hardware, self.speeds.get(entry.id))


def fit_verdicts(
    entries: Sequence[CatalogueEntry],
    hardware: HardwareInfo,
    settings: Settings,
    installed_paths: Mapping[str, Path],
) -> dict[str, FitResult]:
    """A verdict per catalogue id, for the user's context length and batch size.

    An installed model is judged by its file's header (exact shape) rather than by the
    catalogue's published figures, so the verdict matches what will really be loaded.
    """
    return {
        entry.id: fit_for_entry(
            entry,
            hardware,
            settings.context_length,
            n_batch=settings.batch_size,
            installed_path=installed_paths.get(entry.id),
        )
        for entry in entries
    }


def measured_speeds(
    model_ids: Iterable[str], threads: int, results: Mapping[str, BenchResult]
) -> dict[str, BenchResult]:
    """The speed to show per model: measured with this thread count if it was, else the most
    recent measurement of the model; models never measured are left out."""
    stored = dict(results)
    speeds: dict[str, BenchResult] = {}
    for model_id in set(model_ids):
        found = known_speed(model_id, threads=threads, results=stored)
        if found is not None:
            speeds[model_id] = found
    return speeds


def gather_state(
    load_info: LoadInfo | None, downloader: PendingSource | None = None
) -> ModelsState:
    """Read the catalogue, the models folder, settings, benchmarks and the hardware.

    Runs on a background thread. A broken catalogue is reported in ``error`` (the page shows
    the message and the installed models) instead of raising. Without a ``downloader`` no
    unfinished downloads are listed (the welcome page needs only the verdicts).
    """
    settings = load_settings().settings
    hardware = detect_hardware(load_info=load_info)
    error: str | None = None
    try:
        entries = load_catalogue()
        installed = installed_models(entries)
    except CatalogueError as exc:
        error = str(exc)
        entries, installed = [], []
    paths = {m.model_id: m.path for m in installed}
    speeds = measured_speeds(
        {e.id for e in entries} | set(paths), settings.effective_threads(), load_benchmarks()
    )
    return ModelsState(
        entries=entries,
        installed=installed,
        hardware=hardware,
        fits=fit_verdicts(entries, hardware, settings, paths),
        speeds=speeds,
        defaults=dict(settings.default_models),
        n_ctx=settings.context_length,
        error=error,
        pending=list(downloader.pending()) if downloader is not None else [],
    )


def entry_matches(
    entry: CatalogueEntry,
    words: Sequence[str],
    *,
    language: str = "",
    size_key: str = "any",
    installed_only: bool = False,
    installed: set[str] | frozenset[str] = frozenset(),
    also_known_as: Iterable[str] = (),
) -> bool:
    """Whether the catalogue shows ``entry`` for this search and these filters.

    Every search word (already case-folded) must appear in the entry's name, id, family,
    description, licence, uses or language codes, or in ``also_known_as`` (the names of its
    uses and languages in the interface language, which only the caller can give).
    """
    low, high = next((lo, hi) for key, lo, hi in SIZE_FILTERS if key == size_key)
    haystack = " ".join(
        [
            entry.name,
            entry.id,
            entry.family,
            entry.description,
            entry.license,
            *entry.good_for,
            *entry.languages,
            *also_known_as,
        ]
    ).casefold()
    return (
        all(word in haystack for word in words)
        and (not language or language in entry.languages)
        and low <= entry.size_bytes < high
        and (not installed_only or entry.id in installed)
    )


__all__ = [
    "MIN_USABLE_TPS",
    "SIZE_FILTERS",
    "ModelsState",
    "PendingSource",
    "entry_matches",
    "expected_speed",
    "fit_verdicts",
    "gather_state",
    "measured_speeds",
]
