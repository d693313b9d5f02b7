"""The Summarise pane when the pipeline withdraws an answer that copied the document.

:class:`ScriptedBackend` stands in for the model (a copy first, then a summary when asked
strictly) so the exact sequence is repeatable; the pipeline, the pane and the history file
are the real ones. The real model's behaviour is measured in bench/quality.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from PySide6.QtWidgets import QTextBrowser
from pytestqt.qtbot import QtBot

from app.core.backend import ChatMessage, Event, SamplingParams
from app.core.history import HistoryStore
from app.core.prompts.summarise import STRICTER
from app.gui.tools.summarise import SummarisePane
from tests.gui.conftest import AppFactory, ScriptedBackend, find
from tests.gui.tools_helpers import open_section, start, type_document, wait_done

DOCUMENT = (
    "The lighthouse keeper walked up the spiral stairs every evening at dusk to light the "
    "lamp. Ships far out at sea watched for its beam and steered clear of the rocks below."
)
SUMMARY = "A keeper lights a lamp nightly so that ships avoid the rocks."


class CopyingFirst(ScriptedBackend):
    """Copies the document unless the prompt asks strictly."""

    def stream(
        self, messages: Sequence[ChatMessage], params: SamplingParams, **kwargs: Any
    ) -> Iterator[Event]:
        self.reply = SUMMARY if STRICTER in messages[-1]["content"] else DOCUMENT
        return super().stream(messages, params, **kwargs)


def test_a_copied_summary_is_replaced_by_the_strict_one_and_the_run_says_why(
    make_app: AppFactory, qtbot: QtBot, seeded_store: Callable[[], HistoryStore]
) -> None:
    app = make_app(CopyingFirst())
    pane = open_section(app.window, qtbot, "Summarise")
    assert isinstance(pane, SummarisePane)
    type_document(pane, DOCUMENT)
    plans: list[str] = []
    start(pane, qtbot, "Summarise document")

    def watch() -> bool:
        plans.append(pane.run_bar.plan.full_text())
        return pane.job is None

    qtbot.waitUntil(watch, timeout=30_000)
    wait_done(pane, qtbot)
    shown = find(pane, "Result", QTextBrowser).toPlainText()
    assert shown.strip() == SUMMARY  # nothing of the copied answer is left on screen
    assert any("asking again" in text for text in plans), plans
    [run] = seeded_store().list_tool_runs("summarise")
    assert run.status == "complete" and run.output.strip() == SUMMARY
    assert "copied 100 %" in run.extra["retry"] and run.extra["model_calls"] == 2
