"""The contract between the pipelines and whatever runs the model.

Pipelines (chat, summarise, translate, sentiment) are written against :class:`Backend`, never
against llama.cpp: the GUI and the CLI pick a backend (the local engine process, or an
OpenAI-compatible server) and hand it in. Events are small frozen dataclasses so they cross a
process pipe cheaply and can be matched with ``match``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TypedDict, runtime_checkable

Role = Literal["system", "user", "assistant"]
StopReason = Literal["stop", "length", "cancelled", "error"]


class ChatMessage(TypedDict):
    """One message in the OpenAI chat shape, which every backend accepts."""

    role: Role
    content: str


@dataclass(frozen=True)
class ModelRef:
    """Which model file to load, and the catalogue's overrides for it."""

    path: Path
    model_id: str = ""
    display_name: str = ""
    chat_template: str | None = None  # Jinja template overriding the GGUF's own

    @property
    def label(self) -> str:
        """A name to show the user."""
        return self.display_name or self.model_id or self.path.name


GpuLayers = int | Literal["auto"]
ReasoningMode = Literal["none", "switchable", "always"]


@dataclass(frozen=True)
class LoadOptions:
    """How to load a model. Every llama.cpp default that hurts a chat app is set explicitly."""

    n_ctx: int = 4096
    n_batch: int = 512
    n_threads: int = 0  # 0 = automatic (settings.default_threads)
    n_threads_batch: int = 0  # 0 = same as n_threads
    gpu_layers: GpuLayers = "auto"  # "auto", 0 = CPU only, -1 = all, N = N layers
    flash_attn: bool = True
    seed: int = -1
    # Sequences that can each hold a whole ``n_ctx`` at once (parallel generation slots). The
    # KV cache is allocated for all of them, so it counts in the memory estimate; batched
    # scoring of short items needs no more than 1, as the items share one context's cells.
    n_seq: int = 1


@dataclass(frozen=True)
class LoadInfo:
    """What actually happened when a model loaded: the user is told which device is in use."""

    model_id: str
    path: str
    device: str  # "CPU", "CUDA", "Metal", "Vulkan", ...
    gpu_layers: int
    n_layers: int
    n_ctx: int
    n_ctx_train: int
    n_threads: int
    load_seconds: float
    notes: tuple[str, ...] = ()  # e.g. "GPU load failed, fell back to CPU"
    system_info: str = ""  # llama.cpp's compiled backends and CPU features
    engine_version: str = ""  # llama-cpp-python version
    # Whether the model thinks before it answers, read from its chat template: "switchable"
    # (Qwen3's enable_thinking), "always" (DeepSeek-R1 distills, QwQ) or "none".
    reasoning: ReasoningMode = "none"


@dataclass(frozen=True)
class SamplingParams:
    """Sampling settings; the defaults suit a chat with a small instruct model."""

    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    max_tokens: int = 1024
    seed: int | None = None
    stop: tuple[str, ...] = ()
    # Reasoning models: True/False turns thinking on or off where the template has a switch
    # (Qwen3's enable_thinking); None leaves the model's default. ``max_tokens`` counts only
    # the answer: reasoning has a budget of its own (0 = whatever the context leaves), and a
    # model that reaches it has its reasoning closed for it, so it still answers.
    think: bool | None = None
    max_reasoning_tokens: int = 0


@dataclass(frozen=True)
class Token:
    """A piece of generated text. ``logprob`` is set only when the caller asked for it."""

    text: str
    logprob: float | None = None
    top: tuple[tuple[str, float], ...] = ()  # alternatives (text, logprob), when asked


@dataclass(frozen=True)
class Reasoning:
    """A piece of the model's reasoning (its ``<think>`` scratchpad), never part of the answer.

    Consumers that only want the answer (the text tools) simply ignore these events.
    """

    text: str


@dataclass(frozen=True)
class Progress:
    """Progress of a long step, e.g. prompt evaluation or part i of N of a document."""

    done: int
    total: int
    what: str = ""


@dataclass(frozen=True)
class Stats:
    """Figures for one generation; emitted once, just before :class:`Done`."""

    prompt_tokens: int
    generated_tokens: int
    ttft_s: float
    tokens_per_s: float
    cached_tokens: int = 0  # prompt tokens reused from the KV cache, not evaluated again
    prompt_eval_s: float = 0.0
    reasoning_tokens: int = 0  # of generated_tokens, those spent thinking
    reasoning_s: float = 0.0  # how long the model thought ("Thought for 12 s")


@dataclass(frozen=True)
class Error:
    """Something went wrong; ``message`` is written for the user, not a traceback."""

    message: str


@dataclass(frozen=True)
class Done:
    """The stream has ended; always the last event of a stream."""

    reason: StopReason


Event = Token | Reasoning | Progress | Stats | Error | Done


