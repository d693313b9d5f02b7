"""The incremental reasoning splitter: tags split across chunks in every way."""

from __future__ import annotations

import random

from app.core.reasoning import ReasoningSplitter, split_reasoning


def run(chunks: list[str], *, inside: bool = False) -> tuple[str, str]:
    splitter = ReasoningSplitter(inside=inside)
    reasoning, answer = [], []
    for chunk in chunks:
        r, a = splitter.feed(chunk)
        reasoning.append(r)
        answer.append(a)
    r, a = splitter.flush()
    return "".join([*reasoning, r]).strip(), "".join([*answer, a])


TEXT = "<think>\nThe user greets me. I greet back.\n</think>\n\nHello! How can I help?"


def every_split(text: str) -> list[list[str]]:
    """Every way of cutting ``text`` in two and three pieces (tags cut at every position)."""
    out = [[text]]
    for i in range(1, len(text)):
        out.append([text[:i], text[i:]])
        for j in range(i + 1, len(text), 7):
            out.append([text[:i], text[i:j], text[j:]])
    return out


def test_tags_split_anywhere() -> None:
    for chunks in every_split(TEXT):
        assert run(chunks) == ("The user greets me. I greet back.", "Hello! How can I help?"), (
            chunks
        )


def test_char_by_char_and_random_chunks() -> None:
    rng = random.Random(7)
    assert run(list(TEXT)) == ("The user greets me. I greet back.", "Hello! How can I help?")
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, len(TEXT)), rng.randint(1, 12)))
        chunks = [TEXT[a:b] for a, b in zip([0, *cuts], [*cuts, len(TEXT)], strict=True)]
        assert run(chunks) == ("The user greets me. I greet back.", "Hello! How can I help?")


def test_prompt_opened_the_block() -> None:
    """DeepSeek-R1 style: the template wrote <think>, only </think> comes back."""
    text = "Let me add 2 and 2. That is 4.\n</think>\n\nThe answer is 4."
    for chunks in every_split(text):
        assert run(chunks, inside=True) == ("Let me add 2 and 2. That is 4.", "The answer is 4.")


def test_plain_answer_passes_through_untouched() -> None:
    assert run(["Hello", " there", "\n\nBye"]) == ("", "Hello there\n\nBye")
    assert run(["  \n", "Hi"]) == ("", "  \nHi")
    # the fast path: once the answer started, a tag is just text
    splitter = ReasoningSplitter()
    assert splitter.feed("Use ") == ("", "Use ")
    assert splitter.feed("<think> tags") == ("", "<think> tags")


def test_answer_that_starts_like_a_tag_is_not_held_forever() -> None:
    assert run(["<th", "ings to do>"]) == ("", "<things to do>")
    assert run(["<"]) == ("", "<")


def test_unclosed_reasoning_is_all_reasoning() -> None:
    """Cut off by the token limit mid-thought: no answer, and nothing of the tag leaks."""
    assert run(["<think>I am still", " thinking </thi"]) == ("I am still thinking </thi", "")
    splitter = ReasoningSplitter()
    splitter.feed("<think>abc </th")
    assert splitter.thinking and splitter.opened and not splitter.closed


def test_empty_think_block_of_a_switched_off_model() -> None:
    """Qwen3 with thinking off may still echo an empty block."""
    assert run(["<think>\n\n</think>\n\n", "Answer"]) == ("", "Answer")


def test_split_reasoning_whole_text() -> None:
    assert split_reasoning(TEXT) == (
        "The user greets me. I greet back.",
        "Hello! How can I help?",
    )
    assert split_reasoning("no tags here") == ("", "no tags here")
    assert split_reasoning("step\n</think>\nok", inside=True) == ("step", "ok")
