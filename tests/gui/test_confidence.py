"""The confidence view: per-token probabilities from the real starter model.

The engine's figures are checked against a direct computation: the same prompt evaluated by
``llama_cpp.Llama`` in this process, and a softmax of its logits computed here with numpy.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QToolButton, QToolTip
from pytestqt.qtbot import QtBot

from app.core.backend import ChatMessage, LoadOptions, ModelRef, SamplingParams, Token
from app.gui.chat.confidence import (
    ConfidenceText,
    TokenProb,
    colour_for,
    from_tokens,
    tokens_html,
    tooltip_for,
)
from app.gui.chat.message_card import MessageCard
from tests.gui.conftest import AppFactory, ScriptedBackend, find
from tests.gui.test_chat_real import new_chat, type_and_send, wait_reply

PROMPT: list[ChatMessage] = [{"role": "user", "content": "What is the capital of France?"}]
N_TOP = 5


def _engine_first_token(starter_model: Path) -> Token:
    """The first token of a greedy reply, with probabilities, from the engine process."""
    from app.engine.local import LocalBackend

    backend = LocalBackend()
    try:
        backend.load(
            ModelRef(path=starter_model, model_id="starter"),
            LoadOptions(
                n_ctx=512,
                n_batch=512,
                n_threads=1,
                n_threads_batch=1,
                gpu_layers=0,
                flash_attn=True,
            ),
        )
        params = SamplingParams(temperature=0.0, top_k=1, max_tokens=3, seed=1)
        tokens = [e for e in backend.stream(PROMPT, params, logprobs=N_TOP) if isinstance(e, Token)]
    finally:
        backend.close()
    assert tokens and tokens[0].logprob is not None
    return tokens[0]


def _direct_distribution(starter_model: Path) -> tuple[np.ndarray, list[str]]:
    """Softmax of the logits after the prompt, computed here, and each token's text."""
    import llama_cpp
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    from app.engine.worker import without_amx_repacking

    without_amx_repacking()  # load the weights the way the engine does on this CPU
    llm = llama_cpp.Llama(
        model_path=str(starter_model),
        n_ctx=512,
        n_threads=1,
        n_threads_batch=1,
        n_gpu_layers=0,
        n_batch=512,
        n_ubatch=512,
        flash_attn=True,  # as the engine loads it (LoadOptions' defaults)
        logits_all=False,
        verbose=False,
    )
    try:
        vocab = llama_cpp.llama_model_get_vocab(llm.model)

        def text_of(token: int) -> str:
            return llm.detokenize([token], special=True).decode("utf-8", "replace")

        formatter = Jinja2ChatFormatter(
            template=llm.metadata["tokenizer.chat_template"],
            eos_token=text_of(llama_cpp.llama_vocab_eos(vocab)),
            bos_token=text_of(llama_cpp.llama_vocab_bos(vocab)),
            add_generation_prompt=True,
        )
        prompt = formatter(messages=list(PROMPT)).prompt  # type: ignore[arg-type]
        add_bos = bool(llama_cpp.llama_vocab_get_add_bos(vocab))
        bos = text_of(llama_cpp.llama_vocab_bos(vocab))
        tokens = llm.tokenize(
            prompt.encode("utf-8"), add_bos=add_bos and not prompt.startswith(bos), special=True
        )
        llm.eval(tokens)
        n_vocab = llm.n_vocab()
        logits = np.array(
            np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,)),
            dtype=np.float64,
        )
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = np.argsort(probs)[::-1][:N_TOP]
        return probs[order], [text_of(int(t)) for t in order]
    finally:
        llm.close()


