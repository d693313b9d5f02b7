"""``parley sentiment``: one text, or one item per line or CSV row, labelled with the model."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    EXIT_OK,
    add_model_options,
)
from app.cli.tools import Progress, ToolInput, ToolSession, progress_event, read_input, write_out
from app.core.runs import (
    sentiment_batch_record,
    sentiment_record,
)

if TYPE_CHECKING:
    from app.core.pipelines.sentiment import BatchRow, SentimentResult

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
    progress = Progress()
    stop = threading.Event()
    with ToolSession(args, "sentiment", input_text, options) as session:
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
            write_out(output)
            for note in result.notes:
                print(f"note: {note}", file=sys.stderr)
            session.finish(output, "complete", sentiment_record(result))
            return EXIT_OK

        rows: list[BatchRow] = []

        def emit(text: str) -> None:
            # JSON is one document written at the end; the rows so far stand in for it until
            # then, so the record is replaced by it, not extended.
            session.show(text, text if args.format == "json" else session.output + text)

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
                    progress_event(progress, event)
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


def add_sentiment_command(sub: argparse._SubParsersAction) -> None:
    """Add sentiment to the top-level ``parley`` commands."""
    file_help = "the document (text, Markdown, HTML, PDF, Word), or - to read stdin"

    sentiment = sub.add_parser("sentiment", help="positive, negative, neutral or mixed")
    sentiment.add_argument("file", metavar="FILE|-", help=file_help + " or a CSV file")
    sentiment.add_argument("--lines", action="store_true", help="one item per non-blank line")
    sentiment.add_argument(
        "--column", metavar="NAME", help="CSV column to analyse (name or number)"
    )
    sentiment.add_argument("--format", choices=("text", "json", "csv"), default="text")
    sentiment.add_argument("--no-save", action="store_true", help="do not save to history")
    add_model_options(sentiment)
    sentiment.set_defaults(func=cmd_sentiment)
