"""The engine process: crashes become messages and restarts, nothing outlives close().

Each test makes its own backend (an engine process is what is under test here).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from engine_helpers import GREEDY, TEST_OPTIONS, collect, stats_of, text_of

from app.core.backend import BackendError, ChatMessage, Done, Error, ModelRef, SamplingParams, Token
from app.engine.local import LocalBackend

CAPITAL: list[ChatMessage] = [{"role": "user", "content": "What is the capital of France?"}]
ANSWER = SamplingParams(temperature=0.0, max_tokens=48)


@pytest.fixture()
def engine(tmp_path: Path, starter_ref: ModelRef) -> Iterator[LocalBackend]:
    backend = LocalBackend(log_dir=tmp_path / "logs")
    backend.load(starter_ref, TEST_OPTIONS)
    try:
        yield backend
    finally:
        backend.close()


def wait_exited(pid: int) -> None:
    """Until the process has died (possibly not yet reaped by its parent)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} is still running")


def engine_children() -> list[psutil.Process]:
    """Our child processes, except multiprocessing's resource tracker (shared, long-lived)."""
    return [
        p
        for p in psutil.Process().children(recursive=True)
        if "resource_tracker" not in " ".join(p.cmdline())
    ]


def wait_dead(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return False  # not reaped: a leak in the making
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_engine_killed_mid_reply_is_an_error_then_a_fresh_engine(
    engine: LocalBackend, starter_ref: ModelRef
) -> None:
    first_pid = engine.engine_pid
    assert first_pid is not None
    events = []
    tokens = 0
    story: list[ChatMessage] = [{"role": "user", "content": "Write a long story about the sea."}]
    for event in engine.stream(story, SamplingParams(max_tokens=300)):
        events.append(event)
        if isinstance(event, Token):
            tokens += 1
            if tokens == 3:
                os.kill(first_pid, signal.SIGKILL)
    assert events[-1] == Done("error")
    errors = [e for e in events if isinstance(e, Error)]
    assert len(errors) == 1
    assert errors[0].message.startswith("The model engine stopped unexpectedly")
    assert "SIGKILL" in errors[0].message
    assert "Traceback" not in errors[0].message
    assert wait_dead(first_pid)

    # The next request starts a new engine and reloads the model by itself.
    answer = collect(engine.stream(CAPITAL, SamplingParams(temperature=0.0, max_tokens=3)))
    assert answer[-1] == Done("length") and text_of(answer)
    assert engine.engine_pid not in (None, first_pid)
    info = engine.loaded()
    assert info is not None and info.path == str(starter_ref.path)


def test_engine_killed_while_idle_recovers_on_the_next_request(engine: LocalBackend) -> None:
    pid = engine.engine_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    wait_exited(pid)  # it died while nobody was talking to it
    assert engine.count_tokens("Hello world") == 2
    assert engine.engine_pid not in (None, pid)
    assert wait_dead(pid)  # and the dead one was reaped, not left a zombie


def test_close_ends_the_engine_and_is_idempotent(engine: LocalBackend) -> None:
    pid = engine.engine_pid
    assert pid is not None
    engine.close()
    assert engine.engine_pid is None
    assert wait_dead(pid)
    assert not multiprocessing.active_children()
    assert not engine_children()
    engine.close()  # a second close is harmless
    # After close there is no model: a clear error, not a silent restart.
    events = collect(engine.stream(CAPITAL, GREEDY))
    assert events[-1] == Done("error")
    assert isinstance(events[0], Error) and "No model is loaded" in events[0].message
    with pytest.raises(BackendError, match="No model is loaded"):
        engine.count_tokens("x")
    assert engine.loaded() is None
    assert engine.engine_pid is None


def test_a_dropped_backend_does_not_leave_its_engine_behind(
    tmp_path: Path, starter_ref: ModelRef
) -> None:
    backend = LocalBackend(log_dir=tmp_path)
    backend.load(starter_ref, TEST_OPTIONS)
    pid = backend.engine_pid
    assert pid is not None
    del backend  # no close(): the finaliser ends the engine
    assert wait_dead(pid)


def test_no_engine_process_starts_before_the_first_load(tmp_path: Path) -> None:
    backend = LocalBackend(log_dir=tmp_path)
    assert backend.engine_pid is None
    assert backend.loaded() is None
    assert not multiprocessing.active_children()
    with pytest.raises(BackendError, match="No model is loaded"):
        backend.context_length()
    backend.close()


def test_a_second_request_on_the_same_thread_mid_stream_is_refused(
    engine: LocalBackend,
) -> None:
    stream = engine.stream(CAPITAL, ANSWER)
    assert isinstance(next(stream), Token)
    with pytest.raises(BackendError, match="finish or close that stream"):
        engine.count_tokens("hello")
    stream.close()
    assert engine.count_tokens("hello") == 1


def test_custom_chat_template_overrides_the_gguf_one(
    engine: LocalBackend, starter_ref: ModelRef
) -> None:
    template = (
        "{% for m in messages %}### {{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}### assistant:{% endif %}"
    )
    engine.load(
        ModelRef(path=starter_ref.path, model_id="starter-plain", chat_template=template),
        TEST_OPTIONS,
    )
    assert engine.render_prompt(CAPITAL) == (
        "### user: What is the capital of France?\n### assistant:"
    )
    events = collect(engine.stream(CAPITAL, SamplingParams(temperature=0.0, max_tokens=4)))
    assert stats_of(events).prompt_tokens == engine.count_chat_tokens(CAPITAL)


def test_a_broken_chat_template_is_a_clear_load_error(
    engine: LocalBackend, starter_ref: ModelRef
) -> None:
    with pytest.raises(BackendError, match="chat template of this model is not valid"):
        engine.load(
            ModelRef(path=starter_ref.path, chat_template="{% for m in messages %}"),
            TEST_OPTIONS,
        )
    assert engine.loaded() is None


def test_llama_cpp_logs_go_to_the_log_file_not_the_terminal(
    tmp_path: Path, starter_ref: ModelRef, capfd: pytest.CaptureFixture[str]
) -> None:
    backend = LocalBackend(log_dir=tmp_path / "logs")
    try:
        backend.load(starter_ref, TEST_OPTIONS)
        collect(backend.stream(CAPITAL, SamplingParams(max_tokens=2)))
    finally:
        backend.close()
    out, err = capfd.readouterr()
    assert "llama_model_loader" not in out + err
    assert "print_info" not in out + err
    log_text = (tmp_path / "logs" / "engine.log").read_text(encoding="utf-8")
    assert "llama_model_loader: loaded meta data" in log_text
    assert "engine process" in log_text
    assert "Python abort callback" not in log_text  # the native, zero-cost one is in use


def test_close_with_an_unfinished_stream_on_the_same_thread(engine: LocalBackend) -> None:
    stream = engine.stream(CAPITAL, ANSWER)
    assert isinstance(next(stream), Token)
    started = time.monotonic()
    engine.close()  # must not wait for a stream this thread cannot advance while blocked
    assert time.monotonic() - started < 3
    assert engine.engine_pid is None
    rest = list(stream)
    assert rest[-1] == Done("error")
    assert [e.message for e in rest if isinstance(e, Error)] == ["The model engine was shut down."]
