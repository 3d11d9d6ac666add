"""Classes through the services: calendars, clashes, enrolment, attendance, completion."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from forlob.access.models import AccessLog
from forlob.access.policy import citizens_in_scope
from forlob.core.choices import Profession
from forlob.pathways.models import Pathway, PathwayStatus, PathwayTransition
from forlob.pathways.services import pathway_create_from_referral
from forlob.programmes import calendar as programme_calendar
from forlob.programmes import services
from forlob.programmes.models import (
    Attendance,
    ClassSession,
    Enrolment,
    EnrolmentStatus,
    IndividualSession,
    ProgrammeClass,
    SessionStaff,
    SessionStatus,
)
from forlob.programmes.reminders import session_events
from forlob.programmes.selectors import progress_for, waiting_list
from forlob.programmes.services import ClassDraft, class_create
from forlob.referrals.models import Referral
from forlob.scheduling.models import Absence, Appointment, AppointmentStatus
from forlob.scheduling.selectors import free_windows
from forlob.scheduling.services import MESSAGE_OVERLAP, appointment_book
from tests.factories import (
    AbsenceFactory,
    AppointmentFactory,
    CitizenFactory,
    ReferralFactory,
    TherapistFactory,
    dropout_reason,
)
from tests.helpers import NOW, TODAY, at, counts, tr
from tests.programmes.helpers import (
    START,
    concussion_referral,
    enrol_new,
    gain_class,
    gain_staff,
    programme,
    staff_member,
)

pytestmark = pytest.mark.usefixtures("frozen")

WEEK3 = START + timedelta(weeks=3)
WEEK7 = START + timedelta(weeks=7)
AFTER = at(WEEK7, 13)  # the last GAIN session (10–12) has ended


def attend(klass, enrolment, actor, marks):
    """Register ``marks`` (present, absent, cancelled or None) for the sessions in order."""
    for session, mark in zip(klass.sessions.order_by("start"), marks, strict=False):
        if mark:
            services.attendance_set(
                actor=actor, session=session, enrolment=enrolment, status=mark, now=AFTER
            )


# --- creating a class -----------------------------------------------------------------------------


def test_gain_class_puts_three_two_hour_sessions_in_all_three_calendars(org_a, therapist):
    staff = gain_staff(org_a)
    klass = gain_class(org_a, therapist, staff)

    sessions = list(klass.sessions.order_by("number"))
    assert [(s.number, s.start, s.end) for s in sessions] == [
        (1, at(START, 10), at(START, 12)),
        (2, at(WEEK3, 10), at(WEEK3, 12)),
        (3, at(WEEK7, 10), at(WEEK7, 12)),
    ]
    for s in sessions:
        assert set(s.staff.all()) == set(staff)
        assert s.title == "Gruppeforløb"
    assert klass.lead.profession == Profession.NEUROPSYCHOLOGIST
    assert (klass.capacity, klass.end_date, klass.team) == (8, WEEK7, org_a.team)
    # The calendars: free time around the session, none during it.
    windows = free_windows(
        staff_ids=[staff[1].pk], first_day=START, last_day=START, default_location=None
    )
    assert [(w.start, w.end) for w in windows] == [
        (at(START, 8), at(START, 10)),
        (at(START, 12), at(START, 16)),
    ]


def test_kol_sessions_go_only_to_the_professions_they_need(org_a, therapist):
    physio = staff_member(org_a, Profession.PHYSIOTHERAPIST, "Per")
    nurse = staff_member(org_a, Profession.NURSE, "Sanne")
    klass = class_create(
        actor=therapist,
        draft=ClassDraft(
            programme=programme("kol"),
            location=org_a.location,
            start_date=START,
            start_time=time(10, 0),
            staff=[physio, nurse],
        ),
        now=NOW,
    )
    sessions = list(klass.sessions.order_by("number").prefetch_related("staff"))
    assert len(sessions) == 20  # 16 training + 4 education
    first, second = sessions[:2]
    assert (first.title, first.start, first.end) == ("Fysisk træning", at(START, 10), at(START, 11))
    assert (second.title, second.start, second.end) == (
        "Patientundervisning",
        at(START, 11),
        at(START, 12),
    )
    assert list(first.staff.all()) == [physio]
    assert list(second.staff.all()) == [nurse]
    assert sessions[2].start == at(START + timedelta(days=3), 10)  # Thursday
    assert klass.lead == physio
    assert klass.capacity == 12


def test_a_class_without_the_required_professions_is_refused(org_a, therapist):
    staff = gain_staff(org_a)[:2]  # no occupational therapist
    with pytest.raises(ValidationError) as exc:
        gain_class(org_a, therapist, staff)
    assert exc.value.message_dict["staff"] == [
        tr(services.MESSAGE_PROFESSION_MISSING)
        % {"profession": tr(Profession.OCCUPATIONAL_THERAPIST.label).lower()}
    ]
    assert ProgrammeClass.objects.count() == 0


def _refused(org_a, therapist, staff):
    before = counts(ProgrammeClass, ClassSession, SessionStaff)
    with pytest.raises(ValidationError) as exc:
        gain_class(org_a, therapist, staff)
    assert counts(ProgrammeClass, ClassSession, SessionStaff) == before  # nothing half-written
    return exc.value.messages


def test_clash_with_an_appointment_is_refused_naming_who_and_when(org_a, therapist):
    staff = gain_staff(org_a)
    AppointmentFactory(
        staff=staff[1],
        location=org_a.location,
        start=at(WEEK3, 11),
        end=at(WEEK3, 12),
        pathway__referral__citizen__municipality=org_a.municipality,
    )
    [message] = _refused(org_a, therapist, staff)
    assert message == tr(programme_calendar.MESSAGE_CLASH_APPOINTMENT) % {
        "staff": str(staff[1]),
        "number": 2,
        "when": programme_calendar.when(at(WEEK3, 11), at(WEEK3, 12)),
    }
    assert "11:00–12:00" in message and "2026" in message


def test_clash_with_another_class_and_an_absence_is_refused(org_a, therapist):
    staff = gain_staff(org_a)
    gain_class(org_a, therapist, staff)
    AbsenceFactory(staff=staff[2], start_date=WEEK7, end_date=WEEK7 + timedelta(days=4))
    messages = _refused(org_a, therapist, staff)
    # Every session clashes with the first class for all three, except that Olga is absent in
    # week 7 (one message for that instead of the clash).
    assert len(messages) == 9
    first = ProgrammeClass.objects.get()
    absent = tr(programme_calendar.MESSAGE_CLASH_ABSENT) % {
        "staff": str(staff[2]),
        "kind": tr(Absence.Kind.HOLIDAY.label).lower(),
        "day": programme_calendar.day_text(WEEK7),
        "number": 3,
    }
    assert absent in messages
    clash = tr(programme_calendar.MESSAGE_CLASH_SESSION) % {
        "staff": str(staff[0]),
        "other": first.name,
        "other_number": 2,
        "when": programme_calendar.when(at(WEEK3, 10), at(WEEK3, 12)),
        "number": 2,
    }
    assert clash in messages


def test_a_session_outside_working_hours_or_opening_hours_is_refused(org_a, therapist):
    staff = gain_staff(org_a)
    with pytest.raises(ValidationError) as exc:
        gain_class(org_a, therapist, staff, start_time=time(15, 0))  # 15–17: after 16:00
    messages = exc.value.messages
    # The location closes at 16 (3 sessions) and nobody works after 16 (9): 8 shown, 4 more.
    assert len(messages) == programme_calendar.MAX_CLASHES_SHOWN + 1
    assert messages[-1] == tr(programme_calendar.MESSAGE_MORE_CLASHES) % {"count": 4}
    assert messages[0] == tr(programme_calendar.MESSAGE_CLASH_LOCATION) % {
        "location": org_a.location.name,
        "number": 1,
        "when": programme_calendar.when(at(START, 15), at(START, 17)),
    }


def test_part_time_staff_off_on_the_class_weekday_is_a_clash(org_a, therapist):
    staff = gain_staff(org_a)
    staff[1].working_hours.filter(weekday=0).delete()  # Mondays off
    messages = _refused(org_a, therapist, staff)
    assert len(messages) == 3
    assert all(str(staff[1]) in m for m in messages)


def test_too_many_clashes_are_cut_short(org_a, therapist):
    physio = staff_member(org_a, Profession.PHYSIOTHERAPIST, "Per", weekdays=[1, 2])
    nurse = staff_member(org_a, Profession.NURSE, "Sanne")
    with pytest.raises(ValidationError) as exc:
        class_create(
            actor=therapist,
            draft=ClassDraft(
                programme=programme("kol"),
                location=org_a.location,
                start_date=START,
                start_time=time(10, 0),
                staff=[physio, nurse],
            ),
            now=NOW,
        )
    messages = exc.value.messages
    assert len(messages) == programme_calendar.MAX_CLASHES_SHOWN + 1
    assert messages[-1] == tr(programme_calendar.MESSAGE_MORE_CLASHES) % {"count": 8}


def test_start_date_may_lie_two_weeks_back_at_most(org_a, therapist):
    staff = gain_staff(org_a)
    with pytest.raises(ValidationError) as exc:
        gain_class(org_a, therapist, staff, start_date=TODAY - timedelta(days=15))
    assert list(exc.value.message_dict) == ["start_date"]


def test_staff_of_another_municipality_cannot_run_the_class(org_a, org_b, therapist, outsider):
    staff = [*gain_staff(org_a)[:2], staff_member(org_b, Profession.OCCUPATIONAL_THERAPIST, "Ib")]
    with pytest.raises(ValidationError) as exc:
        gain_class(org_a, therapist, staff)
    assert "staff" in exc.value.message_dict


# --- the class in the calendars of other apps -----------------------------------------------------


def test_booking_an_appointment_over_a_session_is_refused(org_a, therapist):
    staff = gain_staff(org_a)
    gain_class(org_a, therapist, staff)
    pathway = pathway_create_from_referral(
        actor=therapist, referral=concussion_referral(org_a), responsible=staff[0], team=None
    )
    with pytest.raises(ValidationError) as exc:
        appointment_book(
            actor=therapist,
            pathway=pathway,
            staff=staff[0],
            location=org_a.location,
            start=at(START, 11, 30),
            duration_minutes=30,
            now=NOW,
        )
    assert exc.value.messages == [tr(MESSAGE_OVERLAP)]
    appointment_book(
        actor=therapist,
        pathway=pathway,
        staff=staff[0],
        location=org_a.location,
        start=at(START, 12),
        duration_minutes=30,
        now=NOW,
    )


def test_moving_a_session_checks_clashes_and_moves_it_in_every_calendar(org_a, therapist):
    staff = gain_staff(org_a)
    klass = gain_class(org_a, therapist, staff)
    session = klass.sessions.get(number=2)
    AppointmentFactory(
        staff=staff[0],
        location=org_a.location,
        start=at(WEEK3 + timedelta(days=1), 9),
        end=at(WEEK3 + timedelta(days=1), 10),
        pathway__referral__citizen__municipality=org_a.municipality,
    )
    with pytest.raises(ValidationError) as exc:
        services.session_move(
            actor=therapist, session=session, start=at(WEEK3 + timedelta(days=1), 9), now=NOW
        )
    assert len(exc.value.messages) == 1 and str(staff[0]) in exc.value.messages[0]

    services.session_move(
        actor=therapist, session=session, start=at(WEEK3 + timedelta(days=1), 13), now=NOW
    )
    session.refresh_from_db()
    assert (session.start, session.end) == (
        at(WEEK3 + timedelta(days=1), 13),
        at(WEEK3 + timedelta(days=1), 15),
    )
    assert set(session.staffing.values_list("start", flat=True)) == {session.start}
    # The other sessions of the class still clash with themselves: not onto session 1.
    with pytest.raises(ValidationError):
        services.session_move(actor=therapist, session=session, start=at(START, 11), now=NOW)


def test_moving_a_session_into_the_past_or_after_it_began_is_refused(org_a, therapist):
    klass = gain_class(org_a, therapist)
    session = klass.sessions.get(number=1)
    with pytest.raises(ValidationError):
        services.session_move(actor=therapist, session=session, start=NOW - timedelta(hours=1))
    with pytest.raises(ValidationError) as exc:
        services.session_move(
            actor=therapist, session=session, start=at(WEEK3, 13), now=at(START, 10, 30)
        )
    assert exc.value.messages == [tr(services.MESSAGE_SESSION_STARTED)]


def test_a_cancelled_session_frees_the_calendar_and_does_not_count(org_a, therapist):
    staff = gain_staff(org_a)
    klass = gain_class(org_a, therapist, staff)
    [enrolment] = enrol_new(klass, therapist, org_a)
    session = klass.sessions.get(number=2)
    services.session_cancel(actor=therapist, session=session, now=NOW)
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    windows = free_windows(
        staff_ids=[staff[0].pk], first_day=WEEK3, last_day=WEEK3, default_location=None
    )
    assert [(w.start, w.end) for w in windows] == [(at(WEEK3, 8), at(WEEK3, 16))]
    assert progress_for([enrolment])[enrolment.pk].planned == 2 + 5
    assert not any(e.key.startswith(f"session:{session.pk}:") for e in session_events(NOW, AFTER))


# --- enrolment ------------------------------------------------------------------------------------


def test_enrolling_a_new_referral_creates_a_booked_pathway_with_the_lead(org_a, therapist):
    klass = gain_class(org_a, therapist)
    referral = concussion_referral(org_a)
    before = AccessLog.objects.count()

    enrolment = services.class_enrol(
        actor=therapist, programme_class=klass, referral=referral, now=NOW
    )

    pathway = enrolment.pathway
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert (pathway.referral, pathway.responsible, pathway.team) == (
        referral,
        klass.lead,
        org_a.team,
    )
    assert pathway.status == PathwayStatus.BOOKED
    assert pathway.first_offered_start == at(START, 10)  # the first session is the first offer
    assert pathway.first_offer_within_deadline is None  # no target for GAIN
    assert (enrolment.status, enrolment.citizen, enrolment.enrolled_by) == (
        EnrolmentStatus.ENROLLED,
        referral.citizen,
        therapist,
    )
    logs = AccessLog.objects.order_by("id")[before:]
    assert {log.operation for log in logs} >= {"pathway_create", "class_enrol"}
    assert {log.citizen_id for log in logs} == {referral.citizen_id}


def test_enrolling_from_an_open_pathway_keeps_that_pathway(org_a, therapist):
    klass = gain_class(org_a, therapist)
    referral = concussion_referral(org_a)
    pathway = pathway_create_from_referral(
        actor=therapist, referral=referral, responsible=therapist, team=org_a.team
    )
    enrolment = services.class_enrol(
        actor=therapist, programme_class=klass, referral=referral, now=NOW
    )
    assert enrolment.pathway == pathway
    assert Pathway.objects.filter(citizen=referral.citizen).count() == 1


def test_a_full_class_says_so_and_enrols_nobody_more(org_a, therapist):
    klass = gain_class(org_a, therapist, capacity=2)
    enrol_new(klass, therapist, org_a, 2)
    referral = concussion_referral(org_a)
    before = counts(Enrolment, Pathway)
    with pytest.raises(ValidationError) as exc:
        services.class_enrol(actor=therapist, programme_class=klass, referral=referral, now=NOW)
    assert exc.value.messages == [tr(services.MESSAGE_CLASS_FULL) % {"taken": 2, "capacity": 2}]
    assert counts(Enrolment, Pathway) == before
    referral.refresh_from_db()
    assert referral.status == Referral.Status.NEW  # no pathway made on the way


def test_a_dropout_frees_a_place(org_a, therapist):
    klass = gain_class(org_a, therapist, capacity=1)
    [first] = enrol_new(klass, therapist, org_a)
    services.enrolment_drop_out(
        actor=therapist, enrolment=first, reason=dropout_reason("no_need_citizen"), now=NOW
    )
    enrol_new(klass, therapist, org_a)
    assert klass.enrolments.count() == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda org: ReferralFactory(
                citizen=CitizenFactory(municipality=org.municipality),
                type_code="chronic",
                chronic_disease="copd",
            ),
            services.MESSAGE_NOT_MATCHING,
        ),
        (
            lambda org: concussion_referral(org, status=Referral.Status.REJECTED),
            services.MESSAGE_REFERRAL_REJECTED,
        ),
    ],
    ids=["other programme", "rejected"],
)
def test_a_referral_that_does_not_fit_is_refused(org_a, therapist, make, message):
    klass = gain_class(org_a, therapist)
    with pytest.raises(ValidationError) as exc:
        services.class_enrol(actor=therapist, programme_class=klass, referral=make(org_a), now=NOW)
    assert exc.value.messages == [tr(message)]


def test_nobody_is_enrolled_twice(org_a, therapist):
    klass = gain_class(org_a, therapist)
    [enrolment] = enrol_new(klass, therapist, org_a)
    second = concussion_referral(org_a, citizen=enrolment.citizen)
    with pytest.raises(ValidationError) as exc:
        services.class_enrol(actor=therapist, programme_class=klass, referral=second, now=NOW)
    assert exc.value.messages == [tr(services.MESSAGE_ALREADY_ENROLLED)]


def test_the_waiting_list_shows_matching_referrals_in_scope_not_yet_enrolled(
    org_a, org_b, therapist, outsider
):
    klass = gain_class(org_a, therapist)
    new = concussion_referral(org_a, received_date=TODAY - timedelta(days=3))
    with_pathway = concussion_referral(org_a, received_date=TODAY - timedelta(days=5))
    pathway_create_from_referral(
        actor=therapist, referral=with_pathway, responsible=therapist, team=org_a.team
    )
    [enrolled] = enrol_new(klass, therapist, org_a)
    closed = concussion_referral(org_a)
    closed_pathway = pathway_create_from_referral(
        actor=therapist, referral=closed, responsible=therapist, team=org_a.team
    )
    Pathway.objects.filter(pk=closed_pathway.pk).update(status=PathwayStatus.CANCELLED)
    ReferralFactory(citizen=CitizenFactory(municipality=org_a.municipality))  # a GOP
    concussion_referral(org_b)  # another municipality
    other_team = concussion_referral(org_a)
    other_team.team = None
    other_team.save()

    listed = waiting_list(actor=therapist, programme_class=klass)
    assert listed[:2] == [with_pathway, new]  # oldest first
    assert enrolled.pathway.referral not in listed
    assert closed not in listed
    assert other_team in listed  # unassigned: the municipality's intake
    assert all(r.referral_type.code == "concussion" for r in listed)
    assert waiting_list(actor=outsider, programme_class=klass) == []


# --- attendance and flags -------------------------------------------------------------------------


def test_presence_before_the_session_began_is_refused_but_a_cancellation_is_fine(org_a, therapist):
    klass = gain_class(org_a, therapist)
    [enrolment] = enrol_new(klass, therapist, org_a)
    first = klass.sessions.get(number=1)
    with pytest.raises(ValidationError) as exc:
        services.attendance_set(
            actor=therapist, session=first, enrolment=enrolment, status="present", now=NOW
        )
    assert exc.value.messages == [tr(services.MESSAGE_NOT_STARTED)]
    services.attendance_set(
        actor=therapist, session=first, enrolment=enrolment, status="cancelled", now=NOW
    )
    assert Attendance.objects.get().status == "cancelled"
    # The citizen cancelled: no reminder for that session, still one for the next.
    keys = {e.key for e in session_events(NOW, AFTER)}
    assert f"session:{first.pk}:citizen:{enrolment.citizen_id}" not in keys
    second = klass.sessions.get(number=2)
    assert f"session:{second.pk}:citizen:{enrolment.citizen_id}" in keys


def test_the_first_presence_makes_the_pathway_active_and_can_be_changed(org_a, therapist):
    klass = gain_class(org_a, therapist)
    [enrolment] = enrol_new(klass, therapist, org_a)
    first = klass.sessions.get(number=1)
    begun = at(START, 10, 5)
    services.attendance_set(
        actor=therapist, session=first, enrolment=enrolment, status="present", now=begun
    )
    enrolment.pathway.refresh_from_db()
    assert enrolment.pathway.status == PathwayStatus.ACTIVE
    assert enrolment.pathway.started_at == begun
    services.attendance_set(
        actor=therapist, session=first, enrolment=enrolment, status="absent", now=begun
    )
    assert Attendance.objects.get().status == "absent"
    assert AccessLog.objects.filter(operation="attendance_absent", citizen=enrolment.citizen)


def test_missing_sessions_in_a_row_flags_the_citizen(org_a, therapist):
    klass = gain_class(org_a, therapist)  # GAIN: flag after 2
    flagged, fine, back = enrol_new(klass, therapist, org_a, 3)
    attend(klass, flagged, therapist, ["present", "absent", "cancelled"])
    attend(klass, fine, therapist, ["present", "present", "absent"])
    attend(klass, back, therapist, ["absent", "absent", "present"])
    progress = progress_for([flagged, fine, back], now=AFTER)
    assert [progress[e.pk].streak for e in (flagged, fine, back)] == [2, 1, 0]
    assert [progress[e.pk].flagged for e in (flagged, fine, back)] == [True, False, False]


def test_individual_sessions_count_in_the_run_and_for_completion(org_a, therapist):
    staff = gain_staff(org_a)
    klass = gain_class(org_a, therapist, staff)
    [enrolment] = enrol_new(klass, therapist, org_a)
    talk = services.talk_book(
        actor=therapist,
        enrolment=enrolment,
        staff=staff[0],
        start=at(START + timedelta(days=8), 9),
        mode="phone",
        now=NOW,
    )
    assert (talk.number, talk.mode, talk.appointment.end - talk.appointment.start) == (
        1,
        "phone",
        timedelta(minutes=30),
    )
    assert talk.appointment.pathway == enrolment.pathway
    Appointment.objects.filter(pk=talk.appointment_id).update(status=AppointmentStatus.NO_SHOW)
    attend(klass, enrolment, therapist, ["absent"])
    p = progress_for([enrolment], now=at(START + timedelta(days=9), 9))[enrolment.pk]
    assert (p.held, p.attended, p.streak, p.flagged) == (2, 0, 2, True)
    assert p.planned == 8


def test_booking_individual_sessions_follows_the_programme(org_a, therapist):
    staff = gain_staff(org_a)
    klass = gain_class(org_a, therapist, staff)
    [enrolment] = enrol_new(klass, therapist, org_a)
    outsider_staff = staff_member(org_a, Profession.NURSE, "Nora")

    def book(**kw):
        args = {
            "actor": therapist,
            "enrolment": enrolment,
            "staff": staff[0],
            "start": at(START + timedelta(days=8), 9),
            "mode": "video",
            "now": NOW,
        }
        return services.talk_book(**{**args, **kw})

    with pytest.raises(ValidationError) as exc:
        book(staff=outsider_staff)  # not on the class
    assert list(exc.value.message_dict) == ["staff"]
    with pytest.raises(ValidationError) as exc:
        book(mode="carrier pigeon")
    assert list(exc.value.message_dict) == ["mode"]
    with pytest.raises(ValidationError) as exc:
        book(start=at(START, 11))  # during the group session
    assert exc.value.messages == [tr(MESSAGE_OVERLAP)]
    weekdays = [8, 9, 10, 11, 14]  # Tuesday 16 June to Monday 22 June
    numbers = [book(start=at(START + timedelta(days=d), 9)).number for d in weekdays]
    assert numbers == [1, 2, 3, 4, 5]
    with pytest.raises(ValidationError) as exc:
        book(start=at(START + timedelta(days=15), 9))
    assert exc.value.messages == [tr(services.MESSAGE_ALL_TALKS_BOOKED)]


# --- leaving and completing -----------------------------------------------------------------------


def test_dropping_out_closes_the_pathway_with_the_reason_and_cancels_future_talks(org_a, therapist):
    staff = gain_staff(org_a)
    klass = gain_class(org_a, therapist, staff)
    [enrolment] = enrol_new(klass, therapist, org_a)
    talk = services.talk_book(
        actor=therapist,
        enrolment=enrolment,
        staff=staff[0],
        start=at(START + timedelta(days=8), 9),
        mode="phone",
        now=NOW,
    )
    reason = dropout_reason("opt_out_other_illness")
    services.enrolment_drop_out(
        actor=therapist, enrolment=enrolment, reason=reason, note="Indlagt", now=NOW
    )
    enrolment.refresh_from_db()
    pathway = enrolment.pathway
    pathway.refresh_from_db()
    assert (enrolment.status, enrolment.dropout_reason, enrolment.note) == (
        EnrolmentStatus.DROPPED_OUT,
        reason,
        "Indlagt",
    )
    assert (pathway.status, pathway.dropout_reason) == (PathwayStatus.DROPPED_OUT, reason)
    talk.appointment.refresh_from_db()
    assert talk.appointment.status == AppointmentStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.attendance_set(
            actor=therapist,
            session=klass.sessions.first(),
            enrolment=enrolment,
            status="cancelled",
            now=NOW,
        )


def test_a_class_is_completed_only_after_its_last_session_with_attendance_registered(
    org_a, therapist
):
    klass = gain_class(org_a, therapist)
    [enrolment] = enrol_new(klass, therapist, org_a)
    with pytest.raises(ValidationError) as exc:
        services.class_complete(
            actor=therapist, programme_class=klass, reasons={}, now=at(WEEK7, 11)
        )
    assert exc.value.messages == [tr(services.MESSAGE_NOT_ENDED)]
    attend(klass, enrolment, therapist, ["present"])
    with pytest.raises(ValidationError) as exc:
        services.class_complete(actor=therapist, programme_class=klass, reasons={}, now=AFTER)
    assert exc.value.messages == [tr(services.MESSAGE_ATTENDANCE_MISSING) % {"numbers": "2, 3"}]


def test_completion_applies_the_rule_and_closes_the_pathways_the_same_way(org_a, therapist):
    staff = gain_staff(org_a)
    klass = gain_class(org_a, therapist, staff)
    done, short, left = enrol_new(klass, therapist, org_a, 3)
    # GAIN: 3 group sessions + 5 talks = 8 planned; 75 % = 6.
    for i in range(3):
        talk = services.talk_book(
            actor=therapist,
            enrolment=done,
            staff=staff[0],
            start=at(START + timedelta(days=8 + i), 9),
            mode="phone",
            now=NOW,
        )
        Appointment.objects.filter(pk=talk.appointment_id).update(status=AppointmentStatus.ATTENDED)
    attend(klass, done, therapist, ["present", "present", "present"])  # 6 of 8
    attend(klass, short, therapist, ["present", "absent", "present"])  # 2 of 8
    attend(klass, left, therapist, ["present", "absent"])
    services.enrolment_drop_out(
        actor=therapist, enrolment=left, reason=dropout_reason("no_need_citizen"), now=at(WEEK3, 13)
    )

    reason = dropout_reason("no_contact_or_no_show")
    with pytest.raises(ValidationError) as exc:
        services.class_complete(actor=therapist, programme_class=klass, reasons={}, now=AFTER)
    assert exc.value.message_dict == {
        f"reason_{short.pk}": [
            tr(services.MESSAGE_REASON_FOR) % {"citizen": short.citizen.full_name}
        ]
    }
    result = services.class_complete(
        actor=therapist, programme_class=klass, reasons={short.pk: reason}, now=AFTER
    )
    assert (result.completed, result.dropped_out) == (1, 1)
    for e in (done, short, left):
        e.refresh_from_db()
        e.pathway.refresh_from_db()
    assert (done.status, done.pathway.status) == ("completed", PathwayStatus.COMPLETED)
    assert (short.status, short.pathway.status, short.pathway.dropout_reason) == (
        "dropped_out",
        PathwayStatus.DROPPED_OUT,
        reason,
    )
    assert left.pathway.dropout_reason == dropout_reason("no_need_citizen")  # unchanged
    klass.refresh_from_db()
    assert (klass.status, klass.completed_at) == ("completed", AFTER)
    assert list(
        PathwayTransition.objects.filter(pathway=done.pathway).values_list("to_status", flat=True)
    ) == ["referred", "booked", "active", "completed"]
    with pytest.raises(ValidationError):
        enrol_new(klass, therapist, org_a)


def test_a_citizen_who_never_came_completes_through_the_state_machine_or_drops_out(
    org_a, therapist
):
    """A pathway still "booked" (never present) cannot jump to completed: it drops out."""
    klass = gain_class(org_a, therapist)
    [never] = enrol_new(klass, therapist, org_a)
    attend(klass, never, therapist, ["absent", "absent", "absent"])
    services.class_complete(
        actor=therapist,
        programme_class=klass,
        reasons={never.pk: dropout_reason("no_contact_or_no_show")},
        now=AFTER,
    )
    never.pathway.refresh_from_db()
    assert never.pathway.status == PathwayStatus.DROPPED_OUT


# --- access relation ------------------------------------------------------------------------------


def test_class_staff_from_another_team_may_open_the_enrolled_citizen(org_a, therapist):
    from tests.factories import TeamFactory

    other_team = TeamFactory(unit=org_a.unit, name="Team Neurologi")
    neuro = TherapistFactory(
        municipality=org_a.municipality, team=other_team, profession=Profession.NEUROPSYCHOLOGIST
    )
    from tests.factories import working_week

    working_week(neuro, org_a.location)
    staff = [neuro, *gain_staff(org_a)[1:]]
    klass = gain_class(org_a, therapist, staff)
    colleague = TherapistFactory(municipality=org_a.municipality, team=other_team)
    [enrolment] = enrol_new(klass, therapist, org_a)
    # The pathway belongs to the class's team (org_a.team); the neuropsychologist is on another
    # team but teaches the class.
    assert citizens_in_scope(neuro).filter(pk=enrolment.citizen_id).exists()
    assert not citizens_in_scope(colleague).filter(pk=enrolment.citizen_id).exists()


def test_reminder_events_name_the_session_and_place_but_not_the_programme(org_a, therapist):
    klass = gain_class(org_a, therapist)
    [enrolment] = enrol_new(klass, therapist, org_a)
    events = session_events(at(START, 0), at(START + timedelta(days=1), 0))
    first = klass.sessions.get(number=1)
    assert [(e.key, e.citizen_id, e.start, e.what, e.where, e.team_id) for e in events] == [
        (
            f"session:{first.pk}:citizen:{enrolment.citizen_id}",
            enrolment.citizen_id,
            at(START, 10),
            "Holdtræningen",  # the programme's name could reveal a diagnosis on a lock screen
            org_a.location.name,
            org_a.team.pk,
        )
    ]
    ClassSession.objects.filter(pk=first.pk).update(mode="video")
    [video] = session_events(at(START, 0), at(START + timedelta(days=1), 0))
    assert video.where == "video"


def test_no_reminders_after_a_dropout_or_for_a_completed_class(org_a, therapist):
    klass = gain_class(org_a, therapist)
    a, b = enrol_new(klass, therapist, org_a, 2)
    services.enrolment_drop_out(
        actor=therapist, enrolment=a, reason=dropout_reason("no_need_citizen"), now=NOW
    )
    assert {e.citizen_id for e in session_events(NOW, AFTER)} == {b.citizen_id}
    assert len(session_events(NOW, AFTER)) == 3


def test_absence_refusal_names_the_kind_of_absence(org_a, therapist):
    staff = gain_staff(org_a)
    AbsenceFactory(staff=staff[0], start_date=START, end_date=START, kind=Absence.Kind.COURSE)
    [message] = _refused(org_a, therapist, staff)
    assert message == tr(programme_calendar.MESSAGE_CLASH_ABSENT) % {
        "staff": str(staff[0]),
        "kind": tr(Absence.Kind.COURSE.label).lower(),
        "day": programme_calendar.day_text(date(2026, 6, 8)),
        "number": 1,
    }


def test_individual_session_counts(org_a, therapist):
    klass = gain_class(org_a, therapist)
    [enrolment] = enrol_new(klass, therapist, org_a)
    assert IndividualSession.objects.filter(enrolment=enrolment).count() == 0
    assert progress_for([enrolment])[enrolment.pk].needed == 6
