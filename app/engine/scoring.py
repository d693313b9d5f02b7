"""The engine process's scoring requests: how likely the model finds a given text.

Two uses, both reading the model's own probabilities instead of generating:

* :meth:`Scoring.score` gives the log-probability of each of a few short answers ("positive",
  "negative", ...) as the start of the reply to a conversation. Sentiment classifies with it:
  one forward pass over the prompt, whose instruction prefix stays in the KV cache from item
  to item (the same prefix reuse as generation), so an item costs only its own tokens. A
  choice is scored only as far as it needs to be told apart from the others: when the first
  tokens differ, one pass is all it takes.
* :meth:`Scoring.window_nll` gives the summed negative log-likelihood of the tokens of one
  window of a text, for perplexity. It follows llama.cpp's ``llama-perplexity``: the window
  starts with BOS where the model uses one, every position's logits are read, and only the
  second half of the window is scored (those tokens have at least half a window of context),
  so the figures agree with that tool's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from app.core.backend import ChatMessage
from app.engine.decode import CLOSE_REASONING, EngineParts, EngineUserError

if TYPE_CHECKING:
    import numpy as np
    from llama_cpp import Llama


# Logits are read for this many positions per decode call: the output buffer llama.cpp
# allocates is positions x vocabulary floats (about 78 MB for a 152k vocabulary).
NLL_CHUNK = 128


def _log_softmax(logits: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    import numpy as np

    row = logits.astype(np.float64)
    peak = row.max()
    return row - (peak + math.log(float(np.exp(row - peak).sum())))


def distinguishing_lengths(choices: Sequence[Sequence[int]]) -> list[int]:
    """For each token sequence, how many of its tokens tell it apart from every other one.

    A choice whose first token no other choice starts with needs one token; "neutral" and
    "negative" sharing a first token "ne" need two. A choice that is a prefix of another (or
    equal to it) is scored in full.
    """
    lengths = []
    for i, ids in enumerate(choices):
        need = 1
        for j, other in enumerate(choices):
            if i == j:
                continue
            common = 0
            while common < min(len(ids), len(other)) and ids[common] == other[common]:
                common += 1
            need = max(need, min(len(ids), common + 1))
        lengths.append(max(1, min(need, len(ids))))
    return lengths


class Scoring(EngineParts):
    """The scoring half of the engine; it reuses generation's prefix caching."""

    add_bos: bool

    def _reuse_prefix(self, llm: Llama, tokens: list[int]) -> int:
        raise NotImplementedError

    def score(self, messages: Sequence[ChatMessage], choices: Sequence[str]) -> tuple[float, ...]:
        """Log-probability of each choice as the beginning of the reply to ``messages``.

        Thinking is switched off where the template allows it and closed where the template
        opens it, so the choice is scored where the answer itself starts.
        """
        import llama_cpp
        import numpy as np

        if not choices:
            return ()
        llm = self._model()
        tokens = self._scoring_tokens(messages)
        encoded = self._choice_tokens(choices)
        lengths = distinguishing_lengths(encoded)
        self._check_room(len(tokens), max(lengths))
        n_vocab = llm.n_vocab()

        def last_row() -> np.ndarray[Any, Any]:
            row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), (n_vocab,))
            return _log_softmax(row)

        start = self._reuse_prefix(llm, tokens)
        for i in range(start, len(tokens), self.n_batch):
            llm.eval(tokens[i : i + self.n_batch])
        n_prompt = llm.n_tokens
        rows: dict[tuple[int, ...], np.ndarray[Any, Any]] = {(): last_row()}
        in_cache: list[int] = []  # the choice tokens the KV cache holds after the prompt
        scores = []
        for ids, need in zip(encoded, lengths, strict=True):
            total = 0.0
            for k in range(need):
                prefix = tuple(ids[:k])
                if prefix not in rows:
                    kept = 0
                    while kept < min(len(in_cache), k) and in_cache[kept] == ids[kept]:
                        kept += 1
                    llm.n_tokens = n_prompt + kept
                    llm.eval(ids[kept:k])
                    in_cache = list(ids[:k])
                    rows[prefix] = last_row()
                total += float(rows[prefix][ids[k]])
            scores.append(total)
        # The choices' tokens are left out of the cache's record, so the next item reuses
        # the prompt's prefix and nothing after it.
        llm.n_tokens = n_prompt
        return tuple(scores)

    def _scoring_tokens(self, messages: Sequence[ChatMessage]) -> list[int]:
        """The prompt tokens a choice is scored after: thinking off, or closed where the
        template opens it, so the choice sits where the answer itself starts."""
        prompt = self.render(messages, False)
        if self.template is not None and self.template.opens_reasoning(prompt):
            prompt += CLOSE_REASONING
        return self.tokenize_prompt(prompt)

    def _choice_tokens(self, choices: Sequence[str]) -> list[list[int]]:
        llm = self._model()
        return [
            llm.tokenize(choice.encode("utf-8"), add_bos=False, special=False) or [0]
            for choice in choices
        ]

    def _check_room(self, n_prompt: int, n_choice: int) -> None:
        """Refuse a prompt whose choices would not fit one sequence's context."""
        if n_prompt + n_choice >= self.n_ctx_seq:
            raise EngineUserError(
                f"The text is too long for the model: it takes {n_prompt} tokens and the "
                f"context holds {self.n_ctx_seq}."
            )

    def tokenize_text(self, text: str) -> list[int]:
        """Tokens of plain text (no template), with BOS where the model uses one."""
        return self._model().tokenize(text.encode("utf-8"), add_bos=self.add_bos, special=False)

    def window_nll(self, tokens: Sequence[int], first: int) -> tuple[float, int]:
        """Summed negative log-likelihood of ``tokens[first + 1:]`` given what precedes each,
        and how many tokens that is, for one window evaluated from an empty cache.

        The first token is replaced by BOS where the model uses one, as ``llama-perplexity``
        does for every window after the first.
        """
        import llama_cpp
        import numpy as np
        from llama_cpp._internals import LlamaBatch

        llm = self._model()
        window = list(tokens)
        if len(window) > self.n_ctx_seq:
            raise EngineUserError(
                f"A window of {len(window)} tokens does not fit the context of {self.n_ctx_seq}."
            )
        if not 0 <= first < len(window) - 1:
            raise EngineUserError("The window has no tokens to score.")
        vocab = llama_cpp.llama_model_get_vocab(llm.model)
        if self.add_bos:
            window[0] = llama_cpp.llama_vocab_bos(vocab)
        llm.reset()
        memory = llama_cpp.llama_get_memory(llm.ctx)
        if memory:
            llama_cpp.llama_memory_clear(memory, True)
        n_vocab = llm.n_vocab()
        chunk = min(NLL_CHUNK, self.n_batch)
        batch = LlamaBatch(n_tokens=chunk, embd=0, n_seq_max=1, verbose=False)
        nll = 0.0
        count = 0
        try:
            for start in range(0, len(window), chunk):
                part = window[start : start + chunk]
                batch.set_batch(batch=part, n_past=start, logits_all=True)
                if llama_cpp.llama_decode(llm.ctx, batch.batch) != 0:
                    raise EngineUserError("The model could not evaluate the text.")
                logits = np.ctypeslib.as_array(
                    llama_cpp.llama_get_logits(llm.ctx), shape=(len(part), n_vocab)
                )
                # The rows that predict a scored token, all at once: one log-sum-exp per
                # row over the vocabulary, not a whole log-softmax row each.
                lo = max(first - start, 0)
                hi = min(len(part), len(window) - 1 - start)
                if lo >= hi:
                    continue
                rows = logits[lo:hi].astype(np.float64)
                peaks = rows.max(axis=1)
                norms = peaks + np.log(np.exp(rows - peaks[:, None]).sum(axis=1))
                targets = np.asarray(window[start + lo + 1 : start + hi + 1])
                picked = rows[np.arange(hi - lo), targets]
                nll += float((norms - picked).sum())
                count += hi - lo
        finally:
            batch.close()
            if memory:
                llama_cpp.llama_memory_clear(memory, True)
            llm.reset()
        return nll, count
