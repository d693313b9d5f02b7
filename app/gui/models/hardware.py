"""What this computer offers a model: the one-line summary in the Models page's header, its
tooltip, and the Hardware sheet that holds the same figures where keyboard users reach them.

The fit verdicts are based on these figures, so the user can check them in one place. The
strings keep the "ModelsPage" translation context they had when this was part of that class.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QWidget

from app.core.hardware import HardwareInfo, format_bytes


def hardware_summary(hw: HardwareInfo) -> str:
    """One line for the header: cores, RAM and the GPU the engine can use."""
    cores = hw.physical_cores or hw.logical_cores
    if hw.gpu_backend and hw.gpus:
        gpu = hw.gpus[0]
        gpu_text = QCoreApplication.translate("ModelsPage", "{backend}: {name}").format(
            backend=hw.gpu_backend, name=gpu.name
        )
    elif hw.gpu_backend:
        gpu_text = QCoreApplication.translate(
            "ModelsPage", "{backend} build, GPU memory unknown"
        ).format(backend=hw.gpu_backend)
    else:
        gpu_text = QCoreApplication.translate("ModelsPage", "no GPU offload")
    return QCoreApplication.translate("ModelsPage", "{cores} CPU cores · {ram} RAM · {gpu}").format(
        cores=cores, ram=format_bytes(hw.ram_total_bytes), gpu=gpu_text
    )


def hardware_details(hw: HardwareInfo) -> list[str]:
    """Every figure the verdicts use, one per line (the tooltip and the sheet)."""
    unknown = QCoreApplication.translate("ModelsPage", "unknown")
    lines = [
        QCoreApplication.translate("ModelsPage", "CPU: {name}").format(name=hw.cpu_name or unknown),
        QCoreApplication.translate(
            "ModelsPage", "Cores: {physical} physical, {logical} logical"
        ).format(physical=hw.physical_cores or "?", logical=hw.logical_cores),
        QCoreApplication.translate("ModelsPage", "Instruction sets: {sets}").format(
            sets=" ".join(hw.instruction_sets) or unknown
        ),
        QCoreApplication.translate("ModelsPage", "RAM: {total} total, {free} available").format(
            total=format_bytes(hw.ram_total_bytes), free=format_bytes(hw.ram_available_bytes)
        ),
        QCoreApplication.translate("ModelsPage", "GPU backend in the engine: {backend}").format(
            backend=hw.gpu_backend or QCoreApplication.translate("ModelsPage", "none (CPU only)")
        ),
    ]
    for gpu in hw.gpus:
        lines.append(
            QCoreApplication.translate(
                "ModelsPage", "GPU: {name}, {total} total, {free} free"
            ).format(
                name=gpu.name,
                total=format_bytes(gpu.total_bytes),
                free=format_bytes(gpu.free_bytes),
            )
        )
    if hw.gpus and not hw.gpu_backend:
        lines.append(
            QCoreApplication.translate(
                "ModelsPage",
                "A GPU was found, but this build of the engine cannot use it; models run "
                "on the CPU.",
            )
        )
    return lines


class HardwareReadout(QObject):
    """The header's hardware line and its "Hardware…" button; the page places both."""

    def __init__(self, owner: QWidget) -> None:
        super().__init__(owner)
        self._owner = owner  # the sheet opens over the page
        self.lines: list[str] = []
        self.label = QLabel(QCoreApplication.translate("ModelsPage", "Looking at this computer…"))
        self.label.setObjectName("EmptyBody")
        self.label.setAccessibleName(QCoreApplication.translate("ModelsPage", "Hardware"))
        self.label.setToolTip(
            QCoreApplication.translate("ModelsPage", "What this computer offers a model")
        )
        self.button = QPushButton(QCoreApplication.translate("ModelsPage", "Hardware…"))
        self.button.setAccessibleName(QCoreApplication.translate("ModelsPage", "Hardware details"))
        self.button.setToolTip(
            QCoreApplication.translate(
                "ModelsPage", "CPU, instruction sets, memory and GPU as the engine sees them"
            )
        )
        self.button.setEnabled(False)

    def show_hardware(self, hw: HardwareInfo) -> None:
        """Fill the line and its tooltip; the sheet can open from now on."""
        self.label.setText(hardware_summary(hw))
        self.lines = hardware_details(hw)
        self.label.setToolTip("\n".join(self.lines))
        self.button.setEnabled(True)

    def open_sheet(self) -> QMessageBox:
        """The Hardware sheet: everything the fit verdicts are based on, in one place."""
        box = QMessageBox(self._owner)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(QCoreApplication.translate("ModelsPage", "Hardware"))
        box.setText(self.label.text())
        box.setInformativeText("\n".join(self.lines))
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAccessibleName(QCoreApplication.translate("ModelsPage", "Hardware"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box
