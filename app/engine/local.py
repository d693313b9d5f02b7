"""The local backend: runs the model in a child process and streams its tokens back.

llama.cpp is native code: an assertion, an out-of-memory error or a driver fault ends the
process it runs in. So the model lives in its own process (:mod:`app.engine.worker`, started
with the ``spawn`` context, which also works in a PyInstaller bundle); this module, which
runs in the app process, never imports ``llama_cpp``. A dead engine becomes an
:class:`~app.core.backend.Error` event, and the next request starts a fresh engine and
reloads the last model.

Requests are serialised by one lock: the engine serves one request at a time, and a stream
must be consumed or closed before the next call. :meth:`LocalBackend.cancel` is the exception:
it only writes a flag in shared memory, which the engine reads between tokens and from
llama.cpp's abort callback during prompt evaluation, so it works from any thread at once.
"""

from __future__ import annotations

import ctypes
import json
import logging
import multiprocessing
import signal
import threading
import time
import weakref
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, cast

from app.core import limits
from app.core.backend import (
    BackendError,
    ChatMessage,
    ChoiceScores,
    Done,
    Error,
    Event,
    GenerationRequest,
    LoadInfo,
    LoadOptions,
    ModelRef,
    Progress,
    Reasoning,
    ReasoningMode,
    SamplingParams,
    Stats,
    Token,
    checked_messages,
    without_surrogates,
)
from app.core.paths import log_dir
from app.core.settings import default_threads
from app.engine import protocol as proto
from app.engine.child import QUIT_GRACE_S, kill, rotate_log, stop_process
from app.engine.child import EngineCrashed as _EngineCrashed
from app.engine.gpu import (
    GpuCapability,
    LoadAttemptFailed,
    ModelShape,
    load_with_fallback,
    memory_problem,
    plan_gpu_layers,
)
from app.engine.model_file import check_model_file
from app.engine.parallel_client import ParallelStreams
from app.engine.worker import engine_main

log = logging.getLogger(__name__)

LOG_FILE = "engine.log"

# How long a cancelled stream may take to end before the engine is ended instead. The abort
# callback normally stops llama.cpp within milliseconds; on a GPU queued work can delay it.
CANCEL_GRACE_S = 3.0
# Parallel sequences a load may ask for (LoadOptions.n_seq); each takes a whole context of
# KV cache, and the engine's sequence ids must cover them.
MAX_SEQUENCES = 16
IDLE_POLL_S = 1.0  # a dead engine wakes the wait at once (end of file); this is a backstop


def available_memory() -> int:
    """Bytes of RAM the system can give us now (the seam tests replace)."""
    import psutil

    return int(psutil.virtual_memory().available)


