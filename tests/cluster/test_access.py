"""Negative tests for the cluster URLs that do not fit the generic matrix (url_matrix.py).

* anonymous → login; wrong method → 405
* roles without the right → 403 (import: therapist, manager; audit: assessor, homecare worker)
* another municipality's follow-up row or audit case → 404, the same as a missing id
* a follow-up row of a citizen outside the user's scope → 404 and a denied row in the log
* managers see audit cases without names; names only for citizens in the user's scope
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.cluster.models import AuditCase, FollowUpVisit
from forlob.cluster.services import audit_sample_draw
from forlob.core.choices import Role
from tests.cluster.helpers import ADMIT, DISCHARGE, event
from tests.factories import CitizenFactory, UserFactory
from tests.helpers import TODAY

pytestmark = pytest.mark.usefixtures("frozen")
Q1 = date(2026, 1, 1)


@pytest.fixture
def data(org_a, org_b, manager):
    """A follow-up row and an audit case in each municipality; A's with a named citizen."""
    rows = {}
    for org, tag in ((org_a, "a"), (org_b, "b")):
        m = org.municipality
        citizen = CitizenFactory(municipality=m, first_name=f"Borger{tag.upper()}", last_name="X")
        rows[f"visit_{tag}"] = event(
            m, TODAY - timedelta(days=2), DISCHARGE, age=85, citizen=citizen, person=f"v{tag}"
        ).follow_up
        for i in range(4):
            event(m, Q1 + timedelta(days=10 * i), ADMIT, citizen=citizen, person=f"c{tag}")
        drawer = manager if tag == "a" else UserFactory(municipality=m, roles=[Role.MANAGER])
        [rows[f"case_{tag}"]] = audit_sample_draw(actor=drawer, period_start=Q1)
        rows[f"citizen_{tag}"] = citizen
    return rows


def _urls(data):
    visit, case = data["visit_a"], data["case_a"]
    return [
        ("get", reverse("cluster:import")),
        ("post", reverse("cluster:import")),
        ("post", reverse("cluster:follow_up_update", args=[visit.pk])),
        ("get", reverse("cluster:audit")),
        ("post", reverse("cluster:audit_draw")),
        ("get", reverse("cluster:audit_case", args=[case.pk])),
        ("post", reverse("cluster:audit_case", args=[case.pk])),
    ]


def test_anonymous_is_sent_to_login(client_for, data):
    for method, url in _urls(data):
        response = getattr(client_for(None), method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_wrong_methods_are_405(client_for, analyst, therapist, data):
    visit, case = data["visit_a"], data["case_a"]
    c = client_for(analyst)
    for method, url in (
        ("put", reverse("cluster:import")),
        ("get", reverse("cluster:audit_draw")),
        ("post", reverse("cluster:audit")),
        ("delete", reverse("cluster:audit_case", args=[case.pk])),
        ("post", reverse("cluster:import_template")),
    ):
        assert getattr(c, method)(url).status_code == 405, url
    assert (
        client_for(therapist).get(reverse("cluster:follow_up_update", args=[visit.pk])).status_code
        == 405
    )


def test_roles_without_the_right_get_403(
    client_for, therapist, manager, assessor, homecare_worker, data
):
    case = data["case_a"]
    before = AuditCase.objects.count()
    for user in (therapist, manager):
        assert client_for(user).get(reverse("cluster:import")).status_code == 403
        assert client_for(user).post(reverse("cluster:import")).status_code == 403
    for user in (assessor, homecare_worker):
        c = client_for(user)
        assert c.get(reverse("cluster:audit")).status_code == 403
        assert c.post(reverse("cluster:audit_draw"), {"quarter": "2026-2"}).status_code == 403
        assert c.get(reverse("cluster:audit_case", args=[case.pk])).status_code == 403
    assert AuditCase.objects.count() == before


def test_another_municipalitys_rows_answer_as_missing(client_for, therapist, manager, data):
    theirs_visit, theirs_case = data["visit_b"], data["case_b"]
    c = client_for(therapist)
    url = reverse("cluster:follow_up_update", args=[theirs_visit.pk])
    missing = reverse("cluster:follow_up_update", args=[10**9])
    body = {f"v{theirs_visit.pk}-screened": "yes"}
    theirs, nothing = c.post(url, body), c.post(missing, body)
    assert theirs.status_code == nothing.status_code == 404
    assert FollowUpVisit.objects.get(pk=theirs_visit.pk).screened is None
    m = client_for(manager)
    theirs = m.get(reverse("cluster:audit_case", args=[theirs_case.pk]))
    nothing = m.get(reverse("cluster:audit_case", args=[10**9]))
    assert theirs.status_code == nothing.status_code == 404
    assert (
        m.post(reverse("cluster:audit_case", args=[theirs_case.pk]), {"findings": "x"}).status_code
        == 404
    )
    assert AuditCase.objects.get(pk=theirs_case.pk).findings == ""
    assert data["citizen_b"].first_name not in theirs.content.decode()


def test_follow_up_of_a_citizen_out_of_scope_is_404_and_logged(
    client_for, therapist, manager, org_a
):
    citizen = CitizenFactory(municipality=org_a.municipality)
    # Discharged 60 days ago, no visit agreed: no longer a relation.
    visit = event(
        org_a.municipality, TODAY - timedelta(days=60), DISCHARGE, age=85, citizen=citizen
    ).follow_up
    url = reverse("cluster:follow_up_update", args=[visit.pk])
    for user in (therapist, manager):
        before = AccessLog.objects.count()
        response = client_for(user).post(url, {f"v{visit.pk}-screened": "yes"})
        assert response.status_code == 404
        [log] = AccessLog.objects.order_by("id")[before:]
        assert log.outcome == "denied"
    assert FollowUpVisit.objects.get(pk=visit.pk).screened is None


def test_malformed_ids_are_404(client_for, therapist, manager):
    for bad in ("abc", "-1", "9" * 30):
        assert client_for(therapist).post(f"/cluster/follow-up-visits/{bad}/").status_code == 404
        assert client_for(manager).get(f"/cluster/audit/{bad}/").status_code == 404


def test_audit_list_names_only_citizens_in_scope(client_for, manager, therapist, data):
    """A manager (no citizen records) sees the case without a name; a therapist sees the name
    once the citizen is in scope (here through the recent discharge), and that read is logged."""
    page = client_for(manager).get(reverse("cluster:audit"), {"quarter": "2026-1"})
    [row] = page.context["rows"]
    assert row["named"] is False
    assert data["citizen_a"].first_name not in page.content.decode()
    assert not AccessLog.objects.filter(operation="audit_list").exists()
    page = client_for(therapist).get(reverse("cluster:audit"), {"quarter": "2026-1"})
    [row] = page.context["rows"]
    assert row["named"] is True and data["citizen_a"].full_name in page.content.decode()
    [log] = AccessLog.objects.filter(operation="audit_list")
    assert (log.citizen, log.actor) == (data["citizen_a"], therapist)
    # Other municipality's sample is never listed.
    assert data["citizen_b"].first_name not in page.content.decode()


def test_audit_case_page_names_only_in_scope(client_for, manager, therapist, data):
    url = reverse("cluster:audit_case", args=[data["case_a"].pk])
    assert data["citizen_a"].first_name not in client_for(manager).get(url).content.decode()
    html = client_for(therapist).get(url).content.decode()
    assert data["citizen_a"].full_name in html
    assert AccessLog.objects.filter(operation="audit_case", citizen=data["citizen_a"]).count() == 1
