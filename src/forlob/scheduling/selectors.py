"""Reads on calendars: free times, a therapist's day list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from forlob.core.choices import Role
from forlob.core.models import Location, User
from forlob.scheduling.models import BUSY_STATUSES, Absence, Appointment, WorkingHours

SLOT_GRID_MINUTES = 15


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
    """Free times on a 15-minute grid within working hours and opening hours, without overlaps.

    Reads the calendar with three queries whatever the range (hours, absences, appointments).
    """
    hours_by_day: dict[int, list[WorkingHours]] = {}
    for wh in WorkingHours.objects.filter(staff=staff).select_related("location"):
        hours_by_day.setdefault(wh.weekday, []).append(wh)
    absent_days: set[date] = set()
    for ab in Absence.objects.filter(
        staff=staff, start_date__lte=last_day, end_date__gte=first_day
    ):
        d = max(ab.start_date, first_day)
        while d <= min(ab.end_date, last_day):
            absent_days.add(d)
            d += timedelta(days=1)
    busy = list(
        Appointment.objects.filter(
            staff=staff,
            status__in=BUSY_STATUSES,
            start__lt=_aware(last_day + timedelta(days=1), time(0)),
            end__gt=_aware(first_day, time(0)),
        ).values_list("start", "end")
    )
    step = timedelta(minutes=SLOT_GRID_MINUTES)
    length = timedelta(minutes=duration_minutes)
    slots: list[FreeSlot] = []
    day = first_day
    while day <= last_day and len(slots) < limit:
        if day not in absent_days:
            for wh in sorted(hours_by_day.get(day.weekday(), []), key=lambda h: h.start_time):
                location = wh.location if wh.location and wh.location.is_active else None
                location = location or default_location
                if location is None:
                    continue
                open_from = max(wh.start_time, location.opens_at)
                open_to = min(wh.end_time, location.closes_at)
                start = _aware(day, open_from)
                stop = _aware(day, open_to)
                while start + length <= stop and len(slots) < limit:
                    end = start + length
                    if start >= not_before and not any(b0 < end and b1 > start for b0, b1 in busy):
                        slots.append(FreeSlot(staff=staff, location=location, start=start, end=end))
                    start += step
        day += timedelta(days=1)
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
