"""``parley summarise|translate|sentiment`` and ``parley runs``: the text tools in a terminal.

Wired into app/cli.py by :func:`add_tool_commands`. The commands drive the same pipelines as
the GUI and keep the CLI's rules: the result goes to stdout as it is generated, so it can be
piped; progress goes to stderr, and only when stderr is a terminal, so logs and scripts see
nothing but the result; bad input is one clear line on stderr before any model is loaded;
Ctrl+C stops the job, keeps what was done in history and exits with 130.

Every run is saved as a tool run (unless ``--no-save``): the row is created as "streaming"
once the model is loaded, so a crash leaves an "interrupted" run rather than nothing, and
finished with the output and a final status. ``parley runs`` lists and re-opens them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from app.cli import (
    EXIT_ERROR,
    EXIT_OK,
    CliError,
    _add_model_option,
    _load_settings,
    _open_history,
    _start_backend,
    bounded,
)
from app.core.runs import (
    RUN_STATUS,
    sentiment_batch_record,
    sentiment_record,
    summary_record,
    translation_record,
)

if TYPE_CHECKING:
    from app.core.backend import Backend
    from app.core.history import HistoryStore, ToolRun
    from app.core.pipelines.sentiment import BatchRow, SentimentResult

TOOL_NAMES = ("summarise", "translate", "sentiment")
# Names the command line offers for summary styles the pipeline knows under another name.
STYLE_ALIASES = {"key-points": "bullets"}
# History statuses for the pipelines' result statuses.

Command = Callable[[argparse.Namespace], int]


def _user_error_types() -> tuple[type[BaseException], ...]:
    """Errors whose message is written for the user; app.cli does not know all of them."""
    from app.core.extract import InputError
    from app.core.history import HistoryError
    from app.core.textsplit import BudgetError

    return (InputError, HistoryError, BudgetError)


def _guarded(command: Command) -> Command:
    """Report this module's user-facing exception types as one line on stderr."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except _user_error_types() as exc:
            print(f"error: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
            return EXIT_ERROR

    run.__doc__ = command.__doc__
    return run


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class ToolInput:
    """The text a tool works on, and where it came from."""

    text: str
    name: str
    path: Path | None  # None for stdin


def read_input(source: str) -> ToolInput:
    """Read FILE (any type extract_text supports) or ``-`` (stdin); InputError when unusable.

    Stdin is read as bytes and decoded like a text file, so a pipe from a program writing
    Windows-1252 or UTF-16 works, and binary data is refused rather than mangled.
    """
    from app.core.extract import MAX_TEXT_BYTES, InputError, check_text, decode_text, extract_text

    if source != "-":
        extracted = extract_text(Path(source))
        for note in extracted.notes:
            print(f"note: {note}", file=sys.stderr)
        return ToolInput(extracted.text, extracted.source, Path(source))
    data = sys.stdin.buffer.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise InputError(
            f"The input on stdin is too large: Parley works on at most "
            f"{MAX_TEXT_BYTES // (1024 * 1024)} MB at a time. Split the document and work on "
            "it in parts."
        )
    text, _encoding, notes = decode_text(data, "The input on stdin")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    check_text(text)
    return ToolInput(text, "stdin", None)


def read_glossary(path: Path) -> dict[str, str]:
    """``term<TAB>translation`` or ``term=translation`` per line; ``#`` starts a comment line."""
    from app.core.extract import InputError, decode_text

    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"The glossary {path.name} does not exist.") from exc
    except OSError as exc:
        raise InputError(f"The glossary {path.name} could not be read: {exc.strerror}.") from exc
    text, _encoding, _notes = decode_text(data, f"The glossary {path.name}")
    glossary: dict[str, str] = {}
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        separator = "\t" if "\t" in line else "="
        term, found, wanted = line.partition(separator)
        if not found or not term.strip() or not wanted.strip():
            raise InputError(
                f"Line {number} of the glossary {path.name} is not “term<TAB>translation” "
                "or “term=translation”."
            )
        glossary[term.strip()] = wanted.strip()
    if not glossary:
        raise InputError(f"The glossary {path.name} has no entries.")
    return glossary


# --------------------------------------------------------------------------- running


