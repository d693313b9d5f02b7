"""Every catalogue family's real chat template, rendered by Parley's ChatTemplate.

The templates and tokenizers come from llama.cpp's own source as vendored in the pinned
llama-cpp-python sdist (``scripts/fetch_test_assets.py``; the starter model's from its GGUF),
so these are the texts real model files carry, not hand-written look-alikes. For each family
the table below says which file stands for it (and why, where it is the closest vendored
relative rather than the model itself), and each test checks one thing the engine relies on:

(a) the system prompt reaches the model (merged into the first user turn where the template
    has no system role); (b) a follow-up turn's prompt starts with the previous prompt plus
    the answer, so llama.cpp reuses the KV cache (where a template deliberately re-renders
    the last turn differently the exact difference is asserted instead); (c) BOS is not
    doubled when the prompt is tokenized as the engine does; (d) the end-of-turn marker is one
    token that llama.cpp treats as end of generation; (e) the reasoning mode and the thinking
    switch; (f) ``<think>`` tags split over several tokens are still found by the splitter.

A thinking model's own output (``<think>…</think>`` then the answer) is never a prefix of
the next prompt, since the history keeps only answers: KV reuse stops where the reasoning
began. Test (b) is about the prompt text itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path

import pytest

from app.core.backend import ReasoningMode
from app.core.catalogue import load_catalogue
from app.core.chat_template import THINK_SWITCH, ChatTemplate
from app.core.gguf import read_gguf_metadata
from app.core.paths import starter_model_path
from app.core.reasoning import ReasoningSplitter
from tests.templates.vocab import (
    engine_tokens,
    is_eog,
    token_ids,
    token_pieces,
    token_text,
    vocab_info,
)

STARTER = "<starter GGUF>"  # the template or the tokenizer inside the starter model file

# What the generation prompt of a reasoning template opens (and, with thinking off, closes)
# that the rendering of the same turn in the history leaves out.
_OPENED = "<think>\n"
_OPENED_AND_CLOSED = "<think>\n</think>"


@dataclass(frozen=True)
class Family:
    name: str  # as in models.json's "family"
    template: str  # models/templates/<file>, or STARTER
    vocab: str | None  # models/ggml-vocab-<name>.gguf, STARTER, or None (none vendored)
    end_of_turn: str
    reasoning: ReasoningMode
    system_role: bool  # False: the template has none and the system text joins the first turn
    # Text the generation prompt ends with that the next turn's rendering of the answer does
    # not have, per enable_thinking value; "" (the default) means the prefix property holds.
    gaps: Mapping[bool | None, str] = field(default_factory=dict)
    no_vocab: str = ""  # why the tokenizer checks (c), (d) cannot run
    no_end_of_turn: str = ""  # why check (d) cannot run on the vocabulary used
    bos: str = ""  # bos_token/eos_token when there is no vocabulary to take them from
    eos: str = ""


FAMILIES = [
    Family("SmolLM2", STARTER, STARTER, "<|im_end|>", "none", True),
    Family(
        "Qwen2.5",
        "Qwen-Qwen2.5-7B-Instruct.jinja",
        "ggml-vocab-qwen2.gguf",
        "<|im_end|>",
        "none",
        True,
    ),
    # Qwen3 shares Qwen2's byte-level BPE and special tokens; the real Qwen3 vocabulary adds
    # <think> and </think> as tokens 151667/151668, which ggml-vocab-qwen2.gguf lacks, so here
    # the tags are several tokens (test_think_tags_split_across_tokens checks exactly that).
    Family(
        "Qwen3",
        "Qwen-Qwen3-0.6B.jinja",
        "ggml-vocab-qwen2.gguf",
        "<|im_end|>",
        "switchable",
        True,
        # With thinking off the prompt ends in an empty <think> block that the history of
        # that turn does not repeat (Qwen3 keeps reasoning blocks only after the last query).
        gaps={False: "<think>\n\n</think>\n\n"},
    ),
    # llama.cpp vendors no Gemma 3 template; Gemma 2's is the same turn markup, and like
    # Gemma 3's it has no system role (Gemma 2's raises 'System role not supported'). Gemma
    # 4's template, which is vendored, is a different markup: see test_gemma_4_template.
    Family(
        "Gemma 3",
        "google-gemma-2-2b-it.jinja",
        "ggml-vocab-gemma-4.gguf",
        "<end_of_turn>",
        "none",
        False,
        no_end_of_turn=(
            "the only vendored Gemma vocabulary is Gemma 4's, whose turns are <|turn>/<turn|>: "
            "it has no <end_of_turn> token (its <bos> is Gemma 2/3's, so check (c) still runs)"
        ),
    ),
    # The Llama 3.2 template puts today's date in the system header (strftime_now), so a
    # conversation continued on another day is re-evaluated from there: KV reuse within a day.
    Family(
        "Llama 3.2",
        "meta-llama-Llama-3.2-3B-Instruct.jinja",
        "ggml-vocab-llama-bpe.gguf",
        "<|eot_id|>",
        "none",
        True,
    ),
    # llama.cpp vendors no Phi-4 template: Phi-3.5-mini's is the closest, with the same
    # <|system|>/<|user|>/<|assistant|>/<|end|> markup (Phi-4-mini's writes no newline after
    # the role tag). Phi-4-mini's tokenizer is o200k-based, not Phi-3's SPM; Phi-3's has the
    # same <|end|> special token, so checks (c), (d) run on it.
    Family(
        "Phi-4",
        "microsoft-Phi-3.5-mini-instruct.jinja",
        "ggml-vocab-phi-3.gguf",
        "<|end|>",
        "none",
        True,
    ),
    # The reasoning families Parley's splitter is written for, though the catalogue has none
    # of them yet. llama.cpp's copies of the DeepSeek-R1 distill and QwQ templates add an
    # enable_thinking switch to the published ones (`{% if not enable_thinking %}</think>`),
    # so they are "switchable" here (the published ones, without it, are "always": see
    # test_published_deepseek_template_always_thinks). Their generation prompt opens <think>
    # while the history keeps only the answer (the templates cut everything before </think>).
    # The distill's tokenizer is Qwen2's BPE with DeepSeek's special tokens; no such file is
    # vendored, so DeepSeek's own (deepseek-llm) stands in: it has the same
    # <｜begin▁of▁sentence｜>/<｜end▁of▁sentence｜> tokens, not <｜User｜>/<｜Assistant｜>.
    Family(
        "DeepSeek-R1 distill",
        "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja",
        "ggml-vocab-deepseek-llm.gguf",
        "<｜end▁of▁sentence｜>",
        "switchable",
        True,
        gaps={None: _OPENED, True: _OPENED, False: _OPENED_AND_CLOSED},
    ),
    Family(
        "QwQ",
        "Qwen-QwQ-32B.jinja",
        "ggml-vocab-qwen2.gguf",
        "<|im_end|>",
        "switchable",
        True,
        gaps={None: _OPENED, True: _OPENED, False: _OPENED_AND_CLOSED},
    ),
    # SmolLM3 always writes a system block (metadata, then the system text as "Custom
    # Instructions") and reads enable_thinking, true when it is not set.
    Family(
        "SmolLM3",
        "HuggingFaceTB-SmolLM3-3B.jinja",
        None,
        "<|im_end|>",
        "switchable",
        True,
        no_vocab=(
            "no SmolLM3 vocabulary is vendored: its <|im_start|>/<|im_end|> are renamed "
            "Llama 3 reserved tokens, which no vendored vocabulary has"
        ),
        eos="<|im_end|>",
    ),
]
BY_NAME = {family.name: family for family in FAMILIES}

SYSTEM = "You are Parley's test assistant. Answer in one short sentence."
USER_1 = "What is the capital of France?"
ANSWER_1 = "The capital of France is Paris."
USER_2 = "And the capital of Italy?"


def _first() -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER_1}]


def _second() -> list[dict[str, str]]:
    return [
        *_first(),
        {"role": "assistant", "content": ANSWER_1},
        {"role": "user", "content": USER_2},
    ]


def _vocab_path(family: Family, vendored: Path) -> Path | None:
    if family.vocab is None:
        return None
    if family.vocab == STARTER:
        return _starter()
    return vendored / family.vocab


def _starter() -> Path:
    path = starter_model_path()
    if not path.is_file():
        pytest.fail(f"starter model missing at {path}; run `make setup` first")
    return path


def _source(family: Family, vendored: Path) -> str:
    if family.template == STARTER:
        source = read_gguf_metadata(_starter()).chat_template
        assert source, "the starter model carries a chat template"
        return source
    return (vendored / "templates" / family.template).read_text(encoding="utf-8")


def _template(family: Family, vendored: Path) -> ChatTemplate:
    """The template as the engine builds it: bos_token/eos_token are the vocabulary's texts."""
    path = _vocab_path(family, vendored)
    bos, eos = family.bos, family.eos
    if path is not None:
        info = vocab_info(path)
        bos, eos = info.bos_text, info.eos_text
    return ChatTemplate(_source(family, vendored), bos_token=bos, eos_token=eos)


