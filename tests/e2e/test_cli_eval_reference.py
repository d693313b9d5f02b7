"""``parley eval --reference``: the real command runs the real translate pipeline with the
starter model and scores it against the user's reference; bad input is one clear line.

The document is two sentences and the window 16 tokens, so a run takes seconds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from tests.e2e.conftest import ParleyRunner

THREADS = ("--threads", "2")
SOURCE = (
    "The engine keeps one model loaded and answers requests in turn. A second request waits "
    "until the first is done, so the computer never holds two models at once.\n"
)
FRENCH = (
    "Le moteur garde un modèle chargé et répond aux demandes à tour de rôle. Une deuxième "
    "demande attend que la première soit terminée.\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_translation_is_scored_by_chrf_beside_perplexity(
    parley: ParleyRunner, tmp_path: Path
) -> None:
    document = write(tmp_path, "source.txt", SOURCE)
    reference = write(tmp_path, "fr.txt", FRENCH)
    args = (*THREADS, "eval", str(document), "--window", "16", "--reference", str(reference))
    done = parley(*args, "--task", "translate", "--target", "fr", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["reference"] == {
        "file": "fr.txt", "task": "translate", "target": "fr", "metric": "chrF",
    }  # fmt: skip
    [row] = report["results"]
    assert row["status"] == "complete" and row["task"] == "translate"
    assert 0 <= row["chrf"] <= 100 and row["rouge_l"] is None
    assert math.isfinite(row["perplexity"]) and row["perplexity"] > 1
    assert row["task_tokens"] > 0 and row["peak_rss"] > row["model_size"] // 2

    # The saved result is listed with its score, in its own column.
    listed = parley("eval", str(document), "--list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[1].split()[-2:] == ["WINDOWS", "CHRF"]
    assert lines[2].split()[-1] == f"{row['chrf']:.1f}"


def test_reference_bad_input_is_one_clear_line(parley: ParleyRunner, tmp_path: Path) -> None:
    document = write(tmp_path, "source.txt", SOURCE)
    reference = write(tmp_path, "ref.txt", FRENCH)
    empty = write(tmp_path, "empty.txt", "")
    blank = write(tmp_path, "blank.txt", " \n\n ")
    ref = ("--reference", str(reference))
    cases = [
        ([*ref], "--reference needs the task whose output it is"),
        (["--task", "summarise"], "--task needs the reference to score against"),
        ([*ref, "--task", "poem"], "Unknown task “poem”"),
        ([*ref, "--task", "translate"], "needs the language to translate into: --target"),
        ([*ref, "--task", "translate", "--target", "klingon"], "Unknown language “klingon”"),
        (["--reference", str(tmp_path / "gone.txt"), "--task", "summarise"], "does not exist"),
        (["--reference", str(empty), "--task", "summarise"], "empty.txt is empty"),
        (["--reference", str(blank), "--task", "summarise"], "blank.txt has no text"),
    ]
    for extra, expected in cases:
        done = parley("eval", str(document), *extra)
        assert done.returncode == 1, (extra, done.stderr)
        assert done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (extra, done.stderr)
        assert expected in lines[0], (extra, lines[0])
        assert "Loading" not in done.stderr  # told before any model loads
