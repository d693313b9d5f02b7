"""Language names in the interface language, and the default target of a translation.

``app.core.langs`` names languages in English, for the prompts (models follow English
instructions best); a person reading the Chinese interface wants "法语", not "French". Qt has
no table of language names in other languages, so the names are translated like any other
interface text.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale
from PySide6.QtGui import QFontDatabase

from app.core.langs import Language, find_language

# Every English name of app.core.langs.LANGUAGES, marked for translation.
_NAMES = (
    QT_TRANSLATE_NOOP("Languages", "English"),
    QT_TRANSLATE_NOOP("Languages", "Simplified Chinese"),
    QT_TRANSLATE_NOOP("Languages", "Traditional Chinese"),
    QT_TRANSLATE_NOOP("Languages", "Japanese"),
    QT_TRANSLATE_NOOP("Languages", "Korean"),
    QT_TRANSLATE_NOOP("Languages", "French"),
    QT_TRANSLATE_NOOP("Languages", "German"),
    QT_TRANSLATE_NOOP("Languages", "Spanish"),
    QT_TRANSLATE_NOOP("Languages", "Portuguese"),
    QT_TRANSLATE_NOOP("Languages", "Italian"),
    QT_TRANSLATE_NOOP("Languages", "Russian"),
    QT_TRANSLATE_NOOP("Languages", "Arabic"),
    QT_TRANSLATE_NOOP("Languages", "Dutch"),
    QT_TRANSLATE_NOOP("Languages", "Polish"),
    QT_TRANSLATE_NOOP("Languages", "Turkish"),
    QT_TRANSLATE_NOOP("Languages", "Ukrainian"),
    QT_TRANSLATE_NOOP("Languages", "Czech"),
    QT_TRANSLATE_NOOP("Languages", "Swedish"),
    QT_TRANSLATE_NOOP("Languages", "Vietnamese"),
    QT_TRANSLATE_NOOP("Languages", "Indonesian"),
    QT_TRANSLATE_NOOP("Languages", "Hindi"),
    QT_TRANSLATE_NOOP("Languages", "Thai"),
    QT_TRANSLATE_NOOP("Languages", "Greek"),
    QT_TRANSLATE_NOOP("Languages", "Hebrew"),
)


_WRITING = QFontDatabase.WritingSystem
# The writing system a language's letters need, and a free font family that has them: a
# computer without such a font draws the language as empty boxes.
_SCRIPTS: dict[str, tuple[QFontDatabase.WritingSystem, str]] = {
    "zh-Hans": (_WRITING.SimplifiedChinese, "Noto Sans CJK SC"),
    "zh-Hant": (_WRITING.TraditionalChinese, "Noto Sans CJK TC"),
    "ja": (_WRITING.Japanese, "Noto Sans CJK JP"),
    "ko": (_WRITING.Korean, "Noto Sans CJK KR"),
    "ru": (_WRITING.Cyrillic, "Noto Sans"),
    "uk": (_WRITING.Cyrillic, "Noto Sans"),
    "ar": (_WRITING.Arabic, "Noto Sans Arabic"),
    "hi": (_WRITING.Devanagari, "Noto Sans Devanagari"),
    "th": (_WRITING.Thai, "Noto Sans Thai"),
    "el": (_WRITING.Greek, "Noto Sans"),
    "he": (_WRITING.Hebrew, "Noto Sans Hebrew"),
    "vi": (_WRITING.Vietnamese, "Noto Sans"),
}


def _families(system: QFontDatabase.WritingSystem) -> list[str]:
    """The installed font families that write ``system`` (a seam for tests)."""
    return QFontDatabase.families(system)


def missing_font(code: str) -> str | None:
    """A font family to install when no font on this computer writes the language's script;
    None when one does (or the language is written in Latin letters)."""
    entry = _SCRIPTS.get(code)
    if entry is None:
        return None
    system, family = entry
    return None if _families(system) else family


def font_advice(code: str) -> str:
    """What to tell a user who picked a language this computer cannot show; empty if none."""
    family = missing_font(code)
    if family is None:
        return ""
    return QCoreApplication.translate(
        "Languages",
        "This computer has no font for {language}, so its text shows as empty boxes. "
        "Install a font such as {font} to read it.",
    ).format(language=shown_name(code), font=family)


def shown_name(code: str) -> str:
    """A language's name in the interface language; the code itself when it is unknown."""
    language = find_language(code) if code else None
    if language is None:
        return code
    return QCoreApplication.translate("Languages", language.name)


def shown_label(language: Language) -> str:
    """For a picker: the name in the interface language and, where different, the language's
    own name ("法语 — Français", "French — Français"), unless no font here can draw it."""
    name = QCoreApplication.translate("Languages", language.name)
    if name == language.native or missing_font(language.code):
        return name
    return f"{name} — {language.native}"


def interface_language(locale: QLocale) -> str:
    """The code of the interface's language among Parley's languages ("zh-Hans", "en")."""
    name = locale.name()  # "zh_CN", "en_US"
    found = find_language(name.replace("_", "-")) or find_language(name.split("_")[0])
    return found.code if found else "en"


def default_target(interface: str, document: str | None) -> str:
    """The language to translate into when the user has not chosen one: the interface's
    language, or English when the document is already in it (Simplified Chinese when the
    interface is English and so is the document: Parley's users write both)."""
    if document and document.split("-")[0] == interface.split("-", maxsplit=1)[0]:
        return "zh-Hans" if interface == "en" else "en"
    return interface
