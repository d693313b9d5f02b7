"""What the app process and the engine process say to each other over their pipe.

Requests are small tuples ``(op, *args)``; replies are ``("ok", value)`` or ``("err", message)``.
A stream is answered by many short tuples instead of event objects, because one is sent per
token and a tuple pickles in about a microsecond: ``(TOKEN, text)`` or
``(TOKEN, text, logprob, top)``, ``(REASONING, text)``, ``(PROGRESS, done, total)``,
``(STATS, ...)``,
``(ERROR, message)`` and finally ``(DONE, reason)``. Both sides import this module; it
imports nothing from llama.cpp.
"""

from __future__ import annotations

from dataclasses import dataclass

# requests
OP_PROBE = "probe"
OP_LOAD = "load"
OP_STREAM = "stream"
OP_STREAM_MANY = "stream_many"  # several replies at once: each message is (SEQ, index, ...)
OP_CANCEL_SEQ = "cancel_seq"  # sent during OP_STREAM_MANY; no reply
# Sent during an OP_STREAM_MANY opened with keep_open (parley serve): (OP_ADD_SEQ, index,
# request) joins one more reply to the running stream, OP_END_MANY lets it end once idle.
OP_ADD_SEQ = "add_seq"
OP_END_MANY = "end_many"
OP_COUNT = "count"
OP_COUNT_CHAT = "count_chat"
OP_RENDER = "render"
OP_SCORE = "score"
OP_SCORE_MANY = "score_many"
OP_TOKENIZE = "tokenize"
OP_WINDOW_NLL = "window_nll"
OP_QUIT = "quit"

# replies
OK = "ok"
ERR = "err"

# stream events
TOKEN = "t"
REASONING = "r"
PROGRESS = "p"
STATS = "s"
ERROR = "e"
DONE = "d"
SEQ = "q"  # (SEQ, index, tag, ...): one of the above, for one reply of a parallel stream


@dataclass(frozen=True)
class LoadSpec:
    """One load attempt, with every llama.cpp setting already decided by the app process."""

    path: str
    chat_template: str | None
    n_ctx: int
    n_batch: int
    n_threads: int
    n_threads_batch: int
    flash_attn: bool
    seed: int
    gpu_layers: int  # -1 = all
    n_seq: int = 1  # sequences with a whole n_ctx each: the KV cache holds n_ctx x n_seq


@dataclass(frozen=True)
class Loaded:
    """What the engine process reports after a successful load."""

    n_layers: int
    n_ctx: int
    n_ctx_train: int
    n_threads: int
    system_info: str
    engine_version: str
    notes: tuple[str, ...]
    reasoning: str = "none"  # the chat template's ReasoningMode
