"""Unit-level figures: outcome shares and their splits, continuity, minutes saved; the page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from forlob.homecare import selectors, services
from forlob.homecare.models import HomecareSettings, Outcome, Visit
from forlob.homecare.services import Line
from tests.helpers import TODAY
from tests.homecare.support import build_case, provider_user, service

pytestmark = pytest.mark.usefixtures("frozen")

PERIOD_START = TODAY - timedelta(days=364)


def ended(
    *,
    assessor,
    therapist,
    provider,
    contact,
    outcome: str,
    after: int = 0,
    existing: bool = False,
    kind: str = "personal_care",
    staff: tuple = (),
    shadow: int = 120,
    before: int | None = None,
):
    """A course ended today with ``outcome``; its first visits carried out by ``staff``."""
    case = build_case(
        assessor=assessor,
        professional=therapist,
        provider=provider,
        contact_person=contact,
        existing=existing,
        kind=kind,
        shadow_minutes=shadow,
        before_minutes=before,
        times_per_week=7,
        received_on=TODAY - timedelta(days=10),
        today=TODAY - timedelta(days=10),
    )
    visits = list(case.visits.order_by("date")[: len(staff)])
    for visit, who in zip(visits, staff, strict=True):
        Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.COMPLETED, staff=who)
    services.end_save(
        actor=therapist,
        case=case,
        date_=TODAY,
        outcome=outcome,
        dropout_cause="declined" if outcome == Outcome.DROPPED_OUT else "",
        after_lines=[Line(service("Rengøring"), after)] if after else [],
        today=TODAY,
    )
    return case


@pytest.fixture
def ended_cases(assessor, therapist, private, provider_staff, municipal, homecare_worker):
    colleague = provider_user(private, first_name="Kaj", last_name="Kollega")
    k = {"assessor": assessor, "therapist": therapist}
    return [
        ended(**k, provider=private, contact=provider_staff, outcome=Outcome.SELF_RELIANT,
              staff=(provider_staff, provider_staff, colleague)),
        ended(**k, provider=private, contact=provider_staff, outcome=Outcome.SELF_RELIANT,
              existing=True, before=60, staff=(provider_staff,)),
        ended(**k, provider=private, contact=provider_staff, outcome=Outcome.LESS_HELP,
              after=30, kind="practical_help"),
        ended(**k, provider=municipal, contact=homecare_worker, outcome=Outcome.MORE_HELP,
              after=200, existing=True, before=90, shadow=150),
        ended(**k, provider=municipal, contact=homecare_worker, outcome=Outcome.DROPPED_OUT,
              staff=(homecare_worker,)),
    ]  # fmt: skip


def period(org) -> dict[str, object]:
    return {"municipality_id": org.municipality.pk, "start": PERIOD_START, "end": TODAY}


def test_outcome_shares(ended_cases, org_a):
    row = selectors.outcome_shares(**period(org_a))
    assert row.total == 5
    assert row.share(Outcome.SELF_RELIANT) == pytest.approx(0.4)
    assert row.share(Outcome.LESS_HELP) == pytest.approx(0.2)
    assert row.share(Outcome.SAME_HELP) == 0
    assert [pct for _o, _n, pct in row.cells] == [40, 20, 0, 20, 20]


def test_outcome_shares_by_provider_kind_status_and_application(ended_cases, org_a):
    by_provider = {r.label: r for r in selectors.outcome_shares_by_provider(**period(org_a))}
    assert by_provider["Privat Pleje A/S"].counts == {"self_reliant": 2, "less_help": 1}
    assert by_provider["Hjemmeplejen Nord"].total == 2
    by_kind = {r.label: r.total for r in selectors.outcome_shares_by_provider_kind(**period(org_a))}
    assert list(by_kind.values()) == [2, 3]  # municipal, private
    status = selectors.outcome_shares_by_homecare_status(**period(org_a))
    assert [r.total for r in status] == [3, 2]  # new, existing
    assert status[1].counts == {"self_reliant": 1, "more_help": 1}
    kinds = {
        r.label: r.total for r in selectors.outcome_shares_by_application_kind(**period(org_a))
    }
    assert sorted(kinds.values()) == [1, 4]


def test_period_and_municipality_bound_the_figures(ended_cases, org_a, org_b):
    early = {
        "municipality_id": org_a.municipality.pk,
        "start": PERIOD_START,
        "end": TODAY - timedelta(days=1),
    }
    assert selectors.outcome_shares(**early).total == 0
    assert selectors.outcome_shares(**period(org_b)).total == 0


def test_continuity_counts_different_staff_on_completed_visits(ended_cases, org_a):
    c = selectors.continuity(**period(org_a))
    # cases with completed visits: 2 staff, 1 staff, 1 staff (the dropped-out one counts too)
    assert c.per_case == [1, 1, 2]
    assert c.buckets[0] == ("1–2", 3)
    assert sum(n for _label, n in c.buckets) == 3
    assert c.median == 1


def test_minutes_saved_and_annual_value(ended_cases, org_a):
    HomecareSettings.objects.create(municipality=org_a.municipality, hourly_rate=Decimal("400"))
    s = selectors.minutes_saved(**period(org_a))
    # completed (not dropped out): shadow 120 + 120 + 120 + 150; after 0 + 0 + 30 + 200
    assert (s.cases, s.shadow, s.after) == (4, 510, 230)
    assert s.saved_per_week == 280
    assert s.annual_value == Decimal("97067")  # 280 × 52 / 60 × 400 = 97 066.67
    # before: 0 for the citizens new to home care, 60 and 90 for the others
    assert (s.before_cases, s.before, s.change_from_before) == (4, 150, 80)


def test_start_meetings_in_time(ended_cases, org_a):
    share = selectors.start_meetings_in_time(**period(org_a))
    assert (share.numerator, share.denominator, share.percent) == (5, 5, 100)
    later = {**period(org_a), "start": TODAY - timedelta(days=5)}  # held ten days ago
    assert selectors.start_meetings_in_time(**later).denominator == 0


# --- the page -------------------------------------------------------------------------------------


def test_figures_page_for_managers_and_municipal_staff(client_for, ended_cases, manager, therapist):
    for user in (manager, therapist):
        response = client_for(user).get(reverse("homecare:figures"))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="outcome-self_reliant"' in html
        assert response.context["overall"].total == 5
        for case in ended_cases:
            assert case.citizen.first_name not in html
            assert case.citizen.cpr_masked not in html


def test_figures_page_period_filter(client_for, ended_cases, manager):
    response = client_for(manager).get(
        reverse("homecare:figures"),
        {
            "start": (TODAY - timedelta(days=30)).isoformat(),
            "end": (TODAY - timedelta(days=1)).isoformat(),
        },
    )
    assert response.context["overall"].total == 0
    bad = client_for(manager).get(
        reverse("homecare:figures"), {"start": "2026-06-01", "end": "2026-01-01"}
    )
    assert bad.status_code == 200 and bad.context["form"].errors


def test_figures_page_refuses_provider_staff_and_anonymous(
    client_for, provider_staff, homecare_worker, db
):
    for user in (provider_staff, homecare_worker):
        assert client_for(user).get(reverse("homecare:figures")).status_code == 403
    response = client_for(None).get(reverse("homecare:figures"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_figures_page_wrong_method(client_for, manager):
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client_for(manager), method)(reverse("homecare:figures")).status_code == 405


def test_figures_show_only_the_users_municipality(client_for, ended_cases, outsider):
    response = client_for(outsider).get(reverse("homecare:figures"))
    assert response.status_code == 200
    assert response.context["overall"].total == 0


def test_the_dashboard_kpis_are_the_unit_figures(ended_cases, org_a, manager, outsider):
    from forlob.monitoring.filters import Filters, Period
    from forlob.monitoring.kpis import available, get

    june = Filters(period=Period.month(TODAY.year, TODAY.month), today=TODAY)
    assert {"everyday_rehab_self_reliant", "everyday_rehab_minutes_saved"} <= {
        k.code for k in available(manager)
    }
    self_reliant = get("everyday_rehab_self_reliant").compute(manager, june)
    assert (self_reliant.numerator, self_reliant.denominator) == (2, 5)
    assert self_reliant.value == pytest.approx(0.4)
    assert self_reliant.previous is None  # nothing ended in May: "–", not 0 %
    outcomes = {row.label: row.numerator for row in self_reliant.tables[0].rows}
    assert sum(outcomes.values()) == 5
    saved = get("everyday_rehab_minutes_saved").compute(manager, june)
    assert (saved.value, saved.denominator) == (280, 4)
    # Every number clicks through to the pathways behind it.
    kpi = get("everyday_rehab_self_reliant")
    assert kpi.population(manager, june, "numerator", "").count() == 2
    assert kpi.population(manager, june, "denominator", "").count() == 5
    saved_kpi = get("everyday_rehab_minutes_saved")
    assert saved_kpi.population(manager, june, "denominator", "").count() == 4
    assert not kpi.population(outsider, june, "denominator", "").exists()
    # Another municipality: no courses, no figure.
    assert get("everyday_rehab_self_reliant").compute(outsider, june).value is None
    assert get("everyday_rehab_minutes_saved").compute(outsider, june).value is None
