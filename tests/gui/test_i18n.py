"""Simplified Chinese: a complete translation file, a window that shows it everywhere, and no
clipped text on any page or dialog in either language (checked on offscreen screenshots)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.core.paths import resource_path
from app.core.settings import load_settings, save_settings
from app.gui.main import GuiParts
from tests.gui.conftest import AppFactory, ScriptedBackend

TS_FILE = resource_path("translations", "parley_zh_CN.ts")


def _messages() -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(TS_FILE).getroot()
    return [
        (ctx.findtext("name") or "", m.findtext("source") or "", m)
        for ctx in root.iter("context")
        for m in ctx.iter("message")
    ]


def _english_only() -> set[str]:
    """Source strings whose Chinese differs: seeing one of them means a missed translation."""
    found, kept = set(), set()
    for _, source, message in _messages():
        translation = message.findtext("translation") or ""
        if translation == source:
            kept.add(source)  # names such as "Parley" or "Top-p" stay as they are
        elif translation and re.search("[A-Za-z]{3}", source):
            found.add(source.replace("&", ""))
    return found - kept


def _literal_checks(path: Path) -> list[str]:
    """Calls to tr()/translate() whose text lupdate cannot see (not a string literal)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    marked = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "QT_TRANSLATE_NOOP"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "tr" and node.args:
            text = node.args[0]
            if not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
                problems.append(f"{path.name}:{node.lineno} tr() of a non-literal")
        elif (
            node.func.attr == "translate"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "QCoreApplication"
            and len(node.args) >= 2
        ):
            context, text = node.args[0], node.args[1]
            if isinstance(text, ast.Constant) and isinstance(text.value, str):
                continue
            # Allowed when the texts are marked with QT_TRANSLATE_NOOP in that context.
            name = context.value if isinstance(context, ast.Constant) else None
            if isinstance(context, ast.Name):
                name = constants.get(context.id)
            if name not in marked:
                problems.append(f"{path.name}:{node.lineno} translate() of a non-literal")
    return problems


def test_every_translated_text_is_visible_to_lupdate() -> None:
    """A helper such as ``def _tr(text): return translate(ctx, text)`` hides its strings from
    lupdate, so they are never translated; only literals (or QT_TRANSLATE_NOOP marks) work."""
    app_dir = Path(__file__).resolve().parents[2] / "app"
    problems = [p for path in sorted(app_dir.rglob("*.py")) for p in _literal_checks(path)]
    assert problems == []


