"""Reading files: CSV dialects (encoding, BOM, separator), Excel, and what is wrong with a file."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from forlob.imports import tabular
from forlob.imports.parsing import mask_cpr_like
from forlob.referrals.models import Referral
from tests.factories import make_cpr
from tests.helpers import tr
from tests.imports.conftest import csv_bytes, xlsx_bytes
from tests.imports.helpers import check, problems, run

CPR = make_cpr(date(1940, 1, 1), 123)  # starts with 0: Excel would drop it
assert CPR.startswith("0")
HEADER = ["CPR", "Fornavn", "Efternavn", "Henvisningstype", "Modtaget", "Diagnoseområde"]
ROW = [CPR, "Søren", "Ærø-Åberg", "free_physio", "2026-05-29", "ortopædkirurgisk"]


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8-sig"), (";", "utf-8"), (",", "utf-8"), ("\t", "utf-8"), (";", "cp1252")],
    ids=["semicolon-bom", "semicolon", "comma", "tab", "windows-1252"],
)
def test_csv_dialects_read_the_same(org_a, delimiter, encoding):
    content = csv_bytes([HEADER, ROW], delimiter=delimiter, encoding=encoding)
    result, _counts = run("referrals", content, org_a)
    assert problems(result) == []
    referral = Referral.objects.get()
    assert (referral.citizen.first_name, referral.citizen.last_name) == ("Søren", "Ærø-Åberg")
    assert referral.diagnosis_area == "orthopaedic"


def test_a_comma_file_with_quoted_commas_in_cells(org_a):
    header = [*HEADER, "afsender"]
    content = csv_bytes([header, [*ROW, "Lægehuset, Vestergade 2"]], delimiter=",")
    run("referrals", content, org_a)
    assert Referral.objects.get().sender == "Lægehuset, Vestergade 2"


def test_excel_numbers_dates_and_blank_rows(org_a):
    """A CPR typed as a number lost its leading zero; dates are date cells; a blank row keeps
    the row numbers true."""
    rows = [
        HEADER,
        [int(CPR), "Søren", "Ærø", "free_physio", datetime(2026, 5, 29), "ortopædkirurgisk"],
        [None] * 6,
        [int(CPR), "Søren", "Ærø", "free_physio", "hverken", "ortopædkirurgisk"],
    ]
    result = check("referrals", xlsx_bytes(rows), org_a)
    assert [(p[0], p[1], p[2]) for p in problems(result)] == [(4, "E", "Modtaget")]
    assert result.items[0].data.cpr == CPR
    assert result.items[0].data.received_date == date(2026, 5, 29)
    assert [p["row"] for p in result.preview] == [2, 4]


def test_excel_cells_become_the_text_a_csv_would_hold():
    assert tabular.excel_text(101401234, cpr=True) == "0101401234"
    assert tabular.excel_text(101401234) == "101401234"
    assert tabular.excel_text(3.0) == "3"
    assert tabular.excel_text(time(8, 30)) == "08:30"
    assert tabular.excel_text(datetime(2026, 6, 1, 0, 0)) == "2026-06-01"
    assert tabular.excel_text(True) == "ja"
    assert tabular.excel_text(None) == ""


def test_an_excel_file_is_known_by_its_content_not_its_name(org_a):
    result, counts = run("referrals", xlsx_bytes([HEADER, ROW]), org_a)
    assert problems(result) == [] and counts == {"new": 1, "unchanged": 0}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", tabular.MESSAGE_EMPTY),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", tabular.MESSAGE_OLD_EXCEL),
        (b"PK\x03\x04broken", tabular.MESSAGE_BAD_XLSX),
        (b"cpr;navn\x00\x81\x8d", tabular.MESSAGE_NOT_TEXT),
    ],
    ids=["empty", "xls", "broken-xlsx", "binary"],
)
def test_a_file_that_cannot_be_read(org_a, content, message):
    result = check("referrals", content, org_a)
    assert problems(result) == [(None, "", "", tr(message))]


def test_a_header_with_only_a_header_row_has_no_rows(org_a):
    result = check("referrals", csv_bytes([HEADER]), org_a)
    assert problems(result) == [(None, "", "", tr(tabular.MESSAGE_EMPTY))]


def test_data_where_the_header_should_be_is_never_echoed(org_a):
    result = check("referrals", csv_bytes([ROW, ROW]), org_a)
    assert problems(result) == [(None, "", "", tr(tabular.MESSAGE_NO_HEADER))]
    assert CPR not in str(result.problems)


def test_a_column_name_with_a_run_of_digits_is_not_shown(org_a):
    header = [*HEADER, "x0101401234"]
    result = check("referrals", csv_bytes([header, [*ROW, ""]]), org_a)
    assert problems(result) == [(None, "", "", tr(tabular.MESSAGE_NO_HEADER))]
    assert "0101401234" not in str(result.problems)


def test_unknown_columns_are_named_and_duplicates_refused(org_a):
    header = [*HEADER, "Farve", "cpr-nummer"]
    result = check("referrals", csv_bytes([header, [*ROW, "rød", CPR]]), org_a)
    assert [m for *_, m in problems(result)] == [
        tr(tabular.MESSAGE_UNKNOWN_COLUMN) % {"column": "Farve"},
        tr(tabular.MESSAGE_DUPLICATE_COLUMN) % {"column": "cpr-nummer"},
    ]


def test_too_many_rows(org_a, settings):
    settings.FORLOB_IMPORT_MAX_ROWS = 2
    result = check("referrals", csv_bytes([HEADER, ROW, ROW, ROW]), org_a)
    assert problems(result) == [(None, "", "", tr(tabular.MESSAGE_TOO_MANY_ROWS) % {"max": 2})]
    assert result.items == []


def test_column_names_compare_without_case_spaces_or_danish_letters():
    assert tabular.normalise(" Diagnoseområde ") == tabular.normalise("diagnoseomraade")
    assert tabular.normalise("Maks. nye pr. dag") == "maks_nye_pr_dag"
    assert tabular.letter(0) == "A" and tabular.letter(25) == "Z" and tabular.letter(27) == "AB"


def test_anything_like_a_cpr_number_is_masked_in_the_preview():
    assert mask_cpr_like("ring 010140-1234 el. 0101401234") == "ring 010140-**** el. 010140-****"
    assert mask_cpr_like("tlf 12345678") == "tlf 12345678"
