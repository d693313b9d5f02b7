"""Run the frozen app the way a user does and observe it from outside (tests and bench).

The start-up time is measured without any hook in the app: the app is started on a private
X server (Xvfb) and the clock stops when the X server reports Parley's top-level window as
mapped (``IsViewable``), which is what the user sees as "the window opened". The window is
found with ``xwininfo`` (x11-utils), so nothing here depends on Qt or on the app's code.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "Parley"
STARTER_MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
_WINDOW_LINE = re.compile(r'^\s*(0x[0-9a-f]+) "Parley": \("Parley" "Parley"\)', re.MULTILINE)


class ProbeError(Exception):
    """The frozen app did not do what was expected; the message says what happened."""


def bundle_executable(bundle: Path = BUNDLE) -> Path:
    """The executable that runs the self-test (parley-cli.exe on Windows, Parley elsewhere)."""
    if sys.platform == "win32":
        return bundle / "parley-cli.exe"
    return bundle / "Parley"


def bundle_model(bundle: Path = BUNDLE) -> Path:
    """Where the starter model sits inside the bundle."""
    return bundle / "_internal" / "resources" / "models" / STARTER_MODEL_NAME


def disk_usage(path: Path) -> int:
    """Bytes a folder occupies on disk (allocated blocks, as ``du`` counts; links not followed)."""
    total = 0
    for item in [path, *path.rglob("*")]:
        stat = item.lstat()
        total += getattr(stat, "st_blocks", 0) * 512 or stat.st_size
    return total


def clean_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a fresh user: a private PARLEY_HOME, no source tree on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PARLEY_"))}
    env["PARLEY_HOME"] = str(home)
    env.update(extra or {})
    return env


def run_self_test(executable: Path, home: Path, timeout: float = 180.0) -> dict[str, object]:
    """Run ``<executable> --self-test`` and return its JSON report."""
    try:
        result = subprocess.run(
            [str(executable), "--self-test", "--threads", "2"],
            env=clean_env(home, {"QT_QPA_PLATFORM": "offscreen"}),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProbeError(
            f"{executable.name} --self-test did not finish in {timeout:.0f} s"
        ) from exc
    if result.returncode != 0:
        raise ProbeError(
            f"{executable.name} --self-test exited with {result.returncode}: "
            f"{result.stderr.strip()[-2000:]}"
        )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise ProbeError(f"no JSON report in the self-test output: {result.stdout[-500:]!r}")
    report: dict[str, object] = json.loads(lines[-1])
    return report


def missing_x11_tools() -> list[str]:
    """The programs :func:`xvfb` and :func:`launch_until_window` need that are not installed."""
    return [tool for tool in ("Xvfb", "xwininfo") if shutil.which(tool) is None]


@contextlib.contextmanager
def xvfb(width: int = 1280, height: int = 800) -> Iterator[str]:
    """A private X server for the duration of the block; yields its DISPLAY value."""
    missing = missing_x11_tools()
    if missing:
        raise ProbeError(f"not installed: {', '.join(missing)} (apt-get install xvfb x11-utils)")
    binary = shutil.which("Xvfb") or "Xvfb"
    read_fd, write_fd = os.pipe()
    # -displayfd: the server picks a free display number and writes it when it is ready.
    server = subprocess.Popen(
        [
            binary,
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        socket = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + 10
        while number.isdigit() and not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not number.isdigit() or not socket.exists():
            raise ProbeError("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _mapped_parley_window(display: str) -> bool:
    env = {**os.environ, "DISPLAY": display}
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True, check=False
    ).stdout
    for window_id in _WINDOW_LINE.findall(tree):
        info = subprocess.run(
            ["xwininfo", "-id", window_id], env=env, capture_output=True, text=True, check=False
        ).stdout
        if "IsViewable" in info:
            return True
    return False


@dataclass
class RunningApp:
    """A frozen app started by :func:`launch_until_window`."""

    process: subprocess.Popen[bytes]
    seconds_to_window: float
    log: Path


def launch_until_window(
    executable: Path, display: str, home: Path, timeout: float = 60.0
) -> RunningApp:
    """Start the app on ``display``; return once its main window is mapped."""
    log = home / "probe-output.log"
    home.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(executable)],
            env=clean_env(home, {"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    while time.perf_counter() - started < timeout:
        if _mapped_parley_window(display):
            return RunningApp(process, time.perf_counter() - started, log)
        if process.poll() is not None:
            text = log.read_text(errors="replace")[-2000:]
            raise ProbeError(
                f"the app exited with {process.returncode} before showing a window: {text}"
            )
        time.sleep(0.01)
    stop_app(process)
    raise ProbeError(f"no Parley window within {timeout:.0f} s")


def wait_for_model_mapped(pid: int, model: Path, timeout: float = 120.0) -> bool:
    """True once a child of ``pid`` (the engine) has memory-mapped ``model``.

    llama.cpp maps the GGUF file when it loads a model, so this tells from outside the app
    that its engine process is up and loading, without any hook in the app.
    """
    import psutil

    target = model.resolve()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            children = psutil.Process(pid).children(recursive=True)
        except psutil.Error:
            return False
        for child in children:
            try:
                if any(Path(m.path) == target for m in child.memory_maps()):
                    return True
            except psutil.Error:
                continue
        time.sleep(0.2)
    return False


def process_tree_rss(pid: int) -> tuple[int, int]:
    """(RSS of the process, RSS of it and all its descendants) in bytes."""
    import psutil

    root = psutil.Process(pid)
    own = root.memory_info().rss
    total = own
    for child in root.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += child.memory_info().rss
    return own, total


def settled_rss(pid: int, quiet_s: float = 3.0, timeout: float = 60.0) -> tuple[int, int]:
    """RSS once start-up work (history, model load in the engine) has stopped growing it."""
    deadline = time.monotonic() + timeout
    last = process_tree_rss(pid)
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = process_tree_rss(pid)
        if abs(now[1] - last[1]) > 1_000_000:
            stable_since = time.monotonic()
        last = now
        if time.monotonic() - stable_since >= quiet_s:
            break
    return last


def stop_app(process: subprocess.Popen[bytes], timeout: float = 15.0) -> list[int]:
    """Ask the app to quit (SIGTERM), wait for it and its children; return leftover pids.

    A leftover is a bug (an engine process that outlives its app), so the caller reports it;
    leftovers are killed here either way so that nothing keeps running after a test.
    """
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        children = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    _gone, alive = psutil.wait_procs(children, timeout=timeout)
    leftovers = [p.pid for p in alive]
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(alive, timeout=5)
    return leftovers


def fresh_home() -> Path:
    """A throwaway PARLEY_HOME (callers remove it)."""
    return Path(tempfile.mkdtemp(prefix="parley-probe-"))
