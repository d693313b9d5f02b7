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
* The chat template is rendered by Parley itself (:class:`~app.core.chat_template.ChatTemplate`,
  a sandboxed Jinja2 environment as llama-cpp-python's), not by ``create_chat_completion``,
  which cannot pass template variables such as Qwen3's ``enable_thinking``.
* The generation loop itself is in :mod:`.decode`.
"""

from __future__ import annotations

import ctypes
import faulthandler
import json
import logging
import os
import signal
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import IO, TYPE_CHECKING, Any

from app.core.backend import ChatMessage, GenerationRequest
from app.core.chat_template import ChatTemplate, TemplateError
from app.engine import protocol as proto
from app.engine.batching import SEQUENCE_IDS
from app.engine.decode import EngineUserError, Generation
from app.engine.gpu import GpuCapability, ModelShape, probe_gpu
from app.engine.llama_native import (
    CancelFlag,
    LlamaLog,
    abort_callback,
    describe_load_failure,
    many_sequences,
    meta_int,
    meta_value,
    token_text,
    without_amx_repacking,
)
from app.engine.parallel import ParallelGeneration

if TYPE_CHECKING:
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


class _Engine(Generation, ParallelGeneration):
    def __init__(self, conn: Connection, cancel_flag: CancelFlag, log_file: IO[str]) -> None:
        import llama_cpp  # also installs llama-cpp-python's log callback, replaced below

        self.conn = conn
        self.cancel = cancel_flag
        self.llama_log = LlamaLog(log_file)
        llama_cpp.llama_backend_init()
        self.llm: Llama | None = None
        self.template: ChatTemplate | None = None
        self.bos_text = ""
        self.add_bos = False
        self.n_batch = 512
        self.n_ctx_seq = 0
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
            proto.OP_SCORE: self.score,
            proto.OP_SCORE_MANY: self.score_many,
            proto.OP_TOKENIZE: self.tokenize_text,
            proto.OP_WINDOW_NLL: self.window_nll,
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
            if op == proto.OP_STREAM_MANY:
                self.stream_many(*args)
                continue
            if op in (proto.OP_CANCEL_SEQ, proto.OP_ADD_SEQ, proto.OP_END_MANY):
                continue  # for a parallel stream that has ended already
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

        self.unload()
        self.llama_log.clear()
        without_amx_repacking()
        n_seq = max(1, spec.n_seq)
        try:
            # Several sequences share the context (batched scoring, parallel generation):
            # the cells for all of them, one unified cache (llama_native.many_sequences).
            with many_sequences(max(SEQUENCE_IDS, n_seq)):
                llm = Llama(
                    model_path=spec.path,
                    n_gpu_layers=spec.gpu_layers,
                    n_ctx=spec.n_ctx * n_seq,
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
            chat_template = ChatTemplate(
                template, bos_token=self.bos_text, eos_token=token_text(vocab, eos)
            )
        except TemplateError as exc:
            llm.close()
            raise EngineUserError(f"The chat template of this model is not valid: {exc}") from None
        llama_cpp.llama_set_abort_callback(llm.ctx, self._abort_cb, self._abort_data)
        self.llm = llm
        self.template = chat_template
        self.add_bos = bool(llama_cpp.llama_vocab_get_add_bos(vocab))
        self.n_batch = llm.n_batch
        self.n_ctx_seq = llm.n_ctx() // n_seq  # what one sequence may use; reported as n_ctx
        self.default_seed = spec.seed if spec.seed >= 0 else llama_cpp.LLAMA_DEFAULT_SEED
        self.pieces = {}
        return proto.Loaded(
            n_layers=int(llama_cpp.llama_model_n_layer(llm.model)),
            n_ctx=self.n_ctx_seq,
            n_ctx_train=int(llama_cpp.llama_model_n_ctx_train(llm.model)),
            n_threads=spec.n_threads,
            system_info=llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip(),
            engine_version=str(llama_cpp.__version__),
            notes=tuple(notes),
            reasoning=chat_template.reasoning,
        )

    def unload(self) -> None:
        if self.llm is not None:
            self.llm.close()
            self.llm = None
            self.template = None

    def _model(self) -> Llama:
        if self.llm is None:
            raise EngineUserError("No model is loaded.")
        return self.llm

    # -- prompts and tokens ----------------------------------------------------------------

    def render(self, messages: Sequence[ChatMessage], think: bool | None = None) -> str:
        """The prompt for ``messages``; ``think`` reaches the template's switch if it has one."""
        self._model()
        assert self.template is not None
        try:
            return self.template.render(
                messages, enable_thinking=think if self.template.think_switch else None
            )
        except TemplateError as exc:  # jinja2 errors and the template's raise_exception()
            raise EngineUserError(str(exc)) from None

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
