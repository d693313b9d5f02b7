"""``parley eval`` end to end: the real command, the real starter model, a real document.

The text is one of the project's own documents (docs/FIELD-NOTES.md), cut to a few windows
of 128 tokens so each run takes seconds on a shared two-core machine.
"""

from __future__ import annotations

import json
import math
import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

from tests.e2e.conftest import ParleyRunner, parley_executable

REPO = Path(__file__).resolve().parents[2]
REAL_TEXT = REPO / "docs" / "FIELD-NOTES.md"
THREADS = ("--threads", "2")


def real_document(tmp_path: Path, chars: int = 2400) -> Path:
    text = REAL_TEXT.read_text(encoding="utf-8")
    cut = text.rfind("\n", 0, chars)
    path = tmp_path / "notes.md"
    path.write_text(text[:cut], encoding="utf-8")
    return path


def test_eval_json_on_a_real_text_is_saved_and_listed(parley: ParleyRunner, tmp_path: Path) -> None:
    document = real_document(tmp_path)
    done = parley(*THREADS, "eval", str(document), "--window", "128", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["window"] == 128 and report["text"] == "notes.md"
    assert report["failed"] == [] and report["stopped"] is False
    assert "bits per character" in report["note"]
    [row] = report["results"]
    assert row["status"] == "complete" and not row["partial"]
    assert math.isfinite(row["perplexity"]) and row["perplexity"] > 1
    assert row["windows"] == row["windows_total"] >= 3
    assert row["scored_tokens"] == row["windows"] * 63
    assert row["quant"] == "Q4_1" and row["model_file"].endswith(".gguf")
    assert 0 < row["bits_per_char"] < 8 and row["tokens_per_s"] > 0
    assert row["peak_rss"] > row["model_size"] // 2  # the engine holds the mapped weights
    assert row["task"] == "" and row["chrf"] is None and report["reference"] is None
    assert "Loading" in done.stderr  # progress goes to stderr, never into the JSON

    listed = parley("eval", "--list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    saved = json.loads(listed.stdout)
    assert [r["perplexity"] for r in saved] == [row["perplexity"]]
    table = parley("eval", str(document), "--list")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].startswith("Text: notes.md") and "window 128 tokens" in lines[0]
    assert lines[1].split() == [
        "MODEL", "QUANT", "SIZE", "PPL", "BITS/CHAR", "TOKENS/S", "MEMORY", "TIME", "WINDOWS",
    ]  # fmt: skip
    assert f"{row['perplexity']:.3f}" in lines[2]


def test_eval_bad_input_is_one_clear_line(parley: ParleyRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    binary = tmp_path / "data.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01" * 20)
    short = tmp_path / "short.txt"
    short.write_text(REAL_TEXT.read_text(encoding="utf-8")[:1200], encoding="utf-8")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x00" * 64)
    cases = [
        (["eval", str(empty)], "error: empty.txt is empty: there is no text to work on."),
        (["eval", str(binary)], "binary data"),
        (["eval", str(tmp_path / "gone.md")], "gone.md does not exist"),
        (["eval", str(short), "--model", "no-such-model"], "There is no model called"),
        (["eval", str(short), "--model", str(broken)], "broken.gguf"),
        (["--server", "http://127.0.0.1:9", "eval", str(short)], "leave out --server"),
        (["eval"], "give the document to evaluate on"),
    ]
    for args, expected in cases:
        done = parley(*args)
        assert done.returncode == 1, (args, done.stderr)
        assert expected in done.stderr, (args, done.stderr)
        assert done.stderr.strip().splitlines()[-1].startswith("error: "), done.stderr
        assert "Traceback" not in done.stderr and done.stdout == "", args

    # Too short for a window: the model's own tokenizer counts it, and the fix is named.
    done = parley(*THREADS, "eval", str(short))
    assert done.returncode == 1, done.stderr
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("error: The text has ") and "tokens with this model" in message
    assert "perplexity needs at least one window of 512 tokens" in message
    assert message.endswith("(--window 128)") or message.endswith("(--window 64)"), message
    bad_window = parley("eval", str(short), "--window", "8")
    assert bad_window.returncode == 2
    assert "must be between 16 and 32,768" in bad_window.stderr


def test_ctrl_c_stops_after_the_window_and_prints_a_partial_figure(
    parley_home: Path, tmp_path: Path, parley: ParleyRunner
) -> None:
    document = real_document(tmp_path, chars=8000)
    # stderr on a pseudo-terminal shows the per-window line, which says when to press Ctrl+C.
    leader, follower = pty.openpty()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [parley_executable(), *THREADS, "eval", str(document), "--window", "128",
             "--format", "json"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            env=dict(os.environ, PARLEY_HOME=str(parley_home)),
        )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, previous)
        os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 120
        while b"window 2/" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if ready:
                try:
                    seen += os.read(leader, 4096)
                except OSError:
                    break
        assert b"window 2/" in seen, seen
        process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=60)
        while True:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if not ready:
                break
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    stderr = seen.decode("utf-8", errors="replace")
    assert process.returncode == 130, stderr
    assert "Stopping after this window" in stderr and "Traceback" not in stderr
    report = json.loads(stdout)
    assert report["stopped"] is True
    [row] = report["results"]
    assert row["status"] == "partial" and 2 <= row["windows"] < row["windows_total"]
    assert math.isfinite(row["perplexity"]) and row["perplexity"] > 1
    assert json.loads(parley("eval", "--list", "--format", "json").stdout) == []
