"""The engine process: owns ``llama_cpp.Llama`` and serves one request at a time.

The app process starts :func:`engine_main` with the ``spawn`` context (it is a module-level
function so it can be found again inside a PyInstaller bundle). Everything that touches
llama.cpp lives here and in :mod:`.llama_native` (its C interface: log, abort callback,
metadata), and ``llama_cpp`` is imported only inside functions that run in the engine
process: the app process imports this module just to name the entry point.

Why things are done the way they are:

* Stop must work within half a second even in the middle of a long prompt, or of one slow
  token on a busy machine. So llama.cpp's abort callback stays installed for the life of the
  context and reads a flag in shared memory that the app process sets. ggml calls it after
  every graph node: about 500 times per token for the starter model, where a Python
  callback costs 2-3 % of the decoding speed. So the callback is C's ``strlen`` pointed at
  the two shared bytes ``{flag, 0}``: it returns 0 or 1 without entering Python. (A
  ``size_t`` and a ``bool`` result come back in the same register on x86-64 and arm64, on
  every OS we ship for, and the one argument goes in the same register too.) Where
  ``strlen`` cannot be found, a Python callback is used instead.
* Prompt evaluation is done here batch by batch instead of inside ``Llama.generate`` so the
  number of prompt tokens reused from the KV cache is known exactly and progress can be
  reported.
* Text goes out as the bytes of each new token run through an incremental UTF-8 decoder: no
  re-detokenising of the whole reply per token. When tokens come faster than one per
  ``COALESCE_S`` (small models), consecutive ones share a message: every message wakes the
  app process, and on a two-core machine each wake-up takes a core from llama.cpp's
  threads mid-token. The text is at most one token late, well under a screen refresh.
  With log-probabilities every token is its own message, as each carries its own figures.
* Log-probabilities are read from the logits of the step just sampled (the context keeps the
  last row), never with ``logits_all=True``, which would allocate context x vocabulary floats.
"""

from __future__ import annotations

import codecs
import ctypes
import faulthandler
import json
import logging
import os
import signal
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import IO, TYPE_CHECKING, Any

from app.core.backend import ChatMessage, GenerationRequest
from app.engine import protocol as proto
from app.engine.gpu import GpuCapability, ModelShape, probe_gpu
from app.engine.llama_native import (
    CancelFlag,
    LlamaLog,
    abort_callback,
    describe_load_failure,
    meta_int,
    meta_value,
    token_text,
    until_aborted,
    without_amx_repacking,
)
from app.engine.text import StopFilter

if TYPE_CHECKING:
    import numpy as np
    from llama_cpp import Llama

log = logging.getLogger("parley.engine")

# Used when a model file carries no chat template: ChatML is what most current instruct
# models were trained on, and far more likely right than llama-cpp-python's "llama-2" default.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

_PIECE_BUFFER = 256
COALESCE_S = 0.025  # at most 40 messages a second: more than a reader can follow


class EngineUserError(Exception):
    """A failure whose message is written for the user (sent back as an ``err`` reply)."""


def engine_main(conn: Connection, cancel_flag: CancelFlag, log_path: str) -> None:
    """Entry point of the engine process."""
    # Ctrl+C in a terminal reaches the whole process group; the app decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with open(log_path, "a", encoding="utf-8", buffering=1) as log_file:
        # Native code (ggml's abort handler, CUDA) writes to file descriptors 1 and 2, not
        # through the log callback: send those to the log as well, never to the terminal.
        os.dup2(log_file.fileno(), 1)
        os.dup2(log_file.fileno(), 2)
        faulthandler.enable(log_file)  # a native crash leaves its stack in the log
        handler = logging.StreamHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
        log.info("engine process %d started", os.getpid())
        engine = _Engine(conn, cancel_flag, log_file)
        try:
            engine.serve()
        finally:
            engine.unload()
            log.info("engine process %d exits", os.getpid())
            faulthandler.disable()


