"""The evaluation's reference on the Models page: the dialog scores a real summary by the
starter model against the user's reference, a missing reference is told, and the installed
models' table shows each model's saved figures beside its speed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QPlainTextEdit, QSpinBox
from pytestqt.qtbot import QtBot

from app.core.backend import LoadOptions
from app.core.model_eval import EvalResult, load_evaluations, save_evaluation
from app.gui.models.eval_views import COL_SCORE
from app.gui.models.installed import MEASURED_COLUMN
from app.gui.models.page import ModelsPage
from tests.gui.conftest import find, shown_models_page

OPTIONS = LoadOptions(n_ctx=1024, n_threads=2, n_threads_batch=2, gpu_layers=0)
SOURCE = (
    "The engine keeps one model loaded and answers requests in turn. A second request waits "
    "until the first is done, so the computer never holds two models at once."
)


@pytest.fixture
def page(qtbot: QtBot) -> Iterator[ModelsPage]:
    with shown_models_page(qtbot, OPTIONS, (800, 600)) as models:
        yield models


def saved(model_file: str, **extra: object) -> EvalResult:
    row: dict[str, object] = {
        "model_id": "smollm2-135m-instruct", "model_file": model_file, "model_size": 1,
        "quant": "Q4_1", "text_name": "notes.md", "text_sha256": "a" * 64, "text_chars": 10,
        "text_tokens": 5, "window": 512, "windows": 2, "windows_total": 2,
        "scored_tokens": 510, "nll": 1.0, "perplexity": 52.84, "bits_per_char": 1.0,
        "tokens_per_char": 0.3, "tokens_per_s": 100.0, "seconds": 1.0, "threads": 2,
        "device": "CPU", "engine_version": "0", "measured_at": "2026-01-02T00:00:00+00:00",
    }  # fmt: skip
    row.update(extra)
    return EvalResult(**row)  # type: ignore[arg-type]


def test_the_installed_table_shows_saved_figures_beside_the_speed(
    page: ModelsPage, qtbot: QtBot
) -> None:
    box = page.installed_box
    assert page.state is not None
    starter = next(m for m in page.state.installed if m.builtin)
    row = next(
        r
        for r in range(box.table.rowCount())
        if box.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == starter.model_id
    )
    assert box.table.horizontalHeaderItem(MEASURED_COLUMN).text() == "Measured"
    assert box.table.item(row, MEASURED_COLUMN).text() == "—"
    save_evaluation(saved(starter.path.name))
    save_evaluation(
        saved(
            starter.path.name,
            perplexity=60.0,
            task="translate",
            target="fr",
            reference_name="fr.txt",
            reference_sha256="b" * 64,
            chrf=41.25,
            measured_at="2026-01-01T00:00:00+00:00",
        )
    )
    box.refresh_measured()
    cell = box.table.item(row, MEASURED_COLUMN)
    assert cell.text() == "PPL 52.8"  # the newest evaluation's perplexity
    assert "Perplexity 52.84 on notes.md (window 512, 2026-01-02)" in cell.toolTip()
    assert "chrF 41.2 against fr.txt (2026-01-01)" in cell.toolTip()


def test_the_dialog_scores_a_real_summary_against_the_reference(
    page: ModelsPage, qtbot: QtBot, tmp_path: Path
) -> None:
    page.installed_box.eval_button.click()
    dialog = page.evaluation_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    find(dialog, "Text to evaluate", QPlainTextEdit).setPlainText(SOURCE)
    find(dialog, "Window size", QSpinBox).setValue(16)
    task = find(dialog, "Reference task", QComboBox)
    task.setCurrentIndex(task.findData("summarise"))
    assert not find(dialog, "Translate into", QComboBox).isVisible()  # only for translations
    run = find(dialog, "Run evaluation", QAbstractButton)

    run.click()  # no reference file chosen yet: told, nothing loads
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
    assert "Choose your reference document first." in find(dialog, "Evaluation status").text()

    reference = tmp_path / "summary.txt"
    reference.write_text("The engine answers one request at a time.", encoding="utf-8")
    dialog.reference.set_reference("summarise", reference)
    run.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=240_000)
    [row] = dialog.result_rows()
    assert row["Status"].startswith("Done"), row
    assert row["Reference"].startswith("ROUGE-L ")
    assert 0 < float(row["Reference"].split()[1]) <= 1
    assert row["Memory"].endswith("MB")
    assert not dialog.table.isColumnHidden(COL_SCORE)
    [kept] = load_evaluations().values()
    assert kept.task == "summarise" and kept.reference_name == "summary.txt"
