"""A model given when Parley starts (``parley <model>``) runs every task for the session, and
the window says so where the defaults are shown: the Models page's "Default for" names it,
Settings explains that the saved defaults apply again from the next start, and picking
another model in a pane ends the session's choice for that pane only. Real starter model
(a second copy, imported under its own name), real settings file."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QToolButton
from pytestqt.qtbot import QtBot

from app.core.model_import import import_model
from app.gui.settings_dialog import SettingsDialog
from tests.gui.conftest import AppFactory, find
from tests.gui.test_models_page import installed_column

ALL = "Chat, Summarise, Translate, Sentiment"


def test_the_start_up_model_is_shown_as_what_every_task_runs_on(
    make_app: AppFactory, qtbot: QtBot, starter_model: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "my-notes-model.gguf"
    shutil.copyfile(starter_model, mine)
    import_model(mine, mode="link")
    window = make_app(model_spec="my-notes-model").window
    assert window.load_info is not None and window.load_info.model_id == "my-notes-model"

    qtbot.mouseClick(find(window.sidebar, "Models", QToolButton), Qt.MouseButton.LeftButton)
    page = window.models_page
    qtbot.waitUntil(lambda: installed_column(page, "Default for").get("my-notes-model") == ALL)
    assert installed_column(page, "Default for")["smollm2-135m-instruct"] == ""

    dialog = window.open_settings()
    assert isinstance(dialog, SettingsDialog)
    note = find(dialog, "Models for this session", QLabel)
    assert not note.isHidden()
    assert note.text().startswith(f"This session, {ALL} run on my-notes-model, given when")
    # The boxes still show the saved defaults: nothing was saved by starting with a model.
    assert dialog.model_boxes["chat"].currentData() == ""
    dialog.reject()

    # Picking the built-in model in the Summarise pane ends the session's choice there only.
    qtbot.mouseClick(find(window.sidebar, "Summarise", QToolButton), Qt.MouseButton.LeftButton)
    picker = window.tool_panes[0].model_picker
    assert picker is not None
    combo = find(picker, "Model", QComboBox)
    index = next(i for i in range(combo.count()) if "SmolLM2" in combo.itemText(i))
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    qtbot.waitUntil(
        lambda: (
            installed_column(page, "Default for").get("my-notes-model")
            == "Chat, Translate, Sentiment"
        )
    )
    assert installed_column(page, "Default for")["smollm2-135m-instruct"] == "Summarise"
    again = window.open_settings()
    assert isinstance(again, SettingsDialog)
    assert "Summarise" not in find(again, "Models for this session", QLabel).text()
    again.reject()
