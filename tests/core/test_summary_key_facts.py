"""The final pass of a long summary is handed the notes' names and figures again.

A small model summarising eight parts' notes wrote a vague paragraph and left out every name
and figure the notes had; given them again as a short list after the notes, it kept them
(``bench/quality.py``'s planted facts). These tests pin which terms are chosen, where they go
in the prompt, and that a merge round cannot lose them.
"""

from __future__ import annotations

import re

from fake_backend import Call, FakeBackend

from app.core.pipelines.summarise import SummaryResult, summarise_document
from app.core.pipelines.summary_checks import KEY_TERMS, key_terms, names_in
from app.core.prompts import summarise as prompts


def test_names_and_figures_are_chosen_in_the_notes_order() -> None:
    notes = [
        "- Python programs are built from code blocks.\n"
        "- Ingrid Vasquez's survey counted 4817 programs that rely on this rule.\n"
        "- The Python interpreter runs each block in a frame.",
        "* A module is imported once.\n* Its namespace is created on first import.",
        "1. The survey by Élodie Marchetti settled the dispute.\n2) 1,820 projects broke.",
    ]
    assert key_terms(notes) == ["Ingrid Vasquez", "4817", "Élodie Marchetti", "1,820"]


def test_sentence_openers_single_digits_and_copied_passages_give_nothing() -> None:
    long_line = "- " + " ".join(["Kwame Thorsen ran it 3759 times"] * 8)
    notes = [
        "- The Python statement ends the block.\n- It takes 1 of 3 forms.\n" + long_line,
        "- In Python the name is bound.\n- This Module is loaded.\n- An ExceptionGroup.",
    ]
    assert key_terms(notes) == []
    assert names_in("Then Python Software Foundation said so") == ["Python Software Foundation"]


def test_every_note_gives_one_term_before_any_gives_a_second() -> None:
    first = "\n".join(f"- Figure {n}0{n} appears here." for n in range(1, 10))
    last = "- Beatriz Kowalczyk found 6638 programs."
    assert key_terms([first, "- Nothing here.", last], limit=3) == [
        "101", "202", "Beatriz Kowalczyk"
    ]  # fmt: skip
    assert len(key_terms([first] * 3, limit=20)) == 9  # a repeated term is listed once


def test_figures_count_in_scripts_without_capitals() -> None:
    assert key_terms(["- 调查发现 6638 个程序依赖这条规则。\n- 这一节讲模块。"]) == ["6638"]


def test_the_terms_come_after_the_notes_and_the_instruction_last() -> None:
    terms = ["Ingrid Vasquez", "4817"]
    final = prompts.combine_messages(
        ["- a note", "- another"], length="medium", style="bullets", key_terms=terms
    )
    user = final[-1]["content"]
    listed = user.index("Names and figures the summary must keep: Ingrid Vasquez, 4817.")
    instruction_at = user.index("Write a single summary")
    assert user.index("[2]\n- another") < listed < instruction_at
    assert prompts.STYLES["bullets"] in user[instruction_at:]
    # Without terms, a merge, or a headline: the instruction first and no list.
    for messages in (
        prompts.combine_messages(["- a note"], length="medium", style="bullets"),
        prompts.combine_messages(["- a"], length="medium", style="bullets", final=False),
        prompts.combine_messages(["- a"], length="short", style="headline", key_terms=terms),
    ):
        content = messages[-1]["content"]
        assert content.startswith("Below are notes") and "Names and figures" not in content


def _person(n: int) -> str:
    """A different name for every part: "Nora Linda", "Nora Lindb"…"""
    return f"Nora Lind{chr(ord('a') + n - 1)}"


def _parts_and_merges(call: Call) -> str:
    """Each part's note names a person and a figure; a merge keeps none of them."""
    part = re.search(r"This is part (\d+) of", call.user)
    if part:
        n = int(part.group(1))
        return (
            "- The section explains a rule in " + "detail " * 30 + "\n"
            f"- {_person(n)} counted {n}00{n} cases."
        )
    if "Merge them" in call.user:
        return "- Merged notes on several sections. " + "detail " * 40
    return "The summary."


def test_facts_merged_away_by_a_combine_round_still_reach_the_final_pass() -> None:
    backend = FakeBackend(reply=_parts_and_merges, context=700)
    text = "\n\n".join(f"Paragraph {i}. " + "word " * 120 for i in range(60))
    events = list(summarise_document(backend, text, length="short", notes_tokens=80))
    result = events[-1]
    assert isinstance(result, SummaryResult) and result.status == "complete", result
    assert result.combine_rounds >= 1 and result.parts > KEY_TERMS
    final = backend.calls[-1].user
    assert "Merged notes" in final and "Names and figures the summary must keep:" in final
    listed = re.search(r"must keep: (.*)\.\n", final)
    assert listed, final
    terms = listed[1].split(", ")
    # KEY_TERMS of them, each part's first (its name) before any part's second (its figure).
    assert terms == [_person(n) for n in range(1, KEY_TERMS + 1)]
    assert not backend.overflows


def test_the_list_is_dropped_when_only_the_notes_fit_the_final_pass() -> None:
    """A small context where one merged note fits the final pass, but not with the list:
    the summary is written from the notes alone, not refused as too long to combine."""

    def reply(call: Call) -> str:
        part = re.search(r"This is part (\d+) of", call.user)
        if part:
            n = int(part.group(1))
            return f"- {_person(n)} counted {n}00{n} cases in a survey of old programs."
        if "Merge them" in call.user:
            return "- Merged. " + "detail " * 400  # cut to the notes' room by the backend
        return "The summary."

    backend = FakeBackend(reply=reply, context=280)
    text = "\n\n".join(f"Paragraph {i}. " + "word " * 60 for i in range(10))
    events = list(summarise_document(backend, text, length="short"))
    result = events[-1]
    assert isinstance(result, SummaryResult) and result.status == "complete", result
    assert result.combine_rounds >= 1 and result.text == "The summary."
    final = backend.calls[-1].user
    assert "Merged." in final and "Names and figures" not in final
    assert not backend.overflows
