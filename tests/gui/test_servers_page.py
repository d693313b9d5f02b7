"""The Servers page against a real llama-cpp-python server on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.servers import LOCAL, key_store, set_tool_backend, tool_server
from app.core.settings import load_settings, settings_path
from app.gui.main import settings_backend_factory
from app.gui.servers_page import ServersPage
from app.gui.settings_store import SettingsStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from llama_server import MODEL_ALIAS, LlamaServer, free_port, start_llama_server


@pytest.fixture(scope="module")
def server(starter_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    running = start_llama_server(starter_model, tmp_path_factory.mktemp("llama-server"), n_ctx=512)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(qtbot: QtBot) -> Iterator[ServersPage]:
    widget = ServersPage(SettingsStore())
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()


def test_add_test_and_choose_a_server_for_chat(
    page: ServersPage, server: LlamaServer, qtbot: QtBot
) -> None:
    page.name_edit.setText("Team box")
    page.url_edit.setText(server.url)
    page.key_edit.setText("secret-key-42")
    page.test_button.click()
    qtbot.waitUntil(lambda: page.result_label.text().startswith("Connected"), timeout=20000)
    assert MODEL_ALIAS in page.result_label.text()
    assert page.model_combo.findText(MODEL_ALIAS) >= 0
    assert page.save_current()
    assert page.server_list.count() == 1
    # The key is never written to the settings file.
    assert "secret-key-42" not in settings_path().read_text(encoding="utf-8")
    assert key_store().get("Team box") == "secret-key-42"

    chat = page.tool_combos["chat"]
    chat.setCurrentIndex(chat.findData("Team box"))
    chat.activated.emit(chat.currentIndex())
    settings = load_settings().settings
    chosen = tool_server(settings, "chat")
    assert chosen is not None and chosen.base_url == server.url
    assert chosen.model == MODEL_ALIAS
    # A choice made elsewhere (a pane's picker writes the same setting through the store)
    # shows here at once.
    moved = load_settings().settings
    set_tool_backend(moved, "translate", "Team box")
    page._store.update(moved)
    assert page.tool_combos["translate"].currentData() == "Team box"
    set_tool_backend(moved, "translate", LOCAL)
    page._store.update(moved)
    assert page.tool_combos["translate"].currentData() == LOCAL
    # The GUI's backend factory now gives the remote backend.
    backend = settings_backend_factory()
    try:
        assert type(backend).__name__ == "OpenAICompatBackend"
    finally:
        backend.close()

    page.remove_current()
    assert page.server_list.count() == 0
    assert tool_server(load_settings().settings, "chat") is None
    assert key_store().get("Team box") == ""


def test_failed_connection_and_bad_input_are_explained(page: ServersPage, qtbot: QtBot) -> None:
    page.url_edit.setText(f"http://127.0.0.1:{free_port()}")
    page.test_button.click()
    qtbot.waitUntil(lambda: page.result_label.text().startswith("Connection failed"), timeout=20000)
    assert "cannot reach the server" in page.result_label.text()
    assert page.test_button.isEnabled()

    page.name_edit.setText("")
    assert not page.save_current()
    assert "needs a name" in page.result_label.text()
    page.name_edit.setText("x")
    page.url_edit.setText("ftp://example.org")
    assert not page.save_current()
    assert "http://" in page.result_label.text()
    assert page.server_list.count() == 0
