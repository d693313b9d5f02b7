"""What a chat turn sends to the model, the same for the window and the command line.

The GUI and ``parley chat --conversation N`` used to build the messages each their own way:
the window left out failed and still-streaming replies, the command line sent them, so the
same conversation read differently to the model depending on where it was continued.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.core.backend import ChatMessage
from app.core.history.records import Message

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
