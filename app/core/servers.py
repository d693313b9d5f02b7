"""Remote OpenAI-compatible servers: their names and addresses in settings, their keys elsewhere.

A server is a name, a base URL and (optionally) which of its models to use; that much is
stored in the settings file. The API key never is: a settings file gets backed up, synced and
pasted into bug reports. Keys go to the system keyring (Secret Service, macOS Keychain,
Windows Credential Locker) through :mod:`keyring`. Where no keyring exists (a headless Linux
box, a container) a key is kept in memory for this session only, with a warning that says so,
and can be given through an environment variable instead (``PARLEY_API_KEY_<NAME>`` for one
server, ``PARLEY_API_KEY`` for any).

Which tool runs where is ``settings.tool_backends``: tool name -> ``"local"`` or a server name.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.core.settings import TOOLS, Settings

log = logging.getLogger(__name__)

LOCAL = "local"
KEYRING_SERVICE = "Parley"
KEY_ENV = "PARLEY_API_KEY"
MAX_NAME_LENGTH = 60


class ServerConfigError(ValueError):
    """A server entry the user typed cannot be used; the message says why."""


@dataclass(frozen=True)
class ServerConfig:
    """One named server. ``model`` empty means the server's first (often only) model."""

    name: str
    base_url: str
    model: str = ""

    @property
    def host(self) -> str:
        """``host:port`` for messages and the "Server: <host>" device label."""
        return host_label(self.base_url)


def normalise_base_url(url: str) -> str:
    """A usable base URL (scheme, host, optional port and path) without a trailing slash.

    A trailing ``/v1`` is kept: the backend accepts both forms, and users paste either.
    """
    text = url.strip()
    if not text:
        raise ServerConfigError("The server address is empty.")
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ServerConfigError(f"“{url.strip()}” is not a valid server address ({exc}).") from None
    if parts.scheme not in ("http", "https"):
        raise ServerConfigError(
            f"“{url.strip()}” is not an http:// or https:// address; Parley talks to servers "
            "over HTTP."
        )
    if not parts.hostname:
        raise ServerConfigError(f"“{url.strip()}” has no host name.")
    if port is not None and not 0 < port < 65536:
        raise ServerConfigError(f"“{url.strip()}” has a port outside 1-65535.")
    if parts.query or parts.fragment:
        raise ServerConfigError(f"“{url.strip()}” should not contain ? or #.")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def host_label(url: str) -> str:
    """``host:port`` of a URL, for messages."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        return parts.netloc or url
    except ValueError:
        return url


def check_name(name: str) -> str:
    """A trimmed server name, or ServerConfigError."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ServerConfigError("The server needs a name.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ServerConfigError(f"The server name is longer than {MAX_NAME_LENGTH} characters.")
    if cleaned.lower() == LOCAL:
        raise ServerConfigError(f"“{LOCAL}” is reserved for this computer; choose another name.")
    return cleaned


# --------------------------------------------------------------------------- settings


def list_servers(settings: Settings) -> list[ServerConfig]:
    """The servers in settings; entries a hand edit broke are skipped, not fatal."""
    servers: list[ServerConfig] = []
    for raw in settings.servers:
        if not isinstance(raw, dict):
            continue
        name, url, model = raw.get("name"), raw.get("base_url"), raw.get("model", "")
        if not isinstance(name, str) or not isinstance(url, str) or not isinstance(model, str):
            continue
        try:
            servers.append(ServerConfig(check_name(name), normalise_base_url(url), model.strip()))
        except ServerConfigError as exc:
            log.warning("ignoring server entry %r in settings: %s", name, exc)
    return servers


def find_server(settings: Settings, name: str) -> ServerConfig | None:
    """The server called ``name`` (case-insensitive), or None."""
    wanted = " ".join(name.split()).lower()
    for server in list_servers(settings):
        if server.name.lower() == wanted:
            return server
    return None


def save_server(settings: Settings, server: ServerConfig, *, old_name: str | None = None) -> None:
    """Add ``server`` or replace ``old_name`` (a rename keeps the tools that used it)."""
    server = ServerConfig(
        check_name(server.name), normalise_base_url(server.base_url), server.model.strip()
    )
    replaced = (old_name or server.name).lower()
    clash = find_server(settings, server.name)
    if clash is not None and clash.name.lower() != replaced:
        raise ServerConfigError(f"There is already a server called “{clash.name}”.")
    entry = {"name": server.name, "base_url": server.base_url, "model": server.model}
    kept = [s for s in settings.servers if str(s.get("name", "")).lower() != replaced]
    position = next(
        (i for i, s in enumerate(settings.servers) if str(s.get("name", "")).lower() == replaced),
        len(kept),
    )
    kept.insert(position, entry)
    settings.servers = kept
    if old_name and old_name != server.name:
        for tool, where in list(settings.tool_backends.items()):
            if where.lower() == old_name.lower():
                settings.tool_backends[tool] = server.name
        key = key_store().get(old_name)
        if key:
            key_store().set(server.name, key)
            key_store().delete(old_name)


def remove_server(settings: Settings, name: str) -> None:
    """Forget a server, its key, and send the tools that used it back to this computer."""
    settings.servers = [
        s for s in settings.servers if str(s.get("name", "")).lower() != name.lower()
    ]
    for tool, where in list(settings.tool_backends.items()):
        if where.lower() == name.lower():
            settings.tool_backends[tool] = LOCAL
    key_store().delete(name)


