"""``parley serve``: the command that starts Parley's own OpenAI-compatible API.

The server itself is :mod:`app.server` (routes, guards, streaming, uvicorn); this file only
turns the command's arguments into a :class:`~app.server.ServerConfig`, loads the local model
the way every other command does, and reports what cannot start as one line (a
:class:`~app.cli.CliError`), so the server package never needs the command line.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any

from app.cli.common import EXIT_OK, CliError, bounded, read_settings
from app.server import DEFAULT_HOST, DEFAULT_PORT, ServeError, ServerConfig, serve

if TYPE_CHECKING:
    from app.core.backend import Backend, LoadInfo

# Replies generated together by default: llama-server's default, to be confirmed by
# bench/serve.py (1, 2 and 4 clients on the starter model) on an idle machine; see
# docs/ARCHITECTURE.md, "parley serve's slots".
DEFAULT_PARALLEL = 4
MAX_PARALLEL = 16  # the engine's limit on sequences that each hold a whole context


def _parallel(text: str) -> int:
    """``--parallel``: a whole number of slots from 1 to MAX_PARALLEL."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_PARALLEL:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_PARALLEL}, not {value}")
    return value


def load_local(args: argparse.Namespace, slots: int) -> tuple[Backend, LoadInfo]:
    """The local model, loaded with a KV cache for ``slots`` whole contexts (one for each
    reply generated together), as every other command resolves it (``--model`` > the chat
    tool's default > the starter)."""
    from app.core.catalogue import resolve_model
    from app.engine.local import LocalBackend

    settings = read_settings()
    model = resolve_model(getattr(args, "model", None), tool="chat", settings=settings)
    options = settings.load_options(
        context=getattr(args, "context", None), threads=getattr(args, "threads", None)
    )
    backend = LocalBackend()
    try:
        info = backend.load(model, dataclasses.replace(options, n_seq=slots))
    except BaseException:
        backend.close()
        raise
    return backend, info


def cmd_serve(args: argparse.Namespace) -> int:
    """Load the local model and serve it until Ctrl+C."""
    if getattr(args, "server", None):
        raise CliError("parley serve runs the model on this computer; it cannot use --server")
    config = ServerConfig(
        host=args.host,
        port=args.port,
        api_key=getattr(args, "api_key", None),
        allow_network=args.allow_network,
        allow_hosts=tuple(getattr(args, "allow_host", None) or ()),
    )

    slots = args.parallel

    def load() -> tuple[Backend, LoadInfo]:
        # Whatever the chat tool is set to, serve this computer's model.
        return load_local(args, slots)

    try:
        serve(config, load, slots)
    except ServeError as exc:
        raise CliError(str(exc)) from None
    return EXIT_OK


def add_serve_command(sub: Any) -> None:
    """Register ``parley serve`` on the top-level sub-command parser."""
    serve = sub.add_parser(
        "serve",
        help="serve the local model as an OpenAI-compatible API on this computer",
        description="Serve the local model at /v1/chat/completions, /v1/completions and "
        "/v1/models. Listens on 127.0.0.1 with a random API key unless told otherwise, and "
        "answers only requests addressed to 127.0.0.1, localhost, [::1], the address it "
        "listens on or a name given with --allow-host.",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 = any free port)",
    )
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument(
        "--api-key",
        dest="api_key",
        default=argparse.SUPPRESS,
        help="the key clients must send (default: random)",
    )
    serve.add_argument(
        "--allow-network",
        action="store_true",
        help="allow an address other computers can reach (needs --api-key)",
    )
    serve.add_argument(
        "--allow-host",
        dest="allow_host",
        action="append",
        metavar="NAME",
        default=[],
        help="also answer requests addressed to this host name (repeatable), e.g. the "
        "computer's name on the network or a reverse proxy's",
    )
    serve.add_argument(
        "--parallel",
        type=_parallel,
        default=DEFAULT_PARALLEL,
        metavar="N",
        help=f"replies generated together, one per request (default {DEFAULT_PARALLEL}); "
        "more requests wait their turn; the model's memory holds N contexts",
    )
    serve.add_argument("--model", default=argparse.SUPPRESS, help="catalogue id or .gguf path")
    serve.add_argument(
        "--threads", type=bounded("threads"), default=argparse.SUPPRESS, help="CPU threads"
    )
    serve.add_argument(
        "--context", type=bounded("context_length"), default=argparse.SUPPRESS, help="context"
    )
    serve.set_defaults(func=cmd_serve)
