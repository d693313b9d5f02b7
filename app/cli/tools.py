"""``parley summarise|translate|sentiment`` and ``parley runs``: the text tools in a terminal.

Wired into app/cli.py by :func:`add_tool_commands`. The commands drive the same pipelines as
the GUI and keep the CLI's rules: the result goes to stdout as it is generated, so it can be
piped; progress goes to stderr, and only when stderr is a terminal, so logs and scripts see
nothing but the result; bad input is one clear line on stderr before any model is loaded;
Ctrl+C stops the job, keeps what was done in history and exits with 130.

Every run is saved as a tool run (unless ``--no-save``): the row is created as "streaming"
once the model is loaded, so a crash leaves an "interrupted" run rather than nothing, and
finished with the output and a final status. ``parley runs`` lists and re-opens them. A long
summary or translation also saves each finished part as it goes, so ``parley runs resume ID``
continues a stopped or failed one from its first unfinished part, in the same row.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    EXIT_OK,
    CliError,
    add_model_options,
    open_history,
    read_settings,
    start_backend,
)
from app.core.checkpoint import Checkpointer
from app.core.runs import (
    CONTEXT_KEY,
    RUN_STATUS,
    final_extra,
    record_part,
    resume_parts,
    summary_record,
    translation_record,
)

if TYPE_CHECKING:
    from app.core.backend import Backend
    from app.core.history import HistoryStore, ToolRun
    from app.core.pipelines.resume import PartKept

TOOL_NAMES = ("summarise", "translate", "sentiment")
# Names the command line offers for summary styles the pipeline knows under another name.
STYLE_ALIASES = {"key-points": "bullets"}
# History statuses for the pipelines' result statuses.

Command = Callable[[argparse.Namespace], int]


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class ToolInput:
    """The text a tool works on, and where it came from."""

    text: str
    name: str
    path: Path | None  # None for stdin


def resumed_input(args: argparse.Namespace) -> ToolInput | None:
    """The saved run's text when ``parley runs resume`` continues a run, else None."""
    run: ToolRun | None = getattr(args, "resume_run", None)
    if run is None:
        return None
    return ToolInput(run.input_text, str(run.options.get("source") or ""), None)


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


class Progress:
    """Status lines on stderr, only for a person watching a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def show(self, text: str) -> None:
        if self.enabled:
            print(text, file=sys.stderr, flush=True)


def write_out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


@contextlib.contextmanager
def ctrl_c_held() -> Iterator[None]:
    """Ctrl+C pressed inside the block takes effect when the block ends.

    Writing to stdout and recording the same text in the run take two steps; a Ctrl+C between
    them left the saved run a line short of (or a line ahead of) what the user saw. Only the
    main thread receives signals, so elsewhere this holds nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pressed and callable(previous):
            previous(signal.SIGINT, None)


