"""Two bookings for the same therapist at once: exactly one wins (PostgreSQL only).

The race (scheduling/services.py): two coordinators book overlapping times for one therapist at
the same moment. The service locks the therapist's row before it looks for overlaps; on
PostgreSQL an exclusion constraint (scheduling/migrations/0002) is the backstop.

These tests need real concurrent connections, so they commit (``transaction=True``); the
``reference_data`` fixture re-seeds the referral types that an earlier transactional test's
flush may have removed. SQLite's test database is
in memory and shared between threads through one cache, where a second writer fails with
"database table is locked" instead of waiting: that is not what production SQLite (a WAL file
with BEGIN IMMEDIATE and a busy timeout) does, so the race is only tested on PostgreSQL.
"""

from __future__ import annotations

import threading
import time as pytime
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from forlob.pathways.models import PathwayStatus
from forlob.scheduling import services
from forlob.scheduling.models import Appointment, AppointmentStatus
from forlob.scheduling.services import MESSAGE_OVERLAP, appointment_book
from tests.factories import AppointmentFactory, PathwayFactory
from tests.helpers import NOW, TODAY, at, tr

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite's in-memory test database cannot hold two concurrent "
        "writers, and the exclusion constraint exists only on PostgreSQL "
        "(run: scripts/with-postgres .venv/bin/pytest tests/scheduling)",
    ),
]

TUE = TODAY + timedelta(days=1)


def _slow_calendar_problems(delay: float):
    """calendar_problems, then a pause: widens the window between "checked" and "inserted"."""
    original = services.calendar_problems

    def slow(**kwargs):
        problems = original(**kwargs)
        pytime.sleep(delay)
        return problems

    return slow


def _book_in_threads(jobs):
    """Run each job in its own thread and connection, all released together; collect outcomes."""
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
    assert not any(t.is_alive() for t in threads), "a booking thread hung"
    return outcomes


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((10, 0, 60), (10, 0, 60)),  # the same time
        ((10, 0, 60), (10, 30, 60)),  # partly overlapping
        ((9, 30, 120), (10, 0, 30)),  # one inside the other
    ],
    ids=["same time", "partial", "inside"],
)
def test_two_overlapping_bookings_at_once_exactly_one_wins(therapist, org_a, first, second):
    pathways = [
        PathwayFactory(referral__citizen__municipality=org_a.municipality, responsible=therapist)
        for _ in range(2)
    ]

    def job(pathway, hh, mm, minutes):
        return lambda: appointment_book(
            actor=therapist,
            pathway=pathway,
            staff=therapist,
            location=org_a.location,
            start=at(TUE, hh, mm),
            duration_minutes=minutes,
            now=NOW,
        )

    with mock.patch.object(services, "calendar_problems", _slow_calendar_problems(0.3)):
        outcomes = _book_in_threads([job(pathways[0], *first), job(pathways[1], *second)])

    won = [o for o in outcomes if isinstance(o, Appointment)]
    lost = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(won) == 1, outcomes
    assert len(lost) == 1, outcomes
    assert tr(MESSAGE_OVERLAP) in lost[0].messages
    assert Appointment.objects.filter(staff=therapist).count() == 1
    statuses = sorted(p.__class__.objects.get(pk=p.pk).status for p in pathways)
    assert statuses == [PathwayStatus.BOOKED, PathwayStatus.REFERRED]


