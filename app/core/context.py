"""What to send when a conversation no longer fits the model's context window.

Other apps cut old text silently and users then wonder why the model "forgot" (Ollama #8099).
Parley's policy is explicit and shared by the GUI and the CLI: keep the system prompt and the
newest message, drop whole turns from the oldest end of the middle until the rest fits, and
report which messages were left out so the caller can show it.

Counting is the expensive part (the engine renders the chat template and tokenises it), so the
number of turns to drop is found by binary search: a handful of counts even for a conversation
of thousands of messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.core.backend import ChatMessage

CountFn = Callable[[list[ChatMessage]], int]

#: Room kept for the reply when the requested max_tokens would eat most of the window.
MIN_REPLY_TOKENS = 256


@dataclass(frozen=True)
class FitResult:
    """The messages to send and what had to be left out to make them fit.

    ``dropped_indices`` index the *input* list, oldest first, so a view can mark exactly those
    messages. ``fits`` is false only when even the system prompt plus the newest message are
    over budget; ``messages`` then holds that minimum and the caller must refuse or warn.
    """

    messages: list[ChatMessage]
    dropped_indices: tuple[int, ...]
    tokens: int
    budget: int
    fits: bool

    @property
    def dropped_count(self) -> int:
        """How many messages were left out."""
        return len(self.dropped_indices)


def prompt_budget(context_length: int, max_tokens: int) -> int:
    """Tokens the prompt may use so the reply still has room.

    The reply gets ``max_tokens`` but never more than half the window, and never less than
    :data:`MIN_REPLY_TOKENS` (or a quarter of a tiny window), so a large max_tokens setting
    cannot leave no room for the conversation itself.
    """
    if context_length <= 0:
        raise ValueError("context_length must be positive")
    reply = max(1, min(max_tokens, context_length // 2))
    reply = max(reply, min(MIN_REPLY_TOKENS, context_length // 4))
    return max(1, context_length - reply)


def _turn_starts(messages: Sequence[ChatMessage], first: int, last: int) -> list[int]:
    """Indices in ``[first, last)`` where a droppable turn begins.

    A turn starts at a user message and runs up to the next one, so an assistant reply is
    never kept without the question it answers. Leading non-user messages form a turn of
    their own.
    """
    starts = [first] if first < last else []
    for index in range(first + 1, last):
        if messages[index]["role"] == "user":
            starts.append(index)
    return starts


def fit_messages(messages: Sequence[ChatMessage], count_fn: CountFn, budget: int) -> FitResult:
    """Drop the oldest middle turns until ``count_fn(kept) <= budget``.

    Kept always: a leading system message and the last message (the turn being answered).
    Dropped: the fewest whole turns, oldest first. ``count_fn`` receives a candidate list and
    returns its token count (for the real engine, ``backend.count_chat_tokens``).
    """
    items = list(messages)
    if not items:
        return FitResult([], (), 0, budget, True)
    total = count_fn(items)
    if total <= budget:
        return FitResult(items, (), total, budget, True)

    head = 1 if items[0]["role"] == "system" and len(items) > 1 else 0
    tail = len(items) - 1  # the newest message is never dropped
    starts = _turn_starts(items, head, tail)

    def candidate(turns_dropped: int) -> tuple[list[ChatMessage], tuple[int, ...]]:
        cut = starts[turns_dropped] if turns_dropped < len(starts) else tail
        dropped = tuple(range(head, cut))
        return items[:head] + items[cut:], dropped

    # Binary search for the smallest number of dropped turns that fits; counts are
    # monotonic in the number of turns removed.
    low, high = 1, len(starts)
    best: tuple[list[ChatMessage], tuple[int, ...], int] | None = None
    while low <= high:
        middle = (low + high) // 2
        kept, dropped = candidate(middle)
        tokens = count_fn(kept)
        if tokens <= budget:
            best = (kept, dropped, tokens)
            high = middle - 1
        else:
            low = middle + 1
    if best is not None:
        return FitResult(best[0], best[1], best[2], budget, True)
    kept, dropped = candidate(len(starts))
    tokens = count_fn(kept)
    return FitResult(kept, dropped, tokens, budget, tokens <= budget)


def overflow_message(tokens: int, budget: int) -> str:
    """The sentence shown when even the newest message cannot fit."""
    return (
        f"This message needs {tokens:,} tokens with the system prompt, but only {budget:,} "
        "are available for the prompt. Shorten it, lower 'max tokens', or load the model with "
        "a larger context."
    )
