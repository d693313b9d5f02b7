"""The Chat pane: wires the conversation list, message view, composer and settings together.

The rule that shapes this file is "nothing is lost": the user's message is committed to the
history store before generation starts; the reply is checkpointed about once a second while
it streams and finished when it ends, is stopped or fails. Tokens reach the view through the
engine worker's stream buffer, drained once per frame.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.core.backend import ChatMessage, LoadInfo, ModelRef, SamplingParams, Stats
from app.core.chat import chat_messages, conversation_params
from app.core.context import FitResult, prompt_budget
from app.gui.chat.composer import Composer
from app.gui.chat.confidence import TOP_ALTERNATIVES, from_tokens
from app.gui.chat.conversations import ConversationPanel
from app.gui.chat.message_view import BranchInfo, MessageView
from app.gui.chat.settings_panel import ConversationSettingsPanel
from app.gui.engine_worker import EngineWorker, GenerationJob, StreamOutcome
from app.gui.i18n import plural
from app.gui.notice import Notice
from app.gui.ops import BackgroundOp
from app.gui.theme import Theme

if TYPE_CHECKING:
    from app.core.history import Conversation, HistoryStore, Message

log = logging.getLogger(__name__)

FRAME_MS = 16
CHECKPOINT_MS = 1000
COUNT_DEBOUNCE_MS = 350
TITLE_CHARS = 48

ConfirmFn = Callable[[str, str], bool]


def auto_title(text: str) -> str:
    """A conversation title from its first message: first line, trimmed at a word boundary.

    Cheap and deterministic on purpose: asking a small model for a title costs a generation
    and often produces something worse than the user's own first words.
    """
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    line = re.sub(r"\s+", " ", line)
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[:TITLE_CHARS].rsplit(" ", 1)[0]
    if len(cut) < TITLE_CHARS // 2:
        cut = line[:TITLE_CHARS]
    return cut.rstrip(" ,.;:-") + "…"


class _Generation:
    """The reply being written now: its job, stored message and card."""

    def __init__(
        self, job: GenerationJob, reply: Message, conversation_id: int, sent_ids: list[int]
    ) -> None:
        self.job = job
        self.reply = reply
        self.conversation_id = conversation_id
        self.sent_ids = sent_ids  # message id for each index of job.messages (-1 = system)
        self.checkpointed = ""
        self.started = time.perf_counter()
        self.shown = ""


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
        self.generation: _Generation | None = None
        self.dropped: dict[int, set[int]] = {}  # conversation id -> message ids left out
        self.confirm: ConfirmFn = self._confirm_dialog
        self._defaults: dict[str, SamplingParams] = {}
        self._sibling_ids: dict[int | None, list[int]] = {}
        self._count_ticket = 0
        self._last_count: tuple[int, int] | None = None
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

        self._frame_timer = QTimer(self)
        self._frame_timer.setInterval(FRAME_MS)
        self._frame_timer.timeout.connect(self._on_frame)
        self._checkpoint_timer = QTimer(self)
        self._checkpoint_timer.setInterval(CHECKPOINT_MS)
        self._checkpoint_timer.timeout.connect(self._checkpoint)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(COUNT_DEBOUNCE_MS)
        self._count_timer.timeout.connect(self._request_count)

        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.composer.input.escape_pressed.connect(self._escape)
        self.composer.text_changed.connect(self._count_timer.start)
        self.composer.settings_toggled.connect(self.settings.setVisible)
        self.conversations.conversation_selected.connect(self.open_conversation)
        self.conversations.hit_selected.connect(self._open_hit)
        self.conversations.new_requested.connect(self.new_conversation)
        self.conversations.rename_requested.connect(self._rename)
        self.conversations.pin_requested.connect(self._pin)
        self.conversations.delete_requested.connect(self.delete_conversation)
        self.conversations.undo_requested.connect(self._undo_delete)
        self.conversations.search_changed.connect(self.search)
        self.view.regenerate_requested.connect(self.regenerate)
        self.view.edit_requested.connect(self.edit_message)
        self.view.delete_requested.connect(self.delete_message)
        self.view.branch_requested.connect(self.switch_branch)
        self.settings.changed.connect(self._save_settings)
        worker.generation_finished.connect(self._on_generation_finished)
        worker.context_fitted.connect(self._on_context_fitted)
        worker.tokens_counted.connect(self._on_tokens_counted)

        for keys, slot in (
            ("Ctrl+N", self.new_conversation),
            ("Ctrl+F", self.conversations.focus_search),
            ("Esc", self._escape),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        self._set_enabled(False)
        self.composer.set_meter(self.tr("Opening history…"), over=False)

    # ---- set-up ------------------------------------------------------------------------------

    def set_store(self, store: HistoryStore) -> None:
        """History is open: show the conversations and the most recent one."""
        self.store = store
        self._set_enabled(True)
        conversations = store.list_conversations()
        self._fill_list(conversations)
        if conversations:
            self.open_conversation(conversations[0].id)
        else:
            self._show_empty()
        self.composer.input.setFocus()

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
        self._count_timer.start()

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

    def _branch(self, message: Message) -> BranchInfo | None:
        if message.status == "streaming":
            return None
        ids = self._sibling_ids.get(message.parent_id, [])
        if len(ids) < 2 or message.id not in ids:
            return None
        index = ids.index(message.id)
        return BranchInfo(
            index=index + 1,
            count=len(ids),
            previous_id=ids[index - 1] if index > 0 else None,
            next_id=ids[index + 1] if index + 1 < len(ids) else None,
        )

    def _load_siblings(self, cid: int) -> None:
        """Group every message of the conversation by parent in one query (for ‹ 2/3 ›)."""
        store = self._require_store()
        groups: dict[int | None, list[int]] = {}
        for message in store.all_messages(cid):
            groups.setdefault(message.parent_id, []).append(message.id)
        self._sibling_ids = groups

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
        self.view.set_messages([], speaker=self._speaker, branch=self._branch)
        self._load_settings_panel()
        self._count_timer.start()

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
        self._count_timer.start()

    def _render_thread(self) -> None:
        store = self._require_store()
        if self.current_id is None:
            self._show_empty()
            return
        self.messages = store.thread(self.current_id)
        self._load_siblings(self.current_id)
        self.view.set_messages(
            self.messages,
            speaker=self._speaker,
            branch=self._branch,
            dropped_ids=self.dropped.get(self.current_id, set()),
        )
        for message in self.messages:
            card = self.view.card_for(message.id)
            if card is None or message.role != "assistant":
                continue
            meta = []
            if message.tokens_per_s:
                meta.append(self.tr("{rate:.0f} tokens/s").format(rate=message.tokens_per_s))
            if message.stop_reason == "length":
                meta.append(self.tr("cut off at the max tokens setting"))
            card.set_meta(" · ".join(meta))

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
        self._count_timer.start()
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

    # ---- search ------------------------------------------------------------------------------

    def search(self, query: str) -> None:
        store = self.store
        if store is None:
            return
        if not query:
            self.conversations.show_hits(None)
            return

        def found(hits: object) -> None:
            if self.conversations.search.text().strip() == query:
                self.conversations.show_hits(hits)  # type: ignore[arg-type]

        def failed(error: BaseException) -> None:
            self.show_notice(self.tr("Search failed: {error}").format(error=error))

        BackgroundOp(self, lambda: store.search(query)).on_success(found).on_failure(failed).run()

    def _open_hit(self, cid: int, mid: int) -> None:
        self.open_conversation(cid)
        if mid and self.current_id == cid:
            self.view.reveal(mid)

    # ---- sending -----------------------------------------------------------------------------

    def send(self, text: str) -> None:
        """Commit the user's message, then start the reply."""
        if self.store is None or self.generation is not None:
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
                self.tr("Your message could not be saved: {error}").format(error=_message_of(exc))
            )
            return
        self.composer.input.clear()
        self._fill_list()
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
                self.tr("Your edit could not be saved: {error}").format(error=_message_of(exc))
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
                self.tr("The reply could not be started: {error}").format(error=_message_of(exc))
            )
            return
        self.dropped.pop(cid, None)
        self._render_thread()
        messages, ids = self._chat_messages(conversation, self.messages[:-1])
        params, _ = self._params(conversation)
        job = self.worker.generate(
            messages,
            params,
            context_limit=self._context_limit(conversation),
            # Probabilities cost a little per token, so they are asked for only while the
            # confidence view is on.
            logprobs=TOP_ALTERNATIVES if self.view.confidence_on else 0,
        )
        self.generation = _Generation(job, reply, cid, ids)
        card = self.view.card_for(reply.id)
        if card is not None:
            card.set_status("streaming")
        self.composer.set_generating(True)
        self._frame_timer.start()
        self._checkpoint_timer.start()
        if self.load_info is None:
            self._status(self.tr("Waiting for the model to load…"))

    def stop(self) -> None:
        """Stop the reply; what was written so far is kept and saved as stopped."""
        if self.generation is not None:
            self.worker.cancel(self.generation.job)

    def _escape(self) -> None:
        if self.generation is not None:
            self.stop()
        elif self.conversations.search.text():
            self.conversations.search.clear()

    # ---- streaming ---------------------------------------------------------------------------

    def _on_frame(self) -> None:
        """Once per frame: move whatever the worker produced into the reply's card."""
        generation = self.generation
        if generation is None:
            self._frame_timer.stop()
            return
        chunk = generation.job.buffer.take()
        if chunk:
            generation.shown += chunk
            card = self.view.card_for(generation.reply.id)
            if card is not None:
                card.set_text(generation.shown)
        elif not generation.shown:
            progress = generation.job.buffer.progress()
            if progress and progress[1]:
                self._status(
                    self.tr("Reading the conversation… {percent}%").format(
                        percent=int(100 * progress[0] / progress[1])
                    )
                )

    def _checkpoint(self) -> None:
        """Save the reply so far; a crash loses at most about a second of text."""
        generation = self.generation
        if generation is None or self.store is None:
            self._checkpoint_timer.stop()
            return
        text = generation.job.buffer.text
        if text != generation.checkpointed:
            try:
                self.store.update_reply(generation.reply.id, text)
                generation.checkpointed = text
            except Exception as exc:
                log.warning("checkpoint failed: %s", exc)
                self.show_notice(
                    self.tr("The reply could not be saved: {error}").format(error=_message_of(exc))
                )

    def _on_context_fitted(self, job_id: int, fit: object) -> None:
        generation = self.generation
        if generation is None or generation.job.job_id != job_id:
            return
        assert isinstance(fit, FitResult)
        left_out = {
            generation.sent_ids[i]
            for i in fit.dropped_indices
            if i < len(generation.sent_ids) and generation.sent_ids[i] >= 0
        }
        self.dropped[generation.conversation_id] = left_out
        self.view.mark_dropped(left_out)
        if fit.fits:
            self.show_notice(
                plural(
                    len(left_out),
                    self.tr(
                        "1 earlier message was left out so the conversation fits the model's "
                        "context ({budget} tokens for the prompt). It is marked “Not sent” above."
                    ),
                    self.tr(
                        "{n} earlier messages were left out so the conversation fits the "
                        "model's context ({budget} tokens for the prompt). They are marked "
                        "“Not sent” above."
                    ),
                ).format(budget=f"{fit.budget:,}")
            )

    def _on_generation_finished(self, job_id: int, outcome: object) -> None:
        generation = self.generation
        if generation is None or generation.job.job_id != job_id:
            return
        assert isinstance(outcome, StreamOutcome)
        self._on_frame()
        self._finish(generation, outcome)

    def _finish(self, generation: _Generation, outcome: StreamOutcome) -> None:
        self.generation = None
        self._frame_timer.stop()
        self._checkpoint_timer.stop()
        status = {"stop": "complete", "length": "complete", "cancelled": "stopped"}.get(
            outcome.reason, "failed"
        )
        stats = _measured(outcome.stats, generation)
        if generation.job.buffer.tokens:
            self.view.token_probs[generation.reply.id] = from_tokens(generation.job.buffer.tokens)
        if self.store is not None:
            try:
                self.store.finish_reply(
                    generation.reply.id,
                    outcome.text,
                    status=status,
                    prompt_tokens=stats.prompt_tokens if stats else None,
                    generated_tokens=stats.generated_tokens if stats else None,
                    tokens_per_s=stats.tokens_per_s if stats else None,
                    ttft_s=stats.ttft_s if stats else None,
                    stop_reason=outcome.reason,
                )
            except Exception as exc:
                self.show_notice(
                    self.tr("The reply could not be saved: {error}").format(error=_message_of(exc))
                )
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
        self._count_timer.start()
        self._status("")

    # ---- branches and deletion ---------------------------------------------------------------

    def switch_branch(self, mid: int) -> None:
        if self.store is None or self.generation is not None:
            return
        self.store.switch_branch(mid)
        self._render_thread()
        self._count_timer.start()

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
        self._count_timer.start()

    def _confirm_dialog(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    # ---- context meter -----------------------------------------------------------------------

    def _request_count(self) -> None:
        if self.load_info is None or self.store is None:
            if self.store is not None:
                self.composer.set_meter(self.tr("Loading the model…"), over=False)
            return
        conversation = self._conversation()
        messages, _ = self._chat_messages(conversation, self.messages)
        draft = self.composer.input.toPlainText().strip()
        if draft:
            messages.append({"role": "user", "content": draft})
        self._count_ticket = self.worker.count(messages)

    def _on_tokens_counted(self, ticket: int, tokens: int, loaded_context: int) -> None:
        if ticket != self._count_ticket:
            return
        conversation = self._conversation()
        params, _ = self._params(conversation)
        limit = self._context_limit(conversation) or loaded_context
        budget = prompt_budget(limit, params.max_tokens)
        self._last_count = (tokens, limit)
        over = tokens > budget
        text = self.tr("{tokens} / {limit} tokens").format(tokens=f"{tokens:,}", limit=f"{limit:,}")
        if over:
            text += self.tr(" · full: the oldest turns will be left out")
        self.composer.set_meter(
            text,
            over=over,
            tooltip=self.tr(
                "The conversation and your draft take {tokens} tokens. The model reads at most "
                "{limit}, of which {reply} are kept for the reply."
            ).format(tokens=f"{tokens:,}", limit=f"{limit:,}", reply=f"{limit - budget:,}"),
        )

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
                self.tr("Settings could not be saved: {error}").format(error=_message_of(exc))
            )
            return
        self._count_timer.start()

    # ---- status ------------------------------------------------------------------------------

    def _status(self, text: str) -> None:
        window = self.window()
        if hasattr(window, "show_message"):
            window.show_message(text, 0)

    # ---- shutdown ----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Called before the worker stops: ask the running reply to stop."""
        self._closed = True
        self.settings.flush()
        for timer in (self._count_timer, self._frame_timer, self._checkpoint_timer):
            timer.stop()
        if self.generation is not None:
            self.worker.cancel(self.generation.job)

    def finish_after_shutdown(self) -> None:
        """The worker has stopped: save whatever the reply reached as stopped."""
        generation = self.generation
        if generation is not None:
            self._finish(generation, StreamOutcome("cancelled", generation.job.buffer.text))
        self.store = None  # the window closes it next; late callbacks must not touch it


def _measured(stats: Stats | None, generation: _Generation) -> Stats | None:
    """The backend's figures, with speed and first-token time measured here when it gave none.

    A backend may report 0 tokens/s (e.g. a remote server without timings); the GUI saw the
    tokens arrive, so it can still tell the user something true.
    """
    buffer = generation.job.buffer
    first = buffer.first_token_at
    if first is None:
        return stats
    elapsed = time.perf_counter() - first
    rate = (buffer.token_count - 1) / elapsed if buffer.token_count > 1 and elapsed > 0 else 0.0
    if stats is None:
        return Stats(0, buffer.token_count, first - generation.started, rate)
    if stats.tokens_per_s <= 0 and rate > 0:
        return dataclasses.replace(stats, tokens_per_s=rate)
    return stats


def _message_of(exc: BaseException) -> str:
    return str(getattr(exc, "message", "") or exc or type(exc).__name__)
