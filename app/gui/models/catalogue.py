"""The model catalogue as the Models page shows it: search and filters, one row per curated
model with its "will it fit" verdict and measured speed, the description of the selected one
and the Download button.

The verdicts and speeds come ready-made in :class:`~app.core.model_state.ModelsState`; this
module only draws them (colours, tooltips with the numbers behind a verdict) and says which
rows the filters leave. The strings keep the "ModelsPage" translation context.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.catalogue import CatalogueEntry
from app.core.downloads import DownloadJob, DownloadQueue
from app.core.fit import FitKind, FitResult
from app.core.hardware import format_bytes
from app.core.model_bench import BenchResult
from app.core.model_state import MIN_USABLE_TPS, ModelsState, entry_matches
from app.gui.models.tables import select_id, selected_id

_FIT_COLOURS: dict[FitKind, str] = {
    "gpu": "#2e8b57",
    "partial": "#2f7fb5",
    "cpu": "#b7791f",
    "too_large": "#c0392b",
}


def _rate(tps: float) -> str:
    """2.4 and 0.8 keep a decimal (they are the slow ones worth telling apart), 50 does not."""
    return f"{tps:.1f}" if tps < 10 else f"{tps:.0f}"


class CatalogueBox(QGroupBox):
    """The "Model catalogue" box. ``download_requested`` carries the entry to download."""

    download_requested = Signal(object)  # CatalogueEntry
    selection_changed = Signal()

    COLUMNS = (
        "Name",
        "Status",
        "Size",
        "Parameters",
        "Quantization",
        "Licence",
        "Languages",
        "Good for",
        "Fit",
        "Speed",
    )

    def __init__(self, queue: DownloadQueue, parent: QWidget | None = None) -> None:
        super().__init__(QCoreApplication.translate("ModelsPage", "Model catalogue"), parent)
        self._queue = queue  # read only: a model's download state is part of its status
        self.state: ModelsState | None = None
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            QCoreApplication.translate("ModelsPage", "Search by name, language or task")
        )
        self.search.setAccessibleName(QCoreApplication.translate("ModelsPage", "Search models"))
        self.search.setToolTip(
            QCoreApplication.translate(
                "ModelsPage", "Show only models whose name, languages or uses match"
            )
        )
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filters)
        filters.addWidget(self.search, 2)
        self.language_filter = QComboBox()
        self.language_filter.setAccessibleName(
            QCoreApplication.translate("ModelsPage", "Language filter")
        )
        self.language_filter.setToolTip(
            QCoreApplication.translate("ModelsPage", "Show only models that speak this language")
        )
        self.language_filter.addItem(QCoreApplication.translate("ModelsPage", "All languages"), "")
        self.language_filter.currentIndexChanged.connect(self.apply_filters)
        filters.addWidget(self.language_filter, 1)
        self.size_filter = QComboBox()
        self.size_filter.setAccessibleName(QCoreApplication.translate("ModelsPage", "Size filter"))
        self.size_filter.setToolTip(
            QCoreApplication.translate("ModelsPage", "Show only models of this download size")
        )
        for key, label in (
            ("any", QCoreApplication.translate("ModelsPage", "Any size")),
            ("small", QCoreApplication.translate("ModelsPage", "Under 1 GB")),
            ("medium", QCoreApplication.translate("ModelsPage", "1 to 3 GB")),
            ("large", QCoreApplication.translate("ModelsPage", "Over 3 GB")),
        ):
            self.size_filter.addItem(label, key)
        self.size_filter.currentIndexChanged.connect(self.apply_filters)
        filters.addWidget(self.size_filter, 1)
        self.installed_filter = QCheckBox(
            QCoreApplication.translate("ModelsPage", "Installed only")
        )
        self.installed_filter.setAccessibleName(
            QCoreApplication.translate("ModelsPage", "Installed only")
        )
        self.installed_filter.setToolTip(
            QCoreApplication.translate("ModelsPage", "Show only models on this computer")
        )
        self.installed_filter.toggled.connect(self.apply_filters)
        filters.addWidget(self.installed_filter)
        layout.addLayout(filters)

        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName(QCoreApplication.translate("ModelsPage", "Model catalogue"))
        self.table.setToolTip(
            QCoreApplication.translate(
                "ModelsPage", "Curated models; hover over the Fit column for the memory estimate"
            )
        )
        headers = [
            QCoreApplication.translate("ModelsPage", "Name"),
            QCoreApplication.translate("ModelsPage", "Status"),
            QCoreApplication.translate("ModelsPage", "Size"),
            QCoreApplication.translate("ModelsPage", "Parameters"),
            QCoreApplication.translate("ModelsPage", "Quantization"),
            QCoreApplication.translate("ModelsPage", "Licence"),
            QCoreApplication.translate("ModelsPage", "Languages"),
            QCoreApplication.translate("ModelsPage", "Good for"),
            QCoreApplication.translate("ModelsPage", "Fit"),
            QCoreApplication.translate("ModelsPage", "Speed"),
        ]
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The name must never be cut; the list of uses may be (its tooltip has it all).
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.itemDoubleClicked.connect(lambda _item: self._download_selected())
        layout.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.description = QLabel(
            QCoreApplication.translate("ModelsPage", "Select a model to read about it.")
        )
        self.description.setWordWrap(True)
        self.description.setObjectName("EmptyBody")
        self.description.setAccessibleName(
            QCoreApplication.translate("ModelsPage", "Model description")
        )
        actions.addWidget(self.description, 1)
        self.download_button = QPushButton(QCoreApplication.translate("ModelsPage", "Download"))
        self.download_button.setObjectName("PrimaryButton")
        self.download_button.setAccessibleName(QCoreApplication.translate("ModelsPage", "Download"))
        self.download_button.setToolTip(
            QCoreApplication.translate(
                "ModelsPage",
                "Download the selected model; the checksum is verified before it is used",
            )
        )
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(self._download_selected)
        actions.addWidget(self.download_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(actions)

    # ---- filling -----------------------------------------------------------------------------

    def show_state(self, state: ModelsState) -> None:
        """Redraw the languages and the rows from a new reading, keeping the selection."""
        self.state = state
        self._fill_languages(state.entries)
        self._fill_rows(state)

    def _installed_ids(self) -> set[str]:
        return self.state.installed_ids() if self.state else set()

    def _fill_languages(self, entries: Sequence[CatalogueEntry]) -> None:
        current = self.language_filter.currentData()
        codes = sorted({code for e in entries for code in e.languages})
        self.language_filter.blockSignals(True)
        self.language_filter.clear()
        self.language_filter.addItem(QCoreApplication.translate("ModelsPage", "All languages"), "")
        for code in codes:
            self.language_filter.addItem(_language_name(code), code)
        index = self.language_filter.findData(current)
        self.language_filter.setCurrentIndex(max(0, index))
        self.language_filter.blockSignals(False)

    def _fill_rows(self, state: ModelsState) -> None:
        selected = self.selected_entry()
        table = self.table
        table.setSortingEnabled(False)
        table.setRowCount(len(state.entries))
        installed = self._installed_ids()
        for row, entry in enumerate(state.entries):
            name = QTableWidgetItem(entry.name)
            name.setData(Qt.ItemDataRole.UserRole, entry.id)
            name.setToolTip(f"{entry.name}\n{entry.id} · {entry.repo}\n\n{entry.description}")
            table.setItem(row, 0, name)
            table.setItem(row, 1, QTableWidgetItem(self._status_text(entry, installed)))
            size = QTableWidgetItem(format_bytes(entry.size_bytes))
            size.setToolTip(
                QCoreApplication.translate("ModelsPage", "{bytes} bytes to download").format(
                    bytes=f"{entry.size_bytes:,}"
                )
            )
            table.setItem(row, 2, size)
            table.setItem(row, 3, QTableWidgetItem(_params_label(entry.params_b)))
            table.setItem(row, 4, QTableWidgetItem(entry.quant))
            table.setItem(row, 5, QTableWidgetItem(entry.license))
            langs = QTableWidgetItem(_short_list(list(entry.languages), 3))
            langs.setToolTip(", ".join(_language_name(c) for c in entry.languages))
            table.setItem(row, 6, langs)
            names = [_use_name(u) for u in entry.good_for]
            if entry.reasoning != "none":
                names.append(QCoreApplication.translate("ModelsPage", "thinks"))
            uses = QTableWidgetItem(", ".join(names))
            tip = reasoning_note(entry.reasoning)
            uses.setToolTip(uses.text() + (f"\n{tip}" if tip else ""))
            table.setItem(row, 7, uses)
            expected = state.expected(entry)
            table.setItem(row, 8, self._fit_item(state.fits.get(entry.id), expected))
            table.setItem(row, 9, self._speed_item(state.speeds.get(entry.id), expected))
        if selected is not None:
            self.select_entry(selected.id)

    def _status_text(self, entry: CatalogueEntry, installed: set[str]) -> str:
        if entry.builtin:
            return QCoreApplication.translate("ModelsPage", "Built in")
        if entry.id in installed:
            return QCoreApplication.translate("ModelsPage", "Installed")
        job = self._queue.find(entry.file)
        if job is not None and job.state in ("queued", "running"):
            if job.progress and job.progress.total:
                return QCoreApplication.translate("ModelsPage", "Downloading {percent}%").format(
                    percent=int(100 * job.progress.fraction)
                )
            return QCoreApplication.translate("ModelsPage", "Queued")
        if job is not None and job.state == "paused":
            return QCoreApplication.translate("ModelsPage", "Paused")
        return ""

    def refresh_status(self, job: DownloadJob) -> None:
        """Update the Status cell of the model ``job`` downloads."""
        if self.state is None:
            return
        installed = self._installed_ids()
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            entry = next(
                (
                    e
                    for e in self.state.entries
                    if item and e.id == item.data(Qt.ItemDataRole.UserRole)
                ),
                None,
            )
            if entry is not None and entry.file == job.spec.target_name:
                status = self.table.item(row, 1)
                if status is not None:
                    status.setText(self._status_text(entry, installed))

    def _fit_item(
        self, fit: FitResult | None, expected: tuple[float, bool] | None
    ) -> QTableWidgetItem:
        """The verdict: where it runs, and for the CPU whether it is quick enough to chat
        with, so a 135M model and an 8B one no longer read the same."""
        if fit is None:
            return QTableWidgetItem("")
        labels: dict[FitKind, str] = {
            "gpu": QCoreApplication.translate("ModelsPage", "Runs on GPU"),
            "partial": QCoreApplication.translate("ModelsPage", "Partly on GPU"),
            "cpu": QCoreApplication.translate("ModelsPage", "Fits, on the CPU"),
            "too_large": QCoreApplication.translate("ModelsPage", "Too large for this computer"),
        }
        label, colour = labels[fit.kind], _FIT_COLOURS[fit.kind]
        if fit.kind == "cpu" and expected is not None:
            if expected[0] < MIN_USABLE_TPS:
                label = QCoreApplication.translate("ModelsPage", "Fits, but slow on the CPU")
            else:
                colour = _FIT_COLOURS["gpu"]
        item = QTableWidgetItem("● " + label)
        item.setData(Qt.ItemDataRole.UserRole, fit.kind)
        item.setForeground(QBrush(QColor(colour)))
        item.setToolTip(fit_tooltip(fit))
        return item

    def _speed_item(
        self, result: BenchResult | None, expected: tuple[float, bool] | None
    ) -> QTableWidgetItem:
        if result is None and expected is not None:
            item = QTableWidgetItem(
                QCoreApplication.translate("ModelsPage", "≈ {rate} tokens/s").format(
                    rate=_rate(expected[0])
                )
            )
            item.setToolTip(
                QCoreApplication.translate(
                    "ModelsPage",
                    "Estimated from the file size and this computer's cores. Install the "
                    "model, select it and press Benchmark to measure it.",
                )
            )
            return item
        if result is None:
            item = QTableWidgetItem("—")
            item.setToolTip(
                QCoreApplication.translate(
                    "ModelsPage",
                    "Not measured yet: install the model, select it and press Benchmark",
                )
            )
            return item
        item = QTableWidgetItem(
            QCoreApplication.translate("ModelsPage", "{rate} tokens/s").format(
                rate=_rate(result.generation_tps)
            )
        )
        item.setToolTip(
            QCoreApplication.translate(
                "ModelsPage",
                "Measured on this computer ({device}, {threads} threads, {when}):\n"
                "reading the prompt {prompt} tokens/s\nwriting {gen} tokens/s",
            ).format(
                device=result.device,
                threads=result.threads,
                when=result.measured_at[:10],
                prompt=f"{result.prompt_tps:.0f}",
                gen=f"{result.generation_tps:.1f}",
            )
        )
        return item

    # ---- selection and filters ---------------------------------------------------------------

    def selected_entry(self) -> CatalogueEntry | None:
        """The catalogue entry of the selected row, if any."""
        if self.state is None:
            return None
        model_id = selected_id(self.table)
        return next((e for e in self.state.entries if e.id == model_id), None)

    def select_entry(self, model_id: str) -> bool:
        """Select the row of ``model_id``; False when the catalogue has no such model."""
        return select_id(self.table, model_id)

    def visible_entry_ids(self) -> list[str]:
        """Catalogue ids currently shown (after search and filters)."""
        shown: list[str] = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and not self.table.isRowHidden(row):
                shown.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return shown

    def apply_filters(self) -> None:
        """Hide the rows the search words and filters leave out."""
        if self.state is None:
            return
        words = self.search.text().casefold().split()
        language = self.language_filter.currentData() or ""
        size_key = self.size_filter.currentData() or "any"
        installed_only = self.installed_filter.isChecked()
        installed = self._installed_ids()
        by_id = {e.id: e for e in self.state.entries}
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            entry = by_id.get(item.data(Qt.ItemDataRole.UserRole)) if item else None
            if entry is None:
                continue
            visible = entry_matches(
                entry,
                words,
                language=language,
                size_key=size_key,
                installed_only=installed_only,
                installed=installed,
                also_known_as=[
                    *(_use_name(u) for u in entry.good_for),
                    *(_language_name(c) for c in entry.languages),
                ],
            )
            self.table.setRowHidden(row, not visible)

    def _on_selection(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.description.setText(
                QCoreApplication.translate("ModelsPage", "Select a model to read about it.")
            )
        else:
            note = reasoning_note(entry.reasoning)
            self.description.setText(
                f"{entry.description}\n\n{note}" if note else entry.description
            )
        self.selection_changed.emit()

    def update_buttons(self) -> None:
        """Download only what is neither built in, installed nor already downloading."""
        entry = self.selected_entry()
        installed = self._installed_ids()
        can_download = entry is not None and not entry.builtin and entry.id not in installed
        if entry is not None and can_download:
            job = self._queue.find(entry.file)
            can_download = job is None or not job.active
        self.download_button.setEnabled(can_download)
        if entry is not None and entry.builtin:
            self.download_button.setToolTip(
                QCoreApplication.translate("ModelsPage", "This model is built into Parley")
            )
        elif entry is not None and entry.id in installed:
            self.download_button.setToolTip(
                QCoreApplication.translate("ModelsPage", "This model is already installed")
            )
        else:
            self.download_button.setToolTip(
                QCoreApplication.translate(
                    "ModelsPage",
                    "Download the selected model; the checksum is verified before it is used",
                )
            )

    def _download_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None or not self.download_button.isEnabled():
            return
        self.download_requested.emit(entry)


def fit_tooltip(fit: FitResult) -> str:
    """The numbers behind a fit label, in the user's language."""
    e = fit.estimate
    sources = {
        "file header": QCoreApplication.translate("ModelsPage", "the file's header"),
        "catalogue": QCoreApplication.translate("ModelsPage", "the model's published figures"),
        "estimate from parameters": QCoreApplication.translate(
            "ModelsPage", "its size (a cautious guess)"
        ),
    }
    lines = [
        QCoreApplication.translate(
            "ModelsPage", "Needs about {total} for a {ctx}-token context:"
        ).format(total=format_bytes(e.total), ctx=f"{e.n_ctx:,}"),
        QCoreApplication.translate("ModelsPage", "  model weights {n}").format(
            n=format_bytes(e.weights)
        ),
        QCoreApplication.translate("ModelsPage", "  context memory (KV cache) {n}").format(
            n=format_bytes(e.kv_cache)
        ),
        QCoreApplication.translate("ModelsPage", "  compute buffers {n}").format(
            n=format_bytes(e.compute)
        ),
        QCoreApplication.translate("ModelsPage", "  runtime {n}").format(n=format_bytes(e.runtime)),
        QCoreApplication.translate("ModelsPage", "Shape from {source}: {layers} layers").format(
            source=sources.get(e.dims.source, e.dims.source), layers=e.dims.n_layers
        ),
        QCoreApplication.translate(
            "ModelsPage",
            "This computer: {total} RAM, {usable} usable for a model, {free} free now",
        ).format(
            total=format_bytes(fit.ram_total),
            usable=format_bytes(fit.ram_usable),
            free=format_bytes(fit.ram_available),
        ),
    ]
    if fit.gpu_budget is not None:
        lines.append(
            QCoreApplication.translate(
                "ModelsPage", "GPU memory usable: {budget}; {layers} of {total} layers there"
            ).format(
                budget=format_bytes(fit.gpu_budget),
                layers=fit.gpu_layers,
                total=e.dims.n_layers,
            )
        )
    if fit.kind == "too_large":
        lines.append(
            QCoreApplication.translate(
                "ModelsPage", "A smaller model or a shorter context would fit."
            )
        )
    elif e.total > fit.ram_available and fit.kind != "gpu":
        lines.append(
            QCoreApplication.translate(
                "ModelsPage", "Close other programs before loading it: RAM is short now."
            )
        )
    return "\n".join(lines)


