"""The one checkpoint rule: the newest text, at most once a second, only when it changed."""

from __future__ import annotations

from app.core.checkpoint import Checkpointer


def test_text_is_saved_at_most_once_a_second_and_only_when_changed() -> None:
    now = [100.0]
    saved: list[str] = []
    checkpoints = Checkpointer(saved.append, every_s=1.0, clock=lambda: now[0])
    assert not checkpoints.offer("a")  # too soon after the start
    now[0] += 0.5
    assert not checkpoints.offer("ab")
    now[0] += 0.6
    assert checkpoints.offer("abc")
    assert saved == ["abc"]
    now[0] += 2
    assert not checkpoints.offer("abc"), "unchanged text is not written again"
    assert checkpoints.offer("abcd")  # due, and changed
    now[0] += 0.1
    assert not checkpoints.offer("abcde")
    assert checkpoints.flush() and saved == ["abc", "abcd", "abcde"]
    assert not checkpoints.flush()
    assert checkpoints.text == checkpoints.saved == "abcde"