def _needs_vocab(family: Family, vendored: Path) -> Path:
    path = _vocab_path(family, vendored)
    if path is None:
        pytest.skip(family.no_vocab)
    return path


def _family_params(thinks: bool = False) -> list[object]:
    params: list[object] = []
    for family in FAMILIES:
        values: tuple[bool | None, ...] = (None,)
        if thinks and family.reasoning == "switchable":
            values = (None, True, False)
        for think in values:
            ident = family.name if not thinks else f"{family.name}-think={think}"
            params.append(pytest.param(family, think, id=ident))
    return params


families = pytest.mark.parametrize("family", FAMILIES, ids=[f.name for f in FAMILIES])


# ---------------------------------------------------------------- (a) the system prompt


@families
def test_system_prompt_reaches_the_model(family: Family, vendored: Path) -> None:
    template = _template(family, vendored)
    assert template.supports_system is family.system_role
    for messages in (_first(), _second()):
        prompt = template.render(messages)
        assert prompt.count(SYSTEM) == 1, prompt
        assert prompt.index(SYSTEM) < prompt.index(USER_1)
        merged = f"{SYSTEM}\n\n{USER_1}"
        if family.system_role:
            assert merged not in prompt, "a template with a system role gets it as such"
        else:
            assert merged in prompt, "merged into the first user turn"
    if not family.system_role:
        assert "System role not supported" in template.source


