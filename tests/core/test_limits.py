"""The shared bounds of numeric options, settings.json's per-value checks, and safe writes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from app.core import files, limits
from app.core.backend import LoadOptions, ModelRef, SamplingParams
from app.core.settings import Settings, load_settings, save_settings, settings_path


def test_threads_are_bounded_by_this_computers_logical_cpus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert limits.check("threads", 4) == 4
    with pytest.raises(limits.LimitError, match=r"between 1 and 4 \(this computer has 4"):
        limits.check("threads", 5000, name="--threads")
    # A settings value from a bigger computer is used as this one's maximum.
    assert Settings(threads=16).effective_threads() == 4


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("context_length", 16),
        ("context_length", -5),
        ("temperature", -3.0),
        ("temperature", math.nan),
        ("temperature", math.inf),
        ("top_p", 1.5),
        ("max_tokens", 0),
        ("batch_size", 1),
        ("threads", 2.5),
        ("seed", -1),
        ("row_id", 10**23),
    ],
)
def test_values_outside_their_bounds_say_what_is_allowed(key: str, value: float) -> None:
    assert limits.problem(key, value) is not None
    with pytest.raises(limits.LimitError, match="between"):
        limits.check(key, value)


def test_values_inside_their_bounds_pass_and_clamp_brings_others_in() -> None:
    assert limits.problem("context_length", 4096) is None
    assert limits.problem("temperature", 0.0) is None
    assert limits.clamp("temperature", 9.0) == 2.0
    assert limits.clamp("max_tokens", -4) == 1
    assert limits.clamp("top_p", math.nan) == 0.0


UNUSED = ModelRef(path=Path("unused.gguf"), model_id="unused")


def test_the_engine_client_refuses_bad_options_before_starting_anything() -> None:
    from app.core.backend import BackendError
    from app.engine.local import LocalBackend

    backend = LocalBackend()
    try:
        with pytest.raises(BackendError, match="context length must be between"):
            backend.load(UNUSED, LoadOptions(n_ctx=16))
        with pytest.raises(BackendError, match="threads must be between"):
            backend.load(UNUSED, LoadOptions(n_threads=100_000))
        with pytest.raises(BackendError, match="temperature must be between"):
            backend.stream([{"role": "user", "content": "hi"}], SamplingParams(temperature=-3))
        assert backend.engine_pid is None
    finally:
        backend.close()


def _write(values: object) -> Path:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values), encoding="utf-8")
    return path


def test_one_bad_setting_keeps_the_others_and_the_original_file() -> None:
    path = _write({"threads": 100000, "theme": "dark", "default_models": {"chat": 5}})
    loaded = load_settings()
    assert loaded.settings.theme == "dark"
    assert loaded.settings.threads == 0
    assert loaded.settings.default_models == {}
    assert loaded.warning is not None
    assert "'threads' must be between 1 and 512" in loaded.warning
    assert "'default_models' must map each tool to a text" in loaded.warning
    assert json.loads(path.read_text(encoding="utf-8"))["theme"] == "dark"
    (backup,) = path.parent.glob("settings.json.bad-*")
    assert json.loads(backup.read_text(encoding="utf-8"))["threads"] == 100000
    assert load_settings().warning is None, "the file was corrected: no second warning"


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"gpu_offload": "lots"}, "'gpu_offload' must be"),
        ({"gpu_offload": "5000"}, "'gpu_offload' must be between 0 and 999"),
        ({"theme": "purple"}, "'theme' must be one of"),
        ({"tool_backends": {"painting": "local"}}, "unknown tool 'painting'"),
        ({"servers": ["not an object"]}, "'servers' must be a list of objects"),
        ({"font_size": 300}, "'font_size' must be between 7 and 28"),
        ({"batch_size": 0}, "'batch_size' must be between"),
    ],
)
def test_each_kind_of_bad_value_is_named(values: dict[str, object], words: str) -> None:
    _write(values)
    loaded = load_settings()
    assert loaded.warning is not None and words in loaded.warning
    assert loaded.settings == Settings()


def test_a_deeply_nested_settings_file_is_set_aside() -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    loaded = load_settings()
    assert loaded.warning is not None and "nested too deeply" in loaded.warning
    assert loaded.settings == Settings()


def test_settings_map_to_load_options_in_one_place() -> None:
    settings = Settings(threads=1, context_length=2048, batch_size=256, gpu_offload="cpu")
    options = settings.load_options()
    assert (options.n_ctx, options.n_batch, options.n_threads, options.gpu_layers) == (
        2048,
        256,
        1,
        0,
    )
    assert Settings(gpu_offload=" 12 ").load_options().gpu_layers == 12
    assert Settings().load_options(context=8192).n_ctx == 8192
    save_settings(settings)
    assert load_settings().settings.load_options() == options


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "export.md"
    target.write_text("old export", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        files.write_text_atomic(target, "new text with a lone surrogate \ud800")
    assert target.read_text(encoding="utf-8") == "old export"
    assert [p.name for p in tmp_path.iterdir()] == ["export.md"]
    files.write_text_atomic(target, "new export")
    assert target.read_text(encoding="utf-8") == "new export"


def test_safe_write_refuses_databases_folders_and_missing_folders(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "notes.sqlite"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(files.SaveError, match="SQLite database"):
        files.write_text_atomic(db, "x")
    with pytest.raises(files.SaveError, match="is a folder"):
        files.write_text_atomic(tmp_path, "x")
    with pytest.raises(files.SaveError, match="does not exist"):
        files.write_text_atomic(tmp_path / "missing" / "x.md", "x")
    history = tmp_path / "history.sqlite3"
    with pytest.raises(files.SaveError, match="history file"):
        files.write_text_atomic(tmp_path / "history.sqlite3-wal", "x", protected=[history])
