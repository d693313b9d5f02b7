"""Bad input and hostile conditions on the real ``parley`` command: each was a reported fault.

Every test runs the installed console script in its own PARLEY_HOME, with the real model,
the real history file and real files on disk; the read-only and immutable cases use
``chattr`` (ext4 as root) and skip with the reason elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ParleyRunner, parley_executable

CPUS = os.cpu_count() or 1


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The command failed with exactly one line on stderr, in the app's words."""
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "unexpected failure" not in result.stderr
    return lines[0]


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--threads", "5000", "chat", "hi"], f"between 1 and {CPUS}"),
        (["--threads", "100000", "chat", "hi"], "logical CPU"),
        (["--threads", "0", "chat", "hi"], "between 1 and"),
        (["chat", "hi", "--threads", "5000"], "between 1 and"),
        (["--context", "16", "chat", "hi"], "between 512 and 262,144"),
        (["--context", "0", "chat", "hi"], "between 512"),
        (["--context", "-5", "chat", "hi"], "between 512"),
        (["chat", "hi", "--temperature", "-3"], "between 0 and 2"),
        (["chat", "hi", "--temperature", "nan"], "between 0 and 2"),
        (["chat", "hi", "--max-tokens", "0"], "between 1 and"),
        (["chat", "hi", "--seed", "-7"], "between 0 and"),
        (["history", "search", "x", "--limit", "-1"], "between 1 and"),
        (["runs", "show", "0"], "must be an id"),
        (["chat", "hi", "--conversation", "x"], "must be an id"),
    ],
)
def test_numeric_options_out_of_bounds_are_refused_before_anything_starts(
    parley: ParleyRunner, args: list[str], words: str
) -> None:
    started = time.monotonic()
    result = parley(*args, timeout=60)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    # Refused by the parser: no model was loaded, so this is quick.
    assert time.monotonic() - started < 30


def _write_settings(home: Path, values: dict[str, object]) -> Path:
    path = home / "config" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values), encoding="utf-8")
    return path


