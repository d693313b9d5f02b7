"""What a summarise, translate or sentiment run records, the same from the window and the CLI.

Both faces save a run when it starts (status "streaming"), checkpoint its output, and finish
it as complete / stopped / failed with a record of what happened (``extra``). The record
used to be written by each face: a summary saved 5 keys from ``parley summarise`` and 10
from the window, so the run list showed different details depending on where a job ran.
Here is the one mapping from a pipeline's result to the history's status and record.

A long summary or translation also saves its finished parts as it goes (``done_parts``, see
:mod:`app.core.pipelines.resume`) and the context it ran with, so a stopped, failed or crashed
run can continue where it stopped, from either face.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.core.pipelines.resume import EXTRA_KEY, PartKept, keep_part, saved_parts, unfinished

if TYPE_CHECKING:
    from app.core.pipelines.sentiment import SentimentResult
    from app.core.pipelines.summarise import SummaryResult
    from app.core.pipelines.translate import TranslationResult

# A pipeline's result status -> the history's run status.
RUN_STATUS = {"complete": "complete", "cancelled": "stopped", "error": "failed"}
# The tools whose runs can continue from their finished parts.
RESUMABLE_TOOLS = ("summarise", "translate")
# The key of ``extra`` that keeps the context the run was split for.
CONTEXT_KEY = "context"


def can_resume(tool: str, status: str, extra: dict[str, Any]) -> bool:
    """Whether a saved run can continue: a long summary or translation that did not
    complete and kept at least one finished part."""
    return tool in RESUMABLE_TOOLS and unfinished(status, extra)


def resume_parts(extra: dict[str, Any]) -> list[PartKept]:
    """The finished parts a saved run kept, for the pipeline's ``done_parts``."""
    return saved_parts(extra)


def record_part(kept: dict[str, Any], part: PartKept) -> dict[str, Any]:
    """Add a finished part to ``kept`` (what the run saves as it goes); returns it."""
    keep_part(kept, part)
    return kept


def final_extra(record: dict[str, Any], kept: dict[str, Any], status: str) -> dict[str, Any]:
    """The run's final ``extra``: its record, plus the kept parts and context unless it
    completed (a complete run has nothing left to continue)."""
    merged = dict(record)
    if status != "complete":
        for key in (EXTRA_KEY, CONTEXT_KEY):
            if key in kept:
                merged[key] = kept[key]
    return merged


def summary_record(result: SummaryResult) -> dict[str, Any]:
    """The run details of a summary: its size, plan, model work and time."""
    record: dict[str, Any] = {
        "document_tokens": result.document_tokens,
        "budget": result.budget,
        "parts": result.parts,
        "tokens_read": result.tokens_read,
        "model_calls": result.model_calls,
        "combine_rounds": result.combine_rounds,
        "prompt_tokens": result.prompt_tokens,
        "generated_tokens": result.generated_tokens,
        "model_seconds": round(result.model_seconds, 2),
        "wall_seconds": round(result.wall_seconds, 2),
    }
    if result.error:
        record["error"] = result.error
    if result.retry_reason:
        record["retry"] = result.retry_reason
    if result.cut_off:
        record["cut_off"] = True
    if result.resumed_parts:
        record["resumed_parts"] = result.resumed_parts
    if result.parts > 1 and result.notes:
        record["notes"] = list(result.notes)  # shown again under the summary when re-opened
    return record


def translation_record(result: TranslationResult) -> dict[str, Any]:
    """The run details of a translation: the source language, parts, retries, warnings."""
    record: dict[str, Any] = {
        "source_language": result.source_language,
        "parts": result.parts,
        "segments": result.segments,
        "model_calls": result.model_calls,
        "retries": result.retries,
        "warnings": list(result.warnings),
        "retry_log": [dict(entry) for entry in result.retry_log],
        "wall_seconds": round(result.wall_seconds, 2),
    }
    if result.error:
        record["error"] = result.error
    if result.resumed_parts:
        record["resumed_parts"] = result.resumed_parts
    return record


def sentiment_batch_record(items: int, labelled: int, error: str = "") -> dict[str, Any]:
    """The run details of a batch: how many items, how many got a label."""
    record: dict[str, Any] = {"items": items, "labelled": labelled}
    if error:
        record["error"] = error
    return record


def sentiment_data(result: SentimentResult) -> dict[str, Any]:
    """One analysis as plain data, saved with the run so it can be shown again."""
    return {
        "label": result.label,
        "confidence": result.confidence,
        "scores": dict(result.scores),
        "sentences": [
            {"text": s.text, "label": s.label, "confidence": s.confidence} for s in result.sentences
        ],
        "aspects": [{"aspect": a.aspect, "label": a.label} for a in result.aspects],
        "notes": list(result.notes),
        "model_calls": result.model_calls,
    }


def sentiment_record(result: SentimentResult, error: str = "") -> dict[str, Any]:
    """The run details of one text's analysis: the analysis itself, to re-open the run."""
    record: dict[str, Any] = {"result": sentiment_data(result), "model_calls": result.model_calls}
    if error:
        record["error"] = error
    return record
