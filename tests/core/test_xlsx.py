"""forlob.core.xlsx: what every Excel download of the app is written with."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from forlob.core import xlsx
from tests.helpers import COPENHAGEN, UTC


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(_body(response)))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize(
    "typed",
    ["=HYPERLINK(\"http://evil.example\",\"klik\")", "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(A1)",
     "\t=1", "\r=1"],
)  # fmt: skip
def test_text_a_spreadsheet_would_run_stays_text(typed):
    assert xlsx.safe(typed) == "'" + typed
    assert xlsx.cell_value(typed) == "'" + typed


def test_harmless_values_are_written_as_they_are():
    assert xlsx.safe("Karen Zacho") == "Karen Zacho"
    assert xlsx.safe(-3) == -3  # numbers are not text: a negative number stays a number
    assert xlsx.cell_value(None) is None
    assert xlsx.cell_value(7) == 7
    assert xlsx.cell_value(date(2026, 6, 1)) == date(2026, 6, 1)
    assert xlsx.cell_value(gettext_lazy("Yes")) in ("Yes", "Ja")


def test_aware_times_become_copenhagen_wall_clock_and_control_characters_go():
    moment = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
    assert xlsx.cell_value(moment) == datetime(2026, 6, 1, 10, 30)
    assert xlsx.cell_value(datetime(2026, 6, 1, 10, 30, tzinfo=COPENHAGEN)).tzinfo is None
    assert xlsx.cell_value("Note\x00 with\x07 bell") == "Note with bell"


def test_sheet_titles_are_valid():
    assert xlsx.sheet_title("Forløb: 2026/Q1 [udkast]?") == "Forløb  2026 Q1  udkast"
    assert len(xlsx.sheet_title("x" * 40)) == 31
    assert xlsx.sheet_title("///") == "Ark"


def test_a_list_download_is_a_never_cached_workbook_with_title_notes_header_and_rows(db):
    response = xlsx.xlsx_response(
        xlsx.dated_filename("liste", date(2026, 6, 1)),
        "Indbakke",
        ["Borger", "Modtaget", "Tid", "Note"],
        [
            ["Karen Zacho", date(2026, 5, 30), datetime(2026, 6, 2, 8, 0, tzinfo=UTC), "=1+1"],
            ["Ib Olsen", None, None, ""],
        ],
        notes=["Team Ortopædi", ""],
        column_widths=(30, 12),
    )
    assert response["Content-Type"] == xlsx.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="liste-20260601.xlsx"'
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    rows = _rows(response)
    assert rows[0][0] == "Indbakke"
    assert rows[1][0] == "Team Ortopædi"  # empty notes are left out
    assert all(cell is None for cell in rows[2])
    assert rows[3] == ("Borger", "Modtaget", "Tid", "Note")
    assert rows[4] == (
        "Karen Zacho",
        datetime(2026, 5, 30),
        datetime(2026, 6, 2, 10, 0),
        "'=1+1",
    )
    assert rows[5][:2] == ("Ib Olsen", None)
    assert len(rows) == 6


def test_the_headings_stay_in_view_and_dates_look_like_dates(db):
    response = xlsx.xlsx_response(
        "x.xlsx",
        "T",
        ["A", "B"],
        [[date(2026, 6, 1), datetime(2026, 6, 1, 9, 15)]],
        notes=["one note"],
    )
    workbook = load_workbook(io.BytesIO(_body(response)))
    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "A5"  # title, note, blank line and headings
    assert sheet["A5"].number_format == xlsx.DATE_FORMAT
    assert sheet["B5"].number_format == xlsx.DATETIME_FORMAT
    assert sheet["A4"].font.bold


def test_workbooks_are_written_in_write_only_mode(monkeypatch, db):
    """Write-only (streaming) workbooks: a long list never sits in memory as cell objects."""
    made = []
    real = xlsx.new_workbook

    def spy():
        workbook = real()
        made.append(workbook)
        return workbook

    monkeypatch.setattr(xlsx, "new_workbook", spy)
    response = xlsx.xlsx_response("x.xlsx", "T", ["n"], ([i] for i in range(5000)))
    [workbook] = made
    assert workbook.write_only
    body = _body(response)
    assert zipfile.is_zipfile(io.BytesIO(body))
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    assert sheet.max_row == 3 + 5000  # no notes: title, blank line, headings, the rows
    assert sheet.cell(row=5003, column=1).value == 4999


def test_a_failing_writer_leaves_no_response_and_no_open_file(db):
    def broken(out):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        xlsx.workbook_response("x.xlsx", broken)


def test_one_row_per_citizen_for_the_audit_trail():
    class Row:
        def __init__(self, pk, citizen_id):
            self.pk, self.citizen_id = pk, citizen_id

    rows = [Row(1, 10), Row(2, 11), Row(3, 10), Row(4, None)]
    assert [r.pk for r in xlsx.one_per_citizen(rows)] == [1, 2]