@pytest.mark.slow
def test_first_token_distribution_matches_a_direct_softmax(starter_model: Path) -> None:
    first = _engine_first_token(starter_model)
    expected, texts = _direct_distribution(starter_model)
    probs = from_tokens([first])[0]
    assert 0.0 <= probs.prob <= 1.0
    assert len(probs.top) == N_TOP
    assert all(0.0 <= p <= 1.0 for _, p in probs.top)
    assert sum(p for _, p in probs.top) <= 1.0 + 1e-9
    # Greedy: the chosen token is the likeliest one, with the likeliest probability.
    assert probs.text == texts[0]
    assert math.isclose(probs.prob, expected[0], abs_tol=2e-3)
    assert [t for t, _ in probs.top] == texts
    for (_, got), want in zip(probs.top, expected, strict=True):
        assert math.isclose(got, want, abs_tol=2e-3)


def test_tooltip_lists_alternatives_and_colours_follow_probability() -> None:
    token = TokenProb(" Paris", 0.62, ((" Paris", 0.62), (" Lyon", 0.2), (" paris", 0.05)))
    tip = tooltip_for(token)
    assert "62.0%" in tip and "Lyon" in tip and "20.0%" in tip
    assert tip.count("Paris") == 1  # the chosen token is not listed again as an alternative
    sure, unsure = colour_for(0.99, False), colour_for(0.05, False)
    assert sure.hue() > 90 and unsure.hue() < 15
    page = tokens_html([token], " Paris is big", dark=False)
    assert 'href="tok:0"' in page and "is big" in page


@pytest.mark.slow
def test_toggle_on_records_and_shows_probabilities_for_new_replies(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    window = make_app().window
    new_chat(window, qtbot, max_tokens=8)
    type_and_send(window, qtbot, "Say hello.")
    wait_reply(window, qtbot)

    def last_reply() -> MessageCard:
        # Looked up each time: the thread is re-drawn once the finished reply is saved.
        return [c for c in window.chat.view.cards if c.message.role == "assistant"][-1]

    first = last_reply()
    assert first.message.id not in window.chat.view.token_probs  # off: nothing asked for
    find(first, "Confidence view", QToolButton).click()
    assert window.chat.view.confidence_on
    qtbot.waitUntil(lambda: find(last_reply(), "Confidence note").isVisible(), timeout=10_000)
    assert "Regenerate" in find(last_reply(), "Confidence note").text()

    type_and_send(window, qtbot, "Say goodbye.")
    wait_reply(window, qtbot)
    card = [c for c in window.chat.view.cards if c.message.role == "assistant"][-1]
    tokens = window.chat.view.token_probs[card.message.id]
    assert tokens
    for token in tokens:
        assert 0.0 <= token.prob <= 1.0
        assert token.top and sum(p for _, p in token.top) <= 1.0 + 1e-9
    assert "".join(t.text for t in tokens) == card.text[: len("".join(t.text for t in tokens))]
    coloured = card.findChild(ConfidenceText)
    assert coloured is not None
    # A card added to the visible view is shown by Qt on the next turn of the event loop.
    qtbot.waitUntil(coloured.isVisible, timeout=10_000)
    assert not card.body.isVisible()
    coloured.linkHovered.emit("tok:0")
    assert QToolTip.text() == tooltip_for(tokens[0])  # the token's alternatives on hover

    # Off again: the plain reply is back, and the next reply asks for nothing.
    find(card, "Confidence view", QToolButton).click()
    assert not window.chat.view.confidence_on
    assert card.body.isVisible() and card.confidence_text is None


def test_no_probabilities_are_asked_for_while_off(make_app: AppFactory, qtbot: QtBot) -> None:
    window = make_app(ScriptedBackend("Hello there")).window
    window.chat.new_conversation()
    window.chat.send("hi")
    job = window.chat.generation.job if window.chat.generation else None
    assert job is not None and job.logprobs == 0
    wait_reply(window, qtbot)
    window.chat.view.set_confidence(True)
    window.chat.send("again")
    job = window.chat.generation.job if window.chat.generation else None
    assert job is not None and job.logprobs > 0
    wait_reply(window, qtbot)