class _Progress:
    """Status lines on stderr, only for a person watching a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def show(self, text: str) -> None:
        if self.enabled:
            print(text, file=sys.stderr, flush=True)


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


class _Session:
    """The engine and the history row of one tool run.

    The history file is opened before the model loads, so a broken history fails fast; the
    row is created once the model is known. Leaving the ``with`` block without
    :meth:`finish` (a model failure, Ctrl+C) still saves what was done, as failed or stopped.
    """

    def __init__(
        self, args: argparse.Namespace, tool: str, text: str, options: dict[str, Any]
    ) -> None:
        self.args = args
        self.tool = tool
        self.text = text
        self.options = options
        self.output = ""  # what the user has seen so far; saved if the run does not finish
        self.store: HistoryStore | None = None if args.no_save else _open_history()
        self.run_id: int | None = None
        self._backend: Backend | None = None
        self.model_id = ""

    @property
    def backend(self) -> Backend:
        if self._backend is None:  # pragma: no cover - start() always runs first
            raise CliError("the model is not loaded")
        return self._backend

    def start(self) -> Backend:
        try:
            backend, info = _start_backend(self.args, _load_settings(), self.tool)
        except BaseException:
            self._close_store()
            raise
        self._backend = backend
        self.model_id = info.model_id
        if self.store is not None:
            run = self.store.add_tool_run(
                self.tool, self.text, self.options, info.model_id, "", status="streaming"
            )
            self.run_id = run.id
        return backend

    def finish(self, output: str, status: str, extra: dict[str, Any] | None = None) -> None:
        self.output = output
        if self.store is not None and self.run_id is not None:
            self.store.update_tool_run(self.run_id, output=output, status=status, extra=extra)
            print(f"run {self.run_id}", file=sys.stderr)
            self.run_id = None

    def __enter__(self) -> _Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.store is not None and self.run_id is not None:
                interrupted = exc_type is not None and issubclass(exc_type, KeyboardInterrupt)
                extra = {"error": str(exc)} if exc is not None and not interrupted else None
                self.store.update_tool_run(
                    self.run_id,
                    output=self.output,
                    status="stopped" if interrupted else "failed",
                    extra=extra,
                )
                self.run_id = None
        finally:
            if self._backend is not None:
                self._backend.close()
            self._close_store()

    def _close_store(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def _drive(
    backend: Backend,
    events: Iterator[Any],
    stop: threading.Event,
    result_type: type | tuple[type, ...],
    on_event: Callable[[Any], None],
) -> tuple[Any, bool]:
    """Run a pipeline to its result object; returns (result or None, interrupted).

    On Ctrl+C the pipeline is asked to stop and, if it was paused between two events, run to
    its end so it reports what was done; a pipeline interrupted in the middle of a step is
    finished already, and the caller falls back on what it has shown.
    """
    from app.core.pipelines import request_stop

    result: Any = None
    try:
        for event in events:
            if isinstance(event, result_type):
                result = event
            else:
                on_event(event)
        return result, False
    except KeyboardInterrupt:
        request_stop(backend, stop)
    # A second Ctrl+C stops the wait; a failure while stopping changes nothing for the user,
    # who asked to stop and keeps what was shown.
    with contextlib.suppress(KeyboardInterrupt, Exception):
        for event in events:
            if isinstance(event, result_type):
                result = event
    return result, True


def _progress_event(progress: _Progress, event: Any) -> None:
    """SplitPlan, part and combine progress; ignores the model's own prompt progress."""
    from app.core.backend import Progress
    from app.core.pipelines import Notice
    from app.core.textsplit import SplitPlan

    if isinstance(event, SplitPlan):
        progress.show(event.describe())
    elif isinstance(event, Progress) and event.what in ("part", "combine", "item"):
        label = "combining notes" if event.what == "combine" else event.what
        if event.total > 1 or event.what == "item":
            progress.show(f"{label} {event.done} of {event.total}")
    elif isinstance(event, Notice):
        print(f"note: {event.message}", file=sys.stderr)


# --------------------------------------------------------------------------- summarise


def summary_styles() -> tuple[str, ...]:
    """The styles the pipeline offers, plus the command line's alias names for them."""
    from app.core.prompts.summarise import STYLES

    aliases = [alias for alias, style in STYLE_ALIASES.items() if style in STYLES]
    return (*aliases, *STYLES)


