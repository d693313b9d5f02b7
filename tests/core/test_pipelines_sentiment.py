"""Sentiment: confidence from token probabilities, per-sentence labels, aspects, batches, CSV."""

from __future__ import annotations

import csv
import io
import math
import threading
from pathlib import Path

import pytest
from fake_backend import Call, FakeBackend

from app.core.backend import Progress, Token
from app.core.extract import InputError
from app.core.pipelines import request_stop
from app.core.pipelines.sentiment import (
    LABELS,
    AspectSentiment,
    BatchRow,
    PipelineStopped,
    analyse_batch,
    analyse_sentiment,
    export_csv,
    iter_batch,
    label_distribution,
    lines_from_text,
    parse_aspects,
    read_csv_column,
    rows_to_csv,
)
from app.core.prompts.sentiment import ASPECTS_GRAMMAR, LABEL_GRAMMAR

ln = math.log


# --- probabilities ----------------------------------------------------------------------


def test_single_token_label_distribution() -> None:
    token = Token(
        "positive",
        ln(0.6),
        (
            ("positive", ln(0.6)),
            ("negative", ln(0.2)),
            ("Neutral", ln(0.1)),
            ("mixed", ln(0.05)),
            ("The", ln(0.05)),
        ),
    )
    scores = label_distribution([token])
    assert scores is not None
    assert scores["positive"] == pytest.approx(0.6 / 0.95)
    assert scores["negative"] == pytest.approx(0.2 / 0.95)
    assert scores["neutral"] == pytest.approx(0.1 / 0.95)  # case does not matter
    assert sum(scores.values()) == pytest.approx(1.0)


def test_label_spelled_over_several_tokens() -> None:
    # "ne" is shared by negative and neutral: the second step decides between them.
    tokens = [
        Token("ne", ln(0.6), (("ne", ln(0.6)), ("pos", ln(0.3)), ("mix", ln(0.1)))),
        Token("gative", ln(0.75), (("gative", ln(0.75)), ("utral", ln(0.25)))),
    ]
    scores = label_distribution(tokens)
    assert scores is not None
    assert scores["negative"] == pytest.approx(0.45)
    assert scores["neutral"] == pytest.approx(0.15)
    assert scores["positive"] == pytest.approx(0.3)
    assert scores["mixed"] == pytest.approx(0.1)


def test_chosen_token_missing_from_alternatives_still_counts() -> None:
    token = Token("mixed", ln(0.2), (("positive", ln(0.5)), ("negative", ln(0.3))))
    scores = label_distribution([token])
    assert scores is not None and scores["mixed"] == pytest.approx(0.2)


def test_no_logprobs_means_no_confidence() -> None:
    assert label_distribution([Token("positive")]) is None


# --- one text with a scripted backend -----------------------------------------------------


def keyword_model(call: Call) -> str:
    """Labels by keywords; lists aspects as JSON under the aspects grammar."""
    if call.grammar == ASPECTS_GRAMMAR:
        return (
            '[{"aspect": "battery", "sentiment": "negative"}, '
            '{"aspect": "screen", "sentiment": "positive"}]'
        )
    text = call.user.lower()
    good, bad = "great" in text or "love" in text, "terrible" in text or "broke" in text
    if good and bad:
        return "mixed"
    return "positive" if good else "negative" if bad else "neutral"


def probabilities(
    call: Call, index: int, piece: str
) -> tuple[float, tuple[tuple[str, float], ...]]:
    """The chosen label gets 0.8, the other labels share the rest."""
    others = [label for label in LABELS if label != piece]
    return ln(0.8), ((piece, ln(0.8)), *tuple((label, ln(0.2 / 3)) for label in others))


