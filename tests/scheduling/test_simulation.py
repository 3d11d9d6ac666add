"""Replaying past GOPs through first come, first served and through the optimiser.

A small, hand-made history before "today" (Monday 1 June 2026). One therapist, competent in
orthopaedics, who works only Wednesdays and Fridays 8–9 and takes one new citizen a day:

* week of 18 May: plan r0 arrives Thursday 21 May (discharged that day, deadline 28 May). Friday
  22 May 8–9 is taken by another citizen, and the next two Wednesday/Friday hours by r1 and r2's
  real first times (those belong to the next week's plans and stay where they were when this
  week is replayed). No time within the deadline: 0 of 1 under either rule.
* week of 25 May: r1 arrives Monday 25 May (deadline 1 June), r2 on Tuesday 26 May, discharged
  20 May (deadline Wednesday 27 May). First come, first served gives r1 the Wednesday and r2 the
  Friday, late: 1 of 2. The optimiser gives r2 the Wednesday and r1 the Friday: 2 of 2. What
  really happened: r1 got Wednesday, r2 Friday (1 of 2).
"""

from __future__ import annotations

import io
from datetime import date, time, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from forlob.core.choices import DiagnosisArea, GopLevel, Role
from forlob.referrals.models import Referral
from forlob.scheduling.models import AppointmentStatus, SimulationRun
from forlob.scheduling.simulation import replay, replay_mondays, simulation_run_create
from tests.conftest import Org
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    CompetencyFactory,
    PathwayFactory,
    ReferralFactory,
    TherapistFactory,
    UserFactory,
    working_week,
)
from tests.helpers import TODAY, at

pytestmark = pytest.mark.django_db

WEEK_A, WEEK_B = date(2026, 5, 18), date(2026, 5, 25)
WED, FRI = date(2026, 5, 27), date(2026, 5, 29)


def gop(org: Org, received: date, discharged: date, **kw: object) -> Referral:
    return ReferralFactory(
        citizen=CitizenFactory(municipality=org.municipality),
        received_date=received,
        discharge_date=discharged,
        diagnosis_area=DiagnosisArea.ORTHOPAEDIC,
        gop_level=GopLevel.BASAL,
        **kw,
    )


def first_time(referral: Referral, staff, location, day: date) -> None:
    """The pathway and the first time the plan really got (Wednesday or Friday 8–9)."""
    start = at(day, 8)
    pathway = PathwayFactory(
        referral=referral,
        first_offered_at=start - timedelta(days=1),
        first_offered_start=start,
        first_offer_within_deadline=day <= referral.offer_deadline,
    )
    AppointmentFactory(
        pathway=pathway,
        staff=staff,
        location=location,
        start=start,
        is_first=True,
        status=AppointmentStatus.ATTENDED,
    )


@pytest.fixture
def history(org_a: Org, org_b: Org) -> dict[str, object]:
    therapist = TherapistFactory(municipality=org_a.municipality, max_new_citizens_per_day=1)
    CompetencyFactory(
        staff=therapist, diagnosis_area=DiagnosisArea.ORTHOPAEDIC, max_level=GopLevel.BASAL
    )
    working_week(therapist, org_a.location, start=time(8), end=time(9), weekdays=(2, 4))
    # Another citizen's time on Friday 22 May stays where it was.
    AppointmentFactory(staff=therapist, location=org_a.location, start=at(date(2026, 5, 22), 8))

    r0 = gop(org_a, date(2026, 5, 21), date(2026, 5, 21))
    r1 = gop(org_a, date(2026, 5, 25), date(2026, 5, 25))
    r2 = gop(org_a, date(2026, 5, 26), date(2026, 5, 20))
    assert (r0.offer_deadline, r1.offer_deadline, r2.offer_deadline) == (
        date(2026, 5, 28),
        date(2026, 6, 1),
        WED,
    )
    first_time(r1, therapist, org_a.location, WED)
    first_time(r2, therapist, org_a.location, FRI)
    # Not replayed: a rejected plan, another kind of referral, another municipality's plan.
    gop(org_a, WEEK_B, WEEK_B, status=Referral.Status.REJECTED, reject_reason="duplicate")
    ReferralFactory(
        citizen=CitizenFactory(municipality=org_a.municipality),
        type_code="chronic",
        chronic_disease="copd",
        received_date=WEEK_B,
    )
    gop(org_b, WEEK_B, WEEK_B)
    return {"therapist": therapist, "r0": r0, "r1": r1, "r2": r2}