class ToolSession:
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
        self.store: HistoryStore | None = None if args.no_save else open_history()
        self.run_id: int | None = None
        # What the user has seen so far: checkpointed about once a second while the run goes
        # on (a crash keeps it, marked interrupted), and saved if the run does not finish.
        self._checkpoints = Checkpointer(self._checkpoint)
        self._backend: Backend | None = None
        self.model_id = ""
        # A run continued by ``parley runs resume``: its row is reused, its parts kept.
        self.resumed: ToolRun | None = getattr(args, "resume_run", None)
        # Saved with the run as it goes: the finished parts and the context they were split
        # for (app.core.runs), so Ctrl+C or a crash keeps them for a resume.
        self.kept: dict[str, Any] = dict(self.resumed.extra) if self.resumed else {}

    def done_parts(self) -> list[PartKept]:
        """The parts an earlier run of this one finished (none for a new run)."""
        return resume_parts(self.kept) if self.resumed is not None else []

    def keep(self, part: PartKept) -> None:
        """A part is finished: save it with the run now."""
        record_part(self.kept, part)
        if self.store is not None and self.run_id is not None:
            self.store.update_tool_run(self.run_id, extra=self.kept)

    @property
    def output(self) -> str:
        return self._checkpoints.text

    @output.setter
    def output(self, text: str) -> None:
        self._checkpoints.offer(text)

    def show(self, new: str, whole: str) -> None:
        """Write ``new`` to stdout and record ``whole`` as the run's output, both or neither."""
        with ctrl_c_held():
            write_out(new)
            self.output = whole

    def _checkpoint(self, text: str) -> None:
        if self.store is not None and self.run_id is not None:
            self.store.update_tool_run(self.run_id, output=text)

    @property
    def backend(self) -> Backend:
        if self._backend is None:  # pragma: no cover - start() always runs first
            raise CliError("the model is not loaded")
        return self._backend

    def start(self) -> Backend:
        try:
            backend, info = start_backend(self.args, read_settings(), self.tool)
        except BaseException:
            self._close_store()
            raise
        self._backend = backend
        self.model_id = info.model_id
        self.kept[CONTEXT_KEY] = info.n_ctx
        if self.store is not None and self.resumed is not None:
            self.run_id = self.resumed.id
            self.store.update_tool_run(self.run_id, status="streaming", extra=self.kept)
        elif self.store is not None:
            run = self.store.add_tool_run(
                self.tool,
                self.text,
                self.options,
                info.model_id,
                "",
                status="streaming",
                extra=self.kept,
            )
            self.run_id = run.id
        return backend

    def finish(self, output: str, status: str, extra: dict[str, Any] | None = None) -> None:
        self.output = output
        if self.store is not None and self.run_id is not None:
            extra = final_extra(extra or {}, self.kept, status)
            self.store.update_tool_run(self.run_id, output=output, status=status, extra=extra)
            print(f"run {self.run_id}", file=sys.stderr)
            self.run_id = None

    def __enter__(self) -> ToolSession:
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
                status = "stopped" if interrupted else "failed"
                error = {"error": str(exc)} if exc is not None and not interrupted else {}
                self.store.update_tool_run(
                    self.run_id,
                    output=self.output,
                    status=status,
                    extra=final_extra(error, self.kept, status),
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


def drive(
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


def progress_event(progress: Progress, event: Any) -> None:
    """SplitPlan, part and combine progress; ignores the model's own prompt progress."""
    from app.core.backend import Progress
    from app.core.pipelines import Notice
    from app.core.textsplit import SplitPlan

    if isinstance(event, SplitPlan):
        progress.show(event.describe())
    elif isinstance(event, Progress) and event.what == "final":
        progress.show("writing the summary")
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
    from app.core.pipelines import Retry
    from app.core.pipelines.resume import PartKept
    from app.core.pipelines.summarise import SummaryResult, summarise_document
    from app.core.prompts import summarise as prompts

    style = STYLE_ALIASES.get(args.style, args.style)
    prompts.check_options(args.length, style)
    language = get_language(args.language).code if args.language else None
    source = resumed_input(args) or read_input(args.file)
    # The style under the pipeline's name, as the window saves it, so either face re-opens it.
    options = {"length": args.length, "style": style, "language": language or ""}
    options["source"] = source.name
    progress = Progress()
    stop = threading.Event()
    with ToolSession(args, "summarise", source.text, options) as session:
        backend = session.start()
        events = summarise_document(
            backend,
            source.text,
            length=args.length,
            style=style,
            language=language,
            stop=stop,
            done_parts=session.done_parts(),
        )
        shown: list[str] = []
        # To a terminal the final pass streams; into a pipe or file only the summary kept is
        # written, at the end, so a withdrawn answer (Retry) never reaches what a script reads.
        streaming = sys.stdout.isatty()

        def on_event(event: Any) -> None:
            if isinstance(event, Token) and not streaming:
                return
            if isinstance(event, Token):
                if not shown:
                    event = Token(event.text.lstrip(), event.logprob, event.top)
                shown.append(event.text)
                session.show(event.text, "".join(shown))
            elif isinstance(event, PartKept):
                session.keep(event)
            else:
                if isinstance(event, Retry) and shown:
                    # A terminal cannot take back what it printed: the new answer starts on
                    # a line of its own, after the note saying why.
                    write_out("\n")
                    shown.clear()
                progress_event(progress, event)

        result, interrupted = drive(backend, events, stop, SummaryResult, on_event)
        if not streaming and result is not None and result.text:
            shown.append(result.text)
            session.show(result.text, result.text)
        if shown:
            write_out("\n")
        if result is not None and result.cut_off:
            print(
                "note: the summary was cut off at the length limit; "
                "a longer --length gives it more room.",
                file=sys.stderr,
            )
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
            write_out(text + "\n")
    return EXIT_OK


# --------------------------------------------------------------------------- translate


def cmd_translate(args: argparse.Namespace) -> int:
    """Translate a document keeping its structure; each finished part streams to stdout."""
    from app.core.langs import get_language
    from app.core.pipelines import PartDone
    from app.core.pipelines.resume import PartKept
    from app.core.pipelines.translate import TranslationResult, translate_document
    from app.core.prompts.translate import tone_instruction

    target = get_language(args.to)
    source_language = get_language(args.source).code if args.source else None
    tone_instruction(target, args.tone)
    glossary = read_glossary(Path(args.glossary)) if args.glossary else None
    if getattr(args, "resume_glossary", None):
        glossary = args.resume_glossary
    source = resumed_input(args) or read_input(args.file)
    options: dict[str, Any] = {
        "to": target.code,
        "from": source_language or "",
        "tone": args.tone or "",
        "glossary": glossary or {},
        "source": source.name,
    }
    progress = Progress()
    stop = threading.Event()
    with ToolSession(args, "translate", source.text, options) as session:
        backend = session.start()
        events = translate_document(
            backend,
            source.text,
            target=target.code,
            source=source_language,
            glossary=glossary,
            tone=args.tone,
            stop=stop,
            done_parts=session.done_parts(),
        )

        def show_upto(text: str) -> None:
            # Parts arrive as "the document so far"; print only what is new.
            if text.startswith(session.output) and len(text) > len(session.output):
                session.show(text[len(session.output) :], text)

        def on_event(event: Any) -> None:
            if isinstance(event, PartDone):
                show_upto(event.text)
            elif isinstance(event, PartKept):
                session.keep(event)
            else:
                progress_event(progress, event)

        result, interrupted = drive(backend, events, stop, TranslationResult, on_event)
        if result is not None and result.status == "complete":
            show_upto(result.text)
        if session.output and not session.output.endswith("\n"):
            write_out("\n")
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


# --------------------------------------------------------------------------- wiring


def add_tool_commands(sub: argparse._SubParsersAction) -> None:
    """Add summarise and translate to the top-level ``parley`` commands."""
    from app.core.prompts.summarise import LENGTHS
    from app.core.prompts.translate import TONES

    file_help = "the document (text, Markdown, HTML, PDF, Word), or - to read stdin"

    summarise = sub.add_parser("summarise", help="summarise a document of any length")
    summarise.add_argument("file", metavar="FILE|-", help=file_help)
    summarise.add_argument("--length", choices=tuple(LENGTHS), default="medium")
    summarise.add_argument("--style", choices=summary_styles(), default="paragraph")
    summarise.add_argument("--language", help="language of the summary (default: the document's)")
    summarise.add_argument("--no-save", action="store_true", help="do not save to history")
    add_model_options(summarise)
    summarise.set_defaults(func=cmd_summarise)

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
    add_model_options(translate)
    translate.set_defaults(func=cmd_translate)
