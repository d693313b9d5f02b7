"""``parley eval FILE``: which installed model predicts this text best, and how fast.

Wired into the ``parley`` parser by :func:`add_eval_command`. Perplexity is measured by
app/core/model_eval.py the way llama.cpp's ``llama-perplexity`` does; this module only reads
the input, runs one engine through the models in turn and prints the comparison. It keeps the
CLI's rules: the table (or JSON) goes to stdout, progress to stderr (the per-window line only
on a terminal), bad input is one clear line before any model is loaded, and Ctrl+C stops
cleanly: the first press lets the window being scored finish and prints what was measured
(the current model marked partial), a second press quits at once. Either way the exit code is
130, as for every interrupted command.

A model that fails to load is reported on its own line and the others are still measured;
the exit code is then 1.

With ``--reference REF --task translate|summarise`` each model also runs that tool's real
pipeline on FILE and its output is scored against REF (chrF or ROUGE-L F1, see
app/core/reference_metrics.py). Each row also shows the engine process's peak memory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    CliError,
    bounded,
    error_message,
    read_settings,
    user_errors,
)

if TYPE_CHECKING:
    from app.core.backend import ModelRef
    from app.core.model_eval import EvalProgress, EvalResult
    from app.core.reference_metrics import ReferenceTask

REFERENCE_NOTE = (
    "Higher is better. chrF (0-100) and ROUGE-L (0-1) count how much of your reference the "
    "output shares, in characters or in word order; they do not judge meaning or correctness."
)
COMPARABILITY_NOTE = (
    "Lower is better. Perplexity per token compares models that share a tokenizer (such as "
    "quantizations of one model); across model families compare bits per character."
)


def window_size(text: str) -> int:
    """An argparse ``type`` for ``--window``: a whole number of tokens within the bound."""
    from app.core.model_eval import WINDOW_BOUND

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number {WINDOW_BOUND.describe()}"
        ) from None
    if not WINDOW_BOUND.minimum <= value <= WINDOW_BOUND.maximum:
        raise argparse.ArgumentTypeError(f"must be {WINDOW_BOUND.describe()}, not {value:,}")
    return value


class LiveLine:
    """The per-window progress line on stderr, redrawn in place; silent off a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._shown = False

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        sys.stderr.write("\r" + text[:160].ljust(80))
        sys.stderr.flush()
        self._shown = True

    def end(self) -> None:
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._shown = False

    def say(self, text: str) -> None:
        """A line that stays (model loaded, result, error)."""
        self.end()
        print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def first_interrupt_stops(stop: threading.Event, line: LiveLine) -> Iterator[None]:
    """While inside: the first Ctrl+C sets ``stop`` (the window being scored finishes), the
    second raises KeyboardInterrupt as usual. Only the main thread can take signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        line.say("Stopping after this window… (press Ctrl+C again to quit at once)")

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _resolve(specs: list[str]) -> list[ModelRef]:
    """Every ``--model`` resolved before anything loads, so a typo fails at once."""
    from app.core.catalogue import resolve_model

    models = [resolve_model(spec) for spec in specs] if specs else [resolve_model(None)]
    seen: set[str] = set()
    unique = []
    for model in models:
        key = str(model.path.resolve())
        if key not in seen:
            seen.add(key)
            unique.append(model)
    return unique


def _short_hint(exc: Exception) -> str:
    """The core's message for a text too short, with the option that fixes it."""
    from app.core.model_eval import TextTooShort

    message = error_message(exc)
    if isinstance(exc, TextTooShort) and exc.suggested:
        message += f" (--window {exc.suggested})"
    return message


def _reference_task(args: argparse.Namespace) -> ReferenceTask | None:
    """The checked ``--reference``/``--task``/``--target``, read before any model loads."""
    from app.core.reference_metrics import make_reference_task, read_reference

    reference, task, target = args.reference, args.task, args.target
    if reference is None:
        if task is not None:
            raise CliError("--task needs the reference to score against: --reference FILE")
        if target is not None:
            raise CliError("--target is the language of a translation scored with --reference")
        return None
    if task is None:
        raise CliError(
            "--reference needs the task whose output it is: --task translate (chrF) or "
            "--task summarise (ROUGE-L)"
        )
    from app.core.reference_metrics import check_task

    if check_task(task) == "translate" and not target:  # told before the file is read
        raise CliError("--task translate needs the language to translate into: --target LANG")
    text, name = read_reference(reference)
    return make_reference_task(task, text, name, target)


