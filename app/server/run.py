"""Starting the server: the address, the key, the socket, uvicorn, and what is printed.

Safety by default: the API listens on 127.0.0.1 and every request needs a key, random unless
one is given, printed once at start (``API key: <key>``). Listening on another address needs
``allow_network`` *and* an explicit key, so a key nobody chose is never exposed on a network.

The socket is bound before the model loads, so a busy port is an error at once rather than
after a load of many seconds, and port 0 (any free port) prints the port actually given.
"""

from __future__ import annotations

import secrets
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.server.guards import DEFAULT_HOST, HostPolicy, is_loopback

if TYPE_CHECKING:
    from app.core.backend import Backend, LoadInfo

DEFAULT_PORT = 8642
MIN_KEY_LENGTH = 8


class ServeError(Exception):
    """The server cannot start as configured; the message is one line for the user."""


@dataclass(frozen=True)
class ServerConfig:
    """Where the server listens and whom it answers, as the user asked for it."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    # None: a random key, printed at start.
    api_key: str | None = None
    # Whether an address other computers can reach may be used (and then needs api_key).
    allow_network: bool = False
    # Host names answered besides loopback, localhost and the address listened on.
    allow_hosts: tuple[str, ...] = ()


def host_policy(config: ServerConfig) -> HostPolicy:
    """The checked configuration's Host policy; :class:`ServeError` for a configuration
    that would expose the API unsafely or cannot work."""
    host = config.host
    if not is_loopback(host):
        if not config.allow_network:
            raise ServeError(
                f"{host} is reachable from other computers; add --allow-network (and --api-key) "
                "if that is what you want"
            )
        if not config.api_key:
            raise ServeError(f"serving on {host} needs an explicit --api-key")
    if config.api_key is not None and len(config.api_key) < MIN_KEY_LENGTH:
        raise ServeError(f"the API key must be at least {MIN_KEY_LENGTH} characters")
    if not 0 <= config.port <= 65535:
        raise ServeError(f"--port must be between 0 and 65535, not {config.port}")
    try:
        return HostPolicy.for_bind(host, config.allow_hosts)
    except ValueError as exc:
        raise ServeError(f"--allow-host {exc} is not a host name or IP address") from None


def bind(config: ServerConfig) -> socket.socket:
    """A socket bound to the configured address (not yet listening); :class:`ServeError`
    when the port is taken or the address is not this computer's."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as exc:
        sock.close()
        raise ServeError(
            f"cannot listen on {config.host}:{config.port} ({exc.strerror or exc})"
        ) from None
    return sock


def serve(
    config: ServerConfig, load: Callable[[], tuple[Backend, LoadInfo]], slots: int = 1
) -> None:
    """Check ``config``, bind, serve while loading the model with ``load``, until Ctrl+C.

    ``load`` is the caller's, so how a model is chosen and loaded (settings, ``--model``) stays
    with the command line. It runs on a thread while uvicorn already answers, so ``/health``
    can say the model is loading (a 503, as llama-server does); the address and key are
    printed once the model is ready. Whatever ``load`` raises stops the server and is raised
    here, after the socket is closed. ``slots`` is how many replies are generated together.
    """
    import uvicorn

    from app.core.catalogue import default_sampling
    from app.server.app import Engine, build_engine_app

    policy = host_policy(config)
    key = config.api_key or secrets.token_urlsafe(24)
    sock = bind(config)
    engine = Engine(slots)
    loaded: list[Backend] = []
    failed: list[BaseException] = []
    try:
        app = build_engine_app(engine, key, policy)
        port = sock.getsockname()[1]
        host = config.host
        shown = f"[{host}]" if ":" in host else host
        # Listen before loading: a client that connects early waits in the backlog until
        # uvicorn accepts, and then hears that the model is loading, instead of being refused.
        sock.listen(128)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                log_level="warning",
                lifespan="off",
                access_log=False,
                timeout_graceful_shutdown=5,
            )
        )

        def load_model() -> None:
            try:
                backend, info = load()
            except BaseException as exc:
                failed.append(exc)
                server.should_exit = True
                return
            loaded.append(backend)
            model_id = info.model_id or info.path.rsplit("/", 1)[-1].removesuffix(".gguf")
            engine.ready(backend, model_id, default_sampling(info.model_id))
            print(f"Parley API for {model_id} on {info.device}: http://{shown}:{port}/v1")
            print(f"API key: {key}")
            print("Press Ctrl+C to stop.", flush=True)

        loader = threading.Thread(target=load_model, name="parley-serve-load", daemon=True)
        loader.start()
        try:
            server.run(sockets=[sock])
        finally:
            loader.join()  # a load under way finishes, so its engine is closed below
            gate = engine.gate
            if gate is not None and hasattr(gate, "close"):
                gate.close()
            for backend in loaded:
                backend.close()
    finally:
        sock.close()
    if failed:
        raise failed[0]
    print("stopped", file=sys.stderr)
