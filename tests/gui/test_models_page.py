"""The Models page, driven by accessible names: catalogue, filters, downloads, imports,
defaults, removal and benchmarks. Downloads come from the fake hub on 127.0.0.1 and are
load-tested (and benchmarked) with the real engine and the real starter model."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QToolButton,
)
from pytestqt.qtbot import QtBot

from app.core.catalogue import load_catalogue
from app.core.downloads import Downloader, DownloadProgress, DownloadStopped, parse_spec
from app.core.model_import import import_model
from app.core.paths import app_dirs
from app.core.settings import load_settings
from app.gui.models.downloads import DownloadRow
from app.gui.models.page import ModelsPage
from app.gui.ops import wait_for_background_ops
from tests.e2e.test_cli_models import _gguf_with_an_invalid_tensor_type
from tests.gui.conftest import AppFactory, find
from tests.hubserver import FILE, REPO, FakeHub, serve_tiny_chat, sha256_of

NAMED = [
    ("Model catalogue", QTableWidget),
    ("Search models", QLineEdit),
    ("Language filter", QComboBox),
    ("Size filter", QComboBox),
    ("Installed only", QCheckBox),
    ("Installed models", QTableWidget),
    ("Tool", QComboBox),
    ("Set as default", QPushButton),
    ("Remove model", QPushButton),
    ("Download", QPushButton),
    ("Import model", QPushButton),
    ("Benchmark", QPushButton),
]


@pytest.fixture
def hub(starter_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    yield from serve_tiny_chat(starter_model, tmp_path, monkeypatch)


class PageFactory:
    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.pages: list[ModelsPage] = []

    def __call__(self) -> ModelsPage:
        page = ModelsPage()
        self.qtbot.addWidget(page)
        page.resize(1180, 760)
        page.show()
        self.pages.append(page)
        self.qtbot.waitUntil(lambda: page.state is not None, timeout=30_000)
        return page

    def close(self) -> None:
        for page in self.pages:
            page.shutdown()
        wait_for_background_ops(30_000)


@pytest.fixture
def make_page(qtbot: QtBot) -> Iterator[PageFactory]:
    factory = PageFactory(qtbot)
    yield factory
    factory.close()


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isEnabled(), f"{button.accessibleName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def dialog_button(page: ModelsPage, name: str) -> QAbstractButton:
    box = page.confirm_dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    return find(box, name, QAbstractButton)


def row_for(page: ModelsPage, model_id: str) -> DownloadRow:
    rows = [r for r in page.download_rows() if r.job.spec.model_id == model_id]
    assert rows, f"no download row for {model_id}"
    return rows[0]


def installed_ids(page: ModelsPage) -> list[str]:
    return [m.model_id for m in page.state.installed] if page.state else []


def installed_column(page: ModelsPage, header: str) -> dict[str, str]:
    """Model id -> the text of one column of the installed list."""
    table = find(page, "Installed models", QTableWidget)
    headers = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
    column = headers.index(header)
    return {
        table.item(row, 0).data(Qt.ItemDataRole.UserRole): table.item(row, column).text()
        for row in range(table.rowCount())
    }


# --------------------------------------------------------------------------- catalogue


def test_catalogue_and_named_controls(make_page: PageFactory) -> None:
    page = make_page()
    for name, kind in NAMED:
        widget = find(page, name, kind)
        assert widget.toolTip(), f"{name} has no tooltip"
    table = find(page, "Model catalogue", QTableWidget)
    entries = load_catalogue()
    assert table.rowCount() == len(entries)
    headers = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
    for column in ("Name", "Size", "Parameters", "Quantization", "Licence", "Languages"):
        assert column in headers
    assert {"Good for", "Fit", "Speed"} <= set(headers)
    fit_column = headers.index("Fit")
    page.select_entry("qwen3-8b")
    row = table.currentRow()
    fit = table.item(row, fit_column)
    assert fit.text().endswith(
        (
            "Runs on GPU",
            "Partly on GPU",
            "Fits, on the CPU",
            "Fits, but slow on the CPU",
            "Too large for this computer",
        )
    )
    tip = fit.toolTip()
    assert "Needs about 6.03 GB for a 4,096-token context" in tip
    assert "model weights 5.03 GB" in tip and "KV cache" in tip
    assert "RAM" in find(page, "Hardware").text()
    assert "Instruction sets" in find(page, "Hardware").toolTip()
    # The Hardware sheet holds the same figures, reachable by keyboard and mouse.
    details = find(page, "Hardware details", QPushButton)
    assert details.isEnabled()
    details.click()
    sheet = page.findChild(QMessageBox)
    assert sheet is not None and sheet.isVisible()
    assert "Instruction sets" in sheet.informativeText() and "RAM" in sheet.informativeText()
    sheet.close()
    # A thinking model says so in its row and its description; the starter does not think.
    uses = table.item(row, headers.index("Good for"))
    assert uses.text().endswith("thinks") and "Think switch" in uses.toolTip()
    assert "Thinks before it answers" in find(page, "Model description").text()
    assert "Built in" in table.item(0, headers.index("Status")).text()
    # The starter cannot be downloaded or removed.
    page.select_entry("smollm2-135m-instruct")
    assert not find(page, "Download", QPushButton).isEnabled()
    page.select_installed("smollm2-135m-instruct")
    assert not find(page, "Remove model", QPushButton).isEnabled()
    assert find(page, "Set as default", QPushButton).isEnabled()


def test_a_narrow_window_puts_the_downloads_under_the_installed_models(
    make_app: AppFactory, qtbot: QtBot
) -> None:
    window = make_app(wait_model=False).window
    window.resize(1400, 800)
    qtbot.mouseClick(find(window.sidebar, "Models", QToolButton), Qt.MouseButton.LeftButton)
    page = window.models_page
    row = page.bottom_row
    qtbot.waitUntil(lambda: row.direction() == QBoxLayout.Direction.LeftToRight)
    # Side by side the two boxes needed about 900 pixels of page; in a narrow window the
    # downloads go under the installed models and nothing holds the window wider.
    window.resize(820, 800)
    qtbot.waitUntil(lambda: row.direction() == QBoxLayout.Direction.TopToBottom)
    window.resize(820, 800)
    qtbot.waitUntil(lambda: window.width() == 820)
    qtbot.waitUntil(
        lambda: page.downloads.geometry().top() >= page.installed_box.geometry().bottom()
    )
    assert page.width() <= 820
    window.resize(1400, 800)
    qtbot.waitUntil(lambda: row.direction() == QBoxLayout.Direction.LeftToRight)


def test_search_and_filters(make_page: PageFactory, qtbot: QtBot) -> None:
    page = make_page()
    entries = {e.id: e for e in load_catalogue()}
    search = find(page, "Search models", QLineEdit)
    qtbot.keyClicks(search, "qwen3")
    assert page.visible_entry_ids() == ["qwen3-1.7b", "qwen3-4b", "qwen3-8b"]
    search.clear()
    qtbot.keyClicks(search, "translate")
    assert all("translate" in entries[i].good_for for i in page.visible_entry_ids())
    search.clear()
    language = find(page, "Language filter", QComboBox)
    language.setCurrentIndex(language.findData("ja"))
    shown = page.visible_entry_ids()
    assert shown and all("ja" in entries[i].languages for i in shown)
    assert "smollm2-135m-instruct" not in shown
    language.setCurrentIndex(0)
    size = find(page, "Size filter", QComboBox)
    size.setCurrentIndex(size.findData("small"))
    assert all(entries[i].size_bytes < 10**9 for i in page.visible_entry_ids())
    size.setCurrentIndex(0)
    find(page, "Installed only", QCheckBox).setChecked(True)
    assert page.visible_entry_ids() == ["smollm2-135m-instruct"]


# --------------------------------------------------------------------------- downloads


def test_download_with_progress_and_a_real_load_test(
    make_page: PageFactory, qtbot: QtBot, hub: FakeHub, starter_model: Path
) -> None:
    hub.faults.delay_s = 0.003  # slow enough to watch the figures
    page = make_page()
    assert page.select_entry("tiny-chat")
    click(qtbot, find(page, "Download", QPushButton))
    row = row_for(page, "tiny-chat")
    qtbot.waitUntil(lambda: " left" in row.status.text(), timeout=30_000)
    figures = row.status.text()
    assert " of 98.4 MB" in figures and "/s" in figures
    assert find(row, "Pause", QPushButton).isVisible()
    assert not find(page, "Download", QPushButton).isEnabled()  # no second download
    qtbot.waitUntil(lambda: row.job.state == "done", timeout=120_000)
    assert row.status.text() == "Downloaded, verified and tested (98.4 MB)"
    assert not find(row, "Cancel download", QPushButton).isVisible()
    qtbot.waitUntil(lambda: "tiny-chat" in installed_ids(page), timeout=30_000)
    assert sha256_of(app_dirs().models / FILE) == sha256_of(starter_model)
    page.select_entry("tiny-chat")
    assert not find(page, "Download", QPushButton).isEnabled()


def test_pause_resume_and_cancel(make_page: PageFactory, qtbot: QtBot, hub: FakeHub) -> None:
    hub.faults.delay_s = 0.004
    page = make_page()
    page.select_entry("tiny-chat")
    click(qtbot, find(page, "Download", QPushButton))
    row = row_for(page, "tiny-chat")
    qtbot.waitUntil(
        lambda: row.job.progress is not None and row.job.progress.done > 5_000_000,
        timeout=30_000,
    )
    click(qtbot, find(row, "Pause", QPushButton))
    qtbot.waitUntil(lambda: row.job.state == "paused", timeout=10_000)
    assert row.status.text().startswith("Paused at")
    kept = page.queue.downloader.partial_bytes(row.job.spec)
    assert kept > 5_000_000
    resume = find(row, "Resume", QPushButton)
    click(qtbot, resume)
    qtbot.waitUntil(
        lambda: (
            row.job.state == "running"
            and row.job.progress is not None
            and row.job.progress.phase == "downloading"
            and row.job.progress.done > kept
        ),
        timeout=30_000,
    )
    assert hub.file_gets()[-1].range == f"bytes={kept}-"
    click(qtbot, find(row, "Cancel download", QPushButton))
    qtbot.waitUntil(lambda: not page.download_rows(), timeout=10_000)
    assert page.queue.downloader.partial_bytes(parse_spec("tiny-chat")) == 0
    assert not (app_dirs().models / FILE).exists()


def test_a_partial_download_from_last_time_is_offered_for_resume(
    make_page: PageFactory, qtbot: QtBot, hub: FakeHub
) -> None:
    stop = threading.Event()

    def stop_early(progress: DownloadProgress) -> None:
        if progress.done > 15_000_000:
            stop.set()

    with pytest.raises(DownloadStopped):
        Downloader().download(parse_spec("tiny-chat"), progress=stop_early, stop=stop)
    kept = Downloader().partial_bytes(parse_spec("tiny-chat"))
    page = make_page()
    qtbot.waitUntil(lambda: bool(page.download_rows()), timeout=10_000)
    row = row_for(page, "tiny-chat")
    assert row.job.state == "paused" and row.status.text().startswith("Paused at")
    click(qtbot, find(row, "Resume", QPushButton))
    qtbot.waitUntil(lambda: row.job.state == "done", timeout=120_000)
    assert row.job.result is not None and row.job.result.resumed_from == kept
    assert hub.file_gets()[-1].range == f"bytes={kept}-"


def test_a_failed_download_says_why(make_page: PageFactory, qtbot: QtBot, hub: FakeHub) -> None:
    hub.faults.corrupt = True
    page = make_page()
    page.select_entry("tiny-chat")
    click(qtbot, find(page, "Download", QPushButton))
    row = row_for(page, "tiny-chat")
    qtbot.waitUntil(lambda: row.job.state == "failed", timeout=60_000)
    # The job fails on the download thread; the row is redrawn on the GUI thread after it.
    qtbot.waitUntil(lambda: "does not match the checksum" in row.status.text(), timeout=5_000)
    assert find(row, "Resume", QPushButton).isVisible()  # offered as a retry


# --------------------------------------------------------------------------- installed models


def test_set_as_default_is_saved(make_page: PageFactory, qtbot: QtBot) -> None:
    page = make_page()
    changed: list[tuple[str, str]] = []
    page.defaults_changed.connect(lambda tool, model: changed.append((tool, model)))
    assert page.select_installed("smollm2-135m-instruct")
    tool = find(page, "Tool", QComboBox)
    tool.setCurrentIndex(tool.findData("translate"))
    click(qtbot, find(page, "Set as default", QPushButton))
    assert load_settings().settings.default_models == {"translate": "smollm2-135m-instruct"}
    assert changed == [("translate", "smollm2-135m-instruct")]
    assert "default for Translate" in find(page, "Models notice").text()


def test_import_by_button_and_by_drop_then_remove(
    make_page: PageFactory,
    qtbot: QtBot,
    starter_model: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = tmp_path / "colleague.gguf"
    shutil.copyfile(starter_model, source)
    page = make_page()
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(source), ""))
    )
    click(qtbot, find(page, "Import model", QPushButton))
    click(qtbot, dialog_button(page, "Copy into Parley"))
    qtbot.waitUntil(lambda: "colleague" in installed_ids(page), timeout=60_000)
    activity = find(page, "Model activity").text()
    assert "llama" in activity and "135M" in activity and "Q4_1" in activity
    assert (app_dirs().models / "colleague.gguf").read_bytes() == source.read_bytes()

    # The same name again: the page asks, and "Keep both" installs a second copy.
    click(qtbot, find(page, "Import model", QPushButton))
    click(qtbot, dialog_button(page, "Copy into Parley"))
    qtbot.waitUntil(
        lambda: page.confirm_dialog is not None and page.confirm_dialog.isVisible(),
        timeout=30_000,
    )
    click(qtbot, dialog_button(page, "Keep both"))
    qtbot.waitUntil(lambda: "colleague-2" in installed_ids(page), timeout=60_000)

    # Drag and drop a file onto the page, linked instead of copied.
    dropped = tmp_path / "dropped.gguf"
    shutil.copyfile(starter_model, dropped)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    enter = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dropEvent(drop)
    click(qtbot, dialog_button(page, "Link to the file"))
    qtbot.waitUntil(lambda: "dropped" in installed_ids(page), timeout=60_000)
    assert (app_dirs().models / "dropped.gguf").is_symlink()
    sources = installed_column(page, "Source")
    assert (sources["colleague"], sources["dropped"]) == ("Imported", "Linked")

    # Remove asks first; "Keep" keeps, "Remove" deletes.
    assert page.select_installed("colleague")
    click(qtbot, find(page, "Remove model", QPushButton))
    click(qtbot, dialog_button(page, "Keep"))
    assert (app_dirs().models / "colleague.gguf").exists()
    click(qtbot, find(page, "Remove model", QPushButton))
    click(qtbot, dialog_button(page, "Remove"))
    assert not (app_dirs().models / "colleague.gguf").exists()
    assert "98.4 MB freed" in find(page, "Models notice").text()
    qtbot.waitUntil(lambda: "colleague" not in installed_ids(page), timeout=30_000)


def test_importing_a_bad_file_explains(
    make_page: PageFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    page = make_page()
    notes = tmp_path / "notes.gguf"
    notes.write_text("meeting notes, not a model\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "readme.txt"))])
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dragEnterEvent(enter)
    assert not enter.isAccepted()  # only .gguf files are taken
    page.import_file(notes, "copy")
    notice = find(page, "Models notice")
    qtbot.waitUntil(lambda: "is not a GGUF model file" in notice.text(), timeout=30_000)
    assert page.state is not None and installed_ids(page) == ["smollm2-135m-instruct"]


def test_importing_a_model_the_engine_cannot_load_explains(
    make_page: PageFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    """The same load test as downloads, before installing: nothing is left behind."""
    bad = _gguf_with_an_invalid_tensor_type(tmp_path / "bad-types.gguf")
    page = make_page()
    activity = find(page, "Model activity")
    page.import_file(bad, "copy")
    # Starting an engine takes a second or more: the page says what it is waiting for.
    qtbot.waitUntil(
        lambda: activity.text() == "Loading bad-types.gguf once to test it…", timeout=30_000
    )
    notice = find(page, "Models notice")
    qtbot.waitUntil(lambda: "could not load it" in notice.text(), timeout=60_000)
    assert notice.text().startswith("bad-types.gguf has a valid GGUF header, but the engine")
    assert notice.text().endswith("It was not installed.")
    assert activity.text() == ""
    assert not (app_dirs().models / "bad-types.gguf").exists()
    page.refresh()
    qtbot.waitUntil(lambda: page.busy_imports == 0, timeout=10_000)
    assert installed_ids(page) == ["smollm2-135m-instruct"]


def test_installed_list_says_where_each_model_came_from(
    make_page: PageFactory, qtbot: QtBot, hub: FakeHub, starter_model: Path, tmp_path: Path
) -> None:
    """Catalogue or not, downloaded or imported: every model is listed with its id and source."""
    hub.add_file(REPO, "hub-only.Q4_1.gguf", starter_model)
    Downloader().download(parse_spec("tiny-chat"))
    Downloader().download(parse_spec(f"{REPO}/hub-only.Q4_1.gguf"))
    mine = tmp_path / "mine.gguf"
    shutil.copyfile(starter_model, mine)
    import_model(mine, mode="link")
    page = make_page()
    sources = installed_column(page, "Source")
    assert sources == {
        "smollm2-135m-instruct": "Built in",
        "tiny-chat": "Catalogue",
        "hub-only.Q4_1": f"Hugging Face: {REPO}",
        "mine": "Linked",
    }
    table = find(page, "Installed models", QTableWidget)
    tips = [table.item(row, 0).toolTip() for row in range(table.rowCount())]
    assert any(tip.startswith("hub-only.Q4_1\n") for tip in tips)  # the id --model takes
    assert page.select_installed("hub-only.Q4_1")
    tool = find(page, "Tool", QComboBox)
    tool.setCurrentIndex(tool.findData("summarise"))
    click(qtbot, find(page, "Set as default", QPushButton))
    assert load_settings().settings.default_models == {"summarise": "hub-only.Q4_1"}
    qtbot.waitUntil(
        lambda: installed_column(page, "Default for").get("hub-only.Q4_1") == "Summarise",
        timeout=30_000,
    )


@pytest.mark.slow
def test_benchmark_shows_measured_speed(make_page: PageFactory, qtbot: QtBot) -> None:
    page = make_page()
    page.bench_prompt_tokens = 64
    page.bench_tokens = 16
    page.select_installed("smollm2-135m-instruct")
    click(qtbot, find(page, "Benchmark", QPushButton))
    assert not find(page, "Benchmark", QPushButton).isEnabled()  # one at a time
    activity = find(page, "Model activity")
    qtbot.waitUntil(lambda: "writes" in activity.text(), timeout=180_000)
    assert "tokens/s" in activity.text() and "CPU" in activity.text()
    table = find(page, "Model catalogue", QTableWidget)
    speed_column = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
    column = speed_column.index("Speed")

    def speed_shown() -> bool:  # measured: no longer the "≈" estimate
        page.select_entry("smollm2-135m-instruct")
        item = table.item(table.currentRow(), column)
        return item is not None and item.text()[:1].isdigit() and item.text().endswith("tokens/s")

    qtbot.waitUntil(speed_shown, timeout=30_000)
    item = table.item(table.currentRow(), column)
    assert "Measured on this computer" in item.toolTip()


# --------------------------------------------------------------------------- offline


def test_offline_start_needs_no_network(
    make_page: PageFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    page = make_page()
    assert page.catalogue.rowCount() == len(load_catalogue())
    assert not page.notice.isVisible()
    assert attempts == []


def test_the_speed_column_estimates_each_model_and_the_fit_says_when_it_is_slow(
    make_page: PageFactory,
) -> None:
    """A 135M model and an 8B one no longer read the same: each row shows the speed to
    expect here (the welcome page's estimate until a benchmark measures it), and a model that
    fits but is too slow to chat with says so."""
    from app.core.model_state import MIN_USABLE_TPS, gather_state

    page = make_page()
    state = gather_state(None)
    table = find(page, "Model catalogue", QTableWidget)
    headers = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
    fit_column, speed_column = headers.index("Fit"), headers.index("Speed")
    rates = {}
    for entry in state.entries:
        page.select_entry(entry.id)
        row = table.currentRow()
        expected = state.expected(entry)
        speed = table.item(row, speed_column).text()
        fit = table.item(row, fit_column).text()
        if expected is None:
            assert speed == "—" and "Too large" in fit
            continue
        tps, measured = expected
        rates[entry.id] = tps
        assert speed.startswith("≈ ") != measured, speed
        assert speed.endswith(" tokens/s")
        figure = float(speed.removeprefix("≈ ").removesuffix(" tokens/s"))
        assert figure == pytest.approx(tps, rel=0.06, abs=0.06)
        if state.fits[entry.id].kind == "cpu":
            assert ("slow" in fit) == (tps < MIN_USABLE_TPS), (entry.id, fit, tps)
    smallest = min(state.entries, key=lambda e: e.size_bytes)
    largest = max((e for e in state.entries if e.id in rates), key=lambda e: e.size_bytes)
    assert rates[smallest.id] > 10 * rates[largest.id]
