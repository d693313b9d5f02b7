"""Per-conversation system prompt and sampling settings, in a side panel.

Defaults come from the model's catalogue entry (``default_sampling``); a conversation stores
only what the user changed, so a better catalogue default later still reaches old chats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core import limits
from app.core.backend import SamplingParams
from app.core.chat import SAMPLING_KEYS, effective_params


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    tooltip: str
    minimum: float
    maximum: float
    step: float
    decimals: int  # 0 = integer field


def _range(key: str) -> tuple[float, float]:
    """A field's range: the bound the command line and settings.json share."""
    b = limits.bound(key)
    return b.minimum, b.maximum


class ConversationSettingsPanel(QWidget):
    """System prompt + sampling; emits ``changed`` a moment after the user stops editing."""

    changed = Signal(str, dict)  # system prompt, sampling overrides

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SettingsPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFixedWidth(290)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(14, 14, 14, 14)
        layout.setSpacing(8)

        heading = QLabel(self.tr("Conversation settings"))
        heading.setObjectName("MessageRole")
        layout.addWidget(heading)
        self.model_line = QLabel()
        self.model_line.setObjectName("MessageMeta")
        self.model_line.setWordWrap(True)
        layout.addWidget(self.model_line)

        layout.addWidget(QLabel(self.tr("System prompt")))
        self.system_prompt = QPlainTextEdit()
        self.system_prompt.setAccessibleName(self.tr("System prompt"))
        self.system_prompt.setToolTip(
            self.tr("Instructions the model sees before every message of this conversation")
        )
        self.system_prompt.setPlaceholderText(self.tr("e.g. You are a concise assistant."))
        self.system_prompt.setFixedHeight(110)
        self.system_prompt.textChanged.connect(self._edited)
        layout.addWidget(self.system_prompt)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QSpinBox | QDoubleSpinBox] = {}
        for spec in self._specs():
            box: QSpinBox | QDoubleSpinBox
            if spec.decimals:
                box = QDoubleSpinBox()
                box.setDecimals(spec.decimals)
                box.setSingleStep(spec.step)
                box.setRange(spec.minimum, spec.maximum)
            else:
                box = QSpinBox()
                box.setSingleStep(int(spec.step))
                box.setRange(int(spec.minimum), int(spec.maximum))
                box.setGroupSeparatorShown(True)
            box.setAccessibleName(spec.label)
            box.setToolTip(spec.tooltip)
            box.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda _v, k=spec.key: self._field_edited(k))
            label = QLabel(spec.label)
            label.setToolTip(spec.tooltip)
            form.addRow(label, box)
            self.fields[spec.key] = box
        layout.addLayout(form)
        self.think = QCheckBox(self.tr("Think before answering"))
        self.think.setAccessibleName(self.tr("Think before answering"))
        self.think.toggled.connect(self._think_edited)
        layout.addWidget(self.think)
        self.think_note = QLabel()
        self.think_note.setObjectName("MessageMeta")
        self.think_note.setWordWrap(True)
        layout.addWidget(self.think_note)
        self._reasoning = "none"
        self.reset_button = QPushButton(self.tr("Reset to model defaults"))
        self.reset_button.setAccessibleName(self.tr("Reset to model defaults"))
        self.reset_button.setToolTip(
            self.tr("Use the catalogue's recommended values for this model")
        )
        self.reset_button.clicked.connect(self._reset)
        layout.addWidget(self.reset_button)
        layout.addStretch(1)

        self._overrides: dict[str, Any] = {}
        self._defaults = SamplingParams()
        self._default_context = 4096
        self._loading = False
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(400)
        self._timer.timeout.connect(self.flush)

    def _specs(self) -> list[FieldSpec]:
        return [
            FieldSpec(
                "temperature",
                self.tr("Temperature"),
                self.tr("Higher is more varied, lower more predictable"),
                *_range("temperature"),
                0.05,
                2,
            ),
            FieldSpec(
                "top_p",
                self.tr("Top-p"),
                self.tr("Sample only from the most likely tokens that add up to this probability"),
                *_range("top_p"),
                0.01,
                2,
            ),
            FieldSpec(
                "top_k",
                self.tr("Top-k"),
                self.tr("Sample only from this many most likely tokens (0 = no limit)"),
                *_range("top_k"),
                1,
                0,
            ),
            FieldSpec(
                "min_p",
                self.tr("Min-p"),
                self.tr("Ignore tokens less likely than this fraction of the most likely one"),
                *_range("min_p"),
                0.01,
                2,
            ),
            FieldSpec(
                "repeat_penalty",
                self.tr("Repeat penalty"),
                self.tr("Discourage repeating the same words (1 = off)"),
                *_range("repeat_penalty"),
                0.05,
                2,
            ),
            FieldSpec(
                "max_tokens",
                self.tr("Max tokens"),
                self.tr("The longest reply, in tokens"),
                *_range("max_tokens"),
                16,
                0,
            ),
            FieldSpec(
                "context_length",
                self.tr("Context length"),
                self.tr("How many tokens of the conversation to send (at most the loaded context)"),
                *_range("conversation_context"),
                256,
                0,
            ),
        ]

    # ---- state -------------------------------------------------------------------------------

    def load(
        self,
        *,
        system_prompt: str,
        overrides: dict[str, Any],
        defaults: SamplingParams,
        default_context: int,
        model_label: str,
        reasoning: str = "none",
    ) -> None:
        """Show a conversation's settings without emitting ``changed``.

        ``reasoning`` is the loaded model's ReasoningMode: the Think switch works only for
        "switchable" models, says so for models that always think, and is hidden otherwise.
        """
        self._timer.stop()
        self._dirty = False
        self._loading = True
        try:
            self._overrides = {k: v for k, v in overrides.items() if k in SAMPLING_KEYS}
            self._defaults = defaults
            self._default_context = default_context
            self._reasoning = reasoning
            self.model_line.setText(self.tr("Model: {model}").format(model=model_label or "—"))
            self.system_prompt.setPlainText(system_prompt)
            self._show_values()
        finally:
            self._loading = False

    def _show_values(self) -> None:
        params = effective_params(self._defaults, self._overrides)
        mode = self._reasoning
        self.think.setVisible(mode != "none")
        self.think_note.setVisible(mode != "none")
        self.think.setEnabled(mode == "switchable")
        self.think.blockSignals(True)
        self.think.setChecked(mode == "always" or params.think is not False)
        self.think.blockSignals(False)
        if mode == "switchable":
            self.think.setToolTip(
                self.tr(
                    "The model writes out its reasoning before it answers: better answers "
                    "to hard questions, slower replies"
                )
            )
            self.think_note.setText(self.tr("Its thinking is shown collapsed above each answer."))
        elif mode == "always":
            self.think.setToolTip(self.tr("This model always thinks before it answers"))
            self.think_note.setText(self.tr("This model always thinks; it cannot be turned off."))
        for key, box in self.fields.items():
            if key == "context_length":
                value: float = float(self._overrides.get(key, self._default_context))
            else:
                value = float(getattr(params, key))
            box.blockSignals(True)
            if isinstance(box, QSpinBox):
                box.setValue(int(value))
            else:
                box.setValue(value)
            box.blockSignals(False)

    def set_value(self, key: str, value: float) -> None:
        """Set one field as if the user had typed it (used by tests and shortcuts)."""
        box = self.fields[key]
        if isinstance(box, QSpinBox):
            box.setValue(int(value))
        else:
            box.setValue(float(value))

    def _field_edited(self, key: str) -> None:
        if self._loading:
            return
        box = self.fields[key]
        self._overrides[key] = box.value()
        self._dirty = True
        self._timer.start()

    def _think_edited(self, on: bool) -> None:
        if self._loading:
            return
        self._overrides["think"] = on
        self._dirty = True
        self._timer.start()

    def _edited(self) -> None:
        if not self._loading:
            self._dirty = True
            self._timer.start()

    def _reset(self) -> None:
        self._overrides = {}
        self._loading = True
        try:
            self._show_values()
        finally:
            self._loading = False
        self._dirty = True
        self._timer.start()

    def flush(self) -> None:
        """Emit pending edits now (also called before sending a message)."""
        self._timer.stop()
        if self._dirty:
            self._dirty = False
            self.changed.emit(self.system_prompt.toPlainText(), dict(self._overrides))
