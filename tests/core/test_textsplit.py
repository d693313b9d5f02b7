"""Token-aware splitting: the budget is never exceeded and no text is lost or duplicated.

Property-style: many seeded random documents (paragraphs, lines, sentences in Latin and CJK
script, giant unpunctuated paragraphs) against several tokenizers, including one whose count
of a joined text is more than the sum of its pieces, which forces the verification path.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Callable

import pytest
from fake_backend import count_words

from app.core.textsplit import (
    BudgetError,
    SplitPlan,
    plan,
    split_paragraphs,
    split_sentences,
    split_text,
)

WORDS = [
    *("alpha", "beta", "gamma", "delta", "epsilon", "zeta"),
    *("eta", "theta", "iota", "kappa", "lambda", "mu"),
]
CJK = "我们今天学习语言模型的文本分割方法这个句子没有标点符号但是很长"


class Counter:
    """Wraps a tokenizer and records how much text it was asked to count."""

    def __init__(self, fn: Callable[[str], int]) -> None:
        self.fn = fn
        self.calls = 0
        self.chars = 0

    def __call__(self, text: str) -> int:
        self.calls += 1
        self.chars += len(text)
        return self.fn(text)


def chars_per_token(text: str) -> int:
    """A tokenizer that makes long words expensive: one token per 3 characters, rounded up."""
    return sum(math.ceil(len(piece) / 3) for piece in re.findall(r"\S+|\s+", text))


def superadditive(text: str) -> int:
    """Counts more for a joined text than for its parts, like BPE merges going the other way."""
    return count_words(text) + len(text) // 40


TOKENIZERS = {
    "words": count_words,
    "chars": chars_per_token,
    "superadditive": superadditive,
}


def random_document(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(1, 25)):
        kind = rng.random()
        if kind < 0.1:  # a giant paragraph without any punctuation
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(200, 900)))
        elif kind < 0.2:  # Chinese with and without sentence ends
            body = "".join(
                "".join(rng.choice(CJK) for _ in range(rng.randint(5, 60)))
                + rng.choice(["。", "！", "？", "", "」。"])
                for _ in range(rng.randint(1, 12))
            )
        elif kind < 0.3:  # lines
            body = "\n".join(
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))
                for _ in range(rng.randint(2, 15))
            )
        else:
            body = "".join(
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30)))
                + rng.choice([". ", "! ", "? ", "… ", '." ', "; "])
                for _ in range(rng.randint(1, 12))
            )
        paragraphs.append(body + rng.choice(["\n\n", "\n\n\n", "\n \n", "\r\n\r\n", "\n\n"]))
    return "".join(paragraphs).rstrip("\n") + rng.choice(["", "\n"])


@pytest.mark.parametrize("tokenizer", sorted(TOKENIZERS))
@pytest.mark.parametrize("seed", range(40))
def test_random_documents_keep_every_guarantee(tokenizer: str, seed: int) -> None:
    rng = random.Random(seed)
    text = random_document(rng)
    budget = rng.choice([4, 9, 25, 60, 150, 400, 1500])
    count = TOKENIZERS[tokenizer]
    parts = split_text(text, count, budget)
    assert "".join(parts) == text, "re-joining the parts must give the text back exactly"
    assert all(parts), "no empty part"
    over = [count(part) for part in parts if count(part) > budget]
    assert not over, f"parts over the budget of {budget}: {over}"


def test_parts_end_at_paragraph_breaks_when_paragraphs_fit() -> None:
    paragraphs = [f"P{i} " + " ".join([WORDS[i % len(WORDS)]] * 30) + "." for i in range(20)]
    text = "\n\n".join(paragraphs)
    parts = split_text(text, count_words, 100)
    assert len(parts) > 1
    assert all(part.endswith("\n\n") for part in parts[:-1])
    # Every paragraph is whole in exactly one part.
    for paragraph in paragraphs:
        assert sum(paragraph in part for part in parts) == 1


def test_long_paragraph_splits_at_sentence_ends() -> None:
    sentences = [f"Sentence number {i} has a few words in it. " for i in range(60)]
    text = "".join(sentences).rstrip()
    parts = split_text(text, count_words, 40)
    assert "".join(parts) == text
    assert all(part.endswith(". ") for part in parts[:-1])


def test_chinese_splits_at_full_width_sentence_ends() -> None:
    sentences = ["我们今天学习文本分割。", "这个方法很好用！", "你觉得怎么样？", "「好的」。"] * 30
    text = "".join(sentences)
    parts = split_text(text, count_words, 30)
    assert "".join(parts) == text
    assert len(parts) > 3
    assert all(part.endswith(("。", "！", "？")) for part in parts[:-1])
    assert all(count_words(part) <= 30 for part in parts)


def test_giant_paragraph_without_punctuation_splits_at_spaces() -> None:
    rng = random.Random(7)
    text = " ".join(rng.choice(WORDS) for _ in range(20_000))
    counter = Counter(count_words)
    parts = split_text(text, counter, 500)
    assert "".join(parts) == text
    assert all(part.endswith(" ") for part in parts[:-1]), "cut between words, not inside one"
    assert all(count_words(part) <= 500 for part in parts)
    assert all(count_words(part) >= 400 for part in parts[:-1]), "parts are well filled"
    # Linear work: the text is counted a small, constant number of times over, never once
    # per word (20,000 calls) and never the remaining text again and again (quadratic).
    assert counter.chars <= 4 * len(text)
    assert counter.calls <= 4 * len(parts) + 2


def test_cjk_without_any_boundary_splits_between_characters() -> None:
    text = CJK * 400
    counter = Counter(count_words)
    parts = split_text(text, counter, 100)
    assert "".join(parts) == text
    assert all(count_words(part) <= 100 for part in parts)
    assert counter.chars <= 4 * len(text)


def test_combining_marks_stay_with_their_letter() -> None:
    text = ("e\u0301" * 500).replace("e\u0301e", "e\u0301 e", 1)  # one space, then none
    parts = split_text(text, len, 33)
    assert "".join(parts) == text
    assert all(not unicodedata.combining(part[0]) for part in parts)


def test_paragraph_counting_is_linear_in_text() -> None:
    text = "\n\n".join(f"Paragraph {i} says something short." for i in range(2000))
    counter = Counter(count_words)
    parts = split_text(text, counter, 300)
    assert "".join(parts) == text
    assert counter.chars <= 3 * len(text)


def test_tiny_budget_below_one_character_is_an_error() -> None:
    with pytest.raises(BudgetError):
        split_text("abc def", lambda t: 5 * len(t), 3)
    with pytest.raises(BudgetError):
        split_text("abc", count_words, 0)


def test_empty_text_gives_no_parts() -> None:
    assert split_text("", count_words, 10) == []


def test_splitters_keep_separators() -> None:
    text = "One.\n\nTwo\r\n\r\nThree\n  \n\nFour"
    assert "".join(split_paragraphs(text)) == text
    assert split_paragraphs(text) == ["One.\n\n", "Two\r\n\r\n", "Three\n  \n\n", "Four"]
    sentences = split_sentences('He said "Go!" Then left. 3.14 is pi? Yes… 好。对！')
    assert sentences == ['He said "Go!" ', "Then left. ", "3.14 is pi? ", "Yes… ", "好。", "对！"]


def test_plan_for_text_that_fits() -> None:
    text = "A short text. " * 10
    result = plan(text, count_words, 2048, 100, 300)
    assert result == SplitPlan(total_tokens=count_words(text), budget=1648, parts=(text,))
    assert result.describe() == "40 tokens — the model reads 1,648 at a time — 1 part"


def test_plan_for_long_text() -> None:
    text = "\n\n".join("word " * 200 for _ in range(30))
    result = plan(text, count_words, 2048, 100, 300)
    assert result.total_tokens == 6000
    assert result.part_count == len(result.parts) > 3
    assert "".join(result.parts) == text
    assert result.describe().startswith("6,000 tokens — the model reads 1,648 at a time — ")
    assert result.describe().endswith(f"— {result.part_count} parts")


def test_plan_refuses_a_context_with_no_room() -> None:
    with pytest.raises(BudgetError, match="context of 512 tokens leaves no room"):
        plan("text", count_words, 512, 300, 300)
