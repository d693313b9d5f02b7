"""What a chat turn sends to the model, the same for the window and the command line.

The GUI and ``parley chat --conversation N`` used to build the messages each their own way:
the window left out failed and still-streaming replies, the command line sent them, so the
same conversation read differently to the model depending on where it was continued.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from app.core import limits
from app.core.backend import Backend, ChatMessage, SamplingParams
from app.core.context import FitResult, fit_messages, prompt_budget

if TYPE_CHECKING:  # the history package loads SQLAlchemy: not at the window's start-up
    from app.core.history.records import Conversation, Message

# A reply in these states is not part of the conversation the model should see: a failed
# reply is an error shown to the user, a streaming one is being written (or its writer died
# and start-up has not yet marked it interrupted).
UNSENT_STATUSES = frozenset({"failed", "streaming"})


def chat_messages(
    system_prompt: str, thread: Iterable[Message]
) -> tuple[list[ChatMessage], list[int]]:
    """The conversation as the model sees it, and the message id behind each entry
    (-1 for the system prompt)."""
    items: list[ChatMessage] = []
    ids: list[int] = []
    if system_prompt.strip():
        items.append({"role": "system", "content": system_prompt})
        ids.append(-1)
    for message in thread:
        if message.role not in ("user", "assistant") or not message.text.strip():
            continue
        if message.status in UNSENT_STATUSES:
            continue
        if message.role == "user":
            items.append({"role": "user", "content": message.text})
        else:
            items.append({"role": "assistant", "content": message.text})
        ids.append(message.id)
    return items, ids


# A conversation stores only what its user changed in the settings panel.
SAMPLING_KEYS = (
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "repeat_penalty",
    "max_tokens",
    "context_length",
    "think",  # the Think switch: true/false, for models whose template has one
)


def effective_params(defaults: SamplingParams, stored: dict[str, Any]) -> SamplingParams:
    """The catalogue defaults with the conversation's own values on top.

    Stored values are brought within the shared bounds: a conversation saved by an older
    version, or imported from a file, must still open and never send llama.cpp a value the
    panel would not offer.
    """
    values: dict[str, Any] = {}
    for key in SAMPLING_KEYS:
        if key in ("context_length", "think") or key not in stored:
            continue
        current = getattr(defaults, key)
        try:
            raw = int(stored[key]) if isinstance(current, int) else float(stored[key])
        except (TypeError, ValueError, OverflowError):
            continue
        values[key] = limits.clamp(key, raw)
    return SamplingParams(
        temperature=values.get("temperature", defaults.temperature),
        top_p=values.get("top_p", defaults.top_p),
        top_k=values.get("top_k", defaults.top_k),
        min_p=values.get("min_p", defaults.min_p),
        repeat_penalty=values.get("repeat_penalty", defaults.repeat_penalty),
        max_tokens=values.get("max_tokens", defaults.max_tokens),
        seed=defaults.seed,
        stop=defaults.stop,
        # The conversation's Think switch (reasoning models with a switch); unset: default.
        think=stored["think"] if isinstance(stored.get("think"), bool) else defaults.think,
        max_reasoning_tokens=defaults.max_reasoning_tokens,
    )


def conversation_params(
    defaults: SamplingParams, conversation: Conversation | None
) -> tuple[SamplingParams, int]:
    """The sampling a conversation asks for, and its own context limit (0 = none)."""
    stored = conversation.sampling if conversation is not None else {}
    params = effective_params(defaults, stored)
    try:
        limit = int(stored.get("context_length", 0))
    except (TypeError, ValueError, OverflowError):
        limit = 0
    if limit:
        limit = int(limits.clamp("conversation_context", limit))
    return params, limit


def fit_turn(
    backend: Backend, messages: Sequence[ChatMessage], params: SamplingParams, context_limit: int
) -> FitResult:
    """The context policy for one turn: the loaded window, capped by the conversation's own
    limit, less room for the reply; the oldest whole turns go first when it is too long."""
    loaded = backend.context_length()
    limit = min(loaded, context_limit) if context_limit > 0 else loaded
    budget = prompt_budget(limit, params.max_tokens)
    return fit_messages(messages, backend.count_chat_tokens, budget)
