"""A scripted Backend for testing pipeline logic (call counts, progress, stop, errors).

It is not a model: replies come from a function of the request, so a test knows exactly what
every call should produce. Its tokenizer counts words, punctuation marks and CJK characters,
which is enough to make splitting decisions real. It also checks, on every call, that the
pipeline never sends a prompt plus answer room larger than the context, the way the real
engine would fail.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.backend import (
    BackendError,
    ChatMessage,
    Done,
    Error,
    Event,
    GenerationRequest,
    LoadInfo,
    LoadOptions,
    ModelRef,
    SamplingParams,
    Stats,
    Token,
)

_TOKEN = re.compile(r"[\u3000-\u9fff\uac00-\ud7a3\uff00-\uffef]|\w+|[^\w\s]")


def count_words(text: str) -> int:
    """The fake tokenizer: a word, a punctuation mark or one CJK character is one token."""
    return len(_TOKEN.findall(text))


@dataclass
class Call:
    """One recorded stream() call."""

    messages: list[ChatMessage]
    params: SamplingParams
    grammar: str | None
    logprobs: int
    prompt_tokens: int
    reply: str = ""
    reason: str = ""

    @property
    def user(self) -> str:
        return next(m["content"] for m in self.messages if m["role"] == "user")

    @property
    def system(self) -> str:
        return next((m["content"] for m in self.messages if m["role"] == "system"), "")


Reply = Callable[[Call], str]
TokenProbs = Callable[[Call, int, str], tuple[float, tuple[tuple[str, float], ...]]]


@dataclass
class FakeBackend:
    """Backend protocol implementation driven by a reply function."""

    reply: Reply = lambda call: "A reply."
    context: int = 2048
    fail_on_call: int | None = None  # 1-based index of a call that ends with Error
    token_probs: TokenProbs | None = None  # log-probability and alternatives per token
    on_token: Callable[[int, int], None] | None = None  # (call number, token number) hook
    on_call_end: Callable[[int], None] | None = None
    calls: list[Call] = field(default_factory=list)
    counted_chars: int = 0  # characters passed to count_tokens, to check linear work
    count_calls: int = 0
    loaded_model: bool = True
    supports_logprobs: bool = True  # False: like a remote server that ignores the request
    overflows: list[int] = field(default_factory=list)  # calls whose prompt + answer > context
    _cancel: threading.Event = field(default_factory=threading.Event)

    # -- Backend protocol ----------------------------------------------------------------

    def load(self, model: ModelRef, options: LoadOptions) -> LoadInfo:
        self.context = options.n_ctx
        self.loaded_model = True
        return LoadInfo("fake", str(model.path), "CPU", 0, 1, options.n_ctx, options.n_ctx, 1, 0.0)

    def count_tokens(self, text: str) -> int:
        if not self.loaded_model:
            raise BackendError("No model is loaded. Load a model first.")
        self.count_calls += 1
        self.counted_chars += len(text)
        return count_words(text)

    def count_chat_tokens(self, messages: Sequence[ChatMessage]) -> int:
        if not self.loaded_model:
            raise BackendError("No model is loaded. Load a model first.")
        return sum(count_words(m["content"]) + 4 for m in messages) + 3

    def context_length(self) -> int:
        if not self.loaded_model:
            raise BackendError("No model is loaded. Load a model first.")
        return self.context

    def cancel(self) -> None:
        self._cancel.set()

    def close(self) -> None:
        pass

    def stream(
        self,
        messages: list[ChatMessage] | tuple[ChatMessage, ...],
        params: SamplingParams,
        *,
        grammar: str | None = None,
        json_schema: dict[str, Any] | None = None,
        logprobs: int = 0,
    ) -> Iterator[Event]:
        # Like the real engine: a cancel() before this stream started does not stop it.
        self._cancel.clear()
        call = Call(
            list(messages), params, grammar, logprobs, self.count_chat_tokens(list(messages))
        )
        self.calls.append(call)
        return self._stream(call, len(self.calls))

    def _stream(self, call: Call, number: int) -> Iterator[Event]:
        if call.prompt_tokens + call.params.max_tokens > self.context:
            self.overflows.append(number)
        if call.prompt_tokens >= self.context:
            call.reason = "error"
            yield Error("The prompt is longer than the context.")
            yield Done("error")
            return
        if self.fail_on_call == number:
            call.reason = "error"
            yield Error("The model engine stopped unexpectedly (scripted failure).")
            yield Done("error")
            return
        text = self.reply(call)
        pieces = re.findall(r"\S+\s*|\s+", text)
        produced: list[str] = []
        reason = "stop"
        for index, piece in enumerate(pieces):
            if self.on_token is not None:
                self.on_token(number, index)
            if self._cancel.is_set():
                reason = "cancelled"
                break
            if len(produced) >= call.params.max_tokens:
                reason = "length"
                break
            produced.append(piece)
            if not self.supports_logprobs:
                yield Token(piece)
            elif logprobs_wanted(call) and self.token_probs is not None:
                logprob, top = self.token_probs(call, index, piece)
                yield Token(piece, logprob, top)
            elif logprobs_wanted(call):
                yield Token(piece, math.log(0.9), ((piece, math.log(0.9)),))
            else:
                yield Token(piece)
        call.reply = "".join(produced)
        call.reason = reason
        if self.on_call_end is not None:
            self.on_call_end(number)
        yield Stats(call.prompt_tokens, len(produced), 0.01, 1000.0, 0, 0.01)
        yield Done(reason)  # type: ignore[arg-type]


def logprobs_wanted(call: Call) -> bool:
    return call.logprobs > 0


@dataclass
class ParallelFakeBackend(FakeBackend):
    """A FakeBackend that also generates several replies together (ParallelGenerator): the
    replies' events are interleaved a token at a time, as the engine's batch gives them."""

    cancelled_sequences: list[int] = field(default_factory=list)

    def stream_many(self, requests: Sequence[GenerationRequest]) -> Iterator[tuple[int, Event]]:
        streams = {
            index: iter(
                self.stream(
                    request.messages,
                    request.params,
                    grammar=request.grammar,
                    json_schema=request.json_schema,
                    logprobs=request.logprobs,
                )
            )
            for index, request in enumerate(requests)
        }
        while streams:
            for index in list(streams):
                event = next(streams[index], None)
                if event is None:
                    del streams[index]
                    continue
                yield index, event

    def cancel_sequence(self, index: int) -> None:
        self.cancelled_sequences.append(index)
