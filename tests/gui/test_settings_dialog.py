"""The Settings dialog: every setting round-trips through the settings file and takes effect."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from app.core.paths import app_dirs
from app.core.settings import load_settings, save_settings
from app.gui.settings_dialog import SettingsDialog
from app.gui.theme import current_theme
from tests.gui.conftest import AppFactory, ScriptedBackend, find


def _dialog(make_app: AppFactory, qtbot: QtBot, **kwargs: object) -> SettingsDialog:
    parts = make_app(ScriptedBackend(), **kwargs)  # type: ignore[arg-type]
    parts.window.settings_action.trigger()  # type: ignore[attr-defined]
    dialog = parts.window.settings_dialog  # type: ignore[attr-defined]
    assert isinstance(dialog, SettingsDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def _select(combo: object, data: str) -> None:
    index = combo.findData(data)  # type: ignore[attr-defined]
    assert index >= 0, data
    combo.setCurrentIndex(index)  # type: ignore[attr-defined]


def test_settings_entry_has_ctrl_comma(make_app: AppFactory, qtbot: QtBot) -> None:
    parts = make_app(ScriptedBackend())
    action = parts.window.settings_action  # type: ignore[attr-defined]
    assert action.shortcut().toString() == "Ctrl+,"
    assert action in parts.window.app_menu.actions()  # type: ignore[attr-defined]


def test_every_setting_round_trips_through_the_file(make_app: AppFactory, qtbot: QtBot) -> None:
    dialog = _dialog(make_app, qtbot)
    _select(find(dialog, "Language"), "zh_CN")
    _select(find(dialog, "Theme"), "dark")
    find(dialog, "Font size").setValue(13)
    find(dialog, "Threads").setValue(1)
    find(dialog, "Context length").setValue(3072)
    _select(find(dialog, "GPU offload"), "layers")
    find(dialog, "GPU layers").setValue(7)
    history = app_dirs().data / "elsewhere" / "my-history.sqlite3"
    find(dialog, "History location").setText(str(history))
    assert dialog.apply()

    saved = load_settings().settings
    assert saved.language == "zh_CN"
    assert saved.theme == "dark"
    assert saved.font_size == 13
    assert saved.threads == 1
    assert saved.context_length == 3072
    assert saved.gpu_offload == "7"
    assert saved.history_path == str(history)

    # A new dialog shows what the file holds.
    again = SettingsDialog(dialog.window_ref)
    assert again.language.currentData() == "zh_CN"
    assert again.theme.currentData() == "dark"
    assert again.font_size.value() == 13
    assert again.threads.value() == 1
    assert again.context_length.value() == 3072
    assert again.gpu_mode.currentData() == "layers" and again.gpu_layers.value() == 7
    assert again.history_path.text() == str(history)
    _select(again.gpu_mode, "cpu")
    again.font_size.setValue(again.font_size.minimum())  # "System default"
    assert again.apply()
    assert load_settings().settings.gpu_offload == "cpu"
    assert load_settings().settings.font_size == 0
    again.deleteLater()


def test_fields_the_dialog_does_not_show_are_kept(make_app: AppFactory, qtbot: QtBot) -> None:
    settings = load_settings().settings
    settings.batch_size = 256
    settings.show_welcome = False
    save_settings(settings)
    dialog = _dialog(make_app, qtbot)
    find(dialog, "Threads").setValue(2)
    assert dialog.apply()
    saved = load_settings().settings
    assert (saved.batch_size, saved.show_welcome, saved.threads) == (256, False, 2)


def test_theme_and_font_size_take_effect_at_once(make_app: AppFactory, qtbot: QtBot) -> None:
    dialog = _dialog(make_app, qtbot)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    default_size = app.font().pointSizeF()
    for name in ("dark", "light"):
        _select(find(dialog, "Theme"), name)
        assert dialog.apply()
        assert current_theme().name == name
        assert app.palette().base().color().name() == current_theme().base
    find(dialog, "Font size").setValue(17)
    assert dialog.apply()
    assert app.font().pointSize() == 17
    assert dialog.window_ref.chat.view.font().pointSize() == 17
    find(dialog, "Font size").setValue(find(dialog, "Font size").minimum())
    assert dialog.apply()
    assert app.font().pointSizeF() == default_size


def test_engine_settings_reload_the_model(make_app: AppFactory, qtbot: QtBot) -> None:
    dialog = _dialog(make_app, qtbot)
    window = dialog.window_ref
    find(dialog, "Threads").setValue(1)
    find(dialog, "Context length").setValue(1024)
    _select(find(dialog, "GPU offload"), "cpu")
    with qtbot.waitSignal(window.worker.load_finished, timeout=30_000):
        assert dialog.apply()
    options = window._load_options
    assert (options.n_threads, options.n_ctx, options.gpu_layers) == (1, 1024, 0)


def test_default_chat_model_loads_at_once(
    make_app: AppFactory, qtbot: QtBot, starter_model: Path
) -> None:
    """A second real model in the models folder, chosen for Chat, replaces the loaded one."""
    folder = app_dirs().models
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "second-model.gguf"
    shutil.copyfile(starter_model, copy)
    parts = make_app()  # the real engine and the real model resolution
    window = parts.window
    assert window.model_ref is not None and window.model_ref.path != copy
    window.settings_action.trigger()  # type: ignore[attr-defined]
    dialog = window.settings_dialog  # type: ignore[attr-defined]
    combo = find(dialog, "Default model for Chat")
    _select(combo, "second-model")
    _select(find(dialog, "Default model for Translate"), "second-model")
    assert dialog.apply()
    qtbot.waitUntil(
        lambda: window.model_ref is not None and window.model_ref.path == copy, timeout=30_000
    )
    qtbot.waitUntil(
        lambda: window.load_info is not None and Path(window.load_info.path) == copy,
        timeout=60_000,
    )
    saved = load_settings().settings.default_models
    assert saved == {"chat": "second-model", "translate": "second-model"}
    # Back to the starter: the key is removed, not stored empty.
    _select(combo, "")
    assert dialog.apply()
    assert "chat" not in load_settings().settings.default_models


def test_language_and_history_say_they_need_a_restart(make_app: AppFactory, qtbot: QtBot) -> None:
    dialog = _dialog(make_app, qtbot)
    assert "restart" in dialog.language_note.text()
    assert dialog.language_note.isVisible()
    assert "restart" in dialog.history_note.text()


def test_a_language_change_offers_restart_now(
    make_app: AppFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.gui.restart as restart_module

    dialog = _dialog(make_app, qtbot)
    asked: list[bool] = []
    restarted: list[object] = []
    monkeypatch.setattr(dialog, "ask_restart", lambda: asked.append(True) or True)
    monkeypatch.setattr(restart_module, "restart", restarted.append)
    _select(find(dialog, "Language"), "zh_CN")
    find(dialog, "OK", QPushButton).click()
    assert asked == [True] and restarted == [dialog.window_ref]
    # The command that starts Parley again is this Parley, with its arguments.
    program, arguments = restart_module.restart_command()
    assert Path(program).exists() and arguments == sys.argv


def test_no_restart_is_offered_when_nothing_needs_one(
    make_app: AppFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(make_app, qtbot)
    asked: list[bool] = []
    monkeypatch.setattr(dialog, "ask_restart", lambda: asked.append(True) or False)
    _select(find(dialog, "Theme"), "dark")
    find(dialog, "OK", QPushButton).click()
    assert asked == []


def test_bad_history_location_is_refused_with_a_message(
    make_app: AppFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = _dialog(make_app, qtbot)
    before = load_settings().settings.history_path
    for bad in ("relative/history.sqlite3", str(tmp_path)):
        find(dialog, "History location").setText(bad)
        assert not dialog.apply()
        problem = find(dialog, "Settings problem")
        assert problem.isVisible() and problem.text()
        assert load_settings().settings.history_path == before
    find(dialog, "History location").setText("")
    assert dialog.apply()
    assert not find(dialog, "Settings problem").isVisible()


def test_delete_all_history_asks_first(make_app: AppFactory, qtbot: QtBot) -> None:
    dialog = _dialog(make_app, qtbot)
    window = dialog.window_ref
    store = window.store
    assert store is not None
    for title in ("first", "second"):
        conversation = store.create_conversation(title=title)
        store.add_message(conversation.id, "user", f"hello {title}")
    store.add_tool_run("summarise", "some text", {}, "scripted", "a summary")
    window.chat.set_store(store)
    asked: list[str] = []

    def refuse(title: str, text: str) -> bool:
        asked.append(text)
        return False

    dialog.confirm = refuse
    find(dialog, "Delete all history").click()
    assert asked and len(store.list_conversations()) == 2

    dialog.confirm = lambda title, text: True
    find(dialog, "Delete all history").click()
    assert store.list_conversations() == []
    assert store.list_deleted_conversations() == []
    assert store.list_tool_runs("summarise") == []
    assert window.chat.conversations.list.count() == 0


def test_a_default_saved_under_a_file_name_shows_under_the_models_id(
    make_app: AppFactory, qtbot: QtBot, starter_model: Path
) -> None:
    folder = app_dirs().models
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(starter_model, folder / "second-model.gguf")
    settings = load_settings().settings
    settings.default_models["chat"] = "second-model.gguf"  # as older versions saved it
    save_settings(settings)
    dialog = _dialog(make_app, qtbot)
    assert find(dialog, "Default model for Chat").currentData() == "second-model"


def test_engine_fields_offer_only_what_the_command_line_accepts(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    import os

    from app.core import limits

    dialog = _dialog(make_app, qtbot)
    threads = find(dialog, "Threads")
    assert threads.maximum() == (os.cpu_count() or 1)
    context = find(dialog, "Context length")
    assert (context.minimum(), context.maximum()) == (limits.CONTEXT_MIN, limits.CONTEXT_MAX)


def test_one_settings_object_announces_changes_to_the_pages(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    """The Settings dialog saves through the window's store; the Servers page, which keeps
    its own copy, sees the change without reading the file again."""
    dialog = _dialog(make_app, qtbot)
    window = dialog.window_ref
    seen: list[object] = []
    window.settings_store.changed.connect(seen.append)
    find(dialog, "Context length").setValue(8192)
    assert dialog.apply()
    assert len(seen) == 1 and seen[0].context_length == 8192  # type: ignore[attr-defined]
    assert window.servers_page.settings.context_length == 8192
    assert load_settings().settings.context_length == 8192
