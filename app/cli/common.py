"""What every ``parley`` command shares: exit codes, the one table of errors and messages,
option types with the shared bounds, settings, the backend start-up and the history.

Why one module: each command group used to import private helpers from ``app/cli.py`` (and
``cli.py`` imported the groups back), so the groups and the entry point formed a circle and
each group caught and printed errors its own way. Here every group imports what it needs, and
:func:`error_message` is the only place that turns an exception into the line the user reads.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from app.core.backend import Backend, Event, LoadInfo
    from app.core.settings import Settings

from app import __version__

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


def record_id(text: str) -> int:
    """An argparse ``type`` for the id of a saved conversation or run: a positive whole
    number. An id past what SQLite can store is simply one that does not exist, which the
    command says in its own words (see :func:`known_id`)."""
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError("must be an id, a whole number from 1")
    return int(text)


def known_id(value: int) -> bool:
    """Whether ``value`` can be an id in the history at all (SQLite's rowid is 64-bit)."""
    from app.core import limits

    return limits.problem("row_id", value) is None


def user_errors() -> tuple[type[BaseException], ...]:
    """Exception types whose message is already written for the user, from every layer."""
    from app.core.backend import BackendError
    from app.core.catalogue import CatalogueError, ModelNotFoundError
    from app.core.downloads import DownloadError
    from app.core.extract import InputError
    from app.core.files import SaveError
    from app.core.gguf import InvalidModelError
    from app.core.history import HistoryError
    from app.core.limits import LimitError
    from app.core.model_bench import BenchmarkError
    from app.core.model_import import ModelImportError
    from app.core.textsplit import BudgetError

    return (
        CliError,
        BackendError,
        CatalogueError,
        ModelNotFoundError,
        InvalidModelError,
        InputError,
        SaveError,
        LimitError,
        HistoryError,
        DownloadError,
        ModelImportError,
        BenchmarkError,
        BudgetError,
    )


def error_message(exc: Exception) -> str:
    """The one line the user reads for ``exc`` (without "error: "): the app's own words for
    every expected failure, the computer's for an OSError, and only for a real bug the
    generic line that says where the details went."""
    if isinstance(exc, user_errors()):
        return str(getattr(exc, "message", None) or exc)
    if isinstance(exc, OSError):
        return os_error_words(exc)
    where = report_unexpected(exc)
    return f"unexpected failure ({type(exc).__name__}: {exc}). This is a bug in Parley; {where}."


def os_error_words(exc: OSError) -> str:
    """An error of the computer (disk full, permission, a missing file) in the app's words."""
    from app.core.files import describe_os_error

    what = describe_os_error(exc)
    return f"{exc.filename}: {what}" if exc.filename else what


def log_to_file() -> None:
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


def report_unexpected(exc: BaseException) -> str:
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


def read_settings() -> Settings:
    """The user's settings; a warning about the file is printed once per command, however
    many parts of the command read the settings."""
    from app.core.settings import load_settings

    loaded = load_settings()
    if loaded.warning and loaded.warning not in _warned:
        _warned.add(loaded.warning)
        print(f"warning: {loaded.warning}", file=sys.stderr)
    return loaded.settings


def start_backend(
    args: argparse.Namespace, settings: Settings, tool: str
) -> tuple[Backend, LoadInfo]:
    """The backend for ``tool``, loaded: a server (``--server`` or the tool's setting, see
    app.engine.factory) or the local engine with the resolved model (``--model`` > default
    for the tool > starter)."""
    remote = start_remote(args, settings, tool)
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


def start_remote(
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


def drain(
    events: Iterator[Event],
    out: TextIO | NullOut,
    on_text: Callable[[str], None] | None = None,
    *,
    thoughts: list[str] | None = None,
    thoughts_out: TextIO | None = None,
) -> tuple[str, str, Any]:
    """Print tokens as they arrive; return (text, stop reason, stats).

    A reasoning model's thinking goes to ``thoughts`` (and is printed to ``thoughts_out``,
    dimmed on a terminal) when given, and is dropped otherwise: it is never answer text.
    """
    from app.core.backend import Done, Error, Reasoning, Stats, Token

    dim = thoughts_out is not None and thoughts_out.isatty()
    shown_thoughts = False

    parts: list[str] = []
    reason = "stop"
    stats: Any = None
    error: str | None = None
    for event in events:
        match event:
            case Token(text=text):
                if shown_thoughts and thoughts_out is not None:
                    thoughts_out.write("\n\n")  # the thinking ends where the answer starts
                    thoughts_out.flush()
                    shown_thoughts = False
                parts.append(text)
                out.write(text)
                out.flush()
                if on_text is not None:
                    on_text("".join(parts))
            case Reasoning(text=text):
                if thoughts is not None:
                    thoughts.append(text)
                if thoughts_out is not None:
                    thoughts_out.write(f"\x1b[2m{text}\x1b[0m" if dim else text)
                    thoughts_out.flush()
                    shown_thoughts = True
            case Stats():
                stats = event
            case Error(message=message):
                error = message
            case Done(reason=done_reason):
                reason = done_reason
    if error is not None:
        raise CliError(error)
    return "".join(parts), reason, stats


def history_path() -> Any:
    """The history file the user chose in Settings (the same one the window opens)."""
    return read_settings().history_file()


def open_history(*, reading: bool = False, path: Any = None) -> Any:
    """Open the history for a command; ``reading`` commands also work on read-only media.

    A damaged file is not opened: the message says how to start a new history from the
    command line, as the window offers it with a button.
    """
    from app.core.history import HistoryOpenError, HistoryStore

    path = path if path is not None else history_path()
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


class NullOut:
    """A sink for tokens the self-test generates but does not show."""

    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        return None


def add_model_options(parser: argparse.ArgumentParser, *, global_options: bool = False) -> None:
    """``--model``, ``--threads``, ``--context``, ``--server`` and ``--api-key``, defined once.

    They are accepted before the command (``parley --model X chat``) and after it
    (``parley chat --model X``); after it, an option not given must not overwrite the one
    given before, so there the default is SUPPRESS.
    """
    default: Any = None if global_options else argparse.SUPPRESS
    parser.add_argument(
        "--model",
        default=default,
        metavar="ID|PATH",
        help="an installed model's id (see 'parley models list') or the path of a .gguf file",
    )
    parser.add_argument(
        "--threads",
        type=bounded("threads"),
        default=default,
        help="CPU threads for the model (default: all)",
    )
    parser.add_argument(
        "--context", type=bounded("context_length"), default=default, help="context in tokens"
    )
    add_server_options(parser, default)


def add_server_options(parser: argparse.ArgumentParser, default: Any) -> None:
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
