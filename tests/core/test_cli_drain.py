"""How ``parley chat`` prints a reasoning model's thinking: stderr, dimmed on a terminal."""

from __future__ import annotations

import io

from app.cli.common import drain
from app.core.backend import Done, Reasoning, Stats, Token


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


EVENTS = [Reasoning("Two and "), Reasoning("two."), Token("4"), Token("."), Stats(3, 4, 0.1, 9.0)]


def test_thinking_goes_to_its_own_stream_and_never_into_the_answer() -> None:
    out, err, thoughts = io.StringIO(), io.StringIO(), []
    text, reason, stats = drain(
        iter([*EVENTS, Done("stop")]), out, thoughts=thoughts, thoughts_out=err
    )
    assert (text, reason, out.getvalue()) == ("4.", "stop", "4.")
    assert "".join(thoughts) == "Two and two."
    assert err.getvalue() == "Two and two.\n\n"  # a blank line before the answer starts
    assert stats.generated_tokens == 4


def test_thinking_is_dimmed_on_a_terminal_and_hidden_when_asked() -> None:
    err = Terminal()
    drain(iter([*EVENTS, Done("stop")]), io.StringIO(), thoughts_out=err)
    assert err.getvalue().startswith("\x1b[2mTwo and \x1b[0m")
    out = io.StringIO()
    text, _reason, _stats = drain(iter([*EVENTS, Done("stop")]), out)  # --reasoning hide
    assert text == "4." and out.getvalue() == "4."
