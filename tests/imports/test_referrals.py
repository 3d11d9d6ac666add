"""Referrals: the row rules, the write through the referral service, idempotence, atomicity."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from forlob.access.models import AccessLog
from forlob.citizens.models import Citizen
from forlob.imports.kinds import referrals as kind
from forlob.imports.parsing import (
    MESSAGE_BAD_CHOICE,
    MESSAGE_BAD_DATE,
    MESSAGE_CONFLICT,
    MESSAGE_REQUIRED,
    UNCHANGED,
)
from forlob.imports.tabular import MESSAGE_MISSING_COLUMN
from forlob.referrals.models import Referral
from forlob.referrals.services import (
    MESSAGE_CPR_ELSEWHERE,
    MESSAGE_NAME_FOR_NEW_CITIZEN,
    MESSAGE_RECEIVED_FUTURE,
)
from forlob.referrals.services import MESSAGE_REQUIRED as MESSAGE_TYPE_REQUIRES
from tests.factories import CitizenFactory, make_cpr
from tests.helpers import TODAY, tr
from tests.imports.conftest import csv_bytes
from tests.imports.helpers import check, problems, run

HEADER = [
    "ekstern_id", "cpr", "fornavn", "efternavn", "henvisningstype", "modtaget", "udskrevet",
    "niveau", "diagnoseområde", "sygdom", "team",
]  # fmt: skip
CPR_A = make_cpr(date(1940, 1, 1), 123)
CPR_B = make_cpr(date(1950, 2, 2), 234)


def gop(eid="EPJ-1", cpr=CPR_A, first="Karen", last="Hansen", discharged=TODAY - timedelta(2)):
    return [eid, cpr, first, last, "gop", TODAY.isoformat(), discharged.isoformat(), "basal",
            "ortopædkirurgisk", "", ""]  # fmt: skip


def chronic(eid="EPJ-2", cpr=CPR_B, first="Jens", last="Jensen"):
    return [eid, cpr, first, last, "Forløbsprogram for kronisk sygdom", "29.05.2026", "", "",
            "", "KOL", ""]  # fmt: skip


def test_a_good_file_is_checked_without_writing_anything(org_a):
    content = csv_bytes([HEADER, gop(), chronic()])
    before = (Referral.objects.count(), Citizen.objects.count(), AccessLog.objects.count())
    result = check("referrals", content, org_a)
    assert problems(result) == []
    assert [i.row for i in result.items] == [2, 3]
    # The preview: statuses, the deadline from the referral rules, masked CPR numbers.
    assert [p["status"] for p in result.preview] == ["new", "new"]
    assert "06.06.2026" in result.preview[0]["note"]  # discharged 30 May + 7 days
    assert result.preview[0]["cells"][1] == f"{CPR_A[:6]}-****"
    assert CPR_A not in str(result.preview)
    assert (Referral.objects.count(), Citizen.objects.count(), AccessLog.objects.count()) == before


def test_the_import_registers_citizens_and_referrals_with_the_services_deadline(org_a):
    content = csv_bytes([HEADER, gop(), chronic()])
    _result, counts = run("referrals", content, org_a)
    assert counts == {"new": 2, "unchanged": 0}
    gop_referral = Referral.objects.get(external_id="EPJ-1")
    assert gop_referral.citizen.cpr == CPR_A
    assert gop_referral.citizen.full_name == "Karen Hansen"
    assert gop_referral.municipality == org_a.municipality
    assert gop_referral.offer_deadline == TODAY - timedelta(2) + timedelta(7)
    assert (gop_referral.gop_level, gop_referral.diagnosis_area) == ("basal", "orthopaedic")
    chronic_referral = Referral.objects.get(external_id="EPJ-2")
    assert chronic_referral.chronic_disease == "copd"
    assert chronic_referral.received_date == date(2026, 5, 29)
    assert AccessLog.objects.filter(operation="referral_register").count() == 2
    assert AccessLog.objects.filter(operation="import_referrals").count() == 1


def test_sending_the_same_file_twice_does_not_duplicate(org_a):
    content = csv_bytes([HEADER, gop(), chronic()])
    run("referrals", content, org_a)
    result, counts = run("referrals", content, org_a)
    assert counts == {"new": 0, "unchanged": 2}
    assert {i.status for i in result.items} == {UNCHANGED}
    assert Referral.objects.count() == 2
    assert Citizen.objects.count() == 2


def test_a_known_citizen_needs_no_name_and_gets_the_referral(org_a):
    citizen = CitizenFactory(municipality=org_a.municipality, cpr=CPR_A)
    run("referrals", csv_bytes([HEADER, gop(first="", last="")]), org_a)
    assert Referral.objects.get().citizen == citizen


def test_every_error_names_its_row_and_column_and_never_the_value(org_a, org_b):
    CitizenFactory(municipality=org_b.municipality, cpr=CPR_B)  # lives elsewhere
    bad_cpr = "3113401234"  # 31 November does not exist
    rows = [
        HEADER,
        gop(),  # row 2: fine
        gop(eid="EPJ-3", cpr=bad_cpr),  # row 3: CPR date
        [*gop(eid="EPJ-4")[:4], "", *gop()[5:]],  # row 4: no type
        [*gop(eid="EPJ-5")[:4], "knæ", *gop()[5:]],  # row 5: unknown type
        [*gop(eid="EPJ-6")[:5], "1. juni", *gop()[6:]],  # row 6: not a date
        [*gop(eid="EPJ-7")[:6], "", *gop()[7:]],  # row 7: GOP without discharge
        gop(eid="EPJ-8", cpr=make_cpr(date(1960, 3, 3)), first="", last=""),  # row 8: no name
        chronic(eid="EPJ-9"),  # row 9: registered in another municipality
        gop(eid="EPJ-1", cpr=make_cpr(date(1970, 4, 4))),  # row 10: external id twice
        [*gop(eid="EPJ-11")[:10], "Team Ukendt"],  # row 11: unknown team
        [*gop(eid="EPJ-12")[:5], (TODAY + timedelta(1)).isoformat(), *gop()[6:]],  # row 12
    ]
    result = check("referrals", csv_bytes(rows), org_a)
    found = problems(result)
    assert found == [
        (3, "B", "cpr", tr("The CPR number does not contain a valid date of birth.")),
        (4, "E", "henvisningstype", tr(MESSAGE_REQUIRED)),
        (5, "E", "henvisningstype", found[2][3]),
        (6, "F", "modtaget", tr(MESSAGE_BAD_DATE)),
        (7, "G", "udskrevet", tr(MESSAGE_TYPE_REQUIRES)),
        (11, "K", "team", tr(kind.MESSAGE_UNKNOWN_TEAM)),
        (12, "F", "modtaget", tr(MESSAGE_RECEIVED_FUTURE)),
        (10, "A", "ekstern_id", tr(kind.MESSAGE_DUPLICATE_EXTERNAL_ID) % {"other": 2}),
        (8, "C", "fornavn", tr(MESSAGE_NAME_FOR_NEW_CITIZEN)),
        (8, "D", "efternavn", tr(MESSAGE_NAME_FOR_NEW_CITIZEN)),
        (9, "B", "cpr", tr(MESSAGE_CPR_ELSEWHERE)),
    ]
    assert found[2][3].startswith(tr(MESSAGE_BAD_CHOICE).split(";")[0])
    assert "gop" in found[2][3]  # the message lists the codes to use
    text = str(found)
    assert bad_cpr not in text and CPR_B not in text and bad_cpr[:6] not in text
    assert [p["status"] for p in result.preview] == ["new", *["error"] * 10]
    assert [i.row for i in result.items] == [2]


def test_an_error_on_the_last_row_leaves_nothing(org_a):
    rows = [HEADER, gop(), chronic(), gop(eid="EPJ-3", cpr="12")]
    result, counts = run("referrals", csv_bytes(rows), org_a)
    assert counts is None
    assert problems(result)[0][:3] == (4, "B", "cpr")
    assert not Referral.objects.exists() and not Citizen.objects.exists()


def test_a_row_that_fails_while_written_rolls_back_every_row(org_a, monkeypatch):
    """The check passed, but the last row fails in the service: nothing at all is kept."""
    real = kind.referral_register_by_cpr
    calls = []

    def failing(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            from django.db import IntegrityError

            raise IntegrityError("duplicate key value (0101401234)")
        return real(**kwargs)

    monkeypatch.setattr(kind, "referral_register_by_cpr", failing)
    rows = [HEADER, gop(), chronic(), gop(eid="EPJ-3", cpr=make_cpr(date(1945, 5, 5)))]
    result, counts = run("referrals", csv_bytes(rows), org_a)
    assert counts is None
    assert problems(result) == [(4, "", "", tr(MESSAGE_CONFLICT))]
    assert not Referral.objects.exists()
    assert not Citizen.objects.exists()
    assert not AccessLog.objects.filter(operation__startswith="import").exists()


def test_an_external_id_of_another_citizen_is_refused(org_a):
    run("referrals", csv_bytes([HEADER, gop()]), org_a)
    result = check("referrals", csv_bytes([HEADER, gop(cpr=CPR_B)]), org_a)
    assert problems(result) == [(2, "A", "ekstern_id", tr(kind.MESSAGE_EXTERNAL_ID_TAKEN))]


def test_english_column_names_and_a_missing_optional_column(org_a):
    header = ["external_id", "CPR-nummer", "first_name", "last_name", "referral_type", "received"]
    row = ["X-1", CPR_A, "Karen", "Hansen", "free_physio", TODAY.isoformat()]
    result, _counts = run("referrals", csv_bytes([header, row]), org_a)
    assert problems(result) == []
    assert Referral.objects.get().referral_type.code == "free_physio"


@pytest.mark.parametrize("missing", ["cpr", "henvisningstype", "modtaget"])
def test_a_missing_required_column_is_named(org_a, missing):
    header = [h for h in HEADER if h != missing]
    result = check("referrals", csv_bytes([header, gop()[:-1]]), org_a)
    assert problems(result) == [(None, "", "", tr(MESSAGE_MISSING_COLUMN) % {"column": missing})]
    assert result.problems[0].header
