"""Downloads against a fake hub on 127.0.0.1: resume, verification, failures, no stray traffic.

The fake hub (tests/hubserver.py) serves the real 98 MB starter model under another name, so
every download here is a real HTTP transfer of a real model file, checked by its real SHA-256.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core import downloads
from app.core.catalogue import installed_models, resolve_model
from app.core.downloads import (
    Downloader,
    DownloadError,
    DownloadProgress,
    DownloadQueue,
    DownloadStopped,
    parse_spec,
)
from app.core.downloads import downloader as transfer  # where the seams are looked up
from app.core.paths import app_dirs
from tests.hubserver import (
    FILE,
    REPO,
    FakeHub,
    serve_tiny_chat,
    sha256_of,
    wait_for,
    write_catalogue,
)

ROOT = Path(__file__).resolve().parents[2]
SIZE = 98_362_432


@pytest.fixture
def hub(starter_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """A fake hub with the starter model published as test-org/Tiny-GGUF/tiny-chat.Q4_1.gguf."""
    not_a_model = tmp_path / "readme.gguf"
    not_a_model.write_text("This is a model card, not a model.\n" * 50)
    extra = {"second-copy.Q4_1.gguf": starter_model, "readme.gguf": not_a_model}
    yield from serve_tiny_chat(starter_model, tmp_path, monkeypatch, extra)


def tiny_spec() -> downloads.DownloadSpec:
    return parse_spec("tiny-chat")


def no_leftovers() -> bool:
    partial = app_dirs().models / ".partial"
    return not partial.exists() or not any(partial.iterdir())


# --------------------------------------------------------------------------- happy path


def test_full_download_is_verified_installed_and_resolvable(
    hub: FakeHub, starter_model: Path
) -> None:
    reports: list[DownloadProgress] = []
    result = Downloader().download(tiny_spec(), progress=reports.append)

    assert result.path == app_dirs().models / FILE
    assert result.size == SIZE and result.path.stat().st_size == SIZE
    assert result.sha256 == sha256_of(starter_model) == sha256_of(result.path)
    assert result.resumed_from == 0 and not result.already_installed
    assert no_leftovers()
    # It is now an installed catalogue model that resolves to a checked file.
    assert "tiny-chat" in {m.model_id for m in installed_models()}
    assert resolve_model("tiny-chat").path == result.path
    # Progress: phases in order, bytes never go back, a speed and time left are given.
    phases = [r.phase for r in reports]
    assert phases[0] == "resolving" and phases[-1] == "verifying"
    done = [r.done for r in reports if r.phase == "downloading"]
    assert done == sorted(done) and done[-1] == SIZE
    assert any(r.speed_bps > 0 and r.eta_s is not None for r in reports)
    # What the client asked for: metadata, LFS info at the pinned commit, then the bytes.
    paths = hub.paths()
    assert paths[0] == f"HEAD /{REPO}/resolve/main/{FILE}"
    assert paths[1] == f"POST /api/models/{REPO}/paths-info/{hub.commit}"
    assert f"GET /{REPO}/resolve/{hub.commit}/{FILE}" in paths
    assert [g.range for g in hub.file_gets()] == [None]
    # huggingface_hub's own telemetry request never happens.
    assert not any("agent-harnesses" in p for p in paths)


def test_second_download_is_a_no_op(hub: FakeHub) -> None:
    Downloader().download(tiny_spec())
    seen = len(hub.seen)
    again = Downloader().download(tiny_spec())
    assert again.already_installed
    assert len(hub.seen) == seen  # no request at all


def test_any_gguf_on_the_hub_by_repo_and_file(hub: FakeHub) -> None:
    spec = parse_spec(f"{REPO}/second-copy.Q4_1.gguf")
    assert spec.sha256 is None and spec.model_id == "second-copy.Q4_1"
    result = Downloader().download(spec)
    assert result.sha256 == hub.files[(REPO, "second-copy.Q4_1.gguf")].sha256
    # Installed under the id the spec promised, and remembered as a download from the hub.
    model = next(m for m in installed_models() if m.path == result.path)
    assert (model.model_id, model.source, model.repo) == ("second-copy.Q4_1", "hub", REPO)
    assert resolve_model("second-copy.Q4_1").path == result.path
    assert resolve_model("second-copy.Q4_1.gguf").path == result.path


# --------------------------------------------------------------------------- resume


def test_resume_after_a_dropped_connection(hub: FakeHub) -> None:
    hub.faults.drop_after = 30_000_000
    hub.faults.drops = 1
    downloader = Downloader(retries=0)
    with pytest.raises(DownloadError) as failed:
        downloader.download(tiny_spec())
    assert failed.value.reason == "network"
    assert failed.value.partial_kept
    assert "kept" in str(failed.value)
    assert downloader.partial_bytes(tiny_spec()) == 30_000_000

    result = downloader.download(tiny_spec())
    assert result.resumed_from == 30_000_000
    assert [g.range for g in hub.file_gets()] == [None, "bytes=30000000-"]
    assert result.sha256 == hub.files[(REPO, FILE)].sha256
    assert no_leftovers()


def test_a_lost_connection_is_retried_within_one_download(hub: FakeHub) -> None:
    hub.faults.drop_after = 12_345_678
    hub.faults.drops = 2
    result = Downloader(retries=3, retry_delay=0.05).download(tiny_spec())
    ranges = [g.range for g in hub.file_gets()]
    assert ranges == [None, "bytes=12345678-", f"bytes={2 * 12_345_678}-"]
    assert result.sha256 == hub.files[(REPO, FILE)].sha256


def test_resume_after_a_restart_of_the_app(hub: FakeHub) -> None:
    """A new downloader (as after a restart) finds the partial file and continues it."""
    stop = threading.Event()

    def stop_after_20_mb(progress: DownloadProgress) -> None:
        if progress.done > 20_000_000:
            stop.set()

    with pytest.raises(DownloadStopped):
        Downloader().download(tiny_spec(), progress=stop_after_20_mb, stop=stop)
    fresh = Downloader()
    pending = fresh.pending()
    assert [p.spec.model_id for p in pending] == ["tiny-chat"]
    kept = pending[0].done
    assert 20_000_000 < kept < SIZE and pending[0].total == SIZE

    checked: list[DownloadProgress] = []
    result = fresh.download(pending[0].spec, progress=checked.append)
    assert result.resumed_from == kept
    assert hub.file_gets()[-1].range == f"bytes={kept}-"
    assert any(p.phase == "checking" for p in checked)  # the kept part was re-hashed
    assert result.sha256 == hub.files[(REPO, FILE)].sha256


def test_a_server_that_answers_ranges_in_pieces_is_followed(hub: FakeHub) -> None:
    """A 206 shorter than asked (its Content-Range says so) is progress, not a failure."""
    hub.faults.drop_after = 10_000_000
    hub.faults.drops = 1
    hub.faults.range_cap = 20_000_000
    result = Downloader(retries=1, retry_delay=0.01).download(tiny_spec())
    assert result.sha256 == hub.files[(REPO, FILE)].sha256
    starts = [0, 10_000_000, 30_000_000, 50_000_000, 70_000_000, 90_000_000]
    assert [g.range for g in hub.file_gets()] == [None] + [f"bytes={n}-" for n in starts[1:]]


def test_a_server_that_ignores_range_restarts_cleanly(hub: FakeHub) -> None:
    hub.faults.drop_after = 10_000_000
    hub.faults.drops = 1
    downloader = Downloader(retries=0)
    with pytest.raises(DownloadError):
        downloader.download(tiny_spec())
    hub.faults.ignore_range = True
    result = downloader.download(tiny_spec())
    assert result.sha256 == hub.files[(REPO, FILE)].sha256
    assert result.path.stat().st_size == SIZE


# --------------------------------------------------------------------------- the queue


def test_queue_pause_resume_and_cancel(hub: FakeHub) -> None:
    hub.faults.delay_s = 0.002  # ~30 MB/s: slow enough to act on a running download
    queue = DownloadQueue(Downloader())
    states: list[str] = []
    queue.add_listener(lambda job: states.append(job.state))
    try:
        job = queue.add(tiny_spec())
        wait_for(lambda: job.progress is not None and job.progress.done > 5_000_000)
        queue.pause(job)
        wait_for(lambda: job.state == "paused")
        kept = queue.downloader.partial_bytes(job.spec)
        assert kept > 5_000_000

        queue.resume(job)
        wait_for(
            lambda: (
                job.state == "running"
                and job.progress is not None
                and job.progress.phase == "downloading"
                and job.progress.done > kept
            )
        )
        assert hub.file_gets()[-1].range == f"bytes={kept}-"
        queue.cancel(job)
        wait_for(lambda: job.state == "cancelled")
        assert queue.downloader.partial_bytes(job.spec) == 0
        assert no_leftovers()
        assert not (app_dirs().models / FILE).exists()
    finally:
        queue.close()
    assert "paused" in states and "cancelled" in states


def test_queue_runs_downloads_one_at_a_time(hub: FakeHub) -> None:
    queue = DownloadQueue(Downloader(), parallel=1)
    running_together: list[int] = []
    lock = threading.Lock()

    def watch(_job: downloads.DownloadJob) -> None:
        with lock:
            running_together.append(sum(j.state == "running" for j in queue.jobs()))

    queue.add_listener(watch)
    try:
        first = queue.add(tiny_spec())
        second = queue.add(parse_spec(f"{REPO}/second-copy.Q4_1.gguf"))
        assert queue.add(tiny_spec()) is first  # the same file is not queued twice
        assert queue.wait(120)
    finally:
        queue.close()
    assert first.state == second.state == "done"
    assert max(running_together) == 1
    assert len(hub.file_gets()) == 2


# --------------------------------------------------------------------------- failures


def test_checksum_mismatch_deletes_the_file(hub: FakeHub) -> None:
    hub.faults.corrupt = True
    with pytest.raises(DownloadError) as failed:
        Downloader().download(tiny_spec())
    assert failed.value.reason == "checksum"
    assert "does not match the checksum" in str(failed.value)
    assert "deleted" in str(failed.value)
    assert not (app_dirs().models / FILE).exists()
    assert no_leftovers()


def test_a_changed_file_on_the_hub_is_refused_before_downloading(
    hub: FakeHub, tmp_path: Path, starter_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = write_catalogue(tmp_path / "pinned.json", starter_model, pinned_sha="0" * 64)
    monkeypatch.setenv("PARLEY_CATALOGUE", str(catalogue))
    with pytest.raises(DownloadError) as failed:
        Downloader().download(parse_spec("tiny-chat"))
    assert failed.value.reason == "changed"
    assert "has changed" in str(failed.value)
    assert hub.file_gets() == []


def test_not_found_on_the_hub(hub: FakeHub) -> None:
    with pytest.raises(DownloadError) as no_file:
        Downloader().download(parse_spec(f"{REPO}/missing.gguf"))
    assert no_file.value.reason == "not_found"
    assert "was not found on the hub" in str(no_file.value)
    with pytest.raises(DownloadError) as no_repo:
        Downloader().download(parse_spec("nobody/nothing/model.gguf"))
    assert no_repo.value.reason == "not_found"
    assert "nobody/nothing was not found on the hub" in str(no_repo.value)


def test_server_errors_are_retried_then_reported(hub: FakeHub) -> None:
    hub.faults.server_errors = 1
    result = Downloader(retries=2, retry_delay=0.01).download(tiny_spec())
    assert result.size == SIZE
    hub.faults.server_errors = 10
    with pytest.raises(DownloadError) as failed:
        Downloader(retries=1, retry_delay=0.01).download(
            parse_spec(f"{REPO}/second-copy.Q4_1.gguf")
        )
    assert failed.value.reason == "server"
    assert "HTTP 503" in str(failed.value)


def test_a_silent_server_times_out_with_a_message(hub: FakeHub) -> None:
    hub.faults.delay_s = 3.0
    with pytest.raises(DownloadError) as failed:
        Downloader(timeout=0.5, retries=0).download(tiny_spec())
    assert failed.value.reason == "timeout"
    assert "did not answer within 0.5 seconds" in str(failed.value)


def test_not_enough_disk_space_is_said_before_starting(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "free_disk_bytes", lambda _folder: 50 * 10**6)
    with pytest.raises(DownloadError) as failed:
        Downloader().download(tiny_spec())
    message = str(failed.value)
    assert failed.value.reason == "disk_full"
    assert "98.4 MB" in message and "50.0 MB is free" in message
    assert hub.file_gets() == []


def test_disk_full_while_writing_keeps_the_part(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = transfer.write_chunk
    written = {"bytes": 0}

    def fill_up(handle: object, data: memoryview) -> int:
        if written["bytes"] > 10_000_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = real_write(handle, data)  # type: ignore[arg-type]
        written["bytes"] += n
        return n

    monkeypatch.setattr(transfer, "write_chunk", fill_up)
    downloader = Downloader()
    with pytest.raises(DownloadError) as failed:
        downloader.download(tiny_spec())
    assert failed.value.reason == "disk_full"
    assert failed.value.partial_kept
    assert "The disk is full" in str(failed.value)
    kept = downloader.partial_bytes(tiny_spec())
    assert kept == written["bytes"] > 10_000_000
    monkeypatch.setattr(transfer, "write_chunk", real_write)
    result = downloader.download(tiny_spec())
    assert result.resumed_from == kept
    assert result.sha256 == hub.files[(REPO, FILE)].sha256


def _mount_tmpfs(folder: Path, size: str) -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def test_a_really_full_disk(hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a real 40 MB file system: refused up front, then (check bypassed) ENOSPC mid-write."""
    home = tmp_path / "small-disk"
    if not _mount_tmpfs(home, "40m"):
        pytest.skip("mounting a small tmpfs needs root; the patched-write test covers ENOSPC")
    try:
        monkeypatch.setenv("PARLEY_HOME", str(home))
        downloader = Downloader()
        with pytest.raises(DownloadError) as refused:
            downloader.download(tiny_spec())
        assert refused.value.reason == "disk_full"
        assert "Not enough free disk space" in str(refused.value)

        monkeypatch.setattr(transfer, "free_disk_bytes", lambda _folder: 10**12)
        with pytest.raises(DownloadError) as full:
            downloader.download(tiny_spec())
        assert full.value.reason == "disk_full" and full.value.partial_kept
        kept = downloader.partial_bytes(tiny_spec())
        assert 30_000_000 < kept <= 40 * 1024 * 1024
    finally:
        subprocess.run(["umount", "-l", str(home)], check=False)


