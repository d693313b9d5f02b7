"""Qt-free, llama.cpp-free core: paths, settings, catalogue, prompts, pipelines, history.

Nothing here may import PySide6, llama_cpp or app.engine (enforced by import-linter), so the
whole core runs and is tested without a display and without the native engine.
"""
