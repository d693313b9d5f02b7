"""The PySide6 front end: windows, panes and the thin adapters that keep work off the GUI thread."""
