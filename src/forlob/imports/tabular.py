"""Reading a table from an uploaded file: CSV (any usual dialect) or Excel .xlsx.

Nothing here knows about referrals or staff: a file becomes a header and rows of text cells, and
the header is matched against a kind's columns (``Column``), each known by an English and a
Danish name. Cells come back as stripped strings; Excel dates, times and numbers are written the
way the parsers read them (``2026-06-01``, ``08:30``, ``12``).

* CSV: UTF-8 with or without BOM, else Windows-1252; ``;``, ``,`` or tab as separator, told from
  the header line (column names hold none of them).
* xlsx: the first sheet, read with openpyxl in read-only mode (streamed, so a large file does not
  fill the memory).

No message ever contains a value from the file: a CPR number in the wrong column must not reach
the page or a log. An unknown column is named only when its name holds no run of digits.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.core.cells import decode

MESSAGE_NOT_TEXT = gettext_noop(
    "The file could not be read. Save it as CSV (UTF-8) or as an Excel workbook (.xlsx)."
)
MESSAGE_OLD_EXCEL = gettext_noop(
    "Old Excel files (.xls) cannot be read. Save the file as .xlsx or as CSV (UTF-8)."
)
MESSAGE_BAD_XLSX = gettext_noop("The Excel file could not be opened; save it again as .xlsx.")
MESSAGE_EMPTY = gettext_noop("The file holds no rows.")
MESSAGE_NO_HEADER = gettext_noop("The first row must hold the column names.")
MESSAGE_MISSING_COLUMN = gettext_noop("The column %(column)s is missing.")
MESSAGE_UNKNOWN_COLUMN = gettext_noop("Unknown column %(column)s.")
MESSAGE_UNKNOWN_COLUMN_UNNAMED = gettext_noop("Unknown column (the name is not shown).")
MESSAGE_DUPLICATE_COLUMN = gettext_noop("The column %(column)s occurs more than once.")
MESSAGE_TOO_MANY_ROWS = gettext_noop("The file has more than %(max)d rows; split it.")


@dataclass(frozen=True)
class Column:
    """One column of a kind's schema: the README, the template and the parser read this."""

    key: str  # the English name
    danish: str  # the Danish name (used in the template file)
    required: bool
    description: Promise | str
    aliases: tuple[str, ...] = ()
    cpr: bool = False  # an Excel number here lost its leading zero: pad it back to 10 digits
    example: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {normalise(n) for n in (self.key, self.danish, *self.aliases)}


def normalise(name: str) -> str:
    """How column names are compared: case, Danish letters, spaces and dashes do not matter.

    >>> normalise(" Diagnoseområde "), normalise("CPR-nummer"), normalise("E-mail")
    ('diagnoseomraade', 'cpr_nummer', 'e_mail')
    """
    name = name.strip().casefold()
    for letter, spelled in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        name = name.replace(letter, spelled)
    return re.sub(r"[^0-9a-z]+", "_", name).strip("_")


def letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 → A, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


@dataclass(frozen=True)
class FileColumn:
    index: int
    header: str  # as written in the file (safe to show: checked for digit runs)
    key: str  # the schema key

    @property
    def letter(self) -> str:
        return letter(self.index)


@dataclass
class FileProblem:
    """A problem with the file or its header (no row)."""

    message: str
    header: bool = False  # in the header row rather than the whole file


@dataclass
class Table:
    columns: dict[str, FileColumn] = field(default_factory=dict)  # by schema key
    rows: Iterator[tuple[int, dict[str, str]]] = field(default_factory=lambda: iter(()))
    estimated_rows: int = 0
    problems: list[FileProblem] = field(default_factory=list)

    def close(self) -> None:
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()


def _looks_like_data(header: str) -> bool:
    return bool(re.search(r"\d{4,}", header))


