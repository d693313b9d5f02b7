"""Which model each task (Chat, Summarise, Translate, Sentiment) runs on: the one answer.

Why this module: the answer used to be worked out in four places that disagreed. The Models
page and Settings read ``default_models`` (an unset tool meaning the starter model), the
window let a tool share Chat's engine and so run whatever Chat had loaded, and the Servers
page's ``tool_backends`` was read only at start-up. After Qwen was made Chat's default, the
three text tools were listed as running the starter model while they ran Qwen; after a
restart they ran the starter. Every face now asks :func:`task_model`, and every choice is
written by :func:`choose_task_model`, so the pane's picker, Settings, the Models page, the
status bar and the run record say the same thing because they read the same thing.

A task runs either on this computer, with an installed model (``default_models[tool]``; unset
means the built-in starter model), or on a configured server (``tool_backends[tool]``, the
server's own model choice), never both: a server choice wins, as it always did.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.backend import ModelRef
from app.core.servers import LOCAL, list_servers, tool_server
from app.core.settings import TOOLS, Settings

log = logging.getLogger(__name__)

# A picker's data for a server choice: this prefix and the server's name. A local choice's
# data is the model id itself ("" for the starter), as the Settings dialog always stored it.
SERVER_PREFIX = "server:"


@dataclass(frozen=True)
class TaskModel:
    """Where a task runs and on what: a local model id, or a server (and its model)."""

    tool: str
    model_id: str  # the installed model's id; a server's configured model ("" = its first)
    label: str  # what the user reads: the model's name, or "server · model"
    server: str = ""  # "" = this computer

    @property
    def key(self) -> tuple[str, str]:
        """Tasks with the same key can share one engine (and its loaded model)."""
        return (self.server or LOCAL, self.model_id)

    @property
    def choice(self) -> str:
        """The picker's data for this choice (see :data:`SERVER_PREFIX`)."""
        return SERVER_PREFIX + self.server if self.server else self.model_id


@dataclass(frozen=True)
class TaskChoice:
    """One entry of a model picker: an installed model or a configured server."""

    choice: str  # see SERVER_PREFIX
    label: str
    server: str = ""


def _installed(installed: Sequence[object] | None) -> list[object]:
    """The installed models, or none when the catalogue cannot be read (never fatal here)."""
    if installed is not None:
        return list(installed)
    from app.core.catalogue import CatalogueError, installed_models

    try:
        return list(installed_models())
    except (CatalogueError, OSError) as exc:
        log.warning("installed models could not be listed: %s", exc)
        return []


def local_model_id(configured: str, installed: Sequence[object]) -> str:
    """The installed model's id for a saved default: "" and the starter's own id mean the
    starter, and a default saved under a file name (before every model had an id) is its id."""
    from app.core.catalogue import InstalledModel

    models = [m for m in installed if isinstance(m, InstalledModel)]
    configured = configured.strip()
    starter = next((m for m in models if m.builtin), None)
    if not configured:
        return starter.model_id if starter is not None else ""
    for model in models:
        if model.model_id == configured:
            return model.model_id
    for model in models:
        if not model.builtin and model.path.name == configured:
            return model.model_id
    return configured  # not installed (any more): named as saved, so the user sees which


def _model_label(model_id: str, installed: Sequence[object]) -> str:
    from app.core.catalogue import InstalledModel

    for model in installed:
        if isinstance(model, InstalledModel) and model.model_id == model_id:
            return model.name
    return Path(model_id).stem if model_id.endswith(".gguf") else model_id


def server_label(name: str, model: str) -> str:
    """ "Lab server · qwen" (or the name alone when the server picks its own model)."""
    return f"{name} · {model}" if model else name


def task_model(
    settings: Settings, tool: str, *, installed: Sequence[object] | None = None
) -> TaskModel:
    """The model ``tool`` runs on, from ``settings``: a server if one is chosen for it (and
    still configured), else its installed default, else the built-in starter model."""
    if tool not in TOOLS:
        raise ValueError(f"unknown tool {tool!r}; expected one of {', '.join(TOOLS)}")
    server = tool_server(settings, tool)
    if server is not None:
        return TaskModel(tool, server.model, server_label(server.name, server.model), server.name)
    models = _installed(installed)
    model_id = local_model_id(settings.default_models.get(tool, ""), models)
    return TaskModel(tool, model_id, _model_label(model_id, models))


def task_choices(
    settings: Settings, *, installed: Sequence[object] | None = None
) -> list[TaskChoice]:
    """What a model picker offers: every installed model, then every configured server."""
    from app.core.catalogue import InstalledModel

    choices = [
        TaskChoice(m.model_id, m.name)
        for m in _installed(installed)
        if isinstance(m, InstalledModel)
    ]
    choices += [
        TaskChoice(SERVER_PREFIX + s.name, server_label(s.name, s.model), s.name)
        for s in list_servers(settings)
    ]
    return choices


def choose_task_model(settings: Settings, tool: str, choice: str) -> None:
    """Make ``tool`` run on ``choice`` (a picker's data): a server, or an installed model on
    this computer ("" for the starter model, stored as no default, as Settings always did)."""
    if tool not in TOOLS:
        raise ValueError(f"unknown tool {tool!r}; expected one of {', '.join(TOOLS)}")
    if choice.startswith(SERVER_PREFIX):
        from app.core.servers import set_tool_backend

        set_tool_backend(settings, tool, choice.removeprefix(SERVER_PREFIX))
        return
    settings.tool_backends.pop(tool, None)  # this computer, as when nothing is chosen
    if choice:
        settings.default_models[tool] = choice
    else:
        settings.default_models.pop(tool, None)


def task_model_ref(settings: Settings, tool: str) -> ModelRef:
    """What the engine loads for ``tool``: the resolved local model, or for a server a
    reference naming its model (the server loads it; the path is not used)."""
    server = tool_server(settings, tool)
    if server is not None:
        return ModelRef(
            path=Path(server.base_url),
            model_id=server.model,
            display_name=server_label(server.name, server.model),
        )
    from app.core.catalogue import resolve_model

    return resolve_model(None, tool=tool, settings=settings)
