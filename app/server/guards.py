"""What every request passes before a route sees it: the Host check, the key, the body limits.

A key alone does not stop a web page from reaching the API through DNS rebinding (a name the
attacker controls that resolves to 127.0.0.1): the browser would then send the attacker's
name as ``Host``. So every request's ``Host`` is checked first (:class:`HostGuard`, before
routing), as llama-server and Jupyter do: only loopback addresses, ``localhost``, the address
the server listens on and names given with ``--allow-host`` are answered. Then the bearer key
is compared in constant time.

A body is refused with a 413 as soon as it is known to be over :data:`MAX_BODY_BYTES`
(counted while it is read, so a huge body never sits in memory), and with a 400 when it is not
a UTF-8 JSON object or nests deeper than :data:`MAX_JSON_DEPTH`. Lone UTF-16 surrogates,
which JSON can escape but UTF-8 cannot carry, become U+FFFD, so no later step fails to encode
a string that passed parsing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.server.errors import ClientGone, RequestError, error_response, json_type

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import ASGIApp, Receive, Scope, Send

# Loopback: a server nobody chose to expose is reachable from this computer only.
DEFAULT_HOST = "127.0.0.1"
MAX_BODY_BYTES = 8 * 1024 * 1024
# Nothing in an OpenAI request nests deeply (a JSON schema a few levels); a limit far below
# Python's recursion limit means no later step (repr, pickling, the grammar converter) can
# hit a RecursionError on a request that passed parsing.
MAX_JSON_DEPTH = 64
# A JSON escape of a UTF-16 surrogate: only then can the parsed body hold a lone surrogate
# (the raw bytes are decoded as strict UTF-8, which refuses encoded surrogates).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
_PORT = re.compile(r"[0-9]*")
_DIGITS = re.compile(r"[0-9]+")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this computer."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------- Host check


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def normalise_host_name(text: str) -> str | None:
    """``text`` as a bare lower-case host name or IP address (brackets and a final dot
    dropped), or None when it is neither."""
    name = text.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        address = _ip(name[1:-1])
        return str(address) if isinstance(address, ipaddress.IPv6Address) else None
    address = _ip(name)
    if address is not None:
        return str(address)
    name = name.removesuffix(".")
    return name if _HOST_NAME.fullmatch(name) else None


def host_header_name(value: str) -> str | None:
    """The host part of a ``Host`` header (``name``, ``name:port``, ``[v6]:port``),
    normalised, or None when the header is malformed."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[: end + 1], value[end + 1 :]
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
    if rest and not (rest.startswith(":") and _PORT.fullmatch(rest[1:])):
        return None
    if not name.startswith("[") and ":" in name:
        return None  # an IPv6 address needs brackets in a Host header
    return normalise_host_name(name)


@dataclass(frozen=True)
class HostPolicy:
    """Which ``Host`` headers the server answers: its defence against DNS rebinding.

    A rebinding attack needs a host *name* (the attacker's, resolving to this computer), so
    IP literals are safe in principle; loopback addresses and ``localhost`` are always
    allowed, other addresses only when the server listens on them (any address when it
    listens on all of them), other names only when listed.
    """

    names: frozenset[str]
    addresses: frozenset[str]
    any_address: bool = False

    @classmethod
    def for_bind(cls, host: str, extra: Iterable[str] = ()) -> HostPolicy:
        """The policy for a server listening on ``host``, with ``extra`` names allowed."""
        names = {"localhost"}
        addresses: set[str] = set()
        any_address = False
        bound = normalise_host_name(host)
        address = _ip(bound) if bound else None
        if address is not None:
            addresses.add(str(address))
            any_address = address.is_unspecified
        elif bound:
            names.add(bound)
        for item in extra:
            name = normalise_host_name(item)
            if name is None:
                raise ValueError(item)
            (addresses if _ip(name) else names).add(name)
        return cls(frozenset(names), frozenset(addresses), any_address)

    def allows(self, name: str) -> bool:
        """Whether a request whose ``Host`` names ``name`` (normalised) may be answered."""
        address = _ip(name)
        if address is None:
            return name in self.names
        return address.is_loopback or self.any_address or name in self.addresses


