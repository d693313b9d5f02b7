"""The Servers page: OpenAI-compatible servers Parley can run on, and which tool uses which.

Servers (name, base URL, model) are saved in settings; keys go to the system keyring through
:mod:`app.core.servers`, never into the settings file; where there is no keyring, the page says
the key is kept for this session only. Every network request (Test connection, Load models)
runs through :class:`~app.gui.ops.BackgroundOp`, so a slow or dead server never freezes the
window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.backend import LoadInfo, LoadOptions, ModelRef
from app.core.servers import (
    LOCAL,
    ServerConfig,
    ServerConfigError,
    find_server,
    key_store,
    list_servers,
    remove_server,
    save_server,
    set_tool_backend,
)
from app.core.settings import TOOLS, Settings
from app.gui.ops import BackgroundOp, wait_for_background_ops
from app.gui.settings_store import SettingsStore


def probe_server(url: str, api_key: str, model: str) -> tuple[LoadInfo, list[str], int]:
    """Connect, choose the model and list the server's models, with how many requests it
    serves at once; BackendError says why not."""
    from app.engine.openai_compat import OpenAICompatBackend

    backend = OpenAICompatBackend(url, api_key=api_key, model=model, retries=0)
    try:
        info = backend.load(ModelRef(path=Path()), LoadOptions())
        return info, backend.list_models(), backend.parallel_slots
    finally:
        backend.close()


class ServersPage(QWidget):
    """Add, edit, test and remove servers; choose local or server for each tool."""

    def __init__(self, store: SettingsStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Servers"))
        self._closed = False
        self._editing: str | None = None  # name of the server in the form, None = new
        self._store = store
        # The page edits its own copy and saves it through the store; a change made
        # elsewhere (the Settings dialog) replaces the copy.
        self.settings: Settings = store.current()
        store.changed.connect(self._settings_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(10)
        title = QLabel(self.tr("Servers"))
        title.setObjectName("EmptyTitle")
        intro = QLabel(
            self.tr(
                "Run Parley on an OpenAI-compatible server (llama.cpp's llama-server, vLLM, "
                "Ollama, LM Studio) when this computer is not enough. Keys are kept in the "
                "system keyring, never in the settings file."
            )
        )
        intro.setWordWrap(True)
        intro.setObjectName("EmptyBody")
        layout.addWidget(title)
        layout.addWidget(intro)

        row = QHBoxLayout()
        self.server_list = QListWidget()
        self.server_list.setAccessibleName(self.tr("Saved servers"))
        self.server_list.currentTextChanged.connect(self._show_server)
        self.server_list.setToolTip(self.tr("Servers you have saved; choose one to edit it"))
        self.server_list.setMaximumHeight(220)
        self.no_servers = QLabel(
            self.tr("No servers yet. Fill in a name and an address, then Test connection and Save.")
        )
        self.no_servers.setObjectName("EmptyBody")
        self.no_servers.setWordWrap(True)
        self.no_servers.setAlignment(Qt.AlignmentFlag.AlignCenter)
        list_column = QVBoxLayout()
        list_column.addWidget(self.server_list)
        list_column.addWidget(self.no_servers)
        row.addLayout(list_column, 1)

        form_box = QWidget()
        form = QFormLayout(form_box)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName(self.tr("Server name"))
        self.url_edit = QLineEdit()
        self.url_edit.setAccessibleName(self.tr("Base URL"))
        self.url_edit.setPlaceholderText("http://127.0.0.1:8080")
        self.key_edit = QLineEdit()
        self.key_edit.setAccessibleName(self.tr("API key"))
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText(self.tr("none"))
        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.setAccessibleName(self.tr("Model"))
        self.model_combo.setToolTip(self.tr("Empty: the server's first model"))
        form.addRow(self.tr("Name"), self.name_edit)
        form.addRow(self.tr("Base URL"), self.url_edit)
        form.addRow(self.tr("API key"), self.key_edit)
        form.addRow(self.tr("Model"), self.model_combo)
        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New"))
        self.save_button = QPushButton(self.tr("Save"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.test_button = QPushButton(self.tr("Test connection"))
        for button in (self.new_button, self.save_button, self.remove_button, self.test_button):
            button.setAccessibleName(button.text())
            buttons.addWidget(button)
        form.addRow(buttons)
        self.result_label = QLabel()
        self.result_label.setAccessibleName(self.tr("Connection result"))
        self.result_label.setWordWrap(True)
        form.addRow(self.result_label)
        row.addWidget(form_box, 2)
        layout.addLayout(row)

        tools_box = QGroupBox(self.tr("Where each tool runs"))
        tools_form = QFormLayout(tools_box)
        tool_labels = {
            "chat": self.tr("Chat"),
            "summarise": self.tr("Summarise"),
            "translate": self.tr("Translate"),
            "sentiment": self.tr("Sentiment"),
        }
        self.tool_combos: dict[str, QComboBox] = {}
        for tool in TOOLS:
            combo = QComboBox()
            combo.setAccessibleName(self.tr("{tool} runs on").format(tool=tool_labels[tool]))
            combo.activated.connect(lambda _i, t=tool: self._tool_changed(t))
            combo.setMinimumWidth(260)
            combo.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            tools_form.addRow(tool_labels[tool], combo)
            self.tool_combos[tool] = combo
        note = QLabel(
            self.tr(
                "Changes take effect from the tool's next run. Each pane's model picker shows "
                "and changes the same choice; tools on the same model share one engine, and the "
                "parley command follows these choices too."
            )
        )
        note.setObjectName("EmptyBody")
        note.setWordWrap(True)
        tools_form.addRow(note)
        layout.addWidget(tools_box)
        layout.addStretch(1)

        self.new_button.clicked.connect(self.new_server)
        self.save_button.clicked.connect(self.save_current)
        self.remove_button.clicked.connect(self.remove_current)
        self.test_button.clicked.connect(self.test_connection)
        self._refresh()

    # ---- list and form -------------------------------------------------------------------

    def _refresh(self, select: str | None = None) -> None:
        self.server_list.blockSignals(True)
        self.server_list.clear()
        names = [s.name for s in list_servers(self.settings)]
        self.server_list.addItems(names)
        self.server_list.setVisible(bool(names))
        self.no_servers.setVisible(not names)
        self.server_list.blockSignals(False)
        for tool, combo in self.tool_combos.items():
            combo.clear()
            combo.addItem(self.tr("This computer"), LOCAL)
            for name in names:
                combo.addItem(name, name)
            where = self.settings.tool_backends.get(tool, LOCAL)
            index = combo.findData(where)
            combo.setCurrentIndex(max(0, index))
        if select in names:
            self.server_list.setCurrentRow(names.index(select))
        else:
            self.new_server()
        self.remove_button.setEnabled(self._editing is not None)

    def _show_server(self, name: str) -> None:
        server = find_server(self.settings, name) if name else None
        if server is None:
            return
        self._editing = server.name
        self.name_edit.setText(server.name)
        self.url_edit.setText(server.base_url)
        self.key_edit.setText(key_store().get(server.name))
        self.model_combo.clear()
        self.model_combo.setEditText(server.model)
        self.result_label.clear()
        self.remove_button.setEnabled(True)

    def new_server(self) -> None:
        self._editing = None
        self.server_list.clearSelection()
        for edit in (self.name_edit, self.url_edit, self.key_edit):
            edit.clear()
        self.model_combo.clear()
        self.model_combo.setEditText("")
        self.result_label.clear()
        self.remove_button.setEnabled(False)

    def _form(self) -> ServerConfig:
        return ServerConfig(
            self.name_edit.text(), self.url_edit.text(), self.model_combo.currentText().strip()
        )

    def save_current(self) -> bool:
        """Save the form; a problem is shown in the result line, nothing is saved."""
        try:
            server = self._form()
            save_server(self.settings, server, old_name=self._editing)
        except ServerConfigError as exc:
            self.result_label.setText(self.tr("Not saved: {error}").format(error=exc))
            return False
        saved = find_server(self.settings, server.name)
        assert saved is not None
        warning = key_store().set(saved.name, self.key_edit.text().strip())
        self._store.update(self.settings)
        self._refresh(select=saved.name)
        if warning:
            self.result_label.setText(
                self.tr(
                    "Saved. No system keyring is available, so the API key is kept only until "
                    "Parley closes; set {variable} in the environment to keep it."
                ).format(variable=f"PARLEY_API_KEY_{saved.name.upper()}")
            )
        else:
            self.result_label.setText(self.tr("Saved."))
        return True

    def remove_current(self) -> None:
        if self._editing is None:
            return
        remove_server(self.settings, self._editing)
        self._store.update(self.settings)
        self._refresh()
        self.result_label.setText(self.tr("Removed."))

    def _tool_changed(self, tool: str) -> None:
        where = self.tool_combos[tool].currentData()
        try:
            set_tool_backend(self.settings, tool, str(where))
        except ServerConfigError as exc:
            self.result_label.setText(str(exc))
            return
        self._store.update(self.settings)

    def _settings_changed(self, settings: object) -> None:
        assert isinstance(settings, Settings)
        self.settings = settings
        # A pane's picker may have moved a tool to a server or back: show where it runs now
        # (setCurrentIndex does not emit activated, so this writes nothing back).
        for tool, combo in self.tool_combos.items():
            index = combo.findData(settings.tool_backends.get(tool, LOCAL))
            combo.setCurrentIndex(max(0, index))

    # ---- network -------------------------------------------------------------------------

    def test_connection(self) -> None:
        """Connect in the background; the result line says what happened."""
        url = self.url_edit.text().strip()
        if not url:
            self.result_label.setText(self.tr("Enter the server's base URL first."))
            return
        key, model = self.key_edit.text().strip(), self.model_combo.currentText().strip()
        self.test_button.setEnabled(False)
        self.result_label.setText(self.tr("Connecting…"))
        BackgroundOp(self, lambda: probe_server(url, key, model)).on_success(
            self._connected
        ).on_failure(self._not_connected).run()

    def _connected(self, result: tuple[LoadInfo, list[str], int]) -> None:
        if self._closed:
            return
        info, models, slots = result
        self.test_button.setEnabled(True)
        current = self.model_combo.currentText().strip()
        self.model_combo.clear()
        self.model_combo.addItems(models)
        self.model_combo.setEditText(current or info.model_id)
        text = self.tr("Connected to {host}: model {model} ({count} available).").format(
            host=info.device.removeprefix("Server: "), model=info.model_id, count=len(models)
        )
        lines = [text, *info.notes]
        if slots > 1:
            lines.append(
                self.tr(
                    "It serves {n} requests at once, so a long job sends its parts together."
                ).format(n=slots)
            )
        self.result_label.setText(" ".join(lines))

    def _not_connected(self, error: BaseException) -> None:
        if self._closed:
            return
        self.test_button.setEnabled(True)
        self.result_label.setText(self.tr("Connection failed: {error}").format(error=error))

    def shutdown(self) -> None:
        """Stop reacting to background results and let running probes finish (they time out)."""
        self._closed = True
        wait_for_background_ops(2000)
