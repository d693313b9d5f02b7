"""The prompt that names a conversation after its first exchange."""

from __future__ import annotations

import re

from app.core.backend import ChatMessage
from app.core.prompts import defuse

TITLE_MAX_TOKENS = 24
TITLE_MAX_CHARS = 60
# Only the start of a long message matters for a title, and a short prompt keeps it quick.
_TITLE_INPUT_CHARS = 1500


def title_messages(user_text: str, reply_text: str = "") -> list[ChatMessage]:
    """Ask for a short title in the language of the conversation."""
    parts = [f"User: {defuse(user_text[:_TITLE_INPUT_CHARS].strip())}"]
    if reply_text.strip():
        parts.append(f"Assistant: {defuse(reply_text[:_TITLE_INPUT_CHARS].strip())}")
    return [
        ChatMessage(
            role="system",
            content=(
                "Write a title of at most six words for this conversation, in the language "
                "the user writes in. Reply with the title only: no quotes, no full stop."
            ),
        ),
        ChatMessage(role="user", content="\n\n".join(parts)),
    ]


_PREFIX = re.compile(
    r"^\s*(?:title|titre|titel|título|标题|標題|タイトル)\s*[:：]\s*", re.IGNORECASE
)
_QUOTES = "\"'“”‘’«»「」『』*#`"


def clean_title(raw: str, fallback: str = "") -> str:
    """Tidy what the model wrote into one short line; fall back to the user's first words."""
    lines = [line for line in raw.splitlines() if line.strip()]
    title = lines[0] if lines else ""
    title = _PREFIX.sub("", title).strip()
    while title and (title[0] in _QUOTES or title[-1] in _QUOTES + ".。!！"):
        title = title.strip(_QUOTES).rstrip(".。!！").strip()
    if not title:
        title = " ".join(fallback.split())
    if len(title) > TITLE_MAX_CHARS:
        cut = title[:TITLE_MAX_CHARS]
        space = cut.rfind(" ")
        title = (cut[:space] if space > TITLE_MAX_CHARS // 2 else cut).rstrip() + "…"
    return title
