"""The 7-day rule (Sundhedsloven §140): worked examples around midnight, DST and weekends."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forlob.referrals.rules import GOP_OFFER_DAYS, local_date, offer_deadline, offered_within
from tests.helpers import COPENHAGEN, UTC, local

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def gop_deadline(discharge: date, received: date | None = None) -> date | None:
    return offer_deadline(
        target_days=GOP_OFFER_DAYS,
        counts_from_discharge=True,
        received_date=received or discharge,
        discharge_date=discharge,
    )


# --- offer_deadline ---------------------------------------------------------------------------


def test_gop_deadline_is_discharge_plus_seven_calendar_days():
    assert gop_deadline(date(2026, 3, 1)) == date(2026, 3, 8)


def test_gop_deadline_counts_from_discharge_even_when_the_plan_arrives_later():
    # Discharged on the 1st, the plan reached the municipality on the 5th: 3 days left, not 7.
    assert gop_deadline(date(2026, 3, 1), received=date(2026, 3, 5)) == date(2026, 3, 8)


def test_gop_plan_arriving_after_the_deadline_is_already_overdue():
    assert gop_deadline(date(2026, 3, 1), received=date(2026, 3, 12)) == date(2026, 3, 8)


def test_gop_plan_arriving_before_discharge_still_counts_from_discharge():
    assert gop_deadline(date(2026, 3, 10), received=date(2026, 3, 4)) == date(2026, 3, 17)


def test_discharge_counted_type_without_discharge_date_falls_back_to_received():
    deadline = offer_deadline(
        target_days=7,
        counts_from_discharge=True,
        received_date=date(2026, 3, 4),
        discharge_date=None,
    )
    assert deadline == date(2026, 3, 11)


def test_other_types_count_from_received_even_with_a_discharge_date():
    deadline = offer_deadline(
        target_days=14,
        counts_from_discharge=False,
        received_date=date(2026, 3, 4),
        discharge_date=date(2026, 3, 1),
    )
    assert deadline == date(2026, 3, 18)


@pytest.mark.parametrize("from_discharge", [True, False])
def test_no_target_means_no_deadline(from_discharge):
    deadline = offer_deadline(
        target_days=None,
        counts_from_discharge=from_discharge,
        received_date=date(2026, 3, 4),
        discharge_date=date(2026, 3, 1),
    )
    assert deadline is None


@pytest.mark.parametrize(
    ("discharge", "deadline"),
    [
        # Calendar days, not working days: a weekend or a holiday inside the week changes nothing.
        (date(2026, 3, 6), date(2026, 3, 13)),  # Friday → Friday
        (date(2026, 3, 7), date(2026, 3, 14)),  # Saturday → Saturday
        (date(2026, 3, 8), date(2026, 3, 15)),  # Sunday → Sunday
        (date(2026, 3, 30), date(2026, 4, 6)),  # over Easter 2026 (2–6 April)
        (date(2026, 3, 25), date(2026, 4, 1)),  # across the spring DST change (29 March)
        (date(2026, 10, 22), date(2026, 10, 29)),  # across the autumn DST change (25 October)
        (date(2026, 12, 28), date(2027, 1, 4)),  # across New Year
        (date(2028, 2, 25), date(2028, 3, 3)),  # leap year: 29 February counts as a day
        (date(2027, 2, 25), date(2027, 3, 4)),
    ],
)
def test_gop_deadline_worked_examples(discharge, deadline):
    assert gop_deadline(discharge) == deadline


@given(
    discharge=st.dates(min_value=date(2018, 7, 1), max_value=date(2099, 12, 1)),
    delay=st.integers(min_value=-30, max_value=60),
)
def test_property_gop_deadline_is_always_seven_days_after_discharge(discharge, delay):
    deadline = gop_deadline(discharge, received=discharge + timedelta(days=delay))
    assert deadline is not None
    assert deadline - discharge == timedelta(days=7)


# --- offered_within: the offered time's day in Copenhagen ---------------------------------------


def test_no_deadline_gives_none():
    assert offered_within(None, local(2026, 3, 8, 10)) is None


@pytest.mark.parametrize(
    ("offered", "within"),
    [
        (local(2026, 3, 8, 0, 0), True),
        (local(2026, 3, 8, 23, 30), True),  # 22:30 UTC, same day everywhere
        (local(2026, 3, 8, 23, 59), True),
        (local(2026, 3, 9, 0, 0), False),
        # 00:15 in Copenhagen on the day after is 23:15 UTC on the deadline day: still too late.
        (local(2026, 3, 9, 0, 15), False),
        (local(2026, 3, 1, 9, 0), True),  # well before
    ],
)
def test_offered_within_around_midnight_winter(offered, within):
    deadline = date(2026, 3, 8)
    assert offered_within(deadline, offered) is within
    # The same instant written in UTC gives the same answer.
    assert offered_within(deadline, offered.astimezone(UTC)) is within


def test_utc_date_does_not_decide():
    deadline = date(2026, 3, 8)
    late = datetime(2026, 3, 8, 23, 15, tzinfo=UTC)  # its UTC date is the deadline day ...
    assert late.astimezone(COPENHAGEN).date() == date(2026, 3, 9)  # ... Copenhagen's is not
    assert offered_within(deadline, late) is False
    early = datetime(2026, 3, 7, 23, 30, tzinfo=UTC)  # UTC says the day before ...
    assert offered_within(date(2026, 3, 7), early) is False  # ... but it is already the 8th here
    assert offered_within(date(2026, 3, 8), early) is True


def test_the_offered_times_own_timezone_does_not_decide_either():
    deadline = date(2026, 6, 8)
    # 18:30 in New York on the deadline day is 00:30 on the 9th in Copenhagen: too late.
    assert offered_within(deadline, datetime(2026, 6, 8, 18, 30, tzinfo=NEW_YORK)) is False
    # 01:00 in Tokyo on the 9th is 18:00 on the 8th in Copenhagen: within.
    assert offered_within(deadline, datetime(2026, 6, 9, 1, 0, tzinfo=TOKYO)) is True


@pytest.mark.parametrize(
    ("offered", "within"),
    [
        (local(2026, 6, 8, 23, 30), True),  # 21:30 UTC
        (local(2026, 6, 9, 0, 15), False),  # 22:15 UTC on the 8th
        (local(2026, 6, 9, 1, 59), False),  # 23:59 UTC on the 8th
    ],
)
def test_offered_within_around_midnight_summer_time(offered, within):
    assert offered.astimezone(UTC).date() == date(2026, 6, 8) or within
    assert offered_within(date(2026, 6, 8), offered) is within


# Spring forward: Sunday 29 March 2026, 02:00 CET → 03:00 CEST (a 23-hour day).
@pytest.mark.parametrize(
    ("deadline", "offered", "within"),
    [
        (date(2026, 3, 28), local(2026, 3, 28, 23, 59), True),
        (date(2026, 3, 28), local(2026, 3, 29, 0, 15), False),  # 23:15 UTC on the 28th
        (date(2026, 3, 28), local(2026, 3, 29, 3, 0), False),  # first CEST hour
        (date(2026, 3, 29), local(2026, 3, 29, 1, 59), True),
        (date(2026, 3, 29), local(2026, 3, 29, 3, 0), True),
        (date(2026, 3, 29), local(2026, 3, 29, 23, 30), True),  # 21:30 UTC
        (date(2026, 3, 29), local(2026, 3, 30, 0, 15), False),  # 22:15 UTC on the 29th
    ],
)
def test_offered_within_across_spring_dst(deadline, offered, within):
    assert offered_within(deadline, offered) is within
    assert offered_within(deadline, offered.astimezone(UTC)) is within


# Fall back: Sunday 25 October 2026, 03:00 CEST → 02:00 CET (a 25-hour day; 02:00–03:00 twice).
@pytest.mark.parametrize(
    ("deadline", "offered", "within"),
    [
        (date(2026, 10, 24), local(2026, 10, 24, 23, 59), True),
        (date(2026, 10, 24), local(2026, 10, 25, 0, 30), False),  # 22:30 UTC on the 24th
        (date(2026, 10, 24), local(2026, 10, 25, 2, 30, fold=0), False),
        (date(2026, 10, 25), local(2026, 10, 25, 2, 30, fold=0), True),  # first 02:30 (CEST)
        (date(2026, 10, 25), local(2026, 10, 25, 2, 30, fold=1), True),  # second 02:30 (CET)
        (date(2026, 10, 25), local(2026, 10, 25, 23, 30), True),  # 22:30 UTC
        (date(2026, 10, 25), local(2026, 10, 26, 0, 15), False),  # 23:15 UTC on the 25th
    ],
)
def test_offered_within_across_autumn_dst(deadline, offered, within):
    assert offered_within(deadline, offered) is within
    assert offered_within(deadline, offered.astimezone(UTC)) is within


def test_the_two_0230s_of_the_autumn_change_are_different_instants_on_the_same_day():
    first, second = local(2026, 10, 25, 2, 30, fold=0), local(2026, 10, 25, 2, 30, fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    assert local_date(first) == local_date(second) == date(2026, 10, 25)


@pytest.mark.parametrize(
    ("offered", "within"),
    [
        # Deadline Saturday 14 March 2026: a weekend time still counts, the Monday after does not.
        (local(2026, 3, 14, 10, 0), True),  # Saturday
        (local(2026, 3, 15, 10, 0), False),  # Sunday
        (local(2026, 3, 16, 8, 0), False),  # Monday
    ],
)
def test_offered_within_weekend_deadline(offered, within):
    deadline = gop_deadline(date(2026, 3, 7))
    assert deadline == date(2026, 3, 14)
    assert offered_within(deadline, offered) is within


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive"):
        offered_within(date(2026, 3, 8), datetime(2026, 3, 8, 10, 0))


@given(
    deadline=st.dates(min_value=date(2019, 1, 1), max_value=date(2040, 12, 31)),
    offered=st.datetimes(
        min_value=datetime(2019, 1, 1), max_value=datetime(2041, 1, 1), timezones=st.just(UTC)
    ),
)
def test_property_within_means_before_the_next_copenhagen_midnight(deadline, offered):
    next_midnight = datetime.combine(deadline + timedelta(days=1), datetime.min.time(), COPENHAGEN)
    assert offered_within(deadline, offered) is (offered < next_midnight)