# ---------------------------------------------------------------- (b) KV-cache reuse


@pytest.mark.parametrize(("family", "think"), _family_params(thinks=True))
def test_next_turn_extends_the_prompt(family: Family, think: bool | None, vendored: Path) -> None:
    template = _template(family, vendored)
    first = template.render(_first(), enable_thinking=think)
    second = template.render(_second(), enable_thinking=think)
    gap = family.gaps.get(think, "")
    assert first.endswith(gap)
    head = first[: len(first) - len(gap)]
    # The model's answer ends with its end-of-turn token, which the history has too.
    assert second.startswith(head + ANSWER_1 + family.end_of_turn), (first, second)
    if gap:
        # Deliberately not a prefix: exactly the gap is what the history leaves out.
        assert not second.startswith(first + ANSWER_1)
        assert second.startswith(head + ANSWER_1)


# ---------------------------------------------------------------- (c) BOS once


def _leading(ids: list[int], token: int) -> int:
    return sum(1 for _ in takewhile(lambda t: t == token, ids))


@families
def test_bos_is_not_doubled(family: Family, vendored: Path) -> None:
    path = _needs_vocab(family, vendored)
    info = vocab_info(path)
    prompt = _template(family, vendored).render(_second())
    ids = engine_tokens(path, prompt)
    written = bool(info.bos_text) and prompt.startswith(info.bos_text)
    added = info.add_bos and not written
    assert _leading(ids, info.bos) <= 1
    if info.add_bos:
        assert ids[0] == info.bos
    # The BOS id appears where the template wrote its text (SmolLM2's BOS is <|im_start|>,
    # which opens every turn) and once more only when the engine added it.
    assert ids.count(info.bos) == prompt.count(info.bos_text) + int(added)
    if written and info.add_bos:
        # What the guard is for: tokenizing naively would start with two BOS tokens.
        assert token_ids(path, prompt, add_bos=True)[:2] == [info.bos, info.bos]


# ---------------------------------------------------------------- (d) end of turn


@families
def test_end_of_turn_is_one_end_of_generation_token(family: Family, vendored: Path) -> None:
    prompt = _template(family, vendored).render(_second())
    assert family.end_of_turn in prompt
    path = _needs_vocab(family, vendored)
    if family.no_end_of_turn:
        assert len(token_ids(path, family.end_of_turn)) > 1  # the reason below holds
        pytest.skip(family.no_end_of_turn)
    ids = token_ids(path, family.end_of_turn)
    assert len(ids) == 1, ids
    assert token_text(path, ids[0]) == family.end_of_turn
    assert is_eog(path, ids[0])
    assert family.end_of_turn in token_pieces(path, prompt)


# ---------------------------------------------------------------- (e) reasoning


