"""``parley summarise|translate|sentiment|runs`` end to end: real model, real history file.

The machine these run on is shared, so every model run uses one thread and small inputs; the
starter model is English-only, so the checks are on what the pipelines guarantee (structure,
counts, saved runs, reading every part), not on the quality of its French.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import signal
import subprocess
from pathlib import Path

from tests.e2e.conftest import ParleyRunner, parley_executable

ONE_THREAD = ("--threads", "1")
LABELS = {"positive", "negative", "neutral", "mixed"}

REVIEW = (
    "The new phone has a great battery and a sharp screen, but the camera is disappointing "
    "in low light. Shipping was fast. Support answered within an hour and replaced the charger.\n"
)

REVIEWS = [
    "I love this phone, the battery lasts forever.",
    "Terrible service, I will never come back.",
    "The package arrived on Tuesday.",
    "Great food and friendly staff.",
    "The screen cracked after one day.",
    "It is okay, nothing special.",
    "Absolutely wonderful experience!",
    "The manual is written in English.",
    "Worst purchase I have ever made.",
    "Fast shipping and a fair price.",
]

MARKDOWN = """# Getting started

Install the app and open it.

## Steps

- Download the installer.
- Run it twice.
- Open the settings.

```bash
pip install parley
echo "# not a heading"
```

Read the guide for more help.
"""


def _long_document() -> str:
    """About 2,300 tokens of varied prose: more than a 2,048-token context holds."""
    places = ["bridge", "road", "field", "market", "church", "well", "forest", "harbour"]
    moods = ["busy", "quiet", "new", "old", "broken", "repaired", "crowded", "empty"]
    paragraphs = []
    for year in range(30):
        sentences = [f"In {1900 + year} the village of Ashwood changed again."]
        for step in range(5):
            place = places[(year + step) % len(places)]
            mood = moods[(year * 3 + step) % len(moods)]
            sentences.append(f"People said the {place} was {mood} and the work went on.")
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs) + "\n"


def _runs(parley: ParleyRunner) -> list[dict[str, object]]:
    listing = parley("runs", "list", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    runs: list[dict[str, object]] = json.loads(listing.stdout)
    return runs


def _run_id(stderr: str) -> int:
    found = re.findall(r"^run (\d+)$", stderr, flags=re.MULTILINE)
    assert len(found) == 1, stderr
    return int(found[0])


def test_summarise_a_small_file_streams_and_saves_the_run(
    parley: ParleyRunner, tmp_path: Path
) -> None:
    document = tmp_path / "review.txt"
    document.write_text(REVIEW, encoding="utf-8")
    result = parley(*ONE_THREAD, "summarise", str(document), "--length", "short")
    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip()
    assert summary, "no summary was printed"
    # stderr is not a terminal here: no progress, only the saved run's id (after a note,
    # when the model's first answer copied the review and was asked for again).
    said = result.stderr.strip().splitlines()
    assert said[-1] == f"run {_run_id(result.stderr)}"
    assert all(line.startswith("note: ") for line in said[:-1]), said

    runs = _runs(parley)
    assert len(runs) == 1
    run = runs[0]
    assert run["tool"] == "summarise" and run["status"] == "complete"
    assert run["model"] == "smollm2-135m-instruct"
    assert run["options"] == {
        "length": "short",
        "style": "paragraph",
        "language": "",
        "source": "review.txt",
    }
    shown = parley("runs", "show", str(run["id"]))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == summary
    full = json.loads(parley("runs", "show", str(run["id"]), "--format", "json").stdout)
    assert full["input"] == REVIEW
    assert full["extra"]["parts"] == 1


def test_summarise_reads_every_part_of_a_document_larger_than_the_context(
    parley_home: Path, tmp_path: Path, parley: ParleyRunner
) -> None:
    document = tmp_path / "ashwood.md"
    document.write_text(_long_document(), encoding="utf-8")
    # stderr on a pseudo-terminal, as for a person at a terminal: progress must show there,
    # while stdout (a pipe) gets only the summary.
    leader, follower = pty.openpty()
    try:
        process = subprocess.run(
            [
                parley_executable(),
                *ONE_THREAD,
                "--context",
                "2048",
                "summarise",
                str(document),
                "--length",
                "short",
            ],
            stdout=subprocess.PIPE,
            stderr=follower,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=300,
            env=dict(os.environ, PARLEY_HOME=str(parley_home)),
            check=False,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    progress = b"".join(chunks).decode("utf-8", errors="replace").replace("\r", "")
    assert process.returncode == 0, progress
    assert process.stdout.strip(), "no summary was printed"
    plan = re.search(
        r"([\d,]+) tokens — the model reads ([\d,]+) at a time — (\d+) parts", progress
    )
    assert plan, progress
    total, budget, parts = (int(group.replace(",", "")) for group in plan.groups())
    assert total > 2048 and budget < 2048 and parts >= 2
    for index in range(1, parts + 1):
        assert f"part {index} of {parts}" in progress

    runs = _runs(parley)
    assert len(runs) == 1 and runs[0]["status"] == "complete"
    full = json.loads(parley("runs", "show", str(runs[0]["id"]), "--format", "json").stdout)
    assert full["output"] == process.stdout.strip()
    # Every token of the document went to the model, in the parts the plan announced (a
    # token may count differently where the text was cut, so one per cut is allowed).
    assert full["extra"]["parts"] == parts
    assert full["extra"]["document_tokens"] == total
    assert abs(full["extra"]["tokens_read"] - total) <= parts - 1


def _structure(markdown: str) -> tuple[int, int, list[str]]:
    """Headings and list items outside code, and the code blocks' lines."""
    headings = items = 0
    code: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            code.append(line)
        elif in_code:
            code.append(line)
        elif re.match(r"#{1,6} \S", line):
            headings += 1
        elif re.match(r"- \S", line):
            items += 1
    return headings, items, code


