"""The Settings dialog (Ctrl+,): language, look, default models, engine and history.

Every change is written to the versioned settings file (app/core/settings.py) and applied at
once where Qt allows it: the theme and the font size re-style the running app; threads,
context length and GPU offload reload the model with the new options; a new default chat
model is loaded straight away. Two settings need a restart and say so next to the control:
the language (Parley's widgets translate their text when they are built, so a live switch
would leave half the window in the old language) and the history location (the open
database is in use by the chat).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core import limits
from app.core.settings import TOOLS, Settings, default_threads
from app.core.task_models import choose_task_model, task_choices, task_model

if TYPE_CHECKING:
    from app.core.catalogue import InstalledModel
    from app.gui.window import MainWindow

log = logging.getLogger(__name__)

LANGUAGES: tuple[tuple[str, str], ...] = (
    ("system", "System language"),
    ("en", "English"),
    ("zh_CN", "简体中文"),
)
THEMES = ("system", "light", "dark")
# The same bounds as the command line and settings.json (app.core.limits).
CONTEXT_MIN, CONTEXT_MAX, CONTEXT_STEP = limits.CONTEXT_MIN, limits.CONTEXT_MAX, 512
FONT_MIN, FONT_MAX = int(limits.bound("font_size").minimum), int(limits.bound("font_size").maximum)
MAX_GPU_LAYERS = limits.GPU_LAYERS_MAX
_DEFAULT_POINT_SIZE = "parley_default_point_size"

ConfirmFn = Callable[[str, str], bool]


def apply_font_size(app: QApplication, size: int) -> None:
    """Set the application font's point size (0 = the platform default), live.

    The platform's own size is remembered the first time, so "default" can be restored after
    any number of changes.
    """
    remembered = app.property(_DEFAULT_POINT_SIZE)
    if not remembered:
        remembered = app.font().pointSizeF()
        app.setProperty(_DEFAULT_POINT_SIZE, remembered)
    font = QFont(app.font())
    font.setPointSizeF(float(size) if size > 0 else float(remembered))
    app.setFont(font)
    # With an application style sheet, widgets keep the font they were polished with; setting
    # the sheet again re-polishes every widget with the new application font.
    app.setStyleSheet(app.styleSheet())


def history_path_problem(text: str) -> str | None:
    """Why ``text`` cannot be a history file, in the user's words; None when it can."""
    if not text.strip():
        return None
    path = Path(text.strip()).expanduser()
    if not path.is_absolute():
        return QCoreApplication.translate(
            "SettingsDialog", "Enter a full path, for example one chosen with Browse…."
        )
    if path.is_dir():
        return QCoreApplication.translate(
            "SettingsDialog", "This is a folder; add a file name such as history.sqlite3."
        )
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return QCoreApplication.translate(
            "SettingsDialog", "The folder for this file cannot be created."
        )
    return None