def test_translation_file_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    """lupdate over the code finds no string the .ts file lacks."""
    import shutil
    import subprocess
    import sys

    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    if not lupdate.exists():
        found = shutil.which("pyside6-lupdate")
        assert found, "pyside6-lupdate (from PySide6-Essentials) is missing"
        lupdate = Path(found)
    app_dir = Path(__file__).resolve().parents[2] / "app"
    copy = tmp_path / "check.ts"
    shutil.copy(TS_FILE, copy)
    sources = sorted(str(p) for p in app_dir.rglob("*.py"))
    subprocess.run(
        [str(lupdate), *sources, "-ts", str(copy), "-no-obsolete"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    root = ET.parse(copy).getroot()
    unfinished = [
        (ctx.findtext("name"), m.findtext("source"))
        for ctx in root.iter("context")
        for m in ctx.iter("message")
        if (m.find("translation") is not None) and m.find("translation").get("type") == "unfinished"  # type: ignore[union-attr]
    ]
    assert unfinished == [], "run `make lupdate` and translate these"


@pytest.fixture(autouse=True, scope="module")
def compiled_translations() -> None:
    """The .qm the app loads must be built from the current .ts (as `make` does)."""
    import scripts.build_translations as build

    assert build.main() == 0


@pytest.fixture
def clean_translators() -> Iterator[None]:
    """Translators installed by a test's app are removed so later tests see English."""
    yield
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for translator in app.findChildren(QTranslator):
        app.removeTranslator(translator)
        translator.deleteLater()


def test_translation_file_is_complete() -> None:
    messages = _messages()
    assert len(messages) > 700
    unfinished = [
        (ctx, source)
        for ctx, source, m in messages
        if m.find("translation") is not None
        and m.find("translation").get("type") in ("unfinished", None)  # type: ignore[union-attr]
        and not (m.findtext("translation") or "").strip()
    ]
    marked = [
        (ctx, source)
        for ctx, source, m in messages
        if m.find("translation").get("type") == "unfinished"  # type: ignore[union-attr]
    ]
    assert marked == [] and unfinished == []
    for ctx, source, m in messages:
        translation = m.findtext("translation") or ""
        placeholders = sorted(re.findall(r"\{[^}]*\}", source))
        assert sorted(re.findall(r"\{[^}]*\}", translation)) == placeholders, (ctx, source)


def _start(make_app: AppFactory, language: str) -> GuiParts:
    settings = load_settings().settings
    settings.language = language
    settings.show_welcome = False
    save_settings(settings)
    return make_app(ScriptedBackend())


def _open_dialogs(parts: GuiParts, qtbot: QtBot) -> list[QWidget]:
    window = parts.window
    welcome = window.open_welcome()
    qtbot.waitUntil(lambda: welcome.ready, timeout=30_000)  # type: ignore[attr-defined]
    window.show_about()
    assert window.about_dialog is not None
    return [window.open_settings(), welcome, window.open_shortcuts(), window.about_dialog]


def _texts(root: QWidget) -> Iterator[tuple[QWidget, str]]:
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        if isinstance(widget, (QLabel, QAbstractButton)):
            yield widget, widget.text()
        elif isinstance(widget, QGroupBox):
            yield widget, widget.title()
        elif isinstance(widget, QComboBox):
            yield widget, widget.currentText()
        elif isinstance(widget, QTableWidget):
            # Cells and headers too; a cell may list several names ("chat, summarise").
            cells = [
                widget.item(r, c)
                for r in range(widget.rowCount())
                for c in range(widget.columnCount())
            ]
            cells += [widget.horizontalHeaderItem(c) for c in range(widget.columnCount())]
            for cell in cells:
                if cell is not None:
                    for part in cell.text().split(", "):
                        yield widget, part
        if widget.toolTip():
            yield widget, widget.toolTip()
        if widget.isWindow():
            yield widget, widget.windowTitle()


def test_zh_cn_window_and_dialogs_show_chinese(
    make_app: AppFactory, qtbot: QtBot, clean_translators: None
) -> None:
    parts = _start(make_app, "zh_CN")
    window = parts.window
    english = _english_only()
    roots: list[QWidget] = [window]
    qtbot.waitUntil(lambda: window.models_page.state is not None, timeout=30_000)
    for index in range(window.stack.count()):
        window.show_section(index)
        QApplication.processEvents()
        roots.append(window.stack.currentWidget() or window)
    roots += _open_dialogs(parts, qtbot)
    missed = []
    for root in roots:
        for widget, text in _texts(root):
            if text.replace("&", "") in english:
                missed.append((type(widget).__name__, widget.accessibleName(), text))
    menus = [action.text() for action in window.menuBar().actions()]
    assert "帮助(&H)" in menus
    assert parts.window.settings_dialog.windowTitle() == "设置"  # type: ignore[attr-defined]
    assert missed == []


def _clipped(root: QWidget) -> list[str]:
    """Labels and buttons whose one-line text is wider than the widget (and not elided)."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.width() <= 1:
            continue
        if isinstance(widget, QLabel):
            if widget.wordWrap() or not widget.text() or "<" in widget.text():
                continue
            available = widget.contentsRect().width() - 2 * widget.margin()
            text = widget.text()
        elif isinstance(widget, QAbstractButton):
            text = widget.text().replace("&", "")
            if not text:
                continue
            extra = widget.iconSize().width() + 4 if not widget.icon().isNull() else 0
            available = widget.contentsRect().width() - extra
        else:
            continue
        metrics = widget.fontMetrics()
        widest = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
        if widest > available + 1:
            problems.append(f"{type(widget).__name__} {text!r}: {widest}px in {available}px")
    return problems


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshots_of_every_page_have_no_clipped_text(
    make_app: AppFactory,
    qtbot: QtBot,
    clean_translators: None,
    tmp_path: Path,
    language: str,
) -> None:
    parts = _start(make_app, language)
    window = parts.window
    window.resize(1180, 760)
    problems: dict[str, list[str]] = {}
    for index, key in enumerate(window.sidebar.buttons):
        window.show_section(index)
        QApplication.processEvents()
        shot = window.grab()
        assert not shot.isNull()
        shot.save(str(tmp_path / f"{key}-{language}.png"))
        found = _clipped(window)
        if found:
            problems[key] = found
    for dialog in _open_dialogs(parts, qtbot):
        QApplication.processEvents()
        dialog.grab().save(str(tmp_path / f"{dialog.accessibleName()}-{language}.png"))
        found = _clipped(dialog)
        if found:
            problems[dialog.accessibleName() or dialog.windowTitle()] = found
    assert problems == {}


def test_clipping_check_catches_a_label_too_narrow_for_its_text(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    label = QLabel("A sentence far too long for twenty pixels", host)
    label.setFixedWidth(20)
    fits = QLabel("ok", host)
    fits.move(0, 30)
    host.show()
    problems = _clipped(host)
    assert len(problems) == 1 and "far too long" in problems[0]
