"""Writing one reply: what the chat pane does with the engine worker while a reply streams.

The rule that shapes it is "nothing is lost". The pane commits the user's message and starts
the reply's row in the history before it calls :meth:`ReplyWriter.start`; from then on the
writer moves tokens from the job's stream buffer into the reply's card once a frame,
checkpoints the text about once a second, and saves how the reply ended (complete, stopped
or failed). The engine worker hands the end of *this* job, and the notice that older
messages had to be left out, to callbacks bound to this reply; nothing else is listening.

Its messages are the chat pane's, so they keep the pane's translation context ("ChatPane").
"""

from __future__ import annotations

import dataclasses
import logging
import time
from functools import partial
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from app.core.backend import ChatMessage, SamplingParams, Stats
from app.core.checkpoint import EVERY_S
from app.gui.announce import announce
from app.gui.chat.confidence import from_tokens
from app.gui.engine_worker import StreamOutcome
from app.gui.i18n import plural
from app.gui.tools.text import message_of

if TYPE_CHECKING:
    from app.core.context import FitResult
    from app.core.history import HistoryStore, Message
    from app.gui.chat.message_view import MessageView
    from app.gui.engine_worker import EngineWorker, GenerationJob

log = logging.getLogger(__name__)

FRAME_MS = 16
CHECKPOINT_MS = int(EVERY_S * 1000)  # the one checkpoint rule (app.core.checkpoint)


class Generation:
    """The reply being written now: its job, stored message and conversation."""

    def __init__(self, reply: Message, conversation_id: int, sent_ids: list[int]) -> None:
        self.job: GenerationJob  # set as soon as the worker has queued it
        self.reply = reply
        self.conversation_id = conversation_id
        self.sent_ids = sent_ids  # message id for each index of job.messages (-1 = system)
        self.checkpointed = ""
        self.started = time.perf_counter()
        self.shown = ""
        self.thought = ""  # the reasoning shown so far
        self.checkpointed_thought = ""


class ReplyHost(Protocol):
    """What the writer needs of the chat pane that owns it."""

    store: HistoryStore | None
    dropped: dict[int, set[int]]  # conversation id -> message ids left out of the context

    def show_notice(self, text: str) -> None: ...

    def show_status(self, text: str) -> None: ...

    def reply_finished(
        self, generation: Generation, outcome: StreamOutcome, stats: Stats | None
    ) -> None: ...