@dataclass(frozen=True)
class GenerationRequest:
    """Everything one generation needs; also the message the engine client pipes to the child."""

    messages: tuple[ChatMessage, ...]
    params: SamplingParams = field(default_factory=SamplingParams)
    grammar: str | None = None  # GBNF
    json_schema: dict[str, Any] | None = None
    logprobs: int = 0  # number of top alternatives per token; 0 = none


class BackendError(Exception):
    """A backend failure with a message meant for the user."""


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with lone surrogates (undecodable bytes smuggled in by the OS or a JSON
    ``"\\ud800"``) replaced by U+FFFD: neither SQLite nor the tokenizer can encode them."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def checked_messages(
    messages: list[ChatMessage] | tuple[ChatMessage, ...],
) -> tuple[ChatMessage, ...]:
    """Plain role/content dicts (they cross a pipe or go over HTTP), checked for the two
    required keys so a malformed message is a clear error, not a crash far away."""
    out: list[ChatMessage] = []
    for i, message in enumerate(messages):
        role, content = message.get("role"), message.get("content")
        if not isinstance(role, str) or not isinstance(content, str):
            raise BackendError(
                f"Message {i + 1} needs a role and a text content; got {message!r:.80}."
            )
        out.append(ChatMessage(role=role, content=without_surrogates(content)))
    return tuple(out)


@runtime_checkable
class Backend(Protocol):
    """What every model runner provides (local engine process, remote server)."""

    def load(self, model: ModelRef, options: LoadOptions) -> LoadInfo:
        """Load ``model``; raises :class:`BackendError` with a user-facing message."""
        ...

    def stream(
        self,
        messages: list[ChatMessage] | tuple[ChatMessage, ...],
        params: SamplingParams,
        *,
        grammar: str | None = None,
        json_schema: dict[str, Any] | None = None,
        logprobs: int = 0,
    ) -> Iterator[Event]:
        """Generate a reply; always ends with :class:`Done` (after :class:`Error` on failure)."""
        ...

    def cancel(self) -> None:
        """Stop the current generation as soon as possible; safe to call from any thread."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes with the loaded model's own tokenizer."""
        ...

    def count_chat_tokens(self, messages: list[ChatMessage] | tuple[ChatMessage, ...]) -> int:
        """Tokens the whole rendered prompt (template included) takes."""
        ...

    def context_length(self) -> int:
        """The loaded context window in tokens."""
        ...

    def close(self) -> None:
        """Free the model and any process or connection behind it."""
        ...


@runtime_checkable
class ChoiceScorer(Protocol):
    """A backend that can say how likely each of a few short answers is as the reply.

    Sentiment classifies with it, by the model's own probabilities instead of by generating.
    """

    def score_choices(
        self, messages: list[ChatMessage] | tuple[ChatMessage, ...], choices: Sequence[str]
    ) -> tuple[float, ...] | None:
        """Log-probability of each choice as the start of the reply (thinking off); None
        when this backend (or the server behind it) cannot tell."""
        ...


@dataclass(frozen=True)
class ChoiceScores:
    """One item of a batched scoring: its choices' log-probabilities, or why there are none.

    A batch never fails as a whole for one item: an item too long for the context gets its
    own ``error``, and a cancelled batch marks the items it did not reach ``cancelled``.
    """

    logprobs: tuple[float, ...] | None
    error: str = ""
    cancelled: bool = False


@runtime_checkable
class BatchChoiceScorer(Protocol):
    """A backend that scores many conversations' choices in one go (several sequences in one
    batch), much faster than one :meth:`ChoiceScorer.score_choices` call each."""

    def score_choices_many(
        self,
        conversations: Sequence[Sequence[ChatMessage]],
        choices: Sequence[str],
    ) -> list[ChoiceScores]:
        """One result per conversation, in order; the log-probabilities agree with
        ``score_choices`` up to floating-point differences of the batch's sums."""
        ...


@runtime_checkable
class ParallelGenerator(Protocol):
    """A backend that generates several replies together (one sequence each in one batch),
    for independent calls such as the map step of a summary."""

    def stream_many(self, requests: Sequence[GenerationRequest]) -> Iterator[tuple[int, Event]]:
        """``(index, event)`` pairs, interleaved; each index's events are those of a single
        stream and end with its own Done (an Error first when that reply failed alone)."""
        ...

    def cancel_sequence(self, index: int) -> None:
        """Stop reply ``index`` of the running ``stream_many``; the others go on."""
        ...


@runtime_checkable
class TextScorer(Protocol):
    """A backend that can score a text's own tokens, for perplexity."""

    def tokenize(self, text: str) -> list[int]:
        """Tokens of plain text, with BOS where the model uses one."""
        ...

    def window_nll(self, tokens: Sequence[int], first: int) -> tuple[float, int]:
        """Summed negative log-likelihood of ``tokens[first + 1:]`` within one window, and
        the number of tokens scored."""
        ...
