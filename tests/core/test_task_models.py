"""``task_model``: the one answer to "which model does this task run on", on real settings,
the real catalogue and real files in the models folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.core.catalogue import installed_models
from app.core.paths import app_dirs
from app.core.servers import ServerConfig, save_server
from app.core.settings import Settings
from app.core.task_models import (
    SERVER_PREFIX,
    choose_task_model,
    task_choices,
    task_model,
    task_model_ref,
)


def _second(starter_model: Path) -> str:
    folder = app_dirs().models
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(starter_model, folder / "second-model.gguf")
    return "second-model"


def test_unset_tasks_run_the_starter_and_each_task_its_own_choice(starter_model: Path) -> None:
    second = _second(starter_model)
    starter = next(m for m in installed_models() if m.builtin)
    settings = Settings(default_models={"chat": second})
    # Chat's choice is Chat's alone: the text tools still run (and say) the starter.
    assert task_model(settings, "chat").model_id == second
    for tool in ("summarise", "translate", "sentiment"):
        chosen = task_model(settings, tool)
        assert (chosen.model_id, chosen.label, chosen.server) == (
            starter.model_id,
            starter.name,
            "",
        )
    assert task_model(settings, "summarise").key != task_model(settings, "chat").key
    # What the engine loads is the same model.
    assert task_model_ref(settings, "chat").path == app_dirs().models / "second-model.gguf"
    assert task_model_ref(settings, "sentiment").model_id == starter.model_id


def test_a_default_saved_under_its_file_name_is_the_models_id(starter_model: Path) -> None:
    second = _second(starter_model)
    settings = Settings(default_models={"translate": "second-model.gguf"})
    assert task_model(settings, "translate").model_id == second


def test_a_server_chosen_for_a_task_wins_and_the_picker_offers_it(starter_model: Path) -> None:
    _second(starter_model)
    settings = Settings(default_models={"summarise": "second-model"})
    save_server(settings, ServerConfig("Lab", "http://127.0.0.1:9", "qwen"))
    choose_task_model(settings, "summarise", SERVER_PREFIX + "Lab")
    chosen = task_model(settings, "summarise")
    assert (chosen.server, chosen.model_id, chosen.label) == ("Lab", "qwen", "Lab · qwen")
    assert chosen.choice == SERVER_PREFIX + "Lab"
    offered = [c.choice for c in task_choices(settings)]
    assert offered[-1] == SERVER_PREFIX + "Lab" and "second-model" in offered
    # Back to this computer: the server entry goes, the local choice is written.
    choose_task_model(settings, "summarise", "")
    assert "summarise" not in settings.tool_backends
    assert "summarise" not in settings.default_models
    assert task_model(settings, "summarise").server == ""
