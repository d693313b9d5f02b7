"""Several sequences in one llama.cpp context: many short items evaluated in one batch.

Why: every ``llama_decode`` call reads all of the model's weights once, whatever the number of
tokens in it, so a dozen 40-token items in one 512-token batch cost little more than one of
them on a CPU, and far less on a GPU; prompt evaluation is fastest in large batches. Batch
sentiment is the first user (:meth:`Batching.score_many`).

How:

* The context is created with :data:`SEQUENCE_IDS` sequence ids and one unified KV cache
  (:func:`.llama_native.many_sequences`): the sequences share the context's cells, each cell
  recording which sequences see it. A prefix evaluated once in sequence 0 is given to an
  item's sequence with ``llama_memory_seq_cp``, which only adds the id to those cells, so
  short items need no more memory than one context: the cells they use are theirs only for
  one round.
* Sequence 0 is the high-level ``Llama``'s own: after a batch it holds the items' shared
  prefix and ``Llama``'s record of its tokens says so, so the next request (one-at-a-time
  scoring, generation, the next batch) reuses it exactly as it reuses a previous turn.
  Sequences 1 and up are scratch, removed after every round.
* A round packs items until the batch (``n_batch`` tokens) or the sequence ids run out. An
  item's own tokens go in, and so do the label tokens that tell labels sharing their first
  tokens apart (:func:`.scoring.distinguishing_lengths`): the item's tokens belong to one
  sequence per such branch and each branch continues in its own sequence, so one decode
  reads every row the one-at-a-time path reads one call after another.
* Failures are per item: an item too long for the context gets its error and the others go
  on; a round the cache has no room for is retried one item at a time. Cancel is checked
  between rounds and by the abort callback inside a decode, and ends the batch: the items
  already scored keep their figures, the others are marked not done.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.core.backend import ChatMessage
from app.engine.decode import EngineUserError
from app.engine.scoring import Scoring, distinguishing_lengths

if TYPE_CHECKING:
    from llama_cpp import Llama

# Sequence ids of every context. Ids cost only bookkeeping in a unified cache (and one
# reserved row of output logits each), and 32 is more than a 512-token batch of short items
# needs.
SEQUENCE_IDS = 32
_NO_ROOM = 1  # llama_decode: the KV cache has no room for the batch
_ABORTED = 2  # llama_decode: stopped by the abort callback

# One item's result: its choices' log-probabilities, the error that ended it (for the user),
# or None when a cancel came first.
ItemResult = tuple[float, ...] | str | None
# (item index, choice tokens so far): the row of logits that predicts the next choice token.
RowKey = tuple[int, tuple[int, ...]]
# A token of a packed batch: token, position, sequence ids, and the row to read there.
Entry = tuple[int, int, tuple[int, ...], RowKey | None]


def common_prefix(token_lists: Sequence[Sequence[int]]) -> int:
    """Length of the longest prefix all lists share."""
    if not token_lists:
        return 0
    first = token_lists[0]
    n = min(len(tokens) for tokens in token_lists)
    for i in range(n):
        t = first[i]
        if any(tokens[i] != t for tokens in token_lists):
            return i
    return n


def branches(encoded: Sequence[Sequence[int]], lengths: Sequence[int]) -> list[tuple[int, ...]]:
    """The choice-token paths one item must continue with so every needed row is read.

    A choice told apart by its first token needs only the row after the prompt; one that
    needs ``k`` tokens also needs the rows after its first ``1..k-1`` tokens. Each path kept
    here is a longest such prefix, and reading a row at each of its tokens covers the
    shorter ones.
    """
    needed = {
        tuple(ids[:k]) for ids, need in zip(encoded, lengths, strict=True) for k in range(1, need)
    }
    return sorted(p for p in needed if not any(q != p and q[: len(p)] == p for q in needed))


@dataclass
class _ScoreJob:
    """What the rounds of one batched scoring share."""

    n_shared: int  # prompt tokens every item shares, held in sequence 0
    paths: list[tuple[int, ...]]  # see branches()
    columns: list[int]  # every choice token: the log-probabilities kept of each row
    table: dict[RowKey, dict[int, float]] = field(default_factory=dict)

    @property
    def per_item(self) -> int:
        """Sequence ids one item takes: one per branch, at least one."""
        return max(1, len(self.paths))


class Batching(Scoring):
    """Batched requests of the engine: several sequences in one context."""

    def score_many(
        self, conversations: Sequence[Sequence[ChatMessage]], choices: Sequence[str]
    ) -> list[ItemResult]:
        """:meth:`Scoring.score` for many conversations at once, one result per conversation.

        The conversations' shared prompt prefix (the instructions) is evaluated once; the
        rest of each is its own sequence in a batch packed with others.
        """
        import llama_cpp

        results: list[ItemResult] = [None] * len(conversations)
        if not choices:
            return [() for _ in conversations]
        llm = self._model()
        encoded = self._choice_tokens(choices)
        lengths = distinguishing_lengths(encoded)
        paths = branches(encoded, lengths)
        todo: list[tuple[int, list[int]]] = []
        for i, messages in enumerate(conversations):
            try:
                tokens = self._scoring_tokens(messages)
                self._check_room(len(tokens), max(lengths))
            except EngineUserError as exc:
                results[i] = str(exc)
                continue
            todo.append((i, tokens))
        if not todo:
            return results
        # Every item keeps at least one token of its own: its last row is read there.
        shared = todo[0][1][
            : min(common_prefix([t for _, t in todo]), min(len(t) for _, t in todo) - 1)
        ]
        if not self._hold_prefix(llm, shared):
            return results
        job = _ScoreJob(len(shared), paths, sorted({t for ids in encoded for t in ids}))
        per_item_ids = job.per_item
        table = job.table
        branch_cost = sum(len(p) for p in paths)
        # A round fits the batch and the cells the prefix leaves free (cells are freed again
        # after each round).
        room = min(self.n_batch, int(llama_cpp.llama_n_ctx(llm.ctx)) - len(shared))
        queue = deque(todo)
        solo = False  # a round found no room in the cache: one item a round from then on
        while queue and not self.cancel[0]:
            round_items = [queue.popleft()]
            n_tokens = len(round_items[0][1]) - len(shared) + branch_cost
            while queue and not solo:
                cost = len(queue[0][1]) - len(shared) + branch_cost
                ids_used = (len(round_items) + 1) * per_item_ids
                if n_tokens + cost > room or ids_used >= SEQUENCE_IDS:
                    break
                round_items.append(queue.popleft())
                n_tokens += cost
            status = self._score_round(llm, round_items, job)
            if status == _NO_ROOM and len(round_items) > 1:
                queue.extendleft(reversed(round_items))
                solo = True
            elif status == _ABORTED:
                break
            elif status:
                for index, _tokens in round_items:
                    results[index] = _decode_failure(status)
        for index, _tokens in todo:
            if results[index] is None:
                results[index] = _item_scores(table, index, encoded, lengths)
        return results

    def _hold_prefix(self, llm: Llama, shared: list[int]) -> bool:
        """Leave exactly ``shared`` in sequence 0 (reusing what the cache has); False if
        cancelled on the way."""
        import llama_cpp
        import numpy as np

        cached = llm.input_ids[: llm.n_tokens]
        limit = min(len(cached), len(shared))
        match = 0
        if limit:
            same = cached[:limit] == np.asarray(shared[:limit], dtype=cached.dtype)
            match = limit if same.all() else int(np.argmin(same))
        memory = llama_cpp.llama_get_memory(llm.ctx)
        if memory:
            llama_cpp.llama_memory_seq_rm(memory, -1, match, -1)
        llm.n_tokens = match
        if match < len(shared):
            try:
                llm.eval(shared[match:])
            except RuntimeError:  # "llama_decode returned 2": aborted by the callback
                if self.cancel[0]:
                    return False
                raise
        return not self.cancel[0]

    def _score_round(
        self,
        llm: Llama,
        items: list[tuple[int, list[int]]],
        job: _ScoreJob,
    ) -> int:
        """Score one round of items, each in sequences of its own; llama_decode's status."""
        import llama_cpp

        memory = llama_cpp.llama_get_memory(llm.ctx)
        entries: list[Entry] = []
        next_id = 1
        per_item = job.per_item
        for index, tokens in items:
            ids = tuple(range(next_id, next_id + per_item))
            next_id += per_item
            for seq in ids:
                llama_cpp.llama_memory_seq_cp(memory, 0, seq, -1, -1)
            last = len(tokens) - 1
            for pos in range(job.n_shared, len(tokens)):
                key: RowKey | None = (index, ()) if pos == last else None
                entries.append((tokens[pos], pos, ids, key))
            for seq, path in zip(ids, job.paths, strict=False):
                for j, token in enumerate(path):
                    entries.append((token, len(tokens) + j, (seq,), (index, path[: j + 1])))
        try:
            return self._decode_entries(llm, entries, job)
        finally:
            for seq in range(1, next_id):
                llama_cpp.llama_memory_seq_rm(memory, seq, -1, -1)

    def _decode_entries(
        self,
        llm: Llama,
        entries: list[Entry],
        job: _ScoreJob,
    ) -> int:
        """Feed ``entries`` to llama_decode ``n_batch`` at a time, reading the marked rows."""
        import llama_cpp
        import numpy as np
        from llama_cpp._internals import LlamaBatch

        n_vocab = llm.n_vocab()
        columns = job.columns
        picked = np.asarray(columns)
        batch = LlamaBatch(n_tokens=self.n_batch, embd=0, n_seq_max=job.per_item, verbose=False)
        try:
            raw = batch.batch
            for start in range(0, len(entries), self.n_batch):
                part = entries[start : start + self.n_batch]
                outputs: list[RowKey] = []
                raw.n_tokens = len(part)
                for j, (token, pos, seqs, key) in enumerate(part):
                    raw.token[j] = token
                    raw.pos[j] = pos
                    raw.n_seq_id[j] = len(seqs)
                    for k, seq in enumerate(seqs):
                        raw.seq_id[j][k] = seq
                    raw.logits[j] = key is not None
                    if key is not None:
                        outputs.append(key)
                status = int(llama_cpp.llama_decode(llm.ctx, raw))
                if status:
                    return status
                if not outputs:
                    continue
                logits = np.ctypeslib.as_array(
                    llama_cpp.llama_get_logits(llm.ctx), shape=(len(outputs), n_vocab)
                )
                peaks = logits.max(axis=1).astype(np.float64)
                sums = np.exp(logits - logits.max(axis=1)[:, None]).sum(axis=1, dtype=np.float64)
                norms = peaks + np.log(sums)
                values = logits[:, picked].astype(np.float64) - norms[:, None]
                for key, row in zip(outputs, values, strict=True):
                    job.table[key] = dict(zip(columns, row.tolist(), strict=True))
                if self.cancel[0]:
                    return _ABORTED
        finally:
            batch.close()
        return 0


def _item_scores(
    table: dict[RowKey, dict[int, float]],
    index: int,
    encoded: Sequence[Sequence[int]],
    lengths: Sequence[int],
) -> tuple[float, ...] | None:
    """Each choice's log-probability for one item, summed over the tokens that tell it
    apart; None when a cancel came before all of its rows were read."""
    try:
        return tuple(
            sum(table[(index, tuple(ids[:k]))][ids[k]] for k in range(need))
            for ids, need in zip(encoded, lengths, strict=True)
        )
    except KeyError:
        return None


def _decode_failure(status: int) -> str:
    if status == _NO_ROOM:
        return "The model's context has no room left for this text."
    return f"The model could not evaluate this text (llama.cpp returned {status})."
