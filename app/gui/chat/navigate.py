"""Going to a message, and what the window says about the thread on screen.

Kept apart from :mod:`.pane` (which is near the module size limit) because these are small
decisions with their own reasons:

* A search hit may sit on a branch that is not the one shown (an edited question, a
  regenerated reply). Opening it switches the conversation to the branch through that
  message first, so the user lands on the words they searched for, not on nothing.
* The status bar's speed line belongs to the thread on screen: switching conversations used
  to leave the previous conversation's "23 tokens/s" there.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QCoreApplication

from app.core.backend import Stats

if TYPE_CHECKING:
    from app.core.history import HistoryStore, Message
    from app.gui.chat.message_view import MessageView

log = logging.getLogger(__name__)


class HitHost(Protocol):
    """What opening a hit needs of the chat pane (a protocol: the pane imports this module)."""

    store: HistoryStore | None
    current_id: int | None
    messages: list[Message]
    view: MessageView

    @property
    def generation(self) -> object: ...

    def open_conversation(self, cid: int) -> None: ...

    def switch_branch(self, mid: int) -> None: ...

    def show_notice(self, text: str) -> None: ...


def open_hit(pane: HitHost, cid: int, mid: int) -> None:
    """Open conversation ``cid`` and show message ``mid``, on its own branch if need be."""
    pane.open_conversation(cid)
    if not mid or pane.current_id != cid or pane.store is None:
        return
    if all(message.id != mid for message in pane.messages):
        if pane.generation is not None:
            pane.show_notice(
                QCoreApplication.translate(
                    "ChatPane", "Stop the reply being written before switching branches."
                )
            )
            return
        try:
            pane.switch_branch(mid)  # the newest branch through the hit becomes the one shown
        except Exception as exc:  # the message was deleted since the search ran
            log.info("search hit %s not shown: %s", mid, exc)
            pane.show_notice(
                QCoreApplication.translate("ChatPane", "That message no longer exists.")
            )
            return
    pane.view.reveal(mid)


def thread_stats(messages: Sequence[Message]) -> Stats | None:
    """The figures of the last reply on screen that has any, for the status bar."""
    for message in reversed(messages):
        if message.role == "assistant" and message.tokens_per_s:
            return Stats(
                prompt_tokens=message.prompt_tokens or 0,
                generated_tokens=message.generated_tokens or 0,
                ttft_s=message.ttft_s or 0.0,
                tokens_per_s=message.tokens_per_s,
            )
    return None


def reply_meta(message: Message) -> str:
    """The figures line of a saved reply's card ("23 tokens/s · cut off at …")."""
    meta = []
    if message.tokens_per_s:
        meta.append(
            QCoreApplication.translate("ChatPane", "{rate:.0f} tokens/s").format(
                rate=message.tokens_per_s
            )
        )
    if message.stop_reason == "length":
        meta.append(QCoreApplication.translate("ChatPane", "cut off at the max tokens setting"))
    return " · ".join(meta)
