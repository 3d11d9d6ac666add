"""Checking and importing files in tests, without the web pages."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from forlob.imports.parsing import ParseResult
from forlob.imports.services import import_file
from tests.helpers import TODAY


def run(kind, content, org, *, actor=None, dry_run=False, today=TODAY):
    """(result, counts): counts is None when nothing was written."""
    return import_file(
        kind=kind,
        content=content,
        municipality=org.municipality,
        actor=actor or AnonymousUser(),
        filename="test.csv",
        dry_run=dry_run,
        today=today,
    )


def check(kind, content, org, *, actor=None, today=TODAY) -> ParseResult:
    result, counts = run(kind, content, org, actor=actor, dry_run=True, today=today)
    assert counts is None
    return result


def problems(result: ParseResult) -> list[tuple[int | None, str, str, str]]:
    """(row, letter, column, message) of every problem, in the order found."""
    return [(p.row, p.letter, p.column, p.message) for p in result.problems]