class ReplyWriter(QObject):
    """Starts a reply on the engine worker, streams it into its card, saves how it ended."""

    def __init__(
        self, worker: EngineWorker, view: MessageView, *, host: ReplyHost, parent: QObject
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._view = view
        self._host = host
        self.generation: Generation | None = None
        self._frame_timer = QTimer(self)
        self._frame_timer.setInterval(FRAME_MS)
        self._frame_timer.timeout.connect(self._on_frame)
        self._checkpoint_timer = QTimer(self)
        self._checkpoint_timer.setInterval(CHECKPOINT_MS)
        self._checkpoint_timer.timeout.connect(self._checkpoint)

    def start(
        self,
        reply: Message,
        conversation_id: int,
        sent_ids: list[int],
        messages: list[ChatMessage],
        params: SamplingParams,
        *,
        context_limit: int,
        logprobs: int,
    ) -> None:
        """Queue the reply; its callbacks are bound to this one generation."""
        generation = Generation(reply, conversation_id, sent_ids)
        generation.job = self._worker.generate(
            messages,
            params,
            owner=self,
            on_finished=partial(self._on_finished, generation),
            on_fitted=partial(self._on_fitted, generation),
            context_limit=context_limit,
            logprobs=logprobs,
        )
        self.generation = generation
        card = self._view.card_for(reply.id)
        if card is not None:
            card.set_status("streaming")
        self._frame_timer.start()
        self._checkpoint_timer.start()

    def stop(self) -> None:
        """Stop the reply; what was written so far is kept and saved as stopped."""
        if self.generation is not None:
            self._worker.cancel(self.generation.job)

    def shutdown(self) -> None:
        """The window is closing: no more frames or checkpoints; ask the reply to stop."""
        self._frame_timer.stop()
        self._checkpoint_timer.stop()
        self.stop()

    def finish_now(self) -> None:
        """The worker has stopped: save whatever the reply reached as stopped."""
        generation = self.generation
        if generation is not None:
            buffer = generation.job.buffer
            self._finish(
                generation,
                StreamOutcome("cancelled", buffer.text, reasoning=buffer.reasoning.strip()),
            )

    # ---- streaming ---------------------------------------------------------------------------

    def _on_frame(self) -> None:
        """Once per frame: move whatever the worker produced into the reply's card."""
        generation = self.generation
        if generation is None:
            self._frame_timer.stop()
            return
        buffer = generation.job.buffer
        thought = buffer.take_reasoning()
        thinking = buffer.first_reasoning_at is not None and buffer.answer_started_at is None
        if thought or (thinking and not generation.shown):
            generation.thought += thought
            card = self._view.card_for(generation.reply.id)
            if card is not None:
                since = buffer.first_reasoning_at or time.perf_counter()
                card.set_reasoning(generation.thought, time.perf_counter() - since, live=thinking)
        chunk = buffer.take()
        if chunk:
            if not generation.shown and buffer.first_reasoning_at is not None:
                self._thought_done(generation)
            generation.shown += chunk
            card = self._view.card_for(generation.reply.id)
            if card is not None:
                card.set_text(generation.shown)
        elif not generation.shown:
            progress = generation.job.buffer.progress()
            if progress and progress[1]:
                self._host.show_status(
                    QCoreApplication.translate(
                        "ChatPane", "Reading the conversation… {percent}%"
                    ).format(percent=int(100 * progress[0] / progress[1]))
                )

    def _checkpoint(self) -> None:
        """Save the reply so far; a crash loses at most about a second of text."""
        generation = self.generation
        store = self._host.store
        if generation is None or store is None:
            self._checkpoint_timer.stop()
            return
        text = generation.job.buffer.text
        thought = generation.job.buffer.reasoning
        if text != generation.checkpointed or thought != generation.checkpointed_thought:
            try:
                store.update_reply(generation.reply.id, text, reasoning=thought)
                generation.checkpointed = text
                generation.checkpointed_thought = thought
            except Exception as exc:
                log.warning("checkpoint failed: %s", exc)
                self._host.show_notice(
                    QCoreApplication.translate(
                        "ChatPane", "The reply could not be saved: {error}"
                    ).format(error=message_of(exc))
                )

    def _thought_done(self, generation: Generation, seconds: float | None = None) -> None:
        """The answer has started (or the reply ended): the thinking panel says how long."""
        buffer = generation.job.buffer
        if buffer.first_reasoning_at is None:
            return
        if seconds is None:
            end = buffer.answer_started_at or time.perf_counter()
            seconds = end - buffer.first_reasoning_at
        card = self._view.card_for(generation.reply.id)
        if card is not None:
            card.set_reasoning(buffer.reasoning, seconds, live=False)

    def _on_fitted(self, generation: Generation, fit: FitResult) -> None:
        """Older messages were left out so the conversation fits: mark them and say so."""
        if generation is not self.generation:
            return
        left_out = {
            generation.sent_ids[i]
            for i in fit.dropped_indices
            if i < len(generation.sent_ids) and generation.sent_ids[i] >= 0
        }
        self._host.dropped[generation.conversation_id] = left_out
        self._view.mark_dropped(left_out)
        if fit.fits:
            self._host.show_notice(
                plural(
                    len(left_out),
                    QCoreApplication.translate(
                        "ChatPane",
                        "1 earlier message was left out so the conversation fits the model's "
                        "context ({budget} tokens for the prompt). It is marked “Not sent” above.",
                    ),
                    QCoreApplication.translate(
                        "ChatPane",
                        "{n} earlier messages were left out so the conversation fits the "
                        "model's context ({budget} tokens for the prompt). They are marked "
                        "“Not sent” above.",
                    ),
                ).format(budget=f"{fit.budget:,}")
            )

    def _on_finished(self, generation: Generation, outcome: StreamOutcome) -> None:
        if generation is not self.generation:
            return  # already saved as stopped at shutdown
        self._on_frame()
        self._finish(generation, outcome)

    def _finish(self, generation: Generation, outcome: StreamOutcome) -> None:
        self.generation = None
        self._frame_timer.stop()
        self._checkpoint_timer.stop()
        status = {"stop": "complete", "length": "complete", "cancelled": "stopped"}.get(
            outcome.reason, "failed"
        )
        stats = _measured(outcome.stats, generation)
        thought_s = _thought_seconds(stats, generation) if outcome.reasoning else None
        if outcome.reasoning:
            self._thought_done(generation, thought_s)
        if generation.job.buffer.tokens:
            self._view.token_probs[generation.reply.id] = from_tokens(generation.job.buffer.tokens)
        store = self._host.store
        if store is not None:
            try:
                store.finish_reply(
                    generation.reply.id,
                    outcome.text,
                    status=status,
                    prompt_tokens=stats.prompt_tokens if stats else None,
                    generated_tokens=stats.generated_tokens if stats else None,
                    tokens_per_s=stats.tokens_per_s if stats else None,
                    ttft_s=stats.ttft_s if stats else None,
                    stop_reason=outcome.reason,
                    reasoning=outcome.reasoning,
                    reasoning_s=thought_s,
                )
            except Exception as exc:
                self._host.show_notice(
                    QCoreApplication.translate(
                        "ChatPane", "The reply could not be saved: {error}"
                    ).format(error=message_of(exc))
                )
        self._host.reply_finished(generation, outcome, stats)
        self._announce(status, outcome)

    def _announce(self, status: str, outcome: StreamOutcome) -> None:
        """A screen reader hears the whole reply once, when it ends (and on Stop)."""
        if status == "complete":
            text = outcome.text
        elif status == "stopped":
            text = QCoreApplication.translate("ChatPane", "Reply stopped. {text}").format(
                text=outcome.text
            )
        else:
            text = QCoreApplication.translate("ChatPane", "The reply failed: {error}").format(
                error=outcome.error or outcome.reason
            )
        announce(self._view, text, urgent=status == "failed")


def _thought_seconds(stats: Stats | None, generation: Generation) -> float | None:
    """How long the model thought: the engine's figure, else what the window saw."""
    if stats is not None and stats.reasoning_s > 0:
        return stats.reasoning_s
    buffer = generation.job.buffer
    if buffer.first_reasoning_at is None:
        return None
    end = buffer.answer_started_at or time.perf_counter()
    return end - buffer.first_reasoning_at


def _measured(stats: Stats | None, generation: Generation) -> Stats | None:
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
