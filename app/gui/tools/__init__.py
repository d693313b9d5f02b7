"""The text-tool panes (Summarise, Translate, Sentiment) and the parts they share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.gui.engine_worker import EngineWorker
    from app.gui.tools.sentiment import SentimentPane
    from app.gui.tools.summarise import SummarisePane
    from app.gui.tools.translate import TranslatePane


def create_tool_panes(
    worker: EngineWorker, parent: QWidget
) -> tuple[SummarisePane, TranslatePane, SentimentPane]:
    """The three tool panes, in sidebar order (imported here, so the window stays light)."""
    from app.gui.tools.sentiment import SentimentPane
    from app.gui.tools.summarise import SummarisePane
    from app.gui.tools.translate import TranslatePane

    return (
        SummarisePane(worker, parent),
        TranslatePane(worker, parent),
        SentimentPane(worker, parent),
    )
