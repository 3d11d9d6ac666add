"""The citizen panel (messages, retry, opt-out), the failed list and the proactive call list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.citizens.models import HealthLiteracy
from forlob.notifications.models import CallListEntry, OutboundMessage
from forlob.notifications.services import MESSAGE_CALL_EVENT_GONE, MESSAGE_NOT_FAILED
from tests.factories import AppointmentFactory, CitizenFactory, OutboundMessageFactory
from tests.helpers import TODAY, at, flash, tr

pytestmark = pytest.mark.usefixtures("frozen")

S = OutboundMessage.Status


def detail(client, case):
    return client.get(reverse("citizens:detail", args=[case.citizen.pk])).content.decode()


# --- the citizen panel ----------------------------------------------------------------------


def test_panel_shows_messages_with_failures_highlighted_and_retry(client_for, case, therapist):
    OutboundMessageFactory(citizen=case.citizen, status=S.SENT, body="Tidligere besked")
    html = detail(client_for(therapist), case)
    assert 'data-testid="reminders-panel"' in html
    assert 'data-status="failed"' in html and 'data-status="sent"' in html
    assert "HTTP 503: Service Unavailable" in html
    assert reverse("notifications:retry", args=[case.message.pk]) in html
    assert html.count('data-testid="retry"') == 1  # only the failed one
    assert reverse("notifications:opt_out", args=[case.citizen.pk]) in html


def test_panel_read_only_for_a_role_that_may_not_book(client_for, case, assessor):
    html = detail(client_for(assessor), case)
    assert 'data-status="failed"' in html
    assert 'data-testid="retry"' not in html
    assert 'data-testid="opt-out"' not in html


def test_panel_warns_when_sms_cannot_be_sent(client_for, case, therapist):
    case.citizen.phone = ""
    case.citizen.save()
    html = detail(client_for(therapist), case)
    assert 'data-testid="no-mobile"' in html
    assert 'data-testid="retry"' not in html  # sending again cannot work without a number


def test_retry_from_the_panel(client_for, case, therapist):
    response = client_for(therapist).post(
        reverse("notifications:retry", args=[case.message.pk]),
        {"next": reverse("citizens:detail", args=[case.citizen.pk]) + "#reminders"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("citizens:detail", args=[case.citizen.pk]) + "#reminders"
    case.message.refresh_from_db()
    assert case.message.status == S.QUEUED
    assert AccessLog.objects.filter(operation="message_retry", kind="write").count() == 1


def test_retry_refusal_is_shown_and_external_next_ignored(client_for, case, therapist):
    sent = OutboundMessageFactory(citizen=case.citizen, status=S.SENT)
    response = client_for(therapist).post(
        reverse("notifications:retry", args=[sent.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("citizens:detail", args=[case.citizen.pk]) + "#reminders"
    assert flash(response) == [tr(MESSAGE_NOT_FAILED)]
    sent.refresh_from_db()
    assert sent.status == S.SENT


def test_opt_out_toggles_both_channels(client_for, case, therapist):
    c = client_for(therapist)
    url = reverse("notifications:opt_out", args=[case.citizen.pk])
    c.post(url, {"sms_opt_out": "on", "email_opt_out": "on"})
    case.citizen.refresh_from_db()
    assert (case.citizen.sms_opt_out, case.citizen.email_opt_out) == (True, True)
    assert 'name="sms_opt_out" data-testid="sms-opt-out" checked' in detail(c, case)
    c.post(url, {"email_opt_out": "on"})
    case.citizen.refresh_from_db()
    assert (case.citizen.sms_opt_out, case.citizen.email_opt_out) == (False, True)
    assert AccessLog.objects.filter(operation="reminder_opt_out", kind="write").count() == 2


# --- the failed list ------------------------------------------------------------------------


def test_failed_list_shows_only_failures_in_scope(client_for, case, therapist, org_b):
    OutboundMessageFactory(citizen=case.citizen, status=S.SENT)
    stranger = CitizenFactory(municipality=org_b.municipality, last_name="Fremmed")
    OutboundMessageFactory(citizen=stranger, status=S.FAILED, last_error="HTTP 400")
    before = AccessLog.objects.count()
    response = client_for(therapist).get(reverse("notifications:failed"))
    assert response.status_code == 200
    assert list(response.context["rows"]) == [case.message]
    html = response.content.decode()
    assert case.citizen.full_name in html and "Fremmed" not in html
    assert case.citizen.cpr_masked in html and case.citizen.cpr not in html
    [log] = AccessLog.objects.order_by("id")[before:]
    assert (log.operation, log.citizen_id) == ("failed_messages", case.citizen.pk)


def test_failed_list_is_linked_from_the_menu(client_for, therapist, manager):
    assert reverse("notifications:failed") in client_for(therapist).get("/").content.decode()
    assert reverse("notifications:failed") not in client_for(manager).get("/").content.decode()


# --- the call list --------------------------------------------------------------------------


def low_literacy(citizen):
    citizen.health_literacy = HealthLiteracy.LOW
    citizen.save()
    return citizen


def test_call_list_shows_low_literacy_citizens_with_an_appointment_soon(
    client_for, case, therapist, org_a
):
    low_literacy(case.citizen)
    # In scope but medium literacy: not listed. Low literacy but no relation: not listed.
    medium = AppointmentFactory(
        pathway__referral__citizen__municipality=org_a.municipality,
        staff=therapist,
        start=at(TODAY, 13),
    )
    medium.citizen.health_literacy = HealthLiteracy.MEDIUM
    medium.citizen.save()
    low_literacy(CitizenFactory(municipality=org_a.municipality, last_name="Ukendt"))
    before = AccessLog.objects.count()
    response = client_for(therapist).get(reverse("notifications:call_list"))
    rows = response.context["rows"]
    assert [(r.citizen, r.event.start) for r in rows] == [(case.citizen, case.appointment.start)]
    assert rows[0].reminder == case.message  # the failed SMS: all the more reason to call
    html = response.content.decode()
    assert "Ukendt" not in html and medium.citizen.full_name not in html
    [log] = AccessLog.objects.order_by("id")[before:]
    assert (log.operation, log.citizen_id) == ("call_list", case.citizen.pk)


def test_call_list_window_in_days(client_for, case, therapist):
    low_literacy(case.citizen)
    c = client_for(therapist)
    url = reverse("notifications:call_list")
    # Today only (the appointment is tomorrow at 10): nobody; two days: the citizen.
    assert c.get(url, {"days": "1"}).context["rows"] == []
    assert len(c.get(url, {"days": "2"}).context["rows"]) == 1
    bad = c.get(url, {"days": "99"})
    assert bad.context["days"] == 3 and bad.context["form"].errors


def test_mark_called_with_a_note(client_for, case, therapist):
    low_literacy(case.citizen)
    c = client_for(therapist)
    response = c.post(
        reverse("notifications:mark_called", args=[case.citizen.pk]),
        {"event_key": f"appointment:{case.appointment.pk}", "note": "Kommer, har brug for kørsel"},
    )
    assert response.status_code == 302
    entry = CallListEntry.objects.get()
    assert (entry.citizen, entry.called_by, entry.note) == (
        case.citizen,
        therapist,
        "Kommer, har brug for kørsel",
    )
    html = c.get(reverse("notifications:call_list")).content.decode()
    assert 'data-testid="called"' in html and "Kommer, har brug for kørsel" in html


def test_mark_called_for_a_gone_event_changes_nothing(client_for, case, therapist):
    response = client_for(therapist).post(
        reverse("notifications:mark_called", args=[case.citizen.pk]),
        {"event_key": "appointment:0", "note": ""},
    )
    assert response.status_code == 302
    assert flash(response) == [tr(MESSAGE_CALL_EVENT_GONE)]
    assert not CallListEntry.objects.exists()
