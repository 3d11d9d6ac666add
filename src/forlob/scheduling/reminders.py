"""Booked appointments as reminder events (``forlob.notifications.sources``).

Registered in ``SchedulingConfig.ready``. The reminder names who the appointment is with (the
therapist's unit, e.g. "Genoptræningen") and where; nothing about the citizen's condition.
"""

from __future__ import annotations

from datetime import datetime

from forlob.notifications.sources import ReminderEvent, register
from forlob.scheduling.models import Appointment, AppointmentStatus

FALLBACK_WHAT = "Genoptræningen"


def appointment_key(appointment_id: int) -> str:
    return f"appointment:{appointment_id}"


def appointment_event(a: Appointment) -> ReminderEvent:
    """The reminder event of one appointment (with ``location`` and ``staff__team__unit``)."""
    team = a.staff.team
    location = a.location
    return ReminderEvent(
        key=appointment_key(a.pk),
        citizen_id=a.citizen_id,
        start=a.start,
        what=team.unit.name if team is not None else FALLBACK_WHAT,
        where=f"{location.name}, {location.address}" if location.address else location.name,
        team_id=team.pk if team is not None else None,
    )


def appointment_events(start: datetime, end: datetime) -> list[ReminderEvent]:
    """Booked appointments starting in ``[start, end)``."""
    return [
        appointment_event(a)
        for a in Appointment.objects.filter(
            status=AppointmentStatus.BOOKED, start__gte=start, start__lt=end
        ).select_related("location", "staff__team__unit")
    ]


def register_source() -> None:
    register(appointment_events)
