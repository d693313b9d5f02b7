"""History store benchmarks: opening a long chat, searching a large history, checkpoints.

Run alone with ``python -m bench.history``; ``run()`` returns rows for the common bench report.
The data is generated (fixed seed): 100,000 messages in 500 conversations of English-like text
with some Chinese, plus one conversation of 2,000 messages with regenerated branches.
"""

from __future__ import annotations

import functools
import itertools
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.core.history import HistoryStore

MESSAGES = 100_000
CONVERSATIONS = 500
LONG_THREAD = 2_000

# Word lists kept as text so they read like prose; split once at import.
_SYLLABLE_TEXT = (
    "ka lo mi ne ra to su vi de pa ri no el an or in ex um ta ge fo ly bra ste com pre "
    "ton ver cal dis mon tri per lan gra"
)
_COMMON_TEXT = (
    "the of and to a in is it you that he was for on are with as I his they be at one have "
    "this from or had by hot but some what there we can out other were all your when up use "
    "word how said an each she which do their time if will way about many then them would "
    "write like so these her long make thing see him two has look more day could go come did "
    "model text question answer python data file error code summary translate"
)
_SYLLABLES = _SYLLABLE_TEXT.split()
_COMMON = _COMMON_TEXT.split()
_CHINESE = "我们今天讨论一下模型的翻译质量以及如何总结长文档这个问题很有意思请给出详细的回答"


def _vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


VOCABULARY = _vocabulary(random.Random(7))


def _sentence_maker(rng: random.Random) -> Callable[[int], str]:
    rare = VOCABULARY
    # Zipf-like: common words most of the time, the long tail of rare words otherwise.
    cumulative = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(rare))))

    def make(words: int) -> str:
        if rng.random() < 0.04:
            start = rng.randrange(len(_CHINESE) - 12)
            return _CHINESE[start : start + rng.randint(8, 30)] + "。"
        out = []
        for _ in range(words):
            if rng.random() < 0.55:
                out.append(rng.choice(_COMMON))
            else:
                out.append(rng.choices(rare, cum_weights=cumulative)[0])
        return " ".join(out).capitalize() + "."

    return make


def _fill(store: HistoryStore, rng: random.Random) -> tuple[int, float]:
    """Bulk-load through SQL (the triggers still maintain the search index)."""
    make = _sentence_maker(rng)
    per_conv = MESSAGES // CONVERSATIONS
    start = datetime(2024, 1, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    conn = store._engine.raw_connection()  # bulk load: one transaction, no ORM
    try:
        cur = conn.cursor()
        cur.execute("BEGIN")
        next_id = 1
        for c in range(CONVERSATIONS):
            when = start + timedelta(hours=c)
            stamp = when.strftime("%Y-%m-%d %H:%M:%S.000000")
            cur.execute(
                "INSERT INTO conversations (title, created_at, updated_at) VALUES (?, ?, ?)",
                (make(rng.randint(2, 6))[:60], stamp, stamp),
            )
            cid = cur.lastrowid
            rows: list[tuple[int, int, int | None, str, str, str, str]] = []
            parent: int | None = None
            for i in range(per_conv):
                role = "user" if i % 2 == 0 else "assistant"
                body = " ".join(
                    make(rng.randint(6, 18))
                    for _ in range(1 if role == "user" else rng.randint(2, 6))
                )
                rows.append((next_id, cid, parent, role, body, stamp, "complete"))
                parent = next_id
                next_id += 1
            cur.executemany(
                "INSERT INTO messages (id, conversation_id, parent_id, role, text, created_at,"
                " status) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            cur.execute("UPDATE conversations SET active_leaf_id = ? WHERE id = ?", (parent, cid))
        cur.execute("COMMIT")
    finally:
        conn.close()
    return next_id - 1, time.perf_counter() - t0


def _long_thread(store: HistoryStore, rng: random.Random) -> int:
    """2,000 messages through the public API, with a regenerated reply every 50 turns."""
    make = _sentence_maker(rng)
    conv = store.create_conversation(title="Long conversation", model_id="bench")
    leaf: int | None = None
    count = 0
    while count < LONG_THREAD:
        user = store.add_message(conv.id, "user", make(12), parent_id=leaf)
        count += 1
        if count % 50 == 1:
            old = store.add_message(conv.id, "assistant", make(30), parent_id=user.id)
            count += 1
            store.switch_branch(old.id)
        reply = store.add_message(conv.id, "assistant", make(40), parent_id=user.id)
        count += 1
        leaf = reply.id
    return conv.id


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median and worst time in ms (after one warm-up call)."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times), result


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def row(name: str, value: float, unit: str, target: str = "", **extra: Any) -> None:
        rows.append(
            {
                "benchmark": f"history: {name}",
                "value": round(value, 3),
                "unit": unit,
                "target": target,
                **extra,
            }
        )

    rng = random.Random(20251123)
    with tempfile.TemporaryDirectory(prefix="parley-bench-history-") as tmp:
        path = Path(tmp) / "history.sqlite3"
        t0 = time.perf_counter()
        store = HistoryStore.open(path)
        row("create new file (migrate to head)", (time.perf_counter() - t0) * 1000, "ms")
        try:
            n, seconds = _fill(store, rng)
            row("bulk load with search index", n / seconds, "messages/s", messages=n)
            cid = _long_thread(store, rng)
        finally:
            store.close()
        row("file size", path.stat().st_size / 1e6, "MB", messages=n + LONG_THREAD)

        t0 = time.perf_counter()
        store = HistoryStore.open(path)
        row("open existing file (start-up)", (time.perf_counter() - t0) * 1000, "ms")
        try:
            med, worst, thread = _timed(lambda: store.thread(cid), 9)
            row(
                "open a 2,000-message conversation (thread)",
                med,
                "ms",
                "< 300 ms",
                worst_ms=round(worst, 2),
                messages_shown=len(thread),
            )
            med, worst, _ = _timed(store.list_conversations, 9)
            row("list 501 conversations", med, "ms", worst_ms=round(worst, 2))

            queries = {
                "rare word": VOCABULARY[3000],
                "common word (in 15% of messages)": "answer",
                "very common word (in most messages)": "the",
                "two words": "python error",
                "phrase": '"the model"',
                "prefix of a word": "tonv",
                "Chinese, 4 characters": "翻译质量",
                "Chinese, 2 characters (no index)": "模型",
                "no hit": "zzzqqq",
                "short terms only, no hit (full scan)": "zq",
            }
            for label, query in queries.items():
                med, worst, hits = _timed(functools.partial(store.search, query), 7)
                row(
                    f"search 100k messages: {label}",
                    med,
                    "ms",
                    "< 50 ms",
                    worst_ms=round(worst, 2),
                    hits=len(hits),
                    query=query,
                )

            conv = store.create_conversation(title="checkpoint bench")
            user = store.add_message(conv.id, "user", "Write a long story.")
            reply = store.start_reply(conv.id, user.id, "bench")
            text = ""
            times = []
            for i in range(200):
                text += f"Sentence number {i} of a reply that keeps growing as tokens arrive. "
                t0 = time.perf_counter()
                store.update_reply(reply.id, text)
                times.append((time.perf_counter() - t0) * 1000)
            row(
                "checkpoint a streaming reply (update_reply)",
                statistics.median(times),
                "ms",
                "< 5 ms",
                p95_ms=round(sorted(times)[189], 3),
                reply_chars=len(text),
            )
            med, worst, _ = _timed(
                lambda: store.add_message(conv.id, "user", "Another question"), 50
            )
            row("commit a user message (add_message)", med, "ms", worst_ms=round(worst, 2))
        finally:
            store.close()
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
