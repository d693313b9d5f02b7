"""The live context meter under the composer: "1,234 / 4,096 tokens".

The conversation and the draft are counted with the model's own tokenizer on the engine
worker, a moment after the user stops typing (debounced here, coalesced by the worker), so
the user sees before sending whether the conversation still fits. Each count's answer comes
back to the callback given with that count; an answer to a count that a newer one replaced
is not shown.

Two ways it used to go stale: a count the engine could not make (a template that fails on
the conversation) left the previous conversation's figure on screen, and a count asked for
after "edit and send" waited behind the whole reply in the worker's queue, so the old
branch's figure stayed up while the new one was written. So an empty conversation is
counted here as 0 without the engine (no template renders an empty message list), and
:meth:`ContextMeter.count_now` asks at once, before the reply is queued.

Its texts are the chat pane's, so they keep the pane's translation context ("ChatPane").
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from app.core.context import prompt_budget

if TYPE_CHECKING:
    from app.core.backend import ChatMessage
    from app.gui.chat.composer import Composer
    from app.gui.engine_worker import EngineWorker

COUNT_DEBOUNCE_MS = 350


class ContextMeter(QObject):
    """Counts what the model would read next and shows it on the composer's meter.

    ``messages()`` gives the conversation and draft as the model would see them, or None when
    there is nothing to count yet; ``limits(loaded_context)`` gives the context limit and the
    tokens kept for the reply, read when the answer arrives.
    """

    def __init__(
        self,
        worker: EngineWorker,
        composer: Composer,
        *,
        messages: Callable[[], list[ChatMessage] | None],
        limits: Callable[[int], tuple[int, int]],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._composer = composer
        self._messages = messages
        self._limits = limits
        self._asked = 0  # only the newest count's answer is shown
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COUNT_DEBOUNCE_MS)
        self._timer.timeout.connect(self._request)

    def schedule(self) -> None:
        """Count again shortly (a burst of changes becomes one count)."""
        self._timer.start()

    def count_now(self) -> None:
        """Count now, without the debounce: the thread changed under the user's eyes."""
        self._timer.stop()
        self._request()

    def stop(self) -> None:
        self._timer.stop()

    def _request(self) -> None:
        messages = self._messages()
        if messages is None:
            return
        self._asked += 1
        if not messages:
            # Nothing to send yet: 0 tokens, and no template asked to render an empty list.
            self._counted(self._asked, 0, 0)
            return
        self._worker.count(messages, owner=self, on_counted=partial(self._counted, self._asked))

    def _counted(self, asked: int, tokens: int, loaded_context: int) -> None:
        if asked != self._asked:
            return
        limit, max_tokens = self._limits(loaded_context)
        if limit <= 0:
            return  # no model context known yet; the next count after loading shows it
        budget = prompt_budget(limit, max_tokens)
        over = tokens > budget
        text = QCoreApplication.translate("ChatPane", "{tokens} / {limit} tokens").format(
            tokens=f"{tokens:,}", limit=f"{limit:,}"
        )
        if over:
            text += QCoreApplication.translate(
                "ChatPane", " · full: the oldest turns will be left out"
            )
        self._composer.set_meter(
            text,
            over=over,
            tooltip=QCoreApplication.translate(
                "ChatPane",
                "The conversation and your draft take {tokens} tokens. The model reads at most "
                "{limit}, of which {reply} are kept for the reply.",
            ).format(tokens=f"{tokens:,}", limit=f"{limit:,}", reply=f"{limit - budget:,}"),
        )