def tool_server(settings: Settings, tool: str) -> ServerConfig | None:
    """The server ``tool`` runs on, or None for this computer (also when it was removed)."""
    where = settings.tool_backends.get(tool, LOCAL)
    if not where or where == LOCAL:
        return None
    return find_server(settings, where)


def set_tool_backend(settings: Settings, tool: str, where: str) -> None:
    """Run ``tool`` locally (``"local"``) or on the named server."""
    if tool not in TOOLS:
        raise ServerConfigError(f"There is no tool called “{tool}”.")
    if where != LOCAL and find_server(settings, where) is None:
        raise ServerConfigError(f"There is no server called “{where}”.")
    settings.tool_backends[tool] = where


# --------------------------------------------------------------------------- keys


def key_env_name(server_name: str) -> str:
    """``PARLEY_API_KEY_<NAME>``: the environment variable holding one server's key."""
    return f"{KEY_ENV}_{re.sub(r'[^A-Za-z0-9]+', '_', server_name).strip('_').upper()}"


class KeyStore:
    """API keys by server name: the system keyring, else this session's memory.

    ``warning`` is set once a key could not go to a keyring, so the GUI can say that the key
    will be forgotten when Parley closes. Keys are never written anywhere else.
    """

    def __init__(self) -> None:
        self._session: dict[str, str] = {}
        self._lock = threading.Lock()
        self.warning: str | None = None

    def get(self, server_name: str) -> str:
        """The key for a server: keyring, session, ``PARLEY_API_KEY_<NAME>``, ``PARLEY_API_KEY``."""
        with self._lock:
            if server_name in self._session:
                return self._session[server_name]
        stored = _keyring_call("get_password", KEYRING_SERVICE, server_name)
        if isinstance(stored, str) and stored:
            return stored
        return os.environ.get(key_env_name(server_name)) or os.environ.get(KEY_ENV, "")

    def set(self, server_name: str, key: str) -> str | None:
        """Store a key (empty deletes it); a warning when it is kept for this session only."""
        if not key:
            self.delete(server_name)
            return None
        ok = _keyring_call("set_password", KEYRING_SERVICE, server_name, key) is not _FAILED
        with self._lock:
            if ok:
                self._session.pop(server_name, None)
                return None
            self._session[server_name] = key
            self.warning = (
                f"No system keyring is available, so the API key for “{server_name}” is kept "
                f"only until Parley closes. To keep it, set {key_env_name(server_name)} in the "
                "environment."
            )
            return self.warning

    def delete(self, server_name: str) -> None:
        with self._lock:
            self._session.pop(server_name, None)
        _keyring_call("delete_password", KEYRING_SERVICE, server_name)

    def in_keyring(self, server_name: str) -> bool:
        """Whether the key is in the system keyring (as opposed to memory or the environment)."""
        stored = _keyring_call("get_password", KEYRING_SERVICE, server_name)
        return isinstance(stored, str) and bool(stored)


_FAILED = object()


def _keyring_call(name: str, *args: str) -> object:
    """Call a keyring function; any failure (no backend, locked, D-Bus gone) is _FAILED.

    Keyring backends raise many kinds of exceptions (D-Bus errors, locked collections); none
    of them may stop the app, so all are logged and treated as "no keyring". Where the
    ``keyring`` package has no backend but libsecret's ``secret-tool`` is installed (the
    packaged Linux app, which leaves out the 12 MB Secret Service stack of ``keyring``), the
    same Secret Service is reached through that command instead.
    """
    try:
        import keyring

        return getattr(keyring, name)(*args)
    except Exception as exc:
        log.info("keyring %s failed: %s", name, exc)
    try:
        return _secret_tool(name, *args)
    except Exception as exc:
        log.info("secret-tool %s failed: %s", name, exc)
        return _FAILED


SECRET_TOOL_TIMEOUT_S = 15.0


def _secret_tool(name: str, service: str, username: str, password: str = "") -> str | None:
    """``keyring``'s three calls through libsecret's ``secret-tool`` command.

    The attributes are the ones ``keyring``'s Secret Service backend uses (``service`` and
    ``username``), so a key saved by either is found by the other. Raises when the command is
    missing or fails, which the caller turns into "no keyring".
    """
    import shutil
    import subprocess
    import sys

    command = shutil.which("secret-tool") if sys.platform.startswith("linux") else None
    if command is None:
        raise RuntimeError("secret-tool is not installed")
    attributes = ["service", service, "username", username]
    if name == "get_password":
        found = subprocess.run(
            [command, "lookup", *attributes],
            capture_output=True,
            text=True,
            timeout=SECRET_TOOL_TIMEOUT_S,
            check=False,
        )
        if found.returncode != 0 and found.stderr.strip():
            raise RuntimeError(found.stderr.strip())
        return found.stdout or None
    if name == "set_password":
        label = f"{service}: {username}"
        argv = [command, "store", "--label", label, *attributes]
        stdin = password
    elif name == "delete_password":
        argv, stdin = [command, "clear", *attributes], ""
    else:
        raise ValueError(name)
    done = subprocess.run(
        argv,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=SECRET_TOOL_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or f"secret-tool {argv[1]} failed")
    return None


_store: KeyStore | None = None
_store_lock = threading.Lock()


def key_store() -> KeyStore:
    """The process's key store (one, so a session-only key is seen everywhere)."""
    global _store  # noqa: PLW0603 - one store per process
    with _store_lock:
        if _store is None:
            _store = KeyStore()
        return _store
