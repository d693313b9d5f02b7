"""The translation table's cells show a document's Markdown formatted: the pipeline keeps
the markers so the structure survives, and a reader should see headings and emphasis, not
``**`` and ``##``; nothing a model writes may become markup. A saved run's title drops
the markers too."""

from __future__ import annotations

import pytest

from app.gui.tools.text import markdown_cell


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("## Getting *started*", "<b>Getting <i>started</i></b>"),
        ("# 开始使用 #", "<b>开始使用</b>"),
        ("**Bold** and __strong__", "<b>Bold</b> and <b>strong</b>"),
        ("- one\n- **two**", "\u2022 one\n\u2022 <b>two</b>"),
        ("  * nested", "  \u2022 nested"),
        ("See [the rules](https://example.org/rules).", "See the rules."),
        ("Use `a**b**c` as is", "Use <code>a**b**c</code> as is"),
        ("```\nloan_days = 21\n```", "<code>loan_days = 21</code>"),
        ("~~~python\nx = 1 < 2\n~~~", "<code>x = 1 &lt; 2</code>"),
    ],
)
def test_markdown_is_shown_formatted(text: str, html: str) -> None:
    assert markdown_cell(text) == html


@pytest.mark.parametrize(
    "text",
    ["2*3*4 = 24", "snake_case_name and __init__x", "a * b * c", "5 * 3", "**unclosed"],
)
def test_text_that_only_looks_like_markup_stays_as_written(text: str) -> None:
    assert markdown_cell(text) == text


def test_what_a_model_writes_never_becomes_markup() -> None:
    shown = markdown_cell('<img src="x"> **<b>bold</b>** & <script>')
    assert "<img" not in shown and "<script" not in shown and "<b>bold</b>" not in shown
    assert shown == '&lt;img src="x"&gt; <b>&lt;b&gt;bold&lt;/b&gt;</b> &amp; &lt;script&gt;'


def test_a_saved_runs_title_reads_the_document_without_its_markers() -> None:
    from app.gui.tools.text import first_words

    document = "# Opening hours\n\nThe library opens at **nine** in the morning."
    assert first_words(document, 48) == "Opening hours The library opens at nine in the…"
    assert first_words("- See the [rules](https://example.org/rules).") == "See the rules."
    assert first_words("1. First step\n2. `make` it") == "First step make it"
    assert first_words("snake_case and 2*3 stay") == "snake_case and 2*3 stay"
