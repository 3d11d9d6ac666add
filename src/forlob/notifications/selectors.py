"""Reads of the notifications app, always scoped by the actor where they list citizens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from forlob.access.policy import citizens_in_scope
from forlob.citizens.models import Citizen, HealthLiteracy
from forlob.core.models import User
from forlob.notifications.models import CallListEntry, OutboundMessage
from forlob.notifications.sources import ReminderEvent, events_between

FAILED_LIST_DAYS = 14  # the failed list shows failures due within the last two weeks and later


def citizen_messages(*, citizen: Citizen, limit: int = 10) -> list[OutboundMessage]:
    """The citizen's latest messages (queued ones included), newest due first."""
    return list(
        OutboundMessage.objects.filter(citizen=citizen)
        .select_related("citizen")
        .order_by("-due_at", "-pk")[:limit]
    )


def failed_messages(*, actor: User, now: datetime, limit: int = 200) -> QuerySet[OutboundMessage]:
    """Failed messages to citizens in the actor's scope, due within the last two weeks or later.

    The staff list of what did not reach a citizen: a missing or wrong number to fix, a gateway
    that gave up. Older failures stay on the citizen page.
    """
    return (
        OutboundMessage.objects.filter(
            status=OutboundMessage.Status.FAILED,
            citizen__in=citizens_in_scope(actor, now=now),
            due_at__gte=now - timedelta(days=FAILED_LIST_DAYS),
        )
        .select_related("citizen")
        .order_by("-due_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class CallRow:
    event: ReminderEvent
    citizen: Citizen
    call: CallListEntry | None  # the call already made before this event, if any
    reminder: OutboundMessage | None  # the latest SMS/e-mail reminder for it, if any


def call_list(*, actor: User, now: datetime, days: int) -> list[CallRow]:
    """Citizens in scope with low health literacy and an event in the next ``days`` days.

    One row per event, earliest first, with the call already made (if any) and how the
    automatic reminder fared: a citizen without a mobile number is the first to call.
    """
    events = events_between(now, now + timedelta(days=days))
    if not events:
        return []
    citizens = {
        c.pk: c
        for c in citizens_in_scope(actor, now=now).filter(
            health_literacy=HealthLiteracy.LOW, pk__in={e.citizen_id for e in events}
        )
    }
    events = [e for e in events if e.citizen_id in citizens]
    keys = {e.key for e in events}
    calls = {
        (c.citizen_id, c.event_key, c.event_start): c
        for c in CallListEntry.objects.filter(
            citizen_id__in=citizens, event_key__in=keys
        ).select_related("called_by")
    }
    reminders: dict[tuple[str, datetime], OutboundMessage] = {}
    for message in OutboundMessage.objects.filter(
        purpose=OutboundMessage.Purpose.REMINDER, related_key__in=keys
    ).order_by("due_at", "pk"):
        key = (message.related_key, message.event_start)
        # The latest one, unless an earlier one failed: that is what the caller needs to know.
        if key not in reminders or not reminders[key].is_failed:
            reminders[key] = message
    return [
        CallRow(
            event=e,
            citizen=citizens[e.citizen_id],
            call=calls.get((e.citizen_id, e.key, e.start)),
            reminder=reminders.get((e.key, e.start)),
        )
        for e in events
    ]
