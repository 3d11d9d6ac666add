"""The README's access matrix is generated from the policy and cannot drift from it."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command

from forlob.access.matrix import END, START, matrix_markdown, replace_block
from forlob.access.policy import ROLE_ACTIONS, Action
from forlob.core.choices import Role

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_holds_the_matrix_the_code_generates():
    text = README.read_text(encoding="utf-8")
    assert replace_block(text) == text, (
        "README.md's access matrix is out of date: run `forlob access-matrix --write README.md`"
    )


def test_the_matrix_has_a_row_per_role_and_a_tick_per_allowed_action():
    rows = [line for line in matrix_markdown().splitlines() if line.startswith("| ")][1:]
    rows = [row for row in rows if "---" not in row]
    assert len(rows) == len(Role)
    ticks = sum(row.count("✓") for row in rows)
    assert ticks == sum(len(actions) for actions in ROLE_ACTIONS.values())
    manager = next(row for row in rows if "(`manager`)" in row)
    assert "no citizen records" in manager
    assert len(Action) + 2 == manager.count("|") - 1


def test_write_replaces_only_the_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nstale\n{END}\noutro\n", encoding="utf-8")
    call_command("access_matrix", write=str(readme))
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("outro\n")
    assert "stale" not in text
    assert matrix_markdown() in text
