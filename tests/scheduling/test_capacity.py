"""The capacity view's figures on hand-made data: forecast, hours for new citizens, risk.

"Today" is Monday 1 June 2026, so the first planning week is 1–7 June 2026 (ISO week 23) and
"the same week last year" is the one beginning Monday 2 June 2025 (52 weeks earlier), with its
neighbours beginning 26 May and 9 June 2025.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.urls import reverse

from forlob.core.choices import DiagnosisArea, GopLevel
from forlob.referrals.models import Referral
from forlob.scheduling.capacity import (
    TherapistWeek,
    WeekCapacity,
    WeekForecast,
    assess,
    available_hours,
    capacity_overview,
    forecast_referrals,
    planning_mondays,
    weeks_at_risk,
)
from forlob.scheduling.models import AppointmentStatus, ExtraCapacity
from tests.conftest import Org
from tests.factories import (
    AbsenceFactory,
    AppointmentFactory,
    CitizenFactory,
    CompetencyFactory,
    ReferralFactory,
    TherapistFactory,
    working_week,
)
from tests.helpers import TODAY, at

pytestmark = pytest.mark.django_db

OR, M, N = DiagnosisArea.ORTHOPAEDIC, DiagnosisArea.MEDICAL, DiagnosisArea.NEUROLOGICAL
B, A, S = GopLevel.BASAL, GopLevel.ADVANCED, GopLevel.SPECIALISED
WEEK1, WEEK2 = date(2026, 6, 1), date(2026, 6, 8)
LAST_YEAR = date(2025, 6, 2)  # WEEK1 - 52 weeks
BEFORE, AFTER = LAST_YEAR - timedelta(weeks=1), LAST_YEAR + timedelta(weeks=1)


def gops(org: Org, received: date, n: int, area: str = OR, level: str = B, **kw: object) -> None:
    for _ in range(n):
        ReferralFactory(
            citizen=CitizenFactory(municipality=org.municipality),
            received_date=received,
            discharge_date=received,
            diagnosis_area=area,
            gop_level=level,
            **kw,
        )


def test_planning_weeks_start_on_the_first_monday_from_today():
    assert planning_mondays(TODAY, 2) == [WEEK1, WEEK2]
    assert planning_mondays(date(2026, 6, 3), 1) == [WEEK2]  # a Wednesday: next week
    assert planning_mondays(date(2026, 6, 7), 1) == [WEEK2]  # a Sunday


# --- the forecast -----------------------------------------------------------------------------


@pytest.fixture
def history(org_a: Org, org_b: Org) -> None:
    gops(org_a, BEFORE, 2)  # Monday 26 May 2025
    gops(org_a, LAST_YEAR + timedelta(days=1), 4)  # Tuesday
    gops(org_a, LAST_YEAR + timedelta(days=6), 2, N, S)  # Sunday 8 June 2025: same week
    gops(org_a, AFTER + timedelta(days=2), 6)
    # Not counted: a rejected plan, another kind of referral, another municipality's plans.
    gops(org_a, AFTER, 1, status=Referral.Status.REJECTED, reject_reason="duplicate")
    ReferralFactory(
        citizen=CitizenFactory(municipality=org_a.municipality),
        type_code="chronic",
        chronic_disease="copd",
        received_date=AFTER,
    )
    gops(org_b, LAST_YEAR, 9)


def test_forecast_is_last_years_week_smoothed_with_its_neighbours_plus_growth(history, org_a):
    week1, week2 = forecast_referrals(municipality=org_a.municipality, today=TODAY, weeks=2)

    assert week1.monday == WEEK1 and week1.iso_week == 23 and week1.history_weeks == 3
    # (2 + 2·4 + 6) / 4 = 4 orthopaedic basal plans, + 5 %.
    assert week1.expected[(OR, B)] == pytest.approx(4.2)
    assert week1.expected[(N, S)] == pytest.approx(2 * 2 / 4 * 1.05)
    assert week1.expected[(M, B)] == 0
    assert week1.for_area(OR) == pytest.approx(4.2)
    assert week1.total == pytest.approx(5.25)
    # A week later: (4 + 2·6 + 0) / 4, and the neurological plans only as the left neighbour.
    assert week2.expected[(OR, B)] == pytest.approx(4.2)
    assert week2.expected[(N, S)] == pytest.approx(2 / 4 * 1.05)


def test_forecast_growth_is_an_assumption_the_manager_can_change(history, org_a):
    [flat] = forecast_referrals(municipality=org_a.municipality, today=TODAY, weeks=1, growth=0)
    [high] = forecast_referrals(municipality=org_a.municipality, today=TODAY, weeks=1, growth=0.2)
    assert flat.expected[(OR, B)] == pytest.approx(4.0)
    assert high.expected[(OR, B)] == pytest.approx(4.8)


def test_forecast_uses_only_whole_weeks_of_history(org_a):
    # The municipality's first plan arrived on Wednesday 4 June 2025: that week is incomplete,
    # so week 23 rests on the following week alone (weight 1 of 1).
    gops(org_a, LAST_YEAR + timedelta(days=2), 3)
    gops(org_a, AFTER, 6)
    [week1] = forecast_referrals(municipality=org_a.municipality, today=TODAY, weeks=1)
    assert week1.history_weeks == 1
    assert week1.expected[(OR, B)] == pytest.approx(6 * 1.05)


def test_forecast_without_history_is_zero_and_says_so(org_a):
    [week1] = forecast_referrals(municipality=org_a.municipality, today=TODAY, weeks=1)
    assert week1.history_weeks == 0
    assert week1.total == 0


# --- the hours --------------------------------------------------------------------------------


@pytest.fixture
def calendars(org_a: Org, org_b: Org) -> dict[str, object]:
    """T1: orthopaedic up to specialised, Mon–Fri 8–16, 3 new citizens a day.
    T2: neurological up to advanced and medical basal, Mon and Tue 8–10 only.
    Plus a therapist without competencies and one of municipality B: neither counts."""
    t1 = TherapistFactory(municipality=org_a.municipality, max_new_citizens_per_day=3)
    CompetencyFactory(staff=t1, diagnosis_area=OR, max_level=S)
    working_week(t1, org_a.location)
    t2 = TherapistFactory(municipality=org_a.municipality, max_new_citizens_per_day=3)
    CompetencyFactory(staff=t2, diagnosis_area=N, max_level=A)
    CompetencyFactory(staff=t2, diagnosis_area=M, max_level=B)
    working_week(t2, org_a.location, start=time(8), end=time(10), weekdays=(0, 1))
    working_week(TherapistFactory(municipality=org_a.municipality), org_a.location)
    outsider = TherapistFactory(municipality=org_b.municipality)
    CompetencyFactory(staff=outsider, diagnosis_area=OR, max_level=S)
    working_week(outsider, org_b.location)
    return {"t1": t1, "t2": t2}


def test_hours_are_first_appointments_that_fit_capped_by_new_citizens_a_day(calendars, org_a):
    week1, week2 = available_hours(municipality=org_a.municipality, today=TODAY, weeks=2)
    by_staff = {t.staff_id: t.slots for t in week1.therapists}
    # T1: 8 hours a day but 3 new citizens; T2: 2 hours on Monday and Tuesday.
    assert by_staff == {calendars["t1"].pk: 15, calendars["t2"].pk: 4}
    assert week1.first_minutes == 60  # the seeded GOP type's first appointment
    assert week1.hours_for(OR) == 15.0
    assert week1.hours_for(OR, S) == 15.0
    assert week1.hours_for(N) == 4.0
    assert week1.hours_for(N, S) == 0.0  # T2 only up to advanced
    assert week1.hours_for(M) == 4.0
    assert week1.hours == 19.0
    assert week2.hours == 19.0


def test_hours_take_out_absences_bookings_and_add_extra_capacity(calendars, org_a):
    t1, t2 = calendars["t1"], calendars["t2"]
    wed, thu, fri = (WEEK1 + timedelta(days=d) for d in (2, 3, 4))
    AbsenceFactory(staff=t1, start_date=wed, end_date=wed)
    # Thursday: one new citizen already booked (cap 3 → 2 more).
    AppointmentFactory(staff=t1, location=org_a.location, start=at(thu, 8), is_first=True)
    # Friday: follow-ups from 9:00 to 15:30 leave 8–9 and 15:30–16: one first time fits.
    AppointmentFactory(
        staff=t1, location=org_a.location, start=at(fri, 9), end=at(fri, 15, 30), is_first=False
    )
    # A cancelled time frees its slot again: no effect.
    AppointmentFactory(
        staff=t1,
        location=org_a.location,
        start=at(fri, 8),
        is_first=True,
        status=AppointmentStatus.CANCELLED,
    )
    # Tuesday: a 10-minute time at 8:00 leaves 8:10–10; on the 15-minute grid 8:15–10 holds one.
    AppointmentFactory(
        staff=t2,
        location=org_a.location,
        start=at(WEEK1 + timedelta(days=1), 8),
        end=at(WEEK1 + timedelta(days=1), 8, 10),
    )
    # Wednesday: T2 does not work, but extra capacity 8–11 is opened.
    ExtraCapacity.objects.create(
        staff=t2, location=org_a.location, date=wed, start_time=time(8), end_time=time(11)
    )

    [week1] = available_hours(municipality=org_a.municipality, today=TODAY, weeks=1)
    by_staff = {t.staff_id: (t.slots, t.extra_slots) for t in week1.therapists}
    assert by_staff == {t1.pk: (3 + 3 + 0 + 2 + 1, 0), t2.pk: (2 + 1 + 3, 3)}
    assert week1.hours_for(OR) == 9.0
    assert week1.hours_for(M) == 6.0
    assert week1.extra_hours == 3.0


# --- the risk ---------------------------------------------------------------------------------


def forecast(monday: date, **expected: float) -> WeekForecast:
    """``forecast(WEEK1, orthopaedic_basal=4)``."""
    return WeekForecast(
        monday=monday,
        expected={tuple(k.split("_")): v for k, v in expected.items()},  # type: ignore[misc]
        history_weeks=3,
    )


T1 = TherapistWeek(staff_id=1, competencies={OR: 3}, slots=3, extra_slots=0)
T2 = TherapistWeek(staff_id=2, competencies={N: 2, M: 1}, slots=2, extra_slots=0)
T3 = TherapistWeek(staff_id=3, competencies={N: 3}, slots=1, extra_slots=1)


def test_a_week_is_at_risk_where_a_competence_is_short():
    [week] = assess(
        [forecast(WEEK1, orthopaedic_basal=4, neurological_specialised=1.5, medical_basal=2)],
        [WeekCapacity(WEEK1, 60, (T1, T2, T3))],
    )
    ortho, medical, neuro = week.areas
    assert week.at_risk
    # However the plans are matched, 1 orthopaedic and 0.5 neurological plans get no time.
    assert week.hours_short == 1.5
    assert week.hours_available == 6.0  # each therapist once
    assert week.extra_hours == 1.0
    assert (ortho.expected, ortho.hours_needed, ortho.hours_available) == (4, 4.0, 3.0)
    assert ortho.at_risk and ortho.hours_short == 1.0
    assert ortho.shortage.needs == {OR: B}
    # Three neurological therapist-hours, but only T3 may take the specialised plans.
    assert (neuro.hours_needed, neuro.hours_available) == (1.5, 3.0)
    assert neuro.at_risk and neuro.hours_short == 0.5
    assert neuro.shortage.needs == {N: S}
    assert neuro.shortage.label == f"{N.label} ({S.label}+)"
    # Medical fits: T2's two times go to the two medical plans, the neurological ones need T3.
    assert (medical.expected, medical.hours_available) == (2, 2.0)
    assert not medical.at_risk and medical.hours_short == 0 and medical.shortage is None


def test_a_therapist_shared_by_two_areas_is_not_counted_twice():
    """1.5 orthopaedic and 1.5 medical plans, one therapist competent in both with 2 times:
    each area alone fits, together they do not."""
    both = TherapistWeek(staff_id=4, competencies={OR: 1, M: 1}, slots=2, extra_slots=0)
    [week] = assess(
        [forecast(WEEK1, orthopaedic_basal=1.5, medical_basal=1.5)],
        [WeekCapacity(WEEK1, 60, (both,))],
    )
    ortho, medical, neuro = week.areas
    assert (ortho.hours_available, medical.hours_available) == (2.0, 2.0)
    assert week.hours_available == 2.0
    assert week.at_risk and week.hours_short == 1.0
    assert ortho.at_risk and medical.at_risk and not neuro.at_risk
    assert ortho.hours_short == medical.hours_short == 1.0
    assert ortho.shortage.needs == medical.shortage.needs == {OR: B, M: B}


def test_a_week_with_room_for_every_competence_is_not_at_risk():
    [week] = assess(
        [forecast(WEEK1, orthopaedic_basal=3, neurological_specialised=1, medical_basal=2)],
        [WeekCapacity(WEEK1, 60, (T1, T2, T3))],
    )
    assert not week.at_risk
    assert week.hours_short == 0
    assert [a.at_risk for a in week.areas] == [False, False, False]


def test_hours_follow_the_length_of_a_first_appointment():
    [week] = assess([forecast(WEEK1, orthopaedic_basal=4)], [WeekCapacity(WEEK1, 90, (T1,))])
    ortho = week.areas[0]
    assert (ortho.hours_needed, ortho.hours_available, ortho.hours_short) == (6.0, 4.5, 1.5)


def test_weeks_at_risk_from_the_database(org_a):
    """Last year 8 orthopaedic plans a week; this year one therapist with 3 new citizens on
    Mondays only. Week 1 is at risk; in week 2 she has extra capacity for 6 more."""
    for monday in (BEFORE, LAST_YEAR, AFTER, AFTER + timedelta(weeks=1)):
        gops(org_a, monday + timedelta(days=1), 8)
    t = TherapistFactory(municipality=org_a.municipality, max_new_citizens_per_day=3)
    CompetencyFactory(staff=t, diagnosis_area=OR, max_level=B)
    working_week(t, org_a.location, weekdays=(0,))
    for day in (WEEK2 + timedelta(days=1), WEEK2 + timedelta(days=2)):
        ExtraCapacity.objects.create(
            staff=t, location=org_a.location, date=day, start_time=time(8), end_time=time(12)
        )

    week1, week2 = capacity_overview(municipality=org_a.municipality, today=TODAY, weeks=2)
    assert week1.expected == pytest.approx(8.4)
    assert week1.hours_available == 3.0 and week1.at_risk
    assert week1.hours_short == pytest.approx(5.4)
    assert week2.hours_available == 9.0 and week2.extra_hours == 6.0 and not week2.at_risk
    at_risk = weeks_at_risk(municipality=org_a.municipality, today=TODAY, weeks=2)
    assert [w.monday for w in at_risk] == [WEEK1]


# --- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_weeks_areas_and_risk(client_for, manager, org_a, frozen):
    for monday in (BEFORE, LAST_YEAR, AFTER):
        gops(org_a, monday, 4)
    response = client_for(manager).get(reverse("scheduling:capacity"))
    assert response.status_code == 200
    weeks = response.context["weeks"]
    assert len(weeks) == 12 and weeks[0].monday == WEEK1
    html = response.content.decode()
    assert 'data-week="2026-06-01" class="at-risk"' in html  # 4.2 plans, no therapist at all
    assert "4,2" in html  # Danish decimal comma


def test_the_growth_assumption_comes_from_the_query(client_for, manager, org_a, frozen):
    for monday in (BEFORE, LAST_YEAR, AFTER):
        gops(org_a, monday, 4)
    c = client_for(manager)
    week = c.get(reverse("scheduling:capacity"), {"growth": "10"}).context["weeks"][0]
    assert week.expected == pytest.approx(4.4)
    # Nonsense and the absurd fall back to the 5 % target.
    for value in ("abc", "1000", ""):
        week = c.get(reverse("scheduling:capacity"), {"growth": value}).context["weeks"][0]
        assert week.expected == pytest.approx(4.2), value
