"""A translation's notes reach the window in the interface's language, not the pipeline's
English: the Chinese UI showed "Segment 1: the number(s) 1, 1820 of the source are not in
the translation; check it." in its banner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from app.core.paths import resource_path
from app.core.pipelines.translate_checks import NOTES, note, read_note
from app.gui.tools.long_jobs import note_text

FIELDS = {"segment": 3, "what": "`make`", "term": "workspace", "wanted": "Arbeitsbereich"}


def sample(key: str) -> str:
    return note(key, numbers="1, 1820", **FIELDS)


def test_every_note_is_read_back_with_its_fields() -> None:
    for key in NOTES:
        found = read_note(sample(key))
        assert found is not None and found[0] == key
        assert found[1].get("segment") == "3"
    assert read_note("Something the pipeline never says.") is None


def test_notes_are_said_in_english_as_paragraphs() -> None:
    assert note_text(sample("numbers")) == (
        "Paragraph 3: the number(s) 1, 1820 of the source are not in the translation; check it."
    )
    assert note_text("An older note in words of its own.") == "An older note in words of its own."


@pytest.fixture
def chinese() -> Iterator[None]:
    translator = QTranslator()
    assert translator.load(str(resource_path("translations", "parley_zh_CN.qm")))
    app = QCoreApplication.instance()
    assert app is not None
    app.installTranslator(translator)
    yield
    app.removeTranslator(translator)


def test_every_note_is_said_in_chinese_in_the_chinese_ui(qapp: object, chinese: None) -> None:
    for key in NOTES:
        shown = note_text(sample(key))
        assert shown.startswith("第 3 段"), (key, shown)
        english = [
            word for word in ("Paragraph", "Segment", "model", "translation") if word in shown
        ]
        assert english == [], (key, shown)
    assert "“workspace”→“Arbeitsbereich”" in note_text(sample("glossary"))
