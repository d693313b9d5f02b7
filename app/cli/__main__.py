"""``python -m app.cli``: the command line without the desktop app (the frozen bundle's
self-test runs it this way)."""

import sys

from app.cli import main

sys.exit(main())
