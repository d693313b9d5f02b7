"""Translate through the window with the real starter model: structure kept, source beside
the translation, the run saved with its languages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QTextBrowser, QToolButton
from pytestqt.qtbot import QtBot

from app.core.history import HistoryStore
from app.gui.tools.translate import blocks
from tests.gui.conftest import REAL_OPTIONS, AppFactory, find
from tests.gui.tools_helpers import open_section, start, type_document, wait_done, wait_plan

pytestmark = pytest.mark.slow

DOCUMENT = """# Opening hours

The library opens at nine in the morning.

- Books can be borrowed for three weeks.
- See https://example.org/rules for the rules.

```
loan_days = 21
```

Thank you for reading."""


def test_translation_keeps_structure_and_is_saved(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    window = make_app(options=REAL_OPTIONS).window
    pane = open_section(window, qtbot, "Translate")
    target = find(pane, "Target language", QComboBox)
    target.setCurrentIndex(target.findData("fr"))
    type_document(pane, DOCUMENT)
    plan = wait_plan(pane, qtbot)
    assert plan.endswith("1 part")
    qtbot.waitUntil(lambda: "English" in find(pane, "Detected language", QLabel).text())
    start(pane, qtbot, "Translate document")
    wait_done(pane, qtbot)

    store = seeded_store()
    [run] = store.list_tool_runs("translate")
    assert run.status == "complete", run.extra
    assert run.options["to"] == "fr" and run.options["from"] == ""
    assert run.extra["source_language"] == "en"
    # The pipeline keeps the skeleton: same blocks, the heading, list items, code and URL.
    assert len(blocks(run.output)) == len(blocks(DOCUMENT))
    assert run.output.startswith("# ")
    assert run.output.count("\n- ") == 2
    assert "```\nloan_days = 21\n```" in run.output
    assert "https://example.org/rules" in run.output
    shown = find(pane, "Result", QTextBrowser).toPlainText()
    assert "Source" in shown and "Translation" in shown
    assert "The library opens at nine in the morning." in shown  # the source, beside it
    # Both columns show the Markdown formatted, not its markers.
    assert "Opening hours" in shown and "# Opening hours" not in shown
    assert "\u2022 Books can be borrowed for three weeks." in shown
    assert "loan_days = 21" in shown and "```" not in shown
    assert "English → French" in pane.result_header.meta.full_text()

    # Swapping puts the detected source language in the target.
    find(pane, "Swap languages", QToolButton).click()
    assert find(pane, "Target language", QComboBox).currentData() == "en"
    assert find(pane, "Source language", QComboBox).currentData() == "fr"
