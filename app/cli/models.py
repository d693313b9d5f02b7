"""``parley models list|hardware|download|import|remove|bench``: model management in a terminal.

Wired into app/cli.py by :func:`add_models_commands` (``list`` through app.cli's
``cmd_models_list``, which calls :func:`cmd_list`). Like the rest of the CLI, failures are
one clear line on stderr (the exception types here carry user-facing messages), and heavy
imports happen inside the command that needs them. Progress bars go to stderr, and only when
it is a terminal, so ``--format json`` output and pipes stay clean.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from app.core.backend import LoadOptions
    from app.core.catalogue import InstalledModel
    from app.core.downloads import DownloadProgress

from app.cli.common import EXIT_ERROR, EXIT_OK, CliError, bounded


class ModelsCliError(CliError):
    """A failure of a models command, reported as one line like every CliError."""


def _fail(exc: BaseException) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return EXIT_ERROR


class ProgressBar:
    """A one-line bar on stderr, redrawn at most ten times a second; silent off a terminal."""

    WIDTH = 24

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last = 0.0
        self._shown = False

    def update(self, label: str, done: int, total: int, extra: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        from app.core.hardware import format_bytes

        fraction = min(1.0, done / total) if total else 0.0
        filled = int(fraction * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = (
            f"\r{label} [{bar}] {fraction * 100:5.1f}% "
            f"{format_bytes(done)} / {format_bytes(total)} {extra}"
        )
        self.stream.write(line[:200].ljust(80))
        self.stream.flush()
        self._shown = True

    def done(self) -> None:
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


# --------------------------------------------------------------------------- list


def _source_text(model: InstalledModel) -> str:
    """Where an installed model came from, in the table's words."""
    if model.source == "built-in":
        return "built in"
    if model.source == "catalogue":
        return "catalogue"
    if model.source == "hub":
        return f"hub {model.repo}" if model.repo else "hub"
    if model.source == "imported":
        return "imported (link)" if model.linked else "imported"
    return "models folder"


def _user_model_row(model: InstalledModel) -> dict[str, object]:
    """A row for an installed model that is not in the catalogue, facts from its header."""
    from app.core.gguf import InvalidModelError, read_gguf_metadata

    params_b: float | None = None
    quant: str | None = None
    context: int | None = None
    try:
        info = read_gguf_metadata(model.path)
    except InvalidModelError:
        pass  # listed all the same: resolving it says what is wrong
    else:
        params_b = round(info.parameter_count / 1e9, 3) if info.parameter_count else None
        quant = info.quant
        context = info.context_length
    return {
        "id": model.model_id,
        "name": model.name,
        "params_b": params_b,
        "quant": quant,
        "size_bytes": model.size_bytes,
        "context_length": context,
        "languages": [],
        "license": None,
        "builtin": False,
        "installed": True,
        "in_catalogue": False,
        "source": model.source,
        "repo": model.repo,
        "file": model.path.name,
        "path": str(model.path),
    }


def cmd_list(args: argparse.Namespace) -> int:
    """The catalogue and every installed model (catalogue or not), as a table or JSON.

    Every row's ``id`` is what ``--model`` accepts; ``source`` says where an installed model
    came from (built-in, catalogue, hub, imported, folder).
    """
    from app.core.catalogue import installed_models, load_catalogue

    entries = load_catalogue()
    installed = installed_models(entries)
    by_id = {m.model_id: m for m in installed}
    rows: list[dict[str, object]] = []
    for e in entries:
        model = by_id.get(e.id)
        rows.append(
            {
                "id": e.id,
                "name": e.name,
                "params_b": e.params_b,
                "quant": e.quant,
                "size_bytes": model.size_bytes if model else e.size_bytes,
                "context_length": e.context_length,
                "languages": list(e.languages),
                "license": e.license,
                "builtin": e.builtin,
                "installed": model is not None,
                "in_catalogue": True,
                "source": model.source if model else None,
                "repo": e.repo,
                "file": e.file,
                "path": str(model.path) if model else None,
            }
        )
    catalogue_ids = {e.id for e in entries}
    rows.extend(_user_model_row(m) for m in installed if m.model_id not in catalogue_ids)
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max(32, *(len(str(r["id"])) + 1 for r in rows))
    print(
        f"{'ID':{width}} {'PARAMS':>7} {'QUANT':8} {'SIZE':>9}  {'LANGUAGES':18} "
        f"{'INSTALLED':9} SOURCE"
    )
    for row in rows:
        model = by_id.get(str(row["id"]))
        languages = [str(code) for code in row["languages"]]  # type: ignore[attr-defined]
        langs = ",".join(languages[:5]) + ("…" if len(languages) > 5 else "")
        params = f"{row['params_b']:>6.2f}B" if row["params_b"] is not None else f"{'?':>7}"
        mark = "built-in" if row["builtin"] else ("yes" if model is not None else "")
        source = _source_text(model) if model is not None else ""
        size = int(row["size_bytes"])  # type: ignore[call-overload]
        print(
            f"{row['id']!s:{width}} {params} {row['quant'] or '?'!s:8} {size / 1e9:>7.2f}GB  "
            f"{langs:18} {mark:9} {source}".rstrip()
        )
    return EXIT_OK


