"""Excel workbooks: the one way the app writes them (list pages, key figures, the audit log).

openpyxl's write-only mode streams rows to a temporary file, so memory stays flat however long a
list is; the response hands that file to the browser and closes it. Every cell goes through
``cell_value``: text a spreadsheet would run as a formula gets a leading apostrophe ("=HYPERLINK"
typed into a note stays text), control characters Excel cannot store are dropped, and aware times
become Copenhagen wall-clock times (Excel has no time zones).

A list page's download (``xlsx_response``) is one sheet: the title, a line per filter in use, a
blank line, the column headings (frozen) and the rows the page shows.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BAD_TITLE_CHARACTERS = "[]:*?/\\"
_PLAIN = (bool, int, float, Decimal, date, time)


def safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe.

    Names, notes and reasons are typed by users; "=HYPERLINK(...)" must stay text (CSV/formula
    injection). Anything else is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def cell_value(value: object) -> object:
    """What a cell may hold: numbers, dates and times as themselves, everything else as safe text.

    Aware datetimes become naive Copenhagen time; lazy translations and model instances become
    their text; characters an XLSX file cannot hold (NUL and other control characters) go.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or (isinstance(value, _PLAIN) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return safe(text) if text else None  # no text: an empty cell


def sheet_title(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``, never empty."""
    for bad in _BAD_TITLE_CHARACTERS:
        title = title.replace(bad, " ")
    return title.strip()[:31] or "Ark"


class Sheet:
    """One worksheet of a write-only workbook: rows are appended and never read back."""

    def __init__(self, workbook: Any, title: str, widths: Iterable[int] = ()) -> None:
        from openpyxl.utils import get_column_letter

        self.sheet = workbook.create_sheet(title=sheet_title(str(title)))
        for i, width in enumerate(widths, start=1):
            if width:
                self.sheet.column_dimensions[get_column_letter(i)].width = width

    def header(self, cells: Iterable[object]) -> None:
        """A row of bold column headings."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        bold = Font(bold=True)
        row = []
        for value in cells:
            cell = WriteOnlyCell(self.sheet, value=cell_value(str(value)))
            cell.font = bold
            row.append(cell)
        self.sheet.append(row)

    def row(
        self,
        cells: Iterable[object],
        percent_columns: Iterable[int] = (),
        number_formats: Mapping[int, str] | None = None,
    ) -> None:
        """A row of values; ``percent_columns`` (0-based) show shares 0..1 as percentages."""
        from openpyxl.cell import WriteOnlyCell

        wanted = set(percent_columns)
        formats = number_formats or {}
        out = []
        for i, raw in enumerate(cells):
            value = cell_value(raw)
            cell = WriteOnlyCell(self.sheet, value=value)
            if i in formats:
                cell.number_format = formats[i]
            elif i in wanted and isinstance(value, float):
                cell.number_format = PERCENT_FORMAT
            elif isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            out.append(cell)
        self.sheet.append(out)

    def title(self, text: object) -> None:
        """A bold line of text (a heading above a table)."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        cell = WriteOnlyCell(self.sheet, value=cell_value(str(text)))
        cell.font = Font(bold=True, size=12)
        self.sheet.append([cell])

    def blank(self) -> None:
        self.sheet.append([])

    def freeze(self, cell: str) -> None:
        """Keep the rows above and the columns left of ``cell`` in view while scrolling.

        Call it before the first row: a write-only sheet writes its view settings with the
        first row.
        """
        self.sheet.freeze_panes = cell


def new_workbook() -> Any:
    from openpyxl import Workbook

    return Workbook(write_only=True)


def write_table(
    out: IO[bytes],
    *,
    title: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    notes: Sequence[str] = (),
    column_widths: Sequence[int] = (),
    sheet: str = "",
) -> int:
    """One sheet: title, notes, a blank line, the headings and the rows; returns the row count."""
    workbook = new_workbook()
    count = write_table_sheet(
        workbook,
        title=title,
        header=header,
        rows=rows,
        notes=notes,
        column_widths=column_widths,
        sheet=sheet,
    )
    workbook.save(out)
    return count


def write_table_sheet(
    workbook: Any,
    *,
    title: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    notes: Sequence[str] = (),
    column_widths: Sequence[int] = (),
    sheet: str = "",
) -> int:
    """Add a table sheet to ``workbook`` (for downloads with more than one table)."""
    page = Sheet(workbook, sheet or title, column_widths)
    notes = [n for n in notes if n]
    page.freeze(f"A{4 + len(notes)}")  # title, notes, blank line and headings stay in view
    page.title(title)
    for note in notes:
        page.row([note])
    page.blank()
    page.header(header)
    count = 0
    for cells in rows:
        page.row(cells)
        count += 1
    return count


def dated_filename(stem: str, day: date | None = None) -> str:
    """``stem-YYYYMMDD.xlsx``; stems are plain ASCII (no names, never a CPR number)."""
    return f"{stem}-{day or timezone.localdate():%Y%m%d}.xlsx"


def workbook_response(filename: str, write: Callable[[IO[bytes]], object]) -> FileResponse:
    """Run ``write(out)`` into a temporary file and send it as a download that is never cached.

    The file lives on disk, not in memory, and ``FileResponse`` closes (and so deletes) it when
    the response has been sent.
    """
    out = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    try:
        write(out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    response = FileResponse(
        out, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
    add_never_cache_headers(response)  # names of citizens: never kept in a shared cache
    return response


def xlsx_response(
    filename: str,
    title: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    notes: Sequence[str] = (),
    column_widths: Sequence[int] = (),
) -> FileResponse:
    """A list page as a one-sheet workbook download (see ``write_table``)."""
    return workbook_response(
        filename,
        lambda out: write_table(
            out, title=title, header=header, rows=rows, notes=notes, column_widths=column_widths
        ),
    )


def one_per_citizen(objects: Iterable[Any]) -> list[Any]:
    """The first object of each citizen (``citizen_id``, or the citizen itself): an export's
    audit trail names each citizen shown once, however many rows the citizen has."""
    seen: set[int] = set()
    first = []
    for obj in objects:
        citizen_id = getattr(obj, "citizen_id", None)
        if citizen_id is None and type(obj).__name__ == "Citizen":
            citizen_id = obj.pk
        if citizen_id is None or citizen_id in seen:
            continue
        seen.add(citizen_id)
        first.append(obj)
    return first
