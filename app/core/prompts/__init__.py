"""Prompts for the tools, one module per tool.

Every prompt is a list of chat messages with only the ``system`` and ``user`` roles and plain
text in them: the model's own chat template (from its GGUF, applied by the backend) adds the
special tokens. Writing ``<|im_start|>`` or ``[INST]`` here would be right for one model family
and break every other one.

User text can contain such markers too (a document about chat templates, a pasted log). The
engine renders the template to a string and tokenizes it with special tokens enabled, so a
marker inside a document would end the user's turn early. :func:`defuse` breaks them up
before they reach a prompt.
"""

from __future__ import annotations

import re

# Markers that chat templates of common model families treat as special tokens.
TEMPLATE_MARKER = re.compile(
    r"<\|[A-Za-z0-9_\-]{1,40}\|>"  # ChatML, Llama 3, Phi: <|im_start|>, <|eot_id|>
    r"|</?s>"  # Llama 2, Mistral
    r"|\[/?INST\]|\[/?SYS\]|<<SYS>>|<</SYS>>"
    r"|<(?:start|end)_of_turn>"  # Gemma
    r"|<(?:bos|eos|pad|unk)>",
)
ZERO_WIDTH_SPACE = "\u200b"


def defuse(text: str) -> str:
    """Break template markers in user text with a zero-width space, invisible to readers."""
    return TEMPLATE_MARKER.sub(lambda m: m.group(0)[0] + ZERO_WIDTH_SPACE + m.group(0)[1:], text)
