"""Deadline rules for referrals.

The free-choice rule for re-training (Sundhedsloven §140, in force since 1 July 2018): a citizen
with a hospital re-training plan (GOP) must be *offered* a first training time within 7 calendar
days after discharge from hospital. It counts calendar days, not working days, in Danish local
time, and it counts from discharge, not from the day the plan reached the municipality: a plan
that arrives late has less time left, never more.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

GOP_OFFER_DAYS = 7


def offer_deadline(
    *,
    target_days: int | None,
    counts_from_discharge: bool,
    received_date: date,
    discharge_date: date | None,
) -> date | None:
    """The last calendar day on which the first time offered may lie, or None if no target.

    >>> offer_deadline(target_days=7, counts_from_discharge=True,
    ...                received_date=date(2026, 3, 3), discharge_date=date(2026, 3, 1))
    datetime.date(2026, 3, 8)
    """
    if target_days is None:
        return None
    start = discharge_date if counts_from_discharge and discharge_date else received_date
    return start + timedelta(days=target_days)


def local_date(moment: datetime) -> date:
    """The calendar day of an aware datetime in Copenhagen (what the 7-day rule counts)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the 7-day rule needs an aware datetime")
    return moment.astimezone(COPENHAGEN).date()


def offered_within(deadline: date | None, offered_start: datetime) -> bool | None:
    """Whether an offered time lies on or before the deadline day; None where there is no target."""
    if deadline is None:
        return None
    return local_date(offered_start) <= deadline
