"""Paths follow PARLEY_HOME; settings survive round trips and broken files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from app.core import paths
from app.core.settings import (
    SETTINGS_VERSION,
    Settings,
    default_threads,
    load_settings,
    save_settings,
    settings_path,
)


def test_parley_home_puts_every_folder_under_one_root(parley_home: Path) -> None:
    dirs = paths.app_dirs().ensure()
    for folder in (dirs.data, dirs.config, dirs.cache, dirs.models, dirs.logs):
        assert folder.is_dir()
        assert folder.resolve().is_relative_to(parley_home.resolve())
    assert len({dirs.data, dirs.config, dirs.cache, dirs.models, dirs.logs}) == 5


def test_without_parley_home_platform_folders_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARLEY_HOME")
    dirs = paths.app_dirs()
    assert "parley" in str(dirs.data).lower()
    assert "parley" in str(dirs.config).lower()
    assert dirs.models.parent == dirs.data


def test_resources_are_found_in_a_source_checkout_and_a_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert paths.catalogue_path().is_file()
    assert paths.resource_path("models").is_dir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resource_path("icons", "x.svg") == tmp_path / "resources" / "icons" / "x.svg"
    assert paths.catalogue_path() == tmp_path / "models.json"


def test_starter_model_does_not_depend_on_user_folders(parley_home: Path) -> None:
    model = paths.starter_model_path()
    assert not model.resolve().is_relative_to(parley_home.resolve())
    assert model.name == paths.STARTER_MODEL_FILE


def test_missing_settings_file_gives_defaults() -> None:
    loaded = load_settings()
    assert loaded.warning is None
    assert loaded.settings == Settings()


def test_settings_round_trip() -> None:
    settings = Settings(threads=3, context_length=8192, theme="dark", gpu_offload="cpu")
    settings.default_models["translate"] = "qwen2.5-3b-instruct"
    save_settings(settings)
    raw = json.loads(settings_path().read_text(encoding="utf-8"))
    assert raw["version"] == SETTINGS_VERSION
    loaded = load_settings()
    assert loaded.warning is None
    assert loaded.settings == settings


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\xff\xfe garbage"])
def test_bad_settings_file_is_backed_up_and_replaced_by_defaults(content: str) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    loaded = load_settings()
    assert loaded.settings == Settings()
    assert loaded.warning is not None and "could not be read" in loaded.warning
    backups = list(path.parent.glob("settings.json.bad-*"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == content.encode("utf-8", "surrogateescape")
    assert not path.exists()


@pytest.mark.parametrize("content", ['{"threads": "many"}', '{"threads": true}'])
def test_a_value_of_the_wrong_type_gets_its_default_and_the_file_is_kept(content: str) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    loaded = load_settings()
    assert loaded.settings == Settings()
    assert loaded.warning is not None and "'threads' must be" in loaded.warning
    (backup,) = path.parent.glob("settings.json.bad-*")
    assert backup.read_text(encoding="utf-8") == content


def test_unknown_keys_from_a_newer_version_are_ignored() -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 99, "threads": 4, "future": 1}), encoding="utf-8")
    loaded = load_settings()
    assert loaded.warning is None
    assert loaded.settings.threads == 4


def test_default_threads_uses_every_logical_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_threads() == 2
    assert Settings().effective_threads() == 2
    assert Settings(threads=1).effective_threads() == 1