def test_replay_weeks_are_the_whole_weeks_before_this_one():
    assert replay_mondays(TODAY, 2) == [WEEK_A, WEEK_B]
    assert replay_mondays(TODAY + timedelta(days=6), 2) == [WEEK_A, WEEK_B]  # Sunday 7 June


def test_the_optimiser_offers_more_within_the_deadline_than_first_come_first_served(history, org_a):
    result = replay(municipality=org_a.municipality, today=TODAY, weeks=2)
    week_a, week_b = result.weeks
    assert (week_a.monday, week_a.referrals, week_a.greedy, week_a.optimiser) == (WEEK_A, 1, 0, 0)
    assert week_a.actual == 0  # r0 was never offered a time
    assert (week_b.monday, week_b.referrals, week_b.actual) == (WEEK_B, 2, 1)
    assert (week_b.greedy, week_b.optimiser, week_b.bound) == (1, 2, 2)
    assert result.total("referrals") == 3
    assert result.share("actual") == pytest.approx(1 / 3)
    assert result.share("greedy") == pytest.approx(1 / 3)
    assert result.share("optimiser") == pytest.approx(2 / 3)
    assert result.share("optimiser") >= result.share("greedy")


def test_the_replayed_plans_first_times_are_freed_and_not_counted_as_new_citizens(history, org_a):
    """With those two hours taken and one new citizen a day already booked, nothing would fit:
    the replay must give the plans back their own first times."""
    result = replay(municipality=org_a.municipality, today=TODAY, weeks=1)
    [week_b] = result.weeks
    assert week_b.optimiser == 2


def test_weeks_without_plans_count_nothing(org_a):
    result = replay(municipality=org_a.municipality, today=TODAY, weeks=3)
    assert [w.referrals for w in result.weeks] == [0, 0, 0]
    assert result.share("optimiser") is None


def test_the_command_prints_both_shares_and_keeps_the_result(history, org_a):
    out = io.StringIO()
    call_command(
        "simulate_booking",
        "--weeks",
        "2",
        "--today",
        "2026-06-01",
        "--municipality",
        "730",
        stdout=out,
    )
    text = out.getvalue()
    assert "2026-W21" in text and "2026-W22" in text
    assert "first come, first served   33.3 %" in text
    assert "optimiser                  66.7 %" in text
    assert "as it happened             33.3 %" in text
    [run] = SimulationRun.objects.all()
    assert (run.municipality, run.weeks, run.created_by) == (org_a.municipality, 2, None)
    assert run.totals["greedy"] == 1 and run.totals["optimiser"] == 2
    assert run.totals["referrals"] == 3
    assert [w["monday"] for w in run.per_week] == ["2026-05-18", "2026-05-25"]


def test_the_command_needs_a_municipality_when_there_are_several(history):
    with pytest.raises(Exception, match="--municipality"):
        call_command("simulate_booking", "--weeks", "1", stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "simulate_booking", "--weeks", "1", "--municipality", "710", "--no-save", stdout=out
    )
    assert SimulationRun.objects.count() == 0


def test_the_page_runs_the_simulation_and_shows_the_last_result(
    client_for, history, manager, org_a, frozen
):
    c = client_for(manager)
    before = c.get(reverse("scheduling:capacity"))
    assert before.context["simulation"] is None
    assert before.context["may_simulate"]
    response = c.post(reverse("scheduling:simulation_run"))
    assert response.status_code == 302
    [run] = SimulationRun.objects.all()
    assert run.created_by == manager and run.weeks == 52
    assert run.totals["greedy_share"] == pytest.approx(1 / 3)
    page = c.get(reverse("scheduling:capacity"))
    rows = {r["key"]: r for r in page.context["simulation_rows"]}
    assert rows["greedy"]["percent"] == 33.3 and rows["optimiser"]["percent"] == 66.7
    assert "66,7 %" in page.content.decode()


def test_only_managers_coordinators_and_analysts_run_it(client_for, therapist, org_a, frozen):
    assert client_for(therapist).post(reverse("scheduling:simulation_run")).status_code == 403
    analyst = UserFactory(municipality=org_a.municipality, roles=[Role.ANALYST])
    assert client_for(analyst).post(reverse("scheduling:simulation_run")).status_code == 302
    assert SimulationRun.objects.count() == 1


def test_the_stored_result_is_the_municipalitys_own(client_for, history, manager, org_a, org_b):
    simulation_run_create(municipality=org_b.municipality, weeks=2, today=TODAY)
    page = client_for(manager).get(reverse("scheduling:capacity"))
    assert page.context["simulation"] is None