def _language_name(code: str) -> str:
    """ "Chinese (zh)" in the interface language; the code alone when Qt does not know it."""
    locale = QLocale(code)
    if locale.language() == QLocale.Language.C:
        return code
    name = QLocale.languageToString(locale.language())
    return f"{name} ({code})"


def reasoning_note(mode: str) -> str:
    """What a reasoning model does, in a sentence; empty for models that do not think."""
    if mode == "switchable":
        return QCoreApplication.translate(
            "ModelsPage",
            "Thinks before it answers. Parley shows the thinking collapsed above each reply; "
            "the Think switch in a conversation's settings turns it off.",
        )
    if mode == "always":
        return QCoreApplication.translate(
            "ModelsPage",
            "Always thinks before it answers (this cannot be turned off); Parley shows the "
            "thinking collapsed above each reply.",
        )
    return ""


def _use_name(use: str) -> str:
    names = {
        "chat": QCoreApplication.translate("ModelsPage", "chat"),
        "summarise": QCoreApplication.translate("ModelsPage", "summarise"),
        "translate": QCoreApplication.translate("ModelsPage", "translate"),
        "sentiment": QCoreApplication.translate("ModelsPage", "sentiment"),
        "code": QCoreApplication.translate("ModelsPage", "code"),
        "reasoning": QCoreApplication.translate("ModelsPage", "reasoning"),
    }
    return names.get(use, use)


def _params_label(params_b: float) -> str:
    if params_b < 1:
        return QCoreApplication.translate("ModelsPage", "{n}M").format(n=f"{params_b * 1000:.0f}")
    return QCoreApplication.translate("ModelsPage", "{n}B").format(
        n=f"{params_b:.1f}".rstrip("0").rstrip(".")
    )


def _short_list(items: list[str], limit: int) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return QCoreApplication.translate("ModelsPage", "{shown} +{more}").format(
        shown=", ".join(items[:limit]), more=len(items) - limit
    )
