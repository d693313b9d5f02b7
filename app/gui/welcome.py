"""The welcome page: what Parley is, what the starter model can do, and a better model to get.

Shown once on the first start (the ``show_welcome`` setting is cleared as soon as it has been
shown) and again from Help > Welcome. The recommendation is computed in the background from
the same memory-fit verdicts the Models page shows (app/core/fit.py) and, when the model was
benchmarked here, its measured speed; the Download button hands the model to the Models page,
which owns downloads.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.model_state import MIN_USABLE_TPS, expected_speed
from app.core.settings import TOOLS
from app.gui.models.catalogue import reasoning_note
from app.gui.ops import BackgroundOp

if TYPE_CHECKING:
    from app.core.catalogue import CatalogueEntry
    from app.core.fit import FitResult
    from app.core.hardware import HardwareInfo
    from app.core.model_bench import BenchResult
    from app.gui.settings_store import SettingsStore
    from app.gui.window import MainWindow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recommendation:
    """The model to suggest and the figures behind the choice."""

    entry: CatalogueEntry
    fit: FitResult
    tokens_per_s: float  # measured when ``measured``, else estimated
    measured: bool
    installed: bool


def recommend(
    entries: Sequence[CatalogueEntry],
    fits: Mapping[str, FitResult],
    hardware: HardwareInfo,
    *,
    speeds: Mapping[str, BenchResult] | None = None,
    installed: frozenset[str] | set[str] = frozenset(),
) -> Recommendation | None:
    """The best catalogue model for this computer, or None when none fits.

    Only models that fit in memory and chat are considered. Among those fast enough to chat
    with (:data:`MIN_USABLE_TPS`), prefer ones that speak Chinese and English (Parley's users
    write both), then ones good for every tool, then the most capable (most parameters). When
    none is fast enough, the fastest that fits is suggested.
    """
    speeds = speeds or {}
    candidates: list[tuple[tuple[float, ...], Recommendation]] = []
    for entry in entries:
        fit = fits.get(entry.id)
        if entry.builtin or fit is None or fit.kind == "too_large" or "chat" not in entry.good_for:
            continue
        tps, measured = expected_speed(entry, fit, hardware, speeds.get(entry.id))
        usable = tps >= MIN_USABLE_TPS
        bilingual = "zh" in entry.languages and "en" in entry.languages
        tools = sum(1 for tool in TOOLS if tool == "chat" or tool in entry.good_for)
        key = (
            (1.0, float(bilingual), float(tools), entry.params_b)
            if usable
            else (0.0, tps, 0.0, 0.0)
        )
        candidates.append((key, Recommendation(entry, fit, tps, measured, entry.id in installed)))
    if not candidates:
        return None
    return max(candidates, key=lambda item: item[0])[1]


def gather_recommendation(load_info: object = None) -> Recommendation | None:
    """Read the catalogue, the hardware and benchmarks; runs on a background thread.

    The same reading as the Models page (its fit verdicts and measured speeds), so the two
    never disagree about what fits.
    """
    from app.core.backend import LoadInfo
    from app.core.model_state import gather_state

    state = gather_state(load_info if isinstance(load_info, LoadInfo) else None)
    if state.error is not None:
        raise RuntimeError(state.error)
    return recommend(
        state.entries,
        state.fits,
        state.hardware,
        speeds=state.speeds,
        installed={m.model_id for m in state.installed},
    )


def _format_size(size: int) -> str:
    from app.core.hardware import format_bytes

    return format_bytes(size)


def _languages(codes: Sequence[str], shown: int = 4) -> str:
    """The first few languages by their own names, then how many more."""
    names = [QLocale(code).nativeLanguageName() or code for code in codes[:shown]]
    if len(codes) > shown:
        names.append(
            QCoreApplication.translate("WelcomePage", "+{n} more").format(n=len(codes) - shown)
        )
    return ", ".join(names)


def _fit_label(kind: str) -> str:
    labels = {
        "gpu": QCoreApplication.translate("WelcomePage", "runs on the GPU"),
        "partial": QCoreApplication.translate("WelcomePage", "runs partly on the GPU"),
        "cpu": QCoreApplication.translate("WelcomePage", "runs on the CPU"),
        "too_large": QCoreApplication.translate("WelcomePage", "too large"),
    }
    return labels.get(kind, kind)


class WelcomePage(QDialog):
    """First-run page. ``recommendation`` is set once the background look-up ends."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ref = window
        self.recommendation: Recommendation | None = None
        self.ready = False
        self.setWindowTitle(self.tr("Welcome to Parley"))
        self.setAccessibleName(self.tr("Welcome"))
        self.setMinimumWidth(620)
        column = QVBoxLayout(self)
        column.setContentsMargins(28, 24, 28, 20)
        column.setSpacing(14)

        title = QLabel(self.tr("Welcome to Parley"))
        title.setObjectName("PlaceholderTitle")
        title.setAccessibleName(self.tr("Welcome title"))
        column.addWidget(title)
        intro = QLabel(
            self.tr(
                "Parley lets you chat with a language model, and summarise, translate or read "
                "the sentiment of text, entirely on this computer. Nothing you write leaves "
                "it: there is no account, and no internet connection is needed once a model "
                "is downloaded."
            )
        )
        intro.setWordWrap(True)
        intro.setAccessibleName(self.tr("What Parley does"))
        column.addWidget(intro)
        starter = QLabel(
            self.tr(
                "The built-in starter model is very small and understands English only. It "
                "is good for trying Parley out; for useful answers, and for Chinese, download "
                "a larger model."
            )
        )
        starter.setWordWrap(True)
        starter.setObjectName("EmptyBody")
        starter.setAccessibleName(self.tr("About the starter model"))
        column.addWidget(starter)

        card = QFrame()
        card.setObjectName("CodeBlock")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(16, 12, 16, 14)
        card_layout.setSpacing(6)
        heading = QLabel(self.tr("Recommended for this computer"))
        heading.setObjectName("MessageRole")
        card_layout.addWidget(heading)
        self.model_label = QLabel(self.tr("Looking at this computer…"))
        self.model_label.setAccessibleName(self.tr("Recommended model"))
        self.model_label.setWordWrap(True)
        self.model_label.setStyleSheet("font-size: 16px; font-weight: 600;")
        card_layout.addWidget(self.model_label)
        self.details_label = QLabel()
        self.details_label.setAccessibleName(self.tr("Why this model"))
        self.details_label.setObjectName("EmptyBody")
        self.details_label.setWordWrap(True)
        card_layout.addWidget(self.details_label)
        column.addWidget(card)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.skip_button = QPushButton(self.tr("Skip"))
        self.skip_button.setAccessibleName(self.tr("Skip"))
        self.skip_button.setToolTip(
            self.tr("Keep the starter model for now; this page is in Help > Welcome")
        )
        self.skip_button.clicked.connect(self.skip)
        buttons.addWidget(self.skip_button)
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setObjectName("PrimaryButton")
        self.download_button.setAccessibleName(self.tr("Download recommended model"))
        self.download_button.setToolTip(
            self.tr("Download the recommended model; progress shows on the Models page")
        )
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(self.download)
        buttons.addWidget(self.download_button)
        column.addLayout(buttons)
        self.skip_button.setDefault(False)

        BackgroundOp(self, lambda: gather_recommendation(window.load_info)).on_success(
            self._show_recommendation
        ).on_failure(self._failed).run()

    def _show_recommendation(self, result: object) -> None:
        self.ready = True
        rec = result if isinstance(result, Recommendation) else None
        self.recommendation = rec
        if rec is None:
            self.model_label.setText(self.tr("No catalogue model fits this computer's memory"))
            self.details_label.setText(
                self.tr(
                    "Parley will keep using the starter model. See the Models page for details."
                )
            )
            self.download_button.hide()
            return
        entry = rec.entry
        self.model_label.setText(entry.name)
        speed = (
            self.tr("about {tps:.0f} tokens/s measured here")
            if rec.measured
            else self.tr("about {tps:.0f} tokens/s expected")
        ).format(tps=rec.tokens_per_s)
        details = self.tr("{size} download · {fit} · {speed} · speaks {languages}").format(
            size=_format_size(entry.size_bytes),
            fit=_fit_label(rec.fit.kind),
            speed=speed,
            languages=_languages(entry.languages),
        )
        if entry.reasoning != "none":
            details += "\n" + reasoning_note(entry.reasoning)
        self.details_label.setText(details)
        self.details_label.setToolTip("\n".join(rec.fit.details()))
        if rec.installed:
            self.download_button.setText(self.tr("Already downloaded"))
            self.download_button.setToolTip(
                self.tr("Choose it as the default model in Settings (Ctrl+,)")
            )
            self.download_button.setEnabled(False)
        else:
            self.download_button.setText(
                self.tr("Download {size}").format(size=_format_size(entry.size_bytes))
            )
            self.download_button.setEnabled(True)
            self.download_button.setDefault(True)
            self.download_button.setFocus()

    def _failed(self, error: BaseException) -> None:
        log.warning("no recommendation: %s", error)
        self.ready = True
        self.model_label.setText(self.tr("The model catalogue could not be read"))
        self.details_label.setText(
            self.tr("{error} Choose a model on the Models page instead.").format(error=error)
        )
        self.download_button.hide()

    def download(self) -> None:
        """Hand the recommended model to the Models page, show that page, and close."""
        rec = self.recommendation
        if rec is None:
            return
        window = self.window_ref
        window.models_page.start_download(rec.entry)
        keys = list(window.sidebar.buttons)
        if "models" in keys:
            window.show_section(keys.index("models"))
        self.accept()

    def skip(self) -> None:
        self.reject()


def mark_shown(store: SettingsStore) -> None:
    """Remember that the welcome page has been shown, so it does not come back on its own."""
    settings = store.current()
    if settings.show_welcome:
        settings.show_welcome = False
        try:
            store.update(settings)
        except OSError as exc:
            log.warning("could not save the welcome flag: %s", exc)


def show_welcome(window: MainWindow) -> WelcomePage:
    """Open the welcome page (not blocking) and remember it has been shown."""
    page = WelcomePage(window)
    page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    page.open()
    mark_shown(window.settings_store)
    return page


def show_welcome_on_first_run(window: MainWindow) -> WelcomePage | None:
    """At start-up: the welcome page if it has never been shown, else nothing."""
    if not window.settings_store.current().show_welcome:
        return None
    return show_welcome(window)
