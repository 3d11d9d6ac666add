"""Response tracking: the KPI selectors on a known month, the tracking page and the start page.

May 2026 (links work 7 days, so every May link is decided by 1 June):
  satisfaction, Team Ortopædi: 3 answered (2 positive, 1 not) and 1 opened but expired
  satisfaction, Team Neurologi: 1 expired unopened
June 2026 (today is 1 June):
  satisfaction, Team Ortopædi: 1 answered (positive), 1 still open (pending)
  health literacy on the tablet, Team Ortopædi: 1 answered
Another municipality: 1 answered (not positive) in June, never counted for A.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from forlob.core.choices import Role
from forlob.questionnaires import selectors
from forlob.questionnaires.models import Invitation, Purpose
from forlob.questionnaires.services import answers_save, invitation_open, response_submit
from tests.factories import CitizenFactory, PathwayFactory, TeamFactory, UserFactory
from tests.helpers import NOW
from tests.questionnaires.support import literacy_form, raw, satisfaction_form

MAY = date(2026, 5, 1)
JUNE = date(2026, 6, 1)
MAY_20 = NOW - timedelta(days=12)


@pytest.fixture
def neuro(org_a):
    return TeamFactory(unit=org_a.unit, name="Team Neurologi")


@pytest.fixture
def history(org_a, org_b, neuro, satisfaction, literacy, invite, therapist, outsider, frozen):
    def citizen(org=org_a):
        return CitizenFactory(municipality=org.municipality, first_name="Hemmelig")

    def answer(new, *, positive=True):
        data = (
            satisfaction_form(new.invitation, positive=positive)
            if new.invitation.version.questionnaire.purpose == Purpose.SATISFACTION
            else literacy_form(new.invitation, ["Let"] * 10)
        )
        answers_save(invitation=new.invitation, raw=raw(data))
        response_submit(invitation=new.invitation)

    with override_settings(FORLOB_QUESTIONNAIRE_LINK_DAYS=7):
        with time_machine.travel(MAY_20, tick=False):
            may = [invite(citizen(), satisfaction, team=org_a.team) for _ in range(4)]
            for new, positive in zip(may[:3], (True, True, False), strict=True):
                answer(new, positive=positive)
            invitation_open(invitation=may[3].invitation)
            invite(citizen(), satisfaction, team=neuro)
        with time_machine.travel(NOW, tick=False):
            answer(invite(citizen(), satisfaction, team=org_a.team))
            invite(citizen(), satisfaction, team=org_a.team)
            answer(invite(citizen(), literacy, channel="tablet", team=org_a.team))
            theirs = invite(citizen(org_b), satisfaction, actor=outsider)
            answer(theirs, positive=False)


pytestmark = pytest.mark.usefixtures("history")


def test_satisfaction_response_rate_counts_answered_over_decided(manager):
    may = selectors.satisfaction_response_rate(actor=manager, month_start=MAY)
    assert (may.numerator, may.denominator, may.percent) == (3, 5, 60)
    assert may.target == 0.75 and may.meets_target is False
    june = selectors.satisfaction_response_rate(actor=manager, month_start=JUNE)
    assert (june.numerator, june.denominator) == (1, 1)  # the open link is pending


def test_the_response_rate_of_all_questionnaires(manager):
    june = selectors.response_rate(actor=manager, month_start=JUNE)
    assert (june.numerator, june.denominator, june.target) == (2, 2, 0.9)
    may_team = selectors.response_rate(actor=manager, month_start=MAY, team_id=None)
    assert (may_team.numerator, may_team.denominator) == (3, 5)


def test_a_link_expiring_later_moves_from_pending_to_decided(manager):
    later = NOW + timedelta(days=15)
    june = selectors.satisfaction_response_rate(actor=manager, month_start=JUNE, now=later)
    assert (june.numerator, june.denominator) == (1, 2)


def test_the_positive_share_counts_positive_over_answered(manager):
    may = selectors.satisfaction_positive_share(actor=manager, month_start=MAY)
    assert (may.numerator, may.denominator, may.percent, may.target) == (2, 3, 67, 0.95)
    june = selectors.satisfaction_positive_share(actor=manager, month_start=JUNE)
    assert (june.numerator, june.denominator) == (1, 1)


def test_the_funnel_per_questionnaire_and_team(manager, org_a, neuro, satisfaction):
    rows = {r.label: r for r in selectors.invitation_funnel(actor=manager, month_start=MAY)}
    ortho = rows[f"Borgertilfredshed · {org_a.team.name}"]
    assert (ortho.sent, ortho.opened, ortho.answered, ortho.expired, ortho.pending) == (
        4,
        4,
        3,
        1,
        0,
    )
    assert (ortho.positive.numerator, ortho.positive.denominator) == (2, 3)
    other = rows[f"Borgertilfredshed · {neuro.name}"]
    assert (other.sent, other.opened, other.answered, other.expired) == (1, 0, 0, 1)
    only_neuro = selectors.invitation_funnel(actor=manager, month_start=MAY, team_id=neuro.pk)
    assert [r.sent for r in only_neuro] == [1]
    june = {r.label: r for r in selectors.invitation_funnel(actor=manager, month_start=JUNE)}
    literacy_row = june[f"Sundhedskompetence – samtale · {org_a.team.name}"]
    assert (literacy_row.sent, literacy_row.answered, literacy_row.positive) == (1, 1, None)


def test_the_funnel_by_month(manager):
    rows = selectors.invitation_funnel_by_month(actor=manager, last_month=JUNE, months=3)
    assert [r.key for r in rows] == [date(2026, 4, 1), MAY, JUNE]
    assert [(r.sent, r.answered, r.pending) for r in rows] == [(0, 0, 0), (5, 3, 0), (3, 2, 1)]


def test_another_municipality_sees_only_its_own(outsider):
    june = selectors.satisfaction_response_rate(actor=outsider, month_start=JUNE)
    assert (june.numerator, june.denominator) == (1, 1)
    assert selectors.satisfaction_positive_share(actor=outsider, month_start=JUNE).numerator == 0
    assert selectors.satisfaction_response_rate(actor=outsider, month_start=MAY).denominator == 0


# --- the pages ------------------------------------------------------------------------------------


def tile(page: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}">([^<]+)<', page).group(1).strip()


def test_the_tracking_page_shows_counts_and_targets_without_citizens(client_for, manager):
    response = client_for(manager).get(reverse("questionnaires:tracking"), {"month": "2026-05"})
    assert response.status_code == 200
    page = response.content.decode()
    assert tile(page, "kpi-satisfaction-response") == "60 %"
    assert tile(page, "kpi-positive") == "67 %"
    assert "75 %" in page and "95 %" in page and "90 %" in page
    assert "Hemmelig" not in page
    assert 'data-testid="tracking-groups"' in page and 'data-testid="tracking-months"' in page


def test_the_tracking_page_filters_by_questionnaire_and_team(client_for, manager, literacy, neuro):
    c = client_for(manager)
    page = c.get(
        reverse("questionnaires:tracking"), {"month": "2026-06", "questionnaire": literacy.pk}
    ).content.decode()
    assert tile(page, "kpi-response") == "100 %"
    assert tile(page, "kpi-satisfaction-response") == "–"  # not a satisfaction questionnaire
    page = c.get(
        reverse("questionnaires:tracking"), {"month": "2026-05", "team": neuro.pk}
    ).content.decode()
    assert tile(page, "kpi-satisfaction-response") == "0 %"


def test_the_start_page_shows_this_months_response_rates(client_for, manager):
    page = client_for(manager).get(reverse("home")).content.decode()
    assert tile(page, "satisfaction-response-rate") == "100 %"
    assert tile(page, "questionnaire-response-rate") == "100 %"
    assert reverse("questionnaires:tracking") in page


def test_who_may_see_tracking(client_for, therapist, org_a):
    assert client_for(therapist).get(reverse("questionnaires:tracking")).status_code == 200
    homecare = UserFactory(municipality=org_a.municipality, roles=[Role.HOMECARE_WORKER])
    assert client_for(homecare).get(reverse("questionnaires:tracking")).status_code == 403
    anonymous = client_for(None).get(reverse("questionnaires:tracking"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    for method in ("post", "put", "delete"):
        assert (
            getattr(client_for(therapist), method)(reverse("questionnaires:tracking")).status_code
            == 405
        )


def test_a_bad_filter_falls_back_to_this_month(client_for, manager):
    response = client_for(manager).get(
        reverse("questionnaires:tracking"), {"month": "1999-13", "team": "abc"}
    )
    assert response.status_code == 200
    assert response.context["month"] == JUNE


def test_the_dashboard_kpis_agree_with_the_tracking_selectors(manager, neuro):
    from forlob.monitoring.filters import Filters, Period
    from forlob.monitoring.kpis import get, registered
    from forlob.questionnaires.kpis import KPIS

    assert {k.code for k in KPIS} <= {k.code for k in registered()}
    may = Filters(period=Period.month(2026, 5), today=JUNE)
    satisfaction = get("satisfaction_response_rate").compute(manager, may)
    assert (satisfaction.numerator, satisfaction.denominator) == (3, 5)
    assert satisfaction.value == pytest.approx(0.6) and satisfaction.target == 0.75
    positive = get("satisfaction_positive").compute(manager, may)
    assert (positive.numerator, positive.denominator) == (2, 3)
    june = Filters(period=Period.month(2026, 6), today=JUNE)
    everything = get("questionnaire_response_rate").compute(manager, june)
    assert (everything.numerator, everything.denominator, everything.pending) == (2, 2, 1)
    assert everything.previous == pytest.approx(0.6)  # May, all questionnaires
    # The team filter narrows to the invitation's team: Team Neurologi's one expired link.
    neuro_may = Filters(period=Period.month(2026, 5), today=JUNE, team_id=neuro.pk)
    rate = get("satisfaction_response_rate").compute(manager, neuro_may)
    assert (rate.numerator, rate.denominator) == (0, 1)


def test_the_dashboard_kpis_count_only_the_actors_municipality(manager, outsider):
    from forlob.monitoring.filters import Filters, Period
    from forlob.monitoring.kpis import get

    june = Filters(period=Period.month(2026, 6), today=JUNE)
    theirs = get("satisfaction_positive").compute(outsider, june)
    assert (theirs.numerator, theirs.denominator) == (0, 1)  # their one answer, not positive
    ours = get("satisfaction_positive").compute(manager, june)
    assert (ours.numerator, ours.denominator) == (1, 1)
    # Click-through: the pathways behind the numbers (invitations sent with a pathway).
    answered = Invitation.objects.get(
        municipality_id=manager.municipality_id,
        answered_at__isnull=False,
        version__questionnaire__purpose=Purpose.SATISFACTION,
        sent_at__gte=NOW.replace(day=1, hour=0),
    )
    pathway = PathwayFactory(referral__citizen=answered.citizen)
    Invitation.objects.filter(pk=answered.pk).update(pathway=pathway)
    kpi = get("satisfaction_positive")
    assert list(kpi.population(manager, june, "numerator", "")) == [pathway]
    assert list(kpi.population(manager, june, "denominator", "")) == [pathway]
    assert not kpi.population(outsider, june, "denominator", "").exists()
