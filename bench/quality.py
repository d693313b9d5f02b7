"""Translation and summary quality on public data: Parley's pipelines against one plain call.

The question is not how good a 0.5B model is, but whether the pipelines around it help or
hurt: every figure compares a pipeline with the same model asked once, plainly.

**Translation** (chrF, sacrebleu's ``corpus_chrf``): sentences that Debian's GNU packages'
volunteer translators translated (``scripts/fetch_quality_data.py``: the English msgid and
its zh_CN or de msgstr), a seeded sample per pair: en→zh, zh→en (the Chinese as the source,
the English original as the reference) and en→de. Each sentence goes (a) through
``translate_document`` as the app sends a document, with the pipeline's own sampling
(seeded, so a run can be repeated), and (b) to the model as one user message "Translate into
<language>: <sentence>", greedy. The plain answer is taken as it comes (only stripped): any
preamble a model adds is what a user of a plain prompt gets, and what the pipeline's prompt
and checks are there to avoid. chrF works on characters, so it scores Chinese as it is.
Target: ratio >= 1, the pipeline must not be worse.

**Summary** (planted facts): Python's own reference documentation (``pydoc_data.topics``,
shipped with the interpreter) cut to about ``DOC_TOKENS`` tokens of the model, with one
distinct, checkable fact planted in each of ``FACTS`` evenly spaced places ("... Ingrid
Vasquez ... review number 4817."). A fact is kept when its surname or its number appears in
the summary. (a) ``summarise_document`` (map-reduce over parts that fit the context) against
(b) the single-pass prompt the pipeline uses for short text, sent once with the document cut
to fit the context, which is what a plain call can do. Rows count the facts kept from each
third; the last third is the one a cut-off call never reads, so its row has the target (map-
reduce keeps at least as many; ">= 1" when the plain call kept none). Also reported, for
information: the summary's length against the length setting, and the share of its words
copied from the document in runs of ``COPY_RUN`` or more words (a summary that pastes the
text back is not summarising).

**A document translated** (model calls per part): about ``DOC_TRANSLATE_TOKENS`` tokens of
the same reference, English into Simplified Chinese, through ``translate_document`` as the
app sends it. Each part costs one call plus one per line sent again; the row is calls per
part against the pipeline as it was when issue 15 was filed, run on the same document (24
per part; the issue's own run, on a document not kept, had 16), with the reasons the lines
were sent again.

Settings (environment): ``PARLEY_QUALITY_MODEL`` (``0.5b``, the default, the test suite's
Qwen2.5-Coder-0.5B-Instruct; ``starter``; or a .gguf path), ``PARLEY_QUALITY_SENTENCES`` (per
pair, 40), ``PARLEY_QUALITY_DOC_TOKENS`` (7000), ``PARLEY_QUALITY_FACTS`` (12, at most 18),
``PARLEY_QUALITY_CONTEXT`` (4096, the app's default), ``PARLEY_QUALITY_SEED`` (1) and
``PARLEY_QUALITY_PARTS`` (``translation,summary,document``); ``PARLEY_QUALITY_SHOW=1`` prints every
translation and both summaries to stderr. Small values make a quick check of the
whole path; only the defaults give the figures the targets are about.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.core.backend import (
    Backend,
    ChatMessage,
    Error,
    LoadOptions,
    ModelRef,
    SamplingParams,
    Token,
)
from app.core.langs import get_language
from app.core.paths import starter_model_path
from app.core.pipelines import summarise, translate
from app.core.pipelines.summarise import SummaryResult, summarise_document
from app.core.pipelines.summary_checks import COPY_RUN, copied_share
from app.core.pipelines.translate import TranslationResult, translate_document
from app.core.prompts import summarise as summary_prompts
from app.engine.local import LocalBackend

REPO = Path(__file__).resolve().parents[1]
THREADS = int(os.environ.get("PARLEY_BENCH_THREADS", "2"))
PAIR_LANGUAGES = {"en-zh": ("en", "zh-Hans"), "zh-en": ("zh-Hans", "en"), "en-de": ("en", "de")}
LENGTH = "medium"
STYLE = "paragraph"
SAFETY_TOKENS = 16
THIRDS = ("first", "middle", "last")
# Fixed topics of the reference, in this order, until the document is long enough: prose about
# the language (not the long tables of special method names), no topic inside another.
TOPICS = (
    "execmodel",
    "import",
    "try",
    "with",
    "function",
    "class",
    "assignment",
    "for",
    "while",
    "if",
    "truth",
    "customization",
    "attribute-access",
)
# (first name, surname, number): surname and number are each unique and absent from the docs.
PEOPLE = (
    ("Ingrid", "Vasquez", "4817"),
    ("Rafael", "Lindqvist", "6203"),
    ("Amara", "Nakashima", "7391"),
    ("Dmitri", "Castellano", "5526"),
    ("Sunita", "Abernathy", "8064"),
    ("Kwame", "Thorsen", "3759"),
    ("Elif", "Marchetti", "9142"),
    ("Hiroshi", "Delacroix", "2687"),
    ("Beatriz", "Kowalczyk", "6638"),
    ("Olumide", "Halvorsen", "4275"),
    ("Leila", "Brennan", "7913"),
    ("Joaquin", "Mwangi", "5081"),
    ("Freya", "Oyelaran", "3346"),
    ("Anton", "Quispe", "8527"),
    ("Yara", "Achterberg", "2954"),
    ("Tobias", "Ferreira", "6719"),
    ("Noor", "Lindholm", "9408"),
    ("Soren", "Okafor", "4162"),
)
# Facts that read as part of the text (a finding, a figure, a name), not as a note about the
# document: a summariser is right to drop "reviewed by X under number N" as boilerplate.
FACT_TEMPLATES = (
    "{name} surveyed open-source code and found {number} programs that rely on this rule.",
    "In a benchmark by {name}, this example ran {number} times in a row without a failure.",
    "{name} first proposed this behaviour in design note {number}, to settle a long dispute.",
    "According to {name}, {number} projects broke when this feature changed in an old release.",
)


@dataclass(frozen=True)
class Settings:
    """What one run measures; read from the environment so a quick check needs no edits."""

    model: str = "0.5b"
    sentences: int = 40
    doc_tokens: int = 7000
    facts: int = 12
    context: int = 4096
    seed: int = 1
    parts: tuple[str, ...] = ("translation", "summary", "document")

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        return cls(
            model=env("PARLEY_QUALITY_MODEL", cls.model),
            sentences=int(env("PARLEY_QUALITY_SENTENCES", cls.sentences)),
            doc_tokens=int(env("PARLEY_QUALITY_DOC_TOKENS", cls.doc_tokens)),
            facts=min(len(PEOPLE), int(env("PARLEY_QUALITY_FACTS", cls.facts))),
            context=int(env("PARLEY_QUALITY_CONTEXT", cls.context)),
            seed=int(env("PARLEY_QUALITY_SEED", cls.seed)),
            parts=tuple(p.strip() for p in env("PARLEY_QUALITY_PARTS", "").split(",") if p)
            or cls.parts,
        )


def _scripts() -> None:
    if str(REPO / "scripts") not in sys.path:
        sys.path.insert(0, str(REPO / "scripts"))


def model_choice(name: str) -> tuple[str, Path]:
    """(model id for the report, GGUF path) for ``PARLEY_QUALITY_MODEL``."""
    if name == "starter":
        return "starter", starter_model_path()
    if name in ("", "0.5b"):
        _scripts()
        from fetch_test_model import ensure_model

        return "qwen2.5-coder-0.5b", ensure_model()
    path = Path(name).expanduser()
    return path.stem, path


def _answer(backend: Backend, messages: list[ChatMessage], params: SamplingParams) -> str:
    """One plain call: the answer's text (no pipeline, no checks); an error raises."""
    pieces: list[str] = []
    for event in backend.stream(messages, params):
        if isinstance(event, Token):
            pieces.append(event.text)
        elif isinstance(event, Error):
            raise RuntimeError(event.message)
    return "".join(pieces).strip()


