"""Parley's benchmarks: ``python -m bench`` (or ``make bench``) runs them all.

Every module here that defines ``run() -> list[dict]`` is a benchmark; each row it returns is
``{"benchmark", "value", "unit", "baseline", "ratio", "target"}``. The runner prints one
Markdown table and keeps it in ``bench/results/latest.md``.
"""
