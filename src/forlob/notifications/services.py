"""Writes of the notifications app: queueing and sending messages, planning reminders, opt-out,
the call list.

The life of a message::

    message_queue ──► queued ──(task at due_at)──► sending ──► sent
        │                 ▲                           │
        │                 └── transient error, retry ─┤ (1, 5, 25 min; FORLOB_MESSAGE_MAX_ATTEMPTS)
        │                                             └──► failed (permanent, or out of attempts)
        ├──► skipped_opt_out (the citizen declined this channel; checked again at send time)
        ├──► failed (no mobile number / e-mail address: a reason staff can act on)
        └──► cancelled (a reminder whose appointment was cancelled, moved or has begun)

A failed message can be sent again by staff (``message_retry``) after fixing the cause.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.citizens.models import Citizen
from forlob.core.models import User
from forlob.notifications import rules, texts
from forlob.notifications.gateways import (
    PermanentError,
    TransientError,
    send_email,
    sms_gateway,
)
from forlob.notifications.models import (
    DEFAULT_OFFSETS_MINUTES,
    MAX_OFFSET_MINUTES,
    CallListEntry,
    Channel,
    DeliveryAttempt,
    OutboundMessage,
    ReminderSetting,
)
from forlob.notifications.sources import ReminderEvent, events_between

log = logging.getLogger(__name__)

Status = OutboundMessage.Status
Purpose = OutboundMessage.Purpose

# Reasons stored in ``OutboundMessage.last_error`` (English message ids, translated when shown)
# and raised to staff.
MESSAGE_NO_PHONE = gettext_noop("The citizen has no mobile number.")
MESSAGE_BAD_PHONE = gettext_noop("The citizen's phone number cannot receive SMS; check the number.")
MESSAGE_NO_EMAIL = gettext_noop("The citizen has no e-mail address.")
MESSAGE_OPTED_OUT = gettext_noop("The citizen has declined messages on this channel.")
MESSAGE_EVENT_GONE = gettext_noop("The appointment was cancelled or moved.")
MESSAGE_EVENT_BEGUN = gettext_noop("The appointment has begun; the reminder is no longer useful.")
MESSAGE_INTERRUPTED = gettext_noop(
    "Sending was interrupted; it is not known whether the message went out."
)
MESSAGE_NOT_FAILED = gettext_noop("Only a message that failed can be sent again.")
MESSAGE_CALL_EVENT_GONE = gettext_noop(
    "That appointment is no longer coming up; reload the call list."
)

# The planner looks this far beyond the largest offset, so reminders show as planned a day
# before they are due.
PLAN_AHEAD = timedelta(days=1)
# A message still "sending" after this long was interrupted (the worker stopped mid-send).
SENDING_TIMEOUT = timedelta(minutes=15)
# How far ahead a call may be registered (the call list shows at most this many days).
CALL_LIST_MAX_DAYS = 14


# --- queueing -------------------------------------------------------------------------------


def _recipient(citizen: Citizen, channel: str) -> tuple[str, str, str]:
    """(status, recipient, reason) for a new message to ``citizen`` on ``channel``."""
    if channel == Channel.SMS:
        if citizen.sms_opt_out:
            return Status.SKIPPED_OPT_OUT, "", MESSAGE_OPTED_OUT
        if not citizen.phone.strip():
            return Status.FAILED, "", MESSAGE_NO_PHONE
        number = rules.msisdn(citizen.phone)
        if number is None:
            return Status.FAILED, "", MESSAGE_BAD_PHONE
        return Status.QUEUED, number, ""
    if channel == Channel.EMAIL:
        if citizen.email_opt_out:
            return Status.SKIPPED_OPT_OUT, "", MESSAGE_OPTED_OUT
        if not citizen.email.strip():
            return Status.FAILED, "", MESSAGE_NO_EMAIL
        return Status.QUEUED, citizen.email.strip(), ""
    raise ValueError(f"unknown channel {channel!r}")


def _enqueue(message_id: int, run_after: datetime, now: datetime) -> None:
    """Queue the send task for ``run_after`` (in the same transaction as the message row)."""
    from forlob.notifications.tasks import send_message

    if send_message.get_backend().supports_defer:
        send_message.using(run_after=max(run_after, now)).enqueue(message_id)
    elif run_after <= now:
        send_message.enqueue(message_id)
    else:  # a backend without deferral (e.g. immediate): nothing can wait for the due time
        log.warning("task backend cannot defer; message %s waits for a retry", message_id)


@transaction.atomic
def message_queue(
    *,
    citizen: Citizen,
    channel: str,
    body: str,
    subject: str = "",
    purpose: str,
    related_key: str = "",
    due_at: datetime | None = None,
    event_start: datetime | None = None,
    offset_minutes: int | None = None,
    now: datetime | None = None,
) -> OutboundMessage:
    """Record a message to ``citizen`` and queue it for sending at ``due_at`` (default: now).

    The public way for every app to message a citizen (questionnaire links, reminders). Never
    raises for the citizen's circumstances; the returned message says what happened:
    ``queued`` (a task sends it when due), ``skipped_opt_out`` (the citizen declined this
    channel), or ``failed`` with ``last_error`` (no mobile number / e-mail address).
    ``body`` must not contain a CPR number or diagnosis.
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if purpose not in Purpose.values:
        raise ValueError(f"unknown purpose {purpose!r}")
    if not body.strip():
        raise ValueError("a message needs a text")
    now = now or timezone.now()
    due = due_at or now
    status, recipient, reason = _recipient(citizen, channel)
    message = OutboundMessage.objects.create(
        citizen=citizen,
        channel=channel,
        recipient=recipient,
        subject=subject[:200],
        body=body,
        purpose=purpose,
        related_key=related_key,
        event_start=event_start,
        offset_minutes=offset_minutes,
        due_at=due,
        status=status,
        last_error=reason,
    )
    if status == Status.QUEUED:
        _enqueue(message.pk, due, now)
    return message


