"""Class sessions as reminder events (a ``forlob.notifications.sources`` source)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from forlob.notifications.sources import ReminderEvent
from forlob.programmes.models import (
    Attendance,
    AttendanceStatus,
    ClassSession,
    ClassStatus,
    Enrolment,
    EnrolmentStatus,
    SessionMode,
    SessionStatus,
)

WHERE_BY_MODE = {SessionMode.PHONE: "telefon", SessionMode.VIDEO: "video"}


def session_events(start: datetime, end: datetime) -> list[ReminderEvent]:
    """One event per enrolled citizen and planned session starting in ``[start, end)``.

    A citizen who has cancelled that session in advance gets no reminder for it.
    """
    sessions = list(
        ClassSession.objects.filter(
            status=SessionStatus.PLANNED,
            start__gte=start,
            start__lt=end,
            programme_class__status=ClassStatus.OPEN,
        ).select_related("programme_class__programme", "location")
    )
    if not sessions:
        return []
    enrolled: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for class_id, enrolment_id, citizen_id in Enrolment.objects.filter(
        programme_class_id__in={s.programme_class_id for s in sessions},
        status=EnrolmentStatus.ENROLLED,
    ).values_list("programme_class_id", "pk", "citizen_id"):
        enrolled[class_id].append((enrolment_id, citizen_id))
    cancelled = set(
        Attendance.objects.filter(
            session__in=sessions, status=AttendanceStatus.CANCELLED
        ).values_list("session_id", "enrolment_id")
    )
    events = []
    for s in sessions:
        klass = s.programme_class
        where = WHERE_BY_MODE.get(s.mode, s.location.name)
        for enrolment_id, citizen_id in enrolled[s.programme_class_id]:
            if (s.pk, enrolment_id) in cancelled:
                continue
            events.append(
                ReminderEvent(
                    key=f"session:{s.pk}:citizen:{citizen_id}",
                    citizen_id=citizen_id,
                    start=s.start,
                    # Neutral on purpose: an SMS is read on a lock screen, and a programme name
                    # such as "KOL-hold" would tell anyone nearby the citizen's diagnosis.
                    what="Holdtræningen",
                    where=where,
                    team_id=klass.team_id,
                )
            )
    return events
