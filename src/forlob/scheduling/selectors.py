"""Reads on calendars: free times, a therapist's day list."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from forlob.core.choices import Role
from forlob.core.models import Location, User
from forlob.scheduling.busy import busy_intervals
from forlob.scheduling.models import (
    BUSY_STATUSES,
    Absence,
    Appointment,
    ExtraCapacity,
    WorkingHours,
)

SLOT_GRID_MINUTES = 15
# Suggested and proposed times start at least this far ahead, so that a time shown on a
# screen is still in the future when the user picks it a minute later.
SUGGESTION_LEAD = timedelta(minutes=30)


def suggestion_not_before(now: datetime) -> datetime:
    """The earliest start a suggestion may have when computed at ``now``."""
    return now + SUGGESTION_LEAD


@dataclass(frozen=True)
class FreeSlot:
    staff: User
    location: Location
    start: datetime
    end: datetime


def therapists_for(*, municipality_id: int | None) -> QuerySet[User]:
    """Staff who can be booked for citizens: therapists and nurses of the municipality."""
    return (
        User.objects.filter(
            municipality_id=municipality_id,
            is_active=True,
            provider__isnull=True,
            role_assignments__role__in=[Role.THERAPIST, Role.NURSE],
        )
        .distinct()
        .order_by("first_name", "last_name")
    )


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


@dataclass(frozen=True)
class Window:
    """Free time of one staff member at one location (working hours or extra capacity, within
    opening hours, minus absences and busy appointments)."""

    staff_id: int
    location_id: int
    start: datetime
    end: datetime
    extra: bool = False


def _subtract(
    start: datetime, end: datetime, busy: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """[start, end) minus the busy intervals (sorted by start)."""
    pieces = []
    cursor = start
    for b0, b1 in busy:
        if b1 <= cursor or b0 >= end:
            continue
        if b0 > cursor:
            pieces.append((cursor, b0))
        cursor = max(cursor, b1)
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


def free_windows(
    *,
    staff_ids: list[int],
    first_day: date,
    last_day: date,
    default_location: Location | None,
    not_before: datetime | None = None,
) -> list[Window]:
    """Every free stretch of the given staff between two days, with five queries in all.

    Working hours repeat weekly; an ``ExtraCapacity`` block adds hours on one date. Each stretch
    is cut to the location's opening hours, and absences, busy appointments and other registered
    commitments (``scheduling.busy``, e.g. group sessions) are taken out.
    A working-hours row without a location (or at an inactive one) uses ``default_location``.
    """
    hours: dict[tuple[int, int], list[WorkingHours]] = defaultdict(list)
    for wh in WorkingHours.objects.filter(staff_id__in=staff_ids).select_related("location"):
        hours[(wh.staff_id, wh.weekday)].append(wh)
    extra: dict[tuple[int, date], list[ExtraCapacity]] = defaultdict(list)
    for ec in ExtraCapacity.objects.filter(
        staff_id__in=staff_ids, date__gte=first_day, date__lte=last_day
    ).select_related("location"):
        extra[(ec.staff_id, ec.date)].append(ec)
    absent: set[tuple[int, date]] = set()
    for ab in Absence.objects.filter(
        staff_id__in=staff_ids, start_date__lte=last_day, end_date__gte=first_day
    ):
        d = max(ab.start_date, first_day)
        while d <= min(ab.end_date, last_day):
            absent.add((ab.staff_id, d))
            d += timedelta(days=1)
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for staff_id, b0, b1 in (
        Appointment.objects.filter(
            staff_id__in=staff_ids,
            status__in=BUSY_STATUSES,
            start__lt=_aware(last_day + timedelta(days=1), time(0)),
            end__gt=_aware(first_day, time(0)),
        )
        .order_by("start")
        .values_list("staff_id", "start", "end")
    ):
        busy[staff_id].append((b0, b1))
    for staff_id, b0, b1 in busy_intervals(
        staff_ids, _aware(first_day, time(0)), _aware(last_day + timedelta(days=1), time(0))
    ):
        busy[staff_id].append((b0, b1))
    for intervals in busy.values():
        intervals.sort()

    windows: list[Window] = []
    day = first_day
    while day <= last_day:
        for staff_id in sorted(staff_ids):
            if (staff_id, day) in absent:
                continue
            stretches = [
                (wh.start_time, wh.end_time, wh.location, False)
                for wh in hours.get((staff_id, day.weekday()), [])
            ] + [
                (ec.start_time, ec.end_time, ec.location, True)
                for ec in extra.get((staff_id, day), [])
            ]
            for t0, t1, location, is_extra in sorted(stretches, key=lambda x: (x[0], x[1])):
                if location is None or not location.is_active:
                    location = default_location
                if location is None:
                    continue
                start = _aware(day, max(t0, location.opens_at))
                end = _aware(day, min(t1, location.closes_at))
                if not_before is not None:
                    start = max(start, not_before)
                if start >= end:
                    continue
                for w0, w1 in _subtract(start, end, busy.get(staff_id, [])):
                    windows.append(Window(staff_id, location.pk, w0, w1, is_extra))
        day += timedelta(days=1)
    return windows


def _grid_start(moment: datetime) -> datetime:
    """The first time on the booking grid at or after ``moment`` (local wall clock)."""
    local = timezone.localtime(moment)
    minutes = local.hour * 60 + local.minute
    rounded = -(-minutes // SLOT_GRID_MINUTES) * SLOT_GRID_MINUTES
    if rounded == minutes and local.second == 0 and local.microsecond == 0:
        return moment
    return _aware(local.date(), time(0)) + timedelta(minutes=rounded)


def free_slots(
    *,
    staff: User,
    first_day: date,
    last_day: date,
    duration_minutes: int,
    default_location: Location | None,
    not_before: datetime,
    limit: int = 20,
) -> list[FreeSlot]:
    """Free times on a 15-minute grid within working hours and opening hours, without overlaps."""
    locations = {loc.pk: loc for loc in Location.objects.filter(municipality=staff.municipality)}
    step = timedelta(minutes=SLOT_GRID_MINUTES)
    length = timedelta(minutes=duration_minutes)
    slots: list[FreeSlot] = []
    for window in free_windows(
        staff_ids=[staff.pk],
        first_day=first_day,
        last_day=last_day,
        default_location=default_location,
        not_before=not_before,
    ):
        start = _grid_start(window.start)
        while start + length <= window.end and len(slots) < limit:
            slots.append(FreeSlot(staff, locations[window.location_id], start, start + length))
            start += step
        if len(slots) >= limit:
            break
    return slots


def appointments_for_staff(*, staff: User, day: date) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(
            staff=staff,
            start__gte=_aware(day, time(0)),
            start__lt=_aware(day + timedelta(days=1), time(0)),
        )
        .select_related("citizen", "location", "pathway__pathway_type")
        .order_by("start")
    )
