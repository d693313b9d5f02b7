"""Several replies generated together: one sequence each in the engine's one context.

Why: a decode step reads every weight once whatever the number of tokens in its batch, so one
token for each of several sequences costs little more than one token for one (issue 14). The
summarise map step, whose parts are independent, is the first intended user.

How, building on :mod:`.batching` (the unified cache, sequence 0 holding the shared prefix):

* The prompts' common prefix is evaluated once in sequence 0 and copied to each sequence.
* Continuous batching: every step is one ``llama_decode`` with the next token of every
  sequence that is generating, plus prompt tokens of sequences just admitted (in chunks, so
  a long prompt never holds the others back by more than one batch). A sequence is admitted
  while the cells it may need (its prompt and its token budget) fit beside the others';
  the rest wait and start as others finish.
* Each sequence has its own sampler chain (the same samplers in the same order as
  ``Llama.generate``), reasoning splitter, stop strings and budgets, as :mod:`.decode` has
  for one reply.
* Per-sequence cancel: the app sends ``(OP_CANCEL_SEQ, index)`` while the stream runs; it is
  read between steps. The shared flag still stops everything. A sequence that fails (a
  prompt too long, a grammar that does not parse, no room left in the cache) ends with its
  own error; the others go on.
* An open stream (``keep_open``, for ``parley serve``): replies join while it runs, with
  ``(OP_ADD_SEQ, index, request)`` read between steps like a cancel, and the loop waits for
  more when none is left, until ``OP_END_MANY``. A request arriving at a server then starts
  at the next step instead of waiting for every reply of a closed batch to end.
"""

from __future__ import annotations

import codecs
import logging
import time
import traceback
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.core.backend import GenerationRequest
from app.core.reasoning import ReasoningSplitter
from app.engine import protocol as proto
from app.engine.batching import SEQUENCE_IDS, Batching, common_prefix
from app.engine.decode import _NO_LIMIT, CLOSE_REASONING, COALESCE_S, EngineUserError
from app.engine.text import StopFilter

if TYPE_CHECKING:
    from llama_cpp import Llama

log = logging.getLogger("parley.engine")


@dataclass(eq=False)
class _Seq:
    """One reply of a parallel stream and everything its loop needs."""

    index: int
    tokens: list[int]  # the prompt
    sampler: Any  # llama_cpp._internals.LlamaSampler
    splitter: ReasoningSplitter
    stops: StopFilter
    answer_budget: int
    reasoning_budget: int
    may_reason: int  # reasoning tokens it may spend: reserved in the cache with the answer's
    seq_id: int = 0
    n_past: int = 0
    cached: int = 0  # prompt tokens shared with the others (evaluated once)
    shared: int = 0  # leading prompt tokens sequence 0 holds for it (copied, not evaluated)
    cut: bool = False  # ended by a stop string: what it held back is dropped
    need: int = 0  # cells reserved for it
    feed: list[int] = field(default_factory=list)  # tokens for the next batch(es)
    n_gen: int = 0
    n_reason: int = 0
    n_forced: int = 0
    answering: bool = False
    started: float = 0.0
    first_at: float = 0.0
    last_at: float = 0.0
    thought_at: float = 0.0
    sent_at: float = 0.0
    pending: str = ""
    pending_reasoning: str = ""
    decoder: Any = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))