def test_a_file_that_is_not_a_model_stops_at_its_first_bytes(hub: FakeHub) -> None:
    with pytest.raises(DownloadError) as failed:
        Downloader().download(parse_spec(f"{REPO}/readme.gguf"))
    assert failed.value.reason == "not_the_file"
    message = str(failed.value)
    assert "is not a GGUF model" in message
    assert 'text that begins "This is a model card, not a model."' in message
    assert len(hub.file_gets()) == 1  # no retry: the same bytes would come again
    assert not (app_dirs().models / "readme.gguf").exists()
    assert downloads.Downloader().partial_bytes(parse_spec(f"{REPO}/readme.gguf")) == 0


def test_a_damaged_header_after_the_magic_is_deleted(
    hub: FakeHub, starter_model: Path, tmp_path: Path
) -> None:
    """Starts with GGUF, so it downloads; the header check after the hash refuses it."""
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(starter_model.read_bytes()[:4] + (99).to_bytes(4, "little") + bytes(4096))
    hub.add_file(REPO, "broken.gguf", broken)
    with pytest.raises(DownloadError) as failed:
        Downloader().download(parse_spec(f"{REPO}/broken.gguf"))
    assert failed.value.reason == "invalid"
    assert "not a usable GGUF model" in str(failed.value)
    assert not (app_dirs().models / "broken.gguf").exists()
    assert no_leftovers()