# --- sending --------------------------------------------------------------------------------


def event_still_there(message: OutboundMessage) -> bool:
    """Whether the event a reminder was planned for still exists at the same time."""
    start = message.event_start
    if start is None:
        return False
    return any(
        e.key == message.related_key and e.start == start and e.citizen_id == message.citizen_id
        for e in events_between(start, start + timedelta(minutes=1))
    )


def _stale_reason(message: OutboundMessage, now: datetime) -> str:
    if message.purpose != Purpose.REMINDER:
        return ""
    if message.event_start is None or now >= message.event_start:
        return MESSAGE_EVENT_BEGUN
    if not event_still_there(message):
        return MESSAGE_EVENT_GONE
    return ""


def _opted_out(citizen: Citizen, channel: str) -> bool:
    return citizen.sms_opt_out if channel == Channel.SMS else citizen.email_opt_out


def _hand_over(message: OutboundMessage) -> tuple[str, str, str, str]:
    """Give the message to its gateway: (outcome, error, gateway name, gateway message id)."""
    name = "email" if message.channel == Channel.EMAIL else ""
    try:
        if message.channel == Channel.SMS:
            gateway = sms_gateway()
            name = gateway.name
            gateway_id = gateway.send(message.recipient, message.body)
        else:
            subject = message.subject or "Besked fra kommunen"
            gateway_id = send_email(message.recipient, subject, message.body)
    except PermanentError as exc:
        return DeliveryAttempt.Outcome.PERMANENT, str(exc)[:300], name, ""
    except TransientError as exc:
        return DeliveryAttempt.Outcome.TRANSIENT, str(exc)[:300], name, ""
    except Exception as exc:
        # A bug or a misconfiguration: keep the message retryable, never stuck in "sending".
        log.exception("unexpected error sending message %s", message.pk)
        return (
            DeliveryAttempt.Outcome.TRANSIENT,
            f"unexpected error: {type(exc).__name__}",
            name,
            "",
        )
    return DeliveryAttempt.Outcome.SENT, "", name, str(gateway_id or "")[:100]


