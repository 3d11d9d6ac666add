"""Races on classes (PostgreSQL only): the last place, and staff calendars.

* Two coordinators enrol two citizens into the last place at the same moment: exactly one gets
  it (``class_enrol`` locks the class row before counting).
* A class is created while a colleague books an appointment for one of its staff at the same
  time, or two classes are created with the same staff: exactly one wins (both lock the staff
  rows before checking; the exclusion constraint of migration 0003 is the backstop for sessions).

Like tests/scheduling/test_concurrency.py these need real concurrent connections, so they commit
(``transaction=True``); SQLite's in-memory test database cannot hold two concurrent writers.
"""

from __future__ import annotations

import threading
import time as pytime
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from forlob.pathways.services import pathway_create_from_referral
from forlob.programmes import services
from forlob.programmes.models import Enrolment, ProgrammeClass, SessionStaff
from forlob.scheduling.models import Appointment
from forlob.scheduling.services import appointment_book
from tests.helpers import NOW, at
from tests.programmes.helpers import START, concussion_referral, gain_class, gain_staff

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (run: scripts/with-postgres .venv/bin/pytest tests/programmes)",
    ),
]


def _in_threads(jobs):
    barrier = threading.Barrier(len(jobs))
    outcomes: list[object] = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=10)
            outcomes[i] = job()
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return outcomes


def _slow(module, name, delay=0.3):
    """``module.name``, then a pause: widens the window between "checked" and "written"."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        pytime.sleep(delay)
        return result

    return mock.patch.object(module, name, slow)


def test_two_enrolments_into_the_last_place_exactly_one_wins(org_a, therapist):
    klass = gain_class(org_a, therapist, capacity=1)
    referrals = [concussion_referral(org_a) for _ in range(2)]
    jobs = [
        lambda r=r: services.class_enrol(
            actor=therapist, programme_class=klass, referral=r, now=NOW
        )
        for r in referrals
    ]
    with _slow(services, "places_taken"):
        outcomes = _in_threads(jobs)
    won = [o for o in outcomes if isinstance(o, Enrolment)]
    lost = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    assert lost[0].code == "full"
    assert Enrolment.objects.filter(programme_class=klass).count() == 1
    # The loser's referral did not become a pathway on the way.
    assert sorted(type(r).objects.get(pk=r.pk).status for r in referrals) == ["accepted", "new"]


def test_a_class_and_an_appointment_for_the_same_staff_at_once_exactly_one_wins(org_a, therapist):
    staff = gain_staff(org_a)
    pathway = pathway_create_from_referral(
        actor=therapist, referral=concussion_referral(org_a), responsible=staff[1], team=None
    )
    jobs = [
        lambda: gain_class(org_a, therapist, staff),
        lambda: appointment_book(
            actor=therapist,
            pathway=pathway,
            staff=staff[1],
            location=org_a.location,
            start=at(START, 11),
            duration_minutes=30,
            now=NOW,
        ),
    ]
    with (
        _slow(services, "staff_clashes"),
        _slow(__import__("forlob.scheduling.services", fromlist=["x"]), "calendar_problems"),
    ):
        outcomes = _in_threads(jobs)
    kinds = sorted(type(o).__name__ for o in outcomes)
    assert kinds in (["Appointment", "ValidationError"], ["ProgrammeClass", "ValidationError"])
    assert ProgrammeClass.objects.count() + Appointment.objects.count() == 1


def test_two_classes_with_the_same_staff_at_once_exactly_one_wins(org_a, therapist):
    staff = gain_staff(org_a)
    jobs = [lambda: gain_class(org_a, therapist, staff) for _ in range(2)]
    with _slow(services, "staff_clashes"):
        outcomes = _in_threads(jobs)
    assert sorted(type(o).__name__ for o in outcomes) == ["ProgrammeClass", "ValidationError"]
    assert ProgrammeClass.objects.count() == 1
    assert SessionStaff.objects.count() == 9


def test_the_exclusion_constraint_refuses_overlapping_sessions_written_directly(org_a, therapist):
    staff = gain_staff(org_a)
    klass = gain_class(org_a, therapist, staff)
    session = klass.sessions.get(number=1)
    other = gain_class(org_a, therapist, gain_staff(org_a), start_date=START + timedelta(days=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionStaff.objects.create(
            session=other.sessions.get(number=1),
            staff=staff[0],
            start=session.start + timedelta(minutes=30),
            end=session.end + timedelta(minutes=30),
        )
    # An inactive (cancelled) row does not hold the time.
    SessionStaff.objects.create(
        session=other.sessions.get(number=1),
        staff=staff[0],
        start=session.start,
        end=session.end,
        is_active=False,
    )


def test_the_service_turns_a_constraint_violation_into_a_message(org_a, therapist):
    staff = gain_staff(org_a)
    gain_class(org_a, therapist, staff)
    with (
        mock.patch.object(services, "staff_clashes", return_value=[]),
        pytest.raises(ValidationError) as exc,
    ):
        gain_class(org_a, therapist, staff)
    assert exc.value.code == "clash"
    assert ProgrammeClass.objects.count() == 1
