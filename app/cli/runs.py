"""``parley runs``: the saved summarise, translate and sentiment runs, listed, re-opened and
continued (``resume``: a stopped or failed long job goes on from its first unfinished part)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    EXIT_OK,
    CliError,
    add_model_options,
    bounded,
    known_id,
    open_history,
    record_id,
)
from app.cli.tools import TOOL_NAMES, cmd_summarise, cmd_translate, write_out
from app.core.runs import CONTEXT_KEY, RESUMABLE_TOOLS, can_resume

if TYPE_CHECKING:
    from app.core.history import ToolRun

# --------------------------------------------------------------------------- runs


def _run_object(run: ToolRun, *, full: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": run.id,
        "tool": run.tool,
        "status": run.status,
        "model": run.model_id,
        "created": run.created.isoformat(),
        "options": run.options,
    }
    if full:
        item.update(input=run.input_text, output=run.output, extra=run.extra)
    else:
        item["input_chars"] = len(run.input_text)
        item["output_chars"] = len(run.output)
    return item


def cmd_runs_list(args: argparse.Namespace) -> int:
    """Saved tool runs, newest first."""
    store = open_history(reading=True)
    try:
        tools = [args.tool] if args.tool else list(TOOL_NAMES)
        runs = [run for tool in tools for run in store.list_tool_runs(tool, limit=args.limit)]
    finally:
        store.close()
    runs.sort(key=lambda run: (run.created, run.id), reverse=True)
    runs = runs[: args.limit]
    if args.format == "json":
        print(json.dumps([_run_object(r, full=False) for r in runs], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not runs:
        print("no saved runs yet", file=sys.stderr)
    for run in runs:
        when = run.created.strftime("%Y-%m-%d %H:%M")
        first = " ".join(run.input_text.split())[:50]
        print(f"{run.id:>6}  {when}  {run.tool:9} {run.status:11} {first}")
    return EXIT_OK


def _saved_run(run_id: int) -> ToolRun:
    """The saved run with this id, or a clear error; the history is opened only to read."""
    store = open_history(reading=True)
    try:
        run = store.get_tool_run(run_id) if known_id(run_id) else None
    finally:
        store.close()
    if run is None:
        raise CliError(f"there is no saved run {run_id}")
    return run


def cmd_runs_show(args: argparse.Namespace) -> int:
    """One saved run: its output as it was printed, or everything as JSON."""
    run = _saved_run(args.id)
    if args.format == "json":
        print(json.dumps(_run_object(run, full=True), indent=2, ensure_ascii=False))
        return EXIT_OK
    write_out(run.output if run.output.endswith("\n") or not run.output else run.output + "\n")
    if run.status != "complete":
        print(f"note: this run is {run.status}; the output may be incomplete", file=sys.stderr)
    return EXIT_OK


def cmd_runs_resume(args: argparse.Namespace) -> int:
    """Continue a stopped or failed summary or translation in the same run, with the same
    options, model and context: parts it finished are not read again."""
    run = _saved_run(args.id)
    if run.tool not in RESUMABLE_TOOLS:
        raise CliError(
            f"run {run.id} is a {run.tool} run; only summaries and translations continue"
        )
    if run.status == "complete":
        raise CliError(f"run {run.id} is complete; there is nothing to continue")
    if not can_resume(run.tool, run.status, run.extra):
        raise CliError(
            f"run {run.id} kept no finished parts, so there is nothing to continue from; "
            f"run {run.tool} again"
        )
    args.resume_run = run
    args.no_save = False
    # The same model and context, so the document is split into the same parts; a --model
    # or --context given here wins (and parts that no longer match are read again).
    if getattr(args, "model", None) is None and run.model_id:
        args.model = run.model_id
    context = run.extra.get(CONTEXT_KEY)
    if getattr(args, "context", None) is None and isinstance(context, int):
        args.context = context
    options = run.options
    if run.tool == "summarise":
        args.file = "-"
        args.length = str(options.get("length") or "medium")
        args.style = str(options.get("style") or "paragraph")
        args.language = options.get("language") or None
        return cmd_summarise(args)
    args.file = "-"
    args.to = str(options.get("to") or "")
    args.source = options.get("from") or None
    args.tone = options.get("tone") or None
    args.glossary = None
    glossary = options.get("glossary")
    args.resume_glossary = glossary if isinstance(glossary, dict) and glossary else None
    return cmd_translate(args)


def add_runs_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``runs list`` and ``runs show`` to the top-level ``parley`` commands."""
    runs = sub.add_parser("runs", help="saved summarise, translate and sentiment runs")
    runs_sub = runs.add_subparsers(dest="runs_command", metavar="ACTION", required=True)
    runs_list = runs_sub.add_parser("list", help="list saved runs, newest first")
    runs_list.add_argument("--tool", choices=TOOL_NAMES)
    runs_list.add_argument("--limit", type=bounded("limit"), default=100)
    runs_list.add_argument("--format", choices=("table", "json"), default="table")
    runs_list.set_defaults(func=cmd_runs_list)
    runs_show = runs_sub.add_parser("show", help="print a saved run's output")
    runs_show.add_argument("id", type=record_id)
    runs_show.add_argument("--format", choices=("text", "json"), default="text")
    runs_show.set_defaults(func=cmd_runs_show)
    runs_resume = runs_sub.add_parser(
        "resume", help="continue a stopped or failed summary or translation"
    )
    runs_resume.add_argument("id", type=record_id)
    add_model_options(runs_resume)
    runs_resume.set_defaults(func=cmd_runs_resume)