def message_send(message_id: int, *, now: datetime | None = None) -> str:
    """Send one queued message if it is due; returns the message's status afterwards.

    Run by the ``send_message`` task. Idempotent: a message that is not queued, or whose time
    has not come (an older task after a retry was rescheduled), is left alone. A reminder is
    checked once more against its event: cancelled or moved → ``cancelled``, never sent stale.
    The gateway is called outside any transaction (no database lock is held meanwhile).
    """
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update()
            .select_related("citizen")
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return "missing"
        if message.status != Status.QUEUED:
            return message.status
        if (message.next_attempt_at or message.due_at) > now + timedelta(seconds=1):
            return message.status
        reason = _stale_reason(message, now)
        if reason:
            message.status = Status.CANCELLED
        elif _opted_out(message.citizen, message.channel):
            message.status, reason = Status.SKIPPED_OPT_OUT, MESSAGE_OPTED_OUT
        if reason:
            message.last_error = reason
            message.next_attempt_at = None
            message.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
            return message.status
        message.status = Status.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts", "updated_at"])

    outcome, error, gateway, gateway_id = _hand_over(message)

    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        DeliveryAttempt.objects.create(
            message=message,
            number=message.delivery_attempts.count() + 1,
            at=now,
            outcome=outcome,
            error=error,
            gateway=gateway,
            gateway_message_id=gateway_id,
        )
        message.next_attempt_at = None
        if outcome == DeliveryAttempt.Outcome.SENT:
            message.status = Status.SENT
            message.sent_at = now
            message.gateway_message_id = gateway_id
            message.last_error = ""
        else:
            message.last_error = error
            retry_at = now + rules.retry_delay(
                message.attempts, settings.FORLOB_MESSAGE_RETRY_SECONDS
            )
            too_late = message.event_start is not None and retry_at >= message.event_start
            if (
                outcome == DeliveryAttempt.Outcome.PERMANENT
                or message.attempts >= settings.FORLOB_MESSAGE_MAX_ATTEMPTS
                or too_late
            ):
                message.status = Status.FAILED
                log.warning(
                    "message %s failed after %s attempt(s): %s", message.pk, message.attempts, error
                )
            else:
                message.status = Status.QUEUED
                message.next_attempt_at = retry_at
                _enqueue(message.pk, retry_at, now)
        message.save()
    return message.status


@transaction.atomic
def message_retry(
    *, actor: User, message: OutboundMessage, now: datetime | None = None
) -> OutboundMessage:
    """Send a failed message again, now, to the citizen's current number or address.

    For staff after fixing the cause (a corrected phone number, a gateway back up). Refused
    for messages that did not fail, reminders whose appointment has begun, citizens who have
    declined the channel or still lack a number. Audited as a write on the citizen.
    """
    now = now or timezone.now()
    message = (
        OutboundMessage.objects.select_for_update().select_related("citizen").get(pk=message.pk)
    )
    if message.status != Status.FAILED:
        raise ValidationError(_(MESSAGE_NOT_FAILED), code="not_failed")
    if message.purpose == Purpose.REMINDER and (
        message.event_start is None or message.event_start <= now
    ):
        raise ValidationError(_(MESSAGE_EVENT_BEGUN), code="too_late")
    status, recipient, reason = _recipient(message.citizen, message.channel)
    if status != Status.QUEUED:
        raise ValidationError(_(reason), code="no_recipient")
    message.recipient = recipient
    message.status = Status.QUEUED
    message.attempts = 0
    message.next_attempt_at = None
    message.due_at = now
    message.last_error = ""
    message.save()
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="message_retry",
        citizen_id=message.citizen_id,
        obj=message,
    )
    _enqueue(message.pk, now, now)
    return message


