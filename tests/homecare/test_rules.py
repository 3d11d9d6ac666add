"""The plain rules: grant period, start-meeting deadline, economics, spreading visits."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from forlob.homecare import rules
from forlob.homecare.models import Grant, HomecareSettings
from tests.helpers import tr

MONDAY = date(2026, 6, 1)


def test_grant_without_end_runs_the_default_weeks_inclusive():
    start, end = rules.grant_period(start=MONDAY, end=None, default_weeks=8, max_weeks=12)
    assert start == MONDAY
    assert end == date(2026, 7, 26)  # a Sunday: 8 whole weeks
    assert (end - start).days + 1 == 56


def test_grant_may_be_set_individually_shorter():
    _start, end = rules.grant_period(
        start=MONDAY, end=MONDAY + timedelta(days=20), default_weeks=8, max_weeks=12
    )
    assert end == date(2026, 6, 21)


def test_grant_may_run_exactly_the_maximum_but_not_a_day_more():
    longest = MONDAY + timedelta(weeks=12) - timedelta(days=1)
    assert (
        rules.grant_period(start=MONDAY, end=longest, default_weeks=8, max_weeks=12)[1] == longest
    )
    with pytest.raises(ValidationError) as exc:
        rules.grant_period(
            start=MONDAY, end=longest + timedelta(days=1), default_weeks=8, max_weeks=12
        )
    assert "end" in exc.value.message_dict
    assert "12" in exc.value.message_dict["end"][0]


@pytest.mark.parametrize("days", [0, -1, -30])
def test_grant_must_end_after_it_starts(days):
    with pytest.raises(ValidationError) as exc:
        rules.grant_period(
            start=MONDAY, end=MONDAY + timedelta(days=days), default_weeks=8, max_weeks=12
        )
    assert exc.value.message_dict["end"] == [tr(rules.MESSAGE_END_BEFORE_START)]


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    default=st.integers(1, 12),
    extra=st.integers(0, 10),
)
def test_default_grant_is_always_within_the_limit(start, default, extra):
    s, e = rules.grant_period(
        start=start, end=None, default_weeks=default, max_weeks=default + extra
    )
    assert s == start
    assert (e - s).days + 1 == default * 7


def test_start_meeting_deadline_counts_calendar_days_from_the_grant():
    friday = date(2026, 6, 5)
    assert rules.start_meeting_deadline(granted_on=friday, days=5) == date(2026, 6, 10)
    assert rules.start_meeting_deadline(granted_on=friday, days=0) == friday


def test_annual_value_is_minutes_times_52_over_60_times_rate():
    assert rules.annual_value(60, Decimal("450")) == Decimal("23400")
    assert rules.annual_value(90, Decimal("400.00")) == Decimal("31200")
    assert rules.annual_value(0, Decimal("450")) == 0
    assert rules.annual_value(-30, Decimal("450")) == Decimal("-11700")


def test_economics_saved_is_shadow_minus_after():
    e = rules.Economics(before=30, shadow=150, after=45, hourly_rate=Decimal("450"))
    assert e.saved_per_week == 105
    assert e.change_from_before == 15
    assert e.annual_value == Decimal("40950")


def test_economics_unknown_parts_stay_unknown():
    e = rules.Economics(before=None, shadow=120, after=None, hourly_rate=Decimal("450"))
    assert e.saved_per_week is None and e.annual_value is None and e.change_from_before is None
    assert rules.Economics(None, None, 0, Decimal(1)).saved_per_week is None


def test_package_minutes_come_from_the_municipality_settings():
    s = HomecareSettings(package_1_minutes=0, package_2_minutes=10, package_3_minutes=25)
    grant = Grant(time_model=Grant.TimeModel.PACKAGE, package=3)
    assert grant.minutes_per_visit(s) == 25
    grant.package = 1
    assert grant.minutes_per_visit(s) == 0
    extra = Grant(time_model=Grant.TimeModel.EXTRA_MINUTES, extra_minutes_per_visit=15, package=3)
    assert extra.minutes_per_visit(s) == 15


@pytest.mark.parametrize(
    ("per_week", "weekdays"),
    [
        (1, [0]),
        (3, [0, 2, 4]),
        (5, [0, 1, 2, 3, 4]),
        (7, [0, 1, 2, 3, 4, 5, 6]),
    ],
)
def test_week_slots_spread_visits_over_the_week(per_week, weekdays):
    slots = rules.week_slots(per_week)
    assert [s.weekday for s in slots] == weekdays
    assert not any(s.afternoon for s in slots)


def test_more_than_seven_visits_add_afternoon_visits():
    slots = rules.week_slots(10)
    assert len(slots) == 10
    assert sum(s.afternoon for s in slots) == 3
    assert len(rules.week_slots(99)) == rules.MAX_VISITS_PER_WEEK
    assert rules.week_slots(0) == []


@given(visits=st.integers(1, 14), data=st.data())
def test_an_action_lands_on_as_many_distinct_visits_as_it_is_done(visits, data):
    times = data.draw(st.integers(1, visits))
    chosen = rules.spread(times, visits)
    assert len(chosen) == times
    assert all(0 <= i < visits for i in chosen)
    assert chosen[0] == 0


def test_visit_times_are_staggered_within_the_morning_and_afternoon():
    mornings = {rules.visit_time(seed, False) for seed in range(20)}
    assert min(mornings).hour == 8 and max(mornings).hour == 11
    assert all(13 <= rules.visit_time(seed, True).hour <= 15 for seed in range(20))
