"""Run every benchmark module and write one Markdown report.

``python -m bench`` runs all of ``bench/*.py`` that define ``run()``; ``python -m bench engine
history`` runs only those. The table is printed and written to ``bench/results/latest.md``,
with the machine it ran on, so figures are never read without their context. Rows of modules
that were not run this time are kept from the previous report (their "measured" column says
when), so one person re-running one module does not wipe everyone else's figures.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import platform
import re
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "latest.md"
COLUMNS = ("benchmark", "value", "unit", "baseline", "ratio", "target")


def discover(names: Sequence[str] = ()) -> list[str]:
    """Benchmark module names: every ``bench/*.py`` except the package's own files."""
    found = sorted(p.stem for p in BENCH_DIR.glob("*.py") if p.stem not in {"__init__", "__main__"})
    if not names:
        return found
    unknown = sorted(set(names) - set(found))
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(found)}")
    return [n for n in found if n in names]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("|", "\\|")


_BOUND = re.compile(r"^\s*(<=|<|>=|>)\s*([0-9][0-9,]*\.?[0-9]*)")
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def verdict(row: dict[str, Any]) -> str:
    """Whether a row meets its target.

    A numeric target is the minimum ratio; a text target such as "< 50 ms" bounds the value
    (in the row's own unit). Anything else is informational.
    """
    target, ratio, value = row.get("target"), row.get("ratio"), row.get("value")
    if isinstance(target, int | float) and isinstance(ratio, int | float):
        return "yes" if ratio >= target else "NO"
    if isinstance(target, str) and isinstance(value, int | float):
        match = _BOUND.match(target)
        if match:
            bound = float(match.group(2).replace(",", ""))
            return "yes" if _COMPARE[match.group(1)](float(value), bound) else "NO"
    return ""


def details(row: dict[str, Any]) -> str:
    """Extra figures a benchmark attached to its row (e.g. worst case, counts)."""
    return ", ".join(f"{k}={_cell(v)}" for k, v in row.items() if k not in COLUMNS)


HEADER = "| module | " + " | ".join(COLUMNS) + " | met | details | measured |"
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def table_lines(rows: list[tuple[str, dict[str, Any]]], measured: str) -> list[str]:
    lines = []
    for module, row in rows:
        cells = [module, *(_cell(row.get(c)) for c in COLUMNS), verdict(row), details(row)]
        lines.append("| " + " | ".join([*cells, measured]) + " |")
    return lines


def _module_of(line: str) -> str:
    cells = _UNESCAPED_PIPE.split(line)
    return cells[1].strip() if len(cells) > 2 else ""


def earlier_lines(path: Path, replaced: set[str]) -> list[str]:
    """Table rows of the previous report whose module was not run this time."""
    if not path.exists():
        return []
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| module |"):  # rows, not headers
            continue
        module = _module_of(line)
        if module and module not in replaced:
            kept.append(line)
    return kept


def machine() -> str:
    return (
        f"{platform.system()} {platform.release()}, {platform.machine()}, "
        f"{os.cpu_count()} logical CPUs, Python {platform.python_version()}"
    )


def main(argv: Sequence[str]) -> int:
    rows: list[tuple[str, dict[str, Any]]] = []
    failed: list[str] = []
    started = time.time()
    names = discover(argv)
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        run: Callable[[], list[dict[str, Any]]] | None = getattr(module, "run", None)
        if run is None:
            continue
        print(f"running bench.{name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            module_rows = run()
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        print(f"  {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        rows.extend((name, row) for row in module_rows)
    measured = time.strftime("%Y-%m-%d %H:%M", time.localtime(started))
    new_lines = table_lines(rows, measured)
    separator = "|---" * (len(COLUMNS) + 4) + "|"
    print("\n".join([HEADER, separator, *new_lines]))
    kept = earlier_lines(RESULTS, {n for n in names if n not in failed})
    report = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Last run {measured} on {machine()}.",
            "A numeric target is the minimum ratio; a text target bounds the value.",
            "",
            HEADER,
            separator,
            *sorted(kept + new_lines, key=_module_of),  # stable: each module keeps its order
            "",
        ]
        + ([f"Failed to run: {', '.join(failed)}", ""] if failed else [])
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main(sys.argv[1:]))
