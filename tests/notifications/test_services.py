"""Queueing, planning, sending, retrying and cancelling messages (no worker, no HTTP)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django_tasks_db.models import DBTaskResult

from forlob.access.models import AccessLog
from forlob.notifications import services
from forlob.notifications.gateways import MemorySmsGateway, PermanentError, TransientError
from forlob.notifications.models import CallListEntry, OutboundMessage
from forlob.notifications.services import (
    call_list_mark_called,
    citizen_set_opt_out,
    message_queue,
    message_retry,
    message_send,
    messages_sweep_interrupted,
    reminders_plan,
)
from forlob.scheduling.models import AppointmentStatus
from tests.factories import CitizenFactory, OutboundMessageFactory
from tests.helpers import NOW, TODAY, at, tr

S = OutboundMessage.Status
TUESDAY = TODAY + timedelta(days=1)
WEDNESDAY = TODAY + timedelta(days=2)  # within the planner's horizon (3 days)

pytestmark = pytest.mark.django_db


def tasks_for(message: OutboundMessage) -> list[DBTaskResult]:
    return [
        t
        for t in DBTaskResult.objects.filter(task_path__endswith="send_message")
        if t.args_kwargs["args"] == [message.pk]
    ]


def reminders(**filters) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(purpose="reminder", **filters).order_by("due_at"))


# --- message_queue --------------------------------------------------------------------------


def test_queue_records_the_message_and_a_task_for_its_due_time(org_a):
    citizen = CitizenFactory(municipality=org_a.municipality, phone="+45 12 34 56 78")
    due = NOW + timedelta(hours=3)
    message = message_queue(
        citizen=citizen, channel="sms", body="Hej", purpose="questionnaire", due_at=due, now=NOW
    )
    assert (message.status, message.recipient, message.last_error) == (S.QUEUED, "4512345678", "")
    [task] = tasks_for(message)
    assert task.run_after == due


@pytest.mark.parametrize(
    ("fields", "channel", "status", "reason"),
    [
        ({"sms_opt_out": True}, "sms", S.SKIPPED_OPT_OUT, services.MESSAGE_OPTED_OUT),
        ({"email_opt_out": True, "email": "a@b.dk"}, "email", S.SKIPPED_OPT_OUT, None),
        ({"phone": ""}, "sms", S.FAILED, services.MESSAGE_NO_PHONE),
        ({"phone": "123"}, "sms", S.FAILED, services.MESSAGE_BAD_PHONE),
        ({"email": ""}, "email", S.FAILED, services.MESSAGE_NO_EMAIL),
    ],
)
def test_queue_respects_opt_out_and_says_why_it_cannot_send(org_a, fields, channel, status, reason):
    citizen = CitizenFactory(municipality=org_a.municipality, **fields)
    message = message_queue(citizen=citizen, channel=channel, body="Hej", purpose="other", now=NOW)
    assert message.status == status
    assert message.last_error == (reason or services.MESSAGE_OPTED_OUT)
    assert message.last_error_display == tr(message.last_error)
    assert tasks_for(message) == []


# --- planning -------------------------------------------------------------------------------


def test_planner_queues_each_offset_once_however_often_it_runs(book, setting):
    appointment = book(at(WEDNESDAY, 14))
    first = reminders_plan(now=NOW)
    again = reminders_plan(now=NOW + timedelta(minutes=1))
    assert (first.planned, again.planned) == (2, 0)
    two_days, two_hours = reminders()
    assert two_days.due_at == at(TODAY, 14)
    assert two_hours.due_at == at(WEDNESDAY, 12)
    assert {m.related_key for m in (two_days, two_hours)} == {f"appointment:{appointment.pk}"}
    assert two_hours.body == (
        "Påmindelse: Du har en aftale hos Genoptræning og rehabilitering, Sundhedshuset Randers "
        "Kommune, Testvej 1, onsdag 3. juni kl. 14.00. Kan du ikke komme, så ring på 89 15 00 00."
    )
    assert appointment.citizen.cpr not in two_hours.body
    # The database backs the idempotency up: a second row for the same offset is refused.
    with pytest.raises(IntegrityError):
        message_queue(
            citizen=appointment.citizen,
            channel="sms",
            body="x",
            purpose="reminder",
            related_key=two_hours.related_key,
            event_start=two_hours.event_start,
            offset_minutes=120,
            now=NOW,
        )


def test_planner_skips_offsets_already_past_and_shifts_quiet_hours(book, setting):
    book(at(TUESDAY, 10))  # booked Monday 07:00: "2 days before" has passed
    book(at(WEDNESDAY, 8, 30))  # 06:30 is in the quiet hours
    reminders_plan(now=NOW)
    assert [(m.event_start, m.offset_minutes, m.due_at) for m in reminders()] == [
        (at(WEDNESDAY, 8, 30), 2880, at(TODAY, 8, 30)),
        (at(TUESDAY, 10), 120, at(TUESDAY, 8)),
        (at(WEDNESDAY, 8, 30), 120, at(TUESDAY, 20, 45)),
    ]


def test_planner_uses_the_municipality_setting(book, setting):
    setting.offsets_minutes = [24 * 60]
    setting.email = True
    setting.save()
    appointment = book(at(WEDNESDAY, 14))
    appointment.citizen.email = "borger@example.org"
    appointment.citizen.save()
    reminders_plan(now=NOW)
    assert sorted((m.channel, m.offset_minutes) for m in reminders()) == [
        ("email", 1440),
        ("sms", 1440),
    ]
    setting.enabled = False
    setting.save()
    book(at(WEDNESDAY, 15))
    assert reminders_plan(now=NOW).planned == 0


def test_citizen_without_mobile_gets_a_failed_reminder_staff_can_see(book, setting, org_a):
    citizen = CitizenFactory(municipality=org_a.municipality, phone="")
    book(at(WEDNESDAY, 14), citizen=citizen)
    reminders_plan(now=NOW)
    assert {(m.status, m.last_error) for m in reminders()} == {
        (S.FAILED, services.MESSAGE_NO_PHONE)
    }


def test_cancelled_appointment_gets_no_stale_reminder(book, setting, sms_outbox):
    appointment = book(at(TUESDAY, 10))
    reminders_plan(now=NOW)
    [reminder] = reminders()
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()
    # The worker sends before the planner ran again: the send-time check stops it.
    assert message_send(reminder.pk, now=reminder.due_at) == S.CANCELLED
    reminder.refresh_from_db()
    assert reminder.last_error == services.MESSAGE_EVENT_GONE
    assert sms_outbox == []


def test_moved_appointment_cancels_old_reminders_and_plans_new(book, setting, sms_outbox):
    appointment = book(at(WEDNESDAY, 14))
    reminders_plan(now=NOW)
    appointment.start = at(WEDNESDAY, 15)
    appointment.end = at(WEDNESDAY, 16)
    appointment.save()
    result = reminders_plan(now=NOW + timedelta(minutes=1))
    assert (result.cancelled, result.planned) == (2, 2)
    assert [m.status for m in reminders(event_start=at(WEDNESDAY, 14))] == [S.CANCELLED] * 2
    new = reminders(event_start=at(WEDNESDAY, 15))
    assert [m.status for m in new] == [S.QUEUED] * 2
    assert "kl. 15.00" in new[0].body
    old = reminders(event_start=at(WEDNESDAY, 14))[0]
    assert message_send(old.pk, now=old.due_at) == S.CANCELLED
    assert sms_outbox == []


# --- sending --------------------------------------------------------------------------------


def test_a_due_reminder_is_sent_and_recorded(book, setting, sms_outbox):
    appointment = book(at(TUESDAY, 10))
    reminders_plan(now=NOW)
    [reminder] = reminders()
    assert message_send(reminder.pk, now=reminder.due_at - timedelta(minutes=5)) == S.QUEUED
    assert sms_outbox == []  # not due yet: left for the task that runs at the due time
    assert message_send(reminder.pk, now=reminder.due_at) == S.SENT
    assert sms_outbox == [(reminder.recipient, reminder.body)]
    reminder.refresh_from_db()
    assert (reminder.attempts, reminder.sent_at, reminder.gateway_message_id) == (
        1,
        reminder.due_at,
        "memory-1",
    )
    [attempt] = reminder.delivery_attempts.all()
    assert (attempt.outcome, attempt.gateway) == ("sent", "memory")
    # Sending twice (a duplicate task) does nothing.
    assert message_send(reminder.pk, now=reminder.due_at) == S.SENT
    assert len(sms_outbox) == 1
    assert appointment.citizen.cpr not in reminder.body


def test_transient_failures_are_retried_with_backoff_until_sent(org_a, sms_outbox):
    citizen = CitizenFactory(municipality=org_a.municipality)
    message = message_queue(citizen=citizen, channel="sms", body="Hej", purpose="other", now=NOW)
    MemorySmsGateway.fail_with.extend(
        [TransientError("HTTP 503"), TransientError("timeout"), TransientError("HTTP 502")]
    )
    now = NOW
    waits = []
    for _ in range(3):
        assert message_send(message.pk, now=now) == S.QUEUED
        message.refresh_from_db()
        waits.append(message.next_attempt_at - now)
        assert len(tasks_for(message)) == 1 + len(waits)  # one more task, for the retry
        assert tasks_for(message)[-1].run_after == message.next_attempt_at
        now = message.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25)]
    assert message.last_error == "HTTP 502"
    assert message_send(message.pk, now=now) == S.SENT
    assert [a.outcome for a in message.delivery_attempts.all()] == [
        "transient",
        "transient",
        "transient",
        "sent",
    ]
    assert sms_outbox == [("4512345678", "Hej")]


def test_gives_up_after_max_attempts(org_a, settings):
    settings.FORLOB_MESSAGE_MAX_ATTEMPTS = 2
    citizen = CitizenFactory(municipality=org_a.municipality)
    message = message_queue(citizen=citizen, channel="sms", body="Hej", purpose="other", now=NOW)
    MemorySmsGateway.fail_with.extend([TransientError("HTTP 503"), TransientError("HTTP 504")])
    assert message_send(message.pk, now=NOW) == S.QUEUED
    assert message_send(message.pk, now=NOW + timedelta(minutes=1)) == S.FAILED
    message.refresh_from_db()
    assert (message.attempts, message.last_error, message.next_attempt_at) == (2, "HTTP 504", None)


def test_permanent_failure_stops_at_once(org_a):
    citizen = CitizenFactory(municipality=org_a.municipality)
    message = message_queue(citizen=citizen, channel="sms", body="Hej", purpose="other", now=NOW)
    MemorySmsGateway.fail_with.append(PermanentError("HTTP 400: invalid recipient"))
    assert message_send(message.pk, now=NOW) == S.FAILED
    message.refresh_from_db()
    assert (message.attempts, message.last_error) == (1, "HTTP 400: invalid recipient")
    assert len(tasks_for(message)) == 1  # no retry queued


def test_an_unexpected_error_is_retried_not_stuck(org_a):
    citizen = CitizenFactory(municipality=org_a.municipality)
    message = message_queue(citizen=citizen, channel="sms", body="Hej", purpose="other", now=NOW)
    MemorySmsGateway.fail_with.append(RuntimeError("bug"))  # type: ignore[arg-type]
    assert message_send(message.pk, now=NOW) == S.QUEUED
    message.refresh_from_db()
    assert message.last_error == "unexpected error: RuntimeError"


def test_opt_out_after_queueing_is_respected_at_send_time(org_a, sms_outbox):
    citizen = CitizenFactory(municipality=org_a.municipality)
    message = message_queue(citizen=citizen, channel="sms", body="Hej", purpose="other", now=NOW)
    citizen.sms_opt_out = True
    citizen.save()
    assert message_send(message.pk, now=NOW) == S.SKIPPED_OPT_OUT
    assert sms_outbox == []


def test_reminder_not_sent_once_the_appointment_has_begun(book, setting, sms_outbox):
    book(at(TUESDAY, 10))
    reminders_plan(now=NOW)
    [reminder] = reminders()
    assert message_send(reminder.pk, now=at(TUESDAY, 10, 5)) == S.CANCELLED
    assert sms_outbox == []


def test_email_goes_through_django_mail(org_a):
    citizen = CitizenFactory(municipality=org_a.municipality, email="borger@example.org")
    message = message_queue(
        citizen=citizen, channel="email", subject="Emne", body="Tekst", purpose="other", now=NOW
    )
    assert message_send(message.pk, now=NOW) == S.SENT
    [sent] = mail.outbox
    assert (sent.to, sent.subject, sent.body) == (["borger@example.org"], "Emne", "Tekst")
    message.refresh_from_db()
    assert (
        message.gateway_message_id
        and message.gateway_message_id in sent.extra_headers["Message-ID"]
    )


def test_interrupted_send_becomes_visible_as_failed(org_a):
    message = OutboundMessageFactory(citizen__municipality=org_a.municipality, status=S.SENDING)
    OutboundMessage.objects.filter(pk=message.pk).update(updated_at=NOW - timedelta(minutes=20))
    assert messages_sweep_interrupted(now=NOW) == 1
    message.refresh_from_db()
    assert (message.status, message.last_error) == (S.FAILED, services.MESSAGE_INTERRUPTED)


# --- retry, opt-out, calls by staff ---------------------------------------------------------


def test_staff_retry_uses_the_corrected_number_and_is_audited(case, therapist, sms_outbox):
    message = case.message
    case.citizen.phone = "87 65 43 21"
    case.citizen.save()
    message_retry(actor=therapist, message=message, now=NOW)
    message.refresh_from_db()
    assert (message.status, message.recipient, message.attempts) == (S.QUEUED, "4587654321", 0)
    log = AccessLog.objects.filter(operation="message_retry").get()
    assert (log.kind, log.citizen_id, log.actor) == ("write", case.citizen.pk, therapist)
    assert message_send(message.pk, now=NOW) == S.SENT
    assert sms_outbox[0][0] == "4587654321"


def test_retry_is_refused_when_it_cannot_help(case, therapist):
    with pytest.raises(ValidationError) as exc:
        message_retry(actor=therapist, message=case.message, now=case.appointment.start)
    assert exc.value.messages == [tr(services.MESSAGE_EVENT_BEGUN)]
    case.citizen.phone = ""
    case.citizen.save()
    with pytest.raises(ValidationError) as exc:
        message_retry(actor=therapist, message=case.message, now=NOW)
    assert exc.value.messages == [tr(services.MESSAGE_NO_PHONE)]
    sent = OutboundMessageFactory(citizen=case.citizen, status=S.SENT)
    with pytest.raises(ValidationError):
        message_retry(actor=therapist, message=sent, now=NOW)
    assert not AccessLog.objects.filter(operation="message_retry").exists()


def test_opting_out_stops_queued_messages_and_is_audited(case, therapist):
    queued = OutboundMessageFactory(citizen=case.citizen, channel="sms", status=S.QUEUED)
    email = OutboundMessageFactory(citizen=case.citizen, channel="email", status=S.QUEUED)
    citizen_set_opt_out(
        actor=therapist, citizen=case.citizen, sms_opt_out=True, email_opt_out=False
    )
    case.citizen.refresh_from_db()
    assert (case.citizen.sms_opt_out, case.citizen.email_opt_out) == (True, False)
    queued.refresh_from_db()
    email.refresh_from_db()
    assert (queued.status, email.status) == (S.SKIPPED_OPT_OUT, S.QUEUED)
    log = AccessLog.objects.get(operation="reminder_opt_out")
    assert (log.kind, log.citizen_id) == ("write", case.citizen.pk)


def test_call_registered_once_per_event_and_audited(case, therapist):
    key = f"appointment:{case.appointment.pk}"
    call_list_mark_called(
        actor=therapist, citizen=case.citizen, event_key=key, note="Kommer", now=NOW
    )
    call_list_mark_called(
        actor=therapist, citizen=case.citizen, event_key=key, note="Ny tid?", now=NOW
    )
    entry = CallListEntry.objects.get()
    assert (entry.note, entry.event_start, entry.called_by) == (
        "Ny tid?",
        case.appointment.start,
        therapist,
    )
    assert AccessLog.objects.filter(operation="call_list_called", kind="write").count() == 2
    with pytest.raises(ValidationError):
        call_list_mark_called(
            actor=therapist, citizen=case.citizen, event_key="appointment:0", now=NOW
        )


def test_failed_reminder_of_a_cancelled_appointment_leaves_the_failed_list(book, setting, org_a):
    citizen = CitizenFactory(municipality=org_a.municipality, phone="")
    appointment = book(at(TUESDAY, 10), citizen=citizen)
    reminders_plan(now=NOW)
    [reminder] = reminders()
    assert reminder.status == S.FAILED
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()
    assert reminders_plan(now=NOW + timedelta(minutes=1)).cancelled == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.last_error) == (S.CANCELLED, services.MESSAGE_EVENT_GONE)


def test_failed_reminder_stays_failed_after_the_appointment(book, setting, org_a):
    """The record that the citizen got no reminder outlives the appointment."""
    citizen = CitizenFactory(municipality=org_a.municipality, phone="")
    book(at(TUESDAY, 10), citizen=citizen)
    reminders_plan(now=NOW)
    reminders_plan(now=at(TUESDAY, 11))
    assert [m.status for m in reminders()] == [S.FAILED]
