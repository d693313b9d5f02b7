"""Entry script of the frozen app: the same ``main`` as the ``parley`` console script.

PyInstaller needs a script file, not an entry point. ``main`` calls
``multiprocessing.freeze_support()`` before anything else, so when the bundle's executable is
re-launched as the engine's ``spawn`` child it runs the child and exits instead of starting a
second GUI.
"""

import sys

from app.entry import main

if __name__ == "__main__":
    sys.exit(main())