@pytest.fixture
def without_exclusion_constraint():
    """Drop the database backstop for one test, so only the service's row lock is left."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_overlap"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            # Two statements, two transactions: the DELETE's deferred foreign-key checks (from
            # tables pointing at appointments) must fire before the table may be altered.
            cursor.execute("DELETE FROM scheduling_appointment")
            cursor.execute(
                "ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_overlap "
                'EXCLUDE USING gist (staff_id WITH =, tstzrange("start", "end", \'[)\') WITH &&) '
                "WHERE (status IN ('booked', 'attended', 'no_show'))"
            )


def test_the_row_lock_alone_serialises_bookings(therapist, org_a, without_exclusion_constraint):
    pathways = [
        PathwayFactory(referral__citizen__municipality=org_a.municipality, responsible=therapist)
        for _ in range(2)
    ]
    jobs = [
        lambda p=p: appointment_book(
            actor=therapist,
            pathway=p,
            staff=therapist,
            location=org_a.location,
            start=at(TUE, 10),
            duration_minutes=60,
            now=NOW,
        )
        for p in pathways
    ]
    with mock.patch.object(services, "calendar_problems", _slow_calendar_problems(0.3)):
        outcomes = _book_in_threads(jobs)
    assert sorted(type(o).__name__ for o in outcomes) == ["Appointment", "ValidationError"]
    assert Appointment.objects.filter(staff=therapist).count() == 1


def test_non_overlapping_bookings_at_once_both_win(therapist, org_a):
    pathways = [
        PathwayFactory(referral__citizen__municipality=org_a.municipality, responsible=therapist)
        for _ in range(2)
    ]
    jobs = [
        lambda p=p, hh=hh: appointment_book(
            actor=therapist,
            pathway=p,
            staff=therapist,
            location=org_a.location,
            start=at(TUE, hh),
            duration_minutes=60,
            now=NOW,
        )
        for p, hh in zip(pathways, (10, 11), strict=True)
    ]
    outcomes = _book_in_threads(jobs)
    assert all(isinstance(o, Appointment) for o in outcomes), outcomes
    assert Appointment.objects.filter(staff=therapist).count() == 2


# --- the exclusion constraint itself ------------------------------------------------------------


def test_exclusion_constraint_refuses_an_overlapping_row_written_directly(therapist, org_a):
    existing = AppointmentFactory(
        staff=therapist, location=org_a.location, start=at(TUE, 10), end=at(TUE, 11),
        pathway__referral__citizen__municipality=org_a.municipality,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            pathway=existing.pathway,
            citizen=existing.citizen,
            staff=therapist,
            location=org_a.location,
            start=at(TUE, 10, 30),
            end=at(TUE, 11, 30),
        )
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    "status", [AppointmentStatus.DECLINED, AppointmentStatus.CANCELLED], ids=str
)
def test_exclusion_constraint_ignores_times_that_are_free_again(therapist, org_a, status):
    existing = AppointmentFactory(
        staff=therapist, location=org_a.location, start=at(TUE, 10), end=at(TUE, 11),
        status=status, pathway__referral__citizen__municipality=org_a.municipality,
    )  # fmt: skip
    Appointment.objects.create(
        pathway=existing.pathway,
        citizen=existing.citizen,
        staff=therapist,
        location=org_a.location,
        start=at(TUE, 10),
        end=at(TUE, 11),
    )
    assert Appointment.objects.count() == 2


def test_exclusion_constraint_allows_touching_times_and_other_therapists(therapist, org_a):
    existing = AppointmentFactory(
        staff=therapist, location=org_a.location, start=at(TUE, 10), end=at(TUE, 11),
        pathway__referral__citizen__municipality=org_a.municipality,
    )  # fmt: skip
    AppointmentFactory(
        pathway=existing.pathway, staff=therapist, location=org_a.location,
        start=at(TUE, 11), end=at(TUE, 12),
    )  # fmt: skip
    AppointmentFactory(
        pathway=existing.pathway, location=org_a.location, start=at(TUE, 10), end=at(TUE, 11)
    )
    assert Appointment.objects.count() == 3


def test_service_turns_the_constraint_violation_into_a_validation_error(therapist, org_a):
    """If the checks ever miss an overlap, the database refuses it and the user gets the message."""
    pathway = PathwayFactory(
        referral__citizen__municipality=org_a.municipality, responsible=therapist
    )
    AppointmentFactory(
        staff=therapist, location=org_a.location, start=at(TUE, 10), end=at(TUE, 11),
        pathway__referral__citizen__municipality=org_a.municipality,
    )  # fmt: skip
    with (
        mock.patch.object(services, "calendar_problems", return_value=[]),
        pytest.raises(ValidationError) as exc,
    ):
        appointment_book(
            actor=therapist,
            pathway=pathway,
            staff=therapist,
            location=org_a.location,
            start=at(TUE, 10, 30),
            duration_minutes=60,
            now=NOW,
        )
    assert exc.value.messages == [tr(MESSAGE_OVERLAP)]
    assert Appointment.objects.count() == 1
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.REFERRED
    assert pathway.first_offered_at is None
