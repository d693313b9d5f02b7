"""Which backend a tool runs on: the one place the CLI and the GUI decide local or server.

The order is: an explicit choice (``--server URL|NAME``, or ``local``) > the tool's setting in
``settings.tool_backends`` > this computer. A server named in settings brings its model and
its key (from the keyring); an address typed on the command line takes ``--api-key`` or the
``PARLEY_API_KEY`` environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from app.core.backend import BackendError
from app.core.servers import (
    KEY_ENV,
    LOCAL,
    ServerConfig,
    ServerConfigError,
    find_server,
    host_label,
    key_store,
    normalise_base_url,
    tool_server,
)
from app.core.settings import Settings
from app.engine.openai_compat import OpenAICompatBackend


@dataclass(frozen=True)
class RemoteChoice:
    """A server to run on, with the key to use (empty: none)."""

    server: ServerConfig
    api_key: str = ""


def remote_choice(
    settings: Settings,
    tool: str,
    *,
    server: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
) -> RemoteChoice | None:
    """The server ``tool`` should run on, or None for the local engine.

    ``server`` may be a configured server's name or an address; ``"local"`` forces the local
    engine whatever the settings say. BackendError explains an unusable address.
    """
    if server is not None and server.strip().lower() == LOCAL:
        return None
    if server is None or not server.strip():
        chosen = tool_server(settings, tool)
        if chosen is None:
            return None
    else:
        chosen = find_server(settings, server)
        if chosen is None:
            try:
                url = normalise_base_url(server)
            except ServerConfigError as exc:
                raise BackendError(str(exc)) from None
            chosen = ServerConfig(host_label(url), url)
    if model:
        chosen = ServerConfig(chosen.name, chosen.base_url, model)
    key = api_key if api_key is not None else key_store().get(chosen.name)
    return RemoteChoice(chosen, key or os.environ.get(KEY_ENV, ""))


def open_remote(choice: RemoteChoice) -> OpenAICompatBackend:
    """A backend for the chosen server (nothing is sent until ``load``)."""
    return OpenAICompatBackend(
        choice.server.base_url, api_key=choice.api_key, model=choice.server.model
    )
