"""The languages the tools offer, and detecting which one a text is in.

Codes are BCP 47 tags (``en``, ``zh-Hans``): Chinese needs the script, not a country, because
Simplified and Traditional are what a reader cares about. Detection uses py3langid (its model
ships inside the package, so it works offline) and then tells the two Chinese scripts apart
by their characters, which py3langid does not.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from app.core.extract import InputError


@dataclass(frozen=True)
class Language:
    """One language a user can pick, with how to ask the model for a register in it."""

    code: str
    name: str  # English name, used in prompts (models follow English instructions best)
    native: str  # the name in the language itself, for pickers
    formal: str = ""  # how formality shows, for the prompt; "" = no T-V distinction
    informal: str = ""

    @property
    def has_tone(self) -> bool:
        """Whether formal and informal address differ grammatically in this language."""
        return bool(self.formal)

    @property
    def label(self) -> str:
        """'German — Deutsch', for pickers."""
        return self.name if self.native == self.name else f"{self.name} — {self.native}"


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "English"),
    Language(
        "zh-Hans",
        "Simplified Chinese",
        "简体中文",
        formal="address the reader as 您",
        informal="address the reader as 你",
    ),
    Language(
        "zh-Hant",
        "Traditional Chinese",
        "繁體中文",
        formal="address the reader as 您",
        informal="address the reader as 你",
    ),
    Language(
        "ja",
        "Japanese",
        "日本語",
        formal="use polite desu/masu forms (teineigo)",
        informal="use plain forms (futsūgo)",
    ),
    Language(
        "ko",
        "Korean",
        "한국어",
        formal="use polite speech (jondaetmal, -요/-습니다 endings)",
        informal="use casual speech (banmal)",
    ),
    Language("fr", "French", "Français", formal="use « vous »", informal="use « tu »"),
    Language("de", "German", "Deutsch", formal="use „Sie“", informal="use „du“"),
    Language("es", "Spanish", "Español", formal="use «usted»", informal="use «tú»"),
    Language(
        "pt",
        "Portuguese",
        "Português",
        formal="use «o senhor / a senhora»",
        informal="use «você» (or «tu» for European Portuguese)",
    ),
    Language("it", "Italian", "Italiano", formal="use «Lei»", informal="use «tu»"),
    Language("ru", "Russian", "Русский", formal="use «Вы»", informal="use «ты»"),
    Language("ar", "Arabic", "العربية"),
    Language("nl", "Dutch", "Nederlands", formal="use “u”", informal="use “je/jij”"),
    Language("pl", "Polish", "Polski", formal="use “Pan/Pani”", informal="use “ty”"),
    Language("tr", "Turkish", "Türkçe", formal="use “siz”", informal="use “sen”"),
    Language("uk", "Ukrainian", "Українська", formal="use «Ви»", informal="use «ти»"),
    Language("cs", "Czech", "Čeština", formal="use “vy” (vykání)", informal="use “ty” (tykání)"),
    Language("sv", "Swedish", "Svenska"),
    Language("vi", "Vietnamese", "Tiếng Việt"),
    Language("id", "Indonesian", "Bahasa Indonesia"),
    Language("hi", "Hindi", "हिन्दी", formal="use “आप”", informal="use “तुम”"),
    Language("th", "Thai", "ไทย"),
    Language("el", "Greek", "Ελληνικά", formal="use “εσείς”", informal="use “εσύ”"),
    Language("he", "Hebrew", "עברית"),
)

_BY_CODE = {language.code.lower(): language for language in LANGUAGES}
_ALIASES = {
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh_cn": "zh-Hans",
    "zh-hans-cn": "zh-Hans",
    "chinese": "zh-Hans",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "zh_tw": "zh-Hant",
    "zh-hant-tw": "zh-Hant",
    "pt-br": "pt",
    "pt-pt": "pt",
    "en-us": "en",
    "en-gb": "en",
    "iw": "he",
}


def find_language(text: str) -> Language | None:
    """A language by code, alias, English or native name, any case: 'de', 'German', 'Deutsch'."""
    key = text.strip().lower().replace("_", "-")
    if not key:
        return None
    if key in _BY_CODE:
        return _BY_CODE[key]
    if key in _ALIASES:
        return _BY_CODE[_ALIASES[key].lower()]
    for language in LANGUAGES:
        if key in (language.name.lower(), language.native.lower()):
            return language
    return None


def get_language(text: str) -> Language:
    """Like :func:`find_language`, but an unknown language is an :class:`InputError`."""
    language = find_language(text)
    if language is None:
        known = ", ".join(language.code for language in LANGUAGES)
        raise InputError(f"Unknown language “{text}”. Known languages: {known}.")
    return language


def language_name(code: str) -> str:
    """The English name for a code, or the code itself when Parley has no entry for it."""
    language = find_language(code)
    return language.name if language else code


# Characters written differently in the two Chinese scripts, as (simplified, traditional)
# strings in matching order. Only frequent characters matter: a text of a few sentences uses
# several of them.
_SIMPLIFIED = (
    "这个们来时为说国会对发过还学样么没经问长见电话东进开关现实书车门马鸟鱼语读写听买卖钱银"
    "飞机场边头气爱当儿无与业从动两应间让认识记设论计议请谁调难题页顺须预领风习乐亲观众华单"
    "报处备复岁历网线组织红级给结统维总绝续带师广庆库张弹强归录忆态怀战户护拥择换据损数断术"
    "杂权条极构标树桥检汉汤沟济浅测涨湾灯灵热状独环确种称积穷笔简类纸细终绍罗义职联肠胜脑节"
    "苏获虽补装规视览觉讨训许证评诉词译试诗该详误课谈谢贝负财责质购贵费资赛赶转轮软轻较输"
    "辆达迁运远连选递适遗邮邻释针钟铁错键闭闻队阳阴际陆险随隐雾顾饭饮馆驾验鸡麦齐龙龟价优"
)
_TRADITIONAL = (
    "這個們來時為說國會對發過還學樣麼沒經問長見電話東進開關現實書車門馬鳥魚語讀寫聽買賣錢銀"
    "飛機場邊頭氣愛當兒無與業從動兩應間讓認識記設論計議請誰調難題頁順須預領風習樂親觀眾華單"
    "報處備復歲歷網線組織紅級給結統維總絕續帶師廣慶庫張彈強歸錄憶態懷戰戶護擁擇換據損數斷術"
    "雜權條極構標樹橋檢漢湯溝濟淺測漲灣燈靈熱狀獨環確種稱積窮筆簡類紙細終紹羅義職聯腸勝腦節"
    "蘇獲雖補裝規視覽覺討訓許證評訴詞譯試詩該詳誤課談謝貝負財責質購貴費資賽趕轉輪軟輕較輸"
    "輛達遷運遠連選遞適遺郵鄰釋針鐘鐵錯鍵閉聞隊陽陰際陸險隨隱霧顧飯飲館駕驗雞麥齊龍龜價優"
)
_SIMPLIFIED_ONLY = frozenset(_SIMPLIFIED)
_TRADITIONAL_ONLY = frozenset(_TRADITIONAL)

# How much text detection looks at: py3langid is fast, but a 10 MB document needs no more
# than a few pages to tell its language.
_DETECT_SAMPLE_CHARS = 20_000

_identifier: Any = None
_identifier_lock = threading.Lock()


def _get_identifier() -> Any:
    """Load py3langid's model once (it takes a few hundred milliseconds), on first use."""
    global _identifier  # noqa: PLW0603 - a lazily loaded, read-only model shared by all callers
    with _identifier_lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            # Only the languages Parley offers: spreading probability over 97 languages makes
            # Russian look 36 % Russian (the rest goes to its neighbours) for no benefit, as a
            # detected language the app cannot translate from is of no use.
            identifier.set_languages(sorted({lang.code.split("-")[0] for lang in LANGUAGES}))
            _identifier = identifier
        return _identifier


def chinese_script(text: str) -> str:
    """'zh-Hant' when characters only Traditional Chinese uses outnumber Simplified ones."""
    simplified = sum(1 for ch in text if ch in _SIMPLIFIED_ONLY)
    traditional = sum(1 for ch in text if ch in _TRADITIONAL_ONLY)
    return "zh-Hant" if traditional > simplified else "zh-Hans"


def detect_language(text: str) -> tuple[str, float]:
    """The language of ``text`` as (code, confidence 0..1).

    The answer is one of :data:`LANGUAGES` (``zh-Hans``/``zh-Hant`` for Chinese), with the
    probability normalised over those languages. Text with no letters gives ``("", 0.0)``:
    there is nothing to detect, and guessing would mislead the translation prompt.
    """
    sample = text[:_DETECT_SAMPLE_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return "", 0.0
    code, probability = _get_identifier().classify(sample)
    code = str(code)
    if code == "zh":
        code = chinese_script(sample)
    return code, float(probability)
