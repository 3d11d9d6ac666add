"""The list behind a number: names for related citizens only, pseudonyms for managers and
analysts, nothing of another municipality; audited reads; the same rows in Excel."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from forlob.access.models import AccessLog
from forlob.core.choices import Role
from forlob.monitoring.pseudonyms import age_band, screen_pseudonym
from tests.factories import TeamFactory, UserFactory
from tests.helpers import at
from tests.monitoring.support import S, day, gop, offer, pathway

pytestmark = pytest.mark.usefixtures("frozen")

PARAMS = {"period": "month", "year": "2026", "month": "5"}


def list_url(code: str = "gop_offer_share") -> str:
    return reverse("monitoring:list", args=[code])


def xlsx_url(code: str = "gop_offer_share") -> str:
    return reverse("monitoring:list_xlsx", args=[code])


@pytest.fixture
def may(org_a, org_b, therapist):
    """Three decided GOPs in May 2026: one of the therapist's team, two that are not."""
    m = org_a.municipality
    neuro = TeamFactory(unit=org_a.unit, name="Team Neurologi")
    mine = gop(m, date(2026, 5, 4))
    offer(mine, at(date(2026, 5, 5), 9), team=org_a.team, responsible=therapist)
    other = gop(m, date(2026, 5, 6))
    offer(other, at(date(2026, 5, 20), 9), team=neuro)  # late, another team
    never = gop(m, date(2026, 5, 10), team=neuro)  # never offered, deadline passed
    theirs = gop(org_b.municipality, date(2026, 5, 4))  # another municipality
    offer(theirs, at(date(2026, 5, 5), 9), team=org_b.team)
    return {"mine": mine, "other": other, "never": never, "theirs": theirs}


def rows(response) -> list:
    return response.context["page"].rows


def test_care_role_sees_names_of_related_citizens_only(client_for, therapist, may):
    before = AccessLog.objects.count()
    response = client_for(therapist).get(list_url(), PARAMS)
    assert response.status_code == 200
    page = response.context["page"]
    assert (page.total, page.visible, page.hidden) == (3, 1, 2)
    [row] = page.rows
    assert row.named and row.name == may["mine"].citizen.full_name
    assert row.cpr_masked.endswith("****")
    html = response.content.decode()
    assert may["mine"].citizen.full_name in html
    assert may["mine"].citizen.cpr not in html  # masked only
    for key in ("other", "never", "theirs"):
        assert may[key].citizen.last_name + "" not in html or may[key].citizen.full_name not in html
        assert screen_pseudonym(may[key].citizen.pk) not in html
    # One audited read for the one citizen named.
    [log] = AccessLog.objects.order_by("pk")[before:]
    assert (log.citizen_id, log.operation, log.kind) == (
        may["mine"].citizen_id,
        "monitoring_list",
        "read",
    )


@pytest.mark.parametrize("who", ["manager", "analyst"])
def test_manager_and_analyst_see_pseudonyms_only(client_for, request, who, may):
    actor = request.getfixturevalue(who)
    before = AccessLog.objects.count()
    response = client_for(actor).get(list_url(), PARAMS)
    assert response.status_code == 200
    page = response.context["page"]
    assert (page.total, page.visible, page.hidden) == (3, 3, 0)
    assert not any(r.named for r in page.rows)
    html = response.content.decode()
    for key in ("mine", "other", "never"):
        citizen = may[key].citizen
        assert citizen.full_name not in html
        assert citizen.cpr[:6] not in html
        assert screen_pseudonym(citizen.pk) in html
        assert age_band(citizen.birth_date, may[key].received_date) in html
    assert screen_pseudonym(may["theirs"].citizen.pk) not in html
    # The list is recorded once, naming nobody.
    [log] = AccessLog.objects.order_by("pk")[before:]
    assert (log.citizen_id, log.operation) == (None, "monitoring_list:pseudonymised")


def test_a_user_with_both_roles_sees_names_where_related_and_pseudonyms_elsewhere(
    client_for, may, org_a, therapist
):
    from forlob.core.models import RoleAssignment

    RoleAssignment.objects.create(user=therapist, role=Role.MANAGER)
    therapist.__dict__.pop("role_codes", None)
    page = client_for(therapist).get(list_url(), PARAMS).context["page"]
    assert (page.total, page.visible) == (3, 3)
    assert sorted(r.named for r in page.rows) == [False, False, True]


