"""The download queue as the Models page shows it: one row per download with its figures and
Pause/Resume and Cancel, and the one-line summary the window's status bar repeats.

The transfers themselves run on the core's :class:`~app.core.downloads.DownloadQueue` (its own
thread); the page hands each update to :meth:`DownloadsBox.show_job` on the GUI thread. The
rows' strings keep the "DownloadRow" translation context, the box's the "ModelsPage" one.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.downloads import DownloadJob, DownloadQueue
from app.core.hardware import format_bytes


class DownloadRow(QFrame):
    """One download: name, progress bar, figures, and Pause/Resume and Cancel buttons."""

    def __init__(self, job: DownloadJob, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.setAccessibleName(self.tr("Download of {name}").format(name=job.spec.name))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 6)
        layout.setSpacing(4)
        top = QHBoxLayout()
        self.title = QLabel(job.spec.name)
        self.title.setToolTip(f"{job.spec.repo}/{job.spec.file}")
        top.addWidget(self.title, 1)
        self.pause_button = QPushButton(self.tr("Pause"))
        self.pause_button.setAccessibleName(self.tr("Pause"))
        self.pause_button.setToolTip(
            self.tr("Stop for now; the part already downloaded is kept and continues later")
        )
        top.addWidget(self.pause_button)
        self.cancel_button = QPushButton(self.tr("Cancel download"))
        self.cancel_button.setAccessibleName(self.tr("Cancel download"))
        self.cancel_button.setToolTip(self.tr("Stop and delete the part downloaded so far"))
        top.addWidget(self.cancel_button)
        layout.addLayout(top)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.setAccessibleName(self.tr("Download progress"))
        layout.addWidget(self.bar)
        self.status = QLabel()
        self.status.setObjectName("DownloadStatus")
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Download status"))
        layout.addWidget(self.status)
        self.update_from(job)

    def update_from(self, job: DownloadJob) -> None:
        """Show the job's latest state: figures, and which buttons make sense now."""
        self.job = job
        progress = job.progress
        if progress is not None and progress.total:
            self.bar.setValue(int(1000 * progress.done / progress.total))
        state = job.state
        resumable = state in ("paused", "failed")
        self.pause_button.setText(self.tr("Resume") if resumable else self.tr("Pause"))
        self.pause_button.setAccessibleName(self.pause_button.text())
        self.pause_button.setToolTip(
            self.tr("Continue from where it stopped")
            if resumable
            else self.tr("Stop for now; the part already downloaded is kept and continues later")
        )
        self.pause_button.setVisible(state in ("queued", "running", "paused", "failed"))
        self.cancel_button.setVisible(state in ("queued", "running", "paused", "failed"))
        self.status.setText(self.describe(job))
        self.status.setToolTip(self.status.text())

    def describe(self, job: DownloadJob) -> str:
        """The job's state in words (the row's status line and the status-bar summary)."""
        progress = job.progress
        if job.state == "queued":
            return self.tr("Waiting for the download before it")
        if job.state == "failed" and job.error is not None:
            return str(job.error)
        if job.state == "cancelled":
            return self.tr("Cancelled; the partial file was deleted")
        if job.state == "done" and job.result is not None:
            if job.result.load_error:
                return self.tr(
                    "Downloaded and verified, but the engine could not load it: {error}"
                ).format(error=job.result.load_error)
            return self.tr("Downloaded, verified and tested ({size})").format(
                size=format_bytes(job.result.size)
            )
        if progress is None:
            return self.tr("Starting…")
        figures = self.tr("{done} of {total}").format(
            done=format_bytes(progress.done), total=format_bytes(progress.total)
        )
        if job.state == "paused":
            return self.tr("Paused at {figures}").format(figures=figures)
        if progress.phase == "resolving":
            return self.tr("Asking the hub for the file…")
        if progress.phase == "checking":
            return self.tr("Checking the part downloaded before: {figures}").format(figures=figures)
        if progress.phase == "verifying":
            return self.tr("Verifying the checksum…")
        if progress.phase == "testing":
            return self.tr("Loading the model once to test it…")
        speed = self.tr("{rate}/s").format(rate=format_bytes(int(progress.speed_bps)))
        left = _duration(progress.eta_s)
        return self.tr("{figures} · {speed} · {left} left").format(
            figures=figures, speed=speed, left=left
        )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return QCoreApplication.translate("ModelsPage", "unknown time")
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return QCoreApplication.translate("ModelsPage", "{n} s").format(n=seconds)
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return QCoreApplication.translate("ModelsPage", "{m} min {s} s").format(m=minutes, s=secs)
    hours, minutes = divmod(minutes, 60)
    return QCoreApplication.translate("ModelsPage", "{h} h {m} min").format(h=hours, m=minutes)


class DownloadsBox(QGroupBox):
    """The "Downloads" box: a row per job, or a hint when there is none."""

    def __init__(self, queue: DownloadQueue, parent: QWidget | None = None) -> None:
        super().__init__(QCoreApplication.translate("ModelsPage", "Downloads"), parent)
        self._queue = queue
        self._rows: dict[int, DownloadRow] = {}
        layout = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        holder = QWidget()
        holder.setAccessibleName(QCoreApplication.translate("ModelsPage", "Downloads"))
        self.rows_layout = QVBoxLayout(holder)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.no_downloads = QLabel(
            QCoreApplication.translate(
                "ModelsPage", "No downloads. Choose a model in the catalogue and press Download."
            )
        )
        self.no_downloads.setObjectName("EmptyBody")
        self.no_downloads.setWordWrap(True)
        self.rows_layout.addWidget(self.no_downloads)
        self.rows_layout.addStretch(1)
        scroll.setWidget(holder)
        layout.addWidget(scroll)
        self.setMinimumWidth(280)

    def show_job(self, job: DownloadJob) -> None:
        """Add, update or (once cancelled) drop the job's row."""
        row = self._rows.get(job.job_id)
        if job.state == "cancelled":
            if row is not None:
                self._rows.pop(job.job_id)
                row.deleteLater()
            self._queue.forget(job)
        elif row is None:
            row = DownloadRow(job)
            row.pause_button.clicked.connect(lambda _=False, r=row: self._toggle_pause(r))
            row.cancel_button.clicked.connect(lambda _=False, r=row: self._queue.cancel(r.job))
            self._rows[job.job_id] = row
            self.rows_layout.insertWidget(self.rows_layout.count() - 1, row)
        else:
            row.update_from(job)
        self.no_downloads.setVisible(not self._rows)

    def _toggle_pause(self, row: DownloadRow) -> None:
        if row.job.state in ("paused", "failed"):
            self._queue.resume(row.job)
        else:
            self._queue.pause(row.job)

    def rows(self) -> list[DownloadRow]:
        """The rows shown, oldest first."""
        return list(self._rows.values())

    def summary(self) -> str:
        """What the status bar says about downloads: the running one, and how many wait."""
        active = [r for r in self._rows.values() if r.job.state in ("running", "queued")]
        running = [r for r in active if r.job.state == "running"]
        if not running:
            return ""
        first = running[0]
        line = QCoreApplication.translate("ModelsPage", "Downloading {name}: {status}").format(
            name=first.job.spec.target_name, status=first.describe(first.job)
        )
        waiting = len(active) - 1
        if waiting > 0:
            line += QCoreApplication.translate("ModelsPage", " (+{n} more)").format(n=waiting)
        return line