# --------------------------------------------------------------------------- hardware


def cmd_hardware(args: argparse.Namespace) -> int:
    """What this computer offers a model, and which catalogue models fit."""
    from app.core.catalogue import installed_models, load_catalogue
    from app.core.fit import fit_for_entry
    from app.core.hardware import describe_hardware, detect_hardware, format_bytes
    from app.core.settings import load_settings

    info = detect_hardware()
    settings = load_settings().settings
    n_ctx = args.context or settings.context_length
    entries = load_catalogue()
    paths = {m.model_id: m.path for m in installed_models(entries)}
    fits = [
        (
            e,
            fit_for_entry(
                e, info, n_ctx, n_batch=settings.batch_size, installed_path=paths.get(e.id)
            ),
        )
        for e in entries
    ]
    if args.format == "json":
        data = info.to_json()
        data["fit"] = {
            e.id: {
                "label": f.label,
                "kind": f.kind,
                "estimate_bytes": f.estimate.total,
                "context": f.estimate.n_ctx,
                "gpu_layers": f.gpu_layers,
            }
            for e, f in fits
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    for label, value in describe_hardware(info):
        print(f"{label + ':':18} {value}")
    print()
    print(f"Catalogue models at a {n_ctx:,}-token context:")
    for entry, fit in fits:
        print(f"  {entry.id:28} {format_bytes(fit.estimate.total):>9}  {fit.label}")
    return EXIT_OK


# --------------------------------------------------------------------------- download


def _engine_load_test(settings_threads: int) -> Callable[[Path], None]:
    """A hook that loads a fresh download in a real engine process (then closes it)."""

    def load_test(path: Path) -> None:
        from app.core.backend import LoadOptions, ModelRef
        from app.engine.local import LocalBackend

        backend = LocalBackend()
        try:
            backend.load(
                ModelRef(path=path, model_id=path.name),
                LoadOptions(n_ctx=512, n_threads=settings_threads, gpu_layers=0),
            )
        finally:
            backend.close()

    return load_test


def cmd_download(args: argparse.Namespace) -> int:
    """Download a catalogue model or any GGUF on the hub, resuming an earlier attempt."""
    from app.core.downloads import Downloader, DownloadError, DownloadStopped, parse_spec
    from app.core.hardware import format_bytes
    from app.core.settings import load_settings

    try:
        spec = parse_spec(args.model)
        if args.revision:
            from dataclasses import replace

            spec = replace(spec, revision=args.revision)
    except DownloadError as exc:
        if exc.reason == "exists":
            print(str(exc), file=sys.stderr)
            return EXIT_OK
        return _fail(exc)
    downloader = Downloader()
    bar = ProgressBar()
    phases = {
        "resolving": "Asking the hub",
        "checking": "Checking part",
        "downloading": "Downloading",
        "verifying": "Verifying",
        "testing": "Load test",
    }

    def show(progress: DownloadProgress) -> None:
        extra = ""
        if progress.phase == "downloading" and progress.speed_bps > 0:
            extra = f"{format_bytes(int(progress.speed_bps))}/s ETA {_eta(progress.eta_s)}"
        bar.update(phases[progress.phase], progress.done, progress.total, extra)

    already = downloader.partial_bytes(spec)
    if already:
        print(f"Continuing {spec.name} from {format_bytes(already)}.", file=sys.stderr)
    else:
        print(f"Downloading {spec.name} from {spec.repo}.", file=sys.stderr)
    load_test: Callable[[Path], None] | None = None
    if not args.no_load_test:
        load_test = _engine_load_test(load_settings().settings.effective_threads())
    try:
        result = downloader.download(spec, progress=show, load_test=load_test)
    except KeyboardInterrupt:
        bar.done()
        kept = downloader.partial_bytes(spec)
        print(
            f"Paused with {format_bytes(kept)} downloaded; run the same command again to continue.",
            file=sys.stderr,
        )
        raise
    except DownloadStopped:  # pragma: no cover - the CLI never sets the stop flag
        bar.done()
        return EXIT_ERROR
    except DownloadError as exc:
        bar.done()
        return _fail(exc)
    bar.done()
    if result.already_installed:
        print(f"{spec.name} is already installed at {result.path}.", file=sys.stderr)
        return EXIT_OK
    resumed = f", continued from {format_bytes(result.resumed_from)}" if result.resumed_from else ""
    print(
        f"Saved {result.path.name} ({format_bytes(result.size)}{resumed}) in "
        f"{result.seconds:.1f} s; sha256 {result.sha256 or 'not published'} verified.",
        file=sys.stderr,
    )
    if result.load_error:
        print(
            f"error: the model was downloaded but the engine could not load it: "
            f"{result.load_error}",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if load_test is not None:
        print("Load test passed.", file=sys.stderr)
    print(_installed_id(result.path, spec.model_id))
    return EXIT_OK


def _installed_id(path: Path, fallback: str) -> str:
    """The id ``--model`` accepts for the model now at ``path``."""
    from app.core.catalogue import CatalogueError, installed_model_at

    try:
        model = installed_model_at(path)
    except CatalogueError:
        return fallback
    return model.model_id if model is not None else fallback


# --------------------------------------------------------------------------- import / remove


def cmd_import(args: argparse.Namespace) -> int:
    """Copy (or link) a GGUF file from disk into the models folder, after a load test.

    The load test is the one downloads run (a real engine loads the file once); a file that
    fails it is not installed, so a model that would fail at every use never appears.
    """
    from app.core.gguf import InvalidModelError
    from app.core.hardware import format_bytes
    from app.core.model_import import ModelImportError, import_model
    from app.core.settings import load_settings

    bar = ProgressBar()
    duplicate = "replace" if args.replace else ("rename" if args.keep_both else "error")
    load_test: Callable[[Path], None] | None = None
    if not args.no_load_test:
        load_test = _engine_load_test(load_settings().settings.effective_threads())

    def testing() -> None:
        print("Loading the model once to test it…", file=sys.stderr)

    try:
        imported = import_model(
            Path(args.path),
            mode="link" if args.link else "copy",
            name=args.name,
            on_duplicate=duplicate,  # type: ignore[arg-type]
            progress=lambda done, total: bar.update("Copying", done, total),
            load_test=load_test,
            on_testing=testing,
        )
    except (InvalidModelError, ModelImportError) as exc:
        bar.done()
        return _fail(exc)
    bar.done()
    if load_test is not None:
        print("Load test passed.", file=sys.stderr)
    facts = imported.facts
    how = {"copy": "copied", "symlink": "linked", "hardlink": "hard-linked"}[imported.how]
    print(f"{how.capitalize()} to {imported.path}", file=sys.stderr)
    rows = [
        ("Name", facts.name),
        ("Architecture", facts.architecture),
        ("Parameters", facts.parameters),
        ("Context length", f"{facts.context_length:,}" if facts.context_length else "unknown"),
        ("Quantization", facts.quantization),
        ("Chat template", "yes" if facts.chat_template else "no (ChatML will be used)"),
        ("Size", format_bytes(facts.size_bytes)),
    ]
    for label, value in rows:
        print(f"  {label + ':':16} {value}", file=sys.stderr)
    print(imported.model_id)
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    """Delete an installed model after confirmation (``--yes`` skips the question)."""
    from app.core.catalogue import ModelNotFoundError, installed_models
    from app.core.hardware import format_bytes
    from app.core.model_import import ModelImportError, remove_model

    target = next((m for m in installed_models() if args.model in (m.model_id, m.path.name)), None)
    if target is not None and not target.builtin and not args.yes:
        if not sys.stdin.isatty():
            return _fail(
                ModelsCliError(
                    f"removing {target.model_id} deletes {target.path}; add --yes to confirm"
                )
            )
        answer = input(
            f"Delete {target.name} ({format_bytes(target.size_bytes)}) at {target.path}? [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was removed.", file=sys.stderr)
            return EXIT_OK
    try:
        removed = remove_model(args.model)
    except (ModelImportError, ModelNotFoundError) as exc:
        return _fail(exc)
    if removed.was_link:
        print(f"Removed the link {removed.path}; the original file was kept.", file=sys.stderr)
    else:
        print(
            f"Removed {removed.path} ({format_bytes(removed.freed_bytes)} freed).", file=sys.stderr
        )
    if removed.defaults_cleared:
        tools = ", ".join(removed.defaults_cleared)
        print(f"It was the default for {tools}; those now use the starter model.", file=sys.stderr)
    return EXIT_OK


# --------------------------------------------------------------------------- bench


def _bench_options(args: argparse.Namespace) -> LoadOptions:
    """The settings' load options (one mapping for every face) with a 2,048-token window."""
    from dataclasses import replace

    from app.core.settings import load_settings

    settings = load_settings().settings
    threads = args.bench_threads or getattr(args, "threads", None)
    return replace(settings.load_options(threads=threads), n_ctx=2048)


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure prompt and generation speed of an installed model on this computer."""
    from app.core.backend import BackendError
    from app.core.catalogue import resolve_model
    from app.core.model_bench import BenchmarkError, run_benchmark
    from app.engine.local import LocalBackend

    model = resolve_model(args.model)
    options = _bench_options(args)
    backend = LocalBackend()
    try:
        result = run_benchmark(
            backend,
            model,
            options,
            prompt_tokens=args.prompt_tokens,
            generate_tokens=args.tokens,
            progress=lambda step: print(step.english(), file=sys.stderr),
        )
    except (BenchmarkError, BackendError) as exc:
        return _fail(exc)
    finally:
        backend.close()
    if args.format == "json":
        from dataclasses import asdict

        print(json.dumps(asdict(result), indent=2))
        return EXIT_OK
    print(
        f"{result.model_id} on {result.device}, {result.threads} threads: "
        f"prompt {result.prompt_tps:.1f} tokens/s ({result.prompt_tokens} tokens), "
        f"generation {result.generation_tps:.1f} tokens/s ({result.generated_tokens} tokens)"
    )
    return EXIT_OK


# --------------------------------------------------------------------------- wiring


def add_models_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``models list|hardware|download|import|remove|bench`` to the ``parley`` commands."""
    models = sub.add_parser("models", help="the model catalogue and installed models")
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    models_list = models_sub.add_parser("list", help="list catalogue and installed models")
    models_list.add_argument("--format", choices=("table", "json"), default="table")
    models_list.set_defaults(func=cmd_list)
    hardware = models_sub.add_parser("hardware", help="show CPU, memory and GPU, and what fits")
    hardware.add_argument("--format", choices=("table", "json"), default="table")
    hardware.add_argument(
        "--context", type=bounded("context_length"), help="context length for the fit estimates"
    )
    hardware.set_defaults(func=cmd_hardware)

    download = models_sub.add_parser(
        "download", help="download a catalogue model or OWNER/REPO/FILE.gguf from the hub"
    )
    download.add_argument("model", metavar="ID|REPO_ID/FILE.gguf")
    download.add_argument("--revision", help="branch, tag or commit on the hub")
    download.add_argument(
        "--no-load-test", action="store_true", help="skip loading the model after download"
    )
    download.set_defaults(func=cmd_download)

    imp = models_sub.add_parser("import", help="add a .gguf file from this computer")
    imp.add_argument("path")
    imp.add_argument("--link", action="store_true", help="link to the file instead of copying")
    imp.add_argument("--name", help="file name to install it under")
    dup = imp.add_mutually_exclusive_group()
    dup.add_argument("--replace", action="store_true", help="replace a model of the same name")
    dup.add_argument("--keep-both", action="store_true", help="install under a new name")
    imp.add_argument(
        "--no-load-test", action="store_true", help="skip loading the model before installing"
    )
    imp.set_defaults(func=cmd_import)

    remove = models_sub.add_parser("remove", help="delete an installed model")
    remove.add_argument("model", metavar="ID")
    remove.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    remove.set_defaults(func=cmd_remove)

    bench = models_sub.add_parser("bench", help="measure a model's speed on this computer")
    bench.add_argument("model", metavar="ID")
    bench.add_argument(
        "--threads", dest="bench_threads", type=bounded("threads"), help="CPU threads"
    )
    bench.add_argument("--prompt-tokens", type=bounded("bench_prompt"), default=256)
    bench.add_argument(
        "--tokens", type=bounded("bench_tokens"), default=64, help="tokens to generate"
    )
    bench.add_argument("--format", choices=("text", "json"), default="text")
    bench.set_defaults(func=cmd_bench)


Command = Callable[[argparse.Namespace], int]
