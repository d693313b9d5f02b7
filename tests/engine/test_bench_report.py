"""The benchmark report: verdicts against targets, and rows of other modules kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import __main__ as report


def test_verdicts_follow_the_target_kind() -> None:
    assert report.verdict({"ratio": 0.97, "target": 0.95}) == "yes"
    assert report.verdict({"ratio": 0.90, "target": 0.95}) == "NO"
    assert report.verdict({"value": 42.0, "target": "< 50 ms"}) == "yes"
    assert report.verdict({"value": 0.7, "target": "<= 0.5"}) == "NO"
    assert report.verdict({"value": 1200, "target": ">= 1,000"}) == "yes"
    assert report.verdict({"value": 3.0, "target": ""}) == ""


def test_a_partial_run_keeps_the_other_modules_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "latest.md"
    monkeypatch.setattr(report, "RESULTS", results)
    old = report.table_lines(
        [
            ("engine", {"benchmark": "decode | speed", "value": 1.0, "ratio": 1.0, "target": 1}),
            ("history", {"benchmark": "search", "value": 5.0, "unit": "ms", "target": "< 50"}),
        ],
        "2026-01-01 10:00",
    )
    results.write_text("\n".join(["# old", "", report.HEADER, *old, ""]), encoding="utf-8")

    kept = report.earlier_lines(results, {"engine"})
    assert len(kept) == 1 and kept[0].startswith("| history | search | 5 | ms |")
    assert kept[0].endswith("| yes |  | 2026-01-01 10:00 |")
    assert report.earlier_lines(results, {"engine", "history"}) == []
    assert report.earlier_lines(tmp_path / "missing.md", set()) == []


def test_every_bench_module_is_discovered() -> None:
    names = report.discover()
    assert "engine" in names and "__main__" not in names and "__init__" not in names
    with pytest.raises(SystemExit, match="unknown benchmark"):
        report.discover(["no_such_bench"])


def test_headers_of_an_older_report_are_not_taken_for_rows(tmp_path: Path) -> None:
    old = tmp_path / "latest.md"
    old.write_text(
        "| module | benchmark | value |\n|---|---|---|\n| history | open | 3 |\n", encoding="utf-8"
    )
    assert report.earlier_lines(old, {"engine"}) == ["| history | open | 3 |"]
