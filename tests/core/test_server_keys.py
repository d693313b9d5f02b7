"""API keys of remote servers: kept in the system's Secret Service, never in settings.

These tests run a private D-Bus session bus with gnome-keyring's Secret Service on it, so the
real keyring code paths are exercised: the ``keyring`` package (source installs) and
libsecret's ``secret-tool`` (the packaged Linux app, which leaves out ``keyring``'s Secret
Service stack). Both must find a key the other saved.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core import servers

NEEDED = ("dbus-daemon", "gnome-keyring-daemon", "secret-tool")
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={runtime}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Secret Service is Linux"),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in NEEDED) and not os.environ.get("CI"),
        reason="needs dbus-daemon, gnome-keyring and libsecret-tools (.ci/run installs them)",
    ),
]


@pytest.fixture
def secret_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A private session bus with an unlocked gnome-keyring, stopped after the test."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    # The bus is started with no service directories: with the standard ones, a probe that
    # comes before our daemon has claimed its name makes the bus start a second
    # gnome-keyring of its own (``--start``, no "login" collection, a prompter that cannot
    # run headless), which then owns the name for the rest of the test.
    config = tmp_path / "session.conf"
    config.write_text(BUS_CONFIG.format(runtime=runtime), encoding="utf-8")
    bus = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    keyring_daemon: subprocess.Popen[str] | None = None
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        assert address.startswith("unix:"), address
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        # gnome-keyring creates the "login" collection from the password on stdin; should a
        # daemon come up without it, every store fails. A fresh daemon gets it right: up to
        # three tries.
        for attempt in range(3):
            keyring_daemon = _start_keyring()
            if _wait_for_secret_service(last=attempt == 2):
                break
            _stop(keyring_daemon)
            keyring_daemon = None
            shutil.rmtree(tmp_path / "home" / ".local" / "share" / "keyrings", ignore_errors=True)
        yield
    finally:
        for process in (keyring_daemon, bus):
            if process is not None:
                _stop(process)
        if bus.stdout is not None:
            bus.stdout.close()


def _start_keyring() -> subprocess.Popen[str]:
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdin is not None
    daemon.stdin.write("test-login-password")
    daemon.stdin.close()
    return daemon


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for_secret_service(*, last: bool) -> bool:
    """The daemon registers on the bus shortly after start; store a probe until it works.
    False when it does not within 20 s (the caller tries a fresh daemon), a failure on the
    ``last`` try."""
    import time

    deadline = time.monotonic() + 20
    while True:
        probe = subprocess.run(
            ["secret-tool", "store", "--label", "probe", "probe", "1"],
            input="x",
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        if probe.returncode == 0:
            return True
        if time.monotonic() > deadline:
            if last:
                pytest.fail(f"the Secret Service did not start: {probe.stderr}")
            return False
        time.sleep(0.2)


def _lookup(name: str) -> str:
    found = subprocess.run(
        ["secret-tool", "lookup", "service", servers.KEYRING_SERVICE, "username", name],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    return found.stdout


def test_without_the_keyring_package_keys_go_through_secret_tool(
    secret_service: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the packaged Linux app sees: no usable ``keyring`` package.
    monkeypatch.setitem(sys.modules, "keyring", None)
    store = servers.KeyStore()
    assert store.set("Team GPU", "sk-team-123") is None  # no "session only" warning
    assert store.warning is None
    assert _lookup("Team GPU") == "sk-team-123"
    assert servers.KeyStore().get("Team GPU") == "sk-team-123"  # a new store reads it back
    assert store.in_keyring("Team GPU")
    store.delete("Team GPU")
    assert _lookup("Team GPU") == ""
    assert not store.in_keyring("Team GPU")


def test_keys_saved_by_the_keyring_package_are_found_by_secret_tool_and_back(
    secret_service: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    keyring.set_password(servers.KEYRING_SERVICE, "Lab", "key-from-keyring")
    monkeypatch.setitem(sys.modules, "keyring", None)
    assert servers.KeyStore().get("Lab") == "key-from-keyring"
    servers.KeyStore().set("Lab", "key-from-secret-tool")
    monkeypatch.delitem(sys.modules, "keyring")
    assert keyring.get_password(servers.KEYRING_SERVICE, "Lab") == "key-from-secret-tool"


def test_no_secret_service_keeps_the_key_for_the_session_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)
    # A bus address where nothing listens: secret-tool fails at once.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    monkeypatch.delenv("PARLEY_API_KEY", raising=False)
    store = servers.KeyStore()
    warning = store.set("Remote", "sk-session")
    assert warning is not None and "only until Parley closes" in warning
    assert "PARLEY_API_KEY_REMOTE" in warning
    assert store.get("Remote") == "sk-session"
    assert servers.KeyStore().get("Remote") == ""  # another session does not see it
    monkeypatch.setenv("PARLEY_API_KEY_REMOTE", "sk-from-env")
    assert servers.KeyStore().get("Remote") == "sk-from-env"
