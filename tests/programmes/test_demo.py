"""The demo's classes tell the same story as its pathways, and fit the staff calendars.

The demo is generated once for this module (scale 0.3, only this extension) inside a transaction
that is rolled back when the module is done.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from forlob.access.models import AccessLog
from forlob.core.choices import Profession
from forlob.core.models import User
from forlob.demo.generator import DemoSummary, generate
from forlob.pathways.models import OPEN_STATUSES, PathwayStatus
from forlob.programmes.models import (
    Attendance,
    ClassSession,
    ClassStatus,
    Enrolment,
    EnrolmentStatus,
    IndividualSession,
    ProgrammeClass,
    SessionStaff,
    SessionStatus,
)
from forlob.programmes.selectors import progress_for
from forlob.scheduling.models import BUSY_STATUSES, Absence, Appointment, WorkingHours

CPH = ZoneInfo("Europe/Copenhagen")
TODAY = date(2026, 3, 16)
MIDNIGHT = datetime.combine(TODAY, time(0), tzinfo=CPH)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: object) -> Iterator[DemoSummary]:
    with (
        django_db_blocker.unblock(),  # type: ignore[attr-defined]
        mock.patch("forlob.demo.extensions.EXTENSIONS", ("forlob.demo.programmes.extend",)),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            summary = generate(seed=7, today=TODAY, scale=0.3)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield summary
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def test_a_year_of_classes_past_running_and_upcoming(demo):
    classes = ProgrammeClass.objects.all()
    codes = set(classes.values_list("programme__code", flat=True))
    assert codes == {"kol", "kraeft", "hjerte", "diabetes", "laenderyg", "gain"}
    assert classes.filter(status=ClassStatus.COMPLETED, start_date__lt=TODAY).count() >= 10
    assert classes.filter(start_date__gt=TODAY).exists()  # upcoming, with a waiting list
    assert classes.filter(status=ClassStatus.OPEN, start_date__lte=TODAY).exists()  # running
    assert demo.counts["classes"] == classes.count()
    assert not AccessLog.objects.exists()  # the generator is not a person reading records


def test_gain_is_led_by_a_neuropsychologist_with_a_physio_and_an_occupational_therapist(demo):
    neuro = User.objects.get(profession=Profession.NEUROPSYCHOLOGIST)
    assert neuro.role_codes == {"therapist"} and neuro.team.name == "Team Neurologi"
    assert neuro.working_hours.exists()
    for klass in ProgrammeClass.objects.filter(programme__code="gain"):
        assert klass.lead == neuro
        for s in klass.sessions.filter(status=SessionStatus.PLANNED):
            assert sorted(s.staff.values_list("profession", flat=True)) == sorted(
                [
                    Profession.NEUROPSYCHOLOGIST,
                    Profession.OCCUPATIONAL_THERAPIST,
                    Profession.PHYSIOTHERAPIST,
                ]
            )
            assert s.end - s.start == timedelta(hours=2)


def test_sessions_fit_the_staff_calendars(demo):
    rows = list(SessionStaff.objects.filter(is_active=True).select_related("session"))
    assert rows
    by_staff = defaultdict(list)
    for r in rows:
        by_staff[r.staff_id].append((r.start, r.end))
    for intervals in by_staff.values():
        intervals.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(intervals))
    appointments = defaultdict(list)
    for staff_id, a0, a1 in Appointment.objects.filter(status__in=BUSY_STATUSES).values_list(
        "staff_id", "start", "end"
    ):
        appointments[staff_id].append((a0, a1))
    hours = defaultdict(list)
    for wh in WorkingHours.objects.all():
        hours[(wh.staff_id, wh.weekday)].append((wh.start_time, wh.end_time))
    absences = defaultdict(list)
    for ab in Absence.objects.all():
        absences[ab.staff_id].append((ab.start_date, ab.end_date))
    for r in rows:
        s, e = r.start.astimezone(CPH), r.end.astimezone(CPH)
        assert not any(a0 < r.end and a1 > r.start for a0, a1 in appointments[r.staff_id])
        assert any(t0 <= s.time() and e.time() <= t1 for t0, t1 in hours[(r.staff_id, s.weekday())])
        assert not any(d0 <= s.date() <= d1 for d0, d1 in absences[r.staff_id])
    # Cancelled sessions (closed days, nobody free) hold no one's time.
    assert not SessionStaff.objects.filter(
        session__status=SessionStatus.CANCELLED, is_active=True
    ).exists()


def test_enrolments_and_pathways_agree(demo):
    enrolments = list(Enrolment.objects.select_related("pathway", "programme_class"))
    assert enrolments
    for e in enrolments:
        p = e.pathway
        assert e.citizen_id == p.citizen_id
        if e.status == EnrolmentStatus.COMPLETED:
            assert p.status == PathwayStatus.COMPLETED
            assert e.programme_class.status == ClassStatus.COMPLETED
        elif e.status == EnrolmentStatus.DROPPED_OUT:
            assert p.status == PathwayStatus.DROPPED_OUT
            assert (e.dropout_reason_id, e.ended_at) == (p.dropout_reason_id, p.ended_at)
        else:
            assert p.status in OPEN_STATUSES
            assert e.programme_class.status == ClassStatus.OPEN
        assert e.enrolled_at < MIDNIGHT
        assert e.ended_at is None or e.enrolled_at < e.ended_at


def test_completers_meet_the_rule_and_about_three_in_four_complete(demo):
    past = list(
        Enrolment.objects.filter(programme_class__status=ClassStatus.COMPLETED).select_related(
            "programme_class__programme"
        )
    )
    progress = progress_for(past, now=MIDNIGHT)
    completed = [e for e in past if e.status == EnrolmentStatus.COMPLETED]
    assert all(progress[e.pk].meets_rule for e in completed)
    share = len(completed) / len(past)
    assert 0.65 <= share <= 0.9, share
    assert demo.counts["class_completion_percent"] == round(100 * share)


def test_attendance_lies_in_the_past_and_is_complete_for_held_sessions(demo):
    assert not Attendance.objects.filter(registered_at__gte=MIDNIGHT).exists()
    assert not Attendance.objects.filter(session__start__gte=MIDNIGHT).exists()
    enrolled = Enrolment.objects.filter(status=EnrolmentStatus.ENROLLED)
    for e in enrolled:
        held = ClassSession.objects.filter(
            programme_class=e.programme_class, status=SessionStatus.PLANNED, start__lt=MIDNIGHT
        ).count()
        assert e.attendances.count() == held
    assert IndividualSession.objects.exists()
    for talk in IndividualSession.objects.select_related("appointment", "enrolment"):
        assert talk.appointment.pathway_id == talk.enrolment.pathway_id
