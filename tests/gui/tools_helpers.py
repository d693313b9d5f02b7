"""Shared steps for the text-tool pane tests: fill the document, run, wait, read the store."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from app.core.backend import LoadOptions
from app.gui.tools.pane import ToolPane
from app.gui.window import MainWindow
from tests.gui.conftest import find

# A small context makes a short document multi-part, so map-reduce runs in seconds.
SMALL_CONTEXT = LoadOptions(n_ctx=512, n_threads=2, n_threads_batch=2, gpu_layers=0)

FACTS = [
    "The river town of Alder built its first stone bridge in 1820, after floods destroyed "
    "three wooden ones in a decade.",
    "Merchants paid for the bridge with a toll on grain carts, which ended in 1851 when the "
    "debt was repaid.",
    "A railway reached Alder in 1872 and the old market moved beside the station.",
    "In 1904 the town council opened a public library with four thousand books donated by "
    "the miller Hanna Roth.",
    "The library burned in 1931; a new one, built of brick, opened two years later.",
    "During the 1950s the textile mill employed nearly half of the working population.",
    "The mill closed in 1978 and the building became a museum of local crafts in 1990.",
    "Today Alder is known for its autumn lantern festival on the old stone bridge.",
]


def long_document(paragraphs: int) -> str:
    """Distinct paragraphs of plain facts, ``paragraphs`` of them (cycling the facts)."""
    return "\n\n".join(f"{FACTS[i % len(FACTS)]} (Note {i + 1}.)" for i in range(paragraphs))


def open_section(window: MainWindow, qtbot: QtBot, name: str) -> ToolPane:
    qtbot.mouseClick(find(window.sidebar, name, QToolButton), Qt.MouseButton.LeftButton)
    pane = window.stack.currentWidget()
    assert isinstance(pane, ToolPane)
    assert pane.accessibleName() == name
    return pane


def type_document(pane: ToolPane, text: str) -> None:
    editor = find(pane, "Document input", QPlainTextEdit)
    editor.setPlainText(text)


def wait_plan(pane: ToolPane, qtbot: QtBot) -> str:
    qtbot.waitUntil(lambda: "at a time" in pane.run_bar.plan.full_text(), timeout=60_000)
    return pane.run_bar.plan.full_text()


def start(pane: ToolPane, qtbot: QtBot, action: str) -> None:
    button = find(pane, action, QPushButton)
    qtbot.waitUntil(button.isEnabled, timeout=10_000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert pane.job is not None, pane.banner.label.text()


def wait_done(pane: ToolPane, qtbot: QtBot, timeout: int = 180_000) -> None:
    qtbot.waitUntil(lambda: pane.job is None, timeout=timeout)