# --------------------------------------------------------------------------- hubs that misbehave


def test_a_web_page_instead_of_the_file_stops_at_once(hub: FakeHub) -> None:
    """It used to retry for ever: 285 GETs in 150 s, the counter reset by the page's bytes."""
    hub.faults.html_page = True
    with pytest.raises(DownloadError) as failed:
        Downloader(retry_delay=0.01).download(tiny_spec())
    message = str(failed.value)
    assert failed.value.reason == "not_the_file"
    assert "sent a web page (text/html" in message
    assert "instead of the model file" in message
    assert '"Sign in to continue"' in message  # the page's title says what it was
    assert len(hub.file_gets()) == 1
    assert not (app_dirs().models / FILE).exists()
    assert Downloader().partial_bytes(tiny_spec()) == 0


def test_a_json_message_instead_of_the_file_stops_at_once(hub: FakeHub) -> None:
    hub.faults.json_message = True
    with pytest.raises(DownloadError) as failed:
        Downloader(retry_delay=0.01).download(tiny_spec())
    message = str(failed.value)
    assert failed.value.reason == "not_the_file"
    assert "sent a message (application/json) instead of the model file" in message
    assert "Access to this file is restricted for now." in message
    assert len(hub.file_gets()) == 1


def test_a_web_page_when_resuming_keeps_the_part(hub: FakeHub) -> None:
    hub.faults.drop_after = 20_000_000
    hub.faults.drops = 1
    downloader = Downloader(retries=0)
    with pytest.raises(DownloadError):
        downloader.download(tiny_spec())
    hub.faults.html_page = True
    with pytest.raises(DownloadError) as failed:
        Downloader(retry_delay=0.01).download(tiny_spec())
    assert failed.value.reason == "not_the_file" and failed.value.partial_kept
    assert "The part downloaded before is kept." in str(failed.value)
    assert len(hub.file_gets()) == 2
    assert downloader.partial_bytes(tiny_spec()) == 20_000_000
    hub.faults.html_page = False
    result = downloader.download(tiny_spec())  # the hub works again: it continues
    assert result.resumed_from == 20_000_000
    assert result.sha256 == hub.files[(REPO, FILE)].sha256


