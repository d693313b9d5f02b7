"""``parley models hardware|download|import|remove|bench`` as a user runs them.

Downloads come from the fake hub on 127.0.0.1 (HF_ENDPOINT is passed to the subprocess),
which serves the real starter model; the load test after a download runs the real engine.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ParleyRunner, parley_executable
from tests.hubserver import FILE, REPO, FakeHub, serve_tiny_chat, sha256_of


@pytest.fixture
def hub(starter_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    yield from serve_tiny_chat(starter_model, tmp_path, monkeypatch)


def test_hardware_table_and_json(parley: ParleyRunner) -> None:
    table = parley("models", "hardware")
    assert table.returncode == 0, table.stderr
    assert "Cores:" in table.stdout and "RAM:" in table.stdout and "GPU backend:" in table.stdout
    assert "smollm2-135m-instruct" in table.stdout
    result = parley("models", "hardware", "--format", "json", "--context", "8192")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["logical_cores"] == os.cpu_count()
    assert data["ram_total_bytes"] > 0
    assert data["fit"]["smollm2-135m-instruct"]["context"] == 8192
    assert data["fit"]["smollm2-135m-instruct"]["label"] in (
        "Runs on GPU",
        "Partly on GPU",
        "CPU only — slower",
    )


def test_download_a_catalogue_model_with_load_test(
    parley: ParleyRunner, hub: FakeHub, parley_home: Path, starter_model: Path
) -> None:
    result = parley("models", "download", "tiny-chat")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "tiny-chat"
    assert "verified" in result.stderr and "Load test passed." in result.stderr
    saved = parley_home / "models" / FILE
    assert sha256_of(saved) == sha256_of(starter_model)
    listing = json.loads(parley("models", "list", "--format", "json").stdout)
    assert next(r for r in listing if r["id"] == "tiny-chat")["installed"] is True
    again = parley("models", "download", "tiny-chat")
    assert again.returncode == 0 and "already installed" in again.stderr


def test_download_any_file_by_repo_and_name(
    parley: ParleyRunner, hub: FakeHub, parley_home: Path
) -> None:
    hub.add_file(REPO, "other-name.Q4_1.gguf", hub.files[(REPO, FILE)].path)
    result = parley("models", "download", f"{REPO}/other-name.Q4_1.gguf", "--no-load-test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "other-name.Q4_1.gguf"
    assert (parley_home / "models" / "other-name.Q4_1.gguf").stat().st_size == 98_362_432


def test_download_errors_are_one_clear_line(parley: ParleyRunner, hub: FakeHub) -> None:
    missing = parley("models", "download", f"{REPO}/nope.gguf")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "not found on the hub" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = parley("models", "download", "not-a-model")
    assert bad.returncode == 1 and "neither a catalogue model nor a hub file" in bad.stderr


def test_interrupted_download_continues_with_a_range_request(
    parley: ParleyRunner, hub: FakeHub, parley_home: Path
) -> None:
    hub.faults.delay_s = 0.004  # about 16 MB/s, so there is time to press Ctrl+C
    part = parley_home / "models" / ".partial" / f"{FILE}.part"
    env = dict(os.environ, PARLEY_HOME=str(parley_home))
    process = subprocess.Popen(
        [parley_executable(), "models", "download", "tiny-chat", "--no-load-test"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (part.exists() and part.stat().st_size > 10_000_000):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the download did not start"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err
    assert "Paused with" in err and "run the same command again" in err
    kept = part.stat().st_size
    assert 10_000_000 < kept < 98_362_432

    hub.faults.delay_s = 0.0
    resumed = parley("models", "download", "tiny-chat", "--no-load-test")
    assert resumed.returncode == 0, resumed.stderr
    assert "Continuing" in resumed.stderr
    assert hub.file_gets()[-1].range == f"bytes={kept}-"
    assert sha256_of(parley_home / "models" / FILE) == hub.files[(REPO, FILE)].sha256


def test_import_and_remove(
    parley: ParleyRunner, starter_model: Path, tmp_path: Path, parley_home: Path
) -> None:
    source = tmp_path / "colleague.gguf"
    shutil.copyfile(starter_model, source)
    imported = parley("models", "import", str(source))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "colleague.gguf"
    assert "Architecture:    llama" in imported.stderr
    assert "Quantization:    Q4_1" in imported.stderr
    duplicate = parley("models", "import", str(source))
    assert duplicate.returncode == 1 and "already installed" in duplicate.stderr

    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    bad = parley("models", "import", str(text))
    assert bad.returncode == 1 and "is not a GGUF model file" in bad.stderr

    unconfirmed = parley("models", "remove", "colleague.gguf")
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    assert (parley_home / "models" / "colleague.gguf").exists()
    removed = parley("models", "remove", "colleague.gguf", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert "98.4 MB freed" in removed.stderr
    assert not (parley_home / "models" / "colleague.gguf").exists()
    starter = parley("models", "remove", "smollm2-135m-instruct", "--yes")
    assert starter.returncode == 1 and "built into Parley" in starter.stderr

    linked = parley("models", "import", str(source), "--link")
    assert linked.returncode == 0, linked.stderr
    assert (parley_home / "models" / "colleague.gguf").is_symlink()


@pytest.mark.slow
def test_bench_measures_and_stores(parley: ParleyRunner, parley_home: Path) -> None:
    result = parley(
        "models",
        "bench",
        "smollm2-135m-instruct",
        "--threads",
        "2",
        "--prompt-tokens",
        "64",
        "--tokens",
        "16",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["threads"] == 2 and data["device"] == "CPU"
    assert data["prompt_tps"] > 0 and data["generation_tps"] > 0
    stored = json.loads((parley_home / "data" / "benchmarks.json").read_text())
    assert "smollm2-135m-instruct|2|CPU" in stored["results"]


def test_progress_bar_draws_only_on_a_terminal() -> None:
    from app.cli_models import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = ProgressBar(screen)
    bar.update("Downloading", 49_181_216, 98_362_432, "12.0 MB/s ETA 0:04")
    bar.done()
    drawn = screen.getvalue()
    assert drawn.startswith("\rDownloading [############------------]  50.0% 49.2 MB / 98.4 MB")
    assert "ETA 0:04" in drawn and drawn.endswith("\n")
    pipe = io.StringIO()
    quiet = ProgressBar(pipe)
    quiet.update("Downloading", 1, 2)
    quiet.done()
    assert pipe.getvalue() == ""