def messages_sweep_interrupted(*, now: datetime | None = None) -> int:
    """Mark messages stuck in "sending" (the worker died mid-send) as failed, for staff to see."""
    now = now or timezone.now()
    return OutboundMessage.objects.filter(
        status=Status.SENDING, updated_at__lt=now - SENDING_TIMEOUT
    ).update(status=Status.FAILED, last_error=MESSAGE_INTERRUPTED, updated_at=now)


# --- planning reminders ---------------------------------------------------------------------


@dataclass
class PlanResult:
    events: int = 0
    planned: int = 0
    cancelled: int = 0


def _texts(
    event: ReminderEvent, channel: str, setting: ReminderSetting
) -> tuple[str, str]:  # (subject, body)
    if channel == Channel.EMAIL:
        return texts.reminder_email(event, contact_phone=setting.contact_phone)
    return "", texts.reminder_sms(event, contact_phone=setting.contact_phone)


def _cancel_stale(now: datetime, horizon: datetime, events: list[ReminderEvent]) -> int:
    """Cancel queued reminders whose event has begun or is gone, and failed ones whose event
    is gone (a failure that no longer matters should not wait on the staff's list)."""
    current = {(e.key, e.start) for e in events}
    begun, gone = [], []
    for pk, status, key, start in (
        OutboundMessage.objects.filter(purpose=Purpose.REMINDER, event_start__lt=horizon)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.FAILED, event_start__gt=now))
        .values_list("pk", "status", "related_key", "event_start")
    ):
        if start <= now:
            if status == Status.QUEUED:
                begun.append(pk)
        elif (key, start) not in current:
            gone.append(pk)
    cancelled = 0
    for ids, reason in ((begun, MESSAGE_EVENT_BEGUN), (gone, MESSAGE_EVENT_GONE)):
        if ids:
            cancelled += OutboundMessage.objects.filter(
                pk__in=ids, status__in=(Status.QUEUED, Status.FAILED)
            ).update(
                status=Status.CANCELLED, last_error=reason, next_attempt_at=None, updated_at=now
            )
    return cancelled


def _offsets(setting: ReminderSetting) -> list[int]:
    """The setting's offsets that make sense (the admin validates; a hand-edited row may not)."""
    raw = setting.offsets_minutes if isinstance(setting.offsets_minutes, list) else []
    return [
        o
        for o in raw
        if isinstance(o, int) and not isinstance(o, bool) and 0 < o <= MAX_OFFSET_MINUTES
    ]


