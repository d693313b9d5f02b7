"""The engine process's generation loop: prompt evaluation, sampling, reasoning, stops.

Split from :mod:`.worker` (which loads models and serves requests) because this is the part
that runs once per token. Why it is written the way it is:

* Prompt evaluation is done batch by batch instead of inside ``Llama.generate`` so the
  number of prompt tokens reused from the KV cache is known exactly and progress can be
  reported.
* Text goes out as the bytes of each new token run through an incremental UTF-8 decoder: no
  re-detokenising of the whole reply per token. When tokens come faster than one per
  ``COALESCE_S`` (small models), consecutive ones share a message: every message wakes the
  app process, and on a two-core machine each wake-up takes a core from llama.cpp's
  threads mid-token. The text is at most one token late, well under a screen refresh.
  With log-probabilities every answer token is its own message, as each carries its figures.
* Reasoning (``<think>`` … ``</think>``) is split from the answer here, as it is decoded
  (:class:`~app.core.reasoning.ReasoningSplitter`; once the answer has started that costs one
  comparison per token). Stop strings and ``max_tokens`` apply to the answer alone. Reasoning
  has a budget of its own: a model that reaches it gets ``</think>`` written for it and goes
  on to answer, so a text tool never ends with tokens spent and nothing said.
* A grammar shapes the answer from the first token, so a prompt that the template left
  inside an open ``<think>`` is closed first: the model answers at once, under the grammar.
* Log-probabilities are read from the logits of the step just sampled (the context keeps the
  last row), never with ``logits_all=True``, which would allocate context x vocabulary floats.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

from app.core.backend import ChatMessage, GenerationRequest
from app.core.reasoning import CLOSE_TAG, ReasoningSplitter
from app.engine import protocol as proto
from app.engine.llama_native import CancelFlag, until_aborted
from app.engine.text import StopFilter

if TYPE_CHECKING:
    import numpy as np
    from llama_cpp import Llama

    from app.core.chat_template import ChatTemplate

COALESCE_S = 0.025  # at most 40 messages a second: more than a reader can follow
# Written after the reasoning when the budget runs out or a grammar needs the answer now.
CLOSE_REASONING = f"\n{CLOSE_TAG}\n\n"
_NO_LIMIT = 1 << 62


class EngineUserError(Exception):
    """A failure whose message is written for the user (sent back as an ``err`` reply)."""


class EngineParts:
    """What the engine's halves (generation here, scoring in :mod:`.scoring`) need from
    :class:`~app.engine.worker._Engine`: the model, its template and the prompt helpers."""

    n_batch: int
    n_ctx_seq: int  # the context one sequence may use (the cache holds n_seq of them)
    template: ChatTemplate | None
    cancel: CancelFlag

    def _model(self) -> Llama:
        raise NotImplementedError

    def render(self, messages: Sequence[ChatMessage], think: bool | None = None) -> str:
        raise NotImplementedError

    def tokenize_prompt(self, prompt: str) -> list[int]:
        raise NotImplementedError

    def generation_prompt(self, request: GenerationRequest, grammar: Any) -> tuple[str, bool]:
        """The prompt for a reply, and whether the reply starts inside a reasoning block.

        A template may open ``<think>`` itself; a grammar needs the answer at once, so there
        the block is closed in the prompt and the reply starts outside it.
        """
        prompt = self.render(request.messages, request.params.think)
        inside = self.template is not None and self.template.opens_reasoning(prompt)
        if inside and grammar is not None:
            return prompt + CLOSE_REASONING, False
        return prompt, inside


class Generation(EngineParts):
    """The generation half of the engine."""

    default_seed: int

    # -- provided by the worker ------------------------------------------------------------

    def _piece(self, token: int) -> bytes:
        raise NotImplementedError

    def _grammar(self, request: GenerationRequest) -> Any:
        raise NotImplementedError

    # -- the loop --------------------------------------------------------------------------

    def _stream(self, request: GenerationRequest, send: Any) -> None:
        import llama_cpp

        llm = self._model()
        started = time.perf_counter()
        params = request.params
        grammar = self._grammar(request)
        prompt, inside = self.generation_prompt(request, grammar)
        # Also under a grammar: one that lets the model think first is split like any reply.
        splitter: ReasoningSplitter | None = ReasoningSplitter(inside=inside)
        tokens = self.tokenize_prompt(prompt)
        n_prompt = len(tokens)
        n_ctx = self.n_ctx_seq
        if n_prompt >= n_ctx:
            raise EngineUserError(
                f"The conversation is too long for the model: it takes {n_prompt} tokens and "
                f"the context holds {n_ctx}. Start a new conversation or shorten the text."
            )
        room = n_ctx - n_prompt
        answer_budget = params.max_tokens if params.max_tokens > 0 else _NO_LIMIT
        reasoning_budget = params.max_reasoning_tokens or _NO_LIMIT

        cached = self._reuse_prefix(llm, tokens)
        eval_started = time.perf_counter()
        if not self._evaluate_prompt(llm, tokens, cached, send):
            prompt_eval_s = time.perf_counter() - eval_started
            send((proto.STATS, n_prompt, 0, 0.0, 0.0, cached, prompt_eval_s, 0, 0.0))
            send((proto.DONE, "cancelled"))
            return

        llm.set_seed(params.seed if params.seed is not None else self.default_seed)
        vocab = llama_cpp.llama_model_get_vocab(llm.model)
        is_eog = llama_cpp.llama_vocab_is_eog
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        stops = StopFilter(params.stop)
        flag = self.cancel
        want_logprobs = request.logprobs
        n_vocab = llm.n_vocab()

        def sample(context: list[int]) -> Generator[int, Any, None]:
            return llm.generate(
                context,
                top_k=params.top_k,
                top_p=params.top_p,
                min_p=params.min_p,
                temp=params.temperature,
                repeat_penalty=params.repeat_penalty,
                grammar=grammar,
            )

        reason = "length"
        cut = False  # ended by a stop string: what follows it is dropped
        n_gen = n_reason = n_forced = 0
        answering = False  # the answer has started: no more reasoning to look for
        first_at = last_at = sent_at = thought_at = 0.0
        pending = pending_reasoning = ""
        prompt_eval_s = 0.0
        generated: list[int] = []
        generator = sample(tokens)
        try:
            while True:
                restart: list[int] | None = None
                for token in until_aborted(generator, flag):
                    last_at = time.perf_counter()
                    if not first_at:
                        first_at = last_at
                        prompt_eval_s = first_at - eval_started
                    if is_eog(vocab, token):
                        reason = "stop"
                        break
                    n_gen += 1
                    generated.append(token)
                    piece = decoder.decode(self._piece(token))
                    if splitter is None or answering:
                        answer = piece
                    else:
                        thought, answer = splitter.feed(piece)
                        if thought or splitter.thinking:
                            n_reason += 1
                            pending_reasoning += thought
                            if splitter.thinking and n_reason >= reasoning_budget:
                                # Out of thinking budget: close the block and let it answer.
                                pending_reasoning += splitter.feed(CLOSE_REASONING)[0]
                                restart = self.tokenize_prompt_part(CLOSE_REASONING)
                                n_forced += len(restart)
                        if not thought_at and splitter.closed:
                            thought_at = last_at
                        answering = splitter.answering
                    text, stopped = stops.feed(answer)
                    if want_logprobs and text:
                        if pending_reasoning:
                            send((proto.REASONING, pending_reasoning))
                            pending_reasoning = ""
                        logprob, top = self._logprobs(llm, token, want_logprobs, n_vocab)
                        send((proto.TOKEN, text, logprob, top))
                    else:
                        pending += text
                        if (pending or pending_reasoning) and last_at - sent_at >= COALESCE_S:
                            if pending_reasoning:
                                send((proto.REASONING, pending_reasoning))
                                pending_reasoning = ""
                            if pending:
                                send((proto.TOKEN, pending))
                                pending = ""
                            sent_at = last_at
                    if stopped:
                        reason, cut = "stop", True
                        break
                    if flag[0]:
                        reason = "cancelled"
                        break
                    if n_gen - n_reason >= answer_budget or n_gen + n_forced >= room:
                        break
                    if restart is not None:
                        break
                else:  # the generator ended: only an aborted decode does that
                    reason = "cancelled" if flag[0] else "error"
                generator.close()
                if restart is None or flag[0] or n_gen + n_forced >= room:
                    break
                generator = sample([*tokens, *generated, *restart])
        finally:
            generator.close()
        if not cut:  # text held back for a tag or a stop string that never came is shown
            thought, answer = splitter.flush() if splitter is not None else ("", "")
            pending_reasoning += thought
            # A character the limit cut in half is dropped, not shown as "�".
            text, cut = stops.feed(answer)
            pending += text if cut else text + stops.flush()
        if pending_reasoning:
            send((proto.REASONING, pending_reasoning))
        if pending:
            send((proto.TOKEN, pending))
        if n_reason and not thought_at:
            thought_at = last_at
        rate = (n_gen - 1) / (last_at - first_at) if n_gen > 1 and last_at > first_at else 0.0
        ttft = first_at - started if first_at else 0.0
        thought_s = thought_at - first_at if n_reason and first_at else 0.0
        send((proto.STATS, n_prompt, n_gen, ttft, rate, cached, prompt_eval_s, n_reason, thought_s))
        send((proto.DONE, reason))

    def tokenize_prompt_part(self, text: str) -> list[int]:
        """Tokens of template text added mid-stream (no BOS; special tokens parsed)."""
        return self._model().tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def _reuse_prefix(self, llm: Llama, tokens: list[int]) -> int:
        """Keep the longest prefix of ``tokens`` already in the KV cache; return its length.

        The same rule as ``Llama.generate``: at least the last prompt token is evaluated
        again, because sampling needs fresh logits.
        """
        import llama_cpp

        cached_ids = llm.input_ids[: llm.n_tokens]
        limit = min(len(cached_ids), len(tokens) - 1)
        prefix = 0
        if limit > 0:
            import numpy as np

            same = cached_ids[:limit] == np.asarray(tokens[:limit], dtype=cached_ids.dtype)
            prefix = limit if same.all() else int(np.argmin(same))
        memory = llama_cpp.llama_get_memory(llm.ctx)
        if prefix > 0 and memory and llama_cpp.llama_memory_seq_rm(memory, 0, prefix, -1):
            llm.n_tokens = prefix
            return prefix
        llm.reset()  # the next eval drops everything after position 0 from the cache
        return 0

    def _evaluate_prompt(self, llm: Llama, tokens: list[int], start: int, send: Any) -> bool:
        """Evaluate all but the last prompt token; False if cancelled on the way.

        The last token is left to ``Llama.generate``, whose first step evaluates it and
        samples. A cancelled batch leaves the model usable: ``Llama.eval`` counts only
        finished batches and removes anything after them from the KV cache next time.
        """
        end = len(tokens) - 1
        todo = end - start
        report = todo > self.n_batch
        if self.cancel[0]:
            return False
        if todo <= 0:
            return True
        if report:
            send((proto.PROGRESS, start, len(tokens)))
        try:
            for i in range(start, end, self.n_batch):
                llm.eval(tokens[i : min(end, i + self.n_batch)])
                if self.cancel[0]:
                    return False
                if report:
                    send((proto.PROGRESS, llm.n_tokens, len(tokens)))
        except RuntimeError:  # "llama_decode returned 2": aborted by the callback
            if self.cancel[0]:
                return False
            raise
        return True

    def _logprobs(
        self, llm: Llama, token: int, n_top: int, n_vocab: int
    ) -> tuple[float, tuple[tuple[str, float], ...]]:
        """Log-probability of ``token`` and the ``n_top`` likeliest alternatives.

        Taken from the logits of the step that produced ``token`` (the model's own
        distribution, before temperature and the other samplers).
        """
        import llama_cpp
        import numpy as np

        logits: np.ndarray[Any, np.dtype[np.float32]] = np.ctypeslib.as_array(
            llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,)
        )
        peak = float(logits.max())
        log_norm = peak + float(np.log(np.exp(logits - peak, dtype=np.float64).sum()))
        n_top = min(n_top, n_vocab)
        best = np.argpartition(logits, -n_top)[-n_top:]
        best = best[np.argsort(logits[best])[::-1]]
        top = tuple(
            (self._piece(int(t)).decode("utf-8", "replace"), float(logits[t]) - log_norm)
            for t in best
        )
        return float(logits[token]) - log_norm, top
