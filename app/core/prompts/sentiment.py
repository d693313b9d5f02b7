"""Prompts and grammars for sentiment analysis.

The label is read from the model's probabilities for each label word after
:func:`score_messages`; a backend that cannot report them generates it under a grammar that
allows only the four label words, so the answer always parses. Aspects come as JSON under a
grammar with bounded lengths, so the answer also always fits the token limit it is given.
"""

from __future__ import annotations

from app.core.backend import ChatMessage
from app.core.prompts import defuse

LABELS = ("positive", "negative", "neutral", "mixed")

LABEL_GRAMMAR = "root ::= " + " | ".join(f'"{label}"' for label in LABELS) + "\n"

# Bounds of the aspects answer: at most this many aspects of this many characters each.
MAX_ASPECTS = 6
MAX_ASPECT_CHARS = 40
ASPECTS_MAX_TOKENS = MAX_ASPECTS * (MAX_ASPECT_CHARS + 24) + 16

_label_alternatives = " | ".join(f'"\\"{label}\\""' for label in LABELS)
_more_items = ' ("," ws item)?' * (MAX_ASPECTS - 1)
ASPECTS_GRAMMAR = (
    f'root ::= "[" ws (item{_more_items})? ws "]"\n'
    'item ::= "{" ws "\\"aspect\\":" ws name "," ws "\\"sentiment\\":" ws label ws "}"\n'
    f'name ::= "\\"" [^"\\\\\\n]{{1,{MAX_ASPECT_CHARS}}} "\\""\n'
    f"label ::= {_label_alternatives}\n"
    "ws ::= [ \\n]?\n"
)

_LABEL_SYSTEM = (
    "You classify the sentiment of a text. Answer with one word: positive, negative, neutral "
    "or mixed (mixed = clearly positive and clearly negative parts)."
)

_ASPECTS_SYSTEM = (
    "You find what a text expresses opinions about. Answer with a JSON array of objects "
    '{"aspect": "...", "sentiment": "positive|negative|neutral|mixed"}, one for each thing '
    "the text judges (for example a product's price, battery or service), using short names "
    f"from the text. At most {MAX_ASPECTS} aspects; [] if the text judges nothing."
)


# Changes with the scoring prompt: a model's measured bias belongs to one prompt.
SCORE_VERSION = "2"
_SCORE_SYSTEM = (
    "Classify the sentiment of each text as positive, negative or neutral. Answer with one word."
)
# Worked examples, as earlier turns of the conversation. They are part of the prefix every
# item shares, so they are evaluated once and cost an item nothing; with them a 0.5B model's
# sign accuracy on public review data rises by about eight points (bench/sentiment.py).
_SCORE_EXAMPLES = (
    ("The food was cold and the waiter ignored us all evening.", "negative"),
    ("Absolutely loved it, I would buy it again tomorrow.", "positive"),
    ("The package arrived on Tuesday in a brown box.", "neutral"),
    ("Not worth the money; it stopped working after a week.", "negative"),
    ("A warm, funny film with a wonderful cast.", "positive"),
)


def score_messages(text: str) -> list[ChatMessage]:
    """Ask for the label of one text, to be read from the answer's first-word probabilities.

    The instruction and the examples come first, so they are the same tokens for every item
    and stay in the KV cache; only the text itself is new.
    """
    messages = [ChatMessage(role="system", content=_SCORE_SYSTEM)]
    for example, label in _SCORE_EXAMPLES:
        messages.append(ChatMessage(role="user", content=f"Text: {example}"))
        messages.append(ChatMessage(role="assistant", content=label))
    messages.append(ChatMessage(role="user", content=f"Text: {defuse(text)}"))
    return messages


def label_messages(text: str) -> list[ChatMessage]:
    """Classify one text (a document, a sentence or a batch line)."""
    return [
        ChatMessage(role="system", content=_LABEL_SYSTEM),
        ChatMessage(role="user", content=f"Text:\n{defuse(text)}\n\nSentiment:"),
    ]


def aspects_messages(text: str) -> list[ChatMessage]:
    """List the aspects a text judges, with the sentiment towards each."""
    return [
        ChatMessage(role="system", content=_ASPECTS_SYSTEM),
        ChatMessage(role="user", content=f"Text:\n{defuse(text)}"),
    ]
