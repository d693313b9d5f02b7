"""Fixtures for driving the real Parley window with pytest-qt.

Widgets are found by accessible name, the way a screen reader (or a user) finds them. Most
tests run the real starter model through the real engine process; :class:`ScriptedBackend`
stands in only where the real model would make a test slow or its outcome a matter of luck
(exact token counts, thousands of messages, a file that cannot be opened).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.core.backend import (
    Backend,
    ChatMessage,
    Done,
    Event,
    LoadInfo,
    LoadOptions,
    ModelRef,
    SamplingParams,
    Stats,
    Token,
)
from app.core.history import HistoryStore
from app.gui.main import GuiParts, create_gui
from app.gui.models.page import ModelsPage
from app.gui.ops import wait_for_background_ops

REAL_OPTIONS = LoadOptions(n_ctx=2048, n_threads=2, n_threads_batch=2, gpu_layers=0)


class ScriptedBackend:
    """A Backend that streams scripted words at a chosen pace and counts one token per word.

    Honest about what it is: no model, no engine process; it exists so tests about the GUI's
    own logic (context notices, big conversations, recovery dialogs) get exact, repeatable
    numbers.
    """

    def __init__(
        self,
        reply: str = "Scripted reply with **bold** text.",
        *,
        delay: float = 0.0,
        n_ctx: int = 2048,
        template_tokens: int = 3,
    ) -> None:
        self.reply = reply
        self.delay = delay
        self.n_ctx = n_ctx
        self.template_tokens = template_tokens
        self.cancelled = threading.Event()
        self.requests: list[list[ChatMessage]] = []
        self.closed = False

    def load(self, model: ModelRef, options: LoadOptions) -> LoadInfo:
        return LoadInfo(
            model_id=model.model_id or "scripted",
            path=str(model.path),
            device="CPU",
            gpu_layers=0,
            n_layers=1,
            n_ctx=self.n_ctx,
            n_ctx_train=self.n_ctx,
            n_threads=1,
            load_seconds=0.0,
        )

    def stream(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        *,
        grammar: str | None = None,
        json_schema: dict[str, Any] | None = None,
        logprobs: int = 0,
    ) -> Iterator[Event]:
        self.cancelled.clear()
        self.requests.append(list(messages))
        started = time.perf_counter()
        words = self.reply.split(" ")
        produced = 0
        for index, word in enumerate(words[: params.max_tokens]):
            if self.cancelled.is_set():
                yield Stats(self.count_chat_tokens(messages), produced, 0.01, 100.0)
                yield Done("cancelled")
                return
            if self.delay:
                time.sleep(self.delay)
            produced += 1
            yield Token(word if index == 0 else " " + word)
        elapsed = max(time.perf_counter() - started, 1e-6)
        yield Stats(self.count_chat_tokens(messages), produced, 0.01, produced / elapsed)
        yield Done("stop" if produced == len(words) else "length")

    def cancel(self) -> None:
        self.cancelled.set()

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def count_chat_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return sum(self.template_tokens + len(m["content"].split()) for m in messages)

    def context_length(self) -> int:
        return self.n_ctx

    def close(self) -> None:
        self.closed = True


@contextlib.contextmanager
def shown_models_page(
    qtbot: QtBot, options: LoadOptions, size: tuple[int, int]
) -> Iterator[ModelsPage]:
    """The Models page alone, shown at ``size`` once its model list is read; on leaving, its
    evaluation dialog is closed and its background work (an evaluation's engine) ended."""
    models = ModelsPage(load_options=lambda: options)
    qtbot.addWidget(models)
    models.resize(*size)
    models.show()
    qtbot.waitUntil(lambda: models.state is not None, timeout=30_000)
    yield models
    dialog = models.evaluation_dialog
    if dialog is not None:
        dialog.close()
    models.shutdown()
    wait_for_background_ops(60_000)


def find(root: QWidget | QObject, name: str, kind: type[QWidget] = QWidget) -> Any:
    """The one visible widget under ``root`` with accessible name ``name``."""
    matches = [w for w in root.findChildren(kind) if w.accessibleName() == name]
    visible = [w for w in matches if w.isVisible()] or matches
    assert visible, f"no widget named {name!r}"
    return visible[0]


def find_all(root: QWidget | QObject, name: str, kind: type[QWidget] = QWidget) -> list[Any]:
    return [w for w in root.findChildren(kind) if w.accessibleName() == name]


class AppFactory:
    """Builds the real window (real store in PARLEY_HOME) and shuts everything down after."""

    def __init__(self, qtbot: QtBot, home: Path) -> None:
        self.qtbot = qtbot
        self.home = home
        self.parts: list[GuiParts] = []

    def __call__(
        self,
        backend: Backend | None = None,
        *,
        options: LoadOptions = REAL_OPTIONS,
        wait_model: bool = True,
        wait_store: bool = True,
        resolve: Callable[[], ModelRef] | None = None,
        model_spec: str | None = None,
    ) -> GuiParts:
        factory = (lambda: backend) if backend is not None else None
        if backend is not None and resolve is None:

            def resolve() -> ModelRef:
                return ModelRef(
                    path=Path("scripted.gguf"), model_id="scripted", display_name="Scripted"
                )

        parts = create_gui(
            [],
            model_spec=model_spec,
            backend_factory=factory,
            load_options=options,
            resolve=resolve,
        )
        self.parts.append(parts)
        window = parts.window
        if wait_store:
            self.qtbot.waitUntil(lambda: window.store is not None, timeout=30_000)
        if wait_model:
            self.qtbot.waitUntil(lambda: window.load_info is not None, timeout=60_000)
        return parts

    def close_all(self) -> None:
        for parts in self.parts:
            parts.window.close()
            parts.window.deleteLater()
        wait_for_background_ops()
        QApplication.processEvents()
        self.parts.clear()


@pytest.fixture
def make_app(qtbot: QtBot, parley_home: Path) -> Iterator[AppFactory]:
    factory = AppFactory(qtbot, parley_home)
    yield factory
    factory.close_all()


@pytest.fixture
def history_path(parley_home: Path) -> Path:
    return parley_home / "data" / "history.sqlite3"


@pytest.fixture
def seeded_store(history_path: Path) -> Iterator[Callable[[], HistoryStore]]:
    """Open the real store to prepare data before the app starts; closed afterwards."""
    opened: list[HistoryStore] = []

    def open_store() -> HistoryStore:
        store = HistoryStore.open(history_path)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()
