"""A staff member's own calendar as iCalendar (RFC 5545), for the private feed address.

What goes in, for ``WINDOW_PAST`` back and ``WINDOW_AHEAD`` ahead of now:

* the member's appointments, cancelled and declined ones included as ``STATUS:CANCELLED`` (so a
  calendar that already has them shows them cancelled rather than keeping a stale time);
* commitments other apps registered in ``scheduling/busy.py`` (the group sessions of
  ``programmes``): with their own title and place where the app registered calendar entries,
  else as plain "busy" blocks;
* absences as all-day "Absence" events.

What stays out, deliberately. An Outlook or Google calendar is synced to phones, cloud servers and
often to colleagues' overviews, so the feed carries no health information about anybody:

* no citizen: no name (not even a first name or initials: with the time and place, a name in a
  rehabilitation calendar *is* health information), no CPR number, no diagnosis, no pathway
  type (a "concussion programme" title says what the citizen has). An appointment is
  "Citizen appointment" (or "…, first time") with the location; the description links to the
  day in Forløb, where the login and the access checks say who it is;
* not the kind of absence: "sick" is the member's own health information;
* events are ``CLASS:PRIVATE``, so a calendar shared with colleagues shows only "busy".

Stable ``UID`` per event (``appointment-<id>@<host>``), ``DTSTAMP`` = the time of the fetch,
times with ``TZID=Europe/Copenhagen`` and its ``VTIMEZONE``. An appointment's time never changes
after booking (moving one is cancel + book), so the only revision is the cancellation:
``SEQUENCE:1`` with ``STATUS:CANCELLED``, 0 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from icalendar import Calendar, Event, vDuration

from forlob.core.models import User
from forlob.scheduling.busy import CalendarEntry, busy_intervals, calendar_entries
from forlob.scheduling.models import Absence, Appointment, AppointmentStatus

WINDOW_PAST = timedelta(days=30)
WINDOW_AHEAD = timedelta(days=180)
# Ask clients to look again every hour (Outlook and Google decide for themselves in the end).
REFRESH = timedelta(hours=1)
PRODID = "-//Forløb//Kalender//DA"
TZID = "Europe/Copenhagen"
CANCELLED_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.DECLINED)

MESSAGE_CALENDAR_NAME = gettext_noop("Forløb – %(name)s")
MESSAGE_APPOINTMENT = gettext_noop("Citizen appointment")
MESSAGE_FIRST_APPOINTMENT = gettext_noop("Citizen appointment, first time")
MESSAGE_CANCELLED = gettext_noop("Cancelled: %(summary)s")
MESSAGE_APPOINTMENT_DESCRIPTION = gettext_noop(
    "Who the appointment is with is shown only in Forløb: %(url)s"
)
MESSAGE_BUSY = gettext_noop("Busy (group session or other commitment)")
MESSAGE_ABSENCE = gettext_noop("Absence")


@dataclass(frozen=True)
class Feed:
    ics: bytes
    appointments: int
    events: int


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    return now - WINDOW_PAST, now + WINDOW_AHEAD


def staff_feed(*, staff: User, base_url: str, now: datetime | None = None) -> Feed:
    """``staff``'s own calendar as an iCalendar file. ``base_url`` (``https://host``) makes the
    links back to Forløb and the host part of the UIDs."""
    now = now or timezone.now()
    start, end = feed_window(now)
    appointments = list(
        Appointment.objects.filter(staff=staff, start__lt=end, end__gt=start)
        .select_related("location")
        .order_by("start", "pk")
    )
    entries = calendar_entries([staff.pk], start, end)
    covered = {(e.start, e.end) for e in entries}
    busy = [
        (b0, b1) for _, b0, b1 in busy_intervals([staff.pk], start, end) if (b0, b1) not in covered
    ]
    absences = list(
        Absence.objects.filter(
            staff=staff,
            start_date__lte=timezone.localdate(end),
            end_date__gte=timezone.localdate(start),
        ).order_by("start_date", "pk")
    )
    calendar = _calendar(staff=staff, base_url=base_url, start=start, end=end)
    host = urlsplit(base_url).hostname or "forlob"
    stamp = now.astimezone(UTC)
    events: list[Event] = []
    events += (
        _appointment_event(a, host=host, base_url=base_url, stamp=stamp) for a in appointments
    )
    events += (_entry_event(e, host=host, stamp=stamp) for e in entries)
    events += (_busy_event(staff, b0, b1, host=host, stamp=stamp) for b0, b1 in busy)
    events += (_absence_event(a, host=host, stamp=stamp) for a in absences)
    for event in sorted(events, key=_sort_key):
        calendar.add_component(event)
    # One VTIMEZONE for Europe/Copenhagen (RFC 5545 wants one per TZID), over the whole years
    # of the window: the usual March/October rules, not a rule starting on an arbitrary day.
    calendar.add_missing_timezones(
        first_date=date(timezone.localdate(start).year, 1, 1),
        last_date=date(timezone.localdate(end).year + 1, 1, 1),
    )
    return Feed(ics=calendar.to_ical(), appointments=len(appointments), events=len(events))


def _calendar(*, staff: User, base_url: str, start: datetime, end: datetime) -> Calendar:
    host = urlsplit(base_url).hostname or "forlob"
    calendar = Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        method="PUBLISH",
        name=_(MESSAGE_CALENDAR_NAME) % {"name": staff.get_full_name() or staff.get_username()},
        uid=f"calendar-feed-{staff.pk}@{host}",
        refresh_interval=REFRESH,
    )
    calendar.add("X-WR-TIMEZONE", TZID)
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))  # Outlook's REFRESH-INTERVAL
    return calendar


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)  # the zoneinfo of TIME_ZONE: serialised with its TZID


def _day_url(base_url: str, day: date) -> str:
    return f"{base_url}{reverse('scheduling:day')}?date={day.isoformat()}"


def _appointment_event(
    appointment: Appointment, *, host: str, base_url: str, stamp: datetime
) -> Event:
    summary = _(MESSAGE_FIRST_APPOINTMENT) if appointment.is_first else _(MESSAGE_APPOINTMENT)
    cancelled = appointment.status in CANCELLED_STATUSES
    if cancelled:
        summary = _(MESSAGE_CANCELLED) % {"summary": summary}
    url = _day_url(base_url, timezone.localdate(appointment.start))
    return Event.new(
        uid=f"appointment-{appointment.pk}@{host}",
        stamp=stamp,
        created=appointment.created_at,
        start=_local(appointment.start),
        end=_local(appointment.end),
        summary=summary,
        location=appointment.location.name,
        description=_(MESSAGE_APPOINTMENT_DESCRIPTION) % {"url": url},
        url=url,
        status="CANCELLED" if cancelled else "CONFIRMED",
        # The only revision an appointment has is its cancellation (times never change).
        sequence=1 if cancelled else 0,
        transparency="TRANSPARENT" if cancelled else "OPAQUE",
        classification="PRIVATE",
    )


def _entry_event(entry: CalendarEntry, *, host: str, stamp: datetime) -> Event:
    summary = (
        _(MESSAGE_CANCELLED) % {"summary": entry.summary} if entry.cancelled else entry.summary
    )
    return Event.new(
        uid=f"{entry.uid}@{host}",
        stamp=stamp,
        start=_local(entry.start),
        end=_local(entry.end),
        summary=summary,
        location=entry.location or None,
        status="CANCELLED" if entry.cancelled else "CONFIRMED",
        sequence=1 if entry.cancelled else 0,
        transparency="TRANSPARENT" if entry.cancelled else "OPAQUE",
        classification="PRIVATE",
    )


def _busy_event(
    staff: User, start: datetime, end: datetime, *, host: str, stamp: datetime
) -> Event:
    # No id to go by: the time itself is the identity (a moved commitment is a new event).
    utc = UTC
    key = f"{start.astimezone(utc):%Y%m%dT%H%M%SZ}-{end.astimezone(utc):%Y%m%dT%H%M%SZ}"
    return Event.new(
        uid=f"busy-{staff.pk}-{key}@{host}",
        stamp=stamp,
        start=_local(start),
        end=_local(end),
        summary=_(MESSAGE_BUSY),
        status="CONFIRMED",
        transparency="OPAQUE",
        classification="PRIVATE",
    )


def _absence_event(absence: Absence, *, host: str, stamp: datetime) -> Event:
    return Event.new(
        uid=f"absence-{absence.pk}@{host}",
        stamp=stamp,
        start=absence.start_date,
        end=absence.end_date + timedelta(days=1),  # DTEND of an all-day event is exclusive
        summary=_(MESSAGE_ABSENCE),  # not the kind: "sick" is the member's health information
        status="CONFIRMED",
        transparency="OPAQUE",
        classification="PRIVATE",
    )


def _sort_key(event: Event) -> tuple[datetime, str]:
    start = event.start
    if not isinstance(start, datetime):  # an all-day event: from midnight, Copenhagen time
        start = timezone.make_aware(datetime.combine(start, time.min))
    return start, str(event.uid)
