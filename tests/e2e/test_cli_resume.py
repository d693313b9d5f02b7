"""``parley summarise`` and ``parley translate`` stopped part-way keep their finished parts;
``parley runs resume ID`` continues the same run from the first unfinished part, with the
real starter model."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import time
from pathlib import Path

from tests.e2e.conftest import ParleyRunner, parley_executable
from tests.e2e.test_cli_tools import ONE_THREAD, _long_document

# A small context makes the ~2,300-token document several short parts.
CONTEXT = ("--context", "1024")


def _read_until(leader: int, wanted: str, seconds: float) -> str:
    """What the terminal showed until ``wanted`` appeared (or the time ran out)."""
    seen = ""
    deadline = time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk.decode("utf-8", errors="replace")
    return seen


def _stop_after(parley_home: Path, args: list[str], wanted: str) -> None:
    """Run ``parley ARGS`` with stderr on a terminal and press Ctrl+C once ``wanted`` shows
    there (the progress line's "part 2 of": part 1 is saved with the run by then)."""
    leader, follower = pty.openpty()
    # As in test_cli_tools: a Python handler is reset to the default in the child, so the
    # child takes Ctrl+C as a user's terminal would give it.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [parley_executable(), *ONE_THREAD, *CONTEXT, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            env=dict(os.environ, PARLEY_HOME=str(parley_home)),
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    os.close(follower)
    try:
        shown = _read_until(leader, wanted, 240)
        assert wanted in shown, shown
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    assert process.returncode == 130


def test_stopped_summary_continues_from_its_first_unfinished_part(
    parley_home: Path, tmp_path: Path, parley: ParleyRunner
) -> None:
    document = tmp_path / "ashwood.md"
    document.write_text(_long_document(), encoding="utf-8")
    _stop_after(parley_home, ["summarise", str(document), "--length", "short"], "part 2 of")

    listing = json.loads(parley("runs", "list", "--format", "json").stdout)
    assert len(listing) == 1 and listing[0]["status"] == "stopped"
    rid = str(listing[0]["id"])
    stopped = json.loads(parley("runs", "show", rid, "--format", "json").stdout)
    kept = stopped["extra"]["done_parts"]
    assert kept and kept[0]["index"] == 1 and kept[0]["data"].strip()
    assert stopped["extra"]["context"] == 1024
    total = kept[0]["total"]
    assert total >= 3

    resumed = parley("runs", "resume", rid, *ONE_THREAD, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.strip(), "no summary was printed"

    after = json.loads(parley("runs", "list", "--format", "json").stdout)
    assert [run["id"] for run in after] == [listing[0]["id"]]  # the same run, continued
    full = json.loads(parley("runs", "show", rid, "--format", "json").stdout)
    assert full["status"] == "complete"
    # The saved summary is what was printed last (a withdrawn first answer may come before).
    assert full["output"] and resumed.stdout.strip().endswith(full["output"])
    extra = full["extra"]
    # The parts finished before the stop were not read again, and every part is counted.
    assert extra["resumed_parts"] >= len(kept)
    assert extra["parts"] == total
    assert (
        extra["model_calls"] <= total - extra["resumed_parts"] + extra["combine_rounds"] * total + 2
    )
    assert "done_parts" not in extra

    # A complete run has nothing to continue.
    again = parley("runs", "resume", rid)
    assert again.returncode != 0 and "complete" in again.stderr


def test_stopped_translation_continues_without_translating_its_parts_again(
    parley_home: Path, tmp_path: Path, parley: ParleyRunner
) -> None:
    document = tmp_path / "ashwood.md"
    paragraphs = _long_document().split("\n\n")[:10]
    document.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    _stop_after(parley_home, ["translate", str(document), "--to", "fr"], "part 2 of")

    [listing] = json.loads(parley("runs", "list", "--format", "json").stdout)
    assert listing["status"] == "stopped"
    rid = str(listing["id"])
    stopped = json.loads(parley("runs", "show", rid, "--format", "json").stdout)
    kept = stopped["extra"]["done_parts"]
    assert kept and kept[0]["index"] == 1
    total = kept[0]["total"]
    assert total >= 3
    first_part = stopped["output"]
    assert first_part.strip()

    resumed = parley("runs", "resume", rid, *ONE_THREAD, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    full = json.loads(parley("runs", "show", rid, "--format", "json").stdout)
    assert full["status"] == "complete"
    extra = full["extra"]
    assert extra["resumed_parts"] >= len(kept) and extra["parts"] == total
    # The kept parts come back as they were, not translated again: the finished translation
    # starts with what the stopped run had shown, and only the other parts cost calls.
    assert full["output"].startswith(first_part.rstrip())
    assert full["output"].count("\n\n") >= len(paragraphs) - 1
    # One call per part translated now, plus one per line it sent again: the kept parts
    # (whose retries are replayed from the record) cost none.
    resumed = extra["resumed_parts"]
    retried_now = [entry for entry in extra["retry_log"] if entry["part"] > resumed]
    assert extra["model_calls"] == (total - resumed) + len(retried_now), extra
    assert "done_parts" not in extra
