"""The rules of everyday rehabilitation as plain functions (no database).

* a grant runs ``default_weeks`` unless an end is given, never longer than ``max_weeks``;
* the start meeting is due within ``start_meeting_days`` calendar days of the grant decision;
* the economic effect compares the shadow assessment (the help the citizen would otherwise have
  got) with the help granted afterwards, in minutes a week, and puts an annual value on it;
* rehabilitation visits are spread over the week from the plan's actions for home-care staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MESSAGE_END_BEFORE_START = gettext_noop("The end must be after the start.")
MESSAGE_TOO_LONG = gettext_noop("A grant may run at most %(weeks)d weeks.")

WEEKS_PER_YEAR = 52
MAX_VISITS_PER_WEEK = 14


def grant_period(
    *, start: date, end: date | None, default_weeks: int, max_weeks: int
) -> tuple[date, date]:
    """The grant's first and last day; ``end`` defaults to ``default_weeks`` from ``start``.

    The last day is inclusive: 8 weeks from Monday 1 June end on Sunday 26 July.
    """
    if end is None:
        end = start + timedelta(weeks=default_weeks) - timedelta(days=1)
    if end <= start:
        raise ValidationError({"end": _(MESSAGE_END_BEFORE_START)}, code="end_before_start")
    if (end - start).days + 1 > max_weeks * 7:
        raise ValidationError({"end": _(MESSAGE_TOO_LONG) % {"weeks": max_weeks}}, code="too_long")
    return start, end


def start_meeting_deadline(*, granted_on: date, days: int) -> date:
    """The last calendar day on which the start meeting is in time."""
    return granted_on + timedelta(days=days)


def annual_value(minutes_per_week: int, hourly_rate: Decimal) -> Decimal:
    """Minutes a week as kroner a year: minutes × 52 weeks / 60 × hourly rate (whole kroner)."""
    value = Decimal(minutes_per_week) * WEEKS_PER_YEAR / 60 * hourly_rate
    return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Economics:
    """One pathway's help in minutes a week: before, shadow-assessed, after."""

    before: int | None  # granted before the application, if known
    shadow: int | None  # what the citizen would otherwise have got (None: no shadow assessment)
    after: int | None  # granted after the end (None: not ended yet)
    hourly_rate: Decimal

    @property
    def saved_per_week(self) -> int | None:
        """Shadow minus after: the home care the rehabilitation made unnecessary."""
        if self.shadow is None or self.after is None:
            return None
        return self.shadow - self.after

    @property
    def change_from_before(self) -> int | None:
        """After minus before (negative: less help than before the application)."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def annual_value(self) -> Decimal | None:
        saved = self.saved_per_week
        return None if saved is None else annual_value(saved, self.hourly_rate)


# Weekdays (Monday = 0) for n visits a week: spread out, weekdays first.
_DAYS: dict[int, tuple[int, ...]] = {
    1: (0,),
    2: (0, 3),
    3: (0, 2, 4),
    4: (0, 1, 3, 4),
    5: (0, 1, 2, 3, 4),
    6: (0, 1, 2, 3, 4, 5),
    7: (0, 1, 2, 3, 4, 5, 6),
}


@dataclass(frozen=True)
class Slot:
    weekday: int
    afternoon: bool


def week_slots(visits_per_week: int) -> list[Slot]:
    """The visits of one week in order: once a day up to 7, a second (afternoon) visit above."""
    n = max(0, min(visits_per_week, MAX_VISITS_PER_WEEK))
    mornings = min(n, 7)
    slots = [Slot(d, False) for d in _DAYS.get(mornings, ())]
    if n > 7:
        slots += [Slot(d, True) for d in _DAYS[n - 7]]
    return sorted(slots, key=lambda s: (s.weekday, s.afternoon))


def spread(times: int, visits: int) -> list[int]:
    """Which of ``visits`` visits (0-based) an action done ``times`` a week belongs to, evenly."""
    times = max(0, min(times, visits))
    return sorted({i * visits // times for i in range(times)}) if times else []


def visit_time(seed: int, afternoon: bool) -> time:
    """A planned time staggered by ``seed``: 08:00–11:30 in the morning, 13:00–15:30 after."""
    minutes = 13 * 60 + (seed % 6) * 30 if afternoon else 8 * 60 + (seed % 8) * 30
    return time(minutes // 60, minutes % 60)