class LocalBackend(ParallelStreams):
    """A :class:`~app.core.backend.Backend` running llama.cpp in a child process."""

    def __init__(self, *, log_dir: Path | None = None) -> None:
        self._log_dir = log_dir
        self._mp = multiprocessing.get_context("spawn")
        # {flag, 0}: read by the engine between tokens and by llama.cpp's abort callback
        # (app.engine.worker explains the second byte).
        self._cancel_flag: Any = self._mp.RawArray(ctypes.c_ubyte, 2)
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._model: ModelRef | None = None
        self._options: LoadOptions | None = None
        self._info: LoadInfo | None = None
        self._stream_seq = 0
        self._cancelled_seq = -1
        self._cancel_at = 0.0

    # -- public API ------------------------------------------------------------------------

    def load(self, model: ModelRef, options: LoadOptions) -> LoadInfo:
        """Load ``model`` (starting the engine if needed); BackendError says why not."""
        try:
            limits.check_load_options(
                options.n_ctx, options.n_batch, options.n_threads, options.gpu_layers
            )
        except limits.LimitError as exc:
            raise BackendError(f"The model cannot be loaded: {exc}.") from None
        with self._serialised():
            if (
                self._info is not None
                and model == self._model
                and options == self._options
                and self._engine_alive()
            ):
                return self._info
            self._model = self._options = self._info = None
            info = self._load_locked(model, options)
            self._model, self._options, self._info = model, options, info
            return info

    def stream(
        self,
        messages: list[ChatMessage] | tuple[ChatMessage, ...],
        params: SamplingParams,
        *,
        grammar: str | None = None,
        json_schema: dict[str, Any] | None = None,
        logprobs: int = 0,
    ) -> Generator[Event, None, None]:
        """Generate a reply: Token..., Stats, Done; Error then Done("error") on failure.

        Closing the generator early cancels the reply and waits for the engine to let go.
        Malformed arguments (a message without a role, a schema that is not JSON) raise
        BackendError at once: they are mistakes in the caller, not in the model.
        """
        try:
            limits.check_sampling(
                temperature=params.temperature,
                top_p=params.top_p,
                top_k=params.top_k,
                min_p=params.min_p,
                repeat_penalty=params.repeat_penalty,
                max_tokens=params.max_tokens,
                seed=params.seed,
            )
        except limits.LimitError as exc:
            raise BackendError(f"The reply cannot be generated: {exc}.") from None
        if json_schema is not None:
            try:
                json.dumps(json_schema)
            except (TypeError, ValueError) as exc:
                raise BackendError(f"The JSON schema is not valid JSON: {exc}") from None
        request = GenerationRequest(
            messages=checked_messages(messages),
            params=params,
            grammar=grammar,
            json_schema=json_schema,
            logprobs=max(0, int(logprobs)),
        )
        self._stream_seq += 1
        return self._stream(request, self._stream_seq)

    def cancel(self) -> None:
        """Stop the current (or just starting) stream; returns at once, any thread."""
        self._cancelled_seq = self._stream_seq
        self._cancel_at = time.monotonic()
        self._cancel_flag[0] = 1

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes with the loaded model's tokenizer (no template, no BOS)."""
        return int(self._request(proto.OP_COUNT, text))

    def count_chat_tokens(self, messages: list[ChatMessage] | tuple[ChatMessage, ...]) -> int:
        """Tokens of the whole rendered prompt: chat template and generation prompt included."""
        return int(self._request(proto.OP_COUNT_CHAT, checked_messages(messages)))

    def render_prompt(self, messages: list[ChatMessage] | tuple[ChatMessage, ...]) -> str:
        """The prompt text the model sees for ``messages`` (its chat template applied)."""
        return str(self._request(proto.OP_RENDER, checked_messages(messages)))

    def score_choices(
        self, messages: list[ChatMessage] | tuple[ChatMessage, ...], choices: Sequence[str]
    ) -> tuple[float, ...]:
        """Log-probability of each choice as the start of the reply (see ChoiceScorer)."""
        self._cancel_flag[0] = 0  # a stale cancel would abort the forward pass
        return tuple(self._request(proto.OP_SCORE, checked_messages(messages), tuple(choices)))

    def score_choices_many(
        self,
        conversations: Sequence[Sequence[ChatMessage]],
        choices: Sequence[str],
    ) -> list[ChoiceScores]:
        """Many conversations scored in one batch (see BatchChoiceScorer); a cancel() while
        it runs ends it, the conversations not reached marked cancelled."""
        checked = [checked_messages(list(messages)) for messages in conversations]
        self._cancel_flag[0] = 0
        raw = self._request(proto.OP_SCORE_MANY, checked, tuple(choices))
        return [
            ChoiceScores(None, error=r)
            if isinstance(r, str)
            else ChoiceScores(None, cancelled=True)
            if r is None
            else ChoiceScores(tuple(r))
            for r in raw
        ]

    def tokenize(self, text: str) -> list[int]:
        """Tokens of plain text, with BOS where the model uses one (see TextScorer)."""
        return list(self._request(proto.OP_TOKENIZE, without_surrogates(text)))

    def window_nll(self, tokens: Sequence[int], first: int) -> tuple[float, int]:
        """Negative log-likelihood of one window's second part (see TextScorer)."""
        self._cancel_flag[0] = 0
        nll, count = self._request(proto.OP_WINDOW_NLL, list(tokens), int(first))
        return float(nll), int(count)

    def context_length(self) -> int:
        """The loaded context window in tokens."""
        if self._info is None:
            raise BackendError("No model is loaded.")
        return self._info.n_ctx

    def loaded(self) -> LoadInfo | None:
        """The last successful load, or None."""
        return self._info

    @property
    def engine_pid(self) -> int | None:
        """Process id of the running engine, if any (for diagnostics and tests)."""
        return self._process.pid if self._engine_alive() and self._process else None

    @property
    def log_path(self) -> Path:
        """Where the engine and llama.cpp write their log."""
        return (self._log_dir or log_dir()[0]) / LOG_FILE

    def close(self) -> None:
        """End the engine process and forget the model; idempotent.

        A stream still running on another thread is cancelled first; if it does not let go
        of the engine in time the process is ended anyway.
        """
        if self._owner is not None:
            self.cancel()
        # An unfinished stream on this very thread cannot let go while we wait for it.
        same_thread = self._owner == threading.get_ident()
        acquired = not same_thread and self._lock.acquire(timeout=CANCEL_GRACE_S + 2)
        try:
            self._stop_engine()
            self._model = self._options = self._info = None
        finally:
            if acquired:
                self._lock.release()

    def __enter__(self) -> LocalBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- serialisation ---------------------------------------------------------------------

    @contextmanager
    def _serialised(self) -> Iterator[None]:
        me = threading.get_ident()
        if self._owner == me:
            raise BackendError(
                "The engine is still busy with a reply on this thread: finish or close that "
                "stream before making another request."
            )
        with self._lock:
            self._owner = me
            try:
                yield
            finally:
                self._owner = None

    def _request(self, op: str, *args: Any) -> Any:
        """A request with a single reply. It has no side effects, so after an engine crash it
        is tried once more on a fresh engine (the crash may have happened while idle)."""
        with self._serialised():
            for attempt in range(2):
                self._ensure_ready()
                try:
                    return self._call(op, *args)
                except _EngineCrashed as crash:
                    self._discard_engine()
                    if attempt:
                        raise BackendError(crash.message) from None
                    log.warning("engine died during %s; retrying on a fresh engine", op)
            raise AssertionError("unreachable")

    # -- engine process --------------------------------------------------------------------

    def _engine_alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _start_engine(self) -> None:
        """Start a fresh engine process (the previous one, if any, must be gone)."""
        self._discard_engine()
        log_path = self.log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        rotate_log(log_path)
        parent_conn, child_conn = self._mp.Pipe(duplex=True)
        process = self._mp.Process(
            target=engine_main,
            args=(child_conn, self._cancel_flag, str(log_path)),
            name="parley-engine",
            daemon=True,
        )
        process.start()
        child_conn.close()  # so the app sees end-of-file when the engine dies
        self._process, self._conn = process, parent_conn
        self._finalizer = weakref.finalize(self, stop_process, process, parent_conn)

    def _discard_engine(self) -> None:
        """Forget a dead (or doomed) engine: reap the process, close the pipe."""
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._process is not None:
            kill(self._process)
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None

    def _stop_engine(self) -> None:
        if self._process is not None and self._conn is not None and self._process.is_alive():
            with suppress(OSError):
                self._conn.send((proto.OP_QUIT,))
            self._process.join(QUIT_GRACE_S)
        self._discard_engine()

    def _crash_message(self, during: str = "") -> str:
        how = "for an unknown reason"
        if self._process is not None:
            self._process.join(1.0)
            code = self._process.exitcode
            if code is not None and code < 0:
                try:
                    how = f"it was ended by signal {signal.Signals(-code).name}"
                except ValueError:
                    how = f"it was ended by signal {-code}"
            elif code is not None:
                how = f"exit code {code}"
        return (
            f"The model engine stopped unexpectedly{during} ({how}). It will be restarted "
            f"with the next request. Details are in {self.log_path}."
        )

    def _recv(self) -> Any:
        conn, process = self._conn, self._process
        assert conn is not None and process is not None
        while True:
            try:
                if conn.poll(IDLE_POLL_S):
                    return conn.recv()
            except (EOFError, OSError):
                raise _EngineCrashed(self._crash_message()) from None
            if not process.is_alive() and not conn.poll(0):
                raise _EngineCrashed(self._crash_message())

    def _call(self, op: str, *args: Any) -> Any:
        """One request/reply exchange; BackendError for a refusal, _EngineCrashed if it died."""
        if not self._engine_alive():
            self._start_engine()
        assert self._conn is not None
        try:
            self._conn.send((op, *args))
        except OSError:
            raise _EngineCrashed(self._crash_message()) from None
        reply = self._recv()
        if reply[0] == proto.ERR:
            raise BackendError(reply[1])
        return reply[1]

    # -- loading ---------------------------------------------------------------------------

    def _ensure_ready(self) -> None:
        """A running engine with the last model loaded; restarts and reloads after a crash."""
        if self._model is None or self._options is None:
            raise BackendError("No model is loaded. Load a model first.")
        if self._engine_alive():
            return
        log.info("engine not running; restarting it and reloading %s", self._model.label)
        try:
            self._info = self._load_locked(self._model, self._options)
        except BackendError:
            self._model = self._options = self._info = None
            raise

    def _load_locked(self, model: ModelRef, options: LoadOptions) -> LoadInfo:
        path = Path(model.path).expanduser()
        check_model_file(path)
        started = time.perf_counter()
        try:
            shape, capability = self._call(proto.OP_PROBE, str(path))
        except _EngineCrashed:
            self._discard_engine()
            raise BackendError(
                f"The model engine stopped unexpectedly while reading {path.name}; the file is "
                f"probably damaged. Details are in {self.log_path}."
            ) from None
        assert isinstance(shape, ModelShape) and isinstance(capability, GpuCapability)

        notes: list[str] = []
        n_ctx = options.n_ctx if options.n_ctx > 0 else shape.n_ctx_train
        if shape.n_ctx_train > 0 and n_ctx > shape.n_ctx_train:
            notes.append(
                f"The model was trained with a context of {shape.n_ctx_train} tokens; "
                f"using that instead of {n_ctx}."
            )
            n_ctx = shape.n_ctx_train
        n_threads = options.n_threads if options.n_threads > 0 else default_threads()
        n_threads_batch = options.n_threads_batch if options.n_threads_batch > 0 else n_threads

        n_seq = max(1, min(MAX_SEQUENCES, options.n_seq))
        cells = n_ctx * n_seq  # the KV cache holds a whole context for each sequence
        plan = plan_gpu_layers(options.gpu_layers, shape, cells, capability)
        problem = memory_problem(shape, cells, plan.attempts[0], available_memory(), model.label)
        if problem:
            raise BackendError(problem)

        def attempt(layers: int) -> proto.Loaded:
            spec = proto.LoadSpec(
                path=str(path),
                chat_template=model.chat_template,
                n_ctx=n_ctx,
                n_batch=max(1, min(options.n_batch, n_ctx)),
                n_threads=n_threads,
                n_threads_batch=n_threads_batch,
                flash_attn=options.flash_attn,
                seed=options.seed,
                gpu_layers=-1 if layers >= shape.n_layers else layers,
                n_seq=n_seq,
            )
            try:
                loaded = self._call(proto.OP_LOAD, spec)
            except _EngineCrashed as crash:
                self._discard_engine()
                raise LoadAttemptFailed(crash.message, crashed=True) from None
            except BackendError as exc:
                raise LoadAttemptFailed(str(exc)) from None
            assert isinstance(loaded, proto.Loaded)
            return loaded

        outcome = load_with_fallback(plan, attempt)
        loaded = outcome.result
        gpu_layers = min(outcome.gpu_layers, loaded.n_layers)
        device = capability.backend if gpu_layers > 0 and capability.supports_offload else "CPU"
        info = LoadInfo(
            model_id=model.model_id,
            path=str(path),
            device=device,
            gpu_layers=gpu_layers,
            n_layers=loaded.n_layers,
            n_ctx=loaded.n_ctx,
            n_ctx_train=loaded.n_ctx_train,
            n_threads=loaded.n_threads,
            load_seconds=time.perf_counter() - started,
            notes=tuple(notes) + outcome.notes + loaded.notes,
            system_info=loaded.system_info,
            engine_version=loaded.engine_version,
            reasoning=cast(ReasoningMode, loaded.reasoning),
        )
        log.info(
            "loaded %s on %s (%d/%d layers on GPU)", path.name, device, gpu_layers, info.n_layers
        )
        return info

    # -- streaming -------------------------------------------------------------------------

    def _stream(self, request: GenerationRequest, seq: int) -> Generator[Event, None, None]:
        with self._serialised():
            # A cancel() that came in after stream() was called but before the engine got
            # the request still counts: the flag is cleared first, then set again.
            self._cancel_flag[0] = 0
            if self._cancelled_seq == seq:
                self._cancel_flag[0] = 1
            try:
                self._ensure_ready()
            except BackendError as exc:
                yield Error(str(exc))
                yield Done("error")
                return
            assert self._conn is not None
            finished = False
            first_token_at = 0.0
            sent_at = time.perf_counter()
            try:
                try:
                    self._conn.send((proto.OP_STREAM, request))
                except OSError:
                    raise _EngineCrashed(self._crash_message()) from None
                except Exception as exc:  # could not pickle: nothing was sent
                    finished = True
                    yield Error(f"The request could not be sent to the model engine: {exc}")
                    yield Done("error")
                    return
                while True:
                    message = self._recv_stream()
                    tag = message[0]
                    if tag == proto.TOKEN:
                        if not first_token_at:
                            first_token_at = time.perf_counter()
                        if len(message) == 2:
                            yield Token(message[1])
                        else:
                            yield Token(message[1], message[2], message[3])
                    elif tag == proto.REASONING:
                        if not first_token_at:
                            first_token_at = time.perf_counter()
                        yield Reasoning(message[1])
                    elif tag == proto.PROGRESS:
                        yield Progress(message[1], message[2], "prompt")
                    elif tag == proto.STATS:
                        _, n_prompt, n_gen, ttft, rate, cached, eval_s, n_reason, thought_s = (
                            message
                        )
                        if first_token_at:
                            ttft = first_token_at - sent_at
                        yield Stats(
                            n_prompt, n_gen, ttft, rate, cached, eval_s, n_reason, thought_s
                        )
                    elif tag == proto.ERROR:
                        yield Error(message[1])
                    elif tag == proto.DONE:
                        finished = True
                        yield Done(message[1])
                        return
            except _EngineCrashed as crash:
                finished = True
                self._discard_engine()
                yield Error(crash.message)
                yield Done("error")
            finally:
                if not finished:
                    self._abandon_stream()

    def _recv_stream(self) -> Any:
        """Next stream message; ends a stuck engine when a cancel is not honoured in time.

        An engine that dies closes its end of the pipe, which wakes ``poll`` at once (and
        ``recv`` raises EOFError), so the wait needs no short timeout: one ``poll`` and one
        ``recv`` per token. The timeout only bounds how late a hung engine is noticed after
        a cancel.
        """
        conn = self._conn
        if conn is None:  # close() on another thread gave up waiting for this stream
            raise _EngineCrashed("The model engine was shut down.")
        while True:
            waited = time.monotonic() - self._cancel_at if self._cancel_flag[0] else 0.0
            if waited > CANCEL_GRACE_S:
                log.warning("engine did not stop within %.1f s of cancel; ending it", waited)
                self._discard_engine()
                return (proto.DONE, "cancelled")
            timeout = CANCEL_GRACE_S - waited if self._cancel_flag[0] else IDLE_POLL_S
            try:
                if conn.poll(timeout):
                    return conn.recv()
            except (EOFError, OSError):
                raise _EngineCrashed(self._crash_message()) from None
            if self._process is None or not self._process.is_alive():
                raise _EngineCrashed(self._crash_message())

    def _abandon_stream(self) -> None:
        """The consumer closed the stream early: stop the engine's work and drain the pipe."""
        self._cancel_at = time.monotonic()
        self._cancel_flag[0] = 1
        try:
            while self._conn is not None:
                message = self._recv_stream()
                if message[0] == proto.DONE:
                    return
        except _EngineCrashed:
            self._discard_engine()
