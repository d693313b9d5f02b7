"""``parley chat``: one message, the reply streamed to stdout and saved like the window saves it;
and ``parley --self-test``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from app import __version__
from app.cli.common import (
    EXIT_OK,
    CliError,
    NullOut,
    add_model_options,
    bounded,
    drain,
    known_id,
    open_history,
    read_settings,
    record_id,
    start_backend,
)

if TYPE_CHECKING:
    from app.core.backend import Backend, ChatMessage, SamplingParams


def _read_message(text: str) -> str:
    """The message from the command line or stdin (``-``), as clean text.

    Bytes that are not UTF-8 (a Latin-1 file piped in, ``$(printf 'caf\\xe9')``) reach
    Python as lone surrogates that SQLite refuses; they are decoded the way the text tools
    decode a file (legacy encodings guessed, with a note), and the size is capped as theirs
    is, so a 10 MB paste is refused with a message rather than stored.
    """
    from app.core.extract import MAX_TEXT_BYTES, InputError, decode_text

    if text == "-":
        data = sys.stdin.buffer.read(MAX_TEXT_BYTES + 1)
        name = "The message on stdin"
    else:
        data = os.fsencode(text)
        name = "The message"
    if len(data) > MAX_TEXT_BYTES:
        raise CliError(
            f"{name} is too large: Parley takes at most "
            f"{MAX_TEXT_BYTES // (1024 * 1024)} MB at a time. For a long document use "
            "parley summarise, which works on it in parts."
        )
    try:
        decoded, _encoding, notes = decode_text(data, name)
    except InputError as exc:
        raise CliError(exc.message) from None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    decoded = decoded.replace("\r\n", "\n").removeprefix("\ufeff")
    if not decoded.strip():
        raise CliError("the message is empty")
    return decoded


def _sampling(
    args: argparse.Namespace, model_id: str, conversation: Any = None
) -> tuple[SamplingParams, int]:
    """The model's defaults, the conversation's own settings on top (as the window uses
    them), then this command's options; and the conversation's context limit."""
    from dataclasses import replace

    from app.core.catalogue import default_sampling
    from app.core.chat import conversation_params

    params, context_limit = conversation_params(default_sampling(model_id), conversation)
    overrides: dict[str, Any] = {}
    if args.max_tokens is not None:
        overrides["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        overrides["temperature"] = args.temperature
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.think is not None:
        overrides["think"] = args.think == "on"
    return replace(params, **overrides), context_limit


def cmd_chat(args: argparse.Namespace) -> int:
    """Stream one reply to stdout, saving the exchange to history like the GUI does.

    The reply on stdout is never lost: Ctrl+C keeps what was written (saved as stopped), and
    a history that stops being writable mid-reply ends the reply with a message instead of
    taking the text with it.
    """
    from app.core.chat import chat_messages
    from app.core.history import HistoryError

    settings = read_settings()
    message = _read_message(args.message)
    store = None
    conversation: Any = None
    conversation_id: int | None = None
    messages: list[ChatMessage] = []
    parent_id: int | None = None
    if not args.no_save:
        store = open_history()
    elif args.conversation is not None:
        raise CliError("--conversation needs the history; leave out --no-save")
    try:
        if store is not None and args.conversation is not None:
            conversation = (
                store.get_conversation(args.conversation) if known_id(args.conversation) else None
            )
            if conversation is None:
                raise CliError(f"there is no conversation {args.conversation}")
            conversation_id = conversation.id
            thread = store.thread(conversation.id)
            messages, _ids = chat_messages(args.system or conversation.system_prompt, thread)
            parent_id = thread[-1].id if thread else None
        elif args.system:
            messages.append({"role": "system", "content": args.system})
        backend, info = start_backend(args, settings, "chat")
        try:
            messages.append({"role": "user", "content": message})
            params, context_limit = _sampling(args, info.model_id, conversation)
            messages = _fitted(backend, messages, params, context_limit)
            reply_id: int | None = None
            if store is not None:
                if conversation_id is None:
                    title = " ".join(message.split())[:60]
                    conversation = store.create_conversation(
                        title=title, model_id=info.model_id, system_prompt=args.system or ""
                    )
                    conversation_id = conversation.id
                    print(f"conversation {conversation_id}", file=sys.stderr)
                user = store.add_message(
                    conversation_id, "user", message, parent_id=parent_id, model_id=info.model_id
                )
                reply_id = store.start_reply(conversation_id, user.id, info.model_id).id
            checkpoint = _Checkpointer(store, reply_id)
            as_json = args.format == "json"
            thoughts = checkpoint.thoughts
            shown = sys.stderr if args.reasoning == "show" and not as_json else None
            try:
                text, reason, stats = drain(
                    backend.stream(messages, params),
                    NullOut() if as_json else sys.stdout,
                    checkpoint.maybe_save,
                    thoughts=thoughts,
                    thoughts_out=shown,
                )
            except KeyboardInterrupt:
                backend.cancel()
                sys.stdout.write("\n")
                checkpoint.finish("stopped", stop_reason="cancelled", quiet=True)
                raise
            except HistoryError as exc:
                backend.cancel()
                sys.stdout.write("\n")
                raise CliError(
                    f"{exc} The reply stopped there; what was written is above."
                ) from None
            except CliError:
                sys.stdout.write("\n")
                checkpoint.finish("failed", stop_reason="error", quiet=True)
                raise
            if as_json:
                print(
                    json.dumps(
                        _reply_json(
                            conversation_id,
                            info,
                            text=text,
                            thoughts=thoughts,
                            reason=reason,
                            stats=stats,
                        ),
                        ensure_ascii=False,
                    )
                )
            else:
                sys.stdout.write("\n")
            status = "complete" if reason in ("stop", "length") else "stopped"
            try:
                checkpoint.finish(status, stop_reason=reason, stats=stats, text=text)
            except HistoryError as exc:
                raise CliError(f"{exc} The reply is above; it was not saved.") from None
            if args.verbose and stats is not None:
                print(
                    f"{stats.generated_tokens} tokens, {stats.tokens_per_s:.1f} tokens/s, "
                    f"first token after {stats.ttft_s:.2f} s",
                    file=sys.stderr,
                )
        finally:
            backend.close()
    finally:
        if store is not None:
            store.close()
    return EXIT_OK


def _reply_json(
    conversation_id: int | None,
    info: Any,
    *,
    text: str,
    thoughts: list[str],
    reason: str,
    stats: Any,
) -> dict[str, Any]:
    """``parley chat --format json``: the answer and the reasoning apart, with the figures."""
    figures = None
    if stats is not None:
        figures = {
            "prompt_tokens": stats.prompt_tokens,
            "generated_tokens": stats.generated_tokens,
            "reasoning_tokens": stats.reasoning_tokens,
            "reasoning_s": round(stats.reasoning_s, 3),
            "tokens_per_s": round(stats.tokens_per_s, 2),
            "ttft_s": round(stats.ttft_s, 3),
        }
    return {
        "conversation": conversation_id,
        "model": info.model_id,
        "reply": text,
        "reasoning": "".join(thoughts).strip(),
        "stop_reason": reason,
        "stats": figures,
    }


def _fitted(
    backend: Backend, messages: list[ChatMessage], params: SamplingParams, context_limit: int
) -> list[ChatMessage]:
    """The conversation cut to the context policy the window uses; says what was left out."""
    from app.core.chat import fit_turn
    from app.core.context import overflow_message

    fit = fit_turn(backend, messages, params, context_limit)
    if not fit.fits:
        raise CliError(overflow_message(fit.tokens, fit.budget))
    if fit.dropped_count:
        print(
            f"note: {fit.dropped_count} earlier message(s) were left out to fit the context",
            file=sys.stderr,
        )
    return list(fit.messages)


class _Checkpointer:
    """The streaming reply saved about once a second (app.core.checkpoint), then finished."""

    def __init__(self, store: Any, reply_id: int | None) -> None:
        from app.core.checkpoint import Checkpointer

        self.store = store
        self.reply_id = reply_id
        self._checkpoints = Checkpointer(self._save)
        self.thoughts: list[str] = []  # the reasoning so far, saved with each checkpoint

    @property
    def text(self) -> str:
        return self._checkpoints.text

    def _save(self, text: str) -> None:
        if self.store is not None and self.reply_id is not None:
            self.store.update_reply(self.reply_id, text, reasoning="".join(self.thoughts))

    def maybe_save(self, text: str) -> None:
        self._checkpoints.offer(text)

    def finish(
        self,
        status: str,
        *,
        stop_reason: str,
        stats: Any = None,
        text: str | None = None,
        quiet: bool = False,
    ) -> None:
        """Save the reply's last text and status once; later calls do nothing.

        ``quiet`` is for the way out after Ctrl+C or a failure: a second error must not hide
        the first, so a history problem then is only logged.
        """
        if self.store is None or self.reply_id is None:
            return
        reply_id, self.reply_id = self.reply_id, None
        final = self.text if text is None else text
        kwargs: dict[str, Any] = {"status": status, "stop_reason": stop_reason}
        kwargs["reasoning"] = "".join(self.thoughts).strip()
        if stats is not None:
            kwargs.update(
                prompt_tokens=stats.prompt_tokens,
                generated_tokens=stats.generated_tokens,
                tokens_per_s=stats.tokens_per_s,
                ttft_s=stats.ttft_s,
                reasoning_s=stats.reasoning_s or None,
            )
        if not quiet:
            self.store.finish_reply(reply_id, final, **kwargs)
            return
        try:
            self.store.finish_reply(reply_id, final, **kwargs)
        except Exception as exc:  # reported by the caller's own error
            import logging

            logging.getLogger(__name__).warning("the reply could not be saved: %s", exc)


def self_test(args: argparse.Namespace) -> int:
    """Load the model, generate a few tokens, print a one-line JSON report; no display needed."""
    from app.core.backend import SamplingParams

    settings = read_settings()
    started = time.monotonic()
    backend, info = start_backend(args, settings, "chat")
    try:
        params = SamplingParams(max_tokens=16, temperature=0.0, seed=1)
        text, _reason, stats = drain(
            backend.stream([{"role": "user", "content": "Say hello."}], params), NullOut()
        )
    finally:
        backend.close()
    if not text.strip():
        raise CliError("the self-test generated no text")
    from app.core.versions import collect as collect_versions

    try:  # Qt's run-time version; the self-test needs no display, so only QtCore is loaded
        from PySide6.QtCore import qVersion

        qt_version = qVersion()
    except ImportError:
        qt_version = ""
    report = {
        "ok": True,
        "version": __version__,
        "model": info.model_id,
        "llama_cpp_python": info.engine_version,
        "system_info": info.system_info,
        "device": info.device,
        "gpu_layers": info.gpu_layers,
        "n_threads": info.n_threads,
        "tokens_per_s": round(stats.tokens_per_s, 1) if stats else None,
        "ttft_s": round(stats.ttft_s, 3) if stats else None,
        "total_s": round(time.monotonic() - started, 2),
        "frozen": bool(getattr(sys, "frozen", False)),
        # What this Parley runs on: the versions uv.lock pins, as installed or bundled.
        "versions": collect_versions(qt_version),
    }
    print(json.dumps(report, ensure_ascii=False))
    return EXIT_OK


def add_chat_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``chat`` to the top-level ``parley`` commands."""
    chat = sub.add_parser("chat", help="send one message and stream the reply")
    chat.add_argument("message", help="the message, or - to read it from stdin")
    chat.add_argument("--system", help="system prompt")
    chat.add_argument("--max-tokens", type=bounded("max_tokens"), dest="max_tokens")
    chat.add_argument("--temperature", type=bounded("temperature"))
    chat.add_argument("--seed", type=bounded("seed"))
    chat.add_argument("--no-save", action="store_true", help="do not save to history")
    chat.add_argument(
        "--conversation", type=record_id, help="continue the conversation with this id"
    )
    chat.add_argument(
        "--think",
        choices=("on", "off"),
        help="turn a reasoning model's thinking on or off, where the model has a switch"
        " (default: the conversation's setting, else the model's)",
    )
    chat.add_argument(
        "--reasoning",
        choices=("show", "hide"),
        default="show",
        help="print a reasoning model's thinking to stderr (dimmed on a terminal) or hide it;"
        " it is saved in the history either way",
    )
    chat.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json: one object with the reply, the reasoning and the figures",
    )
    chat.add_argument("-v", "--verbose", action="store_true", help="print speed figures")
    add_model_options(chat)
    chat.set_defaults(func=cmd_chat)
