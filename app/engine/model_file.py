"""The cheap checks of a model file made in the app process before the engine is asked to
load it, so the common mistakes (a wrong path, a file that is not GGUF) get a plain message
instead of a llama.cpp failure read back from the engine's log."""

from __future__ import annotations

from pathlib import Path

from app.core.backend import BackendError

SUPPORTED_GGUF_VERSIONS = (2, 3)


def check_model_file(path: Path) -> None:
    """Refuse files llama.cpp would fail on, with a message that says what is wrong.

    Only the cheap checks: existence and the GGUF magic and version. Damage deeper in the
    file (truncation, bad tensors) is reported by the engine when it loads.
    """
    if not path.exists():
        raise BackendError(f"The model file {path} does not exist.")
    if not path.is_file():
        raise BackendError(f"{path} is not a model file (it is a folder or a device).")
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise BackendError(f"Parley cannot read {path}: {exc.strerror or exc}.") from None
    if len(head) < 8 or head[:4] != b"GGUF":
        raise BackendError(f"{path.name} is not a GGUF model file.")
    version = int.from_bytes(head[4:8], "little")
    if version not in SUPPORTED_GGUF_VERSIONS:
        raise BackendError(
            f"{path.name} uses GGUF version {version}, which this version of Parley cannot read."
        )
