"""``parley models list|hardware|download|import|remove|bench`` as a user runs them.

Downloads come from the fake hub on 127.0.0.1 (HF_ENDPOINT is passed to the subprocess),
which serves the real starter model; the load test after a download or before an import runs
the real engine.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.test_gguf import build_gguf
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
        "Fits, on the CPU",
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
    """A hub file outside the catalogue is listed, and usable by the id the download printed."""
    hub.add_file(REPO, "other-name.Q4_1.gguf", hub.files[(REPO, FILE)].path)
    result = parley("models", "download", f"{REPO}/other-name.Q4_1.gguf", "--no-load-test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "other-name.Q4_1"
    assert (parley_home / "models" / "other-name.Q4_1.gguf").stat().st_size == 98_362_432

    listing = parley("models", "list", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    row = next(r for r in json.loads(listing.stdout) if r["id"] == "other-name.Q4_1")
    assert row["installed"] is True and row["in_catalogue"] is False
    assert (row["source"], row["repo"], row["file"]) == ("hub", REPO, "other-name.Q4_1.gguf")
    assert (row["quant"], row["context_length"]) == ("Q4_1", 8192)  # from its header
    table = parley("models", "list").stdout.splitlines()
    line = next(t for t in table if t.startswith("other-name.Q4_1 "))
    assert "Q4_1" in line and "yes" in line and line.endswith(f"hub {REPO}")
    assert table[0].split()[-1] == "SOURCE"

    for name in ("other-name.Q4_1", "other-name.Q4_1.gguf"):
        chat = parley("--model", name, "chat", "Hello", "--no-save", "--max-tokens", "4")
        assert chat.returncode == 0, chat.stderr
        assert chat.stdout.strip()
    missing = parley("--model", "other-name", "chat", "Hello", "--no-save")
    assert missing.returncode == 1
    error = missing.stderr.strip()
    assert error.startswith("error: There is no model called 'other-name'.")
    assert "The installed models are: smollm2-135m-instruct, other-name.Q4_1." in error


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
    assert imported.stdout.strip() == "colleague"
    assert "Load test passed." in imported.stderr
    assert "Architecture:    llama" in imported.stderr
    assert "Quantization:    Q4_1" in imported.stderr
    duplicate = parley("models", "import", str(source))
    assert duplicate.returncode == 1 and "already installed" in duplicate.stderr

    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    bad = parley("models", "import", str(text))
    assert bad.returncode == 1 and "is not a GGUF model file" in bad.stderr

    listing = json.loads(parley("models", "list", "--format", "json").stdout)
    row = next(r for r in listing if r["id"] == "colleague")
    assert (row["source"], row["installed"], row["in_catalogue"]) == ("imported", True, False)

    unconfirmed = parley("models", "remove", "colleague.gguf")
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    assert (parley_home / "models" / "colleague.gguf").exists()
    removed = parley("models", "remove", "colleague.gguf", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert "98.4 MB freed" in removed.stderr
    assert not (parley_home / "models" / "colleague.gguf").exists()
    starter = parley("models", "remove", "smollm2-135m-instruct", "--yes")
    assert starter.returncode == 1 and "built into Parley" in starter.stderr

    linked = parley("models", "import", str(source), "--link", "--no-load-test")
    assert linked.returncode == 0, linked.stderr
    assert "Load test" not in linked.stderr
    assert (parley_home / "models" / "colleague.gguf").is_symlink()
    table = parley("models", "list").stdout.splitlines()
    assert next(t for t in table if t.startswith("colleague ")).endswith("imported (link)")


def _gguf_with_an_invalid_tensor_type(path: Path) -> Path:
    """A small GGUF whose header parses, with one tensor of type id 1000 (ggml has ~40).

    Built with the GGUF writer of tests/core/test_gguf.py as an F32 tensor, then the type id
    is overwritten: the header reader accepts it, llama.cpp refuses to load it.
    """
    name = "token_embd.weight"
    shape = (64, 4)
    kv = [("general.architecture", 8, "llama"), ("general.name", 8, "Bad tensor type")]
    data = bytearray(build_gguf(kv, [(name, shape, 0)]))
    raw = name.encode()
    entry = struct.pack("<Q", len(raw)) + raw + struct.pack("<I", len(shape))
    entry += b"".join(struct.pack("<Q", d) for d in shape)
    at = data.index(entry) + len(entry)
    assert struct.unpack("<I", data[at : at + 4]) == (0,)
    data[at : at + 4] = struct.pack("<I", 1000)
    path.write_bytes(bytes(data))
    return path


def test_import_refuses_a_model_the_engine_cannot_load(
    parley: ParleyRunner, tmp_path: Path, parley_home: Path
) -> None:
    """It used to be imported with rc 0 and then fail at every use."""
    bad = _gguf_with_an_invalid_tensor_type(tmp_path / "bad-types.gguf")
    for extra in ((), ("--link",)):
        result = parley("models", "import", str(bad), *extra)
        assert result.returncode == 1, result.stderr
        error = result.stderr.strip().splitlines()[-1]
        assert error.startswith(
            "error: bad-types.gguf has a valid GGUF header, but the engine could not load it: "
        )
        assert error.endswith("It was not installed.")
        assert "Traceback" not in result.stderr and result.stdout == ""
        models = parley_home / "models"
        assert not (models / "bad-types.gguf").exists()
        assert not (models / "bad-types.gguf").is_symlink()
    listing = json.loads(parley("models", "list", "--format", "json").stdout)
    assert "bad-types" not in {r["id"] for r in listing}


def test_a_broken_catalogue_does_not_block_a_model_path(
    parley: ParleyRunner, starter_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--model /path/to/file.gguf`` needs no catalogue; ids still need it and say why."""
    source = tmp_path / "mine.gguf"
    shutil.copyfile(starter_model, source)
    broken = tmp_path / "models.json"
    broken.write_text('{"version": 1, "models": [', encoding="utf-8")
    monkeypatch.setenv("PARLEY_CATALOGUE", str(broken))
    result = parley("--model", str(source), "chat", "Hello", "--no-save", "--max-tokens", "4")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "error" not in result.stderr.lower()
    by_id = parley("--model", "smollm2-135m-instruct", "chat", "Hello", "--no-save")
    assert by_id.returncode == 1
    assert "is not valid JSON" in by_id.stderr and str(broken) in by_id.stderr


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
    from app.cli.models import ProgressBar

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
