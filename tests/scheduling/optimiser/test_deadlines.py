"""The 7-day rule counts calendar days in Copenhagen: midnight, DST changes and weekends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from forlob.scheduling.optimiser import engine
from forlob.scheduling.optimiser.model import FreeWindow, Reason, Shortfall
from forlob.scheduling.optimiser.slots import days_late

from .builders import CPH, MONDAY, at, problem, referral, therapist, window
from .checks import assert_feasible

SPRING = date(2026, 3, 29)  # last Sunday of March: 02:00 CET → 03:00 CEST
AUTUMN = date(2026, 10, 25)  # last Sunday of October: 03:00 CEST → 02:00 CET


@pytest.mark.parametrize(
    ("start", "late"),
    [
        (at(MONDAY, 23, 59), 0),
        (at(MONDAY + timedelta(days=1), 0, 0), 1),
        # The same moments written in UTC: summer time is UTC+2.
        (datetime(2026, 6, 1, 21, 59, tzinfo=UTC), 0),
        (datetime(2026, 6, 1, 22, 30, tzinfo=UTC), 1),
        (at(MONDAY + timedelta(days=7), 8), 7),
    ],
)
def test_days_late_counts_local_calendar_days(start: datetime, late: int) -> None:
    assert days_late(MONDAY, start, CPH) == late


def test_days_late_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        days_late(MONDAY, datetime(2026, 6, 1, 8), CPH)


def test_a_window_across_midnight_belongs_to_two_days() -> None:
    tuesday = MONDAY + timedelta(days=1)
    p = problem(
        [referral(1, deadline=MONDAY), referral(2, deadline=MONDAY)],
        [therapist(1, max_new_per_day=4)],
        [FreeWindow(1, 1, at(MONDAY, 23), at(tuesday, 1))],
    )
    for result in (engine.solve(p), engine.greedy(p)):
        assert_feasible(p, result)
        starts = sorted(x.start for x in result.proposals)
        assert starts == [at(MONDAY, 23), at(tuesday, 0)]
        assert sorted(x.days_late for x in result.proposals) == [0, 1]
        assert result.within_deadline == 1
        assert result.total_days_late == 1


def test_spring_forward_still_counts_whole_days() -> None:
    """Deadline Saturday 28 March, first time Monday 30 March 8:00: 31 real hours after the
    deadline day ended (Sunday has 23), and still two calendar days late."""
    saturday = SPRING - timedelta(days=1)
    monday = SPRING + timedelta(days=1)
    p = problem(
        [referral(1, day=saturday, deadline=saturday, area="orthopaedic", level=2)],
        [therapist(1, competencies={"orthopaedic": 2})],
        [window(1, monday, 8, 9)],
    )
    result = engine.solve(p)
    (offer,) = result.proposals
    after = offer.start.astimezone(UTC) - at(SPRING, 0).astimezone(UTC)
    assert after == timedelta(hours=31)
    assert offer.days_late == 2
    assert Reason.LATE in offer.reasons
    assert result.shortfall == (Shortfall("orthopaedic", 2, 1, 1.0),)


def test_the_short_night_holds_two_hours_not_three() -> None:
    """01:00–04:00 on the night clocks go forward is two real hours: two 60-minute times."""
    p = problem(
        [referral(i, day=SPRING, deadline=SPRING) for i in (1, 2, 3)],
        [therapist(1, max_new_per_day=5)],
        [window(1, SPRING, 1, 4)],
    )
    result = engine.solve(p)
    assert_feasible(p, result)
    starts = sorted(x.start for x in result.proposals)
    assert starts == [at(SPRING, 1), at(SPRING, 3)]  # 03:00 CEST is one hour after 01:00 CET
    assert starts[1].astimezone(UTC) - starts[0].astimezone(UTC) == timedelta(hours=1)
    assert result.within_deadline == 2
    assert len(result.unassigned) == 1


def test_the_long_night_holds_three_hours() -> None:
    """01:00–03:00 on the night clocks go back is three real hours; 02:00 comes twice."""
    p = problem(
        [referral(i, day=AUTUMN, deadline=AUTUMN) for i in (1, 2, 3)],
        [therapist(1, max_new_per_day=5)],
        [window(1, AUTUMN, 1, 3)],
    )
    result = engine.solve(p)
    assert_feasible(p, result)
    starts = sorted((x.start for x in result.proposals), key=lambda s: s.astimezone(UTC))
    expected = [at(AUTUMN, 1), at(AUTUMN, 2, fold=0), at(AUTUMN, 2, fold=1)]
    # Compared in UTC: on the wall clock the two 02:00s are equal whatever their fold.
    assert [s.astimezone(UTC) for s in starts] == [s.astimezone(UTC) for s in expected]
    assert [s.utcoffset() for s in starts] == [timedelta(hours=2)] * 2 + [timedelta(hours=1)]
    assert all(x.within_deadline for x in result.proposals)


def test_the_weekend_counts_toward_the_deadline() -> None:
    """Received Friday with a Saturday deadline; the therapist works Monday to Friday."""
    friday = MONDAY + timedelta(days=4)
    saturday = friday + timedelta(days=1)
    next_monday = MONDAY + timedelta(days=7)
    ref = referral(1, day=friday, deadline=saturday, area="medical", level=1, minutes=45)
    staff = [therapist(1, competencies={"medical": 1})]
    weekdays_only = problem([ref], staff, [window(1, next_monday, 8, 9)])
    for result in (engine.solve(weekdays_only), engine.greedy(weekdays_only)):
        (offer,) = result.proposals
        assert offer.start == at(next_monday, 8)
        assert offer.days_late == 2
        assert result.within_deadline == 0
        assert result.shortfall == (Shortfall("medical", 1, 1, 0.75),)

    # An extra-capacity block on the Saturday keeps the deadline.
    with_saturday = problem(
        [ref], staff, [window(1, next_monday, 8, 9), window(1, saturday, 9, 12, extra=True)]
    )
    result = engine.solve(with_saturday)
    (offer,) = result.proposals
    assert offer.start == at(saturday, 9)
    assert offer.within_deadline
    assert Reason.EXTRA_CAPACITY in offer.reasons
    assert result.shortfall == ()


def test_a_plan_that_arrives_after_its_deadline_is_late_from_the_first_day() -> None:
    """Discharged long ago: the deadline has passed before the plan arrived. No capacity could
    have saved it, so it is late but not counted as a shortfall."""
    p = problem(
        [referral(1, deadline=MONDAY - timedelta(days=2))],
        [therapist(1)],
        [window(1, MONDAY, 8, 9)],
    )
    result = engine.solve(p)
    (offer,) = result.proposals
    assert offer.days_late == 2
    assert result.shortfall == ()
