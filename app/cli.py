"""The ``parley`` command: the GUI by default, and the same core pipelines in a terminal.

Errors are printed as one clear line on stderr with a non-zero exit code, never a traceback
(set ``PARLEY_DEBUG=1`` to see one). Heavy imports (Qt, the engine client) happen inside the
commands that need them so ``parley --help`` and ``parley models list`` start instantly.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from app import APP_NAME, __version__

if TYPE_CHECKING:
    from app.core.backend import Backend, ChatMessage, Event, LoadInfo, SamplingParams
    from app.core.settings import Settings

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A failure to report as one line on stderr."""


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exception types whose message is already written for the user."""
    from app.core.backend import BackendError
    from app.core.catalogue import CatalogueError, ModelNotFoundError
    from app.core.gguf import InvalidModelError

    errors: list[type[BaseException]] = [
        CliError,
        BackendError,
        CatalogueError,
        ModelNotFoundError,
        InvalidModelError,
    ]
    try:
        from app.core.history import HistoryOpenError

        errors.append(HistoryOpenError)
    except ImportError:  # pragma: no cover - only while the store is being built
        pass
    return tuple(errors)


def _load_settings() -> Settings:
    from app.core.settings import load_settings

    loaded = load_settings()
    if loaded.warning:
        print(f"warning: {loaded.warning}", file=sys.stderr)
    return loaded.settings


def _start_backend(
    args: argparse.Namespace, settings: Settings, tool: str
) -> tuple[Backend, LoadInfo]:
    """The backend for ``tool``, loaded: a server (``--server`` or the tool's setting, see
    app.engine.factory) or the local engine with the resolved model (``--model`` > default
    for the tool > starter)."""
    from app.core.backend import LoadOptions

    remote = _start_remote(args, settings, tool)
    if remote is not None:
        return remote
    from app.core.catalogue import resolve_model
    from app.engine.local import LocalBackend

    model = resolve_model(getattr(args, "model", None), tool=tool, settings=settings)
    gpu_layers: int | str = "auto"
    if settings.gpu_offload == "cpu":
        gpu_layers = 0
    elif settings.gpu_offload.lstrip("-").isdigit():
        gpu_layers = int(settings.gpu_offload)
    options = LoadOptions(
        n_ctx=getattr(args, "context", None) or settings.context_length,
        n_batch=settings.batch_size,
        n_threads=getattr(args, "threads", None) or settings.effective_threads(),
        gpu_layers=gpu_layers,  # type: ignore[arg-type]
        flash_attn=settings.flash_attention,
    )
    backend = LocalBackend()
    try:
        info = backend.load(model, options)
    except BaseException:
        backend.close()
        raise
    return backend, info


def _start_remote(
    args: argparse.Namespace, settings: Settings, tool: str
) -> tuple[Backend, LoadInfo] | None:
    """Connect to the server the tool runs on, if any; with ``--server`` ``--model`` names
    the server's model rather than a catalogue entry."""
    from pathlib import Path

    from app.core.backend import LoadOptions, ModelRef
    from app.engine.factory import open_remote, remote_choice

    choice = remote_choice(
        settings,
        tool,
        server=getattr(args, "server", None),
        api_key=getattr(args, "api_key", None),
        model=getattr(args, "model", None) if getattr(args, "server", None) else None,
    )
    if choice is None:
        return None
    backend = open_remote(choice)
    try:
        info = backend.load(
            ModelRef(path=Path(), model_id=choice.server.model),
            LoadOptions(n_ctx=getattr(args, "context", None) or settings.context_length),
        )
    except BaseException:
        backend.close()
        raise
    for note in info.notes:
        print(f"note: {note}", file=sys.stderr)
    return backend, info


