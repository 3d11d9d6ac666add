"""Class sessions in the staff calendars: clash checks, and the busy-time source for scheduling.

``session_busy`` is registered with ``forlob.scheduling.busy`` (see ``apps.py``), so free-time
suggestions, the optimiser and ``appointment_book`` leave group sessions alone. ``staff_clashes``
is the other direction: before sessions are written (a new class, a moved session) it names every
commitment in the way — appointments, other sessions, absences, hours off, a closed location and
whatever else another app registered as busy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.core.models import Location, User
from forlob.scheduling.busy import busy_intervals
from forlob.scheduling.models import (
    BUSY_STATUSES,
    Absence,
    Appointment,
    ExtraCapacity,
    WorkingHours,
)

MESSAGE_CLASH_ABSENT = gettext_noop(
    "%(staff)s is absent (%(kind)s) on %(day)s (session %(number)s)."
)
MESSAGE_CLASH_HOURS = gettext_noop(
    "%(staff)s does not work at the time of session %(number)s (%(when)s)."
)
MESSAGE_CLASH_APPOINTMENT = gettext_noop(
    "%(staff)s has an appointment %(when)s, during session %(number)s."
)
MESSAGE_CLASH_SESSION = gettext_noop(
    "%(staff)s is on “%(other)s”, session %(other_number)s, %(when)s, during session %(number)s."
)
MESSAGE_CLASH_OTHER = gettext_noop("%(staff)s is busy %(when)s, during session %(number)s.")
MESSAGE_CLASH_LOCATION = gettext_noop(
    "%(location)s is closed at the time of session %(number)s (%(when)s)."
)
MESSAGE_MORE_CLASHES = gettext_noop("… and %(count)d more clashes.")
MAX_CLASHES_SHOWN = 8


def when(start: datetime, end: datetime) -> str:
    """ "tirsdag 9. juni 2026 10:00–12:00" in the active language, on the Copenhagen clock."""
    s, e = timezone.localtime(start), timezone.localtime(end)
    return f"{day_text(s.date())} {s:%H:%M}–{e:%H:%M}"


def day_text(day: date) -> str:
    """ "tirsdag 9. juni 2026": Danish writes weekdays and months in lower case mid-sentence."""
    return date_format(day, "l j. F Y").lower()


def session_busy(
    staff_ids: Sequence[int], start: datetime, end: datetime
) -> Iterable[tuple[int, datetime, datetime]]:
    """Group sessions of ``staff_ids`` overlapping ``[start, end)`` (``scheduling.busy`` source)."""
    from forlob.programmes.models import SessionStaff

    return list(
        SessionStaff.objects.filter(
            staff_id__in=list(staff_ids), is_active=True, start__lt=end, end__gt=start
        ).values_list("staff_id", "start", "end")
    )


@dataclass(frozen=True)
class Slot:
    """A staff member needed for a session from ``start`` to ``end``."""

    staff: User
    number: int  # the session's number in its class, for the message
    start: datetime
    end: datetime


def location_clashes(
    *, location: Location, sessions: Iterable[tuple[int, datetime, datetime]]
) -> list[str]:
    problems = []
    for number, start, end in sessions:
        s, e = timezone.localtime(start), timezone.localtime(end)
        if not (
            location.opens_at <= s.time()
            and e.time() <= location.closes_at
            and s.date() == e.date()
        ):
            problems.append(
                _(MESSAGE_CLASH_LOCATION)
                % {"location": location.name, "number": number, "when": when(start, end)}
            )
    return problems


def staff_clashes(*, slots: Sequence[Slot], exclude_session_id: int | None = None) -> list[str]:
    """Every commitment that stands in the way of ``slots``, as messages naming it.

    Reads everything in six queries over the whole span, then checks each slot in Python.
    ``exclude_session_id``: the session being moved (its own old time is no clash).
    """
    from forlob.programmes.models import SessionStaff

    if not slots:
        return []
    staff_ids = sorted({s.staff.pk for s in slots})
    lo = min(s.start for s in slots)
    hi = max(s.end for s in slots)
    first_day = timezone.localtime(lo).date()
    last_day = timezone.localtime(hi).date()

    appointments: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for staff_id, a0, a1 in Appointment.objects.filter(
        staff_id__in=staff_ids, status__in=BUSY_STATUSES, start__lt=hi, end__gt=lo
    ).values_list("staff_id", "start", "end"):
        appointments[staff_id].append((a0, a1))
    sessions: dict[int, list[SessionStaff]] = defaultdict(list)
    own: set[tuple[int, datetime, datetime]] = set()
    for row in SessionStaff.objects.filter(
        staff_id__in=staff_ids, is_active=True, start__lt=hi, end__gt=lo
    ).select_related("session__programme_class"):
        own.add((row.staff_id, row.start, row.end))
        if row.session_id != exclude_session_id:
            sessions[row.staff_id].append(row)
    others: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for staff_id, b0, b1 in busy_intervals(staff_ids, lo, hi):
        if (staff_id, b0, b1) not in own:  # ours are checked above, with a better message
            others[staff_id].append((b0, b1))
    absences: dict[int, list[Absence]] = defaultdict(list)
    for absence in Absence.objects.filter(
        staff_id__in=staff_ids, start_date__lte=last_day, end_date__gte=first_day
    ):
        absences[absence.staff_id].append(absence)
    hours: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for wh in WorkingHours.objects.filter(staff_id__in=staff_ids):
        hours[(wh.staff_id, wh.weekday)].append((wh.start_time, wh.end_time))
    extra: dict[tuple[int, object], list[tuple]] = defaultdict(list)
    for ec in ExtraCapacity.objects.filter(
        staff_id__in=staff_ids, date__gte=first_day, date__lte=last_day
    ):
        extra[(ec.staff_id, ec.date)].append((ec.start_time, ec.end_time))

    problems: list[str] = []
    for slot in slots:
        staff_id = slot.staff.pk
        name = str(slot.staff)
        s, e = timezone.localtime(slot.start), timezone.localtime(slot.end)
        day = s.date()
        base = {"staff": name, "number": slot.number}
        absent = next((a for a in absences[staff_id] if a.start_date <= day <= a.end_date), None)
        if absent is not None:
            problems.append(
                _(MESSAGE_CLASH_ABSENT)
                % {
                    **base,
                    "kind": absent.get_kind_display().lower(),
                    "day": day_text(day),
                }
            )
            continue
        spans = hours[(staff_id, day.weekday())] + extra[(staff_id, day)]
        if e.date() != day or not any(t0 <= s.time() and e.time() <= t1 for t0, t1 in spans):
            problems.append(_(MESSAGE_CLASH_HOURS) % {**base, "when": when(slot.start, slot.end)})
            continue
        for a0, a1 in appointments[staff_id]:
            if a0 < slot.end and a1 > slot.start:
                problems.append(_(MESSAGE_CLASH_APPOINTMENT) % {**base, "when": when(a0, a1)})
        for row in sessions[staff_id]:
            if row.start < slot.end and row.end > slot.start:
                problems.append(
                    _(MESSAGE_CLASH_SESSION)
                    % {
                        **base,
                        "other": row.session.programme_class.name,
                        "other_number": row.session.number,
                        "when": when(row.start, row.end),
                    }
                )
        for b0, b1 in others[staff_id]:
            if b0 < slot.end and b1 > slot.start:
                problems.append(_(MESSAGE_CLASH_OTHER) % {**base, "when": when(b0, b1)})
    return problems


def shorten(problems: list[str]) -> list[str]:
    """At most ``MAX_CLASHES_SHOWN`` messages, then how many more there are."""
    if len(problems) <= MAX_CLASHES_SHOWN:
        return problems
    rest = len(problems) - MAX_CLASHES_SHOWN
    return [*problems[:MAX_CLASHES_SHOWN], _(MESSAGE_MORE_CLASHES) % {"count": rest}]
