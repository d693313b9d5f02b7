"""A model's chat template, rendered by Parley itself.

llama-cpp-python's ``create_chat_completion`` renders the GGUF's Jinja template, but it cannot
pass template variables, and Qwen3's thinking switch is one (``enable_thinking``). So the
engine renders templates here, the way llama-cpp-python and Hugging Face transformers do: a
sandboxed Jinja2 environment (a template comes from a downloaded file and must not reach the
file system or Python internals), ``trim_blocks``/``lstrip_blocks``, ``loopcontrols``, and the
helpers templates expect (``raise_exception``, ``strftime_now``, ``tojson``).

Two things are decided once per template, by rendering probe conversations:

* whether it keeps a system message. Some (Gemma's) raise "System role not supported",
  others drop it silently; either way the system text is merged into the first user turn
  rather than lost;
* how the model reasons: ``switchable`` when the template reads ``enable_thinking`` (Qwen3),
  ``always`` when it deals in ``<think>`` without a switch (DeepSeek-R1 distills, QwQ),
  ``none`` otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from app.core.backend import ChatMessage, ReasoningMode
from app.core.reasoning import CLOSE_TAG, OPEN_TAG

THINK_SWITCH = "enable_thinking"
_PROBE_SYSTEM = "PARLEY-SYSTEM-PROBE"


class TemplateError(Exception):
    """The template cannot be used or cannot format this conversation; for the user."""


def _raise(message: str) -> None:
    raise TemplateError(message)


def _tojson(value: Any, indent: int | None = None, **_kwargs: Any) -> str:
    # As transformers: non-ASCII text stays as it is (Chinese tool names, for instance).
    return json.dumps(value, ensure_ascii=False, indent=indent)


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


class ChatTemplate:
    """One compiled chat template, with what it supports."""

    def __init__(self, source: str, *, bos_token: str = "", eos_token: str = "") -> None:
        import jinja2
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        self.source = source
        self.bos_token = bos_token
        self.eos_token = eos_token
        env = ImmutableSandboxedEnvironment(
            trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
        )
        env.globals["raise_exception"] = _raise
        env.globals["strftime_now"] = _strftime_now
        env.filters["tojson"] = _tojson
        try:
            self._template = env.from_string(source)
        except jinja2.TemplateError as exc:
            raise TemplateError(f"the template is not valid Jinja: {exc}") from None
        self.think_switch: str | None = THINK_SWITCH if THINK_SWITCH in source else None
        self.supports_system = self._keeps_system()
        self.reasoning: ReasoningMode = self._reasoning_mode()

    # -- probes ----------------------------------------------------------------------------

    def _keeps_system(self) -> bool:
        probe = [
            {"role": "system", "content": _PROBE_SYSTEM},
            {"role": "user", "content": "hi"},
        ]
        try:
            return _PROBE_SYSTEM in self._render(probe, add_generation_prompt=True)
        except TemplateError:
            return False
        except Exception:  # a template that fails on any conversation fails later, clearly
            return True

    def _reasoning_mode(self) -> ReasoningMode:
        if self.think_switch is not None:
            return "switchable"
        if OPEN_TAG in self.source or CLOSE_TAG in self.source:
            return "always"
        return "none"

    # -- rendering -------------------------------------------------------------------------

    def render(
        self,
        messages: Sequence[Mapping[str, str]] | Sequence[ChatMessage],
        *,
        add_generation_prompt: bool = True,
        enable_thinking: bool | None = None,
    ) -> str:
        """The prompt text for ``messages``.

        ``enable_thinking`` None means the model's default, which for every reasoning model is
        to think; a template with the switch is told so explicitly, because templates differ
        on an undefined switch (Qwen3's treats it as on, llama.cpp's DeepSeek-R1 and QwQ
        copies test ``not enable_thinking`` and would close the block).
        """
        if not messages:
            # Nothing to format (a new chat's context meter): many templates read
            # messages[0] unguarded (Qwen2.5's does) and would fail on an empty list.
            return ""
        if self.think_switch is not None and enable_thinking is None:
            enable_thinking = True
        items = [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]
        if not self.supports_system:
            items = merge_system(items)
        try:
            return self._render(items, add_generation_prompt, enable_thinking)
        except TemplateError as exc:
            raise TemplateError(
                f"The model's chat template could not format this conversation: {exc}"
            ) from None
        except Exception as exc:  # jinja2 errors: undefined names, type errors, ...
            raise TemplateError(
                f"The model's chat template could not format this conversation: {exc}"
            ) from None

    def _render(
        self,
        messages: list[dict[str, str]],
        add_generation_prompt: bool,
        enable_thinking: bool | None = None,
    ) -> str:
        variables: dict[str, Any] = {
            "messages": messages,
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
            "add_generation_prompt": add_generation_prompt,
        }
        if enable_thinking is not None:
            variables[THINK_SWITCH] = enable_thinking
        return str(self._template.render(**variables))

    def opens_reasoning(self, prompt: str) -> bool:
        """True when the generation prompt ends by opening a ``<think>`` block: the model's
        output will start mid-thought and only ``</think>`` will appear.

        Only the end of the prompt counts: a ``<think>`` in a user's message is followed by
        the end of that turn and the assistant's header, so it never opens the reply.
        """
        return prompt.rstrip().endswith(OPEN_TAG)


def merge_system(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """System messages folded into the first user turn, for templates without a system role."""
    system = [m["content"] for m in messages if m.get("role") == "system" and m["content"]]
    rest = [m for m in messages if m.get("role") != "system"]
    if not system:
        return rest
    text = "\n\n".join(system)
    for i, message in enumerate(rest):
        if message.get("role") == "user":
            rest[i] = {**message, "content": f"{text}\n\n{message['content']}"}
            return rest
    return [{"role": "user", "content": text}, *rest]
