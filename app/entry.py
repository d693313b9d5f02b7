"""The ``parley`` and ``parley-gui`` entry points: the command line, or the desktop app.

Neither app.cli nor app.gui imports the other; this module joins them. With no command the
command line calls the launcher given here, which imports Qt only then, so ``parley --help``
and every terminal command start without it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from app.cli import main as cli_main


def _launch_gui(argv: list[str], model_spec: str | None) -> int:
    from app.gui.main import run_gui

    return run_gui(argv, model_spec=model_spec)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``parley`` console script (and of the frozen app)."""
    return cli_main(argv, gui=_launch_gui)


def gui_main() -> int:
    """Entry point of the ``parley-gui`` script (no console window on Windows)."""
    return main([])


if __name__ == "__main__":
    sys.exit(main())
