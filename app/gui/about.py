"""The About dialog: what this Parley is built from, and under which licences.

It answers the questions a bug report and a licence audit both ask: which version, which
llama.cpp build (its backends and CPU features decide speed and GPU use), and the licence of
the bundled model and of every library shipped with the app. The engine details come from the
``LoadInfo`` the engine returned when it loaded a model; the GUI never imports llama_cpp, so
without a loaded model the dialog says so instead of guessing.

The component table is written out here rather than read from package metadata because a
frozen bundle carries metadata for only some packages; tests/package checks each entry against
the installed packages' own metadata. The versions come from app.core.versions, which
``parley --self-test`` reports too: the ones uv.lock pins, as installed.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.core import versions
from app.core.backend import LoadInfo

_CONTEXT = "AboutDialog"


def _noop(marked: object) -> str:
    """QT_TRANSLATE_NOOP marks a literal for lupdate and returns it; typed here as the str it is."""
    return str(marked)


@dataclass(frozen=True)
class Component:
    """One piece of software shipped with Parley."""

    name: str
    licence: str  # SPDX identifier of the licence Parley uses it under
    purpose: str  # untranslated; marked with QT_TRANSLATE_NOOP, translated when shown
    distribution: str | None = None  # Python distribution name, to show its version


COMPONENTS: tuple[Component, ...] = (
    Component(
        "llama.cpp (ggml)",
        "MIT",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Runs the language model")),
    ),
    Component(
        "llama-cpp-python",
        "MIT",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Connects Parley to llama.cpp")),
        "llama_cpp_python",
    ),
    Component(
        "Qt", "LGPL-3.0-only", _noop(QT_TRANSLATE_NOOP("AboutDialog", "Windows, text and input"))
    ),
    Component(
        "PySide6",
        "LGPL-3.0-only",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Connects Parley to Qt")),
        "PySide6_Essentials",
    ),
    Component("ICU", "Unicode-3.0", _noop(QT_TRANSLATE_NOOP("AboutDialog", "Text handling in Qt"))),
    Component("Python", "PSF-2.0", _noop(QT_TRANSLATE_NOOP("AboutDialog", "Runs Parley itself"))),
    Component(
        "NumPy",
        "BSD-3-Clause",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Arrays for the engine")),
        "numpy",
    ),
    Component(
        "Jinja2",
        "BSD-3-Clause",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Model chat templates")),
        "Jinja2",
    ),
    Component(
        "SQLAlchemy",
        "MIT",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Conversation history")),
        "SQLAlchemy",
    ),
    Component(
        "Alembic",
        "MIT",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "History database upgrades")),
        "alembic",
    ),
    Component(
        "huggingface_hub",
        "Apache-2.0",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Model downloads")),
        "huggingface_hub",
    ),
    Component(
        "pypdf",
        "BSD-3-Clause",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Reading PDF files")),
        "pypdf",
    ),
    Component(
        "python-docx",
        "MIT",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Reading Word files")),
        "python-docx",
    ),
    Component(
        "lxml",
        "BSD-3-Clause",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Reading Word files")),
        "lxml",
    ),
    Component(
        "py3langid",
        "BSD-3-Clause",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Detecting the language of a text")),
        "py3langid",
    ),
    Component(
        "platformdirs",
        "MIT",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Where files are kept")),
        "platformdirs",
    ),
    Component(
        "psutil",
        "BSD-3-Clause",
        _noop(QT_TRANSLATE_NOOP("AboutDialog", "Memory and CPU checks")),
        "psutil",
    ),
)


def component_version(component: Component) -> str:
    """The installed version of a component, or "" when it cannot be known here.

    llama.cpp is the commit and ggml version its library was built with; ICU is the one Qt
    links (Linux only: Qt on Windows and macOS does not use ICU).
    """
    if component.name == "Qt":
        return qVersion()
    if component.name == "Python":
        return platform.python_version()
    if component.name == "ICU":
        return versions.icu_version()
    if component.name.startswith("llama.cpp"):
        build = versions.llama_cpp_build()
        return str(build) if build else ""
    if component.distribution is None:
        return ""
    return versions.distribution_version(component.distribution)


def _translate(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


class AboutDialog(QDialog):
    """Version, engine build and licences; ``set_load_info`` refreshes the engine part."""

    def __init__(self, parent: QWidget | None = None, load_info: LoadInfo | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About Parley"))
        self.setAccessibleName(self.tr("About Parley"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)

        title = QLabel(self.tr("{app} {version}").format(app=APP_NAME, version=__version__))
        title.setAccessibleName(self.tr("Application version"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        summary = QLabel(
            self.tr(
                "Chat, summarise, translate and read sentiment with a language model that "
                "runs on this computer. Nothing you type leaves it."
            )
        )
        summary.setWordWrap(True)
        layout.addWidget(summary)

        engine_box = QGroupBox(self.tr("Engine"))
        engine_form = QFormLayout(engine_box)
        self._engine_version = QLabel()
        self._engine_version.setAccessibleName(self.tr("Engine version"))
        self._device = QLabel()
        self._device.setAccessibleName(self.tr("Device in use"))
        self._model = QLabel()
        self._model.setAccessibleName(self.tr("Loaded model"))
        self._build = QPlainTextEdit()
        self._build.setReadOnly(True)
        self._build.setAccessibleName(self.tr("llama.cpp build"))
        self._build.setMaximumHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        engine_form.addRow(self.tr("llama-cpp-python:"), self._engine_version)
        engine_form.addRow(self.tr("Device:"), self._device)
        engine_form.addRow(self.tr("Model:"), self._model)
        engine_form.addRow(self.tr("llama.cpp build:"), self._build)
        layout.addWidget(engine_box)

        model_box = QGroupBox(self.tr("Bundled model"))
        model_layout = QVBoxLayout(model_box)
        self._bundled_model = QLabel(self._bundled_model_text())
        self._bundled_model.setWordWrap(True)
        self._bundled_model.setAccessibleName(self.tr("Bundled model licence"))
        model_layout.addWidget(self._bundled_model)
        layout.addWidget(model_box)

        licences_box = QGroupBox(self.tr("Software in Parley"))
        licences_layout = QVBoxLayout(licences_box)
        self.licences = QTableWidget(len(COMPONENTS), 4)
        self.licences.setAccessibleName(self.tr("Licences"))
        self.licences.setHorizontalHeaderLabels(
            [self.tr("Component"), self.tr("Version"), self.tr("Licence"), self.tr("Used for")]
        )
        self.licences.verticalHeader().setVisible(False)
        self.licences.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.licences.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, component in enumerate(COMPONENTS):
            cells = (
                component.name,
                component_version(component),
                component.licence,
                _translate(component.purpose),
            )
            for column, text in enumerate(cells):
                self.licences.setItem(row, column, QTableWidgetItem(text))
        header = self.licences.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        licences_layout.addWidget(self.licences)
        note = QLabel(
            self.tr(
                "Each component's licence text is installed with Parley. Qt is used under the "
                "LGPL: its libraries are separate files that you may replace."
            )
        )
        note.setWordWrap(True)
        licences_layout.addWidget(note)
        layout.addWidget(licences_box, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton(self.tr("Copy details"))
        self.copy_button.setAccessibleName(self.tr("Copy details"))
        self.copy_button.setToolTip(self.tr("Copy the version and engine details for a bug report"))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.set_load_info(load_info)

    def _bundled_model_text(self) -> str:
        from app.core.catalogue import builtin_entry, load_catalogue

        try:
            entry = builtin_entry(load_catalogue())
        except (OSError, ValueError) as exc:  # CatalogueError is a ValueError
            return self.tr("The model catalogue could not be read: {error}").format(error=exc)
        return self.tr("{name}, licence {licence}, from {repo}.").format(
            name=entry.name, licence=entry.license, repo=entry.repo
        )

    def set_load_info(self, info: LoadInfo | None) -> None:
        """Show the engine as it was when the current model loaded (None: no model yet)."""
        if info is None:
            unknown = self.tr("not known until a model is loaded")
            self._engine_version.setText(unknown)
            self._device.setText(unknown)
            self._model.setText(self.tr("none loaded"))
            self._build.setPlainText(self.tr("Load a model to see how llama.cpp was built."))
            return
        self._engine_version.setText(info.engine_version or self.tr("unknown"))
        if info.gpu_layers:
            device = self.tr("{device}, {gpu} of {total} layers on the GPU").format(
                device=info.device, gpu=info.gpu_layers, total=info.n_layers
            )
        else:
            device = self.tr("{device}, {threads} threads").format(
                device=info.device, threads=info.n_threads
            )
        self._device.setText(device)
        self._model.setText(info.model_id or info.path)
        self._build.setPlainText(info.system_info.strip() or self.tr("not reported"))

    def details_text(self) -> str:
        """Everything a bug report needs, as plain text.

        The labels stay in English whatever the UI language: this text is pasted into bug
        reports, which the maintainers read; the values are the ones the dialog shows.
        """
        found = versions.collect(qVersion())
        build = versions.llama_cpp_build()
        lines = [
            f"{APP_NAME} {__version__}",
            f"Python {found['python']}, Qt {found['qt']}, PySide6 {found['pyside6']}, "
            f"ICU {found['icu'] or 'not used'}",
            f"SQLAlchemy {found['sqlalchemy']}, Alembic {found['alembic']}, "
            f"huggingface_hub {found['huggingface_hub']}, NumPy {found['numpy']}",
            f"{platform.system()} {platform.release()} ({platform.machine()})",
            f"llama.cpp: {build or 'unknown'}",
            f"llama-cpp-python: {self._engine_version.text()}",
            f"Device: {self._device.text()}",
            f"Model: {self._model.text()}",
            f"llama.cpp build: {self._build.toPlainText()}",
        ]
        return "\n".join(lines)

    def copy_details(self) -> None:
        """Put :meth:`details_text` on the clipboard."""
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.details_text())


def show_about(parent: QWidget | None, load_info: LoadInfo | None) -> AboutDialog:
    """Open the About dialog (non-modal, deleted when closed) and return it."""
    dialog = AboutDialog(parent, load_info)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
