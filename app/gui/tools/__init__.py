"""The text-tool panes (Summarise, Translate, Sentiment) and the parts they share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.gui.engine_worker import EngineWorker
    from app.gui.tools.engines import TaskEngines
    from app.gui.tools.sentiment import SentimentPane
    from app.gui.tools.summarise import SummarisePane
    from app.gui.tools.translate import TranslatePane


def create_tool_panes(
    worker: EngineWorker, parent: QWidget, engines: TaskEngines | None = None
) -> tuple[SummarisePane, TranslatePane, SentimentPane]:
    """The three tool panes, in sidebar order (imported here, so the window stays light).

    With ``engines`` each pane runs on its task's own model (and shows its picker); without,
    every pane runs on ``worker``.
    """
    from app.gui.tools.sentiment import SentimentPane
    from app.gui.tools.summarise import SummarisePane
    from app.gui.tools.translate import TranslatePane

    panes = (
        SummarisePane(worker, parent),
        TranslatePane(worker, parent),
        SentimentPane(worker, parent),
    )
    if engines is not None:
        for pane in panes:
            pane.set_engines(engines)
    return panes