def test_out_of_bounds_settings_get_their_default_once_with_one_warning(
    parley: ParleyRunner, parley_home: Path
) -> None:
    path = _write_settings(
        parley_home,
        {"threads": 100000, "context_length": 16, "theme": "dark", "default_models": {"chat": 5}},
    )
    first = parley("--self-test")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert 1 <= report["n_threads"] <= CPUS
    warnings = [line for line in first.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, first.stderr
    assert "'threads' must be between 1 and 512" in warnings[0]
    assert "'context_length' must be between 512" in warnings[0]
    assert "'default_models' must map each tool to a text" in warnings[0]
    assert "AttributeError" not in first.stderr
    # The good value is kept, the bad ones are gone from the file, the original is kept.
    fixed = json.loads(path.read_text(encoding="utf-8"))
    assert fixed["theme"] == "dark"
    assert fixed["threads"] == 0 and fixed["context_length"] == 4096
    backups = list(path.parent.glob("settings.json.bad-*"))
    assert len(backups) == 1
    assert json.loads(backups[0].read_text(encoding="utf-8"))["threads"] == 100000
    second = parley("history", "list")
    assert "warning" not in second.stderr


# --------------------------------------------------------------------------- damaged history


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xa5" * (4096 - 100)  # the header stays; the schema page is garbage
    path.write_bytes(bytes(data))


def test_a_damaged_history_can_be_set_aside_from_the_command_line(
    parley: ParleyRunner, parley_home: Path
) -> None:
    assert parley("chat", "hello", "--max-tokens", "4").returncode == 0
    history = parley_home / "data" / "history.sqlite3"
    parley("history", "list")  # closes cleanly: the WAL is checkpointed into the file
    for side in ("-wal", "-shm"):
        history.with_name(history.name + side).unlink(missing_ok=True)
    _damage(history)
    damaged = history.read_bytes()

    listing = parley("history", "list")
    line = _one_error_line(listing)
    assert "damaged" in line and "parley history recover" in line

    recovered = parley("history", "recover")
    assert recovered.returncode == 0, recovered.stderr
    kept_line = next(x for x in recovered.stderr.splitlines() if x.startswith("kept"))
    kept = Path(kept_line.split(" as ", 1)[1])
    assert kept.parent == history.parent and kept.name.startswith("history.sqlite3.broken-")
    assert kept.read_bytes() == damaged, "the damaged file must be kept byte for byte"

    after = parley("history", "list", "--format", "json")
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == []
    again = parley("history", "recover")
    assert again.returncode == 0 and "nothing was changed" in again.stderr
    assert len(list(history.parent.glob("history.sqlite3.broken-*"))) == 1


def test_the_command_line_opens_the_history_chosen_in_settings(
    parley: ParleyRunner, parley_home: Path, tmp_path: Path
) -> None:
    chosen = tmp_path / "elsewhere" / "my-history.sqlite3"
    chosen.parent.mkdir()
    _write_settings(parley_home, {"history_path": str(chosen)})
    assert parley("chat", "hello there", "--max-tokens", "4").returncode == 0
    assert chosen.exists()
    assert not (parley_home / "data" / "history.sqlite3").exists()
    listing = parley("history", "list", "--format", "json")
    assert [c["title"] for c in json.loads(listing.stdout)] == ["hello there"]


# --------------------------------------------------------------------------- exports


@pytest.fixture
def saved_chat(parley: ParleyRunner, parley_home: Path) -> Path:
    result = parley("chat", "hello", "--max-tokens", "4")
    assert result.returncode == 0, result.stderr
    return parley_home / "data" / "history.sqlite3"


def test_an_export_never_replaces_the_history_or_another_database(
    parley: ParleyRunner, saved_chat: Path, tmp_path: Path
) -> None:
    before = hashlib_of(saved_chat)
    line = _one_error_line(
        parley("history", "export", "all", "--format", "json", "-o", str(saved_chat))
    )
    assert "history file" in line
    wal = saved_chat.with_name(saved_chat.name + "-wal")
    line = _one_error_line(parley("history", "export", "all", "-o", str(wal)))
    assert "history file" in line
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    other_bytes = other.read_bytes()
    line = _one_error_line(parley("history", "export", "all", "-o", str(other)))
    assert "SQLite database" in line
    assert other.read_bytes() == other_bytes
    assert hashlib_of(saved_chat) == before
    listing = parley("history", "list", "--format", "json")
    assert listing.returncode == 0 and len(json.loads(listing.stdout)) == 1


def hashlib_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_export_targets_that_cannot_be_files_are_refused(
    parley: ParleyRunner, saved_chat: Path, tmp_path: Path
) -> None:
    assert "is a folder" in _one_error_line(parley("history", "export", "all", "-o", str(tmp_path)))
    missing = tmp_path / "no-such-folder" / "out.md"
    assert "does not exist" in _one_error_line(
        parley("history", "export", "all", "-o", str(missing))
    )
    huge = parley("history", "export", "99999999999999999999999")
    assert "there is no conversation 99999999999999999999999" in _one_error_line(huge)
    run = parley("runs", "show", "99999999999999999999999")
    assert "there is no saved run 99999999999999999999999" in _one_error_line(run)


def test_an_export_replaces_the_old_file_only_when_complete(
    parley: ParleyRunner, saved_chat: Path, tmp_path: Path
) -> None:
    target = tmp_path / "export.json"
    target.write_text("the previous export\n", encoding="utf-8")
    result = parley("history", "export", "all", "--format", "json", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text(encoding="utf-8"))["format"] == "parley-history"
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"], "no temporary file is left"


def test_a_deeply_nested_import_is_refused_in_words(parley: ParleyRunner, tmp_path: Path) -> None:
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    line = _one_error_line(parley("history", "import", str(nested)))
    assert "nested too deeply" in line


# --------------------------------------------------------------------------- read-only history


def _chattr(flag: str, *paths: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    result = subprocess.run(
        ["chattr", flag, *map(str, paths)], capture_output=True, text=True, check=False
    )
    return result.returncode == 0


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    """Paths to make immutable for a test; always made mutable again afterwards."""
    if os.geteuid() != 0:
        pytest.skip("chattr +i needs root")
    paths: list[Path] = []
    yield paths
    existing = [p for p in paths if p.exists()]
    if existing:
        _chattr("-i", *existing)


def test_a_read_only_history_can_still_be_listed_searched_and_exported(
    parley: ParleyRunner, saved_chat: Path, immutable: list[Path], tmp_path: Path
) -> None:
    files = [saved_chat.parent, saved_chat]
    files += [p for p in saved_chat.parent.glob("history.sqlite3-*")]
    immutable.extend(files)
    if not _chattr("+i", *files):
        pytest.skip("this file system does not support chattr +i")
    listing = parley("history", "list", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    assert [c["title"] for c in json.loads(listing.stdout)] == ["hello"]
    assert "read-only" in listing.stderr
    out = tmp_path / "rescued.md"
    exported = parley("history", "export", "all", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "hello" in out.read_text(encoding="utf-8")
    assert parley("history", "search", "hello").returncode == 0
    # A command that writes says why it cannot, in one line.
    line = _one_error_line(parley("chat", "more", "--max-tokens", "4"))
    assert "cannot write" in line and "--no-save" in line


def test_chat_no_save_works_with_a_read_only_parley_home(
    parley: ParleyRunner, parley_home: Path, immutable: list[Path]
) -> None:
    immutable.append(parley_home)
    if not _chattr("+i", parley_home):
        pytest.skip("this file system does not support chattr +i")
    result = parley("chat", "hi", "--no-save", "--max-tokens", "6")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "logs go to" in result.stderr


class _Streaming:
    """A ``parley chat`` process whose stdout is read on a thread as it streams."""

    def __init__(self, home: Path, *args: str) -> None:
        env = dict(os.environ, PARLEY_HOME=str(home))
        env.pop("PARLEY_DEBUG", None)
        self.process = subprocess.Popen(
            [parley_executable(), "chat", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := self.process.stdout.read(1):
            self._seen.append(chunk)

    @property
    def text(self) -> str:
        return "".join(self._seen)

    def wait_for_text(self, chars: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.text.strip()) < chars and time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        assert len(self.text.strip()) >= chars, "the reply did not start"

    def finish(self, timeout: float = 120) -> str:
        """Wait for the process to end; its stderr."""
        try:
            self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        self._reader.join(5)
        assert self.process.stderr is not None
        return self.process.stderr.read()


def test_a_history_made_immutable_mid_reply_ends_the_reply_with_a_message(
    parley_home: Path, immutable: list[Path]
) -> None:
    """``chattr +i`` on the database, WAL and SHM while a reply streams used to kill the
    process with SIGBUS. Now the reply stops with one clear line and its text stays on stdout."""
    chat = _Streaming(
        parley_home,
        "Write a long story about a dragon.",
        "--max-tokens",
        "2000",
        "--temperature",
        "0.8",
    )
    chat.wait_for_text(20)
    history = parley_home / "data" / "history.sqlite3"
    files = [history, *history.parent.glob("history.sqlite3-*")]
    immutable.extend(files)
    if not _chattr("+i", *files):
        chat.process.kill()
        chat.finish()
        pytest.skip("this file system does not support chattr +i")
    stderr = chat.finish()
    assert chat.process.returncode == 1, (chat.process.returncode, stderr)  # not -SIGBUS
    assert "read-only" in stderr and "what was written is above" in stderr
    assert len(chat.text.strip()) >= 20
    # Once writable again, nothing of the conversation is lost: the WAL is replayed.
    _chattr("-i", *files)
    listing = subprocess.run(
        [parley_executable(), "history", "list", "--format", "json"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PARLEY_HOME=str(parley_home)),
        check=False,
    )
    assert listing.returncode == 0, listing.stderr
    assert [c["messages"] for c in json.loads(listing.stdout)] == [2]


# --------------------------------------------------------------------------- input


def test_non_utf8_chat_input_is_decoded_and_saved(
    parley: ParleyRunner, parley_home: Path, tmp_path: Path
) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Un café crème, s'il vous plaît, à emporter.".encode("latin-1"))
    env = dict(os.environ, PARLEY_HOME=str(parley_home))
    with latin1.open("rb") as stdin:
        piped = subprocess.run(
            [parley_executable(), "chat", "-", "--max-tokens", "4"],
            stdin=stdin,
            capture_output=True,
            env=env,
            check=False,
            timeout=180,
        )
    assert piped.returncode == 0, piped.stderr.decode(errors="replace")
    # An argument with a byte that is not UTF-8, as $(printf 'caf\xe9') gives.
    argument = subprocess.run(
        [parley_executable().encode(), b"chat", b"caf\xe9", b"--max-tokens", b"4"],
        capture_output=True,
        env=env,
        check=False,
        timeout=180,
    )
    assert argument.returncode == 0, argument.stderr.decode(errors="replace")
    exported = parley("history", "export", "all", "--format", "json")
    texts = [c["messages"][0]["text"] for c in json.loads(exported.stdout)["conversations"]]
    assert "Un café crème, s'il vous plaît, à emporter." in texts
    assert any(t.startswith("caf") and "\ufffd" not in t[:3] for t in texts)
    assert "UnicodeEncodeError" not in piped.stderr.decode(errors="replace")


def test_a_chat_message_over_the_input_limit_is_refused(parley: ParleyRunner) -> None:
    line = _one_error_line(parley("chat", "-", input_text="word " * (2_200_000)))
    assert "too large" in line
    listing = parley("history", "list", "--format", "json")
    assert json.loads(listing.stdout) == []


def test_ctrl_c_during_chat_saves_the_reply_as_stopped(
    parley: ParleyRunner, parley_home: Path
) -> None:
    chat = _Streaming(parley_home, "Tell me a long story.", "--max-tokens", "2000")
    chat.wait_for_text(10)
    chat.process.send_signal(signal.SIGINT)
    chat.finish(timeout=60)
    assert chat.process.returncode == 130
    exported = parley("history", "export", "all", "--format", "json")
    reply = json.loads(exported.stdout)["conversations"][0]["messages"][1]
    assert reply["status"] == "stopped"
    assert reply["text"].strip()


# --------------------------------------------------------------------------- documents


def test_damaged_documents_and_folders_get_one_line_in_words(
    parley: ParleyRunner, tmp_path: Path
) -> None:
    docx = tmp_path / "garbage.docx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types><<< not xml")
        archive.writestr("word/document.xml", "<w:document>garbage")
    assert "Word document" in _one_error_line(parley("summarise", str(docx)))

    pdf = tmp_path / "bad.pdf"
    pdf.write_bytes(b"this is not a pdf at all\n" * 50)
    line = _one_error_line(parley("summarise", str(pdf)))
    assert "PDF" in line

    folder = tmp_path / "a folder"
    folder.mkdir()
    assert "is a folder" in _one_error_line(parley("summarise", str(folder)))


def test_a_real_bug_says_unexpected_failure_and_where_the_log_is(
    parley_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import cli
    from app.cli import history

    def broken(_args: object) -> int:
        raise RuntimeError("a bug on purpose")

    monkeypatch.setattr(history, "cmd_history_list", broken)
    code = cli.main(["history", "list"])
    err = capsys.readouterr().err
    assert code == 1
    assert "unexpected failure (RuntimeError: a bug on purpose)" in err
    log = parley_home / "logs" / "parley.log"
    assert str(log) in err
    written = log.read_text(encoding="utf-8")
    assert "a bug on purpose" in written and "Traceback" in written


def test_the_generic_failure_path_is_only_for_bugs() -> None:
    """ "unexpected failure" is written in two places only: the command line's one table of
    errors (app/cli/common.py, its last resort) and the server's handler of errors no route
    expected."""
    root = Path(__file__).resolve().parents[2] / "app"
    hits = sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if "unexpected failure" in line.lower()
    )
    assert hits.count("cli/common.py") == 1, hits
    assert all(h == "cli/common.py" or h.startswith("server/") for h in hits), hits


def test_chat_continues_with_the_conversations_own_settings_and_context_policy(
    parley: ParleyRunner, parley_home: Path
) -> None:
    """The window's settings panel stores sampling and a context limit per conversation;
    ``parley chat --conversation N`` follows them as the window does."""
    from app.core.history import HistoryStore

    long = " ".join(["paragraph"] * 150)
    first = parley("chat", long, "--max-tokens", "4")
    assert first.returncode == 0, first.stderr
    cid = int(first.stderr.split()[1])
    store = HistoryStore.open(parley_home / "data" / "history.sqlite3")
    try:
        store.update_conversation(cid, sampling={"max_tokens": 3, "context_length": 128})
    finally:
        store.close()
    second = parley("chat", "And now?", "--conversation", str(cid), "-v")
    assert second.returncode == 0, second.stderr
    assert "earlier message(s) were left out to fit the context" in second.stderr
    assert (
        "3 tokens," in second.stderr
        or "2 tokens," in second.stderr
        or "1 tokens," in (second.stderr)
    )
    exported = json.loads(parley("history", "export", str(cid), "--format", "json").stdout)
    reply = exported["conversations"][0]["messages"][-1]
    assert reply["role"] == "assistant" and reply["generated_tokens"] <= 3