def test_analyse_sentiment_labels_text_sentences_and_aspects() -> None:
    backend = FakeBackend(reply=keyword_model, token_probs=probabilities)
    text = "I love the screen. The battery is terrible. It came in a box."
    result = analyse_sentiment(backend, text)
    assert result.label == "mixed"
    assert result.confidence == pytest.approx(0.8)
    assert sum(result.scores.values()) == pytest.approx(1.0)
    assert [(s.text, s.label) for s in result.sentences] == [
        ("I love the screen.", "positive"),
        ("The battery is terrible.", "negative"),
        ("It came in a box.", "neutral"),
    ]
    assert all(s.confidence == pytest.approx(0.8) for s in result.sentences)
    assert result.aspects == (
        AspectSentiment("battery", "negative"),
        AspectSentiment("screen", "positive"),
    )
    assert result.model_calls == 5 == len(backend.calls)
    label_calls = [c for c in backend.calls if c.grammar == LABEL_GRAMMAR]
    assert len(label_calls) == 4
    assert all(c.logprobs > 0 and c.params.temperature == 0.0 for c in label_calls)


def test_one_sentence_text_needs_no_extra_call() -> None:
    backend = FakeBackend(reply=keyword_model, token_probs=probabilities)
    result = analyse_sentiment(backend, "I love it.", aspects=False)
    assert result.label == "positive"
    assert [s.label for s in result.sentences] == ["positive"]
    assert len(backend.calls) == 1


def test_long_text_is_labelled_in_parts() -> None:
    backend = FakeBackend(reply=keyword_model, token_probs=probabilities, context=200)
    text = "\n\n".join(
        ["I love this part. " * 20, "This part is terrible. " * 20, "I love it. " * 20]
    )
    result = analyse_sentiment(backend, text, sentences=False, aspects=False)
    assert any("parts" in note for note in result.notes)
    assert len(backend.calls) == 3
    assert result.label == "positive"  # two of three parts
    assert not backend.overflows


def test_backend_without_logprobs_gives_no_confidence() -> None:
    backend = FakeBackend(reply=keyword_model, supports_logprobs=False)
    result = analyse_sentiment(backend, "Great stuff. Terrible bits.", aspects=False)
    assert (result.label, result.confidence, result.scores) == ("mixed", None, {})
    assert [(s.label, s.confidence) for s in result.sentences] == [
        ("positive", None),
        ("negative", None),
    ]
    rows = analyse_batch(backend, ["great", "terrible"])
    assert [(r.label, r.confidence) for r in rows] == [("positive", None), ("negative", None)]


def test_only_the_chosen_token_known_gives_full_confidence() -> None:
    # Log-probability of the chosen token but no alternatives: nothing competes with it.
    backend = FakeBackend(reply=keyword_model)
    result = analyse_sentiment(backend, "Great stuff.", sentences=False, aspects=False)
    assert result.confidence == pytest.approx(1.0)


def test_malformed_aspects_are_left_out() -> None:
    assert parse_aspects(
        '[{"aspect": "price", "sentiment": "positive"}, {"aspect": "", "sentiment": "negative"}]'
    ) == [AspectSentiment("price", "positive")]
    assert (
        parse_aspects('[{"aspect": "positive|negative|neutral|mixed", "sentiment": "mixed"}]') == []
    )
    conflicting = (
        '[{"aspect": "Price", "sentiment": "positive"}, '
        '{"aspect": "price", "sentiment": "negative"}]'
    )
    assert parse_aspects(conflicting) == [AspectSentiment("Price", "mixed")]
    assert parse_aspects("[{") == []
    assert parse_aspects('{"aspect": "x"}') == []


def test_stop_raises_pipeline_stopped() -> None:
    stop = threading.Event()
    backend = FakeBackend(reply=keyword_model, token_probs=probabilities)
    backend.on_call_end = lambda number: request_stop(backend, stop) if number == 2 else None
    with pytest.raises(PipelineStopped):
        analyse_sentiment(backend, "Great. Terrible. Fine. Okay.", stop=stop)
    assert len(backend.calls) == 2


def test_engine_error_is_a_backend_error() -> None:
    from app.core.backend import BackendError

    backend = FakeBackend(reply=keyword_model, fail_on_call=1)
    with pytest.raises(BackendError, match="stopped unexpectedly"):
        analyse_sentiment(backend, "Great.")


def test_empty_text_is_an_input_error() -> None:
    with pytest.raises(InputError):
        analyse_sentiment(FakeBackend(), "   ")


# --- batches and CSV ----------------------------------------------------------------------


