"""The message view: the scrollable column of message cards (:mod:`.message_card`).

Long conversations are shown a page at a time from the newest end ("Show earlier messages"),
so opening a conversation of thousands of messages costs the same as opening one of fifty.
What the user asks of one card (another version, regenerate, edit, delete, the confidence
view) is passed on as the view's own signal, so the chat pane listens to one object.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.gui.chat.confidence import TokenProb
from app.gui.chat.message_card import BranchInfo, MessageCard
from app.gui.i18n import plural

if TYPE_CHECKING:
    from app.core.history import Message

PAGE_SIZE = 50
# How long a revealed message (a search hit) keeps its outline: long enough to find it on
# screen, short enough that it does not read as a selection or a state of the message.
HIGHLIGHT_MS = 2500


class MessageView(QScrollArea):
    """The scrollable column of message cards (accessible name "Messages")."""

    regenerate_requested = Signal(int)
    edit_requested = Signal(int, str)
    delete_requested = Signal(int)
    branch_requested = Signal(int)
    confidence_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.confidence_on = False
        # message id -> token probabilities; in memory only (the history has no column).
        self.token_probs: dict[int, list[TokenProb]] = {}
        self.setObjectName("MessageScroll")
        self.setAccessibleName(self.tr("Messages"))
        self.setAccessibleDescription(
            self.tr("The messages of the open conversation, oldest first")
        )
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._column = QWidget()
        self._column.setObjectName("MessageColumn")
        outer = QHBoxLayout(self._column)
        outer.setContentsMargins(0, 0, 0, 0)
        inner_host = QWidget()
        inner_host.setMaximumWidth(860)
        outer.addStretch(1)
        outer.addWidget(inner_host, 100)
        outer.addStretch(1)
        self._layout = QVBoxLayout(inner_host)
        self._layout.setContentsMargins(20, 16, 20, 16)
        self._layout.setSpacing(12)
        self.earlier_button = QPushButton()
        self.earlier_button.setAccessibleName(self.tr("Show earlier messages"))
        self.earlier_button.setToolTip(self.tr("Load older messages of this conversation"))
        self.earlier_button.clicked.connect(self.show_earlier)
        self.earlier_button.hide()
        self._layout.addWidget(self.earlier_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.empty = QWidget()
        empty_layout = QVBoxLayout(self.empty)
        empty_layout.addStretch(1)
        title = QLabel(self.tr("Start a conversation"))
        title.setObjectName("EmptyTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        body = QLabel(
            self.tr(
                "Everything stays on this computer. Type below and press Enter to send; "
                "Shift+Enter starts a new line."
            )
        )
        body.setObjectName("EmptyBody")
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addWidget(title)
        empty_layout.addWidget(body)
        empty_layout.addStretch(2)
        self._layout.addWidget(self.empty, 1)
        self._cards_start = self._layout.count()
        self._layout.addStretch(1)
        self.setWidget(self._column)

        self.cards: list[MessageCard] = []
        self._messages: list[Message] = []
        self._shown_from = 0
        self._speaker: Callable[[Message], str] = lambda m: m.role
        self._versions: dict[int | None, list[int]] = {}  # parent id -> its children's ids
        self._stick = True
        self._anchor_from_bottom: int | None = None
        self._last_assistant: int | None = None
        self.verticalScrollBar().rangeChanged.connect(self._keep_bottom)
        self.verticalScrollBar().valueChanged.connect(self._remember_position)

    # ---- content -----------------------------------------------------------------------------

    def set_messages(
        self,
        messages: Sequence[Message],
        *,
        speaker: Callable[[Message], str],
        versions: Sequence[Message] = (),
        dropped_ids: set[int] | frozenset[int] = frozenset(),
    ) -> None:
        """Show ``messages`` (root to leaf); only the newest page is built now.

        ``versions`` is every message of the conversation (one query), for the ‹ 2/3 ›
        switcher on messages that have alternatives (edits or regenerated replies).
        """
        self._messages = list(messages)
        self._speaker = speaker
        self._versions = {}
        for message in versions:
            self._versions.setdefault(message.parent_id, []).append(message.id)
        self._shown_from = max(0, len(self._messages) - PAGE_SIZE)
        self._rebuild(dropped_ids)
        self._stick = True
        QTimer.singleShot(0, self.scroll_to_bottom)

    def show_earlier(self) -> None:
        """Add the previous page above the cards already shown (nothing is rebuilt)."""
        self._extend_to(max(0, self._shown_from - PAGE_SIZE))

    def _extend_to(self, new_from: int) -> None:
        if new_from >= self._shown_from:
            return
        bar = self.verticalScrollBar()
        self._anchor_from_bottom = bar.maximum() - bar.value()
        self._stick = False
        self.setUpdatesEnabled(False)
        try:
            older = [self._card(m, set()) for m in self._messages[new_from : self._shown_from]]
            for offset, card in enumerate(older):
                self._layout.insertWidget(self._cards_start + offset, card)
            self.cards = older + self.cards
            self._shown_from = new_from
            self._update_earlier_button()
        finally:
            self.setUpdatesEnabled(True)

    def _card(self, message: Message, dropped_ids: set[int] | frozenset[int]) -> MessageCard:
        card = MessageCard(
            message,
            speaker=self._speaker(message),
            branch=self._branch(message),
            can_regenerate=message.id == self._last_assistant,
            confidence_on=self.confidence_on,
            token_probs=self.token_probs.get(message.id),
        )
        card.branch_requested.connect(self.branch_requested)
        card.regenerate_requested.connect(self.regenerate_requested)
        card.edit_requested.connect(self.edit_requested)
        card.delete_requested.connect(self.delete_requested)
        card.confidence_requested.connect(self.set_confidence)
        if message.id in dropped_ids:
            card.set_dropped(True)
        return card

    def _branch(self, message: Message) -> BranchInfo | None:
        """Where ``message`` sits among its versions; None when it has no others."""
        if message.status == "streaming":
            return None
        ids = self._versions.get(message.parent_id, [])
        if len(ids) < 2 or message.id not in ids:
            return None
        index = ids.index(message.id)
        return BranchInfo(
            index=index + 1,
            count=len(ids),
            previous_id=ids[index - 1] if index > 0 else None,
            next_id=ids[index + 1] if index + 1 < len(ids) else None,
        )

    def _rebuild(self, dropped_ids: set[int] | frozenset[int]) -> None:
        self.setUpdatesEnabled(False)
        try:
            for card in self.cards:
                # Keep the parent until Qt deletes it: a parentless widget would be owned
                # (and freed) by Python first, and deleteLater would then touch freed memory.
                self._layout.removeWidget(card)
                card.hide()
                card.deleteLater()
            self.cards = []
            self._last_assistant = next(
                (m.id for m in reversed(self._messages) if m.role == "assistant"), None
            )
            for offset, message in enumerate(self._messages[self._shown_from :]):
                card = self._card(message, dropped_ids)
                self._layout.insertWidget(self._cards_start + offset, card)
                self.cards.append(card)
            self._update_earlier_button()
            self.empty.setVisible(not self._messages)
        finally:
            self.setUpdatesEnabled(True)

    def _update_earlier_button(self) -> None:
        hidden = self._shown_from
        self.earlier_button.setVisible(hidden > 0)
        self.earlier_button.setText(
            plural(
                min(hidden, PAGE_SIZE),
                self.tr("Show 1 earlier message"),
                self.tr("Show {n} earlier messages"),
            )
        )

    def set_confidence(self, on: bool) -> None:
        """Turn the confidence view on or off for every reply (and for new ones)."""
        if on == self.confidence_on:
            return
        self.confidence_on = on
        for card in self.cards:
            if card.message.role == "assistant":
                card.show_confidence(on, self.token_probs.get(card.message.id))
        self.confidence_toggled.emit(on)

    def card_for(self, message_id: int) -> MessageCard | None:
        return next((card for card in self.cards if card.message.id == message_id), None)

    def last_card(self) -> MessageCard | None:
        return self.cards[-1] if self.cards else None

    def mark_dropped(self, message_ids: set[int]) -> None:
        for card in self.cards:
            card.set_dropped(card.message.id in message_ids)

    def reveal(self, message_id: int) -> MessageCard | None:
        """Scroll to a message (loading earlier pages if needed) and highlight it briefly."""
        index = next((i for i, m in enumerate(self._messages) if m.id == message_id), None)
        if index is None:
            return None
        if index < self._shown_from:
            self._extend_to(index)
        card = self.card_for(message_id)
        if card is None:
            return None
        for other in self.cards:
            other.set_hit(other is card)
        # Bound to the card, so a card rebuilt meanwhile is simply not touched.
        QTimer.singleShot(HIGHLIGHT_MS, card, lambda: card.set_hit(False))
        self._stick = False
        QTimer.singleShot(0, lambda: self.ensureWidgetVisible(card, 0, 40))
        return card

    # ---- scrolling ---------------------------------------------------------------------------

    def scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _remember_position(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._stick = value >= bar.maximum() - 4

    def _keep_bottom(self, _minimum: int, maximum: int) -> None:
        """Follow a streaming reply at the bottom; keep the reading position when older
        messages are added above."""
        if self._anchor_from_bottom is not None:
            self.verticalScrollBar().setValue(maximum - self._anchor_from_bottom)
            self._anchor_from_bottom = None
        elif self._stick:
            self.verticalScrollBar().setValue(maximum)
