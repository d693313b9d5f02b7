"""The "headline" summary style the Summarise pane offers beside key points, paragraph, TL;DR."""

from __future__ import annotations

from app.core.prompts import summarise as prompts


def test_headline_style_asks_for_one_short_line() -> None:
    assert {"bullets", "paragraph", "tldr", "headline"} <= set(prompts.STYLES)
    single = prompts.single_pass_messages(
        "The bridge opened in 1820.", length="short", style="headline"
    )
    instruction = single[1]["content"]
    assert "headline" in instruction and "one line" in instruction
    assert "The bridge opened in 1820." in instruction
    final = prompts.combine_messages(["a", "b"], length="long", style="headline", final=True)
    assert "headline" in final[1]["content"]
    # Notes between rounds keep everything; the style applies only to the final pass.
    merged = prompts.combine_messages(["a", "b"], length="long", style="headline", final=False)
    assert "headline" not in merged[1]["content"]