def _drain(
    events: Iterator[Event],
    out: TextIO | _NullOut,
    on_text: Callable[[str], None] | None = None,
) -> tuple[str, str, Any]:
    """Print tokens as they arrive; return (text, stop reason, stats)."""
    from app.core.backend import Done, Error, Stats, Token

    parts: list[str] = []
    reason = "stop"
    stats: Any = None
    error: str | None = None
    for event in events:
        match event:
            case Token(text=text):
                parts.append(text)
                out.write(text)
                out.flush()
                if on_text is not None:
                    on_text("".join(parts))
            case Stats():
                stats = event
            case Error(message=message):
                error = message
            case Done(reason=done_reason):
                reason = done_reason
    if error is not None:
        raise CliError(error)
    return "".join(parts), reason, stats


def _read_message(text: str) -> str:
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        raise CliError("the message is empty")
    return text


def _sampling(args: argparse.Namespace, model_id: str) -> SamplingParams:
    from dataclasses import replace

    from app.core.catalogue import default_sampling

    params = default_sampling(model_id)
    overrides: dict[str, Any] = {}
    if args.max_tokens is not None:
        overrides["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        overrides["temperature"] = args.temperature
    if args.seed is not None:
        overrides["seed"] = args.seed
    return replace(params, **overrides)


def cmd_chat(args: argparse.Namespace) -> int:
    """Stream one reply to stdout, saving the exchange to history like the GUI does."""
    settings = _load_settings()
    message = _read_message(args.message)
    store = None
    conversation_id: int | None = None
    messages: list[ChatMessage] = []
    parent_id: int | None = None
    if args.system:
        messages.append({"role": "system", "content": args.system})
    if not args.no_save:
        from app.core.history import HistoryStore

        store = HistoryStore.open()
        store.recover_interrupted()
    try:
        if store is not None and args.conversation is not None:
            conversation = store.get_conversation(args.conversation)
            if conversation is None:
                raise CliError(f"there is no conversation {args.conversation}")
            conversation_id = conversation.id
            thread = store.thread(conversation.id)
            if conversation.system_prompt and not args.system:
                messages.append({"role": "system", "content": conversation.system_prompt})
            for item in thread:
                if item.role == "user" and item.text:
                    messages.append({"role": "user", "content": item.text})
                elif item.role == "assistant" and item.text:
                    messages.append({"role": "assistant", "content": item.text})
            parent_id = thread[-1].id if thread else None
        backend, info = _start_backend(args, settings, "chat")
        try:
            messages.append({"role": "user", "content": message})
            reply_id: int | None = None
            if store is not None:
                if conversation_id is None:
                    title = " ".join(message.split())[:60]
                    conversation = store.create_conversation(
                        title=title, model_id=info.model_id, system_prompt=args.system or ""
                    )
                    conversation_id = conversation.id
                    print(f"conversation {conversation_id}", file=sys.stderr)
                user = store.add_message(
                    conversation_id, "user", message, parent_id=parent_id, model_id=info.model_id
                )
                reply_id = store.start_reply(conversation_id, user.id, info.model_id).id
            checkpoint = _Checkpointer(store, reply_id)
            params = _sampling(args, info.model_id)
            status = "failed"
            text = ""
            try:
                text, reason, stats = _drain(
                    backend.stream(messages, params), sys.stdout, checkpoint.maybe_save
                )
                status = "complete" if reason in ("stop", "length") else "stopped"
                sys.stdout.write("\n")
                if store is not None and reply_id is not None:
                    store.finish_reply(
                        reply_id,
                        text,
                        status=status,
                        prompt_tokens=getattr(stats, "prompt_tokens", None),
                        generated_tokens=getattr(stats, "generated_tokens", None),
                        tokens_per_s=getattr(stats, "tokens_per_s", None),
                        ttft_s=getattr(stats, "ttft_s", None),
                        stop_reason=reason,
                    )
                    reply_id = None
                if args.verbose and stats is not None:
                    print(
                        f"{stats.generated_tokens} tokens, {stats.tokens_per_s:.1f} tokens/s, "
                        f"first token after {stats.ttft_s:.2f} s",
                        file=sys.stderr,
                    )
            finally:
                if store is not None and reply_id is not None:
                    # Interrupted (Ctrl+C) or failed: keep what was written.
                    backend.cancel()
                    store.finish_reply(
                        reply_id,
                        checkpoint.text,
                        status="stopped" if status != "failed" else "failed",
                        stop_reason="cancelled",
                    )
        finally:
            backend.close()
    finally:
        if store is not None:
            store.close()
    return EXIT_OK


class _Checkpointer:
    """Saves the streaming reply about once a second so a crash loses at most a second."""

    def __init__(self, store: Any, reply_id: int | None, every_s: float = 1.0) -> None:
        self.store = store
        self.reply_id = reply_id
        self.every_s = every_s
        self.text = ""
        self._last = time.monotonic()

    def maybe_save(self, text: str) -> None:
        self.text = text
        if self.store is None or self.reply_id is None:
            return
        now = time.monotonic()
        if now - self._last >= self.every_s:
            self.store.update_reply(self.reply_id, text)
            self._last = now


def _open_history() -> Any:
    from app.core.history import HistoryStore

    store = HistoryStore.open()
    store.recover_interrupted()
    return store


def cmd_history_list(args: argparse.Namespace) -> int:
    """Conversations, pinned first, then the most recently updated."""
    store = _open_history()
    try:
        conversations = store.list_conversations()
    finally:
        store.close()
    if args.format == "json":
        rows = [
            {
                "id": c.id,
                "title": c.title,
                "model": c.model_id,
                "pinned": c.pinned,
                "messages": c.message_count,
                "created": c.created.isoformat(),
                "updated": c.updated.isoformat(),
            }
            for c in conversations
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not conversations:
        print("no conversations yet", file=sys.stderr)
    for c in conversations:
        pin = "*" if c.pinned else " "
        when = c.updated.strftime("%Y-%m-%d %H:%M")
        print(f"{c.id:>6} {pin} {when}  {c.message_count:>4} msgs  {c.title}")
    return EXIT_OK


def cmd_history_search(args: argparse.Namespace) -> int:
    """Full-text search across every message; hits are bracketed on a terminal."""
    store = _open_history()
    try:
        hits = store.search(args.query, limit=args.limit)
    finally:
        store.close()
    if args.format == "json":
        rows = [
            {
                "conversation": h.conversation_id,
                "message": h.message_id,
                "title": h.title,
                "role": h.role,
                "snippet": h.snippet.replace("\x02", "").replace("\x03", ""),
            }
            for h in hits
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    tty = sys.stdout.isatty()
    start, end = ("\x1b[1;33m", "\x1b[0m") if tty else ("[", "]")
    for h in hits:
        snippet = " ".join(h.snippet.replace("\x02", start).replace("\x03", end).split())
        print(f"{h.conversation_id:>6}  {h.title}  ({h.role}): {snippet}")
    if not hits:
        print(f"nothing matches {args.query!r}", file=sys.stderr)
    return EXIT_OK


def cmd_history_export(args: argparse.Namespace) -> int:
    """One conversation (or all with ``all``) as Markdown or JSON on stdout."""
    store = _open_history()
    try:
        ids: list[int] | None = None
        if args.id != "all":
            if not args.id.isdigit() or store.get_conversation(int(args.id)) is None:
                raise CliError(f"there is no conversation {args.id}")
            ids = [int(args.id)]
        if args.format == "json":
            text = json.dumps(store.export_json(ids), indent=2, ensure_ascii=False)
        else:
            text = store.export_markdown(ids)
    finally:
        store.close()
    if args.output:
        from pathlib import Path

        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return EXIT_OK


def cmd_history_import(args: argparse.Namespace) -> int:
    """Import conversations exported as JSON (by Parley, on this or another computer)."""
    from pathlib import Path

    source = sys.stdin.read() if args.file == "-" else None
    if source is None:
        path = Path(args.file)
        if not path.is_file():
            raise CliError(f"{args.file} is not a file")
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"{args.file} could not be read: {exc}") from exc
    try:
        data = json.loads(source)
    except json.JSONDecodeError as exc:
        raise CliError(f"{args.file} is not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    store = _open_history()
    try:
        try:
            ids = store.import_json(data)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
    finally:
        store.close()
    print(f"imported {len(ids)} conversation(s): {' '.join(map(str, ids))}", file=sys.stderr)
    return EXIT_OK


def cmd_models_list(args: argparse.Namespace) -> int:
    """The catalogue with what is installed, as a table or JSON."""
    from app.core.catalogue import installed_models, load_catalogue

    entries = load_catalogue()
    installed = {m.model_id for m in installed_models() if getattr(m, "model_id", "")}
    if args.format == "json":
        rows = [
            {
                "id": e.id,
                "name": e.name,
                "params_b": e.params_b,
                "quant": e.quant,
                "size_bytes": e.size_bytes,
                "context_length": e.context_length,
                "languages": list(e.languages),
                "license": e.license,
                "builtin": e.builtin,
                "installed": e.id in installed,
            }
            for e in entries
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{'ID':32} {'PARAMS':>7} {'QUANT':8} {'SIZE':>9}  {'LANGUAGES':18} INSTALLED")
    for e in entries:
        langs = ",".join(e.languages[:5]) + ("…" if len(e.languages) > 5 else "")
        mark = "built-in" if e.builtin else ("yes" if e.id in installed else "")
        print(
            f"{e.id:32} {e.params_b:>6.2f}B {e.quant:8} {e.size_bytes / 1e9:>7.2f}GB  "
            f"{langs:18} {mark}"
        )
    return EXIT_OK


def self_test(args: argparse.Namespace) -> int:
    """Load the model, generate a few tokens, print a one-line JSON report; no display needed."""
    from app.core.backend import SamplingParams

    settings = _load_settings()
    started = time.monotonic()
    backend, info = _start_backend(args, settings, "chat")
    try:
        params = SamplingParams(max_tokens=16, temperature=0.0, seed=1)
        text, _reason, stats = _drain(
            backend.stream([{"role": "user", "content": "Say hello."}], params), _NullOut()
        )
    finally:
        backend.close()
    if not text.strip():
        raise CliError("the self-test generated no text")
    report = {
        "ok": True,
        "version": __version__,
        "model": info.model_id,
        "llama_cpp_python": info.engine_version,
        "system_info": info.system_info,
        "device": info.device,
        "gpu_layers": info.gpu_layers,
        "n_threads": info.n_threads,
        "tokens_per_s": round(stats.tokens_per_s, 1) if stats else None,
        "ttft_s": round(stats.ttft_s, 3) if stats else None,
        "total_s": round(time.monotonic() - started, 2),
        "frozen": bool(getattr(sys, "frozen", False)),
    }
    print(json.dumps(report, ensure_ascii=False))
    return EXIT_OK


class _NullOut:
    """A sink for tokens the self-test generates but does not show."""

    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        return None


def cmd_gui(args: argparse.Namespace) -> int:
    """Start the desktop app."""
    from app.gui.main import run_gui

    return run_gui(sys.argv[:1], model_spec=args.model)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; sub-commands add their own options."""
    parser = argparse.ArgumentParser(
        prog="parley",
        description=f"{APP_NAME}: chat, summarise, translate and read sentiment offline.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--model", help="catalogue id or path of a .gguf file to use")
    parser.add_argument("--threads", type=int, help="CPU threads for the model (default: all)")
    parser.add_argument("--context", type=int, help="context window in tokens")
    _add_server_options(parser, None)
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="load the model, generate a few tokens and print a JSON report",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = sub.add_parser("chat", help="send one message and stream the reply")
    chat.add_argument("message", help="the message, or - to read it from stdin")
    chat.add_argument("--system", help="system prompt")
    chat.add_argument("--max-tokens", type=int, dest="max_tokens")
    chat.add_argument("--temperature", type=float)
    chat.add_argument("--seed", type=int)
    chat.add_argument("--no-save", action="store_true", help="do not save to history")
    chat.add_argument("--conversation", type=int, help="continue the conversation with this id")
    chat.add_argument("-v", "--verbose", action="store_true", help="print speed figures")
    chat.set_defaults(func=cmd_chat)

    models = sub.add_parser("models", help="the model catalogue and installed models")
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    models_list = models_sub.add_parser("list", help="list catalogue and installed models")
    models_list.add_argument("--format", choices=("table", "json"), default="table")
    models_list.set_defaults(func=cmd_models_list)
    from app.cli_models import add_models_commands

    add_models_commands(models_sub)

    history = sub.add_parser("history", help="saved conversations")
    history_sub = history.add_subparsers(dest="history_command", metavar="ACTION", required=True)
    h_list = history_sub.add_parser("list", help="list conversations")
    h_list.add_argument("--format", choices=("table", "json"), default="table")
    h_list.set_defaults(func=cmd_history_list)
    h_search = history_sub.add_parser("search", help="search every message")
    h_search.add_argument("query")
    h_search.add_argument("--limit", type=int, default=50)
    h_search.add_argument("--format", choices=("text", "json"), default="text")
    h_search.set_defaults(func=cmd_history_search)
    h_export = history_sub.add_parser("export", help="export a conversation (or 'all')")
    h_export.add_argument("id", help="conversation id, or 'all'")
    h_export.add_argument("--format", choices=("md", "json"), default="md")
    h_export.add_argument("-o", "--output", help="write to this file instead of stdout")
    h_export.set_defaults(func=cmd_history_export)
    h_import = history_sub.add_parser("import", help="import conversations from a JSON export")
    h_import.add_argument("file", help="JSON file, or - for stdin")
    h_import.set_defaults(func=cmd_history_import)

    from app.cli_tools import add_tool_commands

    add_tool_commands(sub)
    from app.cli_serve import add_serve_command

    add_serve_command(sub)

    _add_model_option(chat)
    return parser


def _add_model_option(sub: argparse.ArgumentParser) -> None:
    """Let ``--model`` and ``--threads`` also follow the sub-command (``parley chat --model X``)."""
    sub.add_argument("--model", default=argparse.SUPPRESS, help="catalogue id or .gguf path")
    sub.add_argument("--threads", type=int, default=argparse.SUPPRESS, help="CPU threads")
    sub.add_argument("--context", type=int, default=argparse.SUPPRESS, help="context tokens")
    _add_server_options(sub, argparse.SUPPRESS)


def _add_server_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """``--server``/``--api-key``: run the command on an OpenAI-compatible server."""
    parser.add_argument(
        "--server",
        default=default,
        metavar="URL|NAME",
        help="run on an OpenAI-compatible server (an address, a server saved in the app, or "
        "'local'); --model then names the server's model",
    )
    parser.add_argument(
        "--api-key",
        dest="api_key",
        default=default,
        metavar="KEY",
        help="API key for --server (default: the saved key or $PARLEY_API_KEY)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``parley`` console script (and of the frozen app)."""
    multiprocessing.freeze_support()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.self_test:
            return self_test(args)
        func: Callable[[argparse.Namespace], int] = getattr(args, "func", cmd_gui)
        return func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("PARLEY_DEBUG"):
            raise
        if isinstance(exc, _user_errors()):
            print(f"error: {exc}", file=sys.stderr)
        else:
            print(f"error: unexpected failure ({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_ERROR


def gui_main() -> int:
    """Entry point of the ``parley-gui`` script (no console window on Windows)."""
    return main([])


if __name__ == "__main__":
    sys.exit(main())
