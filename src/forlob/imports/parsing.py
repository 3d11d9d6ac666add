"""From a file to checked rows: the frame every kind (referrals, staff, calendars) plugs into.

Parsing never writes. ``parse`` reads the table (``tabular.read_table``), hands each row to the
kind's ``row`` method, then lets the kind check across rows and against the database
(``finish``: duplicates, existing records). The result holds the rows that passed (``Item``),
every problem with its row and column (``Problem``), and a preview of the first rows.

A problem's message comes from this module or a service's ``ValidationError``; it never contains
a value from the file. The preview masks anything that looks like a CPR number, whatever column
it stands in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, time
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.citizens import cpr as cprlib
from forlob.core.cells import parse_date, yes_no
from forlob.imports.tabular import (
    MESSAGE_EMPTY,
    Column,
    FileColumn,
    TooManyRows,
    UnreadableFile,
    normalise,
    read_table,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from forlob.core.models import Municipality, User

V = TypeVar("V")
Progress = Callable[[int, int], None]

MAX_PROBLEMS = 1000  # kept and shown; the count says how many there were in all
PREVIEW_ROWS = 50

MESSAGE_REQUIRED = gettext_noop("A value is required.")
MESSAGE_TOO_LONG = gettext_noop("At most %(max)d characters.")
MESSAGE_BAD_DATE = gettext_noop("Not a date (write YYYY-MM-DD or DD-MM-YYYY).")
MESSAGE_BAD_TIME = gettext_noop("Not a time of day (write HH:MM).")
MESSAGE_BAD_CHOICE = gettext_noop("Unknown value; write one of: %(values)s.")
MESSAGE_BAD_NUMBER = gettext_noop("Write a whole number from %(min)d to %(max)d.")
MESSAGE_BAD_YES_NO = gettext_noop("Write ja or nej (yes or no), or leave it empty.")
MESSAGE_CONFLICT = gettext_noop(
    "The row could not be saved: it conflicts with data saved meanwhile. Try the import again."
)

LOCATION_CELL = gettext_noop("Row %(row)d, column %(letter)s (%(column)s)")
LOCATION_COLUMN = gettext_noop("Row %(row)d, column %(column)s")
LOCATION_ROW = gettext_noop("Row %(row)d")
LOCATION_HEADER = gettext_noop("Header row")
LOCATION_FILE = gettext_noop("File")

# Row statuses (the preview's words for them are in ``STATUS_LABELS``).
NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
STATUS_LABELS = {
    NEW: gettext_noop("New"),
    CHANGED: gettext_noop("Changed"),
    UNCHANGED: gettext_noop("Unchanged"),
    ERROR: gettext_noop("Error"),
}

_CPR_LIKE = re.compile(r"(?<!\d)(\d{6})[- ]?(\d{4})(?!\d)")


def mask_cpr_like(value: str) -> str:
    """Anything shaped like a CPR number, anywhere in a cell, shown as ``010190-****``."""
    return _CPR_LIKE.sub(r"\1-****", value)


@dataclass
class Problem:
    row: int | None = None  # None: the file or its header
    column: str = ""  # the column's name as written in the file
    letter: str = ""  # its spreadsheet letter
    message: str = ""
    header: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "letter": self.letter,
            "message": self.message,
            "header": self.header,
        }


def location(problem: dict[str, Any]) -> str:
    """Where a (stored) problem is: "Række 4, kolonne B (cpr)", "Række 4", "Kolonneoverskrifter"."""
    if problem.get("row") and problem.get("column") and not problem.get("letter"):
        return _(LOCATION_COLUMN) % {"row": problem["row"], "column": problem["column"]}
    if problem.get("row") and problem.get("column"):
        return _(LOCATION_CELL) % {
            "row": problem["row"],
            "letter": problem.get("letter", ""),
            "column": problem["column"],
        }
    if problem.get("row"):
        return _(LOCATION_ROW) % {"row": problem["row"]}
    return _(LOCATION_HEADER) if problem.get("header") else _(LOCATION_FILE)


def problem_text(problem: dict[str, Any]) -> str:
    return f"{location(problem)}: {problem['message']}"


@dataclass
class Item:
    """One row that passed its checks, ready to be written."""

    row: int
    data: Any
    status: str = NEW
    note: str = ""


@dataclass
class ParseResult:
    kind: str
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rows: int = 0
    columns: dict[str, FileColumn] = field(default_factory=dict)
    failed_rows: set[int] = field(default_factory=set)
    preview: list[dict[str, object]] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)  # e.g. {"removed": 3} for the summary

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if problem.row is not None:
            self.failed_rows.add(problem.row)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def counts(self) -> dict[str, int]:
        out = {NEW: 0, CHANGED: 0, UNCHANGED: 0}
        for item in self.items:
            out[item.status] = out.get(item.status, 0) + 1
        return {**out, **self.extra}


@dataclass
class Context:
    """What a kind needs while it checks one file."""

    kind: Kind
    municipality: Municipality
    actor: User | AnonymousUser
    today: date
    result: ParseResult
    state: dict[str, Any] = field(default_factory=dict)  # the kind's lookups

    def error(self, row: int, key: str, message: str) -> None:
        """A problem at a cell; a column the file lacks is named by its Danish name."""
        column = self.result.columns.get(key)
        known = next((c for c in self.kind.columns if c.key == key), None)
        self.result.add(
            Problem(
                row=row,
                column=column.header if column else (known.danish if known else key),
                letter=column.letter if column else "",
                message=message,
            )
        )

    def row_error(self, row: int, message: str) -> None:
        self.result.add(Problem(row=row, message=message))


def choices(pairs: Iterable[tuple[V, object]], **extra: V) -> dict[str, V]:
    """Every way to write a choice: its code, its English and its Danish label (normalised)."""
    out: dict[str, V] = {}
    for value, label in pairs:
        out[normalise(str(value))] = value
        out[normalise(str(label))] = value
        with translation.override("da"):
            out[normalise(str(label))] = value
    for name, value in extra.items():
        out[normalise(name)] = value
    return out


def parse_time(value: str) -> time | None:
    """``8``, ``8:30``, ``08.30``, ``08:30:00`` → a time of day."""
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?", value.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class Row:
    """One data row being read; each helper records a problem at its cell when it must."""

    def __init__(self, ctx: Context, number: int, cells: dict[str, str]) -> None:
        self.ctx = ctx
        self.number = number
        self.cells = cells
        self._before = ctx.result.problem_count

    @property
    def failed(self) -> bool:
        return self.number in self.ctx.result.failed_rows

    def present(self, key: str) -> bool:
        """Whether the file has this column at all (an empty cell is still present)."""
        return key in self.ctx.result.columns

    def raw(self, key: str) -> str:
        return self.cells.get(key, "")

    def error(self, key: str, message: str) -> None:
        self.ctx.error(self.number, key, message)

    def text(self, key: str, max_length: int, *, required: bool = False) -> str:
        value = self.raw(key)
        if required and not value:
            self.error(key, _(MESSAGE_REQUIRED))
        elif len(value) > max_length:
            self.error(key, _(MESSAGE_TOO_LONG) % {"max": max_length})
            return ""
        return value

    def date(self, key: str, *, required: bool = False) -> date | None:
        value = self.raw(key)
        if not value:
            if required:
                self.error(key, _(MESSAGE_REQUIRED))
            return None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", value):  # an Excel date with a time
            value = value[:10]
        parsed = parse_date(value)
        if parsed is None:
            self.error(key, _(MESSAGE_BAD_DATE))
        return parsed

    def time(self, key: str, *, required: bool = False) -> time | None:
        value = self.raw(key)
        if not value:
            if required:
                self.error(key, _(MESSAGE_REQUIRED))
            return None
        parsed = parse_time(value)
        if parsed is None:
            self.error(key, _(MESSAGE_BAD_TIME))
        return parsed

    def choice(
        self, key: str, options: dict[str, V], *, shown: Iterable[str], required: bool = False
    ) -> V | None:
        value = self.raw(key)
        if not value:
            if required:
                self.error(key, _(MESSAGE_REQUIRED))
            return None
        found = options.get(normalise(value))
        if found is None:
            self.error(key, _(MESSAGE_BAD_CHOICE) % {"values": ", ".join(shown)})
        return found

    def integer(self, key: str, low: int, high: int) -> int | None:
        value = self.raw(key)
        if not value:
            return None
        if not re.fullmatch(r"\d{1,6}", value) or not low <= int(value) <= high:
            self.error(key, _(MESSAGE_BAD_NUMBER) % {"min": low, "max": high})
            return None
        return int(value)

    def yes_no(self, key: str) -> bool | None:
        value, ok = yes_no(self.raw(key))
        if not ok:
            self.error(key, _(MESSAGE_BAD_YES_NO))
        return value

    def cpr(self, key: str, *, required: bool = True) -> str | None:
        """The CPR number's 10 digits; the message never repeats the number."""
        value = self.raw(key)
        if not value:
            if required:
                self.error(key, _(MESSAGE_REQUIRED))
            return None
        try:
            return cprlib.parse(value).digits
        except Exception as exc:  # ValidationError, or anything odd: never echo the value
            messages = getattr(exc, "messages", None)
            self.error(key, str(messages[0]) if messages else str(cprlib.MESSAGE_FORMAT))
            return None