def test_a_size_other_than_the_listed_one_stops_at_once(hub: FakeHub) -> None:
    hub.faults.size_surplus = 1000
    with pytest.raises(DownloadError) as failed:
        Downloader(retry_delay=0.01).download(tiny_spec())
    message = str(failed.value)
    assert failed.value.reason == "not_the_file"
    assert f"as 98.4 MB ({SIZE:,} bytes)" in message
    assert f"lists it as 98.4 MB ({SIZE + 1000:,} bytes)" in message
    assert len(hub.file_gets()) == 1
    assert no_leftovers() or Downloader().partial_bytes(tiny_spec()) == 0


def test_a_listed_size_the_server_cannot_reach_is_settled_by_the_checksum(hub: FakeHub) -> None:
    """The hub lists 1,000 bytes more than it serves, and sends no length to check up front.

    All the bytes arrive, the Range request for the rest gets 416, and that used to start the
    download again from zero for ever (245 full downloads in 150 s). The part is the whole
    published file (its SHA-256 matches), so it is installed after two requests.
    """
    hub.faults.size_surplus = 1000
    hub.faults.no_length = True
    result = Downloader(retry_delay=0.01).download(tiny_spec())
    assert result.sha256 == hub.files[(REPO, FILE)].sha256
    assert result.path.stat().st_size == SIZE
    assert [g.range for g in hub.file_gets()] == [None, f"bytes={SIZE}-"]
    assert no_leftovers()