def _last(events: Iterable[Any]) -> Any:
    """The final event of a pipeline (its result), the others consumed and dropped."""
    tail = deque(events, maxlen=1)
    return tail[0] if tail else None


# --- translation ---------------------------------------------------------------------------


def plain_translation(backend: Backend, text: str, target: str) -> str:
    """The baseline: "Translate into <language>: <text>", greedy, room for a long answer."""
    language = get_language(target).name
    budget = 4 * backend.count_tokens(text) + 64
    params = SamplingParams(
        temperature=0.0, top_k=1, repeat_penalty=1.0, max_tokens=budget, seed=0, think=False
    )
    message = ChatMessage(role="user", content=f"Translate into {language}: {text}")
    return _answer(backend, [message], params)


def pipeline_translation(
    backend: Backend, text: str, source: str, target: str, seed: int
) -> TranslationResult:
    params = replace(translate.DEFAULT_PARAMS, seed=seed)
    result = _last(translate_document(backend, text, target=target, source=source, params=params))
    assert isinstance(result, TranslationResult), result
    return result


def _translation_rows(backend: Backend, model: str, settings: Settings) -> list[dict[str, Any]]:
    import sacrebleu

    _scripts()
    from fetch_quality_data import ensure_data, sentence_pairs

    folder = ensure_data()
    rows: list[dict[str, Any]] = []
    for pair, (source, target) in PAIR_LANGUAGES.items():
        sample = sentence_pairs(folder, pair, settings.sentences, settings.seed)
        # All pipeline calls, then all plain ones: each method keeps its own prompt prefix in
        # the KV cache from one sentence to the next, as it would in a session of the app.
        ours: list[str] = []
        retries = failed = 0
        started = time.perf_counter()
        for item in sample:
            result = pipeline_translation(backend, item.source, source, target, settings.seed)
            retries += result.retries
            failed += result.status != "complete"
            ours.append(result.text.strip() if result.status == "complete" else "")
        ours_s = time.perf_counter() - started
        started = time.perf_counter()
        plain = [plain_translation(backend, item.source, target) for item in sample]
        plain_s = time.perf_counter() - started
        if os.environ.get("PARLEY_QUALITY_SHOW"):
            for item, mine, theirs in zip(sample, ours, plain, strict=True):
                print(
                    f"--- {pair} source: {item.source}\n    reference: {item.reference}\n"
                    f"    pipeline: {mine}\n    plain: {theirs}",
                    file=sys.stderr,
                )
        references = [[item.reference for item in sample]]
        value = sacrebleu.corpus_chrf(ours, references).score
        baseline = sacrebleu.corpus_chrf(plain, references).score
        rows.append({
            "benchmark": f"translation chrF {pair}, Debian's human translations: "
            "pipeline vs plain prompt",
            "value": round(value, 2),
            "unit": "chrF",
            "baseline": round(baseline, 2),
            "ratio": round(value / baseline, 3) if baseline else None,
            "target": 1.0,
            "pair": pair,
            "sentences": len(sample),
            "packages": " ".join(sorted({item.package for item in sample})),
            "model": model,
            "seed": settings.seed,
            "retries": retries,
            "failed": failed,
            "pipeline_s": round(ours_s, 1),
            "plain_s": round(plain_s, 1),
        })  # fmt: skip
    return rows