class Kind:
    """One kind of import. Subclasses describe their columns and implement the three steps."""

    key: str = ""
    columns: tuple[Column, ...] = ()
    preview_columns: tuple[str, ...] = ()  # the file's columns shown in the preview

    def start(self, ctx: Context) -> None:
        """Load the lookups (types, teams, users) the rows are checked against."""

    def row(self, ctx: Context, row: Row) -> Item | None:
        raise NotImplementedError

    def finish(self, ctx: Context) -> None:
        """Checks across rows and against existing records; may set items' status and note."""

    def write(self, ctx: Context, items: list[Item], progress: Progress) -> dict[str, int]:
        """Save the items (called inside one transaction); returns the counts for the summary."""
        raise NotImplementedError

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def template_rows(self) -> list[list[str]]:
        height = max((len(c.example) for c in self.columns), default=0)
        return [
            [c.example[i] if i < len(c.example) else "" for c in self.columns]
            for i in range(height)
        ]


class RowFailed(Exception):
    """A row that passed the check could not be saved: the whole import is rolled back."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(row=row, message=message)


@contextmanager
def saving(row: int) -> Iterator[None]:
    """Turn a failure while one row is written into ``RowFailed`` naming that row.

    The message is the service's (Danish, no values) or a general one: a database error's own
    text may quote the row's values, a CPR number among them.
    """
    try:
        yield
    except ValidationError as exc:
        raise RowFailed(row, exc.messages[0]) from None
    except IntegrityError:
        raise RowFailed(row, _(MESSAGE_CONFLICT)) from None


def parse(
    kind: Kind,
    content: bytes,
    *,
    municipality: Municipality,
    actor: User | AnonymousUser,
    today: date,
    max_rows: int,
    progress: Progress | None = None,
) -> tuple[ParseResult, Context]:
    """Check a whole file. Writes nothing; the result lists every problem (up to the cap)."""
    result = ParseResult(kind=kind.key)
    ctx = Context(kind=kind, municipality=municipality, actor=actor, today=today, result=result)
    table = read_table(content, kind.columns, max_rows=max_rows)
    for file_problem in table.problems:
        result.add(Problem(message=file_problem.message, header=file_problem.header))
    if table.problems:
        return result, ctx
    result.columns = table.columns
    kind.start(ctx)
    raw_preview: list[tuple[int, list[str]]] = []
    try:
        for number, cells in table.rows:
            result.rows += 1
            row: Row = Row(ctx, number, cells)
            item = kind.row(ctx, row)
            if item is not None and not row.failed:
                result.items.append(item)
            if len(raw_preview) < PREVIEW_ROWS:
                raw_preview.append(
                    (number, [mask_cpr_like(cells.get(k, ""))[:60] for k in kind.preview_columns])
                )
            if progress is not None:
                progress(result.rows, max(table.estimated_rows, result.rows))
        if progress is not None:
            progress(result.rows, result.rows)  # the estimate was only an estimate
    except (TooManyRows, UnreadableFile) as exc:
        result.items, result.problems, result.problem_count = [], [], 0
        result.failed_rows.clear()
        result.add(Problem(message=str(exc)))
        return result, ctx
    finally:
        table.close()
    if not result.rows:
        result.add(Problem(message=_(MESSAGE_EMPTY)))
        return result, ctx
    kind.finish(ctx)
    result.items = [i for i in result.items if i.row not in result.failed_rows]
    by_row = {i.row: i for i in result.items}
    for number, cells in raw_preview:
        item = by_row.get(number)
        result.preview.append(
            {
                "row": number,
                "status": item.status if item is not None else ERROR,
                "note": item.note if item is not None else "",
                "cells": cells,
            }
        )
    return result, ctx
