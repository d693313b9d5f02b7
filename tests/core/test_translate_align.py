"""Lining up an answer that merged lines, and spotting a model caught in a loop."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fake_backend import Call, FakeBackend
from test_pipelines_translate import lines_of

from app.core.backend import Done, SamplingParams, Token
from app.core.pipelines import CallLog, finish_call, run_call
from app.core.pipelines.translate import TranslationResult, translate_document
from app.core.pipelines.translate_align import (
    Aligned,
    align_lines,
    place_answer,
    repeated_tail,
    repeats,
)


def test_lines_around_a_merge_keep_their_places() -> None:
    sources = [10, 12, 8, 15, 9]
    # The answer ran lines 2 and 3 together; the others came back one to one.
    lines = ["one", "two three", "four", "five"]
    placed = align_lines(sources, lines, [11, 21, 14, 10])
    assert placed == [
        Aligned("one"),
        Aligned(None, "merged"),
        Aligned(None, "merged"),
        Aligned("four"),
        Aligned("five"),
    ]


def test_a_shifted_line_condemns_its_whole_run() -> None:
    # Equal lengths cannot say where the merge is: the aligner guesses the end, which pairs
    # "STEP 3" with line 2. Its number says it is not line 2's, and a shift lasts from one
    # merge to the next, so line 1, paired in the same run, is not trusted either.
    sources = ["Step 1 reads.", "Step 2 writes.", "Step 3 waits.", "Step 4 ends."]
    answer = "STEP 1 READS.\nSTEP 3 WAITS.\nSTEP 4 ENDS."
    placed, why = place_answer(answer, sources, [5, 5, 5, 5], lambda line: 5, " ")
    assert placed == [None, None, None, None]
    assert why == {0: "missing", 1: "missing", 2: "merged", 3: "merged"}


def test_a_run_is_kept_on_evidence_and_never_without() -> None:
    sources = [
        'The "global" statement binds names.',
        "Names are looked up at run time.",
        'Call "exec()" with care.',
        "Loops end.",
        "A short closing line here.",
    ]
    # A translation into Chinese that ran lines 4 and 5 together: lines 1-3 pair in a row,
    # and their code names ("global", "exec()") match their sources.
    lines = ['"global" 语句绑定名称。', "名称在运行时查找。", '小心调用 "exec()"。']
    answer = "\n".join([*lines, "循环结束。这里是结尾。"])
    placed, why = place_answer(answer, sources, [8, 8, 8, 3, 6], lambda line: 8, "")
    assert placed[:3] == lines
    assert placed[3:] == [None, None] and why == {3: "merged", 4: "merged"}
    # The same pairs with nothing to tell them by are not trusted: sent again, not guessed.
    plain = ["One.", "Two.", "Three.", "Four.", "Five."]
    placed, _ = place_answer("一。\n二。\n三。\n四五。", plain, [2, 2, 2, 2, 2], len, "")
    assert placed == [None] * 5


def test_a_pair_far_off_the_parts_ratio_is_not_kept() -> None:
    # Three good pairs set the ratio near 1; a 40-token answer for a 5-token source is not a
    # translation of it. (Lengths only: place_answer then asks for evidence too.)
    placed = align_lines([10, 10, 10, 5, 30], ["a", "b", "c", "d"], [10, 11, 9, 40])
    assert [place.text for place in placed[:3]] == ["a", "b", "c"]
    assert all(place.text is None for place in placed[3:])


def test_an_answer_with_more_lines_than_asked_is_never_lined_up() -> None:
    answer = "Here is the translation:\nA\nB\nC"
    assert place_answer(answer, ["a", "b", "c"], [10, 10, 10], len, " ") == ([None] * 3, {})


def test_a_loop_is_found_at_the_end_and_cut_to_one_copy() -> None:
    start = "执行模型\n程序结构\nPython程序由代码块组成。"
    loop = "一个模块运行为顶层脚本是代码块。"
    text = start + loop * 6 + loop[:5]  # cut mid-copy, as a stream is
    assert text[: len(text) - repeated_tail(text)] == start + loop


def test_repeated_lines_and_short_repeats_are_not_loops() -> None:
    assert repeated_tail("a\nReturns nothing useful.\nReturns nothing useful.\n" * 3) == 0
    assert repeated_tail("ha ha ha ha ha ha ha") == 0  # a block of 3 characters
    assert repeated_tail("A translation that ends the way it should.") == 0
    assert repeats("Paragraph " + "text " * 40)
    assert not repeats("A paragraph with no loop in it, and nothing said three times.")


class _Looping(FakeBackend):
    """Streams the same sentence until cancelled; counts the tokens it was asked for."""

    def __init__(self) -> None:
        super().__init__(reply=lambda call: "")
        self.streamed = 0
        self.cancels = 0

    def cancel(self) -> None:
        self.cancels += 1

    def stream(self, messages, params, **_kw):  # type: ignore[no-untyped-def]
        yield Token("Intro. ")
        for _ in range(500):
            if self.cancels:
                break
            self.streamed += 1
            yield Token("The same sentence again. ")
        yield Done("cancelled" if self.cancels else "length")


def test_a_call_caught_in_a_loop_is_ended_early_and_reads_cut_off() -> None:
    backend = _Looping()
    outcome = finish_call(
        run_call(backend, [], SamplingParams(), log=CallLog(), stop=None, loop_guard=repeated_tail)
    )
    assert backend.cancels == 1 and backend.streamed < 20
    assert outcome.reason == "length"
    assert outcome.text.rstrip() == "Intro. The same sentence again."


def translated(
    paragraphs: int, part: Callable[[list[str]], str]
) -> tuple[TranslationResult, FakeBackend]:
    """``paragraphs`` numbered paragraphs "translated" into capitals; the call for the whole
    part is answered by ``part`` (given its lines), every other call line by line."""

    def reply(call: Call) -> str:
        lines = lines_of(call)
        if len(lines) == paragraphs:
            return part([line.upper() for line in lines])
        return "\n".join(line.upper() for line in lines)

    text = "\n\n".join(f"Paragraph number {i} says something." for i in range(1, paragraphs + 1))
    backend = FakeBackend(reply=reply)
    result = list(translate_document(backend, text, target="de", source="en"))[-1]
    assert isinstance(result, TranslationResult) and result.status == "complete"
    assert result.text == text.upper()
    return result, backend


def test_a_part_that_ran_lines_together_costs_calls_for_those_lines_only() -> None:
    # Lines 3 and 4 on one line.
    result, _ = translated(8, lambda out: "\n".join([*out[:2], out[2] + " " + out[3], *out[4:]]))
    # One call for the part and one for each merged line, not one for each of its 8 lines.
    assert result.model_calls == 3
    assert [(e["line"], e["reason"]) for e in result.retry_log] == [(3, "merged"), (4, "merged")]


def test_lines_a_loop_never_reached_are_sent_alone_and_the_rest_kept() -> None:
    # Three lines, then a loop the guard has to end.
    result, backend = translated(10, lambda out: "\n".join(out[:3]) + " UND SO WEITER" * 200)
    # The part, then the line it looped in and the seven it never reached, each alone; the
    # two lines before the loop are kept.
    assert result.model_calls == 1 + 8
    assert backend.calls[0].reason == "cancelled"  # ended by the loop guard, not the limit
    assert len(backend.calls[0].reply.split()) < 100
    assert [e["line"] for e in result.retry_log] == list(range(3, 11))
    assert all(call.grammar is not None for call in backend.calls[1:])


@pytest.mark.parametrize("count", [2, 5])
def test_lining_up_never_invents_a_line(count: int) -> None:
    placed = align_lines([10] * count, ["only"], [10])
    assert sum(place.text is not None for place in placed) <= 1
