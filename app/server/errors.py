"""How the server says no: OpenAI-style error bodies, and the two exceptions routes raise.

Every refusal goes through :func:`error_response`, so a client (the official ``openai``
library among them) always finds ``error.message``, ``error.type`` and ``error.code`` where
OpenAI puts them, whichever guard or check refused the request. Failures nobody expected are
logged by :func:`log_internal_error`: one line for the operator, the traceback in a file.
"""

from __future__ import annotations

import sys
import time
import traceback
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


class RequestError(Exception):
    """A request the API refuses, with the status and an OpenAI-style error message."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        code: str = "invalid_request",
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.status, self.code, self.param = message, status, code, param


class ClientGone(Exception):
    """The client closed its connection before its reply was ready; nobody is listening."""


def json_type(value: Any) -> str:
    """How JSON calls the type of ``value``, for error messages that never echo a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def error_response(
    message: str,
    status: int,
    code: str,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An error in OpenAI's shape: ``invalid_request_error`` for 4xx, ``server_error`` for
    5xx, so clients that switch on the type treat Parley's errors as OpenAI's."""
    from starlette.responses import JSONResponse

    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": code, "param": param}},
        status_code=status,
        headers=headers,
    )


def log_internal_error(request: Request) -> None:
    """An unexpected failure: one line on stderr (a server's terminal is for its operator,
    not for tracebacks), the traceback in ``<logs>/serve.log``."""
    where = "<logs>/serve.log"
    try:
        from app.core.paths import app_dirs

        path = app_dirs().logs / "serve.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {request.method} ")
            log.write(f"{request.url.path}\n{traceback.format_exc()}\n")
        where = str(path)
    except OSError:
        pass
    kind = sys.exc_info()[0]
    name = kind.__name__ if kind else "error"
    print(
        f"parley serve: internal error ({name}) on {request.method} {request.url.path}; "
        f"details in {where}",
        file=sys.stderr,
        flush=True,
    )
