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


def bounded(key: str) -> Callable[[str], Any]:
    """An argparse ``type`` for a numeric option with the bound every face shares
    (app.core.limits): ``--threads 5000`` is refused with the reason before anything loads."""
    from app.core import limits

    def parse(text: str) -> int | float:
        b = limits.bound(key)
        try:
            value: int | float = int(text) if b.integer else float(text)
        except ValueError:
            kind = "a whole number" if b.integer else "a number"
            raise argparse.ArgumentTypeError(f"must be {kind} {b.describe()}") from None
        wrong = limits.problem(key, value)
        if wrong is not None:
            raise argparse.ArgumentTypeError(wrong)
        return value

    parse.__name__ = key  # argparse names the type in some messages
    return parse


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exception types whose message is already written for the user."""
    from app.core.backend import BackendError
    from app.core.catalogue import CatalogueError, ModelNotFoundError
    from app.core.extract import InputError
    from app.core.files import SaveError
    from app.core.gguf import InvalidModelError
    from app.core.limits import LimitError

    errors: list[type[BaseException]] = [
        CliError,
        BackendError,
        CatalogueError,
        ModelNotFoundError,
        InvalidModelError,
        InputError,
        SaveError,
        LimitError,
    ]
    try:
        from app.core.history import HistoryError

        errors.append(HistoryError)
    except ImportError:  # pragma: no cover - SQLAlchemy missing from a broken install
        pass
    return tuple(errors)


def _os_error_words(exc: OSError) -> str:
    """An error of the computer (disk full, permission, a missing file) in the app's words."""
    from app.core.files import describe_os_error

    what = describe_os_error(exc)
    return f"{exc.filename}: {what}" if exc.filename else what


def _log_to_file() -> None:
    """Send the app's and libraries' log records to ``parley.log``, not the terminal.

    Without a handler, Python prints warnings of any library (a model cache that cannot be
    written, pypdf's complaints about a damaged file) raw between Parley's own messages. The
    log folder falls back to a private temporary one when it is not writable (a read-only
    ``PARLEY_HOME``), and the user is told once.
    """
    import logging
    from logging.handlers import RotatingFileHandler

    from app.core.paths import log_dir

    root = logging.getLogger()
    if root.handlers:  # set up by the embedding program (or by a test runner)
        return
    try:
        folder, note = log_dir()
        handler: logging.Handler = RotatingFileHandler(
            folder / "parley.log", maxBytes=1 << 20, backupCount=1, encoding="utf-8"
        )
    except OSError:
        handler, note = logging.NullHandler(), "logs are off: no folder for them is writable"
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    if note:
        print(f"note: {note}", file=sys.stderr)


def _report_unexpected(exc: BaseException) -> str:
    """Write the traceback of a real bug to the log; say where it is (or how to see it)."""
    import traceback

    from app.core.paths import log_dir

    try:
        folder, _note = log_dir()
        path = folder / "parley.log"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} parley {__version__}\n")
            handle.write("".join(traceback.format_exception(exc)))
    except OSError:
        return "run the command again with PARLEY_DEBUG=1 to see the details"
    return f"the details are in {path}"


_warned: set[str] = set()


def _load_settings() -> Settings:
    """The user's settings; a warning about the file is printed once per command, however
    many parts of the command read the settings."""
    from app.core.settings import load_settings

    loaded = load_settings()
    if loaded.warning and loaded.warning not in _warned:
        _warned.add(loaded.warning)
        print(f"warning: {loaded.warning}", file=sys.stderr)
    return loaded.settings