def test_another_municipality_sees_none_of_it(client_for, outsider, may, org_b):
    response = client_for(outsider).get(list_url(), PARAMS)
    assert response.status_code == 200
    page = response.context["page"]
    assert page.total == 1  # their own GOP only
    html = response.content.decode()
    for key in ("mine", "other", "never"):
        assert may[key].citizen.full_name not in html
    b_manager = UserFactory(municipality=org_b.municipality, roles=[Role.MANAGER])
    page = client_for(b_manager).get(list_url(), PARAMS).context["page"]
    assert [r.citizen_id for r in page.rows] == [may["theirs"].citizen_id]


def test_parts_and_breakdown_keys(client_for, analyst, may):
    c = client_for(analyst)
    numerator = c.get(list_url(), {**PARAMS, "part": "numerator"}).context["page"]
    assert [r.citizen_id for r in numerator.rows] == [may["mine"].citizen_id]
    medical = c.get(list_url(), {**PARAMS, "key": "area=medical"}).context["page"]
    assert medical.total == 0
    # Nonsense parts and keys fall back or match nothing; they never fail.
    assert c.get(list_url(), {**PARAMS, "part": "x" * 300}).status_code == 200
    assert c.get(list_url(), {**PARAMS, "key": "x" * 300}).status_code == 200
    assert c.get(list_url(), {**PARAMS, "page": "-3"}).status_code == 200


def test_a_referral_without_pathway_is_listed_as_a_referral(client_for, analyst, may):
    page = client_for(analyst).get(list_url(), PARAMS).context["page"]
    never = next(r for r in page.rows if r.citizen_id == may["never"].citizen_id)
    assert never.kind == "referral" and never.first_offered is None


@pytest.mark.parametrize(
    "code",
    [
        "gop_offer_share",
        "gop_median_days",
        "pathway_volume",
        "completion_rate",
        "dropout_rate",
        "completion_low_literacy",
        "staff_caseload",
    ],
)
def test_every_core_kpi_has_a_list(client_for, analyst, org_a, code):
    pathway(
        org_a.municipality,
        created=day(2026, 4, 1),
        status=S.COMPLETED,
        ended=day(2026, 5, 2),
        literacy="low",
    )
    response = client_for(analyst).get(list_url(code), PARAMS)
    assert response.status_code == 200


def test_unknown_kpi_is_404_and_roles_without_key_figures_403(client_for, analyst, homecare_worker):
    assert client_for(analyst).get(list_url("nope")).status_code == 404
    assert client_for(homecare_worker).get(list_url()).status_code == 403
    assert client_for(homecare_worker).get(xlsx_url()).status_code == 403
    response = client_for(None).get(list_url())
    assert response.status_code == 302
    assert client_for(analyst).post(list_url()).status_code == 405


def _sheet(response) -> list[tuple]:
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(wb.worksheets[0].iter_rows(values_only=True))


def test_excel_for_a_care_role_has_names_of_related_citizens_masked_cpr(client_for, therapist, may):
    before = AccessLog.objects.count()
    response = client_for(therapist).get(xlsx_url(), PARAMS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    table = _sheet(response)
    cells = [c for row in table for c in row if c is not None]
    assert may["mine"].citizen.full_name in cells
    assert may["mine"].citizen.cpr not in "".join(map(str, cells))
    assert may["other"].citizen.full_name not in cells
    data_rows = table[4:]
    assert len(data_rows) == 1
    [log] = AccessLog.objects.order_by("pk")[before:]
    assert (log.citizen_id, log.operation) == (may["mine"].citizen_id, "monitoring_list_export")


def test_excel_for_an_analyst_is_pseudonymised(client_for, analyst, may):
    table = _sheet(client_for(analyst).get(xlsx_url(), PARAMS))
    header = table[3]
    assert "Pseudonym" in header or any("seudonym" in str(h) for h in header)
    text = " ".join(str(c) for row in table for c in row if c is not None)
    for key in ("mine", "other", "never"):
        citizen = may[key].citizen
        assert citizen.full_name not in text and citizen.cpr[:6] not in text
        assert screen_pseudonym(citizen.pk) in text
    assert len(table[4:]) == 3


def test_kpi_tables_to_excel(client_for, manager, may):
    response = client_for(manager).get(reverse("monitoring:kpis_xlsx"), PARAMS)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    summary = list(wb.worksheets[0].iter_rows(values_only=True))
    gop_row = next(r for r in summary if r and r[1] is not None and r[0] and "7" in str(r[0]))
    assert gop_row[1] == pytest.approx(1 / 3)  # one of three in time
    assert len(wb.worksheets) == 1 + 7  # a sheet per KPI
    assert AccessLog.objects.filter(operation="monitoring_kpi_export", actor=manager).exists()