def cmd_eval(args: argparse.Namespace) -> int:
    """Measure each model's perplexity on FILE and print the comparison."""
    if args.list:
        return cmd_eval_list(args)
    if args.file is None:
        raise CliError("give the document to evaluate on (parley eval FILE), or --list")
    if getattr(args, "server", None):
        raise CliError(
            "parley eval measures models on this computer: a server does not give the "
            "probabilities of a text's own tokens; leave out --server"
        )
    from app.cli.tools import read_input
    from app.core.model_eval import (
        DEFAULT_WINDOW,
        EvaluationError,
        EvaluationStopped,
        InputError,
        evaluate_model,
    )
    from app.engine.local import LocalBackend

    source = read_input(args.file)  # InputError (empty, binary, unreadable) before any load
    reference = _reference_task(args)
    window = args.window or DEFAULT_WINDOW
    specs = list(args.models or ([args.model] if getattr(args, "model", None) else []))
    models = _resolve(specs)
    settings = read_settings()
    options = settings.load_options(threads=getattr(args, "threads", None))
    line = LiveLine()
    stop = threading.Event()
    results: list[EvalResult] = []
    failures: list[tuple[str, str]] = []

    def progress(step: EvalProgress) -> None:
        if step.stage == "loading":
            line.say(step.english())
        else:
            line.show(step.english())

    backend = LocalBackend()
    try:
        with first_interrupt_stops(stop, line):
            for model in models:
                if stop.is_set():
                    break
                try:
                    result = evaluate_model(
                        backend,
                        model,
                        options,
                        source.text,
                        window=window,
                        text_name=source.name,
                        progress=progress,
                        stop=stop,
                        save=not args.no_save,
                        reference=reference,
                    )
                except EvaluationStopped:
                    break
                except InputError as exc:
                    # The same text for every model: too short for one is told per model,
                    # since each tokenizer counts it differently.
                    line.end()
                    failures.append((model.label, _short_hint(exc)))
                    continue
                except EvaluationError as exc:
                    raise CliError(error_message(exc)) from None
                except user_errors() as exc:  # a model that fails to load: tell, go on
                    line.end()
                    said = error_message(exc) if isinstance(exc, Exception) else str(exc)
                    failures.append((model.label, said))
                    continue
                line.end()
                results.append(result)
    finally:
        line.end()
        backend.close()
    _report(args, source.name, window, results, failures, stopped=stop.is_set(), task=reference)
    if stop.is_set():
        return EXIT_INTERRUPTED
    return EXIT_ERROR if failures else EXIT_OK


