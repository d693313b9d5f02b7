"""The model-free parts of bench/quality.py and its data script: which catalogue messages count
as sentences, how planted facts are found by thirds, and the copied-share measure.

A wrong filter or a miscounted third would make the benchmark's figures mean something else
without any error, so they are checked here on real and on hand-made text.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType

import pytest

from bench import quality

CJK = re.compile(r"[\u3400-\u9fff]")


def _fetch_module() -> ModuleType:
    """The data script, imported the way the benchmark imports it (scripts/ on sys.path)."""
    quality._scripts()
    return importlib.import_module("fetch_quality_data")


fetch = _fetch_module()


def _words(text: str) -> int:
    return len(text.split())


# --- sentences from the catalogues ---------------------------------------------------------


def test_prose_filter_keeps_sentences_and_drops_templates_and_tables() -> None:
    assert fetch.prose_sentence("Write each FILE to standard output, with line numbers added.\n")
    wrapped = "Exit status is 0 if inputs are the same,\n1 if different, 2 if trouble.\n"
    assert fetch.prose_sentence(wrapped) == (
        "Exit status is 0 if inputs are the same, 1 if different, 2 if trouble."
    )
    for not_prose in (
        "%s: cannot stat the file given on the command line.",  # printf placeholder
        "  -a, --all    do not ignore entries starting with .\n",  # option table
        "Usage: the program reads FILE.\n  -n, --number   number all output lines.\n",
        "Print newline, word, and byte counts for each FILE",  # no full stop
        "Invalid argument.",  # too short
        "one file was found in the directory given.",  # no capital
        "Try again later.\x00Try again later, all of you.",  # plural entry
        "Reading the input file and then writing it out again...",  # ellipsis
    ):
        assert fetch.prose_sentence(not_prose) is None, not_prose


def test_flatten_joins_chinese_lines_without_a_space() -> None:
    assert fetch.flatten("指定的\n文件不存在。", "zh_CN") == "指定的文件不存在。"
    assert fetch.flatten("FIFO 文件\n没有设备号。", "zh_CN") == "FIFO 文件没有设备号。"
    assert fetch.flatten("Zeile eins\n  Zeile zwei.", "de") == "Zeile eins Zeile zwei."


@pytest.fixture(scope="module")
def data_folder() -> Path:
    folder = fetch.cache_dir()
    if fetch.load_manifest(folder) is None:
        pytest.skip(
            f"the quality benchmark's catalogues are not in the cache ({folder}); "
            "run `.venv/bin/python scripts/fetch_quality_data.py` (needs apt-get) first"
        )
    return Path(folder)


def test_a_real_catalogue_reads_and_yields_only_sentences(data_folder: Path) -> None:
    catalogue = fetch.read_mo(data_folder / "coreutils" / "zh_CN" / "coreutils.mo")
    assert len(catalogue) > 1000 and "" not in catalogue
    pairs = fetch.sentence_pairs(data_folder, "en-zh", 30, seed=1)
    assert len(pairs) == 30
    assert len({pair.source for pair in pairs}) == 30  # deduplicated
    for pair in pairs:
        assert fetch.prose_sentence(pair.source) == pair.source
        assert 5 <= _words(pair.source) <= 30 and pair.source.endswith(".")
        assert "%" not in pair.source + pair.reference and "\n" not in pair.reference
        assert CJK.search(pair.reference), pair
        assert pair.package in fetch.PACKAGES


def test_the_sample_is_fixed_by_its_seed_and_zh_en_is_the_reverse(data_folder: Path) -> None:
    first = fetch.sentence_pairs(data_folder, "en-zh", 20, seed=1)
    assert fetch.sentence_pairs(data_folder, "en-zh", 20, seed=1) == first
    assert fetch.sentence_pairs(data_folder, "en-zh", 20, seed=2) != first
    for pair in fetch.sentence_pairs(data_folder, "zh-en", 10, seed=1):
        assert CJK.search(pair.source) and fetch.prose_sentence(pair.reference) == pair.reference
    for pair in fetch.sentence_pairs(data_folder, "en-de", 10, seed=1):
        assert not CJK.search(pair.reference) and pair.reference != pair.source


# --- planted facts by thirds ---------------------------------------------------------------


def _paragraphs(count: int = 60) -> list[str]:
    return [f"Paragraph {i} explains how loops, names and scopes work." for i in range(count)]


def test_facts_spread_evenly_and_each_third_is_read_from_its_position() -> None:
    document, facts = quality.plant_facts(_paragraphs(), 6)
    assert quality.facts_by_third(facts) == [2, 2, 2]
    for fact in facts:
        assert fact.sentence in document and document.index(fact.sentence) == fact.position
        assert fact.third == min(2, 3 * fact.position // len(document))
    assert [fact.position for fact in facts] == sorted(fact.position for fact in facts)


def test_a_fact_counts_as_kept_by_its_surname_or_its_number() -> None:
    _document, facts = quality.plant_facts(_paragraphs(), 6)
    first, middle, last = facts[0], facts[2], facts[5]
    assert (first.third, middle.third, last.third) == (0, 1, 2)
    summary = f"Reviewed by {first.surname.lower()}; the build {last.number[0]},{last.number[1:]}."
    assert quality.kept_by_third(summary, facts) == [1, 0, 1]
    assert quality.kept_by_third(f"Release 1{middle.number}7 shipped.", facts) == [0, 0, 0]
    assert quality.kept_by_third(f"Audit {middle.number} passed.", facts) == [0, 1, 0]
    assert quality.kept_by_third("", facts) == [0, 0, 0]


def test_the_reference_document_has_room_for_every_fact_and_a_third_of_them_each() -> None:
    paragraphs = quality.reference_paragraphs(lambda text: len(text) // 4, 7000)
    assert sum(len(p) // 4 for p in paragraphs) >= 7000 * 0.95
    _document, facts = quality.plant_facts(paragraphs, 12)
    assert quality.facts_by_third(facts) == [4, 4, 4]
    with pytest.raises(ValueError, match="at most"):
        quality.plant_facts(paragraphs, len(quality.PEOPLE) + 1)


# --- copied share and the cut-off baseline -------------------------------------------------


def test_copied_share_counts_words_inside_long_shared_runs() -> None:
    document = "The quick brown fox jumps over the lazy dog near the old river bank today."
    eight = "the quick brown fox jumps over the lazy"
    assert quality.copied_share(f"{eight} and then slept well.", document) == 8 / 12
    assert quality.copied_share("The Quick, brown fox: jumps over the LAZY dog!", document) == 1.0
    assert quality.copied_share("the quick brown fox jumps over the cat", document) == 0.0
    assert quality.copied_share("", document) == 0.0


def test_cut_to_fit_keeps_whole_paragraphs_from_the_start() -> None:
    paragraphs = ["one two three", "four five", "six seven eight nine"]
    assert quality.cut_to_fit(_words, paragraphs, 5) == "one two three\n\nfour five"
    assert quality.cut_to_fit(_words, paragraphs, 2) == ""
