"""Package benchmarks: how big the bundle and the .deb are, how fast the frozen app opens.

* Bundle size on disk without the starter model. Target < 180 MB; baseline: a plain
  PyInstaller bundle of the same dependencies, 252 MB (docs/FIELD-NOTES.md).
* The .deb, starter model included (xz). Target < 160 MB.
* Time from launch to the main window, frozen app. Target < 1.5 s. The app is started on a
  private X server (Xvfb) and the clock stops when the X server reports Parley's window as
  mapped; no hook in the app is involved. Median of several launches, each with a fresh
  PARLEY_HOME (so the first-run work, creating the history database, is included).
* Idle memory of the app process once start-up has settled (model loaded in the engine
  process). Target < 150 MB. The whole tree (app + engine with the model + multiprocessing's
  resource tracker) is reported beside it.

Needs ``make package`` first (dist/Parley and dist/*.deb); rows that cannot be measured say why
in ``note`` and carry no value. Run alone with ``python -m bench.package``.
"""

from __future__ import annotations

import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

import frozen_probe  # noqa: E402

MB = 1_000_000
BUNDLE_TARGET_MB = 180
DEB_TARGET_MB = 160
STARTUP_TARGET_S = 1.5
RSS_TARGET_MB = 150
BASELINE_BUNDLE_MB = 252
LAUNCHES = 5


def _unmeasured(name: str, unit: str, target: str, note: str) -> dict[str, Any]:
    return {"benchmark": name, "value": None, "unit": unit, "target": target, "note": note}


def _size_rows(bundle: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    name = "package: bundle on disk, without the starter model"
    if not frozen_probe.bundle_executable(bundle).is_file():
        return [_unmeasured(name, "MB", f"< {BUNDLE_TARGET_MB} MB", "run `make package` first")]
    model = frozen_probe.bundle_model(bundle)
    model_bytes = model.stat().st_blocks * 512 if model.exists() else 0
    without_model = frozen_probe.disk_usage(bundle) - model_bytes
    rows.append(
        {
            "benchmark": name,
            "value": round(without_model / MB, 1),
            "unit": "MB",
            "mib": round(without_model / 2**20, 1),
            "baseline": BASELINE_BUNDLE_MB,
            "ratio": round(without_model / MB / BASELINE_BUNDLE_MB, 3),
            "target": f"< {BUNDLE_TARGET_MB} MB",
        }
    )
    debs = sorted((ROOT / "dist").glob("parley_*.deb"))
    name = "package: .deb with the starter model (xz)"
    if debs:
        size = debs[-1].stat().st_size
        rows.append(
            {
                "benchmark": name,
                "value": round(size / MB, 1),
                "unit": "MB",
                "mib": round(size / 2**20, 1),
                "target": f"< {DEB_TARGET_MB} MB",
            }
        )
    elif sys.platform.startswith("linux"):
        rows.append(_unmeasured(name, "MB", f"< {DEB_TARGET_MB} MB", "run `make package` first"))
    return rows


def _runtime_rows(bundle: Path) -> list[dict[str, Any]]:
    startup = f"package: frozen app, launch to window (median of {LAUNCHES}, Xvfb)"
    idle = "package: idle memory of the app process (RSS, model loaded)"
    if not frozen_probe.bundle_executable(bundle).is_file():
        note = "run `make package` first"
    elif not sys.platform.startswith("linux"):
        note = "measured on Linux (Xvfb) only"
    elif frozen_probe.missing_x11_tools():
        note = f"not installed: {', '.join(frozen_probe.missing_x11_tools())}"
    else:
        note = ""
    if note:
        return [
            _unmeasured(startup, "s", f"< {STARTUP_TARGET_S} s", note),
            _unmeasured(idle, "MB", f"< {RSS_TARGET_MB} MB", note),
        ]
    executable = frozen_probe.bundle_executable(bundle)
    times: list[float] = []
    own = total = 0
    with frozen_probe.xvfb() as display:
        for launch in range(LAUNCHES):
            home = frozen_probe.fresh_home()
            try:
                app = frozen_probe.launch_until_window(executable, display, home)
                try:
                    times.append(app.seconds_to_window)
                    if launch == 0:
                        model = frozen_probe.bundle_model(bundle)
                        if not frozen_probe.wait_for_model_mapped(app.process.pid, model):
                            raise frozen_probe.ProbeError("the engine never loaded the model")
                        own, total = frozen_probe.settled_rss(app.process.pid)
                finally:
                    leftovers = frozen_probe.stop_app(app.process)
                if leftovers:
                    raise frozen_probe.ProbeError(f"processes outlived the app: {leftovers}")
            finally:
                shutil.rmtree(home, ignore_errors=True)
    return [
        {
            "benchmark": startup,
            "value": round(statistics.median(times), 3),
            "unit": "s",
            "runs": [round(t, 3) for t in times],
            "target": f"< {STARTUP_TARGET_S} s",
        },
        {
            "benchmark": idle,
            "value": round(own / MB, 1),
            "unit": "MB",
            "whole_tree_mb": round(total / MB, 1),
            "target": f"< {RSS_TARGET_MB} MB",
        },
    ]


def run() -> list[dict[str, Any]]:
    """Rows for ``python -m bench``."""
    bundle = frozen_probe.BUNDLE
    return _size_rows(bundle) + _runtime_rows(bundle)


if __name__ == "__main__":
    for row in run():
        print(row)
