"""The one models reading both pages draw (app.core.model_state), on the real catalogue and the
real starter model: verdicts for every entry, the installed file's header used for its own
verdict, measured speeds, a broken catalogue reported instead of raised, and the filters."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.catalogue import load_catalogue
from app.core.downloads import DownloadSpec, PendingDownload
from app.core.model_bench import BenchResult, save_benchmark
from app.core.model_state import entry_matches, gather_state, measured_speeds
from app.core.settings import Settings, load_settings, save_settings

STARTER = "smollm2-135m-instruct"


def _result(model_id: str, threads: int, when: str, gen: float = 40.0) -> BenchResult:
    return BenchResult(model_id, threads, "CPU", 100, 500.0, 32, gen, 2048, "0.3.36", when)


def test_the_reading_covers_the_real_catalogue_and_the_starter(starter_model: Path) -> None:
    settings = load_settings().settings
    settings.context_length = 2048
    settings.default_models = {"chat": STARTER}
    save_settings(settings)
    state = gather_state(None)
    entries = load_catalogue()
    assert [e.id for e in state.entries] == [e.id for e in entries]
    assert state.error is None and state.pending == []
    assert set(state.fits) == {e.id for e in entries}
    starter = next(m for m in state.installed if m.model_id == STARTER)
    assert starter.builtin and starter.path.resolve() == starter_model.resolve()
    assert state.installed_ids() == {STARTER}
    # The installed model is judged by its own file, the others by their published figures.
    assert state.fits[STARTER].estimate.dims.source == "file header"
    assert state.fits[STARTER].estimate.n_ctx == 2048
    assert state.fits["qwen3-8b"].estimate.dims.source != "file header"
    assert state.n_ctx == 2048 and state.defaults == {"chat": STARTER}
    assert state.speeds == {}
    assert state.hardware.logical_cores >= 1


def test_speeds_prefer_this_thread_count_and_skip_unknown_models() -> None:
    threads = Settings().effective_threads()
    save_benchmark(_result(STARTER, threads, "2025-01-01T00:00:00Z", gen=30.0))
    save_benchmark(_result(STARTER, threads + 1, "2025-06-01T00:00:00Z", gen=90.0))
    save_benchmark(_result("gone-model", threads, "2025-01-01T00:00:00Z"))
    speeds = gather_state(None).speeds
    assert set(speeds) == {STARTER}
    assert speeds[STARTER].threads == threads and speeds[STARTER].generation_tps == 30.0
    # Measured only with another thread count: the latest measurement is shown.
    other = {"a": _result("x", 2, "2025-01-01"), "b": _result("x", 8, "2025-03-01")}
    assert measured_speeds(["x", "y"], 4, other)["x"].threads == 8


def test_a_broken_catalogue_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "models.json"
    broken.write_text("{ not json", encoding="utf-8")
    monkeypatch.setenv("PARLEY_CATALOGUE", str(broken))
    state = gather_state(None)
    assert state.error is not None and str(broken) in state.error
    assert state.entries == [] and state.installed == [] and state.fits == {}


def test_partial_downloads_are_listed_only_when_asked() -> None:
    spec = DownloadSpec(model_id="m", repo="org/repo", file="m.gguf", name="M")
    part = PendingDownload(spec, done=10, total=100)

    class Partials:
        def pending(self) -> list[PendingDownload]:
            return [part]

    assert gather_state(None, Partials()).pending == [part]
    assert gather_state(None).pending == []


def test_filters_on_real_entries() -> None:
    entries = {e.id: e for e in load_catalogue()}
    starter, big = entries[STARTER], entries["qwen3-8b"]
    assert entry_matches(big, ["qwen3"]) and not entry_matches(starter, ["qwen3"])
    assert entry_matches(starter, [], size_key="small")
    assert not entry_matches(big, [], size_key="small")
    assert entry_matches(big, [], size_key="large")
    assert not entry_matches(big, [], installed_only=True, installed={STARTER})
    assert entry_matches(starter, [], installed_only=True, installed={STARTER})
    code = big.languages[0]
    assert entry_matches(big, [], language=code)
    # Names in the interface language come from the caller and are searched too.
    assert not entry_matches(big, ["chinois"])
    assert entry_matches(big, ["chinois"], also_known_as=["Chinois (zh)"])
