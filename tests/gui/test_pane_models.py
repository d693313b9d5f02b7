"""Each pane's model, chosen in the pane, is the one that runs, and every face says so.

The issue's user made Qwen Chat's default; the Models page and Settings then named the
starter model for the text tools while they ran Qwen, and after a restart Sentiment ran the
starter. Here a real second model (Qwen2.5-Coder-0.5B) is installed next to the real
starter, each pane's own picker is changed the way a user does, a short real job runs, and
the pane's label, the Settings dialog, the Models page, the status bar and the saved run
record must name the same model, also after a restart on the same settings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit
from pytestqt.qtbot import QtBot

from app.core.catalogue import installed_models
from app.core.history import HistoryStore
from app.core.paths import app_dirs
from app.core.settings import load_settings
from app.core.task_models import task_model
from app.gui.window import MainWindow
from tests.gui.conftest import AppFactory, find
from tests.gui.test_chat_real import card_of, new_chat, type_and_send, wait_reply
from tests.gui.tools_helpers import open_section, start, type_document, wait_done, wait_plan

SECTION = {"summarise": "Summarise", "translate": "Translate", "sentiment": "Sentiment"}
ACTION = {
    "summarise": "Summarise document",
    "translate": "Translate document",
    "sentiment": "Analyse sentiment",
}
TEXT = {
    "summarise": "The mill closed in 1978 and the building became a museum of crafts in 1990.",
    "translate": "The library opened in 1904.",
    "sentiment": "The hotel room was spotless and the staff were lovely.",
}


def install_second(second_model: Path) -> tuple[str, str, str, str]:
    """Link the second real model into the models folder, as Import → Link does; the ids and
    names of the starter and of the second model."""
    folder = app_dirs().models
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "qwen-coder.gguf").symlink_to(second_model)
    models = installed_models()
    starter = next(m for m in models if m.builtin)
    second = next(m for m in models if not m.builtin)
    return starter.model_id, starter.name, second.model_id, second.name


def pick(window: MainWindow, qtbot: QtBot, tool: str, name: str) -> None:
    """Choose ``name`` in the pane's own model picker, as a click in its list does."""
    if tool == "chat":
        find(window.sidebar, "Chat").click()
        combo = window.chat_model_picker.combo
    else:
        combo = find(open_section(window, qtbot, SECTION[tool]), "Model", QComboBox)
    index = combo.findText(name)
    assert index >= 0, [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def assert_agree(window: MainWindow, qtbot: QtBot, tool: str, model_id: str, name: str) -> None:
    """The pane, the settings file, Settings, the Models page and the status bar agree."""
    if tool == "chat":
        find(window.sidebar, "Chat").click()
        shown = window.chat_model_picker.label
    else:
        shown = find(open_section(window, qtbot, SECTION[tool]), "Model", QComboBox).currentText()
    assert shown == name, (tool, shown)
    assert task_model(load_settings().settings, tool).model_id == model_id
    qtbot.waitUntil(lambda: find(window, "Model", QLabel).text() == name, timeout=10_000)

    window.settings_action.trigger()
    dialog = window.settings_dialog
    assert dialog is not None
    combo = find(dialog, f"Default model for {SECTION.get(tool, 'Chat')}", QComboBox)
    assert name in combo.currentText(), (tool, combo.currentText())
    dialog.reject()

    table = window.models_page.installed_box.table
    qtbot.waitUntil(lambda: table.rowCount() >= 2, timeout=20_000)
    rows: dict[str, str] = {}
    for r in range(table.rowCount()):
        name_item, used_item = table.item(r, 0), table.item(r, 3)
        assert name_item is not None and used_item is not None
        rows[name_item.data(Qt.ItemDataRole.UserRole)] = used_item.text()
    label = SECTION.get(tool, "Chat")
    assert label in rows[model_id].split(", "), rows
    assert all(label not in used.split(", ") for mid, used in rows.items() if mid != model_id)


def run_job(window: MainWindow, qtbot: QtBot, tool: str) -> None:
    pane = open_section(window, qtbot, SECTION[tool])
    type_document(pane, TEXT[tool])
    wait_plan(pane, qtbot)
    start(pane, qtbot, ACTION[tool])
    wait_done(pane, qtbot)
    assert pane.banner.isHidden(), pane.banner.label.text()


def test_each_pane_runs_the_model_its_picker_shows_and_every_face_agrees(
    make_app: AppFactory,
    qtbot: QtBot,
    second_model: Path,
    seeded_store: Callable[[], HistoryStore],
) -> None:
    starter_id, starter_name, qwen_id, qwen_name = install_second(second_model)
    window = make_app().window
    assert window.load_info is not None and window.load_info.model_id == starter_id

    # Summarise and Translate move to Qwen in their panes: one engine serves both.
    for tool in ("summarise", "translate"):
        pick(window, qtbot, tool, qwen_name)
        assert_agree(window, qtbot, tool, qwen_id, qwen_name)
        run_job(window, qtbot, tool)
    assert window.tool_workers["summarise"] is window.tool_workers["translate"]
    assert window.tool_workers["summarise"] is not window.worker
    # Sentiment stays on the starter, on Chat's engine.
    assert_agree(window, qtbot, "sentiment", starter_id, starter_name)
    run_job(window, qtbot, "sentiment")
    assert window.tool_workers["sentiment"] is window.worker

    # Chat moves to Qwen from its own picker: loaded at once, no restart.
    pick(window, qtbot, "chat", qwen_name)
    qtbot.waitUntil(
        lambda: window.load_info is not None and window.load_info.model_id == qwen_id,
        timeout=60_000,
    )
    assert_agree(window, qtbot, "chat", qwen_id, qwen_name)
    new_chat(window, qtbot, max_tokens=8)
    type_and_send(window, qtbot, "Name a colour.")
    wait_reply(window, qtbot)
    assert card_of(window, "assistant").message.model_id == qwen_id
    # The text tools on Qwen now share Chat's engine; Sentiment kept the starter.
    assert window.tool_workers["summarise"] is window.worker
    assert_agree(window, qtbot, "sentiment", starter_id, starter_name)
    assert window.tool_workers["sentiment"] is not window.worker

    store = seeded_store()
    saved = {tool: store.list_tool_runs(tool) for tool in SECTION}
    assert [r.model_id for r in saved["summarise"]] == [qwen_id]
    assert [r.model_id for r in saved["translate"]] == [qwen_id]
    assert [r.model_id for r in saved["sentiment"]] == [starter_id]
    assert all(r.status == "complete" for runs in saved.values() for r in runs)
    window.close()

    # A restart on the same settings: every face still agrees, and Sentiment runs the starter.
    window = make_app().window
    assert window.load_info is not None and window.load_info.model_id == qwen_id
    for tool, model_id, name in (
        ("chat", qwen_id, qwen_name),
        ("summarise", qwen_id, qwen_name),
        ("translate", qwen_id, qwen_name),
        ("sentiment", starter_id, starter_name),
    ):
        assert_agree(window, qtbot, tool, model_id, name)
    find(open_section(window, qtbot, "Sentiment"), "Document input", QPlainTextEdit).clear()
    run_job(window, qtbot, "sentiment")
    runs = store.list_tool_runs("sentiment")
    assert sorted(r.model_id for r in runs) == [starter_id, starter_id]