def test_a_listed_size_the_server_cannot_reach_with_wrong_bytes_stops(hub: FakeHub) -> None:
    hub.faults.size_surplus = 1000
    hub.faults.no_length = True
    hub.faults.corrupt = True
    with pytest.raises(DownloadError) as failed:
        Downloader(retry_delay=0.01).download(tiny_spec())
    message = str(failed.value)
    assert failed.value.reason == "checksum"
    assert f"has only 98.4 MB of {FILE} ({SIZE:,} bytes)" in message
    assert f"lists 98.4 MB ({SIZE + 1000:,} bytes)" in message
    assert "do not match the checksum" in message and "deleted" in message
    assert [g.range for g in hub.file_gets()] == [None, f"bytes={SIZE}-"]
    assert not (app_dirs().models / FILE).exists()
    assert no_leftovers()


def test_retries_are_bounded_even_when_bytes_arrive_between_failures(hub: FakeHub) -> None:
    """Every GET sends 1 MB and drops: the count of retries is not reset by those bytes."""
    hub.faults.drop_after = 1_000_000
    hub.faults.drops = 1000
    downloader = Downloader(retries=3, retry_delay=0.01)
    with pytest.raises(DownloadError) as failed:
        downloader.download(tiny_spec())
    assert failed.value.reason == "network" and failed.value.partial_kept
    assert "kept" in str(failed.value)
    gets = hub.file_gets()
    assert len(gets) == 4  # the first try and three retries
    assert [g.range for g in gets] == [None] + [f"bytes={n * 1_000_000}-" for n in (1, 2, 3)]
    assert downloader.partial_bytes(tiny_spec()) == 4_000_000