def cmd_summarise(args: argparse.Namespace) -> int:
    """Summarise a document of any length; the final pass streams to stdout."""
    from app.core.backend import Token
    from app.core.langs import get_language
    from app.core.pipelines.summarise import SummaryResult, summarise_document
    from app.core.prompts import summarise as prompts

    style = STYLE_ALIASES.get(args.style, args.style)
    prompts.check_options(args.length, style)
    language = get_language(args.language).code if args.language else None
    source = read_input(args.file)
    # The style under the pipeline's name, as the window saves it, so either face re-opens it.
    options = {"length": args.length, "style": style, "language": language or ""}
    options["source"] = source.name
    progress = _Progress()
    stop = threading.Event()
    with _Session(args, "summarise", source.text, options) as session:
        backend = session.start()
        events = summarise_document(
            backend, source.text, length=args.length, style=style, language=language, stop=stop
        )
        shown: list[str] = []

        def on_event(event: Any) -> None:
            if isinstance(event, Token):
                if not shown:
                    event = Token(event.text.lstrip(), event.logprob, event.top)
                shown.append(event.text)
                session.output = "".join(shown)
                _write(event.text)
            else:
                _progress_event(progress, event)

        result, interrupted = _drive(backend, events, stop, SummaryResult, on_event)
        if shown:
            _write("\n")
        text = result.text if result is not None and result.text else session.output.strip()
        if interrupted:
            session.finish(text, "stopped")
            raise KeyboardInterrupt
        if result is None:  # pragma: no cover - the pipeline always ends with a result
            raise CliError("the summary ended without a result")
        extra = summary_record(result)
        session.finish(text, RUN_STATUS[result.status], extra)
        if result.status == "error":
            raise CliError(result.error or "the summary failed")
        if not shown and text:
            _write(text + "\n")
    return EXIT_OK


# --------------------------------------------------------------------------- translate


def cmd_translate(args: argparse.Namespace) -> int:
    """Translate a document keeping its structure; each finished part streams to stdout."""
    from app.core.langs import get_language
    from app.core.pipelines import PartDone
    from app.core.pipelines.translate import TranslationResult, translate_document
    from app.core.prompts.translate import tone_instruction

    target = get_language(args.to)
    source_language = get_language(args.source).code if args.source else None
    tone_instruction(target, args.tone)
    glossary = read_glossary(Path(args.glossary)) if args.glossary else None
    source = read_input(args.file)
    options: dict[str, Any] = {
        "to": target.code,
        "from": source_language or "",
        "tone": args.tone or "",
        "glossary": glossary or {},
        "source": source.name,
    }
    progress = _Progress()
    stop = threading.Event()
    with _Session(args, "translate", source.text, options) as session:
        backend = session.start()
        events = translate_document(
            backend,
            source.text,
            target=target.code,
            source=source_language,
            glossary=glossary,
            tone=args.tone,
            stop=stop,
        )

        def show_upto(text: str) -> None:
            # Parts arrive as "the document so far"; print only what is new.
            if text.startswith(session.output) and len(text) > len(session.output):
                _write(text[len(session.output) :])
                session.output = text

        def on_event(event: Any) -> None:
            if isinstance(event, PartDone):
                show_upto(event.text)
            else:
                _progress_event(progress, event)

        result, interrupted = _drive(backend, events, stop, TranslationResult, on_event)
        if result is not None and result.status == "complete":
            show_upto(result.text)
        if session.output and not session.output.endswith("\n"):
            _write("\n")
        text = result.text if result is not None else session.output
        if interrupted:
            session.finish(text, "stopped")
            raise KeyboardInterrupt
        if result is None:  # pragma: no cover - the pipeline always ends with a result
            raise CliError("the translation ended without a result")
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        extra = translation_record(result)
        session.finish(text, RUN_STATUS[result.status], extra)
        if result.status == "error":
            raise CliError(result.error or "the translation failed")
    return EXIT_OK


# --------------------------------------------------------------------------- sentiment