class _Engine:
    def __init__(self, conn: Connection, cancel_flag: CancelFlag, log_file: IO[str]) -> None:
        import llama_cpp  # also installs llama-cpp-python's log callback, replaced below

        self.conn = conn
        self.cancel = cancel_flag
        self.llama_log = LlamaLog(log_file)
        llama_cpp.llama_backend_init()
        self.llm: Llama | None = None
        self.formatter: Any = None
        self.bos_text = ""
        self.add_bos = False
        self.n_batch = 512
        self.default_seed = llama_cpp.LLAMA_DEFAULT_SEED  # "random"
        self.pieces: dict[int, bytes] = {}
        self._piece_buf = ctypes.create_string_buffer(_PIECE_BUFFER)
        self._abort_cb, self._abort_data = abort_callback(cancel_flag)

    # -- request loop ----------------------------------------------------------------------

    def serve(self) -> None:
        handlers: dict[str, Callable[..., Any]] = {
            proto.OP_PROBE: self.probe,
            proto.OP_LOAD: self.load,
            proto.OP_COUNT: self.count_tokens,
            proto.OP_COUNT_CHAT: self.count_chat_tokens,
            proto.OP_RENDER: self.render,
        }
        while True:
            try:
                request = self.conn.recv()
            except (EOFError, OSError):
                return  # the app process is gone
            op, args = request[0], request[1:]
            if op == proto.OP_QUIT:
                return
            if op == proto.OP_STREAM:
                self.stream(args[0])
                continue
            try:
                reply: tuple[Any, ...] = (proto.OK, handlers[op](*args))
            except EngineUserError as exc:
                reply = (proto.ERR, str(exc))
            except Exception as exc:
                log.error("request %s failed:\n%s", op, traceback.format_exc())
                reply = (proto.ERR, f"The model engine failed: {exc}")
            self.conn.send(reply)

    # -- loading ---------------------------------------------------------------------------

    def probe(self, path: str) -> tuple[ModelShape, GpuCapability]:
        """Read the model's shape without its weights, and the GPU capability."""
        import llama_cpp

        self.llama_log.clear()
        params = llama_cpp.llama_model_default_params()
        params.vocab_only = True
        model = llama_cpp.llama_model_load_from_file(path.encode("utf-8"), params)
        if not model:
            raise EngineUserError(describe_load_failure(path, self.llama_log.recent))
        try:
            # A vocabulary-only load skips the hyper-parameters (llama_model_n_layer() is 0
            # and llama_model_n_head() aborts), so the shape comes from the metadata.
            arch = meta_value(model, "general.architecture") or "llama"
            n_head = meta_int(model, f"{arch}.attention.head_count", 1)
            shape = ModelShape(
                file_bytes=os.path.getsize(path),
                n_layers=meta_int(model, f"{arch}.block_count", 1),
                n_embd=meta_int(model, f"{arch}.embedding_length", 0),
                n_head=n_head,
                n_head_kv=meta_int(model, f"{arch}.attention.head_count_kv", n_head),
                n_ctx_train=meta_int(model, f"{arch}.context_length", 0),
                n_vocab=int(llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(model))),
            )
        finally:
            llama_cpp.llama_model_free(model)
        return shape, probe_gpu()

    def load(self, spec: proto.LoadSpec) -> proto.Loaded:
        import llama_cpp
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.unload()
        self.llama_log.clear()
        without_amx_repacking()
        try:
            llm = Llama(
                model_path=spec.path,
                n_gpu_layers=spec.gpu_layers,
                n_ctx=spec.n_ctx,
                n_batch=spec.n_batch,
                n_ubatch=spec.n_batch,
                n_threads=spec.n_threads,
                n_threads_batch=spec.n_threads_batch,
                flash_attn=spec.flash_attn,
                seed=spec.seed if spec.seed >= 0 else llama_cpp.LLAMA_DEFAULT_SEED,
                logits_all=False,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            log.warning("loading %s failed: %s", spec.path, exc)
            raise EngineUserError(describe_load_failure(spec.path, self.llama_log.recent)) from None

        notes: list[str] = []
        template = spec.chat_template or llm.metadata.get("tokenizer.chat_template")
        if not template:
            template = CHATML_TEMPLATE
            notes.append("The model file has no chat template; using ChatML.")
        vocab = llama_cpp.llama_model_get_vocab(llm.model)
        bos, eos = llama_cpp.llama_vocab_bos(vocab), llama_cpp.llama_vocab_eos(vocab)
        self.bos_text = token_text(vocab, bos)
        try:
            formatter = Jinja2ChatFormatter(
                template=template,
                eos_token=token_text(vocab, eos),
                bos_token=self.bos_text,
                add_generation_prompt=True,
            )
        except Exception as exc:  # jinja2.TemplateSyntaxError and friends
            llm.close()
            raise EngineUserError(f"The chat template of this model is not valid: {exc}") from None
        llama_cpp.llama_set_abort_callback(llm.ctx, self._abort_cb, self._abort_data)
        self.llm = llm
        self.formatter = formatter
        self.add_bos = bool(llama_cpp.llama_vocab_get_add_bos(vocab))
        self.n_batch = llm.n_batch
        self.default_seed = spec.seed if spec.seed >= 0 else llama_cpp.LLAMA_DEFAULT_SEED
        self.pieces = {}
        return proto.Loaded(
            n_layers=int(llama_cpp.llama_model_n_layer(llm.model)),
            n_ctx=llm.n_ctx(),
            n_ctx_train=int(llama_cpp.llama_model_n_ctx_train(llm.model)),
            n_threads=spec.n_threads,
            system_info=llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip(),
            engine_version=str(llama_cpp.__version__),
            notes=tuple(notes),
        )

    def unload(self) -> None:
        if self.llm is not None:
            self.llm.close()
            self.llm = None
            self.formatter = None

    def _model(self) -> Llama:
        if self.llm is None:
            raise EngineUserError("No model is loaded.")
        return self.llm

    # -- prompts and tokens ----------------------------------------------------------------

    def render(self, messages: Sequence[ChatMessage]) -> str:
        self._model()
        try:
            return str(self.formatter(messages=[dict(m) for m in messages]).prompt)
        except Exception as exc:  # jinja2 errors and the template's raise_exception()
            raise EngineUserError(
                f"The model's chat template could not format this conversation: {exc}"
            ) from None

    def tokenize_prompt(self, prompt: str) -> list[int]:
        """Tokens of a rendered prompt; special tokens in the template are parsed as such.

        A BOS token is added when the vocabulary asks for one, unless the template wrote it
        already (a doubled BOS degrades some models' output).
        """
        add_bos = self.add_bos and not (self.bos_text and prompt.startswith(self.bos_text))
        return self._model().tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True)

    def count_tokens(self, text: str) -> int:
        return len(self._model().tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def count_chat_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return len(self.tokenize_prompt(self.render(messages)))

    def _piece(self, token: int) -> bytes:
        piece = self.pieces.get(token)
        if piece is None:
            import llama_cpp

            vocab = llama_cpp.llama_model_get_vocab(self._model().model)
            n = llama_cpp.llama_token_to_piece(
                vocab, token, self._piece_buf, _PIECE_BUFFER, 0, False
            )
            piece = self._piece_buf.raw[: max(0, n)]
            self.pieces[token] = piece
        return piece

    # -- generation ------------------------------------------------------------------------

    def stream(self, request: GenerationRequest) -> None:
        send = self.conn.send
        try:
            self._stream(request, send)
        except EngineUserError as exc:
            send((proto.ERROR, str(exc)))
            send((proto.DONE, "error"))
        except Exception as exc:
            log.error("generation failed:\n%s", traceback.format_exc())
            send((proto.ERROR, f"The model engine failed while generating: {exc}"))
            send((proto.DONE, "error"))

    def _stream(self, request: GenerationRequest, send: Any) -> None:
        import llama_cpp

        llm = self._model()
        started = time.perf_counter()
        params = request.params
        grammar = self._grammar(request)
        tokens = self.tokenize_prompt(self.render(request.messages))
        n_prompt = len(tokens)
        n_ctx = llm.n_ctx()
        if n_prompt >= n_ctx:
            raise EngineUserError(
                f"The conversation is too long for the model: it takes {n_prompt} tokens and "
                f"the context holds {n_ctx}. Start a new conversation or shorten the text."
            )
        budget = n_ctx - n_prompt
        if params.max_tokens > 0:
            budget = min(budget, params.max_tokens)

        cached = self._reuse_prefix(llm, tokens)
        eval_started = time.perf_counter()
        if not self._evaluate_prompt(llm, tokens, cached, send):
            prompt_eval_s = time.perf_counter() - eval_started
            send((proto.STATS, n_prompt, 0, 0.0, 0.0, cached, prompt_eval_s))
            send((proto.DONE, "cancelled"))
            return

        llm.set_seed(params.seed if params.seed is not None else self.default_seed)
        vocab = llama_cpp.llama_model_get_vocab(llm.model)
        is_eog = llama_cpp.llama_vocab_is_eog
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        stops = StopFilter(params.stop)
        flag = self.cancel
        want_logprobs = request.logprobs
        n_vocab = llm.n_vocab()
        reason = "length"
        n_gen = 0
        first_at = last_at = sent_at = 0.0
        pending = ""
        prompt_eval_s = 0.0
        generator = llm.generate(
            tokens,
            top_k=params.top_k,
            top_p=params.top_p,
            min_p=params.min_p,
            temp=params.temperature,
            repeat_penalty=params.repeat_penalty,
            grammar=grammar,
        )
        try:
            for token in until_aborted(generator, flag):
                last_at = time.perf_counter()
                if not first_at:
                    first_at = last_at
                    prompt_eval_s = first_at - eval_started
                if is_eog(vocab, token):
                    reason = "stop"
                    break
                n_gen += 1
                text, stopped = stops.feed(decoder.decode(self._piece(token)))
                if want_logprobs:
                    logprob, top = self._logprobs(llm, token, want_logprobs, n_vocab)
                    send((proto.TOKEN, text, logprob, top))
                else:
                    pending += text
                    if pending and last_at - sent_at >= COALESCE_S:
                        send((proto.TOKEN, pending))
                        pending, sent_at = "", last_at
                if stopped:
                    reason = "stop"
                    break
                if flag[0]:
                    reason = "cancelled"
                    break
                if n_gen >= budget:
                    break
            else:  # the generator ended: only an aborted decode does that
                reason = "cancelled" if flag[0] else "error"
        finally:
            generator.close()
        if reason != "stop":
            pending += stops.flush() + decoder.decode(b"", final=True)
        if pending:
            send((proto.TOKEN, pending))
        rate = (n_gen - 1) / (last_at - first_at) if n_gen > 1 and last_at > first_at else 0.0
        ttft = first_at - started if first_at else 0.0
        send((proto.STATS, n_prompt, n_gen, ttft, rate, cached, prompt_eval_s))
        send((proto.DONE, reason))

    def _reuse_prefix(self, llm: Llama, tokens: list[int]) -> int:
        """Keep the longest prefix of ``tokens`` already in the KV cache; return its length.

        The same rule as ``Llama.generate``: at least the last prompt token is evaluated
        again, because sampling needs fresh logits.
        """
        import llama_cpp

        cached_ids = llm.input_ids[: llm.n_tokens]
        limit = min(len(cached_ids), len(tokens) - 1)
        prefix = 0
        if limit > 0:
            import numpy as np

            same = cached_ids[:limit] == np.asarray(tokens[:limit], dtype=cached_ids.dtype)
            prefix = limit if same.all() else int(np.argmin(same))
        memory = llama_cpp.llama_get_memory(llm.ctx)
        if prefix > 0 and memory and llama_cpp.llama_memory_seq_rm(memory, 0, prefix, -1):
            llm.n_tokens = prefix
            return prefix
        llm.reset()  # the next eval drops everything after position 0 from the cache
        return 0

    def _evaluate_prompt(self, llm: Llama, tokens: list[int], start: int, send: Any) -> bool:
        """Evaluate all but the last prompt token; False if cancelled on the way.

        The last token is left to ``Llama.generate``, whose first step evaluates it and
        samples. A cancelled batch leaves the model usable: ``Llama.eval`` counts only
        finished batches and removes anything after them from the KV cache next time.
        """
        end = len(tokens) - 1
        todo = end - start
        report = todo > self.n_batch
        if self.cancel[0]:
            return False
        if todo <= 0:
            return True
        if report:
            send((proto.PROGRESS, start, len(tokens)))
        try:
            for i in range(start, end, self.n_batch):
                llm.eval(tokens[i : min(end, i + self.n_batch)])
                if self.cancel[0]:
                    return False
                if report:
                    send((proto.PROGRESS, llm.n_tokens, len(tokens)))
        except RuntimeError:  # "llama_decode returned 2": aborted by the callback
            if self.cancel[0]:
                return False
            raise
        return True

    def _logprobs(
        self, llm: Llama, token: int, n_top: int, n_vocab: int
    ) -> tuple[float, tuple[tuple[str, float], ...]]:
        """Log-probability of ``token`` and the ``n_top`` likeliest alternatives.

        Taken from the logits of the step that produced ``token`` (the model's own
        distribution, before temperature and the other samplers).
        """
        import llama_cpp
        import numpy as np

        logits: np.ndarray[Any, np.dtype[np.float32]] = np.ctypeslib.as_array(
            llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,)
        )
        peak = float(logits.max())
        log_norm = peak + float(np.log(np.exp(logits - peak, dtype=np.float64).sum()))
        n_top = min(n_top, n_vocab)
        best = np.argpartition(logits, -n_top)[-n_top:]
        best = best[np.argsort(logits[best])[::-1]]
        top = tuple(
            (self._piece(int(t)).decode("utf-8", "replace"), float(logits[t]) - log_norm)
            for t in best
        )
        return float(logits[token]) - log_norm, top

    def _grammar(self, request: GenerationRequest) -> Any:
        """A checked ``LlamaGrammar`` for the request, or None.

        llama.cpp returns a null sampler for a grammar it cannot parse, and adding that to a
        sampler chain crashes the process; so the grammar is parsed once here first.
        """
        if request.grammar is None and request.json_schema is None:
            return None
        import llama_cpp
        from llama_cpp.llama_grammar import LlamaGrammar, json_schema_to_gbnf

        if request.grammar is not None:
            gbnf = request.grammar
        else:
            try:
                gbnf = json_schema_to_gbnf(json.dumps(request.json_schema))
            except Exception as exc:
                raise EngineUserError(
                    f"The JSON schema cannot be turned into a grammar: {exc}"
                ) from None
        self.llama_log.clear()
        vocab = llama_cpp.llama_model_get_vocab(self._model().model)
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, gbnf.encode("utf-8"), b"root")
        if not sampler:
            detail = "; ".join(self.llama_log.recent) or "it could not be parsed"
            raise EngineUserError(f"The grammar is not valid: {detail}")
        llama_cpp.llama_sampler_free(sampler)
        return LlamaGrammar.from_string(gbnf, verbose=False)