@families
def test_reasoning_mode(family: Family, vendored: Path) -> None:
    template = _template(family, vendored)
    assert template.reasoning == family.reasoning
    switch = THINK_SWITCH if family.reasoning == "switchable" else None
    assert template.think_switch == switch
    if family.reasoning == "none":
        for think in (None, True, False):
            prompt = template.render(_first(), enable_thinking=think)
            assert "<think>" not in prompt
            assert not template.opens_reasoning(prompt)


def test_qwen3_thinking_switch(vendored: Path) -> None:
    template = _template(BY_NAME["Qwen3"], vendored)
    off = template.render(_first(), enable_thinking=False)
    assert off.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    for think in (None, True):  # thinking is the default: the model opens <think> itself
        on = template.render(_first(), enable_thinking=think)
        assert on.endswith("<|im_start|>assistant\n")
        assert not template.opens_reasoning(on)
    assert not template.opens_reasoning(off)


def test_smollm3_thinking_switch(vendored: Path) -> None:
    template = _template(BY_NAME["SmolLM3"], vendored)
    off = template.render(_first(), enable_thinking=False)
    assert off.endswith("<|im_start|>assistant\n<think>\n\n</think>\n")
    assert "Reasoning Mode: /no_think" in off
    for think in (None, True):
        on = template.render(_first(), enable_thinking=think)
        assert on.endswith("<|im_start|>assistant\n")
        assert "Reasoning Mode: /think" in on
        assert not template.opens_reasoning(on)


@pytest.mark.parametrize("name", ["DeepSeek-R1 distill", "QwQ"])
def test_prompt_opens_the_reasoning_block(name: str, vendored: Path) -> None:
    template = _template(BY_NAME[name], vendored)
    on = template.render(_first(), enable_thinking=True)
    assert on.endswith(_OPENED)
    assert template.opens_reasoning(on)
    off = template.render(_first(), enable_thinking=False)
    assert off.endswith(_OPENED_AND_CLOSED)
    assert not template.opens_reasoning(off)


@pytest.mark.parametrize(
    "name",
    [
        "Qwen3",
        "SmolLM3",
        # llama.cpp's copies test `not enable_thinking`: the engine says True for "default".
        "DeepSeek-R1 distill",
        "QwQ",
    ],
)
def test_a_reasoning_model_thinks_by_default(name: str, vendored: Path) -> None:
    prompt = _template(BY_NAME[name], vendored).render(_first())
    assert not prompt.rstrip().endswith("</think>"), prompt[-60:]


def test_published_deepseek_template_always_thinks(vendored: Path) -> None:
    # The template DeepSeek publishes (and the distills' GGUFs carry) is llama.cpp's copy
    # without the switch llama.cpp added: it always opens <think> in the prompt.
    source = _source(BY_NAME["DeepSeek-R1 distill"], vendored)
    switch = "{% if not enable_thinking %}{{- '</think>' -}}{% endif %}"
    assert switch in source
    template = ChatTemplate(source.replace(switch, ""), bos_token="<｜begin▁of▁sentence｜>")
    assert template.reasoning == "always"
    assert template.think_switch is None
    prompt = template.render(_first())
    assert prompt.endswith("<｜Assistant｜><think>\n")
    assert template.opens_reasoning(prompt)


# Gemma 4's own template, as a check on the Gemma row's stand-in (Gemma 2's) and as the
# template a Gemma 4 GGUF a user imports carries. Unlike Gemma 2/3 it has a system role, and
# its turns end in <turn|>, which the Gemma 4 vocabulary has as one end-of-generation token.
# It reads enable_thinking, so ChatTemplate calls it "switchable"; but its thinking is a
# "<|channel>thought ... <channel|>" block, not <think>, which Parley's splitter does not
# know: such a model's thoughts would reach the answer text.
GEMMA_4 = "google-gemma-4-31B-it.jinja"
GEMMA_4_VOCAB = "ggml-vocab-gemma-4.gguf"