def _confidence(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def sentiment_object(result: SentimentResult) -> dict[str, Any]:
    """One analysed text as the JSON object ``--format json`` prints."""
    return {
        "label": result.label,
        "confidence": _confidence(result.confidence),
        "sentences": [
            {"text": s.text, "label": s.label, "confidence": _confidence(s.confidence)}
            for s in result.sentences
        ],
        "aspects": [{"aspect": a.aspect, "label": a.label} for a in result.aspects],
    }


def row_object(row: BatchRow) -> dict[str, Any]:
    """One line of a batch as a JSON object (``line`` counts from 1, like editors do)."""
    item: dict[str, Any] = {
        "line": row.index + 1,
        "text": row.text,
        "label": row.label,
        "confidence": _confidence(row.confidence),
    }
    if row.error:
        item["error"] = row.error
    return item


def _text_confidence(value: float | None) -> str:
    return "    —" if value is None else f"{value:5.2f}"


def _sentiment_text(result: SentimentResult) -> str:
    lines = [f"{result.label} {_text_confidence(result.confidence).strip()}"]
    if len(result.sentences) > 1:
        lines.append("")
        lines.extend(
            f"{s.label:9} {_text_confidence(s.confidence)}  {s.text}" for s in result.sentences
        )
    if result.aspects:
        lines.append("")
        lines.extend(f"{a.aspect}: {a.label}" for a in result.aspects)
    return "\n".join(lines) + "\n"


def _row_text(row: BatchRow) -> str:
    label = row.label or "error"
    detail = row.error or row.text
    return f"{row.index + 1:>5}  {label:9} {_text_confidence(row.confidence)}  {detail}\n"


def _csv_line(row: BatchRow) -> str:
    from app.core.pipelines.sentiment import rows_to_csv

    return rows_to_csv([row]).split("\n", 1)[1]


def _batch_items(args: argparse.Namespace, source: ToolInput | None) -> list[str] | None:
    """The items of a batch (``--lines`` or CSV input), or None for one text."""
    from app.core.extract import InputError
    from app.core.pipelines.sentiment import lines_from_text, read_csv_column

    is_csv = args.file != "-" and Path(args.file).suffix.lower() in (".csv", ".tsv")
    if args.column is not None and not is_csv:
        raise InputError("--column needs a CSV file as input.")
    if is_csv and (args.column is not None or not args.lines):
        column: str | int | None = args.column
        if isinstance(column, str) and column.isdigit():
            column = int(column) - 1  # a column number, counted from 1 like a spreadsheet
        items = read_csv_column(Path(args.file), column)
        if not any(item.strip() for item in items):
            raise InputError(f"{Path(args.file).name} has no text in the chosen column.")
        return items
    if args.lines and source is not None:
        return lines_from_text(source.text)
    return None


def cmd_sentiment(args: argparse.Namespace) -> int:
    """Label one text (with sentences and aspects) or every line / CSV row of a batch."""
    from app.core.pipelines import request_stop
    from app.core.pipelines.sentiment import (
        BatchRow,
        PipelineStopped,
        analyse_sentiment,
        iter_batch,
        rows_to_csv,
    )

    is_csv = args.file != "-" and Path(args.file).suffix.lower() in (".csv", ".tsv")
    source = None if is_csv and not args.lines else read_input(args.file)
    items = _batch_items(args, source)
    input_text = "\n".join(items or []) if source is None else source.text
    options: dict[str, Any] = {
        "lines": items is not None,
        "column": args.column or "",
        "format": args.format,
        "source": source.name if source else Path(args.file).name,
    }
    progress = _Progress()
    stop = threading.Event()
    with _Session(args, "sentiment", input_text, options) as session:
        backend = session.start()
        if items is None:
            assert source is not None
            try:
                result = analyse_sentiment(backend, source.text, stop=stop)
            except (KeyboardInterrupt, PipelineStopped):
                request_stop(backend, stop)
                raise KeyboardInterrupt from None
            if args.format == "json":
                output = json.dumps([sentiment_object(result)], indent=2, ensure_ascii=False)
                output += "\n"
            elif args.format == "csv":
                output = rows_to_csv(
                    [BatchRow(0, source.text.strip(), result.label, result.confidence)]
                )
            else:
                output = _sentiment_text(result)
            _write(output)
            for note in result.notes:
                print(f"note: {note}", file=sys.stderr)
            session.finish(output, "complete", sentiment_record(result))
            return EXIT_OK

        rows: list[BatchRow] = []
        shown: list[str] = []

        def emit(text: str) -> None:
            shown.append(text)
            session.output = "".join(shown)
            _write(text)

        if args.format == "csv":
            emit(rows_to_csv([]))
        try:
            for event in iter_batch(backend, items, stop=stop):
                if isinstance(event, BatchRow):
                    rows.append(event)
                    if args.format == "csv":
                        emit(_csv_line(event))
                    elif args.format == "text":
                        emit(_row_text(event))
                    if args.format == "json":
                        session.output = _rows_json(rows)
                else:
                    _progress_event(progress, event)
        except (KeyboardInterrupt, PipelineStopped):
            request_stop(backend, stop)
            if args.format == "json":
                emit(_rows_json(rows))
            raise KeyboardInterrupt from None
        if args.format == "json":
            emit(_rows_json(rows))
        labelled = sum(1 for row in rows if row.label)
        session.finish(session.output, "complete", sentiment_batch_record(len(rows), labelled))
    return EXIT_OK


def _rows_json(rows: Iterable[BatchRow]) -> str:
    return json.dumps([row_object(row) for row in rows], indent=2, ensure_ascii=False) + "\n"


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
    store = _open_history(reading=True)
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
    store = _open_history(reading=True)
    try:
        run = store.get_tool_run(args.id)
    finally:
        store.close()
    if run is None:
        raise CliError(f"there is no saved run {args.id}")
    if args.format == "json":
        print(json.dumps(_run_object(run, full=True), indent=2, ensure_ascii=False))
        return EXIT_OK
    _write(run.output if run.output.endswith("\n") or not run.output else run.output + "\n")
    if run.status != "complete":
        print(f"note: this run is {run.status}; the output may be incomplete", file=sys.stderr)
    return EXIT_OK


# --------------------------------------------------------------------------- wiring


def add_tool_commands(sub: argparse._SubParsersAction) -> None:
    """Add summarise, translate, sentiment and runs to the top-level ``parley`` commands."""
    from app.core.prompts.summarise import LENGTHS
    from app.core.prompts.translate import TONES

    file_help = "the document (text, Markdown, HTML, PDF, Word), or - to read stdin"

    summarise = sub.add_parser("summarise", help="summarise a document of any length")
    summarise.add_argument("file", metavar="FILE|-", help=file_help)
    summarise.add_argument("--length", choices=tuple(LENGTHS), default="medium")
    summarise.add_argument("--style", choices=summary_styles(), default="paragraph")
    summarise.add_argument("--language", help="language of the summary (default: the document's)")
    summarise.add_argument("--no-save", action="store_true", help="do not save to history")
    _add_model_option(summarise)
    summarise.set_defaults(func=_guarded(cmd_summarise))

    translate = sub.add_parser("translate", help="translate a document, keeping its structure")
    translate.add_argument("file", metavar="FILE|-", help=file_help)
    translate.add_argument("--to", required=True, metavar="LANG", help="target language")
    translate.add_argument(
        "--from", dest="source", metavar="LANG", help="source language (default: detected)"
    )
    translate.add_argument(
        "--glossary", metavar="FILE", help="fixed terms: term<TAB>translation or term=translation"
    )
    translate.add_argument("--tone", choices=tuple(TONES))
    translate.add_argument("--no-save", action="store_true", help="do not save to history")
    _add_model_option(translate)
    translate.set_defaults(func=_guarded(cmd_translate))

    sentiment = sub.add_parser("sentiment", help="positive, negative, neutral or mixed")
    sentiment.add_argument("file", metavar="FILE|-", help=file_help + " or a CSV file")
    sentiment.add_argument("--lines", action="store_true", help="one item per non-blank line")
    sentiment.add_argument(
        "--column", metavar="NAME", help="CSV column to analyse (name or number)"
    )
    sentiment.add_argument("--format", choices=("text", "json", "csv"), default="text")
    sentiment.add_argument("--no-save", action="store_true", help="do not save to history")
    _add_model_option(sentiment)
    sentiment.set_defaults(func=_guarded(cmd_sentiment))

    runs = sub.add_parser("runs", help="saved summarise, translate and sentiment runs")
    runs_sub = runs.add_subparsers(dest="runs_command", metavar="ACTION", required=True)
    runs_list = runs_sub.add_parser("list", help="list saved runs, newest first")
    runs_list.add_argument("--tool", choices=TOOL_NAMES)
    runs_list.add_argument("--limit", type=bounded("limit"), default=100)
    runs_list.add_argument("--format", choices=("table", "json"), default="table")
    runs_list.set_defaults(func=_guarded(cmd_runs_list))
    runs_show = runs_sub.add_parser("show", help="print a saved run's output")
    runs_show.add_argument("id", type=bounded("row_id"))
    runs_show.add_argument("--format", choices=("text", "json"), default="text")
    runs_show.set_defaults(func=_guarded(cmd_runs_show))