def test_batch_gives_one_row_per_line_in_order() -> None:
    backend = FakeBackend(reply=keyword_model, token_probs=probabilities)
    lines = [
        f"Review {i}: " + ("great" if i % 3 == 0 else "terrible" if i % 3 == 1 else "ok")
        for i in range(50)
    ]
    lines[7] = "   "
    rows = analyse_batch(backend, lines)
    assert [row.index for row in rows] == list(range(50))
    assert rows[7].label == "" and "empty" in rows[7].error
    for row in rows:
        if row.index == 7:
            continue
        expected = ("positive", "negative", "neutral")[row.index % 3]
        assert (row.label, row.error) == (expected, "")
        assert row.confidence == pytest.approx(0.8)
    assert len(backend.calls) == 49


def test_batch_progress_and_stop() -> None:
    stop = threading.Event()
    backend = FakeBackend(reply=keyword_model, token_probs=probabilities)
    seen: list[object] = []
    with pytest.raises(PipelineStopped):
        for event in iter_batch(backend, [f"line {i} great" for i in range(10)], stop=stop):
            seen.append(event)
            if isinstance(event, BatchRow) and event.index == 3:
                request_stop(backend, stop)
    assert [e.done for e in seen if isinstance(e, Progress)] == [1, 2, 3, 4, 5]
    assert [e.index for e in seen if isinstance(e, BatchRow)] == [0, 1, 2, 3]


def test_lines_from_text() -> None:
    assert lines_from_text("one\n\n  two  \r\nthree\n") == ["one", "two", "three"]


def test_csv_column_by_name_index_and_guess(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(
        'id,Review,stars\n1,"Great, really great",5\n2,Terrible,1\n3,"Multi\nline",3\n',
        encoding="utf-8-sig",
    )
    expected = ["Great, really great", "Terrible", "Multi\nline"]
    assert read_csv_column(path, "review") == expected
    assert read_csv_column(path, 1) == expected
    assert read_csv_column(path) == expected  # a column named like reviews is chosen
    with pytest.raises(
        InputError, match=r"no column “comment”\. Its columns are: id, Review, stars"
    ):
        read_csv_column(path, "comment")
    with pytest.raises(InputError, match="has 3 columns; there is no column number 10"):
        read_csv_column(path, 9)


def test_csv_semicolons_and_no_header(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "1;Das Essen war großartig und der Service freundlich\n2;Zu teuer für das Gebotene\n",
        encoding="cp1252",
    )
    assert read_csv_column(path) == [
        "Das Essen war großartig und der Service freundlich",
        "Zu teuer für das Gebotene",
    ]


def test_csv_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_csv_column(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="is empty"):
        read_csv_column(empty)


def test_csv_export_round_trips(tmp_path: Path) -> None:
    rows = [
        BatchRow(0, 'Great, "really"', "positive", 0.91234),
        BatchRow(1, "", "", None, "There is no text to work on: the input is empty."),
        BatchRow(2, "中文评论，很好", "positive", None),
    ]
    path = tmp_path / "out.csv"
    export_csv(rows, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert parsed == [
        ["line", "text", "label", "confidence", "error"],
        ["1", 'Great, "really"', "positive", "0.9123", ""],
        ["2", "", "", "", "There is no text to work on: the input is empty."],
        ["3", "中文评论，很好", "positive", "", ""],
    ]
    assert rows_to_csv(rows) == raw.decode("utf-8-sig")
    with pytest.raises(InputError, match="Could not write"):
        export_csv(rows, tmp_path / "no-such-folder" / "out.csv")


def test_label_cut_short_is_still_read() -> None:
    backend = FakeBackend(reply=lambda call: "neut")
    result = analyse_sentiment(backend, "It is a box.", sentences=False, aspects=False)
    assert result.label == "neutral"
    assert backend.calls[0].params.max_tokens >= len("neutral")  # room for one char per token


def test_aspects_lose_the_punctuation_copied_from_the_text() -> None:
    answer = (
        '[{"aspect": "I love this phone,", "sentiment": "positive"}, '
        '{"aspect": "电池。", "sentiment": "negative"}, {"aspect": ",;", "sentiment": "neutral"}]'
    )
    assert parse_aspects(answer) == [
        AspectSentiment("I love this phone", "positive"),
        AspectSentiment("电池", "negative"),
    ]