def test_gemma_4_template(vendored: Path) -> None:
    path = vendored / GEMMA_4_VOCAB
    info = vocab_info(path)
    source = (vendored / "templates" / GEMMA_4).read_text(encoding="utf-8")
    template = ChatTemplate(source, bos_token=info.bos_text, eos_token=info.eos_text)
    assert template.supports_system
    assert (template.reasoning, template.think_switch) == ("switchable", THINK_SWITCH)
    assert "<think>" not in source
    first = template.render(_first(), enable_thinking=True)
    assert first.startswith("<bos><|turn>system\n<|think|>\n" + SYSTEM + "<turn|>\n")
    assert first.endswith("<|turn>model\n")
    off = template.render(_first(), enable_thinking=False)
    assert SYSTEM in off and "<|think|>" not in off
    assert off.endswith("<|turn>model\n<|channel>thought\n<channel|>")
    assert not template.opens_reasoning(off) and not template.opens_reasoning(first)
    # KV reuse: the next turn extends the prompt (thinking on; off, the empty channel
    # block at the end of the prompt is not in the history, as Qwen3's empty <think>).
    second = template.render(_second(), enable_thinking=True)
    assert second.startswith(first + ANSWER_1 + "<turn|>"), (first, second)
    gap = "<|channel>thought\n<channel|>"
    assert template.render(_second(), enable_thinking=False).startswith(
        off[: -len(gap)] + ANSWER_1 + "<turn|>"
    )
    # BOS once: the template writes <bos>, so the engine adds none.
    ids = engine_tokens(path, second)
    assert info.add_bos and ids[0] == info.bos and ids.count(info.bos) == 1
    eot = token_ids(path, "<turn|>")
    assert len(eot) == 1 and is_eog(path, eot[0])
    assert token_pieces(path, second).count("<turn|>") == 4  # system, user, model, user


# ---------------------------------------------------------------- (f) tags over tokens

_SPLIT_VOCABS = [
    pytest.param("ggml-vocab-qwen2.gguf", id="Qwen3"),
    pytest.param("ggml-vocab-llama-bpe.gguf", id="Llama 3.2"),
    pytest.param("ggml-vocab-phi-3.gguf", id="Phi-4"),
    # Every piece a token of its own: "<", "think", ">", then "\n" apart.
    pytest.param("ggml-vocab-deepseek-llm.gguf", id="DeepSeek"),
    pytest.param("ggml-vocab-gemma-4.gguf", id="Gemma 4"),
]


def _split(pieces: list[str], *, inside: bool = False) -> tuple[str, str]:
    splitter = ReasoningSplitter(inside=inside)
    reasoning = answer = ""
    for piece in pieces:
        more_reasoning, more_answer = splitter.feed(piece)
        reasoning += more_reasoning
        answer += more_answer
    more_reasoning, more_answer = splitter.flush()
    return reasoning + more_reasoning, answer + more_answer


@pytest.mark.parametrize("vocab_file", _SPLIT_VOCABS)
def test_think_tags_split_across_tokens(vocab_file: str, vendored: Path) -> None:
    path = vendored / vocab_file
    # None of these vocabularies has <think> as a token: the tags arrive in pieces.
    assert len(token_ids(path, "<think>")) > 1
    assert len(token_ids(path, "</think>")) > 1
    text = "<think>\nplan\n</think>\n\nanswer"
    pieces = token_pieces(path, text)
    assert "".join(pieces).lstrip() == text  # SPM (Phi-3) adds a leading space
    reasoning, answer = _split(pieces)
    assert answer == "answer"
    assert reasoning == "plan"  # streamed pieces carry no white space around the tags


@pytest.mark.parametrize(
    ("name", "vocab_file"),
    [("DeepSeek-R1 distill", "ggml-vocab-deepseek-llm.gguf"), ("QwQ", "ggml-vocab-qwen2.gguf")],
)
def test_output_of_a_prompt_left_inside_think(name: str, vocab_file: str, vendored: Path) -> None:
    template = _template(BY_NAME[name], vendored)
    inside = template.opens_reasoning(template.render(_first(), enable_thinking=True))
    assert inside
    reasoning, answer = _split(
        token_pieces(vendored / vocab_file, "plan\n</think>\n\nanswer"), inside=inside
    )
    assert (reasoning.strip(), answer) == ("plan", "answer")


# ---------------------------------------------------------------- the catalogue


def test_every_catalogue_family_has_a_row() -> None:
    missing = sorted({e.family for e in load_catalogue()} - set(BY_NAME))
    assert not missing, (
        f"catalogue families without a template row in {__file__}: {', '.join(missing)}; "
        "add one with the family's template (and vocabulary) from llama.cpp's models/"
    )


def test_catalogue_reasoning_matches_the_template(vendored: Path) -> None:
    # What the catalogue says before a download is what the engine reads from the template.
    for entry in load_catalogue():
        family = BY_NAME.get(entry.family)
        if family is None:
            continue  # the test above names it
        template = _template(family, vendored)
        found = (entry.reasoning, entry.reasoning_switch)
        assert found == (template.reasoning, template.think_switch), entry.id
