"""The Chat pane: wires the conversation list, message view, composer and settings together.

The rule that shapes it is "nothing is lost": the user's message is committed to the
history store before generation starts. The reply itself is written by a
:class:`~app.gui.chat.reply.ReplyWriter`, which streams it from the engine worker's buffer
once per frame, checkpoints it about once a second and saves it when it ends, is stopped or
fails; the pane hears back through :meth:`ChatPane.reply_finished`. Token counts for the
context meter come back to the callback given with each count.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.core.backend import ChatMessage, LoadInfo, ModelRef, SamplingParams, Stats
from app.core.chat import chat_messages, conversation_params
from app.gui.chat.attach import AttachmentReader
from app.gui.chat.composer import Composer
from app.gui.chat.confidence import TOP_ALTERNATIVES
from app.gui.chat.conversations import ConversationPanel, auto_title
from app.gui.chat.export import ConversationExporter
from app.gui.chat.message_view import MessageView
from app.gui.chat.meter import ContextMeter
from app.gui.chat.navigate import open_hit, reply_meta, thread_stats
from app.gui.chat.reply import Generation, ReplyWriter
from app.gui.chat.settings_panel import ConversationSettingsPanel
from app.gui.engine_worker import EngineWorker, StreamOutcome
from app.gui.i18n import plural
from app.gui.notice import Notice
from app.gui.ops import BackgroundOp
from app.gui.theme import Theme
from app.gui.tools.text import message_of

if TYPE_CHECKING:
    from app.core.history import Conversation, HistoryStore, Message

log = logging.getLogger(__name__)

ConfirmFn = Callable[[str, str], bool]


class ChatPane(QWidget):
    """Everything in the Chat section."""

    def __init__(self, worker: EngineWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Chat"))
        self.worker = worker
        self.store: HistoryStore | None = None
        self.model: ModelRef | None = None
        self.load_info: LoadInfo | None = None
        self.current_id: int | None = None
        self.messages: list[Message] = []
        self.dropped: dict[int, set[int]] = {}  # conversation id -> message ids left out
        self.confirm: ConfirmFn = self._confirm_dialog
        self._defaults: dict[str, SamplingParams] = {}
        self._closed = False

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.conversations = ConversationPanel()
        row.addWidget(self.conversations)

        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.view = MessageView()
        column.addWidget(self.view, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(20, 6, 20, 14)
        bottom_layout.setSpacing(6)
        self.notice = Notice()
        bottom_layout.addWidget(self.notice)
        self.composer = Composer()
        bottom_layout.addWidget(self.composer)
        holder = QHBoxLayout()
        holder.addStretch(1)
        bottom.setMaximumWidth(900)
        holder.addWidget(bottom, 100)
        holder.addStretch(1)
        column.addLayout(holder)
        row.addWidget(centre, 1)

        self.settings = ConversationSettingsPanel()
        self.settings.hide()
        row.addWidget(self.settings)

        self.writer = ReplyWriter(worker, self.view, host=self, parent=self)
        self.meter = ContextMeter(
            worker,
            self.composer,
            messages=self._meter_messages,
            limits=self._meter_limits,
            parent=self,
        )

        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.composer.input.escape_pressed.connect(self._escape)
        self.composer.text_changed.connect(self.meter.schedule)
        self.composer.settings_toggled.connect(self.settings.setVisible)
        self.conversations.conversation_selected.connect(self.open_conversation)
        self.conversations.hit_selected.connect(lambda cid, mid: open_hit(self, cid, mid))
        self.conversations.new_requested.connect(self.new_conversation)
        self.conversations.rename_requested.connect(self._rename)
        self.conversations.pin_requested.connect(self._pin)
        self.conversations.delete_requested.connect(self.delete_conversation)
        self.conversations.undo_requested.connect(self._undo_delete)
        self.conversations.search_failed.connect(self.show_notice)
        self.view.regenerate_requested.connect(self.regenerate)
        self.view.edit_requested.connect(self.edit_message)
        self.view.delete_requested.connect(self.delete_message)
        self.view.branch_requested.connect(self.switch_branch)
        self.settings.changed.connect(self._save_settings)
        self.exporter = ConversationExporter(self)
        self.conversations.export_requested.connect(self.exporter.export)
        self.attachments = AttachmentReader(self, self.composer.attachments, self._meter_limits)

        for keys, slot in (
            ("Ctrl+N", self.new_conversation),
            ("Ctrl+F", self.conversations.focus_search),
            ("Esc", self._escape),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        # The conversation list waits for the history; the composer does not: a message
        # typed and sent in the first second is kept and sent once the history is open.
        self.conversations.setEnabled(False)
        self._pending_send: str | None = None
        self.composer.set_meter(self.tr("Opening history…"), over=False)

    @property
    def generation(self) -> Generation | None:
        """The reply being written now, if any."""
        return self.writer.generation

    # ---- set-up ------------------------------------------------------------------------------

    def set_store(self, store: HistoryStore) -> None:
        """History is open: show the conversations and the most recent one."""
        self.store = store
        self.conversations.store = store
        self._set_enabled(True)
        conversations = store.list_conversations()
        self._fill_list(conversations)
        if conversations:
            self.open_conversation(conversations[0].id)
        else:
            self._show_empty()
        self.composer.input.setFocus()
        pending, self._pending_send = self._pending_send, None
        if pending is not None:
            self.new_conversation()
            self.send(pending)

    def set_model(self, model: ModelRef) -> None:
        self.model = model

    def model_loaded(self, info: LoadInfo) -> None:
        self.load_info = info
        if self.model is not None and info.model_id and info.model_id != self.model.model_id:
            # A server chose its own model: replies are saved and labelled with that one.
            self.model = dataclasses.replace(
                self.model, model_id=info.model_id, display_name=info.model_id
            )
        if self.model is not None and self.model.model_id not in self._defaults:
            model_id = self.model.model_id

            def defaults() -> SamplingParams:
                from app.core.catalogue import default_sampling

                return default_sampling(model_id)

            BackgroundOp(self, defaults).on_success(
                lambda params: self._defaults_ready(model_id, params)
            ).on_failure(lambda exc: log.warning("no catalogue defaults: %s", exc)).run()
        self._load_settings_panel()
        self.meter.schedule()

    def _defaults_ready(self, model_id: str, params: object) -> None:
        assert isinstance(params, SamplingParams)
        self._defaults[model_id] = params
        self._load_settings_panel()

    def retint(self, theme: Theme) -> None:
        self.conversations.retint(theme)
        self.composer.retint(theme)
        if self.store is not None and self.current_id is not None and self.generation is None:
            self._render_thread()  # message cards draw their icons in the theme's colours

    def _set_enabled(self, enabled: bool) -> None:
        self.composer.setEnabled(enabled)
        self.conversations.setEnabled(enabled)

    def show_notice(self, text: str) -> None:
        self.notice.show_text(text)

    # ---- helpers -----------------------------------------------------------------------------

    def _require_store(self) -> HistoryStore:
        if self.store is None:
            raise RuntimeError("history is not open")
        return self.store

    def _conversation(self) -> Conversation | None:
        if self.store is None or self.current_id is None:
            return None
        return self.store.get_conversation(self.current_id)

    def _model_id(self) -> str:
        return self.model.model_id if self.model else ""

    def _params(self, conversation: Conversation | None) -> tuple[SamplingParams, int]:
        defaults = self._defaults.get(self._model_id(), SamplingParams())
        return conversation_params(defaults, conversation)

    def _context_limit(self, conversation: Conversation | None) -> int:
        loaded = self.load_info.n_ctx if self.load_info else 0
        _, limit = self._params(conversation)
        if loaded and limit:
            return min(loaded, limit)
        return limit or loaded

    def _speaker(self, message: Message) -> str:
        if message.role == "user":
            return self.tr("You")
        if message.role == "system":
            return self.tr("System")
        if self.model is not None and message.model_id in ("", self.model.model_id):
            return self.model.label
        return message.model_id or self.tr("Assistant")

    def _chat_messages(
        self, conversation: Conversation | None, thread: list[Message]
    ) -> tuple[list[ChatMessage], list[int]]:
        """The conversation as the model sees it, and the message id behind each entry."""
        return chat_messages(conversation.system_prompt if conversation else "", thread)

    # ---- conversations -----------------------------------------------------------------------

    def _fill_list(self, conversations: list[Conversation] | None = None) -> None:
        if self.store is None:
            return
        if conversations is None:
            conversations = self.store.list_conversations()
        self.conversations.set_conversations(conversations, self.current_id)

    def _show_empty(self) -> None:
        self.current_id = None
        self.messages = []
        self.view.set_messages([], speaker=self._speaker)
        self._show_thread_stats()
        self._load_settings_panel()
        self.meter.count_now()

    def open_conversation(self, cid: int) -> None:
        if self.store is None:
            return
        if self.generation is not None and self.generation.conversation_id != cid:
            self.show_notice(
                self.tr("Stop the reply being written before switching conversations.")
            )
            self.conversations.select(self.generation.conversation_id)
            return
        self.current_id = cid
        self.conversations.select(cid)
        self._render_thread()
        self._load_settings_panel()
        self.meter.count_now()  # never the previous conversation's figure

    def _render_thread(self) -> None:
        store = self._require_store()
        if self.current_id is None:
            self._show_empty()
            return
        self.messages = store.thread(self.current_id)
        self.view.set_messages(
            self.messages,
            speaker=self._speaker,
            versions=store.all_messages(self.current_id),
            dropped_ids=self.dropped.get(self.current_id, set()),
        )
        for message in self.messages:
            card = self.view.card_for(message.id)
            if card is not None and message.role == "assistant":
                card.set_meta(reply_meta(message))
        self._show_thread_stats()

    def _show_thread_stats(self) -> None:
        """The status bar's speed line follows the thread on screen (or is cleared)."""
        window = self.window()
        if hasattr(window, "show_stats"):
            window.show_stats(thread_stats(self.messages))

    def new_conversation(self) -> None:
        """Start a new conversation (reusing the current one if it is still empty)."""
        if self.store is None or self.generation is not None:
            return
        current = self._conversation()
        if current is not None and current.message_count == 0:
            self.composer.input.setFocus()
            return
        conversation = self.store.create_conversation(model_id=self._model_id())
        self.current_id = conversation.id
        self._fill_list()
        self._render_thread()
        self._load_settings_panel()
        self.meter.count_now()
        self.composer.input.setFocus()

    def _rename(self, cid: int, title: str) -> None:
        self._require_store().rename_conversation(cid, title)
        self._fill_list()

    def _pin(self, cid: int, pinned: bool) -> None:
        self._require_store().set_pinned(cid, pinned)
        self._fill_list()

    def delete_conversation(self, cid: int) -> None:
        store = self._require_store()
        if self.generation is not None and self.generation.conversation_id == cid:
            self.show_notice(
                self.tr("Stop the reply being written before deleting its conversation.")
            )
            return
        conversation = store.get_conversation(cid)
        store.delete_conversation(cid)
        self.conversations.show_undo(cid, conversation.title if conversation else "")
        remaining = store.list_conversations()
        if self.current_id == cid:
            self.current_id = remaining[0].id if remaining else None
        self._fill_list(remaining)
        if self.current_id is not None:
            self.open_conversation(self.current_id)
        else:
            self._show_empty()

    def _undo_delete(self, cid: int) -> None:
        store = self._require_store()
        store.restore_conversation(cid)
        self._fill_list()
        self.open_conversation(cid)

    # ---- sending -----------------------------------------------------------------------------

    def send(self, text: str) -> None:
        """Commit the user's message, then start the reply."""
        if self.store is None:
            self._pending_send = text
            self.show_status(self.tr("Opening the history; your message is sent in a moment…"))
            return
        if self.generation is not None:
            return
        self.settings.flush()
        self.notice.hide()
        store = self.store
        try:
            conversation = self._conversation()
            if conversation is None:
                conversation = store.create_conversation(
                    title=auto_title(text), model_id=self._model_id()
                )
                self.current_id = conversation.id
            elif not conversation.title:
                store.rename_conversation(conversation.id, auto_title(text))
            thread = store.thread(conversation.id)
            parent = thread[-1].id if thread else None
            user = store.add_message(conversation.id, "user", text, parent_id=parent)
        except Exception as exc:  # the store raises HistoryWriteError with a clear message
            self.show_notice(
                self.tr("Your message could not be saved: {error}").format(error=message_of(exc))
            )
            return
        self.composer.clear_draft()
        self._fill_list()
        if not self.settings.isEnabled():  # the first message made the conversation
            self._load_settings_panel()
        self._start_reply(user.id)

    def regenerate(self, assistant_id: int) -> None:
        """Write the reply again as a new version; the old one stays reachable with ‹ ›."""
        if self.generation is not None:
            return
        message = next((m for m in self.messages if m.id == assistant_id), None)
        if message is None or message.parent_id is None:
            return
        self._start_reply(message.parent_id)

    def edit_message(self, user_id: int, text: str) -> None:
        """Send an edited user message as a new branch beside the original."""
        if self.store is None or self.generation is not None or self.current_id is None:
            return
        original = next((m for m in self.messages if m.id == user_id), None)
        if original is None:
            return
        try:
            edited = self.store.add_message(
                self.current_id, "user", text, parent_id=original.parent_id
            )
        except Exception as exc:
            self.show_notice(
                self.tr("Your edit could not be saved: {error}").format(error=message_of(exc))
            )
            return
        self._start_reply(edited.id)

    def _start_reply(self, parent_id: int) -> None:
        store = self._require_store()
        cid = self.current_id
        assert cid is not None
        conversation = store.get_conversation(cid)
        try:
            reply = store.start_reply(cid, parent_id, self._model_id())
        except Exception as exc:
            self.show_notice(
                self.tr("The reply could not be started: {error}").format(error=message_of(exc))
            )
            return
        self.dropped.pop(cid, None)
        self._render_thread()
        self.meter.count_now()  # queued before the reply, so it is not stale while it streams
        messages, ids = self._chat_messages(conversation, self.messages[:-1])
        params, _ = self._params(conversation)
        self.writer.start(
            reply,
            cid,
            ids,
            messages,
            params,
            context_limit=self._context_limit(conversation),
            # Probabilities cost a little per token, so they are asked for only while the
            # confidence view is on.
            logprobs=TOP_ALTERNATIVES if self.view.confidence_on else 0,
        )
        self.composer.set_generating(True)
        if self.load_info is None:
            self.show_status(self.tr("Waiting for the model to load…"))

    def stop(self) -> None:
        """Stop the reply; what was written so far is kept and saved as stopped."""
        self.writer.stop()

    def _escape(self) -> None:
        if self.generation is not None:
            self.stop()
        elif self.conversations.search.text():
            self.conversations.search.clear()

    # ---- a reply ended ------------------------------------------------------------------------

    def reply_finished(
        self, generation: Generation, outcome: StreamOutcome, stats: Stats | None
    ) -> None:
        """The writer saved the reply: show how it ended and what changed around it."""
        self.composer.set_generating(False)
        if outcome.error:
            self.show_notice(
                self.tr("The model stopped with an error: {error}").format(error=outcome.error)
            )
        if stats is not None:
            window = self.window()
            if hasattr(window, "show_stats"):
                window.show_stats(stats)
        if self._closed:
            return
        if self.current_id == generation.conversation_id and self.store is not None:
            # Re-render so the branch switcher and Regenerate reflect the finished reply.
            self._render_thread()
            card = self.view.card_for(generation.reply.id)
            if card is not None and outcome.error:
                card.set_status("failed", outcome.error)
        self._fill_list()
        self.meter.schedule()
        self.show_status("")

    # ---- branches and deletion ---------------------------------------------------------------

    def switch_branch(self, mid: int) -> None:
        if self.store is None or self.generation is not None:
            return
        self.store.switch_branch(mid)
        self._render_thread()
        self.meter.schedule()

    def delete_message(self, mid: int) -> None:
        if self.store is None or self.generation is not None:
            return
        index = next((i for i, m in enumerate(self.messages) if m.id == mid), None)
        if index is None:
            return
        later = len(self.messages) - index - 1
        if later and not self.confirm(
            self.tr("Delete messages"),
            plural(
                later,
                self.tr("Deleting this message also deletes the message after it. Continue?"),
                self.tr("Deleting this message also deletes the {n} messages after it. Continue?"),
            ),
        ):
            return
        self.store.delete_message(mid)
        self._render_thread()
        self._fill_list()
        self.meter.schedule()

    def _confirm_dialog(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    # ---- context meter -----------------------------------------------------------------------

    def _meter_messages(self) -> list[ChatMessage] | None:
        """The conversation and the draft as the model would read them next (for the meter)."""
        if self.load_info is None or self.store is None:
            if self.store is not None:
                self.composer.set_meter(self.tr("Loading the model…"), over=False)
            return None
        messages, _ = self._chat_messages(self._conversation(), self.messages)
        draft = self.composer.draft_text()
        if draft:
            messages.append({"role": "user", "content": draft})
        return messages

    def _meter_limits(self, loaded_context: int) -> tuple[int, int]:
        """The open conversation's context limit and the tokens it keeps for a reply."""
        conversation = self._conversation()
        params, _ = self._params(conversation)
        return self._context_limit(conversation) or loaded_context, params.max_tokens

    # ---- settings ----------------------------------------------------------------------------

    def _load_settings_panel(self) -> None:
        conversation = self._conversation()
        defaults = self._defaults.get(self._model_id(), SamplingParams())
        self.settings.load(
            system_prompt=conversation.system_prompt if conversation else "",
            overrides=dict(conversation.sampling) if conversation else {},
            defaults=defaults,
            default_context=self.load_info.n_ctx if self.load_info else 4096,
            model_label=self.model.label if self.model else "",
            reasoning=self.load_info.reasoning if self.load_info else "none",
        )
        self.settings.setEnabled(conversation is not None)

    def _save_settings(self, system_prompt: str, overrides: dict[str, Any]) -> None:
        if self.store is None or self.current_id is None:
            return
        try:
            self.store.update_conversation(
                self.current_id, system_prompt=system_prompt, sampling=overrides
            )
        except Exception as exc:
            self.show_notice(
                self.tr("Settings could not be saved: {error}").format(error=message_of(exc))
            )
            return
        self.meter.schedule()

    # ---- status ------------------------------------------------------------------------------

    def show_status(self, text: str) -> None:
        """A lasting line in the window's status bar ("" clears it)."""
        window = self.window()
        if hasattr(window, "show_message"):
            window.show_message(text, 0)

    # ---- shutdown ----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Called before the worker stops: ask the running reply to stop."""
        self._closed = True
        self.settings.flush()
        self.meter.stop()
        self.writer.shutdown()

    def finish_after_shutdown(self) -> None:
        """The worker has stopped: save whatever the reply reached as stopped."""
        self.writer.finish_now()
        # The window closes the store next; late callbacks must not touch it.
        self.store = None
        self.conversations.store = None