# --- summary: the document and its planted facts --------------------------------------------


@dataclass(frozen=True)
class Fact:
    """A planted sentence, the two strings that show it was kept, and where it stands."""

    sentence: str
    surname: str
    number: str
    position: int  # character offset in the document
    third: int  # 0, 1, 2: the document's first, middle or last third


def reference_paragraphs(count: Callable[[str], int], tokens: int) -> list[str]:
    """Paragraphs of Python's reference (``TOPICS`` in order) adding up to about ``tokens``."""
    from pydoc_data.topics import topics

    paragraphs: list[str] = []
    total = 0
    for topic in TOPICS:
        for paragraph in topics[topic].split("\n\n"):
            if total >= tokens:
                return paragraphs
            if paragraph.strip():
                paragraphs.append(paragraph.strip("\n"))
                total += count(paragraph + "\n\n")
    return paragraphs


def plant_facts(paragraphs: Sequence[str], facts: int) -> tuple[str, list[Fact]]:
    """The document with ``facts`` planted paragraphs, spread evenly by characters.

    Fact i goes in at the paragraph boundary nearest (i + 0.5) / facts of the way through, so
    each third holds about a third of them; a fact's third is read from where it ended up.
    """
    if facts > len(PEOPLE):
        raise ValueError(f"at most {len(PEOPLE)} facts")
    base = "\n\n".join(paragraphs)
    for _first, surname, number in PEOPLE[:facts]:
        if surname.lower() in base.lower() or re.search(rf"(?<!\d){number}(?!\d)", base):
            raise ValueError(f"{surname} or {number} already occurs in the document")
    offsets, at = [], 0
    for paragraph in paragraphs:
        offsets.append(at)
        at += len(paragraph) + 2
    slots: list[int] = []
    for i in range(facts):
        wanted = (i + 0.5) / facts * len(base)
        slots.append(min(range(len(paragraphs)), key=lambda k: abs(offsets[k] - wanted)))
    sentences = [
        FACT_TEMPLATES[i % len(FACT_TEMPLATES)].format(name=f"{first} {surname}", number=number)
        for i, (first, surname, number) in enumerate(PEOPLE[:facts])
    ]
    planted: dict[int, list[str]] = {}
    for slot, sentence in zip(slots, sentences, strict=True):
        planted.setdefault(slot, []).append(sentence)
    pieces: list[str] = []
    for k, paragraph in enumerate(paragraphs):
        pieces.extend(planted.get(k, []))
        pieces.append(paragraph)
    document = "\n\n".join(pieces)
    found: list[Fact] = []
    for sentence, (_first, surname, number) in zip(sentences, PEOPLE, strict=False):
        position = document.index(sentence)
        third = min(2, 3 * position // max(1, len(document)))
        found.append(Fact(sentence, surname, number, position, third))
    return document, found


def fact_kept(summary: str, fact: Fact) -> bool:
    """Whether the summary names the fact's surname or gives its number (commas allowed)."""
    digits = re.sub(r"(?<=\d)[,.\u202f ](?=\d{3}\b)", "", summary)
    return bool(
        re.search(rf"\b{re.escape(fact.surname)}\b", summary, re.IGNORECASE)
        or re.search(rf"(?<!\d){fact.number}(?!\d)", digits)
    )


def kept_by_third(summary: str, facts: Sequence[Fact]) -> list[int]:
    """Facts kept from the first, middle and last third of the document."""
    kept = [0, 0, 0]
    for fact in facts:
        if fact_kept(summary, fact):
            kept[fact.third] += 1
    return kept


def facts_by_third(facts: Sequence[Fact]) -> list[int]:
    planted = [0, 0, 0]
    for fact in facts:
        planted[fact.third] += 1
    return planted


def sentence_count(text: str) -> int:
    return len(re.findall(r"[.!?。！？](?=\s|$)", text.strip())) or (1 if text.strip() else 0)


def cut_to_fit(count: Callable[[str], int], paragraphs: Sequence[str], budget: int) -> str:
    """The longest run of whole paragraphs from the start that fits ``budget`` tokens."""
    kept: list[str] = []
    used = 0
    for paragraph in paragraphs:
        tokens = count(paragraph + "\n\n")
        if used + tokens > budget:
            break
        kept.append(paragraph)
        used += tokens
    text = "\n\n".join(kept)
    while kept and count(text) > budget:  # joins can count differently from the parts
        kept.pop()
        text = "\n\n".join(kept)
    return text


# --- summary: the two methods and the rows -------------------------------------------------


def pipeline_summary(backend: Backend, document: str, seed: int) -> SummaryResult:
    params = replace(summarise.DEFAULT_PARAMS, seed=seed)
    result = _last(summarise_document(backend, document, length=LENGTH, style=STYLE, params=params))
    assert isinstance(result, SummaryResult) and result.status == "complete", result
    return result


def plain_summary(backend: Backend, document: str, seed: int) -> tuple[str, int]:
    """The baseline: the single-pass prompt, once, with the document cut to fit the context.

    Same prompt, sampling and answer room as the pipeline's single pass, so the only
    difference is reading the whole document in parts. Returns (summary, tokens read).
    """
    answer = min(summary_prompts.ANSWER_TOKENS[LENGTH], backend.context_length() // 4)
    empty = summary_prompts.single_pass_messages("", length=LENGTH, style=STYLE)
    budget = backend.context_length() - backend.count_chat_tokens(empty) - answer - SAFETY_TOKENS
    cut = cut_to_fit(backend.count_tokens, document.split("\n\n"), budget)
    messages = summary_prompts.single_pass_messages(cut, length=LENGTH, style=STYLE)
    params = replace(summarise.DEFAULT_PARAMS, seed=seed, max_tokens=answer, think=False)
    return _answer(backend, messages, params), backend.count_tokens(cut)


def _summary_rows(backend: Backend, model: str, settings: Settings) -> list[dict[str, Any]]:
    paragraphs = reference_paragraphs(backend.count_tokens, settings.doc_tokens)
    document, facts = plant_facts(paragraphs, settings.facts)
    started = time.perf_counter()
    result = pipeline_summary(backend, document, settings.seed)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    plain, plain_read = plain_summary(backend, document, settings.seed)
    plain_s = time.perf_counter() - started
    planted = facts_by_third(facts)
    ours_kept, plain_kept = kept_by_third(result.text, facts), kept_by_third(plain, facts)
    common = {
        "model": model,
        "document_tokens": result.document_tokens,
        "context": backend.context_length(),
        "parts": result.parts,
        "model_calls": result.model_calls,
        "final_retried": "yes" if result.retry_reason else "no",
        "cut_off": "yes" if result.cut_off else "no",
        "plain_read_tokens": plain_read,
        "python": sys.version.split()[0],
    }
    rows: list[dict[str, Any]] = []
    for third, name in enumerate(THIRDS):
        value, baseline = ours_kept[third], plain_kept[third]
        target: float | str | None = None
        if name == "last":
            target = 1.0 if baseline else ">= 1"
        rows.append({
            "benchmark": f"summary keeps planted facts of the {name} third: "
            "map-reduce vs one call on the cut document",
            "value": value,
            "unit": f"facts of {planted[third]}",
            "baseline": baseline,
            "ratio": round(value / baseline, 3) if baseline else None,
            "target": target,
            **common,
        })  # fmt: skip
    answer = min(summary_prompts.ANSWER_TOKENS[LENGTH], backend.context_length() // 4)
    rows.append({
        "benchmark": f"summary length ({LENGTH}: {summary_prompts.LENGTHS[LENGTH]}, "
        f"at most {answer} tokens): map-reduce vs one call",
        "value": backend.count_tokens(result.text),
        "unit": "tokens",
        "baseline": backend.count_tokens(plain),
        "ratio": None,
        "target": None,
        "sentences": sentence_count(result.text),
        "plain_sentences": sentence_count(plain),
        "words": len(result.text.split()),
        "plain_words": len(plain.split()),
        "pipeline_s": round(ours_s, 1),
        "plain_s": round(plain_s, 1),
        "model": model,
    })  # fmt: skip
    rows.append({
        "benchmark": f"summary words copied from the document in runs of >= {COPY_RUN} words: "
        "map-reduce vs one call",
        "value": round(100 * copied_share(result.text, document), 1),
        "unit": "%",
        "baseline": round(100 * copied_share(plain, document), 1),
        "ratio": None,
        "target": None,
        "model": model,
    })  # fmt: skip
    if os.environ.get("PARLEY_QUALITY_SHOW"):
        print(
            f"--- map-reduce summary:\n{result.text}\n--- plain summary:\n{plain}", file=sys.stderr
        )
    return rows


def run() -> list[dict[str, Any]]:
    settings = Settings.from_env()
    model, path = model_choice(settings.model)
    options = LoadOptions(n_ctx=settings.context, n_batch=512, n_threads=THREADS, flash_attn=True)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as logs:
        backend = LocalBackend(log_dir=Path(logs))
        try:
            backend.load(ModelRef(path, model_id=model), options)
            if "translation" in settings.parts:
                rows += _translation_rows(backend, model, settings)
            if "summary" in settings.parts:
                rows += _summary_rows(backend, model, settings)
            if "document" in settings.parts:
                rows += _document_rows(backend, model)
        finally:
            backend.close()
    return rows


DOC_TRANSLATE_TOKENS = 1500
# The pipeline as it was when issue 15 was filed (commit 93e7717), run on this same document
# with the same model and context: 48 model calls for 2 parts, 46 of them lines sent again
# (one run, 2026-12-07, 87 s). The issue's own figure was 16 per part, for a document of
# its own that was not kept.
CALLS_PER_PART_BEFORE = 24.0


def _document_rows(backend: Backend, model: str) -> list[dict[str, Any]]:
    text = "\n\n".join(reference_paragraphs(backend.count_tokens, DOC_TRANSLATE_TOKENS))
    started = time.perf_counter()
    result = _last(translate_document(backend, text, target="zh-Hans", source="en"))
    wall = time.perf_counter() - started
    assert isinstance(result, TranslationResult) and result.status == "complete", result
    per_part = result.model_calls / max(result.parts, 1)
    reasons: dict[str, int] = {}
    for entry in result.retry_log:
        reasons[str(entry["reason"])] = reasons.get(str(entry["reason"]), 0) + 1
    return [
        {
            "benchmark": f"translate a {backend.count_tokens(text):,}-token document en→zh "
            f"({result.parts} parts, {model}): model calls per part",
            "value": round(per_part, 2),
            "unit": "calls",
            "baseline": CALLS_PER_PART_BEFORE,
            "ratio": round(per_part / CALLS_PER_PART_BEFORE, 3),
            "target": None,
            "model_calls": result.model_calls,
            "retries": result.retries,
            "retry_reasons": reasons,
            "warnings": len(result.warnings),
            "wall_s": round(wall, 1),
        }
    ]


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    for row in run():
        print(row, flush=True)