def _start_backend(
    args: argparse.Namespace, settings: Settings, tool: str
) -> tuple[Backend, LoadInfo]:
    """The backend for ``tool``, loaded: a server (``--server`` or the tool's setting, see
    app.engine.factory) or the local engine with the resolved model (``--model`` > default
    for the tool > starter)."""
    remote = _start_remote(args, settings, tool)
    if remote is not None:
        return remote
    from app.core.catalogue import resolve_model
    from app.engine.local import LocalBackend

    model = resolve_model(getattr(args, "model", None), tool=tool, settings=settings)
    options = settings.load_options(
        context=getattr(args, "context", None), threads=getattr(args, "threads", None)
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
    """The message from the command line or stdin (``-``), as clean text.

    Bytes that are not UTF-8 (a Latin-1 file piped in, ``$(printf 'caf\\xe9')``) reach
    Python as lone surrogates that SQLite refuses; they are decoded the way the text tools
    decode a file (legacy encodings guessed, with a note), and the size is capped as theirs
    is, so a 10 MB paste is refused with a message rather than stored.
    """
    from app.core.extract import MAX_TEXT_BYTES, InputError, decode_text

    if text == "-":
        data = sys.stdin.buffer.read(MAX_TEXT_BYTES + 1)
        name = "The message on stdin"
    else:
        data = os.fsencode(text)
        name = "The message"
    if len(data) > MAX_TEXT_BYTES:
        raise CliError(
            f"{name} is too large: Parley takes at most "
            f"{MAX_TEXT_BYTES // (1024 * 1024)} MB at a time. For a long document use "
            "parley summarise, which works on it in parts."
        )
    try:
        decoded, _encoding, notes = decode_text(data, name)
    except InputError as exc:
        raise CliError(exc.message) from None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    decoded = decoded.replace("\r\n", "\n").removeprefix("\ufeff")
    if not decoded.strip():
        raise CliError("the message is empty")
    return decoded


def _sampling(
    args: argparse.Namespace, model_id: str, conversation: Any = None
) -> tuple[SamplingParams, int]:
    """The model's defaults, the conversation's own settings on top (as the window uses
    them), then this command's options; and the conversation's context limit."""
    from dataclasses import replace

    from app.core.catalogue import default_sampling
    from app.core.chat import conversation_params

    params, context_limit = conversation_params(default_sampling(model_id), conversation)
    overrides: dict[str, Any] = {}
    if args.max_tokens is not None:
        overrides["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        overrides["temperature"] = args.temperature
    if args.seed is not None:
        overrides["seed"] = args.seed
    return replace(params, **overrides), context_limit


def cmd_chat(args: argparse.Namespace) -> int:
    """Stream one reply to stdout, saving the exchange to history like the GUI does.

    The reply on stdout is never lost: Ctrl+C keeps what was written (saved as stopped), and
    a history that stops being writable mid-reply ends the reply with a message instead of
    taking the text with it.
    """
    from app.core.chat import chat_messages
    from app.core.history import HistoryError

    settings = _load_settings()
    message = _read_message(args.message)
    store = None
    conversation: Any = None
    conversation_id: int | None = None
    messages: list[ChatMessage] = []
    parent_id: int | None = None
    if not args.no_save:
        store = _open_history()
    elif args.conversation is not None:
        raise CliError("--conversation needs the history; leave out --no-save")
    try:
        if store is not None and args.conversation is not None:
            conversation = store.get_conversation(args.conversation)
            if conversation is None:
                raise CliError(f"there is no conversation {args.conversation}")
            conversation_id = conversation.id
            thread = store.thread(conversation.id)
            messages, _ids = chat_messages(args.system or conversation.system_prompt, thread)
            parent_id = thread[-1].id if thread else None
        elif args.system:
            messages.append({"role": "system", "content": args.system})
        backend, info = _start_backend(args, settings, "chat")
        try:
            messages.append({"role": "user", "content": message})
            params, context_limit = _sampling(args, info.model_id, conversation)
            messages = _fitted(backend, messages, params, context_limit)
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
            try:
                text, reason, stats = _drain(
                    backend.stream(messages, params), sys.stdout, checkpoint.maybe_save
                )
            except KeyboardInterrupt:
                backend.cancel()
                sys.stdout.write("\n")
                checkpoint.finish("stopped", stop_reason="cancelled", quiet=True)
                raise
            except HistoryError as exc:
                backend.cancel()
                sys.stdout.write("\n")
                raise CliError(
                    f"{exc} The reply stopped there; what was written is above."
                ) from None
            except CliError:
                sys.stdout.write("\n")
                checkpoint.finish("failed", stop_reason="error", quiet=True)
                raise
            sys.stdout.write("\n")
            status = "complete" if reason in ("stop", "length") else "stopped"
            try:
                checkpoint.finish(status, stop_reason=reason, stats=stats, text=text)
            except HistoryError as exc:
                raise CliError(f"{exc} The reply is above; it was not saved.") from None
            if args.verbose and stats is not None:
                print(
                    f"{stats.generated_tokens} tokens, {stats.tokens_per_s:.1f} tokens/s, "
                    f"first token after {stats.ttft_s:.2f} s",
                    file=sys.stderr,
                )
        finally:
            backend.close()
    finally:
        if store is not None:
            store.close()
    return EXIT_OK


def _fitted(
    backend: Backend, messages: list[ChatMessage], params: SamplingParams, context_limit: int
) -> list[ChatMessage]:
    """The conversation cut to the context policy the window uses; says what was left out."""
    from app.core.chat import fit_turn
    from app.core.context import overflow_message

    fit = fit_turn(backend, messages, params, context_limit)
    if not fit.fits:
        raise CliError(overflow_message(fit.tokens, fit.budget))
    if fit.dropped_count:
        print(
            f"note: {fit.dropped_count} earlier message(s) were left out to fit the context",
            file=sys.stderr,
        )
    return list(fit.messages)


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

    def finish(
        self,
        status: str,
        *,
        stop_reason: str,
        stats: Any = None,
        text: str | None = None,
        quiet: bool = False,
    ) -> None:
        """Save the reply's last text and status once; later calls do nothing.

        ``quiet`` is for the way out after Ctrl+C or a failure: a second error must not hide
        the first, so a history problem then is only logged.
        """
        if self.store is None or self.reply_id is None:
            return
        reply_id, self.reply_id = self.reply_id, None
        final = self.text if text is None else text
        kwargs: dict[str, Any] = {"status": status, "stop_reason": stop_reason}
        if stats is not None:
            kwargs.update(
                prompt_tokens=stats.prompt_tokens,
                generated_tokens=stats.generated_tokens,
                tokens_per_s=stats.tokens_per_s,
                ttft_s=stats.ttft_s,
            )
        if not quiet:
            self.store.finish_reply(reply_id, final, **kwargs)
            return
        try:
            self.store.finish_reply(reply_id, final, **kwargs)
        except Exception as exc:  # reported by the caller's own error
            import logging

            logging.getLogger(__name__).warning("the reply could not be saved: %s", exc)


def _history_path() -> Any:
    """The history file the user chose in Settings (the same one the window opens)."""
    return _load_settings().history_file()


def _open_history(*, reading: bool = False, path: Any = None) -> Any:
    """Open the history for a command; ``reading`` commands also work on read-only media.

    A damaged file is not opened: the message says how to start a new history from the
    command line, as the window offers it with a button.
    """
    from app.core.history import HistoryOpenError, HistoryStore

    path = path if path is not None else _history_path()
    try:
        store = HistoryStore.open_for_reading(path) if reading else HistoryStore.open(path)
    except HistoryOpenError as exc:
        if exc.reason == "corrupt":
            raise CliError(f"{exc} To do that, run: parley history recover") from None
        if exc.reason in ("readonly", "full") and not reading:
            raise CliError(f"{exc} To go on without saving, add --no-save.") from None
        raise
    if store.read_only_source is not None:
        print(
            f"note: {store.read_only_source} is read-only; reading it without changes",
            file=sys.stderr,
        )
    else:
        store.recover_interrupted()
    return store


def cmd_history_recover(args: argparse.Namespace) -> int:
    """Keep a damaged history file aside (renamed, nothing deleted) and start a new one."""
    from app.core.history import HistoryOpenError, HistoryStore

    path = _history_path()
    if not path.exists():
        print(f"there is no history file at {path}; nothing to recover", file=sys.stderr)
        return EXIT_OK
    try:
        HistoryStore.open(path).close()
    except HistoryOpenError as exc:
        if exc.reason != "corrupt":
            raise
    else:
        if not args.force:
            print(
                f"the history file {path} opens without problems; nothing was changed "
                "(use --force to start a new history anyway)",
                file=sys.stderr,
            )
            return EXIT_OK
    kept = HistoryStore.move_aside(path)
    HistoryStore.open(path).close()
    print(f"kept the old history file as {kept}", file=sys.stderr)
    print(f"started a new, empty history at {path}", file=sys.stderr)
    return EXIT_OK


def cmd_history_list(args: argparse.Namespace) -> int:
    """Conversations, pinned first, then the most recently updated."""
    store = _open_history(reading=True)
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
    store = _open_history(reading=True)
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
    """One conversation (or all with ``all``) as Markdown or JSON, on stdout or to a file.

    The output file is checked before anything is read (never over the history itself, a
    SQLite file or a folder) and written atomically, so a full disk leaves the old file.
    """
    from pathlib import Path

    from app.core import files, limits

    ids: list[int] | None = None
    if args.id != "all":
        wanted = int(args.id) if args.id.isdigit() else None
        if wanted is None or limits.problem("row_id", wanted) is not None:
            raise CliError(f"there is no conversation {args.id}")
        ids = [wanted]
    history = _history_path()
    target = Path(args.output).expanduser() if args.output else None
    if target is not None:
        try:
            files.check_target(target, protected=[history])
        except files.SaveError as exc:
            raise CliError(str(exc)) from None
    store = _open_history(reading=True, path=history)
    try:
        if ids is not None and store.get_conversation(ids[0]) is None:
            raise CliError(f"there is no conversation {args.id}")
        if args.format == "json":
            text = json.dumps(store.export_json(ids), indent=2, ensure_ascii=False)
        else:
            text = store.export_markdown(ids)
    finally:
        store.close()
    if target is not None:
        try:
            files.write_text_atomic(target, text + "\n", protected=[history])
        except files.SaveError as exc:
            raise CliError(str(exc)) from None
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
    except RecursionError:
        raise CliError(f"{args.file} is nested too deeply to be a Parley export") from None
    store = _open_history()
    try:
        try:
            ids = store.import_json(data)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        except RecursionError:
            raise CliError(f"{args.file} is nested too deeply to be a Parley export") from None
    finally:
        store.close()
    print(f"imported {len(ids)} conversation(s): {' '.join(map(str, ids))}", file=sys.stderr)
    return EXIT_OK


def cmd_models_list(args: argparse.Namespace) -> int:
    """The catalogue and every installed model, as a table or JSON (see app.cli_models)."""
    from app.cli_models import cmd_list

    return cmd_list(args)


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
    parser.add_argument(
        "--threads", type=bounded("threads"), help="CPU threads for the model (default: all)"
    )
    parser.add_argument("--context", type=bounded("context_length"), help="context in tokens")
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
    chat.add_argument("--max-tokens", type=bounded("max_tokens"), dest="max_tokens")
    chat.add_argument("--temperature", type=bounded("temperature"))
    chat.add_argument("--seed", type=bounded("seed"))
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
    h_search.add_argument("--limit", type=bounded("limit"), default=50)
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
    h_recover = history_sub.add_parser(
        "recover",
        help="keep a damaged history file aside (nothing is deleted) and start a new one",
    )
    h_recover.add_argument(
        "--force", action="store_true", help="start a new history even if the file opens"
    )
    h_recover.set_defaults(func=cmd_history_recover)

    from app.cli_tools import add_tool_commands

    add_tool_commands(sub)
    from app.cli_serve import add_serve_command

    add_serve_command(sub)

    _add_model_option(chat)
    return parser


def _add_model_option(sub: argparse.ArgumentParser) -> None:
    """Let ``--model`` and ``--threads`` also follow the sub-command (``parley chat --model X``)."""
    sub.add_argument("--model", default=argparse.SUPPRESS, help="catalogue id or .gguf path")
    sub.add_argument(
        "--threads", type=bounded("threads"), default=argparse.SUPPRESS, help="CPU threads"
    )
    sub.add_argument(
        "--context", type=bounded("context_length"), default=argparse.SUPPRESS, help="context"
    )
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
    if getattr(args, "func", None) is not None or args.self_test:
        _log_to_file()
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
            print(f"error: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
        elif isinstance(exc, OSError):
            print(f"error: {_os_error_words(exc)}", file=sys.stderr)
        else:
            where = _report_unexpected(exc)
            print(
                f"error: unexpected failure ({type(exc).__name__}: {exc}). This is a bug in "
                f"Parley; {where}.",
                file=sys.stderr,
            )
        return EXIT_ERROR


def gui_main() -> int:
    """Entry point of the ``parley-gui`` script (no console window on Windows)."""
    return main([])


if __name__ == "__main__":
    sys.exit(main())
