"""A backend for any OpenAI-compatible server (llama.cpp's llama-server, llama-cpp-python's
server, vLLM, Ollama, LM Studio): how a team outgrows one machine.

It implements the same :class:`~app.core.backend.Backend` protocol as the local engine, so
every pane and CLI command works unchanged. What differs between servers is found out once,
in :meth:`OpenAICompatBackend.load`, by asking the server rather than by a setting:

* **tokenizer** - llama-server has ``POST /tokenize``, llama-cpp-python ``POST
  /extras/tokenize``; other servers have none, and counts are then an estimate from the text's
  length, flagged by a note in the LoadInfo;
* **structured output** - the OpenAI ``response_format`` ``json_schema`` form, except on
  llama-cpp-python's server, which only takes ``{"type": "json_object", "schema": ...}``;
  a GBNF ``grammar`` goes to the servers built on llama.cpp and is left out elsewhere (the
  pipelines parse free answers too);
* **context window** - llama-server's ``/props``, vLLM's ``max_model_len``; otherwise the
  size the caller asked for, with a note that it is assumed.

Cancel closes the HTTP stream: :meth:`cancel` may be called from any thread, and shuts the
socket down so a reader blocked while the server evaluates a long prompt wakes at once. The
servers built on llama.cpp stop generating when the client goes away.

Every failure becomes a :class:`~app.core.backend.BackendError` (or an ``Error`` event in a
stream) whose message says what happened in the user's terms: unreachable, too slow, wrong
key, the server's own error message, or a reply cut off mid-way.

The wire format (request bodies, the SSE stream, error messages) is in :mod:`.openai_wire`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections.abc import Generator
from contextlib import suppress
from typing import Any

import httpx

from app.core.backend import (
    BackendError,
    ChatMessage,
    Done,
    Error,
    Event,
    LoadInfo,
    LoadOptions,
    ModelRef,
    Reasoning,
    SamplingParams,
    Stats,
    Token,
    checked_messages,
)
from app.core.reasoning import ReasoningSplitter
from app.core.servers import host_label, normalise_base_url
from app.engine.openai_wire import (
    Dialect,
    Refused,
    ServerMessages,
    api_root,
    error_detail,
    parse_chunk,
    retryable,
    server_root,
    sse_data,
    tokens_of,
)
from app.engine.remote_parallel import CallBatch, ConcurrentRequests, Flow

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
# Between two chunks of a reply. A server evaluating a long prompt on a CPU sends nothing for
# a while, so this is generous; a dead server is noticed at once (the connection closes).
READ_TIMEOUT_S = 300.0
RETRIES = 2  # extra attempts for a failed connection or a 502/503/504, before any token
RETRY_BACKOFF_S = 0.5
ESTIMATE_BYTES_PER_TOKEN = 3.5  # deliberately low: an estimate should over-count, not under
TEMPLATE_TOKENS_PER_MESSAGE = 5  # role markers of a chat template, for estimates
_RETRY_STATUS = {502, 503, 504}


def estimate_tokens(text: str) -> int:
    """A token count for servers without a tokenizer endpoint; errs on the high side."""
    return math.ceil(len(text.encode("utf-8")) / ESTIMATE_BYTES_PER_TOKEN) if text else 0


class OpenAICompatBackend(ConcurrentRequests, ServerMessages):
    """A :class:`~app.core.backend.Backend` talking to an OpenAI-compatible HTTP server."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str = "",
        model: str = "",
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
        retries: int = RETRIES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        try:
            self.base_url = normalise_base_url(base_url)
        except ValueError as exc:
            raise BackendError(str(exc)) from None
        self.host = host_label(self.base_url)
        self.model = model.strip()
        self._api = api_root(self.base_url)
        self._root = server_root(self.base_url)
        self._retries = max(0, retries)
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        headers = {"Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout, pool=connect_timeout),
            transport=transport,
            follow_redirects=True,
        )
        self._lock = threading.Lock()
        # Every stream asked for and not yet ended (one each for concurrent requests); a
        # stream asked for but never read is dropped with its generator.
        self._flows: weakref.WeakSet[Flow] = weakref.WeakSet()
        self._runs: weakref.WeakSet[CallBatch] = weakref.WeakSet()  # batches of concurrent calls
        self._model_id = ""
        self._n_ctx = 0
        self._dialect: Dialect = "openai"
        self._tokenize_path: str | None = None
        self._bos_tokens = 0
        self._logprobs_ok = True
        self.parallel_slots = 1  # requests the server takes at once (found by load)
        self._info: LoadInfo | None = None
        self._closed = False

    # -- discovery -------------------------------------------------------------------------

    def list_models(self) -> list[str]:
        """Model ids the server offers (``GET /v1/models``)."""
        data = self._json("GET", f"{self._api}/models")
        models = data.get("data") if isinstance(data, dict) else None
        if not isinstance(models, list):
            raise BackendError(
                f"The server at {self.host} did not answer /v1/models with a model list; is it "
                "an OpenAI-compatible server?"
            )
        return [str(m["id"]) for m in models if isinstance(m, dict) and "id" in m]

    def load(self, model: ModelRef, options: LoadOptions) -> LoadInfo:
        """Choose the server's model and learn what the server can do.

        The model is the one configured for this server, else ``model.model_id`` if the
        server has it, else the server's first model. Nothing is loaded into memory here: the
        server owns its models.
        """
        started = time.perf_counter()
        raw_models = self._json("GET", f"{self._api}/models")
        entries = raw_models.get("data") if isinstance(raw_models, dict) else None
        if not isinstance(entries, list) or not entries:
            raise BackendError(f"The server at {self.host} offers no models.")
        by_id = {str(e.get("id")): e for e in entries if isinstance(e, dict) and e.get("id")}
        if self.model:
            if self.model not in by_id:
                raise BackendError(
                    f"The server at {self.host} has no model “{self.model}”. It offers: "
                    f"{', '.join(sorted(by_id)) or 'nothing'}."
                )
            chosen = self.model
        elif model.model_id in by_id:
            chosen = model.model_id
        else:
            chosen = next(iter(by_id))
        notes: list[str] = []
        self._model_id = chosen
        self._detect_tokenizer()
        if self._tokenize_path is None:
            notes.append(
                "This server has no tokenizer endpoint: token counts are estimates from the "
                "length of the text."
            )
        n_ctx = self._server_context(by_id[chosen])
        if n_ctx <= 0:
            n_ctx = options.n_ctx if options.n_ctx > 0 else 4096
            notes.append(
                f"The server does not report its context size; Parley assumes {n_ctx} tokens."
            )
        self._n_ctx = n_ctx
        self.parallel_slots = self._discover_slots()
        self._info = LoadInfo(
            model_id=chosen,
            path=f"{self._api}/chat/completions",
            device=f"Server: {self.host}",
            gpu_layers=0,
            n_layers=0,
            n_ctx=n_ctx,
            n_ctx_train=n_ctx,
            n_threads=0,
            load_seconds=time.perf_counter() - started,
            notes=tuple(notes),
            system_info=f"OpenAI-compatible server ({self._dialect}) at {self.base_url}, "
            f"{self.parallel_slots} request(s) at a time",
        )
        log.info("using model %s on %s (%s)", chosen, self.host, self._dialect)
        return self._info

    @property
    def dialect(self) -> Dialect:
        """Which family of server this is, as far as the endpoints it answers tell."""
        return self._dialect

    def loaded(self) -> LoadInfo | None:
        return self._info

    def _detect_tokenizer(self) -> None:
        """Find the tokenizer endpoint; it also tells which server family this is."""
        self._tokenize_path, self._dialect, self._bos_tokens = None, "openai", 0
        for path, dialect in (
            ("/tokenize", "llama-server"),
            ("/extras/tokenize", "llama-cpp-python"),
        ):
            try:
                tokens = self._tokenize_at(path, "")
            except BackendError as exc:
                if isinstance(exc, Refused):
                    raise  # a wrong key: say so now rather than guess
                continue
            self._tokenize_path, self._dialect = path, dialect  # type: ignore[assignment]
            self._bos_tokens = len(tokens)  # tokenizers that add BOS: not part of the text
            return

    def _server_context(self, entry: dict[str, Any]) -> int:
        for key in ("max_model_len", "context_length", "n_ctx", "max_context_length"):
            value = entry.get(key)
            if isinstance(value, int) and value > 0:
                return value
        if self._dialect == "llama-server":
            with suppress(BackendError):
                props = self._json("GET", f"{self._root}/props", retries=0)
                settings = props.get("default_generation_settings", {})
                value = settings.get("n_ctx") or props.get("n_ctx")
                if isinstance(value, int) and value > 0:
                    return value
        meta = entry.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("n_ctx_train"), int):
            return int(meta["n_ctx_train"])
        return 0

    # -- tokens ----------------------------------------------------------------------------

    def _tokenize_at(self, path: str, text: str) -> list[Any]:
        if path == "/tokenize":
            body: dict[str, Any] = {"content": text, "add_special": False}
        else:
            body = {"input": text}
            if self._model_id:
                body["model"] = self._model_id
        data = self._json("POST", f"{self._root}{path}", json_body=body, retries=0)
        tokens = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(tokens, list):
            raise BackendError(f"{path} did not return tokens")
        return tokens

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` by the server's tokenizer; an estimate where it has none."""
        self._need_model()
        if self._tokenize_path is None:
            return estimate_tokens(text)
        if not text:
            return 0
        return max(0, len(self._tokenize_at(self._tokenize_path, text)) - self._bos_tokens)

    def count_chat_tokens(self, messages: list[ChatMessage] | tuple[ChatMessage, ...]) -> int:
        """Tokens of the rendered prompt: the contents (counted in one request) plus the
        template's markers, which an OpenAI-compatible API does not expose, estimated."""
        self._need_model()
        checked = checked_messages(messages)
        joined = "\n".join(m["content"] for m in checked)
        return self.count_tokens(joined) + TEMPLATE_TOKENS_PER_MESSAGE * len(checked) + 3

    def context_length(self) -> int:
        self._need_model()
        return self._n_ctx

    def _need_model(self) -> None:
        if self._info is None:
            raise BackendError("No model is selected on the server yet. Connect first.")

    # -- generation ------------------------------------------------------------------------

    def stream(
        self,
        messages: list[ChatMessage] | tuple[ChatMessage, ...],
        params: SamplingParams,
        *,
        grammar: str | None = None,
        json_schema: dict[str, Any] | None = None,
        logprobs: int = 0,
    ) -> Generator[Event, None, None]:
        """Stream a reply: Token..., Stats, Done; Error then Done("error") on failure.

        Closing the generator early closes the HTTP stream, which makes the server stop.
        """
        body = self._body(checked_messages(messages), params, grammar, json_schema, logprobs)
        return self._stream(body, self._new_flow(), want_logprobs=logprobs > 0)

    def close(self) -> None:
        """Stop any stream and close the connection pool; idempotent."""
        if self._closed:
            return
        self._closed = True
        self.cancel()
        self._client.close()
        self._info = None

    def __enter__(self) -> OpenAICompatBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _stream(
        self, body: dict[str, Any], flow: Flow, *, want_logprobs: bool
    ) -> Generator[Event, None, None]:
        try:
            yield from self._flow_events(body, flow, want_logprobs)
        finally:
            with self._lock:
                self._flows.discard(flow)

    def _flow_events(
        self, body: dict[str, Any], flow: Flow, want_logprobs: bool
    ) -> Generator[Event, None, None]:
        if self._info is None:
            yield Error("No model is selected on the server yet. Connect first.")
            yield Done("error")
            return
        url = f"{self._api}/chat/completions"
        sent_at = time.perf_counter()
        first_at = last_at = 0.0
        n_tokens = 0
        usage: dict[str, Any] = {}
        finish: str | None = None
        got_done = False
        splitter: ReasoningSplitter | None = ReasoningSplitter()
        n_reasoning = 0
        thought_from = thought_until = 0.0
        try:
            response = self._open_stream(url, body, want_logprobs, flow)
        except BackendError as exc:
            if flow.cancelled.is_set():
                yield Done("cancelled")
            else:
                yield Error(str(exc))
                yield Done("error")
            return
        if response is None:  # cancelled before the server answered
            yield Done("cancelled")
            return
        try:
            for data in sse_data(response.iter_lines()):
                if data == "[DONE]":
                    got_done = True
                    break
                chunk = parse_chunk(data)
                if "error" in chunk:
                    yield Error(self._server_said("stopped the reply", chunk))
                    yield Done("error")
                    return
                if isinstance(chunk.get("usage"), dict):
                    usage = chunk["usage"]
                for choice in chunk.get("choices") or ():
                    for token in tokens_of(choice, splitter):
                        if not first_at:
                            first_at = time.perf_counter()
                        last_at = time.perf_counter()
                        n_tokens += 1
                        if isinstance(token, Reasoning):
                            n_reasoning += 1
                            if not thought_from:
                                thought_from = last_at
                        elif thought_from and not thought_until:
                            thought_until = last_at
                        yield token
                    if choice.get("finish_reason"):
                        finish = str(choice["finish_reason"])
        except (httpx.HTTPError, OSError, ValueError) as exc:
            if flow.cancelled.is_set():
                yield Done("cancelled")
                return
            yield Error(self._cut_message(exc))
            yield Done("error")
            return
        finally:
            self._release(flow, response)
        if flow.cancelled.is_set() and finish is None:
            yield Done("cancelled")
            return
        if finish is None and not got_done:
            yield Error(self._cut_message(None))
            yield Done("error")
            return
        if splitter is not None:
            thought, rest = splitter.flush()
            if thought:
                yield Reasoning(thought)
            if rest:
                yield Token(rest)
        generated = int(usage.get("completion_tokens") or n_tokens)
        prompt = int(usage.get("prompt_tokens") or 0)
        span = last_at - first_at
        rate = (n_tokens - 1) / span if n_tokens > 1 and span > 0 else 0.0
        thought_s = (thought_until or last_at) - thought_from if thought_from else 0.0
        yield Stats(
            prompt,
            generated,
            (first_at or time.perf_counter()) - sent_at,
            rate,
            reasoning_tokens=n_reasoning,
            reasoning_s=thought_s,
        )
        yield Done("length" if finish == "length" else "stop")

    def _open_stream(
        self, url: str, body: dict[str, Any], want_logprobs: bool, flow: Flow
    ) -> httpx.Response | None:
        """Send the request and return the streaming response once its status is 200.

        Connection failures and 502/503/504 are retried (nothing has been generated yet); a
        server that refuses logprobs is asked again without them, once.
        """
        attempt = 0
        while True:
            if flow.cancelled.is_set():
                return None
            try:
                request = self._client.build_request("POST", url, json=body)
                response = self._client.send(request, stream=True)
            except httpx.HTTPError as exc:
                if attempt < self._retries and retryable(exc) and not flow.cancelled.is_set():
                    attempt += 1
                    time.sleep(RETRY_BACKOFF_S * attempt)
                    continue
                raise BackendError(self._transport_message(exc)) from None
            if response.status_code == 200:
                with self._lock:
                    flow.response = response
                if flow.cancelled.is_set():  # cancel() ran before the response was known
                    self._release(flow, response)
                    return None
                return response
            try:
                response.read()
            except httpx.HTTPError:
                pass
            finally:
                response.close()
            if response.status_code in _RETRY_STATUS and attempt < self._retries:
                attempt += 1
                time.sleep(RETRY_BACKOFF_S * attempt)
                continue
            detail = error_detail(response)
            if want_logprobs and "logprobs" in body and "logprob" in detail.lower():
                log.info("server %s refuses logprobs: %s", self.host, detail)
                self._logprobs_ok = False
                body = {k: v for k, v in body.items() if k not in ("logprobs", "top_logprobs")}
                continue
            raise self._status_error(response.status_code, detail)

    def _release(self, flow: Flow, response: httpx.Response) -> None:
        with self._lock:
            if flow.response is response:
                flow.response = None
        with suppress(Exception):
            response.close()

    # -- plain requests --------------------------------------------------------------------

    def _json(
        self,
        method: str,
        url: str,
        *,
        json_body: dict[str, Any] | None = None,
        retries: int | None = None,
    ) -> Any:
        """One request with a JSON answer; retried on connection failures and 502/503/504."""
        allowed = self._retries if retries is None else retries
        attempt = 0
        while True:
            try:
                response = self._client.request(method, url, json=json_body)
            except httpx.HTTPError as exc:
                if attempt < allowed and retryable(exc):
                    attempt += 1
                    time.sleep(RETRY_BACKOFF_S * attempt)
                    continue
                raise BackendError(self._transport_message(exc)) from None
            if response.status_code in _RETRY_STATUS and attempt < allowed:
                attempt += 1
                time.sleep(RETRY_BACKOFF_S * attempt)
                continue
            if response.status_code != 200:
                raise self._status_error(response.status_code, error_detail(response))
            try:
                return response.json()
            except ValueError:
                raise BackendError(
                    f"The server at {self.host} sent an answer that is not JSON for "
                    f"{url.removeprefix(self._root)}."
                ) from None
