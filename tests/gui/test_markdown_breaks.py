"""A reply's own line breaks are kept (a haiku stays three lines), and Markdown still works."""

from __future__ import annotations

import re

from pytestqt.qtbot import QtBot

from app.gui.chat.markdown import markdown_to_html

HAIKU = "An old silent pond\nA frog jumps into the pond\nSplash! Silence again."


def _paragraphs(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p[^>]*>.*?</p>", html, re.S)]


def test_lines_of_a_poem_stay_lines(qtbot: QtBot) -> None:
    assert _paragraphs(markdown_to_html(HAIKU)) == HAIKU.split("\n")


def test_lists_tables_and_paragraphs_are_unchanged(qtbot: QtBot) -> None:
    html = markdown_to_html("- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nEnd.")
    assert html.count("<li") == 2 and "<table" in html
    assert "<br" not in html
    assert _paragraphs(markdown_to_html("First.\n\nSecond."))[-2:] == ["First.", "Second."]
