"""The document card counts what makes sense for the script: characters for Chinese."""

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
