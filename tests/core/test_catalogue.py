"""The model catalogue (models.json), installed-model discovery and model resolution.

Malformed catalogues are made by changing one thing in a copy of the real models.json, so
every message is checked on realistic data. Installed models are stand-ins made from the real
starter model: its header plus a sparse tail, which passes the header check without copying
98 MB (the engine would refuse them; resolution only promises a sound header).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from app.core.backend import SamplingParams
from app.core.catalogue import (
    GOOD_FOR,
    ORIGINS_FILE,
    VERIFY_CACHE_FILE,
    CatalogueEntry,
    CatalogueError,
    ModelNotFoundError,
    builtin_entry,
    default_sampling,
    find_entry,
    forget_origin,
    installed_models,
    load_catalogue,
    record_origin,
    resolve_model,
    verify_model_file,
    verify_starter_model,
)
from app.core.gguf import InvalidModelError, read_gguf_metadata
from app.core.paths import app_dirs, catalogue_path
from app.core.settings import Settings

STARTER_ID = "smollm2-135m-instruct"
STARTER_SIZE = 98_362_432
STARTER_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def _real_catalogue() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(catalogue_path().read_text(encoding="utf-8"))
    return data


def _stand_in(starter: Path, target: Path) -> Path:
    """A file with the starter's real header and a sparse (all-zero) body of the right size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with starter.open("rb") as src, target.open("wb") as dst:
        dst.write(src.read(2_000_000))
        dst.truncate(STARTER_SIZE)
    return target


# ----------------------------------------------------------------- the shipped catalogue


def test_real_catalogue_parses_with_one_builtin_starter() -> None:
    entries = load_catalogue()
    assert len(entries) >= 9
    assert len({e.id for e in entries}) == len(entries)
    builtins = [e for e in entries if e.builtin]
    assert len(builtins) == 1
    starter = builtins[0]
    assert starter.id == STARTER_ID
    assert starter.file == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert starter.size_bytes == STARTER_SIZE
    assert starter.sha256 == STARTER_SHA256
    assert starter.license == "Apache-2.0"
    assert starter.languages == ("en",)
    assert builtin_entry(entries) is starter
    assert find_entry(entries, STARTER_ID) is starter
    assert find_entry(entries, "no-such-model") is None


def test_real_catalogue_offers_multilingual_q4_k_m_models() -> None:
    others = [e for e in load_catalogue() if not e.builtin]
    assert len(others) >= 8
    for entry in others:
        assert entry.quant == "Q4_K_M", entry.id
        assert 0.4 <= entry.params_b <= 8.5, entry.id
        assert entry.file.endswith(".gguf")
        assert set(entry.good_for) <= set(GOOD_FOR)
        assert entry.ram_gb * 1e9 > entry.size_bytes, f"{entry.id}: RAM below file size"
        if "zh" in entry.languages:
            assert entry.languages[:2] == ("zh", "en"), entry.id
    chinese = [e for e in others if "zh" in e.languages]
    assert len(chinese) >= 6
    # Chinese-and-English models come first in the list after the starter.
    assert all("zh" in e.languages for e in others[:7])


def test_builtin_entry_matches_the_real_starter_file(starter_model: Path) -> None:
    entry = builtin_entry(load_catalogue())
    info = read_gguf_metadata(starter_model)
    assert starter_model.name == entry.file
    assert info.file_size == entry.size_bytes
    assert info.quant == entry.quant
    assert info.context_length == entry.context_length
    assert abs(info.parameter_count / 1e9 - entry.params_b) < 0.01


# ----------------------------------------------------------------- malformed catalogues


