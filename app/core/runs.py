"""What a summarise, translate or sentiment run records, the same from the window and the CLI.

Both faces save a run when it starts (status "streaming"), checkpoint its output, and finish
it as complete / stopped / failed with a record of what happened (``extra``). The record
used to be written by each face: a summary saved 5 keys from ``parley summarise`` and 10
from the window, so the run list showed different details depending on where a job ran.
Here is the one mapping from a pipeline's result to the history's status and record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.core.pipelines.sentiment import SentimentResult
    from app.core.pipelines.summarise import SummaryResult
    from app.core.pipelines.translate import TranslationResult

# A pipeline's result status -> the history's run status.
RUN_STATUS = {"complete": "complete", "cancelled": "stopped", "error": "failed"}


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
        "wall_seconds": round(result.wall_seconds, 2),
    }
    if result.error:
        record["error"] = result.error
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
