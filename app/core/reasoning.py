"""Telling a reasoning model's scratchpad apart from its answer, as the text streams in.

Reasoning models (Qwen3, DeepSeek-R1 distills, QwQ, SmolLM3, Phi-4-reasoning) write their
thinking between ``<think>`` and ``</think>`` before the answer. Some templates open the block
in the prompt itself, so the output starts mid-thought and only the closing tag appears: the
splitter is then created with ``inside=True``.

Tags can arrive split over several tokens (``</`` ``think`` ``>``), so the splitter holds back
only the few characters that could still become a tag. An opening tag counts only at the very
start of the output (after white space): a model answering *about* ``<think>`` tags later in
its answer is not misread. Once the answer has started, :meth:`ReasoningSplitter.feed` returns
at once, so a model that does not think pays one comparison per token.
"""

from __future__ import annotations

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"

# States
_START = 0  # nothing but white space seen yet
_THINKING = 1
_AFTER = 2  # just closed: the white space between </think> and the answer is dropped
_ANSWER = 3


class ReasoningSplitter:
    """Incremental split of generated text into (reasoning, answer) pieces."""

    __slots__ = ("_buf", "_fresh", "_state", "closed", "opened")

    def __init__(self, *, inside: bool = False) -> None:
        self._state = _THINKING if inside else _START
        self._buf = ""
        self._fresh = True  # no reasoning text given out yet: leading white space is dropped
        self.opened = inside  # a reasoning block was seen
        self.closed = False  # ... and it ended

    @property
    def thinking(self) -> bool:
        """True while the model is inside its reasoning block."""
        return self._state == _THINKING

    @property
    def answering(self) -> bool:
        """True once the answer has started: nothing more to look for."""
        return self._state == _ANSWER

    def feed(self, text: str) -> tuple[str, str]:
        """The reasoning and answer text that ``text`` completes (either may be empty)."""
        if self._state == _ANSWER:
            return "", text
        buf = self._buf + text
        self._buf = ""
        if self._state == _START:
            stripped = buf.lstrip()
            if stripped.startswith(OPEN_TAG):
                self._state, self.opened = _THINKING, True
                buf = stripped[len(OPEN_TAG) :].lstrip()
            elif OPEN_TAG.startswith(stripped):  # white space or a tag not yet complete
                self._buf = buf
                return "", ""
            else:
                self._state = _ANSWER
                return "", buf
        if self._state == _THINKING:
            if self._fresh:
                buf = buf.lstrip()
            end = buf.find(CLOSE_TAG)
            if end < 0:
                # Hold back what could still be the start of </think>, and trailing white
                # space, which is dropped if the tag follows: pieces never end the reasoning
                # with the newline before the tag.
                keep = _partial_suffix(buf, CLOSE_TAG)
                body = buf[: len(buf) - keep] if keep else buf
                shown = body.rstrip()
                self._buf = buf[len(shown) :]
                if shown:
                    self._fresh = False
                return shown, ""
            reasoning, buf = buf[:end].rstrip(), buf[end + len(CLOSE_TAG) :]
            self._state, self.closed = _AFTER, True
            answer = self._after(buf)
            return reasoning, answer
        return "", self._after(buf)

    def _after(self, buf: str) -> str:
        stripped = buf.lstrip()
        if not stripped:
            return ""
        self._state = _ANSWER
        return stripped

    def flush(self) -> tuple[str, str]:
        """What is held back, at the end of the stream."""
        buf, self._buf = self._buf, ""
        if self._state == _THINKING:
            return buf.rstrip(), ""
        if self._state == _START and buf.strip():
            return "", buf
        return "", ""


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that is the start of ``tag``."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0


def split_reasoning(text: str, *, inside: bool = False) -> tuple[str, str]:
    """A whole text's (reasoning, answer); for replies a server returned in one piece."""
    splitter = ReasoningSplitter(inside=inside)
    reasoning, answer = splitter.feed(text)
    more_reasoning, more_answer = splitter.flush()
    return reasoning + more_reasoning, answer + more_answer