def test_retries_are_bounded_by_time(hub: FakeHub) -> None:
    hub.faults.drop_after = 1_000_000
    hub.faults.drops = 1000
    started = time.monotonic()
    with pytest.raises(DownloadError) as failed:
        Downloader(retries=1000, retry_delay=0.1, retry_window_s=1.0).download(tiny_spec())
    assert time.monotonic() - started < 10
    assert failed.value.reason == "network" and failed.value.partial_kept
    # Waits of 0.1, 0.2, 0.4 and what is left of the second: at most six GETs, not 1000.
    assert 2 <= len(hub.file_gets()) <= 6


def test_a_server_that_never_continues_is_restarted_only_once(hub: FakeHub) -> None:
    """Ignoring Range after every drop: one start from zero, then a clear stop."""
    hub.faults.drop_after = 5_000_000
    hub.faults.drops = 1000
    hub.faults.ignore_range = True
    with pytest.raises(DownloadError) as failed:
        Downloader(retries=1000, retry_delay=0.01).download(tiny_spec())
    assert failed.value.reason == "server"
    assert "starting again from the beginning did not help" in str(failed.value)
    assert [g.range for g in hub.file_gets()] == [None, "bytes=5000000-", None, "bytes=5000000-"]
    assert no_leftovers()


def test_load_test_hook_failure_is_reported_and_the_file_kept(hub: FakeHub) -> None:
    tested: list[Path] = []

    def refuse(path: Path) -> None:
        tested.append(path)
        raise RuntimeError("unknown model architecture: 'tiny'")

    result = Downloader().download(tiny_spec(), load_test=refuse)
    assert tested == [result.path]
    assert result.load_error == "unknown model architecture: 'tiny'"
    assert result.path.exists()


def test_offline_mode_refuses_without_a_request(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DownloadError) as failed:
        Downloader().download(tiny_spec())
    assert failed.value.reason == "offline"
    assert "HF_HUB_OFFLINE" in str(failed.value)
    assert hub.seen == []


def test_download_specs(hub: FakeHub) -> None:
    spec = parse_spec("tiny-chat")
    assert (spec.repo, spec.file, spec.model_id) == (REPO, FILE, "tiny-chat")
    assert spec.sha256 is not None
    by_path = parse_spec(f"{REPO}/{FILE}")
    assert by_path.model_id == "tiny-chat"  # recognised as the catalogue entry
    url = parse_spec(f"https://huggingface.co/{REPO}/resolve/abc123/sub/x.gguf")
    assert (url.repo, url.file, url.revision, url.target_name) == (
        REPO,
        "sub/x.gguf",
        "abc123",
        "x.gguf",
    )
    for bad in ("no-such-model", f"{REPO}/weights.safetensors", "a/../b/x.gguf", "x"):
        with pytest.raises(DownloadError) as failed:
            parse_spec(bad)
        assert failed.value.reason == "bad_spec"
    with pytest.raises(DownloadError) as builtin:
        parse_spec("smollm2-135m-instruct")
    assert "built into Parley" in str(builtin.value)