def _match_header(
    cells: list[str], columns: tuple[Column, ...]
) -> tuple[dict[str, FileColumn], list[FileProblem]]:
    by_name = {name: c for c in columns for name in c.names()}
    found: dict[str, FileColumn] = {}
    problems: list[FileProblem] = []
    if not any(cells) or any(_looks_like_data(c) for c in cells):
        # Data where the header should be: never echo it (it may hold a CPR number).
        return {}, [FileProblem(_(MESSAGE_NO_HEADER), header=True)]
    for index, raw in enumerate(cells):
        if not raw:
            continue
        column = by_name.get(normalise(raw))
        if column is None:
            shown = raw[:40]
            problems.append(
                FileProblem(
                    _(MESSAGE_UNKNOWN_COLUMN) % {"column": shown}
                    if shown == raw
                    else _(MESSAGE_UNKNOWN_COLUMN_UNNAMED),
                    header=True,
                )
            )
        elif column.key in found:
            problems.append(FileProblem(_(MESSAGE_DUPLICATE_COLUMN) % {"column": raw}, header=True))
        else:
            found[column.key] = FileColumn(index=index, header=raw, key=column.key)
    for column in columns:
        if column.required and column.key not in found:
            problems.append(
                FileProblem(_(MESSAGE_MISSING_COLUMN) % {"column": column.danish}, header=True)
            )
    return found, problems


def read_table(content: bytes, columns: tuple[Column, ...], *, max_rows: int) -> Table:
    """The file's header matched against ``columns``, and an iterator over its data rows.

    Rows are numbered as a spreadsheet shows them (the header is row 1); empty rows are skipped
    but keep their number. The iterator raises ``TooManyRows`` past ``max_rows`` data rows.
    """
    if content[:4] == b"PK\x03\x04":
        return _read_xlsx(content, columns, max_rows=max_rows)
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return Table(problems=[FileProblem(_(MESSAGE_OLD_EXCEL))])
    return _read_csv(content, columns, max_rows=max_rows)


class TooManyRows(Exception):
    def __init__(self, max_rows: int) -> None:
        super().__init__(_(MESSAGE_TOO_MANY_ROWS) % {"max": max_rows})


def _read_csv(content: bytes, columns: tuple[Column, ...], *, max_rows: int) -> Table:
    text = decode(content)
    if text is None or "\x00" in text:
        return Table(problems=[FileProblem(_(MESSAGE_NOT_TEXT))])
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        return Table(problems=[FileProblem(_(MESSAGE_EMPTY))])
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except (csv.Error, StopIteration):
        return Table(problems=[FileProblem(_(MESSAGE_NOT_TEXT))])
    found, problems = _match_header(header, columns)
    if problems:
        return Table(problems=problems)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        count = 0
        try:
            for number, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                count += 1
                if count > max_rows:
                    raise TooManyRows(max_rows)
                yield (
                    number,
                    {
                        key: (cells[c.index].strip() if c.index < len(cells) else "")
                        for key, c in found.items()
                    },
                )
        except csv.Error:
            raise UnreadableFile from None

    # Lines less the header: an estimate for the progress bar (a quoted cell may span lines).
    return Table(columns=found, rows=rows(), estimated_rows=max(text.count("\n") - 1, 1))


class UnreadableFile(Exception):
    def __init__(self) -> None:
        super().__init__(_(MESSAGE_NOT_TEXT))


def excel_text(value: object, *, cpr: bool = False) -> str:
    """An Excel cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):  # a time typed as a duration ([t]:mm)
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}" if 0 <= minutes < 24 * 60 else ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        # A CPR number typed as a number loses its leading zero: 0101401234 → 101401234.
        return f"{value:010d}" if cpr and 0 <= value < 10**10 else str(value)
    return str(value).strip()


def _read_xlsx(content: bytes, columns: tuple[Column, ...], *, max_rows: int) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        header = [excel_text(v) for v in next(iterator, ())]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
        return Table(problems=[FileProblem(_(MESSAGE_BAD_XLSX))])
    if not any(header):
        workbook.close()
        return Table(problems=[FileProblem(_(MESSAGE_EMPTY))])
    found, problems = _match_header(header, columns)
    if problems:
        workbook.close()
        return Table(problems=problems)
    by_key = {c.key: c for c in columns}
    estimated = max((sheet.max_row or 2) - 1, 1)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        count = 0
        try:
            # Read-only sheets yield an empty row for each missing one, so numbers stay true.
            for number, values in enumerate(iterator, start=2):
                if not any(v is not None and str(v).strip() for v in values):
                    continue
                count += 1
                if count > max_rows:
                    raise TooManyRows(max_rows)
                yield (
                    number,
                    {
                        key: excel_text(
                            values[c.index] if c.index < len(values) else None,
                            cpr=by_key[key].cpr,
                        )
                        for key, c in found.items()
                    },
                )
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            raise UnreadableFile from None
        finally:
            workbook.close()

    return Table(columns=found, rows=rows(), estimated_rows=estimated)