def _write_catalogue(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "models.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def _entry(data: dict[str, Any], model_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(m for m in data["models"] if m.get("id") == model_id)
    return entry


def _set(model_id: str, field: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        _entry(data, model_id)[field] = value

    return change


def _delete(model_id: str, field: str) -> Any:
    def change(data: dict[str, Any]) -> None:
        del _entry(data, model_id)[field]

    return change


def _copy_id(from_index: int, to_index: int) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["models"][to_index]["id"] = data["models"][from_index]["id"]

    return change


def _drop_id(index: int) -> Any:
    def change(data: dict[str, Any]) -> None:
        del data["models"][index]["id"]

    return change


def _second_builtin(data: dict[str, Any]) -> None:
    _entry(data, "qwen3-4b")["builtin"] = True


def _same_file(data: dict[str, Any]) -> None:
    _entry(data, "qwen3-8b")["file"] = _entry(data, "qwen3-4b")["file"].upper()


MALFORMED = [
    # (what, change, entry named in the message, field named in the message)
    ("missing field", _delete("qwen3-4b", "size_bytes"), "'qwen3-4b'", "size_bytes"),
    ("negative size", _set("qwen3-4b", "size_bytes", -5), "'qwen3-4b'", "size_bytes"),
    ("size as text", _set("qwen3-4b", "size_bytes", "2.5 GB"), "'qwen3-4b'", "size_bytes"),
    ("size as bool", _set("qwen3-4b", "size_bytes", True), "'qwen3-4b'", "size_bytes"),
    ("wrong type", _set("qwen3-8b", "params_b", "eight"), "'qwen3-8b'", "params_b"),
    ("list as text", _set("qwen3-8b", "languages", "zh"), "'qwen3-8b'", "languages"),
    ("bad language", _set("qwen3-8b", "languages", ["zh", "Chinese"]), "'qwen3-8b'", "languages"),
    ("bad use", _set("qwen3-8b", "good_for", ["chat", "poetry"]), "'qwen3-8b'", "good_for"),
    ("short sha256", _set("qwen3-4b", "sha256", "abc123"), "'qwen3-4b'", "sha256"),
    ("upper sha256", _set("qwen3-4b", "sha256", "A" * 64), "'qwen3-4b'", "sha256"),
    ("bad revision", _set("qwen3-4b", "revision", "main"), "'qwen3-4b'", "revision"),
    (
        "zero context",
        _set("gemma-3-1b-it", "context_length", 0),
        "'gemma-3-1b-it'",
        "context_length",
    ),
    ("empty name", _set("gemma-3-1b-it", "name", " "), "'gemma-3-1b-it'", "name"),
    ("bad repo", _set("gemma-3-1b-it", "repo", "not a repo"), "'gemma-3-1b-it'", "repo"),
    ("path as file", _set("gemma-3-1b-it", "file", "../x.gguf"), "'gemma-3-1b-it'", "file"),
    ("not gguf", _set("gemma-3-1b-it", "file", "model.bin"), "'gemma-3-1b-it'", "file"),
    ("typo field", _set("qwen3-4b", "sha265", "x"), "'qwen3-4b'", "sha265"),
    ("builtin text", _set("qwen3-4b", "builtin", "yes"), "'qwen3-4b'", "builtin"),
    (
        "sampling range",
        _set("qwen3-4b", "sampling", {"temperature": -1}),
        "'qwen3-4b'",
        "sampling.temperature",
    ),
    (
        "sampling name",
        _set("qwen3-4b", "sampling", {"top_q": 0.5}),
        "'qwen3-4b'",
        "sampling.top_q",
    ),
    (
        "sampling top_k",
        _set("qwen3-4b", "sampling", {"top_k": 2.5}),
        "'qwen3-4b'",
        "sampling.top_k",
    ),
    ("bad reasoning", _set("qwen3-4b", "reasoning", "sometimes"), "'qwen3-4b'", "reasoning"),
    ("reasoning as bool", _set("qwen3-4b", "reasoning", True), "'qwen3-4b'", "reasoning"),
    (
        "unknown switch",
        _set("qwen3-4b", "reasoning_switch", "thinking"),
        "'qwen3-4b'",
        "reasoning_switch",
    ),
    (
        "switch as bool",
        _set("qwen3-4b", "reasoning_switch", True),
        "'qwen3-4b'",
        "reasoning_switch",
    ),
    (
        "switch without a switch",
        _set("qwen2.5-3b-instruct", "reasoning_switch", "enable_thinking"),
        "'qwen2.5-3b-instruct'",
        "reasoning_switch",
    ),
    ("bad id", _set("qwen3-4b", "id", "Qwen 3 4B"), "'Qwen 3 4B'", "id"),
    ("duplicate id", _copy_id(1, 2), "#3", "id"),
    ("missing id", _drop_id(4), "#5 (no id)", "id"),
    ("two builtins", _second_builtin, "'qwen3-4b'", "builtin"),
    ("same file twice", _same_file, "'qwen3-8b'", "file"),
]


@pytest.mark.parametrize(
    ("change", "entry", "field"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_entry_names_file_entry_and_field(
    tmp_path: Path, change: Any, entry: str, field: str
) -> None:
    data = _real_catalogue()
    change(data)
    path = _write_catalogue(tmp_path, data)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    message = str(caught.value)
    assert str(path) in message
    assert entry in message
    assert f"'{field}'" in message
    assert caught.value.path == path
    assert caught.value.field == field


def test_bad_json_gives_line_and_column(tmp_path: Path) -> None:
    text = catalogue_path().read_text(encoding="utf-8")
    broken = text.replace('"family": "Qwen3",', '"family": "Qwen3"', 1)
    line = broken[: broken.index('"family": "Qwen3"')].count("\n") + 2
    path = tmp_path / "models.json"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    message = str(caught.value)
    assert str(path) in message
    assert "is not valid JSON" in message
    assert f"line {line}, column" in message


@pytest.mark.parametrize(
    ("change", "expected", "field"),
    [
        (lambda d: d.update(version=2), "written for a newer Parley", "version"),
        (lambda d: d.pop("version"), "'version' must be a whole number", "version"),
        (lambda d: d.update(models=[]), "'models' must be a non-empty list", "models"),
        (lambda d: d.update(extra=1), "top-level field 'extra'", "extra"),
        (
            lambda d: [m.update(builtin=False) for m in d["models"]],
            "exactly one entry must have field 'builtin'",
            "builtin",
        ),
    ],
    ids=["newer version", "no version", "no models", "unknown key", "no builtin"],
)
def test_malformed_top_level(tmp_path: Path, change: Any, expected: str, field: str) -> None:
    data = _real_catalogue()
    change(data)
    path = _write_catalogue(tmp_path, data)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)
    assert caught.value.field == field


def test_entry_that_is_not_an_object(tmp_path: Path) -> None:
    data = _real_catalogue()
    data["models"][3] = "qwen2.5-3b-instruct"
    path = _write_catalogue(tmp_path, data)
    with pytest.raises(CatalogueError, match=r"entry #4 \(no id\): must be a JSON object"):
        load_catalogue(path)


def test_missing_catalogue(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="is missing"):
        load_catalogue(tmp_path / "models.json")


def test_comment_keys_are_allowed_and_edits_are_seen(tmp_path: Path) -> None:
    data = _real_catalogue()
    data["_note"] = "hand-edited"
    _entry(data, "qwen3-4b")["_why"] = "balanced"
    path = _write_catalogue(tmp_path, data)
    assert find_entry(load_catalogue(path), "qwen3-4b") is not None
    # The parse is cached per file; a changed file is read again.
    changed = copy.deepcopy(data)
    _entry(changed, "qwen3-4b")["name"] = "Qwen3 4B (edited)"
    _write_catalogue(tmp_path, changed)
    entry = find_entry(load_catalogue(path), "qwen3-4b")
    assert entry is not None and entry.name == "Qwen3 4B (edited)"


def test_real_catalogue_says_how_each_model_reasons() -> None:
    for entry in load_catalogue():
        if entry.family == "Qwen3":
            assert (entry.reasoning, entry.reasoning_switch) == ("switchable", "enable_thinking")
        else:
            assert (entry.reasoning, entry.reasoning_switch) == ("none", None), entry.id


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, ("none", None)),
        ({"reasoning": None}, ("none", None)),
        ({"reasoning": "none"}, ("none", None)),
        ({"reasoning": "always"}, ("always", None)),
        ({"reasoning": "switchable"}, ("switchable", "enable_thinking")),
        ({"reasoning": "switchable", "reasoning_switch": None}, ("switchable", "enable_thinking")),
        (
            {"reasoning": "switchable", "reasoning_switch": "enable_thinking"},
            ("switchable", "enable_thinking"),
        ),
    ],
    ids=["absent", "null", "none", "always", "switch by default", "null switch", "switch named"],
)
def test_reasoning_fields(
    tmp_path: Path, fields: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    data = _real_catalogue()
    entry = _entry(data, "qwen3-4b")
    entry.pop("reasoning", None)
    entry.pop("reasoning_switch", None)
    entry.update(fields)
    found = find_entry(load_catalogue(_write_catalogue(tmp_path, data)), "qwen3-4b")
    assert found is not None
    assert (found.reasoning, found.reasoning_switch) == expected


@pytest.mark.parametrize("mode", ["none", "always"])
def test_a_reasoning_switch_needs_a_switchable_model(tmp_path: Path, mode: str) -> None:
    data = _real_catalogue()
    _entry(data, "qwen3-4b").update(reasoning=mode, reasoning_switch="enable_thinking")
    path = _write_catalogue(tmp_path, data)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert str(caught.value) == (
        f"Model catalogue {path}, entry 'qwen3-4b' (entry #7): field 'reasoning_switch' is only "
        'for entries with "reasoning": "switchable".'
    )


def test_bad_reasoning_message_lists_the_values(tmp_path: Path) -> None:
    data = _real_catalogue()
    _entry(data, "qwen3-4b")["reasoning"] = "sometimes"
    with pytest.raises(
        CatalogueError,
        match=r"field 'reasoning' must be one of 'none', "
        r"'switchable', 'always', not 'sometimes'\.",
    ):
        load_catalogue(_write_catalogue(tmp_path, data))


# ----------------------------------------------------------------- installed models


def test_installed_models_is_the_starter_on_a_fresh_install(starter_model: Path) -> None:
    models = installed_models()
    assert [m.model_id for m in models] == [STARTER_ID]
    assert models[0].builtin and models[0].path == starter_model
    assert models[0].size_bytes == STARTER_SIZE


def test_installed_models_match_files_to_the_catalogue(starter_model: Path) -> None:
    folder = app_dirs().models
    _stand_in(starter_model, folder / "Qwen3-4B-Q4_K_M.gguf")
    _stand_in(starter_model, folder / "my-own-model.Q5_K_M.gguf")
    (folder / "readme.txt").write_text("not a model")
    (folder / "Qwen3-8B-Q4_K_M.gguf.part").write_bytes(b"GGUF")
    (folder / "subfolder.gguf").mkdir()
    models = {m.model_id: m for m in installed_models()}
    assert set(models) == {STARTER_ID, "qwen3-4b", "my-own-model.Q5_K_M"}
    assert models["qwen3-4b"].entry is not None
    assert models["qwen3-4b"].name == "Qwen3 4B"
    assert models["my-own-model.Q5_K_M"].entry is None
    assert models["my-own-model.Q5_K_M"].name == "my-own-model.Q5_K_M"
    assert not any(m.builtin for m in models.values() if m.model_id != STARTER_ID)
    assert models[STARTER_ID].source == "built-in"
    assert models["qwen3-4b"].source == "catalogue"
    assert models["my-own-model.Q5_K_M"].source == "folder"  # put there by hand


def test_every_installed_model_has_one_id_that_resolves(starter_model: Path) -> None:
    """Catalogue or not, each model's id resolves; a file name with .gguf does too."""
    folder = app_dirs().models
    _stand_in(starter_model, folder / "Qwen3-4B-Q4_K_M.gguf")
    _stand_in(starter_model, folder / "team-model.gguf")
    _stand_in(starter_model, folder / "qwen3-8b.gguf")  # its stem is another model's id
    _stand_in(starter_model, folder / "team-model.GGUF")  # the same stem again
    ids = [m.model_id for m in installed_models()]
    assert ids == [STARTER_ID, "qwen3-4b", "qwen3-8b.gguf", "team-model", "team-model.gguf"]
    assert len(set(ids)) == len(ids)
    for model in installed_models():
        assert resolve_model(model.model_id).path == model.path
        assert resolve_model(model.model_id).model_id == model.model_id
        if not model.builtin:
            assert resolve_model(model.path.name).path == model.path
    # The catalogue id stays the catalogue's: not installed, so it is not the user's file.
    with pytest.raises(ModelNotFoundError, match="not downloaded yet"):
        resolve_model("qwen3-8b")


def test_where_a_model_came_from_is_remembered(starter_model: Path) -> None:
    folder = app_dirs().models
    hub_file = _stand_in(starter_model, folder / "from-the-hub.gguf")
    record_origin(hub_file, {"source": "hub", "repo": "some-org/Some-GGUF"})
    imported = _stand_in(starter_model, folder / "from-a-stick.gguf")
    record_origin(imported, {"source": "imported", "from": "/media/stick/model.gguf"})
    replaced = _stand_in(starter_model, folder / "replaced.gguf")
    record_origin(replaced, {"source": "hub", "repo": "some-org/Some-GGUF"})
    replaced.write_bytes(replaced.read_bytes()[:3_000_000])  # another file under that name
    models = {m.model_id: m for m in installed_models()}
    assert (models["from-the-hub"].source, models["from-the-hub"].repo) == (
        "hub",
        "some-org/Some-GGUF",
    )
    assert models["from-a-stick"].source == "imported"
    assert models["from-a-stick"].imported_from == "/media/stick/model.gguf"
    assert models["replaced"].source == "folder"  # the record was for a file of another size
    assert ORIGINS_FILE.startswith(".")  # never taken for a model
    assert ORIGINS_FILE not in {m.path.name for m in installed_models()}
    forget_origin(hub_file)
    assert {m.model_id: m for m in installed_models()}["from-the-hub"].source == "folder"


def test_starter_missing_is_not_listed_and_is_explained(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PARLEY_STARTER_MODEL", str(tmp_path / "gone.gguf"))
    assert installed_models() == []
    with pytest.raises(ModelNotFoundError, match=r"starter model .* is missing.*make setup"):
        resolve_model(None, settings=Settings())


# ----------------------------------------------------------------- resolution


def test_default_is_the_verified_starter(starter_model: Path) -> None:
    ref = resolve_model(None, settings=Settings())
    assert ref.path == starter_model
    assert ref.model_id == STARTER_ID
    assert ref.display_name == "SmolLM2 135M Instruct (starter)"
    assert ref.chat_template is None  # the GGUF's own ChatML template is used
    cache = json.loads((app_dirs().cache / VERIFY_CACHE_FILE).read_text())
    assert cache[str(starter_model.resolve())]["sha256"] == STARTER_SHA256


def test_default_reads_settings_from_disk_when_not_given(starter_model: Path) -> None:
    assert resolve_model(None, tool="summarise").model_id == STARTER_ID


def test_configured_default_per_tool(starter_model: Path) -> None:
    _stand_in(starter_model, app_dirs().models / "Qwen3-4B-Q4_K_M.gguf")
    settings = Settings(default_models={"translate": "qwen3-4b"})
    ref = resolve_model(None, tool="translate", settings=settings)
    assert ref.model_id == "qwen3-4b"
    assert ref.display_name == "Qwen3 4B"
    assert ref.path == app_dirs().models / "Qwen3-4B-Q4_K_M.gguf"
    # Other tools keep the starter.
    assert resolve_model(None, tool="chat", settings=settings).model_id == STARTER_ID


def test_configured_default_that_is_gone(starter_model: Path) -> None:
    settings = Settings(default_models={"chat": "qwen3-8b"})
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model(None, tool="chat", settings=settings)
    message = str(caught.value)
    assert "default model for chat" in message
    assert "Qwen3 8B" in message and "not downloaded yet" in message
    assert "Settings" in message


def test_catalogue_id_not_installed(starter_model: Path) -> None:
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model("qwen2.5-1.5b-instruct")
    message = str(caught.value)
    assert "Qwen2.5 1.5B Instruct ('qwen2.5-1.5b-instruct')" in message
    assert "not downloaded yet (1.1 GB)" in message
    assert str(app_dirs().models) in message
    assert caught.value.model == "qwen2.5-1.5b-instruct"


def test_starter_by_id_and_by_path(starter_model: Path) -> None:
    assert resolve_model(STARTER_ID).path == starter_model
    by_path = resolve_model(str(starter_model))
    assert by_path.model_id == STARTER_ID


def test_installed_file_by_name(starter_model: Path) -> None:
    _stand_in(starter_model, app_dirs().models / "my-own-model.gguf")
    ref = resolve_model("my-own-model.gguf")
    assert ref.model_id == "my-own-model"
    assert ref.display_name == "my-own-model"
    assert resolve_model("my-own-model").path == ref.path


def test_path_to_a_gguf_anywhere(starter_model: Path, tmp_path: Path) -> None:
    path = _stand_in(starter_model, tmp_path / "elsewhere" / "Qwen3-4B-Q4_K_M.gguf")
    ref = resolve_model(str(path))
    assert ref.path == path.resolve()
    assert ref.model_id == "qwen3-4b"  # recognised by its catalogue file name
    assert ref.display_name == "Qwen3 4B"


def test_bad_path(starter_model: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "model.gguf"
    with pytest.raises(ModelNotFoundError, match="No model file at"):
        resolve_model(str(missing))


def test_non_gguf_path(starter_model: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list: milk, eggs\n")
    with pytest.raises(InvalidModelError, match="is not a GGUF model file") as caught:
        resolve_model(str(notes))
    assert caught.value.reason == "not_gguf"
    with pytest.raises(InvalidModelError, match="is a folder"):
        resolve_model(str(tmp_path))


def test_truncated_installed_model_is_refused(starter_model: Path) -> None:
    cut = app_dirs().models / "Qwen3-4B-Q4_K_M.gguf"
    cut.parent.mkdir(parents=True, exist_ok=True)
    with starter_model.open("rb") as src:
        cut.write_bytes(src.read(3_000_000))
    with pytest.raises(InvalidModelError, match="is truncated") as caught:
        resolve_model("qwen3-4b")
    assert caught.value.reason == "truncated"


def test_unknown_name_lists_what_is_installed(starter_model: Path) -> None:
    _stand_in(starter_model, app_dirs().models / "team-model.gguf")
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model("gpt-5")
    message = str(caught.value)
    assert "no model called 'gpt-5'" in message
    assert f"The installed models are: {STARTER_ID}, team-model." in message
    assert "with .gguf, works too" in message
    # A file name that is not installed gets the same list, not "no file at gpt-5.gguf".
    with pytest.raises(ModelNotFoundError, match="The installed models are: ") as by_file:
        resolve_model("gpt-5.gguf")
    assert "no model called 'gpt-5.gguf'" in str(by_file.value)
    with pytest.raises(ModelNotFoundError, match=r"Did you mean 'team-model'\?"):
        resolve_model("Team-Model")


def test_a_path_needs_no_catalogue(
    starter_model: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A broken models.json is a warning for --model /path/to/file.gguf, not an error."""
    broken = tmp_path / "models.json"
    broken.write_text('{"version": 1, "models": [', encoding="utf-8")
    monkeypatch.setenv("PARLEY_CATALOGUE", str(broken))
    path = _stand_in(starter_model, tmp_path / "elsewhere" / "my-model.gguf")
    with caplog.at_level("WARNING", logger="app.core.catalogue"):
        ref = resolve_model(str(path))
    assert ref.path == path.resolve() and ref.model_id == "my-model.gguf"
    assert ref.chat_template is None
    assert any("is not valid JSON" in r.getMessage() for r in caplog.records)
    assert default_sampling(ref.model_id) == SamplingParams()  # no catalogue, plain defaults
    settings = Settings(default_models={"summarise": str(path)})
    assert resolve_model(None, tool="summarise", settings=settings).path == path.resolve()
    # Anything that needs the catalogue still says what is wrong with it.
    with pytest.raises(CatalogueError, match="is not valid JSON"):
        resolve_model(STARTER_ID)
    with pytest.raises(CatalogueError):
        resolve_model(None, settings=Settings())
    with pytest.raises(InvalidModelError):  # and the header check still runs
        notes = tmp_path / "notes.gguf"
        notes.write_text("not a model")
        resolve_model(str(notes))


def test_empty_spec_and_unknown_tool(starter_model: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="No model was given"):
        resolve_model("  ")
    with pytest.raises(ValueError, match="unknown tool 'poetry'"):
        resolve_model(None, tool="poetry")


# ----------------------------------------------------------------- sampling defaults


def test_default_sampling_merges_catalogue_values() -> None:
    qwen3 = default_sampling("qwen3-4b")
    assert (qwen3.temperature, qwen3.top_p, qwen3.top_k, qwen3.min_p) == (0.6, 0.95, 20, 0.0)
    assert qwen3.max_tokens == SamplingParams().max_tokens  # untouched fields keep defaults
    llama = default_sampling("llama-3.2-1b-instruct")
    assert (llama.temperature, llama.top_p) == (0.6, 0.9)
    assert llama.top_k == SamplingParams().top_k


def test_default_sampling_without_overrides() -> None:
    assert default_sampling("my-own-model.gguf") == SamplingParams()
    phi = find_entry(load_catalogue(), "phi-4-mini-instruct")
    assert phi is not None and not phi.sampling
    assert default_sampling("phi-4-mini-instruct") == SamplingParams()


# ----------------------------------------------------------------- starter verification


def test_verify_real_starter_then_cached(starter_model: Path) -> None:
    started = time.perf_counter()
    verify_starter_model(starter_model)
    first = time.perf_counter() - started
    started = time.perf_counter()
    verify_starter_model(starter_model)
    second = time.perf_counter() - started
    assert second < 0.05, f"cached check took {second * 1000:.0f} ms"
    assert second < first
    cache = json.loads((app_dirs().cache / VERIFY_CACHE_FILE).read_text())
    assert cache[str(starter_model.resolve())]["size"] == STARTER_SIZE


def test_verify_rejects_a_wrong_file_of_the_right_size(starter_model: Path, tmp_path: Path) -> None:
    fake = _stand_in(starter_model, tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf")
    assert read_gguf_metadata(fake).quant == "Q4_1"  # the header alone cannot tell
    with pytest.raises(InvalidModelError, match="wrong or truncated") as caught:
        verify_starter_model(fake)
    assert "checksum" in str(caught.value)
    assert caught.value.reason == "damaged"
    cache_file = app_dirs().cache / VERIFY_CACHE_FILE
    assert not cache_file.exists() or str(fake.resolve()) not in cache_file.read_text()


def test_verify_rejects_a_truncated_starter(starter_model: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.gguf"
    with starter_model.open("rb") as src:
        cut.write_bytes(src.read(1_000_000))
    with pytest.raises(InvalidModelError, match="wrong or truncated: it has 1,000,000 bytes"):
        verify_starter_model(cut)


def test_resolving_a_wrong_starter_fails_clearly(
    starter_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _stand_in(starter_model, tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf")
    monkeypatch.setenv("PARLEY_STARTER_MODEL", str(fake))
    with pytest.raises(InvalidModelError, match=r"built-in starter model .* wrong or truncated"):
        resolve_model(None, settings=Settings())


def test_verification_cache_notices_changes(tmp_path: Path) -> None:
    path = tmp_path / "small.gguf"
    path.write_bytes(b"GGUF" + bytes(range(256)) * 100)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    verify_model_file(path, size_bytes=path.stat().st_size, sha256=digest)
    # Same size, new content and a new mtime: checked again, and refused.
    path.write_bytes(b"GGUF" + bytes(reversed(range(256))) * 100)
    stamp = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))
    with pytest.raises(InvalidModelError, match="wrong or truncated"):
        verify_model_file(path, size_bytes=path.stat().st_size, sha256=digest)


def test_unwritable_cache_only_costs_a_rehash(starter_model: Path) -> None:
    cache_dir = app_dirs().cache
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    cache_dir.write_text("a file where the cache folder should be")
    verify_starter_model(starter_model)  # no exception: verification still happens
    verify_starter_model(starter_model)


def test_entries_are_frozen_records() -> None:
    entry = builtin_entry(load_catalogue())
    assert isinstance(entry, CatalogueEntry)
    with pytest.raises(AttributeError):
        entry.id = "other"  # type: ignore[misc]
