"""Fixtures for the reminder tests: SMS go to the in-memory gateway, time is fixed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine

from forlob.notifications.gateways import MemorySmsGateway
from forlob.notifications.models import ReminderSetting
from forlob.scheduling.models import Appointment
from tests.factories import AppointmentFactory, CitizenFactory, PathwayFactory, ReferralFactory
from tests.helpers import NOW


@pytest.fixture(autouse=True)
def sms_outbox(settings) -> Iterator[list[tuple[str, str]]]:
    """Every SMS a test sends lands here as (msisdn, body); nothing goes to a console or a file."""
    settings.FORLOB_SMS_BACKEND = "memory"
    MemorySmsGateway.outbox.clear()
    MemorySmsGateway.fail_with.clear()
    yield MemorySmsGateway.outbox
    MemorySmsGateway.outbox.clear()
    MemorySmsGateway.fail_with.clear()


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    """The clock at NOW (Monday 1 June 2026 07:00), movable with ``clock.move_to(...)``."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def book(therapist, org_a):
    """``book(start, citizen=None, minutes=60)``: a booked appointment with the A therapist."""

    def make(start: datetime, citizen=None, minutes: int = 60) -> Appointment:
        citizen = citizen or CitizenFactory(municipality=org_a.municipality)
        pathway = PathwayFactory(
            referral=ReferralFactory(citizen=citizen, status="accepted"),
            responsible=therapist,
            team=org_a.team,
        )
        return AppointmentFactory(
            pathway=pathway,
            staff=therapist,
            location=org_a.location,
            start=start,
            end=start + timedelta(minutes=minutes),
        )

    return make


@pytest.fixture
def setting(org_a) -> ReminderSetting:
    """Municipality A's reminder setting: the defaults plus a phone for cancellations."""
    return ReminderSetting.objects.create(
        municipality=org_a.municipality, contact_phone="89 15 00 00"
    )