class ParallelGeneration(Batching):
    """The engine's parallel generation request."""

    conn: Any
    default_seed: int

    def _piece(self, token: int) -> bytes:
        raise NotImplementedError

    def _grammar(self, request: GenerationRequest) -> Any:
        raise NotImplementedError

    def tokenize_prompt_part(self, text: str) -> list[int]:
        raise NotImplementedError

    _open = False  # an open stream: more replies may join until OP_END_MANY

    def stream_many(self, requests: Sequence[GenerationRequest], keep_open: bool = False) -> None:
        """Generate a reply to each request together; every message is tagged with the
        request's index, and a plain ``DONE`` ends the whole stream. With ``keep_open`` the
        stream goes on, idle or not, taking ``OP_ADD_SEQ`` requests until ``OP_END_MANY``."""
        self._open = keep_open
        send = self.conn.send
        try:
            self._stream_many(requests, send)
        except Exception as exc:
            log.error("parallel generation failed:\n%s", traceback.format_exc())
            send((proto.ERROR, f"The model engine failed while generating: {exc}"))
            send((proto.DONE, "error"))
            return
        send((proto.DONE, "stop"))

    def _stream_many(self, requests: Sequence[GenerationRequest], send: Any) -> None:
        llm = self._model()
        seqs: list[_Seq] = []
        for index, request in enumerate(requests):
            try:
                seqs.append(self._prepare(llm, index, request))
            except EngineUserError as exc:
                send((proto.SEQ, index, proto.ERROR, str(exc)))
                send((proto.SEQ, index, proto.DONE, "error"))
        if not seqs and not self._open:
            return
        n_shared = (
            min(common_prefix([s.tokens for s in seqs]), *(len(s.tokens) - 1 for s in seqs))
            if seqs
            else 0
        )
        held = seqs[0].tokens[:n_shared] if seqs else []
        if not self._hold_prefix(llm, held):
            for s in seqs:
                self._end(s, "cancelled", send)
            return
        for s in seqs:
            s.shared = n_shared
        self._run(llm, seqs, held, send)

    def _prepare(self, llm: Llama, index: int, request: GenerationRequest) -> _Seq:
        from llama_cpp._internals import LlamaSampler

        if request.logprobs:
            raise EngineUserError(
                "Log-probabilities are not available for replies generated together."
            )
        params = request.params
        grammar = self._grammar(request)
        prompt, inside = self.generation_prompt(request, grammar)
        tokens = self.tokenize_prompt(prompt)
        if len(tokens) >= self.n_ctx_seq:
            raise EngineUserError(
                f"The conversation is too long for the model: it takes {len(tokens)} tokens "
                f"and the context holds {self.n_ctx_seq}. Shorten the text."
            )
        reasoning_budget = params.max_reasoning_tokens or _NO_LIMIT
        template = self.template
        thinks = template is not None and template.reasoning != "none"
        if template is not None and template.think_switch and params.think is False:
            thinks = inside
        sampler = LlamaSampler()
        sampler.add_penalties(llm.n_vocab(), llm.last_n_tokens_size, params.repeat_penalty, 0, 0)
        if grammar is not None:
            sampler.add_grammar(llm._model, grammar)
        if params.temperature <= 0:
            sampler.add_greedy()
        else:
            sampler.add_top_k(params.top_k)
            sampler.add_top_p(params.top_p, 1)
            sampler.add_min_p(params.min_p, 1)
            sampler.add_temp(params.temperature)
            sampler.add_dist(params.seed if params.seed is not None else self.default_seed)
        return _Seq(
            index=index,
            tokens=tokens,
            sampler=sampler,
            splitter=ReasoningSplitter(inside=inside),
            stops=StopFilter(params.stop),
            answer_budget=params.max_tokens if params.max_tokens > 0 else _NO_LIMIT,
            reasoning_budget=reasoning_budget,
            may_reason=reasoning_budget if thinks else 0,
        )

    def _run(self, llm: Llama, seqs: list[_Seq], held: list[int], send: Any) -> None:
        """The continuous batching loop."""
        import llama_cpp
        from llama_cpp._internals import LlamaBatch

        memory = llama_cpp.llama_get_memory(llm.ctx)
        cells = int(llama_cpp.llama_n_ctx(llm.ctx)) - len(held)
        waiting = deque(seqs)
        active: list[_Seq] = []
        free_ids = list(range(SEQUENCE_IDS - 1, 0, -1))
        batch = LlamaBatch(n_tokens=self.n_batch, embd=0, n_seq_max=1, verbose=False)
        raw = batch.batch

        def finish(s: _Seq, reason: str, error: str = "") -> None:
            if error:
                send((proto.SEQ, s.index, proto.ERROR, error))
            self._end(s, reason, send)
            if s in active:
                active.remove(s)
                llama_cpp.llama_memory_seq_rm(memory, s.seq_id, -1, -1)
                free_ids.append(s.seq_id)

        try:
            while waiting or active or self._open:
                for index in self._messages(llm, held, seqs, waiting, send):
                    for s in [s for s in active if s.index == index]:
                        finish(s, "cancelled")
                    for s in [s for s in waiting if s.index == index]:
                        waiting.remove(s)
                        finish(s, "cancelled")
                if self.cancel[0]:
                    break
                reserved = sum(s.need for s in active)
                while waiting and free_ids:
                    s = waiting[0]
                    room = self.n_ctx_seq - len(s.tokens)
                    need = len(s.tokens) - s.shared + min(room, s.answer_budget + s.may_reason)
                    if active and reserved + need > cells:
                        break
                    waiting.popleft()
                    s.seq_id, s.need, s.n_past, s.cached = free_ids.pop(), need, s.shared, s.shared
                    s.feed, s.started = s.tokens[s.shared :], time.perf_counter()
                    llama_cpp.llama_memory_seq_cp(memory, 0, s.seq_id, 0, s.shared)
                    active.append(s)
                    reserved += need
                if not active:
                    self.conn.poll(0.05)  # an open stream with nothing to do: wait for more
                    continue
                saved = [(s, list(s.feed), s.n_past) for s in active]
                outputs: list[tuple[_Seq, int]] = []
                n = 0
                # Sequences that are generating go first: one token each.
                for s in sorted(active, key=lambda s: len(s.feed)):
                    take = s.feed[: self.n_batch - n]
                    if not take:
                        continue
                    for j, token in enumerate(take):
                        raw.token[n + j] = token
                        raw.pos[n + j] = s.n_past + j
                        raw.n_seq_id[n + j] = 1
                        raw.seq_id[n + j][0] = s.seq_id
                        raw.logits[n + j] = False
                    s.feed = s.feed[len(take) :]
                    s.n_past += len(take)
                    n += len(take)
                    if not s.feed:
                        raw.logits[n - 1] = True
                        outputs.append((s, n - 1))
                    if n >= self.n_batch:
                        break
                if not n:
                    continue
                raw.n_tokens = n
                status = int(llama_cpp.llama_decode(llm.ctx, raw))
                if status == 2 or self.cancel[0]:
                    break
                if status:
                    for s, feed, n_past in saved:
                        s.feed, s.n_past = feed, n_past
                    victim = max(active, key=lambda s: s.started)
                    finish(victim, "error", _failure(status))
                    continue
                for s, row in outputs:
                    token = llama_cpp.llama_sampler_sample(s.sampler.sampler, llm.ctx, row)
                    ended = self._take(llm, s, int(token), send)
                    if ended:
                        finish(s, ended)
            for s in [*active, *waiting]:  # the shared flag: everything stops
                finish(s, "cancelled")
        finally:
            batch.close()
            for s in seqs:
                s.sampler.close()
            for seq_id in range(1, SEQUENCE_IDS):
                llama_cpp.llama_memory_seq_rm(memory, seq_id, -1, -1)

    def _messages(
        self, llm: Llama, held: list[int], seqs: list[_Seq], waiting: deque[_Seq], send: Any
    ) -> list[int]:
        """Read what the app sent since the last step: replies joining an open stream go to
        ``waiting``; the indices it asked to stop are returned."""
        out = []
        while self.conn.poll(0):
            message = self.conn.recv()
            if not message:
                continue
            if message[0] == proto.OP_CANCEL_SEQ:
                out.append(int(message[1]))
            elif message[0] == proto.OP_END_MANY:
                self._open = False
            elif message[0] == proto.OP_ADD_SEQ:
                index, request = int(message[1]), message[2]
                try:
                    s = self._prepare(llm, index, request)
                except EngineUserError as exc:
                    send((proto.SEQ, index, proto.ERROR, str(exc)))
                    send((proto.SEQ, index, proto.DONE, "error"))
                    continue
                s.shared = min(common_prefix([held, s.tokens]), len(s.tokens) - 1)
                seqs.append(s)
                waiting.append(s)
        return out

    def _take(self, llm: Llama, s: _Seq, token: int, send: Any) -> str:
        """Handle one sampled token; the reason the sequence ends, or "" if it goes on."""
        import llama_cpp

        now = time.perf_counter()
        s.last_at = now
        if not s.first_at:
            s.first_at = now
        vocab = llama_cpp.llama_model_get_vocab(llm.model)
        if llama_cpp.llama_vocab_is_eog(vocab, token):
            return "stop"
        s.n_gen += 1
        s.feed = [token]
        piece = s.decoder.decode(self._piece(token))
        if s.answering:
            answer = piece
        else:
            thought, answer = s.splitter.feed(piece)
            if thought or s.splitter.thinking:
                s.n_reason += 1
                s.pending_reasoning += thought
                if s.splitter.thinking and s.n_reason >= s.reasoning_budget:
                    s.pending_reasoning += s.splitter.feed(CLOSE_REASONING)[0]
                    forced = self.tokenize_prompt_part(CLOSE_REASONING)
                    s.n_forced += len(forced)
                    s.feed = [token, *forced]
            if not s.thought_at and s.splitter.closed:
                s.thought_at = now
            s.answering = s.splitter.answering
        text, stopped = s.stops.feed(answer)
        s.pending += text
        if (s.pending or s.pending_reasoning) and now - s.sent_at >= COALESCE_S:
            self._flush(s, send)
            s.sent_at = now
        if stopped:
            s.cut = True
            return "stop"
        room = self.n_ctx_seq - len(s.tokens)
        if s.n_gen - s.n_reason >= s.answer_budget or s.n_gen + s.n_forced >= room:
            return "length"
        return ""

    @staticmethod
    def _flush(s: _Seq, send: Any) -> None:
        if s.pending_reasoning:
            send((proto.SEQ, s.index, proto.REASONING, s.pending_reasoning))
            s.pending_reasoning = ""
        if s.pending:
            send((proto.SEQ, s.index, proto.TOKEN, s.pending))
            s.pending = ""

    def _end(self, s: _Seq, reason: str, send: Any) -> None:
        """Send what the sequence still holds back, its figures and its end."""
        if not s.cut:  # text held back for a tag or a stop string that never came is shown
            thought, answer = s.splitter.flush()
            s.pending_reasoning += thought
            # A character the limit cut in half is dropped, not shown as "�".
            text, cut = s.stops.feed(answer)
            s.pending += text if cut else text + s.stops.flush()
        self._flush(s, send)
        if s.n_reason and not s.thought_at:
            s.thought_at = s.last_at
        gen_s = s.last_at - s.first_at
        rate = (s.n_gen - 1) / gen_s if s.n_gen > 1 and gen_s > 0 else 0.0
        ttft = s.first_at - s.started if s.first_at and s.started else 0.0
        thought_s = s.thought_at - s.first_at if s.n_reason and s.first_at else 0.0
        send((
            proto.SEQ, s.index, proto.STATS,
            len(s.tokens), s.n_gen, ttft, rate, s.cached, ttft, s.n_reason, thought_s,
        ))  # fmt: skip
        send((proto.SEQ, s.index, proto.DONE, reason))


def _failure(status: int) -> str:
    if status == 1:
        return "The model's context has no room left for this reply; it was stopped."
    return f"The model could not go on with this reply (llama.cpp returned {status})."
