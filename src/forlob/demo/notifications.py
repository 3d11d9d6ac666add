"""Demo data for reminders: the municipality's setting, reminders for the coming days and the
past two weeks, low health literacy for some citizens and a proactive call.

Upcoming reminders are planned by the real planner (``reminders_plan``), so the demo holds
exactly what the worker would have made. The past is written directly, as the generator does.
The generator gives demo citizens no phone number or e-mail address (nothing may reach a real
person), so their reminders are recorded as failed ("no mobile number"), which is what the
system does for such citizens; a citizen with a number gets sent reminders, and now and then
one the gateway gave up on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from forlob.citizens.models import Citizen, HealthLiteracy
from forlob.notifications import rules, texts
from forlob.notifications.models import (
    CallListEntry,
    Channel,
    DeliveryAttempt,
    OutboundMessage,
    ReminderSetting,
)
from forlob.notifications.services import MESSAGE_NO_PHONE, reminders_plan
from forlob.scheduling.models import Appointment, AppointmentStatus
from forlob.scheduling.reminders import appointment_event, appointment_key

# Not a subscriber number: Danish numbers starting with 1 are service codes.
DEMO_CONTACT_PHONE = "12 34 56 78"
LOW_LITERACY_SHARE = 0.25  # of the citizens with an appointment in the coming days
HISTORY_DAYS = 14
HISTORY_SAMPLE = 80


def _now(b: Any) -> datetime:
    """The demo's present: the real clock when the demo ends today, else 07:00 that day."""
    if b.today == timezone.localdate():
        return timezone.now()
    return b.cutoff + timedelta(hours=7)


def _low_literacy(b: Any, now: datetime) -> list[Citizen]:
    upcoming = [
        a
        for a in b.appointments
        if a.status == AppointmentStatus.BOOKED and now <= a.start < now + timedelta(days=5)
    ]
    ids = sorted({a.citizen_id for a in upcoming})
    chosen = set(b.rng.sample(ids, round(len(ids) * LOW_LITERACY_SHARE))) if ids else set()
    citizens = list(Citizen.objects.filter(pk__in=chosen, health_literacy=""))
    for c in citizens:
        c.health_literacy = HealthLiteracy.LOW
        c.health_literacy_assessed_on = b.today - timedelta(days=b.rng.randint(3, 90))
    Citizen.objects.bulk_update(citizens, ["health_literacy", "health_literacy_assessed_on"])
    return citizens


def _history(b: Any, setting: ReminderSetting, now: datetime) -> tuple[int, int]:
    """SMS reminders 2 hours before a sample of the past two weeks' appointments."""
    past = [
        a
        for a in b.appointments
        if a.status in (AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW)
        and now - timedelta(days=HISTORY_DAYS) <= a.start < now
    ]
    sample = b.rng.sample(past, min(HISTORY_SAMPLE, len(past)))
    phones = dict(
        Citizen.objects.filter(pk__in={a.citizen_id for a in sample}).values_list("pk", "phone")
    )
    events = {
        a.pk: appointment_event(a)
        for a in Appointment.objects.filter(pk__in=[a.pk for a in sample]).select_related(
            "location", "staff__team__unit"
        )
    }
    messages, attempts = [], []
    for a in sample:
        event = events[a.pk]
        due = rules.before_quiet_hours(
            a.start - timedelta(hours=2), setting.quiet_start, setting.quiet_end
        )
        number = rules.msisdn(phones.get(a.citizen_id, ""))
        message = OutboundMessage(
            citizen_id=a.citizen_id,
            channel=Channel.SMS,
            recipient=number or "",
            body=texts.reminder_sms(event, contact_phone=setting.contact_phone),
            purpose=OutboundMessage.Purpose.REMINDER,
            related_key=event.key,
            event_start=a.start,
            offset_minutes=120,
            due_at=due,
        )
        if number is None:
            message.status = OutboundMessage.Status.FAILED
            message.last_error = MESSAGE_NO_PHONE
        elif b.rng.random() < 0.08:  # the gateway was down for a while
            message.status = OutboundMessage.Status.FAILED
            message.attempts = 4
            message.last_error = "HTTP 503: Service Unavailable"
        else:
            message.status = OutboundMessage.Status.SENT
            message.attempts = 1
            message.sent_at = due
            message.gateway_message_id = f"demo-{b.rng.randrange(10**8)}"
        messages.append(message)
    OutboundMessage.objects.bulk_create(messages)
    for m in messages:
        for n in range(1, m.attempts + 1):
            ok = m.status == OutboundMessage.Status.SENT
            attempts.append(
                DeliveryAttempt(
                    message=m,
                    number=n,
                    at=m.due_at + timedelta(minutes=sum(5**i for i in range(n - 1))),
                    outcome="sent" if ok else "transient",
                    error="" if ok else m.last_error,
                    gateway="console",
                    gateway_message_id=m.gateway_message_id if ok else "",
                )
            )
    DeliveryAttempt.objects.bulk_create(attempts)
    return len(messages), len(attempts)


def extend(b: Any) -> dict[str, int]:
    now = _now(b)
    setting = ReminderSetting.objects.create(
        municipality=b.municipality, contact_phone=DEMO_CONTACT_PHONE
    )
    low = _low_literacy(b, now)
    planned = reminders_plan(now=now).planned
    history, attempts = _history(b, setting, now)
    # One proactive call already made, so the call list shows both states.
    calls = 0
    low_ids = {c.pk for c in low}
    for a in sorted(b.appointments, key=lambda a: a.start):
        if a.citizen_id in low_ids and a.status == AppointmentStatus.BOOKED and a.start > now:
            CallListEntry.objects.create(
                citizen_id=a.citizen_id,
                event_key=appointment_key(a.pk),
                event_start=a.start,
                called_by=a.staff,
                called_at=now - timedelta(hours=1),
                note="Kommer. Datteren kører.",
            )
            calls = 1
            break
    return {
        "reminder_messages": planned + history,
        "delivery_attempts": attempts,
        "low_health_literacy": len(low),
        "call_list_entries": calls,
    }
