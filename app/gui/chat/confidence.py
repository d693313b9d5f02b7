"""The confidence view: a reply's tokens coloured by the probability the model gave them.

The probabilities come from the engine (``Token.logprob`` and ``Token.top``), computed from
the logits of the step that sampled each token, only for replies written while the view is
on. They are the model's own distribution before temperature and the other samplers, so a
token can be shown as unlikely and still have been chosen.

The history database has no place for them, so they are kept in memory for the session:
after a restart older replies show as plain text with a note.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QCursor
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip, QWidget

from app.core.backend import Token

TOP_ALTERNATIVES = 5  # what the chat asks the engine for per token


@dataclass(frozen=True)
class TokenProb:
    """One generated piece of text, its probability and the likeliest alternatives."""

    text: str
    prob: float
    top: tuple[tuple[str, float], ...]  # (text, probability), likeliest first


def _prob(logprob: float) -> float:
    """exp() clamped to [0, 1] (rounding can put a sure token a hair above 0 in log space)."""
    return min(1.0, max(0.0, math.exp(logprob)))


def from_tokens(tokens: Sequence[Token]) -> list[TokenProb]:
    """Probabilities for every token that carried them (others are left out)."""
    return [
        TokenProb(t.text, _prob(t.logprob), tuple((text, _prob(lp)) for text, lp in t.top))
        for t in tokens
        if t.logprob is not None
    ]


def colour_for(prob: float, dark: bool) -> QColor:
    """Red (unsure) through amber to green (sure); soft enough to read text on."""
    hue = int(120 * max(0.0, min(1.0, prob)))
    return QColor.fromHsl(hue, 150, 70 if dark else 215)


def shown_token(text: str) -> str:
    """A token as the tooltip shows it: spaces and line breaks made visible."""
    return text.replace("\n", "⏎").replace(" ", "␣") or "∅"


def tooltip_for(token: TokenProb) -> str:
    """Rich-text tooltip: the token's probability and the alternatives the model weighed."""
    lines = [
        QCoreApplication.translate("Confidence", "<b>{token}</b> — {percent} likely").format(
            token=html.escape(shown_token(token.text)), percent=f"{token.prob:.1%}"
        )
    ]
    others = [(text, p) for text, p in token.top if text != token.text]
    if others:
        lines.append(QCoreApplication.translate("Confidence", "Alternatives:"))
        lines += [f"&nbsp;&nbsp;{html.escape(shown_token(t))} — {p:.1%}" for t, p in others]
    return "<br>".join(lines)


def tokens_html(tokens: Sequence[TokenProb], full_text: str, dark: bool) -> str:
    """The reply as rich text, one link per token (hover shows its tooltip).

    Text the model produced without a probability (e.g. held back by a stop sequence and
    released at the end) follows uncoloured.
    """
    parts: list[str] = []
    consumed = 0
    text_colour = "#10131a" if not dark else "#f0f2f5"
    for index, token in enumerate(tokens):
        if not token.text:
            continue
        consumed += len(token.text)
        body = html.escape(token.text).replace("\n", "<br>")
        background = colour_for(token.prob, dark).name()
        parts.append(
            f'<a href="tok:{index}" style="text-decoration:none; color:{text_colour}">'
            f'<span style="background-color:{background}; color:{text_colour}">{body}</span></a>'
        )
    joined = "".join(t.text for t in tokens)
    if full_text.startswith(joined) and len(full_text) > len(joined):
        parts.append(html.escape(full_text[len(joined) :]).replace("\n", "<br>"))
    return f'<div style="white-space: pre-wrap">{"".join(parts)}</div>'


def matches(tokens: Sequence[TokenProb], text: str) -> bool:
    """True when ``tokens`` are the start of ``text`` (else they belong to another text)."""
    joined = "".join(t.text for t in tokens)
    return bool(joined) and text.startswith(joined)


class ConfidenceText(QLabel):
    """A reply drawn token by token; hovering a token shows its probability and alternatives."""

    def __init__(
        self, tokens: Sequence[TokenProb], text: str, dark: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.tokens = list(tokens)
        self.setObjectName("ConfidenceText")
        self.setAccessibleName(self.tr("Reply coloured by confidence"))
        self.setToolTip(
            self.tr("Green: the model was sure of this token; red: it was not. Hover a token.")
        )
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setText(tokens_html(self.tokens, text, dark))
        self.linkHovered.connect(self._hovered)

    def token_at_link(self, link: str) -> TokenProb | None:
        if not link.startswith("tok:"):
            return None
        try:
            index = int(link[4:])
        except ValueError:
            return None
        return self.tokens[index] if 0 <= index < len(self.tokens) else None

    def _hovered(self, link: str) -> None:
        token = self.token_at_link(link)
        if token is None:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), tooltip_for(token), self)
