"""The history store: conversations, branching messages, tool runs, search, export.

:class:`HistoryStore` is one class for its callers, made of one mixin per concern on top of
:class:`~app.core.history.base.StoreBase` (the file, opening and recovery, sessions):
:mod:`.conversations`, :mod:`.messages`, :mod:`.tool_runs`, :mod:`.text_search` and
:mod:`.exchange`. Records returned are frozen dataclasses, safe to hand to any thread.

"Nothing is lost": the chat commits the user's message with :meth:`HistoryStore.add_message`
before generation starts, creates the reply with :meth:`~HistoryStore.start_reply`, saves it
about once a second with :meth:`~HistoryStore.update_reply` (one UPDATE and a commit) and
closes it with :meth:`~HistoryStore.finish_reply`. If the app is killed, the reply is still in
the file with status "streaming"; :meth:`~HistoryStore.recover_interrupted` at the next start
marks it "interrupted", keeping its text.
"""

from __future__ import annotations

from app.core.history.base import default_history_path
from app.core.history.conversations import ConversationsMixin
from app.core.history.exchange import ExchangeMixin
from app.core.history.messages import MessagesMixin
from app.core.history.text_search import SearchMixin
from app.core.history.tool_runs import ToolRunsMixin

__all__ = ["HistoryStore", "default_history_path"]


class HistoryStore(ConversationsMixin, MessagesMixin, ToolRunsMixin, SearchMixin, ExchangeMixin):
    """Conversations with branches, tool runs, search and export, in one SQLite file."""
