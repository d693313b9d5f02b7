"""A line the model left in the source's language is caught, and only clear cases are."""

from __future__ import annotations

from app.core.pipelines.translate import TranslationResult, translate_document
from app.core.pipelines.translate_checks import left_untranslated
from tests.core.fake_backend import Call, FakeBackend

SENTENCE = "The river town of Alder built its first stone bridge in 1820."


def test_clear_cases_only() -> None:
    # A copy, and an English line where Chinese was asked for.
    assert left_untranslated(SENTENCE, SENTENCE, "en", "zh-Hans")
    assert left_untranslated(SENTENCE, f"  {SENTENCE} ", "en", "fr")
    assert left_untranslated(SENTENCE, "The town of Alder built a bridge in 1820.", "en", "ja")
    # Translated, or nothing to judge.
    assert not left_untranslated(SENTENCE, "阿尔德镇于1820年建造了第一座石桥。", "en", "zh-Hans")
    assert not left_untranslated(SENTENCE, "La ville d'Alder a bâti son pont en 1820.", "en", "fr")
    assert not left_untranslated("Alder", "Alder", "en", "fr")  # a name stays a name
    assert not left_untranslated("Version 2.1", "Version 2.1", "en", "de")
    assert not left_untranslated("Python 3.11", "Python 3.11", "en", "zh-Hans")  # too few letters
    assert not left_untranslated(SENTENCE, SENTENCE, "en", "en")
    assert not left_untranslated(SENTENCE, "", "en", "zh-Hans")


def _translate(lazy_first: bool, calls: list[str]) -> TranslationResult:
    def reply(call: Call) -> str:
        calls.append(call.user)
        if len(calls) == 1 or not lazy_first:
            return SENTENCE  # "translated" into English again
        return "阿尔德镇于1820年建造了第一座石桥。"

    events = list(
        translate_document(FakeBackend(reply=reply), SENTENCE, target="zh-Hans", source="en")
    )  # type: ignore[arg-type]
    result = events[-1]
    assert isinstance(result, TranslationResult)
    return result


def test_an_untranslated_line_is_translated_again() -> None:
    calls: list[str] = []
    result = _translate(True, calls)
    assert result.text.strip() == "阿尔德镇于1820年建造了第一座石桥。"
    assert result.retries == 1 and len(calls) == 2 and result.warnings == ()


def test_twice_untranslated_is_kept_with_a_warning() -> None:
    calls: list[str] = []
    result = _translate(False, calls)
    assert len(calls) == 2 and result.retries == 1  # one retry, not a loop
    assert result.text.strip() == SENTENCE
    assert any("may not be translated" in w for w in result.warnings)


def test_chinese_left_standing_in_an_english_line() -> None:
    source = "图书馆周一至周五九点开门，周日休息。"
    assert left_untranslated(
        source, "The library opens Monday to Friday, Sunday休息.", "zh-Hans", "en"
    )
    assert not left_untranslated(source, "The library opens at nine on weekdays.", "zh-Hans", "en")
    # From English, a Chinese name in the line is the model's own doing, not a copy.
    assert not left_untranslated(SENTENCE, "Alder (阿尔德) built a bridge.", "en", "fr")


def test_a_copy_with_one_word_dropped_counts_as_untranslated() -> None:
    # Seen with a 0.5B model into German: the source back with "is" left out.
    source = "Exit status is 0 if inputs are the same, 1 if different, 2 if trouble."
    line = "Exit status 0 if inputs are the same, 1 if different, 2 if trouble."
    assert left_untranslated(source, line, "en", "de")
    german = "Der Rückgabewert ist 0, falls die Eingaben identisch sind, 1 falls verschieden."
    assert not left_untranslated(source, german, "en", "de")
    # Names and code that stay the same in any language do not make a line a copy.
    names = "Die Dateien sind 'FILE1 FILE2' oder 'DIR1 DIR2' oder 'DIR FILE'."
    assert not left_untranslated(
        "FILES are 'FILE1 FILE2' or 'DIR1 DIR2' or 'DIR FILE'.", names, "en", "de"
    )
