"""Parley's own OpenAI-compatible API (``parley serve``), backed by the local engine.

Other programs on the computer (editors, scripts, the official ``openai`` client) can then use
the model Parley runs, through ``/v1/chat/completions`` (streaming or not), ``/v1/completions``
and ``/v1/models``. Starlette and uvicorn serve HTTP; no HTTP is written by hand, and both are
imported only when a server starts, so the command line that registers ``serve`` stays quick.

The package is the server alone, Qt-free and command-line-free (an import-linter contract
says so): ``run`` starts it from a :class:`ServerConfig` and a function that loads the model,
``app`` builds the routes, ``guards`` checks Host, key and body, ``requests`` turns bodies into
the engine's types, ``gate`` runs one generation at a time, ``replies`` and ``streaming`` write
the answers, and ``errors`` gives every refusal OpenAI's shape.
"""

from app.server.app import build_app
from app.server.guards import DEFAULT_HOST, HostPolicy, is_loopback
from app.server.run import DEFAULT_PORT, ServeError, ServerConfig, serve

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "HostPolicy",
    "ServeError",
    "ServerConfig",
    "build_app",
    "is_loopback",
    "serve",
]
