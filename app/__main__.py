"""``python -m app`` runs the same entry point as the ``parley`` command."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
