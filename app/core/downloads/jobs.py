"""The download queue behind the Models page: several downloads, each pausable and cancellable.

Jobs run on worker threads the queue starts on demand, so the GUI thread never waits for the
network; listeners hear of every change and the GUI forwards them to its own thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from app.core.downloads.downloader import Downloader
from app.core.downloads.hub import short
from app.core.downloads.spec import (
    DownloadError,
    DownloadProgress,
    DownloadResult,
    DownloadSpec,
    DownloadStopped,
    LoadTest,
    PendingDownload,
)

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "paused", "cancelled", "done", "failed"]


@dataclass
class DownloadJob:
    """One queued download; its fields are updated by the queue's worker thread."""

    job_id: int
    spec: DownloadSpec
    state: JobState = "queued"
    progress: DownloadProgress | None = None
    error: DownloadError | None = None
    result: DownloadResult | None = None
    stop: threading.Event = field(default_factory=threading.Event, repr=False)
    discard: bool = False  # cancelled, not paused: delete the part when it stops

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")


JobListener = Callable[[DownloadJob], None]


class DownloadQueue:
    """Several downloads queued, ``parallel`` at a time, each pausable and cancellable.

    Listeners are called from the worker threads; the GUI forwards them to its own thread
    with a queued signal. Workers are started on demand and end when the queue is empty, so
    an idle queue holds no thread.
    """

    def __init__(
        self,
        downloader: Downloader | None = None,
        *,
        parallel: int = 1,
        load_test: LoadTest | None = None,
    ) -> None:
        self.downloader = downloader or Downloader()
        self.parallel = max(1, min(parallel, 2))
        self.load_test = load_test
        self._jobs: list[DownloadJob] = []
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self._listeners: list[JobListener] = []
        self._ids = 0
        self._closed = False

    def add_listener(self, listener: JobListener) -> None:
        self._listeners.append(listener)

    def jobs(self) -> list[DownloadJob]:
        with self._lock:
            return list(self._jobs)

    def find(self, target_name: str) -> DownloadJob | None:
        with self._lock:
            return next(
                (j for j in reversed(self._jobs) if j.spec.target_name == target_name), None
            )

    def add(self, spec: DownloadSpec) -> DownloadJob:
        """Queue ``spec``; a download of the same file already queued or running is reused."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the download queue is closed")
            for job in self._jobs:
                if job.spec.target_name == spec.target_name and job.state in (
                    "queued",
                    "running",
                    "paused",
                    "failed",
                ):
                    if job.state in ("paused", "failed"):
                        self._requeue(job)
                    return job
            self._ids += 1
            job = DownloadJob(self._ids, spec)
            self._jobs.append(job)
        self._notify(job)
        self._start_workers()
        return job

    def restore(self, pending: PendingDownload) -> DownloadJob:
        """A paused job for a partial file left by an earlier run (offered as "Resume")."""
        with self._lock:
            for job in self._jobs:
                if job.spec.target_name == pending.spec.target_name:
                    return job
            self._ids += 1
            job = DownloadJob(self._ids, pending.spec, state="paused")
            job.progress = DownloadProgress("downloading", pending.done, pending.total)
            self._jobs.append(job)
        self._notify(job)
        return job

    def forget(self, job: DownloadJob) -> None:
        """Drop a finished, failed or cancelled job from the list."""
        with self._lock:
            if job in self._jobs and not job.active:
                self._jobs.remove(job)

    def resume(self, job: DownloadJob) -> None:
        """Continue a paused or failed download from where it stopped."""
        with self._lock:
            if job.state not in ("paused", "failed", "cancelled"):
                return
            self._requeue(job)
        self._notify(job)
        self._start_workers()

    def _requeue(self, job: DownloadJob) -> None:
        job.state = "queued"
        job.error = None
        job.discard = False
        job.stop = threading.Event()

    def pause(self, job: DownloadJob) -> None:
        """Stop at the next chunk, keeping the part for :meth:`resume`."""
        self._stop(job, discard=False)

    def cancel(self, job: DownloadJob) -> None:
        """Stop and delete the part (the user no longer wants the model)."""
        self._stop(job, discard=True)

    def _stop(self, job: DownloadJob, *, discard: bool) -> None:
        with self._lock:
            job.discard = discard
            job.stop.set()
            if job.state == "queued":
                job.state = "cancelled" if discard else "paused"
            elif job.state in ("paused", "failed") and discard:
                job.state = "cancelled"
            else:
                return  # a running job changes state when its worker sees the flag
        if discard:
            self.downloader.discard_partial(job.spec)
        self._notify(job)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no download is queued or running; True if that happened in time."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                workers = [w for w in self._workers if w.is_alive()]
                busy = any(j.active for j in self._jobs)
            if not busy and not workers:
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            for worker in workers:
                worker.join(0.05)
            if not workers:
                time.sleep(0.05)

    def close(self, timeout: float = 10.0) -> None:
        """Pause everything (parts are kept for next time) and end the worker threads."""
        with self._lock:
            self._closed = True
            jobs = list(self._jobs)
        for job in jobs:
            if job.active:
                self.pause(job)
        deadline = time.monotonic() + timeout
        for worker in list(self._workers):
            worker.join(max(0.0, deadline - time.monotonic()))

    # -- workers ---------------------------------------------------------------------------

    def _start_workers(self) -> None:
        with self._lock:
            self._workers = [w for w in self._workers if w.is_alive()]
            queued = sum(1 for j in self._jobs if j.state == "queued")
            while len(self._workers) < min(self.parallel, queued + len(self._workers)):
                # A daemon, so quitting never waits for a download; close() pauses and
                # joins them, and an abrupt exit leaves a part that resumes next time.
                worker = threading.Thread(
                    target=self._work,
                    name=f"parley-download-{len(self._workers) + 1}",
                    daemon=True,
                )
                self._workers.append(worker)
                worker.start()
                queued -= 1
                if queued <= 0:
                    break

    def _next_job(self) -> DownloadJob | None:
        with self._lock:
            for job in self._jobs:
                if job.state == "queued":
                    job.state = "running"
                    return job
            self._workers = [w for w in self._workers if w is not threading.current_thread()]
            return None

    def _work(self) -> None:
        while True:
            job = self._next_job()
            if job is None:
                return
            self._notify(job)
            self._run(job)
            self._notify(job)

    def _run(self, job: DownloadJob) -> None:
        def on_progress(progress: DownloadProgress) -> None:
            job.progress = progress
            self._notify(job)

        try:
            job.result = self.downloader.download(
                job.spec, progress=on_progress, stop=job.stop, load_test=self.load_test
            )
            job.state = "done"
        except DownloadStopped:
            if job.discard:
                self.downloader.discard_partial(job.spec)
                job.state = "cancelled"
            else:
                job.state = "paused"
        except DownloadError as exc:
            job.error = exc
            job.state = "failed"
        except Exception as exc:  # a bug must not kill the queue silently
            log.exception("download of %s failed", job.spec.file)
            job.error = DownloadError(
                f"Downloading {job.spec.name} failed unexpectedly: {short(exc)}",
                reason="network",
            )
            job.state = "failed"

    def _notify(self, job: DownloadJob) -> None:
        for listener in list(self._listeners):
            try:
                listener(job)
            except Exception:  # a listener bug must not stop a download
                log.exception("download listener failed")
