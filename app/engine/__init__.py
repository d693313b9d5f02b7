"""Implementations of :class:`app.core.backend.Backend`.

``app.engine.local.LocalBackend`` runs llama.cpp in a child process (``app.engine.worker``);
the OpenAI-compatible remote backend lives in ``app.engine.openai_compat``. Nothing here
imports ``llama_cpp`` in the app process.
"""