def _report(
    args: argparse.Namespace,
    text_name: str,
    window: int,
    results: list[EvalResult],
    failures: list[tuple[str, str]],
    *,
    stopped: bool,
    task: ReferenceTask | None = None,
) -> None:
    if args.format == "json":
        payload: dict[str, Any] = {
            "text": text_name,
            "window": window,
            "reference": None
            if task is None
            else {
                "file": task.reference_name,
                "task": task.task,
                "target": task.target,
                "metric": task.metric,
            },
            "results": [_json_row(r) for r in results],
            "failed": [{"model": name, "error": message} for name, message in failures],
            "stopped": stopped,
            "note": COMPARABILITY_NOTE,
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        if len(failures) == 1 and not results:
            print(f"error: {failures[0][1]}", file=sys.stderr)
        return
    for name, message in failures:
        prefix = f"{name}: " if len(failures) + len(results) > 1 else ""
        print(f"error: {prefix}{message}", file=sys.stderr)
    if not results:
        if stopped:
            print("Stopped before any window was scored.", file=sys.stderr)
        return
    first = results[0]
    print(f"Text: {text_name}, {first.text_chars:,} characters; window {window} tokens")
    if task is not None:
        into = f" into {task.target}" if task.target else ""
        print(f"Reference: {task.reference_name}, {task.task}{into}, scored by {task.metric}")
    print(result_table(results))
    print()
    print(COMPARABILITY_NOTE)
    if task is not None:
        print(REFERENCE_NOTE)
    if any(r.partial for r in results):
        print("* partial: stopped before the last window; the figure covers the windows done.")


def _json_row(result: EvalResult) -> dict[str, Any]:
    row = asdict(result)
    row["status"] = "partial" if result.partial else "complete"
    return row


def result_table(results: list[EvalResult]) -> str:
    """The comparison as a fixed-width table (also used by ``--list``)."""
    from app.core.hardware import format_bytes
    from app.core.model_eval import format_duration

    width = max(24, *(len(r.model_id) + 2 for r in results))
    chrf = any(r.task == "translate" for r in results)
    rouge = any(r.task == "summarise" for r in results)
    lines = [
        f"{'MODEL':{width}} {'QUANT':8} {'SIZE':>9} {'PPL':>10} {'BITS/CHAR':>9} "
        f"{'TOKENS/S':>8} {'MEMORY':>9} {'TIME':>7}  {'WINDOWS':9}"
        + (f" {'CHRF':>6}" if chrf else "")
        + (f" {'ROUGE-L':>7}" if rouge else "")
    ]
    for r in results:
        mark = "*" if r.partial else ""
        memory = format_bytes(r.peak_rss) if r.peak_rss else "?"
        row = (
            f"{r.model_id:{width}} {r.quant or '?':8} {format_bytes(r.model_size):>9} "
            f"{r.perplexity:>10.3f} {r.bits_per_char:>9.3f} {r.tokens_per_s:>8.0f} "
            f"{memory:>9} {format_duration(r.seconds):>7}  "
            f"{f'{r.windows}/{r.windows_total}{mark}':9}"
        )
        if chrf:
            row += f" {r.chrf:>6.1f}" if r.chrf is not None else f" {'—':>6}"
        if rouge:
            row += f" {r.rouge_l:>7.3f}" if r.rouge_l is not None else f" {'—':>7}"
        lines.append(row.rstrip())
    return "\n".join(lines)


def cmd_eval_list(args: argparse.Namespace) -> int:
    """The saved evaluations, newest first; with FILE only those of that text."""
    from app.core.model_eval import saved_evaluations, text_fingerprint

    fingerprint = None
    if args.file is not None:
        from app.cli.tools import read_input

        fingerprint = text_fingerprint(read_input(args.file).text)
    saved = saved_evaluations(text_sha256=fingerprint)
    if args.window:
        saved = [r for r in saved if r.window == args.window]
    if args.format == "json":
        print(json.dumps([_json_row(r) for r in saved], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not saved:
        print("No saved evaluations yet; run: parley eval FILE --model ID", file=sys.stderr)
        return EXIT_OK
    by_text: dict[tuple[str, int], list[EvalResult]] = {}
    for result in saved:
        by_text.setdefault((result.text_sha256, result.window), []).append(result)
    for group in by_text.values():
        first = group[0]
        print(
            f"Text: {first.text_name} ({first.text_sha256[:12]}), window {first.window} "
            f"tokens, measured {first.measured_at[:10]}"
        )
        print(result_table(sorted(group, key=lambda r: r.perplexity)))
        print()
    print(COMPARABILITY_NOTE)
    return EXIT_OK


def add_eval_command(sub: argparse._SubParsersAction) -> None:
    """Add ``eval`` to the top-level ``parley`` commands."""
    evaluate = sub.add_parser(
        "eval",
        help="compare installed models by perplexity on a document of yours",
        description="Measure how well each model predicts FILE (perplexity, as llama.cpp's "
        "llama-perplexity computes it), how fast it reads it and the engine's peak memory. "
        + COMPARABILITY_NOTE
        + " With --reference and --task, each model also translates or summarises FILE with "
        "the real tool and is scored against your reference (chrF, ROUGE-L: higher is better).",
    )
    evaluate.add_argument(
        "file",
        nargs="?",
        metavar="FILE|-",
        help="the document (text, Markdown, HTML, PDF, Word), or - to read stdin",
    )
    evaluate.add_argument(
        "--model",
        dest="models",
        action="append",
        metavar="ID|PATH",
        help="a model to evaluate (repeat to compare several; default: the chat model)",
    )
    evaluate.add_argument(
        "--window",
        type=window_size,
        default=None,
        help="tokens per window (default 512, as llama-perplexity's -c); each window's second "
        "half is scored",
    )
    evaluate.add_argument(
        "--threads",
        type=bounded("threads"),
        default=argparse.SUPPRESS,
        help="CPU threads for the model (default: the settings')",
    )
    evaluate.add_argument(
        "--reference",
        metavar="REF_FILE",
        default=None,
        help="your own translation or summary of FILE: each model's output is scored "
        "against it (needs --task)",
    )
    evaluate.add_argument(
        "--task",
        metavar="translate|summarise",
        default=None,
        help="what the reference is: translate (scored by chrF) or summarise (ROUGE-L F1)",
    )
    evaluate.add_argument(
        "--target",
        metavar="LANG",
        default=None,
        help="the language to translate into (--task translate, required), e.g. fr or zh; "
        "with --task summarise, the summary's language (default: the document's)",
    )
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.add_argument("--no-save", action="store_true", help="do not save the results")
    evaluate.add_argument(
        "--list", action="store_true", help="list saved results (of FILE's text, if given)"
    )
    evaluate.set_defaults(func=cmd_eval)
