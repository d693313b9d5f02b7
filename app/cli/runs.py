"""``parley runs``: the saved summarise, translate and sentiment runs, listed and re-opened."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    EXIT_OK,
    CliError,
    bounded,
    known_id,
    open_history,
    record_id,
)
from app.cli.tools import TOOL_NAMES, write_out

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


def cmd_runs_show(args: argparse.Namespace) -> int:
    """One saved run: its output as it was printed, or everything as JSON."""
    store = open_history(reading=True)
    try:
        run = store.get_tool_run(args.id) if known_id(args.id) else None
    finally:
        store.close()
    if run is None:
        raise CliError(f"there is no saved run {args.id}")
    if args.format == "json":
        print(json.dumps(_run_object(run, full=True), indent=2, ensure_ascii=False))
        return EXIT_OK
    write_out(run.output if run.output.endswith("\n") or not run.output else run.output + "\n")
    if run.status != "complete":
        print(f"note: this run is {run.status}; the output may be incomplete", file=sys.stderr)
    return EXIT_OK


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