def test_translate_markdown_keeps_headings_list_items_and_code(
    parley: ParleyRunner, tmp_path: Path
) -> None:
    document = tmp_path / "guide.md"
    document.write_text(MARKDOWN, encoding="utf-8")
    result = parley(*ONE_THREAD, "translate", str(document), "--to", "fr", "--no-save")
    assert result.returncode == 0, result.stderr
    headings, items, code = _structure(MARKDOWN)
    assert (headings, items, len(code)) == (2, 3, 4)
    assert _structure(result.stdout) == (headings, items, code)
    assert "pip install parley" in result.stdout
    assert result.stdout.strip() != MARKDOWN.strip(), "nothing was translated"
    assert _runs(parley) == []  # --no-save


def test_sentiment_lines_as_json_and_csv(parley: ParleyRunner, tmp_path: Path) -> None:
    reviews = tmp_path / "reviews.txt"
    reviews.write_text("\n".join(REVIEWS) + "\n\n", encoding="utf-8")

    as_json = parley(*ONE_THREAD, "sentiment", str(reviews), "--lines", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert [row["line"] for row in rows] == list(range(1, 11))
    assert [row["text"] for row in rows] == REVIEWS
    for row in rows:
        assert row["label"] in LABELS
        assert 0.0 < row["confidence"] <= 1.0

    as_csv = parley(
        *ONE_THREAD, "sentiment", "-", "--lines", "--format", "csv", input_text=("\n".join(REVIEWS))
    )
    assert as_csv.returncode == 0, as_csv.stderr
    lines = as_csv.stdout.splitlines()
    assert len(lines) == 11
    parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [row["text"] for row in parsed] == REVIEWS
    # Greedy labelling of the same lines gives the same labels whatever the output format.
    assert [row["label"] for row in parsed] == [row["label"] for row in rows]

    runs = _runs(parley)
    assert [run["tool"] for run in runs] == ["sentiment", "sentiment"]
    saved = json.loads(parley("runs", "show", str(runs[0]["id"]), "--format", "json").stdout)
    assert saved["output"] == as_csv.stdout


def test_bad_inputs_are_one_clear_line_and_save_nothing(
    parley: ParleyRunner, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "data.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG\r\n")
    guide = tmp_path / "guide.md"
    guide.write_text(MARKDOWN, encoding="utf-8")
    cases = [
        (["summarise", str(empty)], "empty.txt is empty"),
        (["summarise", str(binary)], "binary data"),
        (["translate", str(tmp_path / "missing.md"), "--to", "fr"], "missing.md does not exist"),
        (["translate", str(guide), "--to", "klingon"], "unknown language “klingon”"),
        (["sentiment", str(picture)], "cannot read .png files"),
        (["sentiment", str(guide), "--column", "text"], "needs a csv file"),
        (["runs", "show", "42"], "no saved run 42"),
    ]
    for args, expected in cases:
        result = parley(*args, timeout=60)
        assert result.returncode == 1, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ")
        assert expected.lower() in lines[0].lower(), lines[0]
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
    blank_stdin = parley("summarise", "-", input_text="  \n\n ")
    assert blank_stdin.returncode == 1
    assert blank_stdin.stderr.strip() == "error: There is no text to work on: the input is empty."
    assert _runs(parley) == []


def test_ctrl_c_stops_cleanly_and_keeps_what_was_done(
    parley_home: Path, parley: ParleyRunner, tmp_path: Path
) -> None:
    many = tmp_path / "many.txt"
    many.write_text("\n".join(REVIEWS * 4) + "\n", encoding="utf-8")
    # A runner started in the background ignores Ctrl+C, and children inherit that; a Python
    # handler instead is reset to the default in the child, as for a user at a terminal.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [
                parley_executable(),
                *ONE_THREAD,
                "sentiment",
                str(many),
                "--lines",
                "--format",
                "csv",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PARLEY_HOME=str(parley_home)),
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        assert process.stdout is not None
        header = process.stdout.readline()
        first_row = process.stdout.readline()
        assert header.startswith("line,text,label"), header
        assert first_row.startswith("1,"), first_row
        process.send_signal(signal.SIGINT)
        rest, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in stderr
    shown = header + first_row + rest
    assert len(shown.splitlines()) < 41, "the batch was not stopped"

    runs = _runs(parley)
    assert len(runs) == 1 and runs[0]["status"] == "stopped"
    saved = json.loads(parley("runs", "show", str(runs[0]["id"]), "--format", "json").stdout)
    assert saved["output"] == shown
