"""The window's panes through a remote OpenAI-compatible server, chosen the way a user does.

A real ``llama_cpp.server`` with the starter model listens on 127.0.0.1; the settings name it
as the server for Chat (what the Servers page saves), and the app is started with its normal
backend factory. Chat and the text tools then run through the remote backend, with replies
and runs saved in the real history file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QTextBrowser
from pytestqt.qtbot import QtBot

from app.core.backend import LoadOptions
from app.core.history import HistoryStore
from app.core.servers import ServerConfig, key_store, save_server, set_tool_backend
from app.core.settings import load_settings, save_settings
from tests.gui.conftest import AppFactory, find
from tests.gui.test_chat_real import card_of, new_chat, type_and_send, wait_reply
from tests.gui.tools_helpers import open_section, start, type_document, wait_done, wait_plan

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from llama_server import MODEL_ALIAS, LlamaServer, start_llama_server

pytestmark = pytest.mark.slow

SERVER_NAME = "Lab server"
API_KEY = "lab-key-7"


@pytest.fixture(scope="module")
def server(starter_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    running = start_llama_server(
        starter_model, tmp_path_factory.mktemp("llama-server"), api_key=API_KEY, n_ctx=2048
    )
    try:
        yield running
    finally:
        running.stop()


def choose_for_chat(
    server: LlamaServer, monkeypatch: pytest.MonkeyPatch, tool: str = "chat"
) -> None:
    """Settings as the Servers page leaves them: a named server, chosen for one tool."""
    monkeypatch.setenv("PARLEY_API_KEY", API_KEY)  # no keyring on a test machine
    settings = load_settings().settings
    save_server(settings, ServerConfig(SERVER_NAME, server.url, MODEL_ALIAS))
    set_tool_backend(settings, tool, SERVER_NAME)
    save_settings(settings)
    key_store().delete(SERVER_NAME)


def test_chat_and_summarise_run_through_the_chosen_server(
    server: LlamaServer,
    monkeypatch: pytest.MonkeyPatch,
    make_app: AppFactory,
    qtbot: QtBot,
    seeded_store: Callable[[], HistoryStore],
) -> None:
    choose_for_chat(server, monkeypatch)
    choose_for_chat(server, monkeypatch, tool="summarise")
    window = make_app(options=LoadOptions(n_ctx=2048, n_threads=1)).window
    device = find(window, "Device", QLabel).text()
    assert "Server" in device and "127.0.0.1" in device, device
    assert window.load_info is not None and window.load_info.model_id == MODEL_ALIAS

    new_chat(window, qtbot, max_tokens=12)
    type_and_send(window, qtbot, "Name a colour.")
    wait_reply(window, qtbot, timeout=120_000)
    reply = card_of(window, "assistant")
    assert reply.message.text.strip()
    store = seeded_store()
    [conversation] = store.list_conversations()
    user, assistant = store.thread(conversation.id)
    assert user.text == "Name a colour."
    assert assistant.text == reply.message.text and assistant.status == "complete"
    assert assistant.model_id == MODEL_ALIAS

    pane = open_section(window, qtbot, "Summarise")
    type_document(
        pane,
        "The library opened in 1904 with four thousand books.\n\n"
        "It burned in 1931 and was rebuilt in brick two years later.",
    )
    plan = wait_plan(pane, qtbot)  # counted with the server's tokenizer
    assert "1 part" in plan
    start(pane, qtbot, "Summarise document")
    wait_done(pane, qtbot)
    assert find(pane, "Result", QTextBrowser).toPlainText().strip(), pane.banner.label.text()
    [run] = store.list_tool_runs("summarise")
    assert run.status == "complete" and run.output.strip()
    assert run.model_id == MODEL_ALIAS


def test_server_gone_mid_session_is_explained_and_the_message_is_kept(
    monkeypatch: pytest.MonkeyPatch,
    make_app: AppFactory,
    qtbot: QtBot,
    starter_model: Path,
    tmp_path: Path,
) -> None:
    doomed = start_llama_server(starter_model, tmp_path, api_key=API_KEY, n_ctx=2048)
    try:
        choose_for_chat(doomed, monkeypatch)
        window = make_app(options=LoadOptions(n_ctx=2048, n_threads=1)).window
        doomed.kill()
        new_chat(window, qtbot, max_tokens=12)
        type_and_send(window, qtbot, "Are you there?")
        wait_reply(window, qtbot, timeout=120_000)
        notice = window.chat.notice.label.text()
        assert "127.0.0.1" in notice, notice
        store = window.store
        assert store is not None
        [conversation] = store.list_conversations()
        thread = store.thread(conversation.id)
        assert thread[0].text == "Are you there?"
        assert thread[-1].role == "assistant" and thread[-1].status == "failed"
    finally:
        doomed.stop()


def test_a_tool_set_to_a_server_runs_there_while_chat_stays_local(
    server: LlamaServer,
    monkeypatch: pytest.MonkeyPatch,
    make_app: AppFactory,
    qtbot: QtBot,
    seeded_store: Callable[[], HistoryStore],
) -> None:
    choose_for_chat(server, monkeypatch, tool="summarise")
    window = make_app(options=LoadOptions(n_ctx=2048, n_threads=1)).window
    assert window.load_info is not None and window.load_info.device == "CPU"  # Chat: local

    summarise = open_section(window, qtbot, "Summarise")
    assert summarise.worker is window.tool_workers["summarise"]
    assert summarise.worker is not window.worker
    assert open_section(window, qtbot, "Translate").worker is window.worker  # shares Chat's
    open_section(window, qtbot, "Summarise")
    qtbot.waitUntil(lambda: summarise.worker.load_info is not None, timeout=60_000)
    assert summarise.worker.load_info.model_id == MODEL_ALIAS

    type_document(summarise, "The mill closed in 1978 and became a museum of crafts in 1990.")
    wait_plan(summarise, qtbot)
    start(summarise, qtbot, "Summarise document")
    wait_done(summarise, qtbot)
    [run] = seeded_store().list_tool_runs("summarise")
    assert run.status == "complete" and run.output.strip()
    assert run.model_id == MODEL_ALIAS
