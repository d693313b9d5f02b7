"""Start the desktop app: ``run_gui(argv)`` or ``python -m app.gui.main``.

The window is created and shown before anything slow happens; the history database and the
model are opened afterwards in the background. Nothing here imports llama_cpp, SQLAlchemy or
the engine at start-up, which keeps the first window under a second and idle memory low.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QDialog

from app.core.backend import Backend, LoadOptions, ModelRef
from app.core.paths import app_dirs, resource_path
from app.core.settings import TOOLS, Settings, load_settings
from app.gui.engine_worker import BackendFactory, EngineWorker
from app.gui.i18n import set_ui_locale
from app.gui.icons import app_icon
from app.gui.settings_store import SettingsStore
from app.gui.theme import ThemeManager
from app.gui.tools.engines import TaskEngines
from app.gui.window import MainWindow

log = logging.getLogger(__name__)


def load_options_from(settings: Settings) -> LoadOptions:
    """How to load the model, from the user's settings (the mapping every face shares)."""
    return settings.load_options()


def open_settings(window: MainWindow) -> QDialog:
    """Settings (Ctrl+,), imported when first opened: start-up does not pay for it."""
    from app.gui.settings_dialog import show_settings

    return show_settings(window)


def open_welcome(window: MainWindow) -> QDialog:
    """The welcome page (Help > Welcome, and on first run)."""
    from app.gui.welcome import show_welcome

    return show_welcome(window)


def local_backend_factory() -> Backend:
    """The engine client; imported on the worker thread so start-up does not pay for it."""
    from app.engine.local import LocalBackend

    return LocalBackend(log_dir=app_dirs().logs)


def settings_backend_factory() -> Backend:
    """The chat tool's backend: the server chosen on the Servers page, else the local engine."""
    from app.engine.factory import open_remote, remote_choice

    choice = remote_choice(load_settings().settings, "chat")
    if choice is not None:
        return open_remote(choice)
    return local_backend_factory()


def placement_backend_factory(where: str) -> Backend:
    """A backend for a task's own worker: the named server's, or (``"local"``) the engine."""
    from app.core.servers import LOCAL
    from app.engine.factory import open_remote, remote_choice

    if where == LOCAL:
        return local_backend_factory()
    choice = remote_choice(load_settings().settings, "chat", server=where)
    if choice is None:
        return local_backend_factory()
    return open_remote(choice)


def open_history_store() -> object:
    """Open (and migrate) the history database; runs in the background."""
    from app.core.history import HistoryStore

    return HistoryStore.open(load_settings().settings.history_file())


@dataclass
class GuiParts:
    """What :func:`create_gui` built, for the caller (and tests) to drive."""

    app: QApplication
    window: MainWindow
    theme: ThemeManager
    worker: EngineWorker


def install_translations(app: QApplication, language: str) -> None:
    """Load Parley's and Qt's own translations for the chosen (or system) language."""
    locale = QLocale() if language in ("", "system") else QLocale(language)
    set_ui_locale(locale)
    translator = QTranslator(app)
    if translator.load(locale, "parley", "_", str(resource_path("translations"))):
        app.installTranslator(translator)
    qt_translator = QTranslator(app)
    qt_path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_translator.load(locale, "qtbase", "_", qt_path):
        app.installTranslator(qt_translator)


def create_gui(
    argv: list[str],
    *,
    model_spec: str | None = None,
    backend_factory: BackendFactory | None = None,
    load_options: LoadOptions | None = None,
    resolve: Callable[[], ModelRef] | None = None,
    open_store: Callable[[], object] | None = None,
) -> GuiParts:
    """Build the application and its window (shown), and schedule the background start-up."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Parley")
    app.setOrganizationName("Parley")
    app.setApplicationDisplayName("Parley")
    app.setDesktopFileName("parley")
    app.setWindowIcon(app_icon())
    store = SettingsStore()
    settings = store.current()
    install_translations(app, settings.language)
    theme = ThemeManager(app, settings.theme)
    if settings.font_size > 0:
        from app.gui.settings_dialog import apply_font_size

        apply_font_size(app, settings.font_size)

    def resolve_spec() -> ModelRef:
        from app.core.catalogue import resolve_model

        return resolve_model(model_spec, tool="chat", settings=store.current())

    worker = EngineWorker(backend_factory or settings_backend_factory)
    # A model given at start-up (``parley <model>``, a test's) is each task's until the user
    # picks another; a backend handed in (tests) serves every task on Chat's worker.
    pins: dict[str, Callable[[], ModelRef]] = {}
    if model_spec:
        pins = dict.fromkeys(TOOLS, resolve_spec)
    if resolve is not None:
        pins.update(dict.fromkeys(TOOLS if backend_factory is not None else ("chat",), resolve))
    options = load_options or load_options_from(settings)
    holder: list[MainWindow] = []
    engines = TaskEngines(
        worker,
        store,
        backend_for=None if backend_factory is not None else placement_backend_factory,
        load_options=lambda: holder[0].load_options if holder else options,
        pins=pins,
    )
    window = MainWindow(
        worker=worker,
        resolve_model=partial(engines.ref_for, "chat"),
        load_options=options,
        open_store=open_store or open_history_store,  # type: ignore[arg-type]
        engines=engines,
        dialogs={"settings": open_settings, "welcome": open_welcome},
        settings_store=store,
    )
    holder.append(window)
    engines.setParent(window)
    theme.changed.connect(window.retint)
    window.show()
    if store.warning:
        window.chat.show_notice(store.warning)
    QTimer.singleShot(0, window.start)
    return GuiParts(app, window, theme, worker)


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl+C or SIGTERM closes the window properly (reply saved, engine ended).

    Python runs signal handlers only between bytecodes, so a slow no-op timer gives the
    interpreter a turn while Qt's event loop waits.
    """
    import signal

    def close(*_: object) -> None:
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.close()
        app.quit()

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, close)
    heartbeat = QTimer(app)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(250)


def run_gui(argv: list[str], *, model_spec: str | None = None) -> int:
    """Create the application and main window, run the event loop, return the exit code."""
    parts = create_gui(argv, model_spec=model_spec)
    _quit_on_signals(parts.app)
    from app.gui.welcome import show_welcome_on_first_run

    QTimer.singleShot(0, lambda: show_welcome_on_first_run(parts.window))
    code = parts.app.exec()
    parts.window.shutdown()
    return int(code)


def main() -> int:
    """Entry point for ``python -m app.gui.main [model]``."""
    import multiprocessing

    multiprocessing.freeze_support()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = sys.argv[1:]
    spec = args[0] if args and not args[0].startswith("-") else None
    return run_gui(sys.argv, model_spec=spec)


if __name__ == "__main__":
    sys.exit(main())
