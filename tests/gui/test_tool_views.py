"""Small views of the text tools: what the document card counts, how the sentiment bars scale."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.gui.tools.document import DocumentCard, mostly_cjk

CHINESE = "图书馆周一至周五九点开门，周日休息。会员最多可以借五本书，借期三周。" * 3


def test_chinese_is_counted_in_characters_english_in_words(qtbot: QtBot) -> None:
    card = DocumentCard()
    qtbot.addWidget(card)
    card.show_document("通知.txt", CHINESE, "")
    details = card.details.text()
    assert "words" not in details and f"{len(CHINESE):,} characters" in details
    card.show_document("note.txt", "The library opens at nine.", "")
    assert card.details.text().startswith("5 words · 26 characters")


def test_mostly_cjk() -> None:
    assert mostly_cjk(CHINESE)
    assert mostly_cjk("Parley 是一个离线的桌面应用，可以总结和翻译文档。")
    assert not mostly_cjk("A note with one word in Chinese: 你好.")
    assert not mostly_cjk("12345 !!!")


def test_sentiment_bars_are_shares_of_the_whole(qtbot: QtBot) -> None:
    """40 % fills 40 % of its track, not all of it because it is the largest value."""
    from PySide6.QtGui import QColor, QImage

    from app.gui.theme import current_theme
    from app.gui.tools.sentiment_views import LabelBars, strong

    bars = LabelBars()
    qtbot.addWidget(bars)
    bars.resize(400, 88)
    values = {"positive": 0.4, "negative": 0.3, "neutral": 0.2, "mixed": 0.1}
    bars.set_values(values, {k: f"{v:.0%}" for k, v in values.items()})
    image = QImage(bars.size(), QImage.Format.Format_ARGB32)
    image.fill(0)
    bars.render(image)
    colour = QColor(strong("positive", current_theme())).rgb() & 0xFFFFFF
    filled = [x for x in range(image.width()) if image.pixel(x, 11) & 0xFFFFFF == colour]
    track = 400 - 80 - 60 - 8
    assert filled and abs((max(filled) - 80) / track - 0.4) < 0.05
