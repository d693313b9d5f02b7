"""llama-cpp-python's own OpenAI-compatible server on 127.0.0.1, for the remote-backend tests.

A real server (``python -m llama_cpp.server``) with the starter model, started as a child
process and always ended by the caller (:meth:`LlamaServer.stop`), so no test leaves it
running. One thread and a small context keep it light on a shared machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

MODEL_ALIAS = "smollm2-135m"
START_TIMEOUT_S = 120.0


# ``python -m llama_cpp.server`` with llama.cpp's "extra buffer types" (weight repacking for
# AMX and friends) switched off. Some virtual machines report AMX but fault on its first tile
# instruction (a general protection fault in ggml_backend_amx_mul_mat as soon as a prompt of
# more than one token is evaluated); the plain CPU path works everywhere.
_LAUNCHER = """
import runpy, sys
import llama_cpp.llama_cpp as low
_defaults = low.llama_model_default_params
def _params():
    params = _defaults()
    params.use_extra_bufts = False
    return params
low.llama_model_default_params = _params
sys.argv[0] = "llama_cpp.server"
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LlamaServer:
    """A running ``llama_cpp.server``; ``url`` is its base URL (without ``/v1``)."""

    process: subprocess.Popen[bytes]
    port: int
    api_key: str = ""
    log_path: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """End it abruptly, as a crash or a pulled plug would."""
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_llama_server(
    model: Path,
    log_dir: Path,
    *,
    api_key: str = "",
    n_ctx: int = 4096,
    extra_args: tuple[str, ...] = (),
) -> LlamaServer:
    """Start the server and wait until ``/v1/models`` answers."""
    port = free_port()
    log_path = log_dir / f"llama-server-{port}.log"
    args = [
        sys.executable,
        "-c",
        _LAUNCHER,
        "--model",
        str(model),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",
        "--n_ctx",
        str(n_ctx),
        "--verbose",
        "False",
        *extra_args,
    ]
    if api_key:
        args += ["--api_key", api_key]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ), start_new_session=True
        )
    server = LlamaServer(process, port, api_key, log_path)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"llama_cpp.server exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/v1/models", headers=headers, timeout=2).status_code < 500:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"llama_cpp.server did not start within {START_TIMEOUT_S:.0f} s")
