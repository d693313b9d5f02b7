"""The text-tool panes (Summarise, Translate, Sentiment) and the parts they share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from PySide6.QtWidgets import QWidget

    from app.gui.engine_worker import EngineWorker
    from app.gui.tools.sentiment import SentimentPane
    from app.gui.tools.summarise import SummarisePane
    from app.gui.tools.translate import TranslatePane


def create_tool_panes(
    worker: EngineWorker,
    parent: QWidget,
    workers: Mapping[str, EngineWorker] | None = None,
) -> tuple[SummarisePane, TranslatePane, SentimentPane]:
    """The three tool panes, in sidebar order (imported here, so the window stays light).

    ``workers`` gives a tool its own engine worker when it runs on another server or with
    another default model than Chat; the others share Chat's ``worker``.
    """
    from app.gui.tools.sentiment import SentimentPane
    from app.gui.tools.summarise import SummarisePane
    from app.gui.tools.translate import TranslatePane

    own = workers or {}
    return (
        SummarisePane(own.get("summarise", worker), parent),
        TranslatePane(own.get("translate", worker), parent),
        SentimentPane(own.get("sentiment", worker), parent),
    )