class HostGuard:
    """ASGI middleware: answer only requests whose ``Host`` the policy allows.

    It runs before routing and before the key is checked, so a page that rebinds a name to
    this computer learns nothing, not even whether its guess of the key was right.
    """

    def __init__(self, app: ASGIApp, policy: HostPolicy) -> None:
        self.app, self.policy = app, policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"]
            problem = self._problem(values)
            if problem is not None:
                code = "host_not_allowed" if problem[1] == 403 else "invalid_host"
                response = error_response(problem[0], problem[1], code)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _problem(self, values: list[str]) -> tuple[str, int] | None:
        if len(values) != 1:
            return "The request needs exactly one Host header.", 400
        name = host_header_name(values[0])
        if name is None:
            return f"The Host header {values[0][:100]!r} is not a valid host.", 400
        if self.policy.allows(name):
            return None
        return (
            f"This server does not answer to the host name {name[:100]!r} (a guard against "
            "DNS rebinding). Use 127.0.0.1 or localhost, or start parley serve with "
            f"--allow-host {name[:100]}.",
            403,
        )


# --------------------------------------------------------------------------- the key


def bearer_token(header: str) -> str | None:
    """The credentials of an ``Authorization: Bearer <token>`` header, or None.

    The scheme is case-insensitive in HTTP (RFC 9110), and clients differ in spacing, so
    ``bearer  KEY`` counts as well.
    """
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


def key_matches(request: Request, expected: bytes) -> bool:
    """Whether ``request`` carries the key ``expected`` (compared in constant time, so the
    time a refusal takes says nothing about how much of a guess was right)."""
    token = bearer_token(request.headers.get("authorization", ""))
    # Starlette decodes headers as latin-1, so this gives back the bytes that were sent.
    return token is not None and secrets.compare_digest(token.encode("latin-1"), expected)


# --------------------------------------------------------------------------- the body


async def read_body(request: Request) -> dict[str, Any]:
    """The JSON body, refused with 413 as soon as it is known to be too large: from the
    Content-Length, else by counting while it arrives, so it is never held whole."""
    from starlette.requests import ClientDisconnect

    too_large = RequestError(
        f"The request body is larger than the limit of {MAX_BODY_BYTES // 2**20} MiB.",
        413,
        "request_too_large",
    )
    length = request.headers.get("content-length")
    if length is not None and _DIGITS.fullmatch(length.strip()) and int(length) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise too_large
            chunks.append(chunk)
    except ClientDisconnect:
        raise ClientGone from None
    raw = b"".join(chunks)
    del chunks
    # Parsing and checking up to 8 MiB takes a moment; the other clients need not wait.
    return await asyncio.to_thread(decode_body, raw)


def _scrub(body: Any) -> Any:
    """``body`` with every lone surrogate in its strings (keys too) replaced by U+FFFD.

    Walks with an explicit stack, so it cannot itself run out of recursion.
    """

    def fix(value: Any) -> Any:
        if isinstance(value, str):
            return _LONE_SURROGATE.sub("\ufffd", value)
        return value

    root = [body]
    stack: list[list[Any] | dict[str, Any]] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, list | dict):
                    stack.append(item)
                else:
                    node[i] = fix(item)
        else:
            items = [(fix(k), v if isinstance(v, list | dict) else fix(v)) for k, v in node.items()]
            node.clear()
            node.update(items)
            stack.extend(v for _, v in items if isinstance(v, list | dict))
    return root[0]


def _depth(body: Any) -> int:
    """How deeply ``body`` nests lists and objects (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(body, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        level += 1
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, level) for child in node if isinstance(child, list | dict))
    return deepest


def decode_body(raw: bytes) -> dict[str, Any]:
    """Parse a request body: a JSON object in UTF-8, nested at most :data:`MAX_JSON_DEPTH`
    levels, lone surrogates replaced. Everything else is a :class:`RequestError`."""
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RequestError(
            f"The request body is not valid UTF-8 (byte {exc.start}); JSON must be UTF-8."
        ) from None
    too_deep = RequestError(
        f"The request body nests lists and objects more than {MAX_JSON_DEPTH} levels deep."
    )
    try:
        body = json.loads(text)
    except RecursionError:
        raise too_deep from None
    except ValueError as exc:
        raise RequestError(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RequestError(f"The request body must be a JSON object, not {json_type(body)}.")
    if _depth(body) > MAX_JSON_DEPTH:
        raise too_deep
    if _SURROGATE_ESCAPE.search(text):
        body = _scrub(body)
    return body
