"""``parley history``: list, search, export, import and recover the saved conversations."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from app.cli.common import EXIT_OK, CliError, bounded, history_path, open_history

if TYPE_CHECKING:
    pass


def cmd_history_recover(args: argparse.Namespace) -> int:
    """Keep a damaged history file aside (renamed, nothing deleted) and start a new one."""
    from app.core.history import HistoryOpenError, HistoryStore

    path = history_path()
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
    store = open_history(reading=True)
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
    store = open_history(reading=True)
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
        where = "title" if h.is_title_hit else h.role  # a match in the title has no role
        print(f"{h.conversation_id:>6}  {h.title}  ({where}): {snippet}")
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
    history = history_path()
    target = Path(args.output).expanduser() if args.output else None
    if target is not None:
        try:
            files.check_target(target, protected=[history])
        except files.SaveError as exc:
            raise CliError(str(exc)) from None
    store = open_history(reading=True, path=history)
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
    store = open_history()
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


def add_history_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``history list|search|export|import|recover`` to the ``parley`` commands."""
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