def reminders_plan(*, now: datetime | None = None) -> PlanResult:
    """Queue the reminders for upcoming events; cancel those whose event is gone. Idempotent.

    Asks every registered source (``notifications.sources``) for the events starting between
    now and the largest offset plus a day, and queues one message per event × offset × channel
    of the citizen's municipality's ``ReminderSetting``: SMS due in the quiet hours move
    earlier; offsets already past (booked at short notice) are left out. The unique constraint
    makes a second run, or two workers at once, harmless. Queued reminders whose event was
    cancelled or moved are cancelled here already; ``message_send`` checks once more.
    """
    now = now or timezone.now()
    setting_rows = {s.municipality_id: s for s in ReminderSetting.objects.all()}
    largest = max(
        [max(_offsets(s), default=0) for s in setting_rows.values() if s.enabled]
        + list(DEFAULT_OFFSETS_MINUTES)
    )
    horizon = now + timedelta(minutes=largest) + PLAN_AHEAD
    events = events_between(now, horizon)
    result = PlanResult(events=len(events))
    result.cancelled = _cancel_stale(now, horizon, events)
    if not events:
        return result
    citizens = Citizen.objects.in_bulk({e.citizen_id for e in events})
    existing = set(
        OutboundMessage.objects.filter(
            purpose=Purpose.REMINDER, related_key__in={e.key for e in events}
        ).values_list("related_key", "event_start", "offset_minutes", "channel")
    )
    for event in events:
        citizen = citizens.get(event.citizen_id)
        if citizen is None:
            continue
        setting = setting_rows.get(citizen.municipality_id) or ReminderSetting(
            municipality_id=citizen.municipality_id
        )
        if not setting.enabled:
            continue
        for offset in _offsets(setting):
            for channel in setting.channels:
                if (event.key, event.start, offset, channel) in existing:
                    continue
                quiet = channel == Channel.SMS
                due = rules.reminder_due(
                    start=event.start,
                    offset=timedelta(minutes=offset),
                    now=now,
                    quiet_start=setting.quiet_start if quiet else None,
                    quiet_end=setting.quiet_end if quiet else None,
                )
                if due is None:
                    continue
                subject, body = _texts(event, channel, setting)
                try:
                    message_queue(
                        citizen=citizen,
                        channel=channel,
                        body=body,
                        subject=subject,
                        purpose=Purpose.REMINDER,
                        related_key=event.key,
                        due_at=due,
                        event_start=event.start,
                        offset_minutes=offset,
                        now=now,
                    )
                except IntegrityError:  # another worker planned it a moment ago
                    continue
                result.planned += 1
    return result


def plan_job() -> PlanResult:
    """The worker's periodic job ("plan-reminders")."""
    messages_sweep_interrupted()
    return reminders_plan()


# --- opt-out and the call list --------------------------------------------------------------


@transaction.atomic
def citizen_set_opt_out(
    *, actor: User, citizen: Citizen, sms_opt_out: bool, email_opt_out: bool
) -> Citizen:
    """Record whether the citizen wants SMS / e-mail reminders. Queued messages on a channel
    the citizen now declines are not sent. Audited as a write on the citizen."""
    citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
    before = (citizen.sms_opt_out, citizen.email_opt_out)
    citizen.sms_opt_out = sms_opt_out
    citizen.email_opt_out = email_opt_out
    if before == (sms_opt_out, email_opt_out):
        return citizen
    citizen.save(update_fields=["sms_opt_out", "email_opt_out"])
    declined = [c for c, off in ((Channel.SMS, sms_opt_out), (Channel.EMAIL, email_opt_out)) if off]
    if declined:
        OutboundMessage.objects.filter(
            citizen=citizen, status=Status.QUEUED, channel__in=declined
        ).update(
            status=Status.SKIPPED_OPT_OUT,
            last_error=MESSAGE_OPTED_OUT,
            next_attempt_at=None,
            updated_at=timezone.now(),
        )
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="reminder_opt_out",
        citizen=citizen,
        obj=citizen,
        reason=f"sms_opt_out={sms_opt_out} email_opt_out={email_opt_out}",
    )
    return citizen


@transaction.atomic
def call_list_mark_called(
    *,
    actor: User,
    citizen: Citizen,
    event_key: str,
    note: str = "",
    now: datetime | None = None,
) -> CallListEntry:
    """Record that ``actor`` called ``citizen`` ahead of the event ``event_key``. Calling again
    replaces the note. Audited as a write on the citizen."""
    now = now or timezone.now()
    event = next(
        (
            e
            for e in events_between(now, now + timedelta(days=CALL_LIST_MAX_DAYS))
            if e.key == event_key and e.citizen_id == citizen.pk
        ),
        None,
    )
    if event is None:
        raise ValidationError(_(MESSAGE_CALL_EVENT_GONE), code="event_gone")
    entry, _created = CallListEntry.objects.update_or_create(
        citizen=citizen,
        event_key=event.key,
        event_start=event.start,
        defaults={"called_by": actor, "called_at": now, "note": " ".join(note.split())[:500]},
    )
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="call_list_called",
        citizen=citizen,
        obj=entry,
    )
    return entry
