"""The "Evaluate on my text" dialog of the Models page, driven by accessible names, with the
real starter model in a real engine process and a real document of the project."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QListWidget, QPlainTextEdit, QSpinBox
from pytestqt.qtbot import QtBot

from app.core.backend import LoadOptions
from app.core.model_eval import load_evaluations
from app.gui.models.evaluate import EvaluateDialog
from app.gui.models.page import ModelsPage
from tests.gui.conftest import find, shown_models_page

REAL_TEXT = Path(__file__).resolve().parents[2] / "docs" / "FIELD-NOTES.md"
OPTIONS = LoadOptions(n_ctx=2048, n_threads=2, n_threads_batch=2, gpu_layers=0)


def real_text(chars: int) -> str:
    text = REAL_TEXT.read_text(encoding="utf-8")
    return text[: text.rfind("\n", 0, chars)]


@pytest.fixture
def page(qtbot: QtBot) -> Iterator[ModelsPage]:
    with shown_models_page(qtbot, OPTIONS, (1180, 760)) as models:
        yield models


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isEnabled(), f"{button.accessibleName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def open_dialog(page: ModelsPage, qtbot: QtBot) -> EvaluateDialog:
    click(qtbot, find(page, "Evaluate on my text", QAbstractButton))
    dialog = page.evaluation_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    return dialog


@pytest.mark.slow
def test_evaluate_the_starter_model_on_a_real_text(
    page: ModelsPage, qtbot: QtBot, tmp_path: Path
) -> None:
    document = tmp_path / "notes.md"
    document.write_text(real_text(1800), encoding="utf-8")
    dialog = open_dialog(page, qtbot)
    models = find(dialog, "Models to evaluate", QListWidget)
    assert models.count() >= 1
    assert dialog.checked_models() == ["smollm2-135m-instruct"]  # the built-in, ticked
    run = find(dialog, "Run evaluation", QAbstractButton)
    assert not run.isEnabled()  # no text yet
    dialog.set_document(document)
    find(dialog, "Window size", QSpinBox).setValue(128)
    click(qtbot, run)
    assert find(dialog, "Stop evaluation", QAbstractButton).isEnabled()
    assert not run.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=180_000)
    [row] = dialog.result_rows()
    assert row["Status"].startswith("Done"), row
    assert row["Model"] == "SmolLM2 135M Instruct (starter)"
    assert row["Quantization"] == "Q4_1" and row["Text"] == "notes.md"
    perplexity = float(row["Perplexity"])
    assert math.isfinite(perplexity) and perplexity > 1
    assert float(row["Bits/char"]) > 0 and float(row["Tokens/s"]) > 0
    assert [name for name, _x, _y in dialog.chart.points] == [row["Model"]]
    assert "Done" in find(dialog, "Evaluation status").text()
    [saved] = load_evaluations().values()
    assert saved.window == 128 and f"{saved.perplexity:.3f}" == row["Perplexity"]

    # Reopened, the dialog shows the saved comparison.
    dialog.close()
    qtbot.waitUntil(lambda: page.evaluation_dialog is None, timeout=5_000)
    again = open_dialog(page, qtbot)
    assert again is not dialog
    [shown] = again.result_rows()
    assert shown["Perplexity"] == row["Perplexity"] and shown["Status"].startswith("Saved")


def test_a_short_text_is_explained_and_stop_keeps_a_partial_figure(
    page: ModelsPage, qtbot: QtBot
) -> None:
    dialog = open_dialog(page, qtbot)
    paste = find(dialog, "Text to evaluate", QPlainTextEdit)
    paste.setPlainText("Facts gathered before the first line of code.")
    click(qtbot, find(dialog, "Run evaluation", QAbstractButton))
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    [row] = dialog.result_rows()
    assert row["Status"].startswith("Failed: The text has "), row
    assert "at least one window of 512 tokens" in row["Status"]
    assert row["Perplexity"] == ""

    paste.setPlainText(real_text(4000))
    find(dialog, "Window size", QSpinBox).setValue(128)
    click(qtbot, find(dialog, "Run evaluation", QAbstractButton))
    status = find(dialog, "Evaluation status")
    qtbot.waitUntil(lambda: "Window 1 of" in status.text(), timeout=120_000)
    click(qtbot, find(dialog, "Stop evaluation", QAbstractButton))
    qtbot.waitUntil(lambda: not dialog.running, timeout=120_000)
    [row] = dialog.result_rows()
    assert row["Status"].startswith("Partial: "), row
    assert row["Text"] == "pasted text" and float(row["Perplexity"]) > 1
    assert "partial figure" in find(dialog, "Evaluation note").text()
    assert load_evaluations() == {}  # partial figures are not kept
