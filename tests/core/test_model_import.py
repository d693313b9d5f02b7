"""Importing GGUF files from disk (copy or link) and removing installed models."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from app.core import model_import
from app.core.catalogue import ORIGINS_FILE, ModelNotFoundError, installed_models, resolve_model
from app.core.gguf import InvalidModelError
from app.core.model_import import (
    ImportCancelled,
    ModelImportError,
    import_model,
    remove_model,
)
from app.core.paths import app_dirs
from app.core.settings import Settings, load_settings, save_settings


@pytest.fixture
def my_model(starter_model: Path, tmp_path: Path) -> Path:
    """A real model file the user has somewhere (a copy of the starter under another name)."""
    path = tmp_path / "downloads" / "my-model.gguf"
    path.parent.mkdir()
    shutil.copyfile(starter_model, path)
    return path


def models_folder_files() -> list[str]:
    """What is in the models folder, apart from the record of where models came from."""
    folder = app_dirs().models
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name != ORIGINS_FILE)


def test_copy_import_reports_the_model_and_installs_it(my_model: Path) -> None:
    seen: list[tuple[int, int]] = []
    imported = import_model(my_model, progress=lambda done, total: seen.append((done, total)))
    facts = imported.facts
    assert facts.architecture == "llama"
    assert facts.parameters == "135M"
    assert facts.context_length == 8192
    assert facts.quantization == "Q4_1"
    assert facts.chat_template is not None and "<|im_start|>" in facts.chat_template
    assert imported.how == "copy"
    assert imported.path == app_dirs().models / "my-model.gguf"
    assert imported.path.read_bytes() == my_model.read_bytes()
    assert seen[-1] == (my_model.stat().st_size, my_model.stat().st_size)
    assert models_folder_files() == ["my-model.gguf"]  # no temporary file left
    assert imported.model_id == "my-model"  # the id --model and settings use
    model = next(m for m in installed_models() if m.model_id == "my-model")
    assert model.source == "imported" and model.imported_from == str(my_model.resolve())
    assert resolve_model("my-model").path == imported.path
    assert resolve_model("my-model.gguf").path == imported.path


def test_link_import_costs_no_space_and_removal_keeps_the_original(my_model: Path) -> None:
    imported = import_model(my_model, mode="link")
    assert imported.how == "symlink"
    assert imported.path.is_symlink() and imported.path.resolve() == my_model.resolve()
    removed = remove_model("my-model.gguf")
    assert removed.was_link and removed.freed_bytes == 0
    assert my_model.exists()
    assert not imported.path.exists() and not imported.path.is_symlink()


def test_hard_link_when_symlinks_are_not_allowed(
    my_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_symlinks(self: Path, target: object, target_is_directory: bool = False) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(Path, "symlink_to", no_symlinks)
    imported = import_model(my_model, mode="link")
    assert imported.how == "hardlink"
    assert imported.path.stat().st_ino == my_model.stat().st_ino
    assert my_model.stat().st_nlink == 2


def test_duplicate_names_refuse_rename_or_replace(my_model: Path) -> None:
    import_model(my_model)
    with pytest.raises(ModelImportError) as twice:
        import_model(my_model)
    assert twice.value.reason == "duplicate"
    assert "already installed" in str(twice.value)
    both = import_model(my_model, on_duplicate="rename")
    assert both.path.name == "my-model-2.gguf"
    again = import_model(my_model, on_duplicate="replace")
    assert again.replaced and again.path.name == "my-model.gguf"
    assert models_folder_files() == ["my-model-2.gguf", "my-model.gguf"]
    named = import_model(my_model, name="Ledger: v2?")
    assert named.path.name == "Ledger_ v2_.gguf"


def test_the_starter_itself_is_already_installed(starter_model: Path) -> None:
    with pytest.raises(ModelImportError) as already:
        import_model(starter_model)
    assert already.value.reason == "already_installed"


@pytest.mark.parametrize("kind", ["text", "truncated", "version", "empty"])
def test_bad_files_are_refused_with_a_reason(
    kind: str, starter_model: Path, tmp_path: Path
) -> None:
    path = tmp_path / f"{kind}.gguf"
    data = starter_model.read_bytes()
    if kind == "text":
        path.write_text("# My notes\nNot a model at all.\n")
    elif kind == "truncated":
        path.write_bytes(data[:5_000_000])
    elif kind == "version":
        path.write_bytes(data[:4] + (7).to_bytes(4, "little") + data[8:100_000])
    else:
        path.write_bytes(b"")
    with pytest.raises(InvalidModelError) as refused:
        import_model(path)
    expected = {
        "text": ("not_gguf", "is not a GGUF model file"),
        "truncated": ("truncated", "truncated"),
        "version": ("unsupported_version", "unsupported GGUF version"),
        "empty": ("empty", "is empty"),
    }[kind]
    assert refused.value.reason == expected[0]
    assert expected[1] in str(refused.value)
    assert models_folder_files() == []


def test_not_enough_space_for_a_copy(my_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_import, "free_disk_bytes", lambda _folder: 20 * 10**6)
    with pytest.raises(ModelImportError) as full:
        import_model(my_model)
    assert full.value.reason == "disk_full"
    assert "98.4 MB" in str(full.value) and "20.0 MB is free" in str(full.value)
    assert "link" in str(full.value)  # the way out that needs no space
    assert models_folder_files() == []
    assert import_model(my_model, mode="link").how == "symlink"  # linking needs no space


def test_cancelled_copy_leaves_nothing(my_model: Path) -> None:
    stop = threading.Event()

    def cancel_half_way(done: int, total: int) -> None:
        if done > total // 2:
            stop.set()

    with pytest.raises(ImportCancelled):
        import_model(my_model, progress=cancel_half_way, stop=stop)
    assert models_folder_files() == []


def test_a_model_the_engine_cannot_load_is_not_installed(my_model: Path) -> None:
    """The load test runs before anything is copied or linked; a failure leaves nothing."""
    tested: list[Path] = []

    def refuse(path: Path) -> None:
        tested.append(path)
        raise RuntimeError("tensor 'token_embd.weight' has invalid ggml type 1000")

    for mode in ("copy", "link"):
        with pytest.raises(ModelImportError) as refused:
            import_model(my_model, mode=mode, load_test=refuse)  # type: ignore[arg-type]
        assert refused.value.reason == "load_failed"
        message = str(refused.value)
        assert "my-model.gguf has a valid GGUF header, but the engine could not load it" in message
        assert "invalid ggml type 1000" in message
        assert message.endswith("It was not installed.")
        assert models_folder_files() == []
    assert tested == [my_model.resolve(), my_model.resolve()]
    assert [m.model_id for m in installed_models()] == ["smollm2-135m-instruct"]


def test_a_failed_load_test_never_replaces_a_working_model(my_model: Path, tmp_path: Path) -> None:
    good = import_model(my_model, load_test=lambda _path: None)
    before = good.path.read_bytes()
    other = tmp_path / "other" / "my-model.gguf"
    other.parent.mkdir()
    other.write_bytes(before[:-1] + b"\x01")  # same name, other bytes

    def refuse(_path: Path) -> None:
        raise RuntimeError("could not be loaded")

    with pytest.raises(ModelImportError, match="not installed"):
        import_model(other, on_duplicate="replace", load_test=refuse)
    assert good.path.read_bytes() == before
    assert models_folder_files() == ["my-model.gguf"]


def test_remove_frees_space_and_resets_defaults(my_model: Path) -> None:
    imported = import_model(my_model)
    settings = Settings()
    # One default by the model's id, one by its file name (as settings from before ids).
    settings.default_models = {"chat": "my-model", "translate": "my-model.gguf"}
    save_settings(settings)
    removed = remove_model("my-model")
    assert removed.freed_bytes == my_model.stat().st_size
    assert not imported.path.exists()
    assert set(removed.defaults_cleared) == {"chat", "translate"}
    assert load_settings().settings.default_models == {}
    assert resolve_model(None).model_id == "smollm2-135m-instruct"


def test_the_starter_cannot_be_removed(starter_model: Path) -> None:
    with pytest.raises(ModelImportError) as refused:
        remove_model("smollm2-135m-instruct")
    assert refused.value.reason == "builtin"
    assert "built into Parley" in str(refused.value)
    assert starter_model.exists()
    with pytest.raises(ModelNotFoundError) as unknown:
        remove_model("no-such-model")
    assert "no installed model called 'no-such-model'" in str(unknown.value)
