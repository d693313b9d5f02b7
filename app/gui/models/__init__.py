"""The Models section of the main window, one module per concern.

``page`` assembles the parts: ``catalogue`` (the curated list with fit verdicts), ``installed``
(models on this computer, defaults and removal), ``downloads`` (the download queue and its
status-bar line), ``importing`` (adding a GGUF file), ``benchmark`` (the speed test) and
``hardware`` (the Hardware sheet). What they show is read by :mod:`app.core.model_state`.

This file imports nothing, so importing one part never loads the others.
"""
