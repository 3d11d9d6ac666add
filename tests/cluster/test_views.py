"""The cluster pages as a user sees them: overview, import, follow-up list, audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.cluster.models import AuditCase, FollowUpVisit, HospitalEvent, PopulationFigure
from forlob.cluster.services import MESSAGE_IMPORT_REJECTED
from forlob.cluster.views import MESSAGE_IMPORTED
from tests.cluster.helpers import ADMIT, DISCHARGE, csv_bytes, csv_row, event
from tests.factories import CitizenFactory
from tests.helpers import TODAY, counts, flash, tr

pytestmark = pytest.mark.usefixtures("frozen")
OVERVIEW = reverse("cluster:overview")


def _upload(content: bytes, name: str = "haendelser.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


# --- overview -------------------------------------------------------------------------------------


def test_overview_shows_the_months_figures_with_explanations(client_for, manager, org_a, org_b):
    m = org_a.municipality
    PopulationFigure.objects.create(municipality=m, year=2026, population_65_plus=4000)
    citizen = CitizenFactory(municipality=m, first_name="Hemmelig", last_name="Borgersen")
    event(m, date(2026, 2, 2), ADMIT, age=80, diagnosis="DE86", person="a", citizen=citizen)
    event(m, date(2026, 2, 9), DISCHARGE, person="a", citizen=citizen)
    event(m, date(2026, 2, 20), ADMIT, person="a", citizen=citizen)
    event(org_b.municipality, date(2026, 2, 2), DISCHARGE, person="b")
    response = client_for(manager).get(OVERVIEW)
    assert response.status_code == 200
    html = response.content.decode()
    overview = response.context["overview"]
    feb = overview.months[1]
    assert (feb.discharges, feb.preventable_65, feb.readmissions.numerator) == (1, 1, 1)
    assert feb.preventable_per_1000 == 0.25
    assert 'data-month="2026-02"' in html and 'data-month="2026-03" class="no-data"' in html
    assert 'id="definitions"' in html  # the plain explanations are on the page
    municipalities = [c["overview"].municipality for c in response.context["comparison"]]
    assert municipalities == sorted([m, org_b.municipality], key=lambda x: x.name)
    assert "Hemmelig" not in html and citizen.cpr_masked not in html
    # Looking at figures reads no citizen data: nothing in the audit log.
    assert not AccessLog.objects.exists()


def test_overview_filters_and_bad_values_fall_back(client_for, manager, org_a, org_b):
    event(org_b.municipality, date(2025, 5, 2), DISCHARGE)
    c = client_for(manager)
    response = c.get(OVERVIEW, {"municipality": org_b.municipality.pk, "year": 2025})
    assert response.context["municipality"] == org_b.municipality
    assert response.context["overview"].total.discharges == 1
    response = c.get(OVERVIEW, {"municipality": "x", "year": "1800", "sector": "dental"})
    assert response.status_code == 200
    assert (response.context["municipality"], response.context["year"]) == (
        org_a.municipality,
        2026,
    )


def test_overview_needs_key_figures(client_for, homecare_worker, manager):
    assert client_for(None).get(OVERVIEW).status_code == 302
    assert client_for(homecare_worker).get(OVERVIEW).status_code == 403
    assert client_for(manager).post(OVERVIEW).status_code == 405


# --- import ---------------------------------------------------------------------------------------


def test_import_page_upload_and_redirect_to_the_overview(client_for, analyst, org_a):
    c = client_for(analyst)
    page = c.get(reverse("cluster:import"))
    assert page.status_code == 200 and 'data-testid="csv-schema"' in page.content.decode()
    rows = [csv_row(event_date="2026-05-02"), csv_row(activity_code="discharge-inpatient-home")]
    response = c.post(reverse("cluster:import"), _upload(csv_bytes(rows)))
    assert response.status_code == 302 and response["Location"] == OVERVIEW
    assert flash(response) == [
        tr(MESSAGE_IMPORTED) % {"created": 2, "updated": 0, "unchanged": 0, "follow_ups": 1}
    ]
    assert HospitalEvent.objects.count() == 2


def test_a_rejected_upload_lists_the_errors_and_saves_nothing(client_for, analyst, org_a):
    bad_cpr = "0101011234x"
    rows = [csv_row(), csv_row(cpr=bad_cpr)]
    before = counts(HospitalEvent, FollowUpVisit)
    response = client_for(analyst).post(reverse("cluster:import"), _upload(csv_bytes(rows)))
    assert response.status_code == 422
    assert counts(HospitalEvent, FollowUpVisit) == before
    html = response.content.decode()
    assert tr(MESSAGE_IMPORT_REJECTED) in html
    assert len(response.context["errors"]) == 1
    assert bad_cpr not in html and rows[0]["cpr"] not in html


def test_import_needs_the_import_right(client_for, therapist, manager):
    for user in (therapist, manager):
        assert client_for(user).get(reverse("cluster:import")).status_code == 403
        assert client_for(user).get(reverse("cluster:import_template")).status_code == 403


def test_the_template_is_a_csv_the_import_reads(client_for, analyst, org_a):
    response = client_for(analyst).get(reverse("cluster:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    from forlob.cluster.services import hospital_events_import

    result = hospital_events_import(actor=analyst, content=response.content, today=TODAY)
    assert result.created == 2


# --- follow-up home visits ------------------------------------------------------------------------


@pytest.fixture
def visits(org_a, org_b):
    m = org_a.municipality
    known = CitizenFactory(municipality=m, first_name="Kendt", last_name="Borger")
    old = CitizenFactory(municipality=m, first_name="Gammel", last_name="Udskrivning")
    recent = event(m, TODAY - timedelta(days=3), DISCHARGE, age=81, citizen=known, person="k")
    unlinked = event(m, TODAY - timedelta(days=5), DISCHARGE, age=90, person="u")
    older = event(m, TODAY - timedelta(days=60), DISCHARGE, age=85, citizen=old, person="o")
    theirs = event(org_b.municipality, TODAY - timedelta(days=2), DISCHARGE, age=88, person="t")
    return {"recent": recent, "unlinked": unlinked, "older": older, "theirs": theirs,
            "known": known, "old": old}  # fmt: skip


def test_follow_up_list_names_only_citizens_in_scope(client_for, therapist, visits):
    c = client_for(therapist)
    response = c.get(reverse("cluster:follow_ups"), {"month": "2026-05"})
    assert response.status_code == 200
    html = response.content.decode()
    rows = response.context["rows"]
    assert [r["visit"].discharge for r in rows] == [visits["recent"], visits["unlinked"]]
    assert [r["named"] for r in rows] == [True, False]
    assert "Kendt Borger" in html and visits["known"].cpr_masked in html
    # One audited read, for the one citizen named.
    [log] = AccessLog.objects.all()
    assert (log.citizen, log.operation, log.kind) == (visits["known"], "follow_up_list", "read")
    # Two months ago: the discharge is no longer a relation, the name is not shown.
    month = (TODAY - timedelta(days=60)).strftime("%Y-%m")
    older = c.get(reverse("cluster:follow_ups"), {"month": month})
    assert [r["named"] for r in older.context["rows"]] == [False]
    assert "Gammel" not in older.content.decode()
    assert older.context["counts"].discharged == 1


def test_follow_up_register_in_steps(client_for, therapist, visits):
    c = client_for(therapist)
    visit = visits["recent"].follow_up
    url = reverse("cluster:follow_up_update", args=[visit.pk])
    p = f"v{visit.pk}-"
    # Consent before screening: refused, nothing saved, the row shows the error.
    response = c.post(url, {p + "screened": "", p + "consent": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert FollowUpVisit.objects.get(pk=visit.pk).consent is None
    assert 'role="alert"' in response.content.decode()
    day = (TODAY - timedelta(days=1)).isoformat()
    response = c.post(
        url,
        {p + "screened": "yes", p + "consent": "yes", p + "visit_agreed_on": day,
         p + "visit_done_on": TODAY.isoformat()},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200
    visit.refresh_from_db()
    assert (visit.screened, visit.consent, visit.visit_done_on, visit.updated_by) == (
        True, True, TODAY, therapist,
    )  # fmt: skip
    log = AccessLog.objects.filter(kind="write").get()
    assert (log.citizen, log.operation) == (visits["known"], "follow_up_update")
    # Without htmx: back to the list with a message.
    response = c.post(url, {p + "screened": "no"})
    assert response.status_code == 302 and "#v" in response["Location"]


def test_follow_up_without_a_citizen_can_be_registered(client_for, therapist, visits):
    visit = visits["unlinked"].follow_up
    response = client_for(therapist).post(
        reverse("cluster:follow_up_update", args=[visit.pk]), {f"v{visit.pk}-screened": "no"}
    )
    assert response.status_code == 302
    assert FollowUpVisit.objects.get(pk=visit.pk).screened is False


# --- audit ----------------------------------------------------------------------------------------


def _frequent(m, person: str, n: int = 4, *, start: date = date(2026, 1, 5), **kw) -> None:
    for i in range(n):
        event(m, start + timedelta(days=14 * i), ADMIT, person=person, **kw)


def test_audit_draw_and_record_themes(client_for, manager, org_a):
    m = org_a.municipality
    for i in range(7):
        _frequent(m, f"p{i}", age=70 + i)
    _frequent(m, "three only", n=3)
    c = client_for(manager)
    page = c.get(reverse("cluster:audit"), {"quarter": "2026-1"})
    assert page.context["candidates"] == 7 and page.context["rows"] == []
    response = c.post(reverse("cluster:audit_draw"), {"quarter": "2026-1"})
    assert response.status_code == 302
    cases = list(AuditCase.objects.order_by("rank"))
    assert len(cases) == 5 and {c.admissions for c in cases} == {4}
    page = c.get(reverse("cluster:audit"), {"quarter": "2026-1"})
    assert [r["case"] for r in page.context["rows"]] == cases
    # Drawing again keeps the same sample.
    c.post(reverse("cluster:audit_draw"), {"quarter": "2026-1"})
    assert list(AuditCase.objects.order_by("rank")) == cases

    case = cases[0]
    url = reverse("cluster:audit_case", args=[case.pk])
    assert c.get(url).status_code == 200
    response = c.post(url, {"themes": [], "findings": "  "})
    assert response.status_code == 422
    from forlob.cluster.models import ImprovementTheme

    theme = ImprovementTheme.objects.get(code="follow_up_home_visits")
    response = c.post(
        url, {"themes": [theme.pk], "findings": "Ingen opfølgning efter udskrivelse."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert list(case.themes.all()) == [theme] and case.recorded_by == manager
    assert case.findings == "Ingen opfølgning efter udskrivelse."
