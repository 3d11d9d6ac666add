"""Booking appointments in therapists' calendars, and what happens to them afterwards.

The race we guard against: two coordinators booking the same therapist for overlapping times at
the same moment. Each booking locks the therapist's row (``select_for_update``) before checking
for overlaps, so the second waits for the first and then sees its appointment. On SQLite every
transaction takes the write lock at BEGIN (``transaction_mode=IMMEDIATE``), which serialises
bookings the same way. On PostgreSQL an exclusion constraint on (therapist, time range) backs
this up at the database level (migration 0002).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.core.models import Location, User
from forlob.pathways.models import OPEN_STATUSES, Pathway, PathwayStatus
from forlob.pathways.services import apply_transition
from forlob.referrals import rules
from forlob.scheduling.busy import is_busy
from forlob.scheduling.models import (
    BUSY_STATUSES,
    Absence,
    Appointment,
    AppointmentStatus,
    ExtraCapacity,
    WorkingHours,
)

MESSAGE_IN_PAST = gettext_noop("An appointment cannot be booked in the past.")
MESSAGE_OVERLAP = gettext_noop("The therapist already has an appointment at that time.")
MESSAGE_ABSENT = gettext_noop("The therapist is absent on that day.")
MESSAGE_OUTSIDE_HOURS = gettext_noop("The time lies outside the therapist's working hours.")
MESSAGE_LOCATION_CLOSED = gettext_noop("The location is closed at that time.")
MESSAGE_DURATION = gettext_noop("The duration must be between 5 minutes and 8 hours.")
MESSAGE_PATHWAY_CLOSED = gettext_noop("The pathway is closed; no more appointments can be booked.")
MESSAGE_NOT_BOOKED = gettext_noop("Only a booked appointment can be changed this way.")
MESSAGE_NOT_STARTED = gettext_noop("Attendance can be registered once the appointment has begun.")
MESSAGE_OTHER_MUNICIPALITY = gettext_noop(
    "The therapist or location belongs to another municipality."
)


def calendar_problems(
    *, staff: User, location: Location, start: datetime, end: datetime
) -> list[str]:
    """Why ``staff`` cannot see a citizen at ``location`` from ``start`` to ``end`` (empty: can).

    Checks working hours, absences, opening hours, existing appointments and other registered
    commitments (``scheduling.busy``). Used by the booking
    service under lock, and by forms and the optimiser adapter to explain a refusal.
    """
    problems: list[str] = []
    local_start = timezone.localtime(start)
    local_end = timezone.localtime(end)
    day = local_start.date()
    if Absence.objects.filter(staff=staff, start_date__lte=day, end_date__gte=day).exists():
        problems.append(_(MESSAGE_ABSENT))
    hours = [
        (h.start_time, h.end_time)
        for h in WorkingHours.objects.filter(staff=staff, weekday=day.weekday())
    ] + [(e.start_time, e.end_time) for e in ExtraCapacity.objects.filter(staff=staff, date=day)]
    fits_hours = local_end.date() == day and any(
        t0 <= local_start.time() and local_end.time() <= t1 for t0, t1 in hours
    )
    if not fits_hours:
        problems.append(_(MESSAGE_OUTSIDE_HOURS))
    if not (location.opens_at <= local_start.time() and local_end.time() <= location.closes_at):
        problems.append(_(MESSAGE_LOCATION_CLOSED))
    if Appointment.objects.filter(
        staff=staff, status__in=BUSY_STATUSES, start__lt=end, end__gt=start
    ).exists() or is_busy(staff.pk, start, end):
        problems.append(_(MESSAGE_OVERLAP))
    return problems


@transaction.atomic
def appointment_book(
    *,
    actor: User,
    pathway: Pathway,
    staff: User,
    location: Location,
    start: datetime,
    duration_minutes: int,
    now: datetime | None = None,
) -> Appointment:
    """Book a time for the citizen of ``pathway``; the first one booked is the first offer.

    Recording the offer: the law counts the time *offered*, so the first booking sets the
    pathway's first-offer fields once and for all, even if the citizen later declines it.
    """
    now = now or timezone.now()
    if not 5 <= duration_minutes <= 480:
        raise ValidationError({"duration_minutes": _(MESSAGE_DURATION)})
    if start < now:
        raise ValidationError({"start": _(MESSAGE_IN_PAST)})
    if staff.municipality_id != pathway.municipality_id or (
        location.municipality_id != pathway.municipality_id
    ):
        raise ValidationError(_(MESSAGE_OTHER_MUNICIPALITY))
    end = start + timedelta(minutes=duration_minutes)
    # Lock order, always: therapist, then pathway. Serialises bookings per therapist.
    User.objects.select_for_update().filter(pk=staff.pk).first()
    locked = Pathway.objects.select_for_update().get(pk=pathway.pk)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(_(MESSAGE_PATHWAY_CLOSED))
    problems = calendar_problems(staff=staff, location=location, start=start, end=end)
    if problems:
        raise ValidationError(problems)
    is_first = locked.first_offered_at is None
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                pathway=locked,
                citizen_id=locked.citizen_id,
                staff=staff,
                location=location,
                start=start,
                end=end,
                is_first=is_first,
                created_by=actor,
            )
    except IntegrityError:
        # The PostgreSQL exclusion constraint caught an overlap the lock should have prevented.
        raise ValidationError(_(MESSAGE_OVERLAP)) from None
    if is_first:
        locked.first_offered_at = now
        locked.first_offered_start = start
        locked.first_offer_within_deadline = rules.offered_within(locked.offer_deadline, start)
        locked.save(
            update_fields=["first_offered_at", "first_offered_start", "first_offer_within_deadline"]
        )
    if locked.status == PathwayStatus.REFERRED:
        apply_transition(actor=actor, pathway=locked, to_status=PathwayStatus.BOOKED, at=now)
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="appointment_book",
        citizen_id=locked.citizen_id,
        obj=appointment,
    )
    return appointment


def _lock_booked(appointment: Appointment) -> tuple[Appointment, Pathway]:
    locked_pathway = Pathway.objects.select_for_update().get(pk=appointment.pathway_id)
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if locked.status != AppointmentStatus.BOOKED:
        raise ValidationError(_(MESSAGE_NOT_BOOKED), code="not_booked")
    return locked, locked_pathway


def _release(*, actor: User, appointment: Appointment, status: str, now: datetime) -> Appointment:
    locked, pathway = _lock_booked(appointment)
    locked.status = status
    locked.save(update_fields=["status"])
    still_booked = pathway.appointments.filter(status=AppointmentStatus.BOOKED).exists()
    if pathway.status == PathwayStatus.BOOKED and not still_booked:
        apply_transition(
            actor=actor,
            pathway=pathway,
            to_status=PathwayStatus.REFERRED,
            at=now,
            note=AppointmentStatus(status).label,
        )
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation=f"appointment_{status}",
        citizen_id=locked.citizen_id,
        obj=locked,
    )
    return locked


@transaction.atomic
def appointment_decline(
    *, actor: User, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    """The citizen declines the offered time. The offer still counts as made (see above)."""
    return _release(
        actor=actor,
        appointment=appointment,
        status=AppointmentStatus.DECLINED,
        now=now or timezone.now(),
    )


@transaction.atomic
def appointment_cancel(
    *, actor: User, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    """The municipality cancels a time (e.g. therapist ill); the slot is free again."""
    return _release(
        actor=actor,
        appointment=appointment,
        status=AppointmentStatus.CANCELLED,
        now=now or timezone.now(),
    )


@transaction.atomic
def appointment_register_attendance(
    *, actor: User, appointment: Appointment, attended: bool, now: datetime | None = None
) -> Appointment:
    """Register that the citizen came (the pathway becomes active) or did not show up."""
    now = now or timezone.now()
    locked, pathway = _lock_booked(appointment)
    if locked.start > now:
        raise ValidationError(_(MESSAGE_NOT_STARTED), code="not_started")
    locked.status = AppointmentStatus.ATTENDED if attended else AppointmentStatus.NO_SHOW
    locked.save(update_fields=["status"])
    if attended and pathway.status == PathwayStatus.BOOKED:
        apply_transition(actor=actor, pathway=pathway, to_status=PathwayStatus.ACTIVE, at=now)
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation=f"appointment_{locked.status}",
        citizen_id=locked.citizen_id,
        obj=locked,
    )
    return locked
