"""Opening and closing extra capacity (the "ambulatory function": holiday cover, peaks).

An ``ExtraCapacity`` block is working time for one staff member on one date, beyond the weekly
working hours. Booking, free-time suggestions and the optimiser count it as working time
(``scheduling.selectors.free_windows``), so opening one and pressing "Propose times" again lets
more plans be offered within their deadline.

It is not citizen data: no audit row is written (the audit log records what people did with
citizens' data). Who opened a block and when is kept on the block itself.

The race we guard against: two managers opening overlapping blocks for the same therapist at the
same moment, or a block being closed while a time is booked into it. Each service locks the
therapist's row first (``select_for_update``), the same lock ``appointment_book`` takes, so they
run one after the other and the second sees the first's result. On SQLite every transaction takes
the write lock at BEGIN, which serialises them the same way.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.policy import Action, can
from forlob.core.models import Location, User
from forlob.scheduling.models import (
    BUSY_STATUSES,
    Absence,
    Appointment,
    ExtraCapacity,
    WorkingHours,
)
from forlob.scheduling.selectors import therapists_for

MESSAGE_IN_PAST = gettext_noop("Extra capacity cannot be opened in the past.")
MESSAGE_END_BEFORE_START = gettext_noop("The end must be after the start.")
MESSAGE_NOT_BOOKABLE_STAFF = gettext_noop("Choose a therapist or nurse of your own municipality.")
MESSAGE_OTHER_LOCATION = gettext_noop("Choose an active location of your own municipality.")
MESSAGE_LOCATION_CLOSED = gettext_noop(
    "The location is closed at that time (open %(opens)s–%(closes)s)."
)
MESSAGE_ABSENT = gettext_noop(
    "The staff member is absent on that day; extra capacity would not count."
)
MESSAGE_OVERLAPS_HOURS = gettext_noop(
    "The time overlaps the staff member's ordinary working hours that day (%(hours)s)."
)
MESSAGE_OVERLAPS_BLOCK = gettext_noop(
    "The time overlaps extra capacity already opened for the staff member that day (%(hours)s)."
)
MESSAGE_CLOSE_PAST = gettext_noop("Extra capacity on a past day cannot be closed.")
MESSAGE_CLOSE_BOOKED = gettext_noop(
    "Times are booked in this extra capacity. Move or cancel them before closing it."
)


def may_manage_capacity(user: User) -> bool:
    """Managers and care coordinators open and close extra capacity (``MANAGE_CAPACITY``);
    a therapist sees the capacity page but does not change it."""
    return can(user, Action.MANAGE_CAPACITY)


def _span(t0: time, t1: time) -> str:
    return f"{t0:%H:%M}–{t1:%H:%M}"


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


@transaction.atomic
def extra_capacity_open(
    *,
    actor: User,
    staff: User,
    location: Location,
    day: date,
    start_time: time,
    end_time: time,
    note: str = "",
    now: datetime | None = None,
) -> ExtraCapacity:
    """Open extra bookable time for ``staff`` at ``location`` on ``day``, from–to.

    Refused (``ValidationError``, nothing saved) when: the block lies in the past; it ends before
    it starts; the staff member is not a bookable therapist or nurse of the actor's municipality,
    or the location is not an active one of it; the location is closed for part of the time; the
    staff member is absent that day (``free_windows`` skips absent days whole, so the block would
    not count); or it overlaps the staff member's ordinary working hours that weekday or another
    block that day (it would add nothing, and two blocks would count the time twice).
    """
    if not may_manage_capacity(actor):
        raise PermissionDenied
    now = now or timezone.now()
    if end_time <= start_time:
        raise ValidationError({"end_time": _(MESSAGE_END_BEFORE_START)})
    if _aware(day, end_time) <= now:
        raise ValidationError({"date": _(MESSAGE_IN_PAST)})
    if not therapists_for(municipality_id=actor.municipality_id).filter(pk=staff.pk).exists():
        raise ValidationError({"staff": _(MESSAGE_NOT_BOOKABLE_STAFF)})
    if not location.is_active or location.municipality_id != actor.municipality_id:
        raise ValidationError({"location": _(MESSAGE_OTHER_LOCATION)})
    if start_time < location.opens_at or end_time > location.closes_at:
        raise ValidationError(
            {
                "start_time": _(MESSAGE_LOCATION_CLOSED)
                % {"opens": f"{location.opens_at:%H:%M}", "closes": f"{location.closes_at:%H:%M}"}
            }
        )
    # Lock order as in appointment_book: the therapist's row first.
    User.objects.select_for_update().filter(pk=staff.pk).first()
    if Absence.objects.filter(staff=staff, start_date__lte=day, end_date__gte=day).exists():
        raise ValidationError({"date": _(MESSAGE_ABSENT)})
    hours = WorkingHours.objects.filter(
        staff=staff, weekday=day.weekday(), start_time__lt=end_time, end_time__gt=start_time
    ).first()
    if hours is not None:
        raise ValidationError(
            _(MESSAGE_OVERLAPS_HOURS) % {"hours": _span(hours.start_time, hours.end_time)}
        )
    block = ExtraCapacity.objects.filter(
        staff=staff, date=day, start_time__lt=end_time, end_time__gt=start_time
    ).first()
    if block is not None:
        raise ValidationError(
            _(MESSAGE_OVERLAPS_BLOCK) % {"hours": _span(block.start_time, block.end_time)}
        )
    return ExtraCapacity.objects.create(
        staff=staff,
        location=location,
        date=day,
        start_time=start_time,
        end_time=end_time,
        note=note.strip(),
        created_by=actor,
    )


@transaction.atomic
def extra_capacity_close(*, actor: User, block: ExtraCapacity, now: datetime | None = None) -> None:
    """Close (delete) an extra capacity block that is not needed after all.

    Refused when the day has passed (the block is part of what happened: the booking simulation
    replays it) or when a time is booked inside it: closing would leave that appointment outside
    the therapist's working time.
    """
    if not may_manage_capacity(actor):
        raise PermissionDenied
    now = now or timezone.now()
    if block.date < timezone.localdate(now):
        raise ValidationError(_(MESSAGE_CLOSE_PAST))
    User.objects.select_for_update().filter(pk=block.staff_id).first()
    if Appointment.objects.filter(
        staff_id=block.staff_id,
        status__in=BUSY_STATUSES,
        start__lt=_aware(block.date, block.end_time),
        end__gt=_aware(block.date, block.start_time),
    ).exists():
        raise ValidationError(_(MESSAGE_CLOSE_BOOKED))
    block.delete()
