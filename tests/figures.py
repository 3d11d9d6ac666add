"""Figures a test run reports at the end (security coverage, leaks, audit completeness).

Tests call ``record(name, value, of)``; each xdist worker appends JSON lines to a file in a
directory the controller created (passed to workers through the environment), and the
controller sums them per name and prints them after the test summary. Running one test file
prints the figures of that file only.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest

ENV = "FORLOB_TEST_FIGURES_DIR"


def record(name: str, value: int, of: int) -> None:
    """Add ``value`` out of ``of`` to the figure ``name`` (e.g. "leaked" of "tried")."""
    directory = os.environ.get(ENV)
    if not directory:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(Path(directory) / f"{worker}.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"name": name, "value": value, "of": of}) + "\n")


def configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        os.environ[ENV] = tempfile.mkdtemp(prefix="forlob-figures-")


def totals() -> dict[str, tuple[int, int]]:
    directory = os.environ.get(ENV)
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    if directory:
        for path in sorted(Path(directory).glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                sums[row["name"]][0] += row["value"]
                sums[row["name"]][1] += row["of"]
    return {name: (v, of) for name, (v, of) in sums.items()}


def summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    figures = totals()
    if not figures:
        return
    terminalreporter.section("figures")
    width = max(len(name) for name in figures)
    for name in sorted(figures):
        value, of = figures[name]
        terminalreporter.write_line(f"{name:<{width}}  {value} / {of}")
