"""Model downloads from the Hugging Face hub that survive pauses, lost networks and restarts.

Why not ``hf_hub_download``: since huggingface_hub 1.18 a failed download restarts from
zero on the next call, it has no cancel, and it checks only the size. Users of Jan and LM
Studio complain about exactly that (downloads restarting from zero, no resume). So the
transfer is done here:

* the file's exact size and SHA-256 come from the hub's LFS metadata
  (``HfApi.get_paths_info``), and the commit is pinned when the download starts, so every
  later range request reads the same bytes;
* bytes go to ``<models>/.partial/<file>.part`` with a small JSON note beside it (repo,
  commit, size, sha256), so a later run (after Pause, a dropped connection or a restart of
  the app) continues with an HTTP ``Range`` request;
* the SHA-256 is computed while writing (a resumed part is re-hashed first), and a mismatch
  deletes the file and says so;
* the file is moved into the models folder only after the hash and the GGUF header check
  pass, so a half-written model is never listed as installed;
* a download gives up: retries are bounded by a number of attempts *and* by time (bytes
  arriving between failures do not reset either), starting again from zero happens at most
  once, and an answer that is not the file (a web page, a JSON message, the wrong size, bytes
  that do not start with the GGUF magic) stops it at once with a message that says what the
  server sent. Each of these once looped for ever against a misbehaving hub.

The app makes no network request the user did not start: nothing here runs at import time,
and huggingface_hub's own telemetry (it fetches an "agent harness" list from the hub while
building request headers) is switched off before the first request.

``HF_ENDPOINT`` is read when a download starts (huggingface_hub reads it only at import),
which is how the tests point the downloader at a hub served on 127.0.0.1.

The package is split by concern: :mod:`.spec` (what a download is, parsing what the user
typed), :mod:`.hub` (the hub's metadata and what its errors mean), :mod:`.answers` (checking
what the server sent), :mod:`.progress` (throttled reports), :mod:`.downloader` (the transfer)
and :mod:`.jobs` (several downloads on worker threads). Callers import from here.
"""

from app.core.downloads.answers import MAGIC
from app.core.downloads.downloader import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_RETRIES,
    DEFAULT_RETRY_WINDOW_S,
    DEFAULT_TIMEOUT_S,
    DISK_MARGIN_BYTES,
    MAX_RESTARTS,
    MAX_RETRY_DELAY_S,
    NOTE_SUFFIX,
    PART_SUFFIX,
    PARTIAL_DIR,
    Downloader,
    free_disk_bytes,
    write_chunk,
)
from app.core.downloads.jobs import DownloadJob, DownloadQueue, JobListener, JobState
from app.core.downloads.progress import PROGRESS_INTERVAL_S
from app.core.downloads.spec import (
    DownloadError,
    DownloadProgress,
    DownloadResult,
    DownloadSpec,
    DownloadStopped,
    FailureReason,
    LoadTest,
    PendingDownload,
    Phase,
    ProgressCallback,
    RemoteFile,
    parse_spec,
    spec_for_entry,
)

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT_S",
    "DEFAULT_RETRIES",
    "DEFAULT_RETRY_WINDOW_S",
    "DEFAULT_TIMEOUT_S",
    "DISK_MARGIN_BYTES",
    "MAGIC",
    "MAX_RESTARTS",
    "MAX_RETRY_DELAY_S",
    "NOTE_SUFFIX",
    "PARTIAL_DIR",
    "PART_SUFFIX",
    "PROGRESS_INTERVAL_S",
    "DownloadError",
    "DownloadJob",
    "DownloadProgress",
    "DownloadQueue",
    "DownloadResult",
    "DownloadSpec",
    "DownloadStopped",
    "Downloader",
    "FailureReason",
    "JobListener",
    "JobState",
    "LoadTest",
    "PendingDownload",
    "Phase",
    "ProgressCallback",
    "RemoteFile",
    "free_disk_bytes",
    "parse_spec",
    "spec_for_entry",
    "write_chunk",
]
