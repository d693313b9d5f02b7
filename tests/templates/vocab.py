"""Real tokenizers for the template tests: llama.cpp vocabulary-only GGUFs, loaded once each.

``token_pieces`` gives a text's tokens as the engine streams them (each token's piece through
an incremental UTF-8 decoder, as ``app/engine/decode.py`` does), so a test can feed them to
the reasoning splitter one by one. ``engine_tokens`` tokenizes a rendered prompt exactly as
``app/engine/worker.py``'s ``tokenize_prompt`` does. Vocabularies are cached per path;
``close_all()`` (called by the session fixture) frees them.
"""

from __future__ import annotations

import codecs
import ctypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_models: dict[Path, Any] = {}


@dataclass(frozen=True)
class VocabInfo:
    """What the engine reads from a vocabulary when it loads a model."""

    bos: int
    eos: int
    bos_text: str
    eos_text: str
    add_bos: bool


def load_vocab(path: Path) -> Any:
    """A vocab-only ``llama_cpp.Llama`` for ``path`` (no weights), cached per path."""
    key = Path(path).resolve()
    llm = _models.get(key)
    if llm is None:
        import llama_cpp

        llm = llama_cpp.Llama(model_path=str(key), vocab_only=True, verbose=False)
        _models[key] = llm
    return llm


def _vocab(path: Path) -> Any:
    import llama_cpp

    return llama_cpp.llama_model_get_vocab(load_vocab(path).model)


def token_text(path: Path, token: int) -> str:
    """A token's text as the engine takes it for ``bos_token``/``eos_token``."""
    import llama_cpp

    if token < 0:
        return ""
    raw = llama_cpp.llama_vocab_get_text(_vocab(path), token)
    return raw.decode("utf-8", "replace") if raw else ""


def vocab_info(path: Path) -> VocabInfo:
    """BOS/EOS ids and texts and whether the vocabulary asks for a BOS, as the engine reads them."""
    import llama_cpp

    vocab = _vocab(path)
    bos, eos = llama_cpp.llama_vocab_bos(vocab), llama_cpp.llama_vocab_eos(vocab)
    return VocabInfo(
        bos=bos,
        eos=eos,
        bos_text=token_text(path, bos),
        eos_text=token_text(path, eos),
        add_bos=bool(llama_cpp.llama_vocab_get_add_bos(vocab)),
    )


def is_eog(path: Path, token: int) -> bool:
    """True when llama.cpp ends generation at ``token`` (end of turn or of text)."""
    import llama_cpp

    return bool(llama_cpp.llama_vocab_is_eog(_vocab(path), token))


def token_ids(path: Path, text: str, *, add_bos: bool = False, special: bool = True) -> list[int]:
    """The tokens of ``text``; ``special`` parses special-token text (``<|im_end|>``) as them."""
    return list(load_vocab(path).tokenize(text.encode("utf-8"), add_bos=add_bos, special=special))


def engine_tokens(path: Path, prompt: str) -> list[int]:
    """A rendered prompt's tokens as the engine makes them: a BOS is added when the vocabulary
    asks for one, unless the template wrote it already."""
    info = vocab_info(path)
    add_bos = info.add_bos and not (info.bos_text and prompt.startswith(info.bos_text))
    return token_ids(path, prompt, add_bos=add_bos, special=True)


def _piece(vocab: Any, token: int, special: bool) -> bytes:
    import llama_cpp

    size = 64
    while True:
        buf = ctypes.create_string_buffer(size)
        n = llama_cpp.llama_token_to_piece(vocab, token, buf, size, 0, special)
        if n >= 0:
            return buf.raw[:n]
        size = -n  # too small: llama.cpp says how many bytes it needs


def token_pieces(vocab_path: Path, text: str, special: bool = True) -> list[str]:
    """``text`` as the text of its tokens, one string per token, as the engine streams them.

    ``special`` is used both to parse special-token text into those tokens and to render
    them back as text. A token that ends inside a multi-byte character gives ``""`` and the
    character comes with the token that completes it, so the pieces join to the decoded text
    (an SPM vocabulary such as Phi-3's adds its leading space to the first piece).
    """
    vocab = _vocab(vocab_path)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pieces = [
        decoder.decode(_piece(vocab, token, special))
        for token in token_ids(vocab_path, text, special=special)
    ]
    tail = decoder.decode(b"", final=True)
    if tail:
        pieces.append(tail)
    return pieces


def close_all() -> None:
    """Free every cached vocabulary."""
    while _models:
        _, llm = _models.popitem()
        llm.close()
