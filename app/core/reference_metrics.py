"""How close a model's translation or summary of the user's document is to the user's own
reference, and how much memory the engine took while measuring.

Perplexity (app/core/model_eval.py) says how well a model *predicts* a kind of text; it says
nothing about whether the model does a task well. When the user has a translation or a
summary of their document they trust, ``parley eval --reference`` runs the real pipeline
(app/core/pipelines/translate.py or summarise.py, exactly as the Translate and Summarise
tools run it) on the document with each model and scores the output against that reference:

* **chrF** for translation (sacrebleu's implementation, character n-grams up to 6 and
  words not counted, on a 0–100 scale): it works on characters, so it needs no word
  splitting and suits languages written without spaces as well as inflected ones;
* **ROUGE-L F1** for summaries (Google's ``rouge-score``, the reference implementation), on
  a 0–1 scale: the longest common subsequence of tokens, balancing what of the reference the
  summary covers against how much of the summary is in the reference. Its default tokenizer
  keeps only ``[a-z0-9]`` and so drops every non-Latin word; :class:`UnicodeTokenizer` keeps
  every script, lowercases words, and counts each CJK (or Thai) character as a token, since
  those scripts have no spaces between words.

The whole document is scored as one segment: the pipelines keep the document's structure, but
a reference need not have the same lines, and chrF and ROUGE-L both read across them.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from app.core.backend import Backend, Token, without_surrogates
from app.core.extract import InputError

Task = Literal["translate", "summarise"]
TASKS: tuple[Task, ...] = ("translate", "summarise")
METRIC_NAMES: dict[str, str] = {"translate": "chrF", "summarise": "ROUGE-L"}

# Scripts written without spaces between words: each character is a token (Han, kana,
# CJK punctuation and compatibility forms, Thai, Lao, Khmer, Myanmar). Hangul is written
# with spaces, so its words stay words.
_CHAR_SCRIPTS = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer
    "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
)
_TOKEN = re.compile(rf"[{_CHAR_SCRIPTS}]|[^\W{_CHAR_SCRIPTS}]+", re.UNICODE)


class UnicodeTokenizer:
    """A ``rouge-score`` tokenizer for every script: lowercased words of letters and digits
    (any alphabet), and each character of a script written without spaces on its own.

    Punctuation is dropped, as the library's own tokenizer drops it. It subclasses nothing so
    the module imports without ``rouge-score``; the scorer only calls ``tokenize``.
    """

    def tokenize(self, text: str) -> list[str]:
        return [match.group(0) for match in _TOKEN.finditer(text.lower())]


def check_task(task: str | None) -> Task:
    """``task`` when it is one the reference scoring knows, else a one-line InputError."""
    if task not in TASKS:
        raise InputError(
            f"Unknown task “{task}”: the reference can score translate (chrF) or summarise "
            "(ROUGE-L)."
        )
    return task


def chrf(hypothesis: str, reference: str) -> float:
    """chrF (0–100) of ``hypothesis`` against one ``reference``, the whole text one segment;
    identical texts score 100."""
    from sacrebleu.metrics import CHRF

    return float(CHRF().sentence_score(hypothesis, [reference]).score)


def rouge_l(summary: str, reference: str) -> float:
    """ROUGE-L F1 (0–1) of ``summary`` against ``reference``, with :class:`UnicodeTokenizer`;
    identical texts score 1, texts with no token in common 0."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], tokenizer=UnicodeTokenizer())
    return float(scorer.score(reference, summary)["rougeL"].fmeasure)


def score_output(task: Task, output: str, reference: str) -> float:
    """The task's metric: chrF for a translation, ROUGE-L F1 for a summary."""
    return chrf(output, reference) if task == "translate" else rouge_l(output, reference)


@dataclass(frozen=True)
class ReferenceTask:
    """What to run and what to compare it with: checked once, before any model loads."""

    task: Task
    reference: str  # the reference text
    reference_name: str
    target: str = ""  # translation: the language code; summary: "" (the document's language)

    @property
    def metric(self) -> str:
        return METRIC_NAMES[self.task]

    @property
    def reference_sha256(self) -> str:
        return hashlib.sha256(without_surrogates(self.reference).encode("utf-8")).hexdigest()


