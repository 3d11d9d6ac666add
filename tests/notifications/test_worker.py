"""End to end: the real worker plans a due reminder and sends it through the file gateway."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from forlob.core import periodic
from forlob.notifications.models import OutboundMessage
from forlob.scheduling.models import AppointmentStatus
from tests.conftest import make_org
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    PathwayFactory,
    ReferralFactory,
    TherapistFactory,
)
from tests.helpers import TODAY, at

# Monday at noon: outside the SMS quiet hours, whatever time CI runs.
NOON = at(TODAY, 12)


@pytest.fixture
def fresh_jobs(monkeypatch):
    """Every periodic job due at once, as in a freshly started worker."""
    for job in periodic.jobs():
        monkeypatch.setattr(job, "last_run", None)


@pytest.mark.django_db(transaction=True)
def test_worker_once_plans_and_sends_a_due_reminder(reference_data, fresh_jobs, settings, tmp_path):
    settings.FORLOB_SMS_BACKEND = "file"
    settings.FORLOB_OUTBOX_DIR = tmp_path / "outbox"
    org = make_org("Randers Kommune", "730")
    therapist = TherapistFactory(municipality=org.municipality, team=org.team)
    citizen = CitizenFactory(municipality=org.municipality, phone="+45 12 34 56 78")

    def book(start, status=AppointmentStatus.BOOKED):
        return AppointmentFactory(
            pathway=PathwayFactory(referral=ReferralFactory(citizen=citizen, status="accepted")),
            staff=therapist,
            location=org.location,
            start=start,
            end=start + timedelta(hours=1),
            status=status,
        )

    due_now = book(at(TODAY, 14))  # 2 hours before is now
    later = book(at(TODAY + timedelta(days=2), 14))  # planned, due later
    book(at(TODAY, 14, 30), status=AppointmentStatus.CANCELLED)  # no reminder

    with time_machine.travel(NOON, tick=False):
        call_command("worker", once=True)

    lines = (tmp_path / "outbox" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    [record] = [json.loads(line) for line in lines]
    assert record["to"] == "4512345678"
    assert record["message"].startswith(
        "Påmindelse: Du har en aftale hos Genoptræning og rehabilitering, Sundhedshuset "
        "Randers Kommune, Testvej 1, mandag 1. juni kl. 14.00."
    )
    assert citizen.cpr not in record["message"]
    sent = OutboundMessage.objects.get(related_key=f"appointment:{due_now.pk}")
    assert (sent.status, sent.gateway_message_id, sent.attempts) == ("sent", record["id"], 1)
    waiting = OutboundMessage.objects.filter(related_key=f"appointment:{later.pk}")
    assert sorted(waiting.values_list("status", flat=True)) == ["queued", "queued"]
    assert OutboundMessage.objects.filter(purpose="reminder").count() == 3  # none if cancelled
