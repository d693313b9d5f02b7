"""The speed test: load an installed model in a fresh engine and measure how fast it reads a
prompt and writes tokens on this computer, in the background.

A fresh engine, not the chat's, so a measurement never waits behind (or disturbs) a reply; the
result is stored by the core and shows in the catalogue's Speed column on the next reading.
The strings keep the "ModelsPage" translation context.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QLabel

from app.core.backend import Backend, LoadOptions
from app.core.model_bench import BenchResult, BenchStep
from app.gui.notice import Notice
from app.gui.ops import BackgroundOp


class SpeedTest(QObject):
    """One benchmark at a time, reported on the page's activity line.

    ``busy_changed`` tells the page to update its buttons; ``stale`` follows a measurement
    (the page reads its state again to show the new speed).
    """

    busy_changed = Signal()
    stale = Signal()
    _progress = Signal(object)  # a BenchStep, from the benchmark thread

    def __init__(
        self,
        parent: QObject,
        *,
        notice: Notice,
        activity: QLabel,
        backend_factory: Callable[[], Backend],
        load_options: Callable[[], LoadOptions],
    ) -> None:
        super().__init__(parent)
        self._notice = notice
        self._activity = activity
        self._backend_factory = backend_factory
        self._load_options = load_options
        self._backend: Backend | None = None
        self.busy = 0
        self._progress.connect(self._on_progress)

    def run(self, model_id: str, *, prompt_tokens: int = 256, tokens: int = 64) -> None:
        """Measure ``model_id`` in a fresh engine, in the background."""
        from app.core.catalogue import resolve_model
        from app.core.model_bench import run_benchmark

        self.busy += 1
        self.busy_changed.emit()
        self._activity.setText(
            QCoreApplication.translate("ModelsPage", "Benchmarking {model}…").format(model=model_id)
        )
        progress = self._progress
        options = self._load_options()
        bench_options = LoadOptions(
            n_ctx=2048,
            n_batch=options.n_batch,
            n_threads=options.n_threads,
            gpu_layers=options.gpu_layers,
            flash_attn=options.flash_attn,
        )

        def work() -> BenchResult:
            backend = self._backend_factory()
            self._backend = backend
            try:
                ref = resolve_model(model_id)
                return run_benchmark(
                    backend,
                    ref,
                    bench_options,
                    prompt_tokens=prompt_tokens,
                    generate_tokens=tokens,
                    progress=progress.emit,
                )
            finally:
                self._backend = None
                backend.close()

        BackgroundOp(self, work).on_success(self._measured).on_failure(self._failed).run()

    def cancel(self) -> None:
        """Stop a running measurement (the page is closing)."""
        backend = self._backend
        if backend is not None:
            backend.cancel()

    def _on_progress(self, step: object) -> None:
        if not self.busy or not isinstance(step, BenchStep):
            return
        if step.stage == "loading":
            text = QCoreApplication.translate("ModelsPage", "Loading {model}…")
        else:
            text = QCoreApplication.translate("ModelsPage", "Measuring speed (run {run})…")
        self._activity.setText(text.format(model=step.model, run=step.run))

    def _measured(self, result: BenchResult) -> None:
        self.busy = max(0, self.busy - 1)
        self._activity.setText(
            QCoreApplication.translate(
                "ModelsPage",
                "{model}: reads {prompt} tokens/s, writes {gen} tokens/s ({device}, {threads} "
                "threads)",
            ).format(
                model=result.model_id,
                prompt=f"{result.prompt_tps:.0f}",
                gen=f"{result.generation_tps:.1f}",
                device=result.device,
                threads=result.threads,
            )
        )
        self.busy_changed.emit()
        self.stale.emit()

    def _failed(self, error: BaseException) -> None:
        self.busy = max(0, self.busy - 1)
        self._activity.clear()
        self._notice.show_text(
            QCoreApplication.translate("ModelsPage", "The benchmark could not run: {error}").format(
                error=error
            )
        )
        self.busy_changed.emit()