def make_reference_task(
    task: str | None, reference_text: str, reference_name: str, target: str | None = None
) -> ReferenceTask:
    """A checked :class:`ReferenceTask`; InputError (one line) for an unknown task, an empty
    reference, a translation without a target language or an unknown language."""
    from app.core.langs import get_language

    checked = check_task(task)
    if not reference_text.strip():
        raise InputError(f"The reference {reference_name} is empty: there is nothing to compare.")
    code = ""
    if checked == "translate":
        if not target:
            raise InputError("Scoring a translation needs the language to translate into.")
        code = get_language(target).code
    elif target:
        code = get_language(target).code  # a summary in another language than the document's
    return ReferenceTask(checked, reference_text, reference_name, code)


@dataclass(frozen=True)
class TaskOutcome:
    """The pipeline's output on the document and its score against the reference."""

    output: str
    score: float
    seconds: float  # the pipeline's wall time
    generated_tokens: int
    status: str  # the pipeline's: "complete", "cancelled" or "error"
    error: str = ""


def run_reference_task(
    backend: Backend,
    job: ReferenceTask,
    text: str,
    *,
    on_token: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
) -> TaskOutcome:
    """Run the real translate or summarise pipeline on ``text`` with the loaded model and
    score its output. ``on_token`` gets the count of tokens written so far (for progress)."""
    from app.core.pipelines.summarise import SummaryResult, summarise_document
    from app.core.pipelines.translate import TranslationResult, translate_document

    events: Iterator[Any]
    if job.task == "translate":
        events = translate_document(backend, text, target=job.target, stop=stop)
    else:
        events = summarise_document(backend, text, language=job.target or None, stop=stop)
    started = time.perf_counter()
    written = 0
    final: TranslationResult | SummaryResult | None = None
    for event in events:
        if isinstance(event, Token):
            written += 1
            if on_token is not None:
                on_token(written)
        elif isinstance(event, TranslationResult | SummaryResult):
            final = event
    seconds = time.perf_counter() - started
    if final is None:  # pragma: no cover - the pipelines always end with a result
        raise InputError(f"The {job.task} pipeline ended without a result.")
    output = final.text.strip()
    return TaskOutcome(
        output=output,
        score=score_output(job.task, output, job.reference) if output else 0.0,
        seconds=seconds,
        generated_tokens=final.generated_tokens,
        status=final.status,
        error=final.error,
    )


class PeakMemory:
    """The largest resident set size (RSS) of the engine's process while inside, sampled.

    It counts what the operating system keeps in RAM for the engine child: the model's
    weights mapped from the file (mmap) as far as they were read, the KV cache and compute
    buffers, and the engine's own Python (tens of MB). Memory on a GPU is not in it. The
    process is asked for through ``pid`` at each sample, so an engine started by the load
    itself is caught.
    """

    def __init__(self, pid: Callable[[], int | None], interval_s: float = 0.1) -> None:
        self._pid = pid
        self._interval = interval_s
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.peak = 0

    def sample(self) -> None:
        import psutil

        pid = self._pid()
        if pid is None:
            return
        try:
            rss = int(psutil.Process(pid).memory_info().rss)
        except (psutil.Error, OSError):
            return
        self.peak = max(self.peak, rss)

    def _watch(self) -> None:
        while not self._done.wait(self._interval):
            self.sample()

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._watch, name="eval-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.sample()
        self._done.set()
        if self._thread is not None:
            self._thread.join()


def engine_pid_of(backend: object) -> Callable[[], int | None]:
    """A callable giving the process id of ``backend``'s engine (the local engine has
    ``engine_pid``); one giving None for a backend without a process of its own."""

    def pid() -> int | None:
        value = getattr(backend, "engine_pid", None)
        return value if isinstance(value, int) else None

    return pid


def read_reference(path: Path) -> tuple[str, str]:
    """The reference's text and name, read as every text tool reads a document (so the
    refusals of a missing, empty or binary file are the same)."""
    from app.core.extract import extract_text

    extracted = extract_text(Path(path))
    return extracted.text, extracted.source


__all__ = [
    "METRIC_NAMES",
    "TASKS",
    "PeakMemory",
    "ReferenceTask",
    "Task",
    "TaskOutcome",
    "UnicodeTokenizer",
    "check_task",
    "chrf",
    "engine_pid_of",
    "make_reference_task",
    "read_reference",
    "rouge_l",
    "run_reference_task",
    "score_output",
]
