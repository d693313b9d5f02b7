"""The Translate pane's languages: names in the interface language, a target that defaults to
the interface language (English when the document is in it), a chosen target remembered
across a restart of the real window, and a language no installed font can show told as such
instead of drawn as empty boxes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QComboBox, QLabel
from pytestqt.qtbot import QtBot

from app.core.langs import LANGUAGES
from app.gui import i18n
from app.gui.tools import language_names
from app.gui.tools.language_names import (
    default_target,
    interface_language,
    missing_font,
    shown_label,
)
from tests.gui.conftest import AppFactory, find
from tests.gui.tools_helpers import open_section, type_document


def test_the_default_target_follows_the_interface_and_the_document() -> None:
    assert interface_language(QLocale("zh_CN")) == "zh-Hans"
    assert interface_language(QLocale("zh_TW")) == "zh-Hant"
    assert interface_language(QLocale("en_US")) == "en"
    assert interface_language(QLocale("de_DE")) == "de"
    assert default_target("zh-Hans", None) == "zh-Hans"
    assert default_target("zh-Hans", "zh-Hans") == "en"  # a Chinese document: into English
    assert default_target("en", "fr") == "en"
    assert default_target("en", "en") == "zh-Hans"


def test_every_language_has_a_name_to_translate() -> None:
    from app.gui.tools import language_names

    assert set(language_names._NAMES) == {language.name for language in LANGUAGES}
    english = next(language for language in LANGUAGES if language.code == "en")
    assert shown_label(english) == "English"
    french = next(language for language in LANGUAGES if language.code == "fr")
    assert shown_label(french) == "French — Français"


def test_target_defaults_switches_for_the_document_and_is_remembered(
    make_app: AppFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "_ui_locale", QLocale("en_US"))
    window = make_app(wait_model=False).window
    pane = open_section(window, qtbot, "Translate")
    target = find(pane, "Target language", QComboBox)
    assert target.currentData() == "en"  # the interface's language, not French
    type_document(pane, "Le chat dort sur le canapé depuis ce matin, et personne ne le dérange.")
    detected = find(pane, "Detected language", QLabel)
    qtbot.waitUntil(lambda: "French" in detected.text(), timeout=10_000)
    assert target.currentData() == "en"  # French into English
    type_document(pane, "The cat has been asleep on the sofa since this morning, undisturbed.")
    qtbot.waitUntil(lambda: "English" in detected.text(), timeout=10_000)
    assert target.currentData() == "zh-Hans"  # English is not translated into English
    # The user's own choice wins, and outlives a restart.
    target.setCurrentIndex(target.findData("de"))
    type_document(pane, "Le chat dort sur le canapé depuis ce matin, et personne ne le dérange.")
    qtbot.waitUntil(lambda: "French" in detected.text(), timeout=10_000)
    assert target.currentData() == "de"
    window.close()

    again = make_app(wait_model=False).window
    pane = open_section(again, qtbot, "Translate")
    assert find(pane, "Target language", QComboBox).currentData() == "de"


def test_the_font_check_reads_the_fonts_installed() -> None:
    """Against the real font database: a script is "missing" exactly when no family has it."""
    for code, (system, family) in language_names._SCRIPTS.items():
        installed = QFontDatabase.families(system)
        assert missing_font(code) == (None if installed else family), code
    assert missing_font("en") is None and missing_font("fr") is None  # Latin letters


def test_a_language_without_a_font_is_named_and_the_font_to_install_told(
    make_app: AppFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The one seam: which scripts have a font. Thai has none, every other script one.
    thai = QFontDatabase.WritingSystem.Thai
    monkeypatch.setattr(
        language_names, "_families", lambda system: [] if system == thai else ["Some Sans"]
    )
    monkeypatch.setattr(i18n, "_ui_locale", QLocale("en_US"))
    window = make_app(wait_model=False).window
    pane = open_section(window, qtbot, "Translate")
    target = find(pane, "Target language", QComboBox)
    index = target.findData("th")
    assert target.itemText(index) == "Thai"  # not "Thai — " and boxes
    assert "Noto Sans Thai" in target.itemData(index, Qt.ItemDataRole.ToolTipRole)
    greek = target.findData("el")
    assert target.itemText(greek) == "Greek — Ελληνικά"
    assert target.itemData(greek, Qt.ItemDataRole.ToolTipRole) is None

    target.setCurrentIndex(greek)
    target.activated.emit(greek)
    assert not pane.banner.isVisible()
    target.setCurrentIndex(index)
    target.activated.emit(index)  # what a user's pick sends
    assert pane.banner.isVisible()
    told = pane.banner.label.text()
    assert "no font for Thai" in told and "Noto Sans Thai" in told