class SettingsDialog(QDialog):
    """Parley's preferences. ``apply()`` saves and applies; OK applies and closes."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ref = window
        self.confirm: ConfirmFn = self._confirm_dialog
        self.setWindowTitle(self.tr("Settings"))
        self.setAccessibleName(self.tr("Settings"))
        self.setMinimumWidth(560)
        self._installed: list[InstalledModel] = []
        self._starter_name = ""
        self._store = window.settings_store
        self.saved: Settings = self._store.current()

        outer = QVBoxLayout(self)
        outer.setSpacing(10)
        outer.addWidget(self._build_appearance())
        outer.addWidget(self._build_models())
        outer.addWidget(self._build_engine())
        outer.addWidget(self._build_history())
        self.error_label = QLabel()
        self.error_label.setObjectName("MessageMeta")
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName(self.tr("Settings problem"))
        self.error_label.setStyleSheet("color: #c0392b;")
        self.error_label.hide()
        outer.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("OK"))
        ok.setAccessibleName(self.tr("OK"))
        ok.setToolTip(self.tr("Save the settings, apply them and close"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(self.tr("Cancel"))
        cancel.setAccessibleName(self.tr("Cancel"))
        cancel.setToolTip(self.tr("Close without saving the changes not yet applied"))
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.setText(self.tr("Apply"))
        self.apply_button.setAccessibleName(self.tr("Apply"))
        self.apply_button.setToolTip(self.tr("Save the settings and apply them now"))
        self.apply_button.clicked.connect(self.apply)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self._load_models()
        self.load(self.saved)
        # A task's model changed elsewhere (its pane's picker) while the dialog is open: the
        # lists show it, so OK does not put the old choice back.
        self._store.changed.connect(self._models_changed)

    # ---- layout ------------------------------------------------------------------------------

    def _note(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("MessageMeta")
        label.setWordWrap(True)
        return label

    def _build_appearance(self) -> QGroupBox:
        box = QGroupBox(self.tr("Language and appearance"))
        form = QFormLayout(box)
        self.language = QComboBox()
        self.language.setAccessibleName(self.tr("Language"))
        self.language.setToolTip(self.tr("The language of Parley's menus, buttons and messages"))
        for key, name in LANGUAGES:
            label = self.tr("Same as the system") if key == "system" else name
            self.language.addItem(label, key)
        form.addRow(self.tr("Language:"), self.language)
        self.language_note = self._note(self.tr("Takes effect after Parley restarts."))
        self.language_note.setAccessibleName(self.tr("Language note"))
        form.addRow("", self.language_note)
        self.theme = QComboBox()
        self.theme.setAccessibleName(self.tr("Theme"))
        self.theme.setToolTip(self.tr("Light or dark colours, or follow the system"))
        for key, label in (
            ("system", self.tr("Same as the system")),
            ("light", self.tr("Light")),
            ("dark", self.tr("Dark")),
        ):
            self.theme.addItem(label, key)
        form.addRow(self.tr("Theme:"), self.theme)
        self.font_size = QSpinBox()
        self.font_size.setAccessibleName(self.tr("Font size"))
        self.font_size.setToolTip(self.tr("Text size in points for the whole app"))
        self.font_size.setRange(FONT_MIN - 1, FONT_MAX)
        self.font_size.setSpecialValueText(self.tr("System default"))
        self.font_size.setSuffix(self.tr(" pt"))
        form.addRow(self.tr("Font size:"), self.font_size)
        return box

    def _build_models(self) -> QGroupBox:
        box = QGroupBox(self.tr("Default models"))
        form = QFormLayout(box)
        names = {
            "chat": self.tr("Chat:"),
            "summarise": self.tr("Summarise:"),
            "translate": self.tr("Translate:"),
            "sentiment": self.tr("Sentiment:"),
        }
        accessible = {
            "chat": self.tr("Default model for Chat"),
            "summarise": self.tr("Default model for Summarise"),
            "translate": self.tr("Default model for Translate"),
            "sentiment": self.tr("Default model for Sentiment"),
        }
        self.model_boxes: dict[str, QComboBox] = {}
        for tool in TOOLS:
            combo = QComboBox()
            combo.setAccessibleName(accessible[tool])
            combo.setToolTip(self.tr("The model this tool uses; download more on the Models page"))
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(24)
            self.model_boxes[tool] = combo
            form.addRow(names[tool], combo)
        # A model given when Parley was started runs the tools for this session; the boxes
        # above are the saved defaults, which apply again from the next start.
        self.session_note = QLabel()
        self.session_note.setObjectName("MessageMeta")
        self.session_note.setWordWrap(True)
        self.session_note.setAccessibleName(self.tr("Models for this session"))
        pinned = self._session_models()
        if pinned:
            tools = ", ".join(names[tool].rstrip(":：") for tool in TOOLS if tool in pinned)
            self.session_note.setText(
                self.tr(
                    "This session, {tools} run on {model}, given when Parley was started; "
                    "the defaults above apply again from the next start, or once you pick "
                    "another model in a pane."
                ).format(tools=tools, model=next(iter(pinned.values())))
            )
        self.session_note.setVisible(bool(pinned))
        form.addRow(self.session_note)
        return box

    def _session_models(self) -> dict[str, str]:
        engines = getattr(self.window_ref, "engines", None)
        return engines.session_models() if engines is not None else {}

    def _build_engine(self) -> QGroupBox:
        box = QGroupBox(self.tr("Engine"))
        form = QFormLayout(box)
        self.threads = QSpinBox()
        self.threads.setAccessibleName(self.tr("Threads"))
        self.threads.setToolTip(
            self.tr("CPU threads the model uses; Automatic uses all of them ({n} here)").format(
                n=default_threads()
            )
        )
        self.threads.setRange(0, limits.max_threads())
        self.threads.setSpecialValueText(self.tr("Automatic"))
        form.addRow(self.tr("Threads:"), self.threads)
        self.context_length = QSpinBox()
        self.context_length.setAccessibleName(self.tr("Context length"))
        self.context_length.setToolTip(
            self.tr(
                "How many tokens of conversation the model can read at once; longer needs "
                "more memory"
            )
        )
        self.context_length.setRange(CONTEXT_MIN, CONTEXT_MAX)
        self.context_length.setSingleStep(CONTEXT_STEP)
        self.context_length.setSuffix(self.tr(" tokens"))
        form.addRow(self.tr("Context length:"), self.context_length)
        gpu_row = QHBoxLayout()
        self.gpu_mode = QComboBox()
        self.gpu_mode.setAccessibleName(self.tr("GPU offload"))
        self.gpu_mode.setToolTip(self.tr("Where the model's layers run"))
        self.gpu_mode.addItem(self.tr("Automatic"), "auto")
        self.gpu_mode.addItem(self.tr("Number of layers"), "layers")
        self.gpu_mode.addItem(self.tr("CPU only"), "cpu")
        self.gpu_layers = QSpinBox()
        self.gpu_layers.setAccessibleName(self.tr("GPU layers"))
        self.gpu_layers.setToolTip(self.tr("How many of the model's layers to put on the GPU"))
        self.gpu_layers.setRange(1, MAX_GPU_LAYERS)
        self.gpu_mode.currentIndexChanged.connect(self._gpu_mode_changed)
        gpu_row.addWidget(self.gpu_mode, 1)
        gpu_row.addWidget(self.gpu_layers)
        form.addRow(self.tr("GPU offload:"), gpu_row)
        form.addRow(
            "",
            self._note(self.tr("Changes here reload the model; a reply being written ends first.")),
        )
        return box

    def _build_history(self) -> QGroupBox:
        box = QGroupBox(self.tr("History"))
        column = QVBoxLayout(box)
        row = QHBoxLayout()
        self.history_path = QLineEdit()
        self.history_path.setAccessibleName(self.tr("History location"))
        self.history_path.setToolTip(
            self.tr("The file that keeps your conversations; empty means the standard place")
        )
        self.history_path.setClearButtonEnabled(True)
        row.addWidget(self.history_path, 1)
        browse = QPushButton(self.tr("Browse…"))
        browse.setAccessibleName(self.tr("Browse for history location"))
        browse.setToolTip(self.tr("Choose where the history file is kept"))
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        column.addLayout(row)
        self.history_note = self._note(
            self.tr(
                "Takes effect after Parley restarts. An existing file there is opened; "
                "otherwise a new, empty history starts."
            )
        )
        column.addWidget(self.history_note)
        delete_row = QHBoxLayout()
        self.delete_button = QPushButton(self.tr("Delete all history…"))
        self.delete_button.setAccessibleName(self.tr("Delete all history"))
        self.delete_button.setToolTip(
            self.tr("Delete every conversation and text-tool result for good (asks first)")
        )
        self.delete_button.clicked.connect(self.delete_history)
        delete_row.addWidget(self.delete_button)
        delete_row.addStretch(1)
        column.addLayout(delete_row)
        return box

    # ---- values ------------------------------------------------------------------------------

    def _load_models(self) -> None:
        """Fill the per-tool model lists from the models on this computer."""
        from app.core.catalogue import CatalogueError, installed_models

        try:
            self._installed = installed_models()
        except (CatalogueError, OSError) as exc:
            log.warning("installed models could not be listed: %s", exc)
            self._installed = []
        starter = next((m for m in self._installed if m.builtin), None)
        self._starter_name = starter.name if starter else ""
        for combo in self.model_boxes.values():
            combo.clear()
            combo.addItem(
                self.tr("Built-in starter model ({name})").format(name=self._starter_name)
                if self._starter_name
                else self.tr("Built-in starter model"),
                "",
            )
            for choice in task_choices(self.saved, installed=self._installed):
                if choice.choice != (starter.model_id if starter else None):
                    combo.addItem(choice.label, choice.choice)

    def load(self, settings: Settings) -> None:
        """Show ``settings`` in the controls."""
        self._select(self.language, settings.language if settings.language else "system")
        self._select(self.theme, settings.theme)
        self.font_size.setValue(settings.font_size if settings.font_size > 0 else FONT_MIN - 1)
        starter = next((m.model_id for m in self._installed if m.builtin), None)
        for tool, combo in self.model_boxes.items():
            # What the tool runs on, as every face reads it (a server, or a model by its id).
            model_id = task_model(settings, tool, installed=self._installed).choice
            if model_id == starter:
                model_id = ""
            if model_id and combo.findData(model_id) < 0:
                combo.addItem(self.tr("{model} (not installed)").format(model=model_id), model_id)
            self._select(combo, model_id)
        self.threads.setValue(settings.threads)
        self.context_length.setValue(settings.context_length)
        offload = settings.gpu_offload.strip()
        if offload == "cpu":
            self._select(self.gpu_mode, "cpu")
        elif offload.isdigit() and int(offload) > 0:
            self._select(self.gpu_mode, "layers")
            self.gpu_layers.setValue(int(offload))
        else:
            self._select(self.gpu_mode, "auto")
        self._gpu_mode_changed()
        self.history_path.setText(settings.history_path)

    def _models_changed(self, settings: object) -> None:
        if not isinstance(settings, Settings):
            return
        starter = next((m.model_id for m in self._installed if m.builtin), None)
        for tool, combo in self.model_boxes.items():
            choice = task_model(settings, tool, installed=self._installed).choice
            self._select(combo, "" if choice == starter else choice)
        self.saved.default_models = dict(settings.default_models)
        self.saved.tool_backends = dict(settings.tool_backends)

    @staticmethod
    def _select(combo: QComboBox, data: str) -> None:
        index = combo.findData(data)
        combo.setCurrentIndex(max(0, index))

    def _gpu_mode_changed(self) -> None:
        self.gpu_layers.setEnabled(self.gpu_mode.currentData() == "layers")

    def values(self) -> Settings:
        """The settings the controls show (fields not in the dialog kept as they are)."""
        settings = self._store.current()
        settings.language = str(self.language.currentData())
        settings.theme = str(self.theme.currentData())
        size = self.font_size.value()
        settings.font_size = size if size >= FONT_MIN else 0
        for tool, combo in self.model_boxes.items():
            chosen = str(combo.currentData() or "")
            if chosen != task_model(settings, tool, installed=self._installed).choice:
                choose_task_model(settings, tool, chosen)
        settings.threads = self.threads.value()
        settings.context_length = self.context_length.value()
        mode = self.gpu_mode.currentData()
        settings.gpu_offload = str(self.gpu_layers.value()) if mode == "layers" else str(mode)
        settings.history_path = self.history_path.text().strip()
        return settings

    # ---- actions -----------------------------------------------------------------------------

    def _show_problem(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def apply(self) -> bool:
        """Save the settings and apply what can be applied live; False on bad input."""
        problem = history_path_problem(self.history_path.text())
        if problem:
            self._show_problem(problem)
            self.history_path.setFocus()
            return False
        new = self.values()
        old = self.saved
        try:
            self._store.update(new)
        except OSError as exc:
            self._show_problem(
                self.tr("The settings could not be saved: {error}").format(
                    error=exc.strerror or exc
                )
            )
            return False
        self._show_problem("")
        self.saved = new
        self._apply_live(old, new)
        return True

    def _apply_live(self, old: Settings, new: Settings) -> None:
        from app.gui.theme import ThemeManager

        app = QApplication.instance()
        if isinstance(app, QApplication):
            if new.theme != old.theme:
                manager = app.findChild(ThemeManager)
                if manager is not None:
                    manager.set_preference(new.theme)
            if new.font_size != old.font_size:
                apply_font_size(app, new.font_size)
        engine_changed = (
            new.threads != old.threads
            or new.context_length != old.context_length
            or new.gpu_offload != old.gpu_offload
        )
        # A new model for Chat is loaded by the window as soon as the settings are saved (it
        # hears every change of a task's model, wherever it was made); the other tasks load
        # theirs when they next run.
        if engine_changed:
            self.window_ref.apply_engine_settings(new.load_options())

    def _ok(self) -> None:
        old = self.saved
        if not self.apply():
            return
        self.accept()
        new = self.saved
        needs_restart = (new.language, new.history_path) != (old.language, old.history_path)
        if needs_restart and self.ask_restart():
            from app.gui.restart import restart

            restart(self.window_ref)

    def ask_restart(self) -> bool:
        """Offer to restart now for the settings that need it; True for "Restart now"."""
        box = QMessageBox(self.window_ref)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Restart Parley?"))
        box.setText(self.tr("The new language or history location is used after a restart."))
        now = box.addButton(self.tr("Restart now"), QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(later)
        box.exec()
        return box.clickedButton() is now

    def _browse(self) -> None:
        start = self.history_path.text().strip()
        if not start:
            from app.core.history.store import default_history_path

            start = str(default_history_path())
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("History location"),
            start,
            self.tr("Parley history (*.sqlite3);;All files (*)"),
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if chosen:
            self.history_path.setText(chosen)

    def delete_history(self) -> bool:
        """Ask, then delete every conversation and tool result; True when it was done."""
        window = self.window_ref
        store = window.store
        if store is None:
            self._show_problem(self.tr("The history is not open yet; try again in a moment."))
            return False
        if window.chat.generation is not None:
            self._show_problem(self.tr("Stop the reply being written, then delete the history."))
            return False
        if not self.confirm(
            self.tr("Delete all history"),
            self.tr(
                "Delete every conversation and every text-tool result for good? "
                "This cannot be undone."
            ),
        ):
            return False
        from app.core.history.wipe import delete_all_history

        try:
            count = delete_all_history(store)
        except Exception as exc:  # the store raises HistoryError with a clear message
            self._show_problem(
                self.tr("The history could not be deleted: {error}").format(
                    error=getattr(exc, "message", "") or exc
                )
            )
            return False
        window.chat.set_store(store)
        window.show_message(self.tr("History deleted ({count} conversations).").format(count=count))
        self._show_problem("")
        return True

    def _confirm_dialog(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        delete = box.addButton(self.tr("Delete everything"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("Keep my history"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.exec()
        return box.clickedButton() is delete


def show_settings(window: MainWindow) -> SettingsDialog:
    """Open the dialog without blocking (tests and the menu use the same path)."""
    dialog = SettingsDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.open()
    return dialog
