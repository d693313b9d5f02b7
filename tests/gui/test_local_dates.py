"""Dates are written the interface language's way: Chinese reads 2026/12/2, not "02 Dec"."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot

from app.gui.i18n import local_datetime, set_ui_locale

MOMENT = datetime(2026, 12, 2, 14, 5, tzinfo=UTC)


def test_dates_follow_the_interface_language(qtbot: QtBot) -> None:
    try:
        set_ui_locale(QLocale("zh_CN"))
        chinese = local_datetime(MOMENT)
        set_ui_locale(QLocale("en_US"))
        english = local_datetime(MOMENT)
    finally:
        set_ui_locale(QLocale())
    assert chinese.startswith("2026/12/")
    assert "Dec" not in chinese and "Dec" not in english
    assert english.startswith("12/")


def test_with_no_locale_set_the_date_is_iso_not_c_style(qtbot: QtBot) -> None:
    try:
        set_ui_locale(QLocale.c())
        bare = local_datetime(MOMENT)
    finally:
        set_ui_locale(QLocale())
    local = MOMENT.astimezone()
    assert bare == local.strftime("%Y-%m-%d %H:%M")
