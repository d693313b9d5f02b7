"""The context-overflow policy: keep the system prompt and the newest turn, drop the oldest.

Counted with a word-count tokenizer so each expectation can be worked out by hand; the engine
tests exercise the real tokenizer.
"""

from __future__ import annotations

import pytest

from app.core.backend import ChatMessage
from app.core.context import (
    MIN_REPLY_TOKENS,
    FitResult,
    fit_messages,
    overflow_message,
    prompt_budget,
)


def msg(role: str, words: int, tag: str = "w") -> ChatMessage:
    return {"role": role, "content": " ".join([tag] * words)}  # type: ignore[typeddict-item]


class CountingTokenizer:
    """Three tokens of template per message plus one per word; records how often it ran."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, messages: list[ChatMessage]) -> int:
        self.calls += 1
        return sum(3 + len(m["content"].split()) for m in messages)


def conversation(turns: int, words: int = 10) -> list[ChatMessage]:
    items: list[ChatMessage] = [msg("system", 5, "sys")]
    for n in range(turns):
        items.append(msg("user", words, f"q{n}"))
        items.append(msg("assistant", words, f"a{n}"))
    items.append(msg("user", words, "new"))
    return items


def test_everything_fits_nothing_dropped() -> None:
    counter = CountingTokenizer()
    items = conversation(2)
    result = fit_messages(items, counter, budget=1000)
    assert result.messages == items
    assert result.dropped_indices == ()
    assert result.fits
    assert result.tokens == counter(items)
    assert counter.calls == 2  # one in fit_messages, one above


def test_drops_oldest_whole_turns_and_keeps_system_and_newest() -> None:
    counter = CountingTokenizer()
    items = conversation(4)  # system 8 tokens, each message 13 tokens: 8 + 9*13 = 125
    assert counter(items) == 125
    # Budget for system + 2 turns + newest = 8 + 5*13 = 73.
    result = fit_messages(items, counter, budget=73)
    assert result.fits
    assert result.dropped_indices == (1, 2, 3, 4)  # turns q0/a0 and q1/a1
    assert result.messages[0]["role"] == "system"
    assert result.messages[-1]["content"].startswith("new")
    assert [m["content"].split()[0] for m in result.messages] == [
        "sys",
        "q2",
        "a2",
        "q3",
        "a3",
        "new",
    ]
    assert result.tokens == 73
    assert result.dropped_count == 4


def test_drops_the_fewest_turns_possible() -> None:
    counter = CountingTokenizer()
    items = conversation(4)
    result = fit_messages(items, counter, budget=124)  # one token too many: drop one turn
    assert result.dropped_indices == (1, 2)
    assert result.tokens == 125 - 26


def test_assistant_reply_never_kept_without_its_question() -> None:
    counter = CountingTokenizer()
    items = [
        msg("system", 1),
        msg("user", 50, "long"),
        msg("assistant", 1, "short"),
        msg("user", 1, "q"),
        msg("assistant", 1, "a"),
        msg("user", 1, "new"),
    ]
    result = fit_messages(items, counter, budget=30)
    assert result.dropped_indices == (1, 2)
    assert result.messages[1]["content"] == "q"


def test_newest_message_alone_too_long_reports_not_fitting() -> None:
    counter = CountingTokenizer()
    items = [msg("system", 5), msg("user", 5), msg("assistant", 5), msg("user", 500, "huge")]
    result = fit_messages(items, counter, budget=100)
    assert not result.fits
    assert result.dropped_indices == (1, 2)
    assert [m["role"] for m in result.messages] == ["system", "user"]
    assert result.tokens == 8 + 503


def test_no_system_prompt_can_drop_from_the_first_message() -> None:
    counter = CountingTokenizer()
    items = [msg("user", 10), msg("assistant", 10), msg("user", 10, "new")]
    result = fit_messages(items, counter, budget=20)
    assert result.fits
    assert result.dropped_indices == (0, 1)


def test_binary_search_keeps_counting_cheap_for_long_conversations() -> None:
    counter = CountingTokenizer()
    items = conversation(1000)  # 2,002 messages
    result = fit_messages(items, counter, budget=8 + 13 * 21)  # room for 10 turns + newest
    assert result.fits
    assert len(result.messages) == 1 + 20 + 1
    assert result.dropped_indices == tuple(range(1, 1 + 2 * 990))
    assert counter.calls <= 14  # 1 + ceil(log2(1000)) + slack, not 1,000


def test_empty_conversation() -> None:
    result = fit_messages([], CountingTokenizer(), budget=10)
    assert result == FitResult([], (), 0, 10, True)


@pytest.mark.parametrize(
    ("context", "max_tokens", "expected"),
    [
        (4096, 512, 3584),
        (4096, 4096, 2048),  # the reply never takes more than half
        (4096, 16, 4096 - MIN_REPLY_TOKENS),  # but always gets some room
        (512, 16, 512 - 128),  # a quarter of a tiny window
    ],
)
def test_prompt_budget(context: int, max_tokens: int, expected: int) -> None:
    assert prompt_budget(context, max_tokens) == expected


def test_prompt_budget_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        prompt_budget(0, 10)


def test_overflow_message_names_the_numbers() -> None:
    text = overflow_message(5000, 3584)
    assert "5,000" in text and "3,584" in text
