"""The ``parley`` command: the GUI by default, and the same core pipelines in a terminal.

Errors are printed as one clear line on stderr with a non-zero exit code, never a traceback
(set ``PARLEY_DEBUG=1`` to see one). Heavy imports (Qt, the engine client) happen inside the
commands that need them so ``parley --help`` and ``parley models list`` start instantly.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence

from app import APP_NAME, __version__
from app.cli.common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    CliError,
    add_model_options,
    bounded,
    error_message,
    log_to_file,
)

__all__ = ["CliError", "bounded", "build_parser", "main"]


GuiLauncher = Callable[[list[str], "str | None"], int]


def _no_gui(_argv: list[str], _model: str | None) -> int:
    print("error: this entry point has no desktop app; run 'parley' instead", file=sys.stderr)
    return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; each command group adds its own commands and options."""
    from app.cli.chat import add_chat_commands
    from app.cli.evaluate import add_eval_command
    from app.cli.history import add_history_commands
    from app.cli.models import add_models_commands
    from app.cli.runs import add_runs_commands
    from app.cli.sentiment import add_sentiment_command
    from app.cli.serve import add_serve_command
    from app.cli.tools import add_tool_commands

    parser = argparse.ArgumentParser(
        prog="parley",
        description=f"{APP_NAME}: chat, summarise, translate and read sentiment offline.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    add_model_options(parser, global_options=True)
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="load the model, generate a few tokens and print a JSON report",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_chat_commands(sub)
    add_models_commands(sub)
    add_history_commands(sub)
    add_tool_commands(sub)
    add_sentiment_command(sub)
    add_runs_commands(sub)
    add_eval_command(sub)
    add_serve_command(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, gui: GuiLauncher = _no_gui) -> int:
    """Run the command line; with no command, ``gui`` starts the desktop app.

    The command line never imports the GUI (nor the GUI the command line): the entry point
    (app/entry.py) hands the launcher in.
    """
    multiprocessing.freeze_support()
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is not None or args.self_test:
        log_to_file()
    try:
        if args.self_test:
            from app.cli.chat import self_test

            return self_test(args)
        func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
        if func is None:
            return gui(sys.argv[:1], args.model)
        return func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("PARLEY_DEBUG"):
            raise
        print(f"error: {error_message(exc)}", file=sys.stderr)
        return EXIT_ERROR