# --------------------------------------------------------------------------- no stray network

GUARDED_START = r"""
import json, os, socket, sys
attempts = []

def refuse(*args, **kwargs):
    attempts.append(repr(args[1:] if args and isinstance(args[0], socket.socket) else args)[:120])
    raise OSError("network use is not allowed at start-up")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import time
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
qapp = QApplication([])

def wait_until(condition, seconds):
    # One C++ event loop, not thousands of processEvents() calls: PySide6 6.12 on
    # Python 3.11 drops a reference to None on every void call.
    loop = QEventLoop()
    deadline = time.monotonic() + seconds
    def check():
        if condition() or time.monotonic() > deadline:
            loop.quit()
    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(50)
    loop.exec()
    timer.stop()
import app.cli, app.cli.models
from app.core.catalogue import installed_models, load_catalogue
from app.core.fit import fit_for_entry
from app.core.hardware import detect_hardware
import app.core.downloads, app.core.model_import, app.core.model_bench
entries = load_catalogue()
installed = installed_models(entries)
hardware = detect_hardware()
fits = [fit_for_entry(e, hardware) for e in entries]
import app.gui.main, app.gui.window
from app.gui.models.page import ModelsPage
from app.gui.ops import wait_for_background_ops
page = ModelsPage()
wait_until(lambda: page.state is not None, 60)
rows = page.catalogue.rowCount()
notice = page.notice.label.text() if page.notice.isVisibleTo(page) else ""
page.shutdown()
loaded = None
if os.environ.get("OPEN_WINDOW") == "1":
    from app.gui.main import create_gui
    parts = create_gui([])
    wait_until(lambda: parts.window.load_info is not None, 90)
    loaded = parts.window.load_info is not None
    parts.window.close()
wait_for_background_ops()
before_probe = list(attempts)
try:  # prove the guard is armed: this attempt must be caught and recorded
    socket.create_connection(("127.0.0.1", 9))
except OSError:
    pass
print(json.dumps({
    "attempts": before_probe, "probe_caught": len(attempts) == len(before_probe) + 1,
    "entries": len(entries), "installed": len(installed), "fits": len(fits),
    "rows": rows, "notice": notice, "model_loaded": loaded,
    "hub_imported": "huggingface_hub" in sys.modules,
}))
"""


def test_start_up_makes_no_network_connection(tmp_path: Path) -> None:
    """Start-up paths (catalogue, models, hardware, CLI and GUI modules, the Models page, the
    main window with its model) run with every connection attempt refused and recorded."""
    env = dict(
        os.environ, PARLEY_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen", OPEN_WINDOW="1"
    )
    env.pop("HF_ENDPOINT", None)
    env.pop("PARLEY_CATALOGUE", None)
    result = subprocess.run(
        [sys.executable, "-c", GUARDED_START],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["probe_caught"], "the socket guard did not work"
    assert report["attempts"] == [], f"start-up tried to connect: {report['attempts']}"
    assert report["entries"] >= 9 and report["rows"] == report["entries"]
    assert report["fits"] == report["entries"]
    assert report["model_loaded"], "the main window did not load its model"
    assert report["notice"] == ""


def test_offline_start_shows_the_catalogue(tmp_path: Path) -> None:
    """With HF_HUB_OFFLINE=1 the catalogue comes from models.json alone, with no error."""
    env = dict(
        os.environ,
        PARLEY_HOME=str(tmp_path / "home"),
        QT_QPA_PLATFORM="offscreen",
        HF_HUB_OFFLINE="1",
    )
    result = subprocess.run(
        [sys.executable, "-c", GUARDED_START],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["attempts"] == []
    assert report["rows"] == report["entries"] >= 9
    assert report["notice"] == ""
    assert report["installed"] == 1  # the built-in starter
    assert report["hub_imported"] is False  # huggingface_hub loads on the first download
