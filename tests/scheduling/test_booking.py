"""Booking: the first offer, the pathway's moves, and every reason a time is refused.

The calendar: the therapist works Mon–Fri 8–16 at A's training centre (open 7:30–16). "Now" is
Monday 1 June 2026 07:00. The GOP citizen was discharged Saturday 30 May, so the deadline is
Saturday 6 June.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from forlob.access.models import AccessLog
from forlob.core.models import Location, User
from forlob.pathways.models import Pathway, PathwayStatus, PathwayTransition
from forlob.scheduling.models import Appointment, AppointmentStatus, ExtraCapacity
from forlob.scheduling.selectors import SLOT_GRID_MINUTES, free_slots, free_windows
from forlob.scheduling.services import (
    MESSAGE_ABSENT,
    MESSAGE_DURATION,
    MESSAGE_IN_PAST,
    MESSAGE_LOCATION_CLOSED,
    MESSAGE_NOT_BOOKED,
    MESSAGE_NOT_STARTED,
    MESSAGE_OTHER_MUNICIPALITY,
    MESSAGE_OUTSIDE_HOURS,
    MESSAGE_OVERLAP,
    MESSAGE_PATHWAY_CLOSED,
    appointment_book,
    appointment_cancel,
    appointment_decline,
    appointment_register_attendance,
    calendar_problems,
)
from tests.conftest import Org
from tests.factories import (
    AbsenceFactory,
    LocationFactory,
    PathwayFactory,
    TherapistFactory,
    working_week,
)
from tests.helpers import NOW, TODAY, at, counts, tr

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI, SAT = (TODAY + timedelta(days=i) for i in range(6))
DISCHARGE = date(2026, 5, 30)
DEADLINE = date(2026, 6, 6)
NEXT_MON = date(2026, 6, 8)


@dataclass
class Ctx:
    therapist: User
    org: Org
    pathway: Pathway

    def book(self, start, minutes=60, *, pathway=None, staff=None, location=None, now=NOW):
        return appointment_book(
            actor=self.therapist,
            pathway=pathway or self.pathway,
            staff=staff or self.therapist,
            location=location or self.org.location,
            start=start,
            duration_minutes=minutes,
            now=now,
        )

    def other_pathway(self, **kwargs) -> Pathway:
        return PathwayFactory(
            referral__citizen__municipality=self.org.municipality,
            responsible=self.therapist,
            **kwargs,
        )


@pytest.fixture
def ctx(therapist, org_a) -> Ctx:
    pathway = PathwayFactory(
        referral__citizen__municipality=org_a.municipality,
        referral__discharge_date=DISCHARGE,
        responsible=therapist,
    )
    assert pathway.offer_deadline == DEADLINE
    return Ctx(therapist=therapist, org=org_a, pathway=pathway)


def snapshot(pathway: Pathway) -> tuple:
    p = Pathway.objects.get(pk=pathway.pk)
    return (p.status, p.first_offered_at, p.first_offered_start, p.first_offer_within_deadline)


# --- the first offer ----------------------------------------------------------------------------


def test_first_booking_records_the_first_offer_and_moves_to_booked(ctx):
    start = at(TUE, 10)
    appt = ctx.book(start)

    assert appt.is_first
    assert (appt.start, appt.end) == (start, start + timedelta(minutes=60))
    assert appt.status == AppointmentStatus.BOOKED
    assert appt.citizen_id == ctx.pathway.citizen_id
    assert appt.created_by == ctx.therapist
    p = Pathway.objects.get(pk=ctx.pathway.pk)
    assert p.status == PathwayStatus.BOOKED
    assert p.first_offered_at == NOW
    assert p.first_offered_start == start
    assert p.first_offer_within_deadline is True
    move = p.transitions.order_by("id").last()
    assert (move.from_status, move.to_status, move.by, move.at) == (
        PathwayStatus.REFERRED,
        PathwayStatus.BOOKED,
        ctx.therapist,
        NOW,
    )
    log = AccessLog.objects.get(operation="appointment_book")
    assert (log.citizen_id, log.object_id, log.actor) == (p.citizen_id, str(appt.pk), ctx.therapist)


def test_first_offer_on_the_deadline_day_is_within(ctx):
    # Saturday is not a working day: give the therapist a Saturday morning for this test.
    working_week(ctx.therapist, ctx.org.location, weekdays=[5], start=time(9), end=time(12))
    ctx.book(at(DEADLINE, 11))
    assert snapshot(ctx.pathway)[3] is True


def test_first_offer_after_the_deadline_is_flagged(ctx):
    ctx.book(at(NEXT_MON, 10))
    assert snapshot(ctx.pathway)[3] is False


def test_first_offer_without_a_deadline_is_neither(ctx):
    pathway = ctx.other_pathway(referral__type_code="free_physio")
    assert pathway.offer_deadline is None
    ctx.book(at(TUE, 10), pathway=pathway)
    assert snapshot(pathway)[3] is None


def test_declined_first_offer_still_counts_and_rebooking_changes_nothing(ctx):
    first = ctx.book(at(TUE, 10))
    offered = snapshot(ctx.pathway)
    assert offered[0] == PathwayStatus.BOOKED

    appointment_decline(actor=ctx.therapist, appointment=first, now=NOW + timedelta(hours=1))
    first.refresh_from_db()
    assert first.status == AppointmentStatus.DECLINED
    after_decline = snapshot(ctx.pathway)
    assert after_decline[0] == PathwayStatus.REFERRED  # nothing booked any more
    assert after_decline[1:] == offered[1:]  # ... but the offer was made

    later = ctx.book(at(NEXT_MON, 10), now=NOW + timedelta(days=1))
    assert not later.is_first
    rebooked = snapshot(ctx.pathway)
    assert rebooked[0] == PathwayStatus.BOOKED
    assert rebooked[1:] == offered[1:]  # still the first offer: within the deadline
    moves = [(t.from_status, t.to_status) for t in ctx.pathway.transitions.order_by("id")]
    assert moves == [
        ("", "referred"),
        ("referred", "booked"),
        ("booked", "referred"),
        ("referred", "booked"),
    ]


def test_second_booking_while_the_first_is_booked_keeps_first_offer_and_status(ctx):
    ctx.book(at(TUE, 10))
    offered = snapshot(ctx.pathway)
    second = ctx.book(at(WED, 10), now=NOW + timedelta(hours=2))
    assert not second.is_first
    assert snapshot(ctx.pathway) == offered
    assert ctx.pathway.transitions.filter(to_status=PathwayStatus.BOOKED).count() == 1


def test_decline_with_another_time_still_booked_stays_booked(ctx):
    first = ctx.book(at(TUE, 10))
    ctx.book(at(WED, 10))
    appointment_decline(actor=ctx.therapist, appointment=first)
    assert snapshot(ctx.pathway)[0] == PathwayStatus.BOOKED


def test_cancel_with_nothing_left_goes_back_to_referred(ctx):
    appt = ctx.book(at(TUE, 10))
    appointment_cancel(actor=ctx.therapist, appointment=appt, now=NOW)
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CANCELLED
    assert snapshot(ctx.pathway)[0] == PathwayStatus.REFERRED
    last = ctx.pathway.transitions.order_by("id").last()
    assert (last.from_status, last.to_status) == (PathwayStatus.BOOKED, PathwayStatus.REFERRED)
    assert last.note == str(AppointmentStatus.CANCELLED.label)


def test_declined_or_cancelled_time_is_free_again(ctx):
    appt = ctx.book(at(TUE, 10))
    appointment_cancel(actor=ctx.therapist, appointment=appt)
    again = ctx.book(at(TUE, 10), pathway=ctx.other_pathway())
    assert again.start == appt.start


def test_attendance_makes_the_pathway_active(ctx):
    appt = ctx.book(at(TUE, 10))
    attended_at = at(TUE, 10, 5)
    appointment_register_attendance(
        actor=ctx.therapist, appointment=appt, attended=True, now=attended_at
    )
    appt.refresh_from_db()
    p = Pathway.objects.get(pk=ctx.pathway.pk)
    assert appt.status == AppointmentStatus.ATTENDED
    assert p.status == PathwayStatus.ACTIVE
    assert p.started_at == attended_at
    assert AccessLog.objects.filter(operation="appointment_attended").count() == 1


def test_no_show_keeps_the_pathway_booked(ctx):
    appt = ctx.book(at(TUE, 10))
    appointment_register_attendance(
        actor=ctx.therapist, appointment=appt, attended=False, now=at(TUE, 11)
    )
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.NO_SHOW
    assert snapshot(ctx.pathway)[0] == PathwayStatus.BOOKED


def test_attendance_before_the_time_has_begun_is_refused(ctx):
    appt = ctx.book(at(TUE, 10))
    with pytest.raises(ValidationError) as exc:
        appointment_register_attendance(
            actor=ctx.therapist, appointment=appt, attended=True, now=at(TUE, 9, 59)
        )
    assert exc.value.messages == [tr(MESSAGE_NOT_STARTED)]
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.BOOKED


@pytest.mark.parametrize("action", ["decline", "cancel", "attended", "no_show"])
def test_only_a_booked_appointment_can_be_changed(ctx, action):
    appt = ctx.book(at(TUE, 10))
    appointment_cancel(actor=ctx.therapist, appointment=appt)
    before = counts(PathwayTransition, AccessLog)
    with pytest.raises(ValidationError) as exc:
        if action == "decline":
            appointment_decline(actor=ctx.therapist, appointment=appt)
        elif action == "cancel":
            appointment_cancel(actor=ctx.therapist, appointment=appt)
        else:
            appointment_register_attendance(
                actor=ctx.therapist,
                appointment=appt,
                attended=action == "attended",
                now=at(TUE, 12),
            )
    assert exc.value.messages == [tr(MESSAGE_NOT_BOOKED)]
    assert counts(PathwayTransition, AccessLog) == before


# --- refusals: each saves nothing ----------------------------------------------------------------


def _absent(c: Ctx, day: date) -> dict:
    AbsenceFactory(staff=c.therapist, start_date=TUE, end_date=THU)
    return {"start": at(day, 10)}


def _narrow_location(c: Ctx) -> Location:
    return LocationFactory(municipality=c.org.municipality, opens_at=time(9), closes_at=time(15))


# name: (prepare: ctx -> arguments for Ctx.book, expected message). Preparation happens before
# the rows are counted; the booking itself must then write nothing at all.
REFUSALS = {
    "in the past": (lambda c: {"start": at(MON, 10), "now": at(MON, 11)}, MESSAGE_IN_PAST),
    "last friday": (lambda c: {"start": at(MON - timedelta(days=3), 10)}, MESSAGE_IN_PAST),
    "too short": (lambda c: {"start": at(TUE, 10), "minutes": 4}, MESSAGE_DURATION),
    "too long": (lambda c: {"start": at(TUE, 8), "minutes": 481}, MESSAGE_DURATION),
    "before working hours": (
        lambda c: {"start": at(TUE, 7, 45), "minutes": 15},
        MESSAGE_OUTSIDE_HOURS,
    ),
    "ends after working hours": (lambda c: {"start": at(TUE, 15, 30)}, MESSAGE_OUTSIDE_HOURS),
    "saturday": (lambda c: {"start": at(SAT, 10)}, MESSAGE_OUTSIDE_HOURS),
    "over midnight": (lambda c: {"start": at(TUE, 23, 30)}, MESSAGE_OUTSIDE_HOURS),
    "absent": (lambda c: _absent(c, WED), MESSAGE_ABSENT),
    "absent, first day": (lambda c: _absent(c, TUE), MESSAGE_ABSENT),
    "absent, last day": (lambda c: _absent(c, THU), MESSAGE_ABSENT),
    "location not yet open": (
        lambda c: {"start": at(TUE, 8), "location": _narrow_location(c)},
        MESSAGE_LOCATION_CLOSED,
    ),
    "location already closed": (
        lambda c: {"start": at(TUE, 14, 30), "location": _narrow_location(c)},
        MESSAGE_LOCATION_CLOSED,
    ),
    "therapist of another municipality": (
        lambda c: {"start": at(TUE, 10), "staff": TherapistFactory()},
        MESSAGE_OTHER_MUNICIPALITY,
    ),
    "location of another municipality": (
        lambda c: {"start": at(TUE, 10), "location": LocationFactory()},
        MESSAGE_OTHER_MUNICIPALITY,
    ),
    "completed pathway": (
        lambda c: {"start": at(TUE, 10), "pathway": c.other_pathway(status="completed")},
        MESSAGE_PATHWAY_CLOSED,
    ),
    "cancelled pathway": (
        lambda c: {"start": at(TUE, 10), "pathway": c.other_pathway(status="cancelled")},
        MESSAGE_PATHWAY_CLOSED,
    ),
    "dropped-out pathway": (
        lambda c: {"start": at(TUE, 10), "pathway": c.other_pathway(status="dropped_out")},
        MESSAGE_PATHWAY_CLOSED,
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_refusal_saves_nothing(ctx, case):
    prepare, message = REFUSALS[case]
    arguments = prepare(ctx)
    pathways = list(Pathway.objects.all())
    before = counts(Appointment, PathwayTransition, AccessLog)
    state = [snapshot(p) for p in pathways]

    with pytest.raises(ValidationError) as exc:
        ctx.book(**arguments)

    assert tr(message) in exc.value.messages
    assert counts(Appointment, PathwayTransition, AccessLog) == before
    assert [snapshot(p) for p in pathways] == state


def test_outside_hours_and_closed_location_are_both_reported(ctx):
    with pytest.raises(ValidationError) as exc:
        ctx.book(at(TUE, 15, 30))  # ends 16:30: the therapist and the centre both stop at 16
    assert exc.value.messages == [tr(MESSAGE_OUTSIDE_HOURS), tr(MESSAGE_LOCATION_CLOSED)]


def test_past_time_error_names_the_start_field(ctx):
    with pytest.raises(ValidationError) as exc:
        ctx.book(at(MON, 6), now=NOW)
    assert exc.value.message_dict == {"start": [tr(MESSAGE_IN_PAST)]}


def test_booking_exactly_now_is_allowed(ctx):
    now = at(TUE, 10)
    assert ctx.book(now, now=now).start == now


def test_a_time_ending_exactly_when_work_ends_is_allowed(ctx):
    assert ctx.book(at(TUE, 15)).end == at(TUE, 16)


def test_working_hours_at_each_end_of_the_day_are_allowed(ctx):
    ctx.book(at(TUE, 8), minutes=15)
    ctx.book(at(TUE, 15, 45), minutes=15)
    assert Appointment.objects.count() == 2


# Existing booking Tuesday 10:00–11:00 for another citizen of the same therapist.
OVERLAPS = {
    "same time": (at(TUE, 10), 60),
    "starts before, ends inside": (at(TUE, 9, 30), 60),
    "starts inside, ends after": (at(TUE, 10, 30), 60),
    "contains it": (at(TUE, 9, 45), 90),
    "inside it": (at(TUE, 10, 15), 15),
    "one minute into it": (at(TUE, 9), 61),
    "last minute of it": (at(TUE, 10, 59), 30),
}


@pytest.mark.parametrize("start,minutes", list(OVERLAPS.values()), ids=list(OVERLAPS))
def test_overlap_is_refused_and_saves_nothing(ctx, start, minutes):
    ctx.book(at(TUE, 10), pathway=ctx.other_pathway())
    before = counts(Appointment, PathwayTransition, AccessLog)
    state = snapshot(ctx.pathway)
    with pytest.raises(ValidationError) as exc:
        ctx.book(start, minutes)
    assert exc.value.messages == [tr(MESSAGE_OVERLAP)]
    assert counts(Appointment, PathwayTransition, AccessLog) == before
    assert snapshot(ctx.pathway) == state


@pytest.mark.parametrize(
    "start,minutes",
    [(at(TUE, 9), 60), (at(TUE, 11), 60), (at(TUE, 8), 120)],
    ids=["ends when it starts", "starts when it ends", "two hours ending when it starts"],
)
def test_touching_times_are_allowed(ctx, start, minutes):
    ctx.book(at(TUE, 10), pathway=ctx.other_pathway())
    ctx.book(start, minutes)
    assert Appointment.objects.count() == 2


@pytest.mark.parametrize("status", [AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW])
def test_attended_and_no_show_times_stay_busy(ctx, status):
    other = ctx.book(at(TUE, 10), pathway=ctx.other_pathway())
    Appointment.objects.filter(pk=other.pk).update(status=status)
    with pytest.raises(ValidationError):
        ctx.book(at(TUE, 10))


def test_another_therapists_appointment_does_not_block(ctx):
    colleague = TherapistFactory(municipality=ctx.org.municipality)
    working_week(colleague, ctx.org.location)
    ctx.book(at(TUE, 10), staff=colleague, pathway=ctx.other_pathway())
    ctx.book(at(TUE, 10))
    assert Appointment.objects.count() == 2


# --- free_slots ---------------------------------------------------------------------------------


def day_slots(ctx, day, minutes=60, **kwargs):
    kwargs.setdefault("default_location", None)
    kwargs.setdefault("not_before", NOW)
    kwargs.setdefault("limit", 1000)
    return free_slots(
        staff=ctx.therapist, first_day=day, last_day=day, duration_minutes=minutes, **kwargs
    )


def test_free_slots_on_a_grid_within_working_and_opening_hours(ctx):
    slots = day_slots(ctx, TUE)
    assert [s.start for s in slots][:3] == [at(TUE, 8), at(TUE, 8, 15), at(TUE, 8, 30)]
    assert slots[-1].start == at(TUE, 15)
    assert len(slots) == 29  # 8:00 … 15:00 every 15 minutes
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)
    assert all(s.location == ctx.org.location and s.staff == ctx.therapist for s in slots)


def test_free_slots_skip_busy_times_but_not_declined_ones(ctx):
    busy = ctx.book(at(TUE, 10), pathway=ctx.other_pathway())
    declined = ctx.book(at(TUE, 13), pathway=ctx.other_pathway())
    appointment_decline(actor=ctx.therapist, appointment=declined)
    starts = {s.start for s in day_slots(ctx, TUE)}
    for s in starts:
        assert not (s < busy.end and s + timedelta(hours=1) > busy.start)
    assert at(TUE, 9) in starts and at(TUE, 11) in starts
    assert at(TUE, 9, 15) not in starts and at(TUE, 10, 45) not in starts
    assert at(TUE, 13) in starts
    assert len(starts) == 29 - 7


def test_free_slots_respect_absence_weekend_not_before_and_limit(ctx):
    AbsenceFactory(staff=ctx.therapist, start_date=WED, end_date=WED)
    assert day_slots(ctx, WED) == []
    assert day_slots(ctx, SAT) == []
    assert [s.start for s in day_slots(ctx, MON, not_before=at(MON, 14, 50))] == [at(MON, 15)]
    week = free_slots(
        staff=ctx.therapist,
        first_day=MON,
        last_day=FRI,
        duration_minutes=30,
        default_location=None,
        not_before=NOW,
        limit=5,
    )
    assert len(week) == 5


def test_free_slots_use_the_narrower_of_working_and_opening_hours(ctx):
    narrow = LocationFactory(
        municipality=ctx.org.municipality, opens_at=time(9, 30), closes_at=time(14)
    )
    ctx.therapist.working_hours.update(location=narrow)
    slots = day_slots(ctx, TUE)
    assert slots[0].start == at(TUE, 9, 30)
    assert slots[-1].end == at(TUE, 14)


def test_free_slots_fall_back_to_the_default_location(ctx):
    ctx.therapist.working_hours.update(location=None)
    assert day_slots(ctx, TUE) == []
    slots = day_slots(ctx, TUE, default_location=ctx.org.location)
    assert slots and all(s.location == ctx.org.location for s in slots)


def test_every_free_slot_can_be_booked(ctx):
    ctx.book(at(TUE, 10), pathway=ctx.other_pathway())
    for slot in day_slots(ctx, TUE, minutes=45):
        with transaction.atomic():
            appt = ctx.book(slot.start, 45, location=slot.location)
            assert appt.start == slot.start
            transaction.set_rollback(True)


HOURS = st.sampled_from([time(7), time(7, 30), time(8), time(9, 15)])
CLOSES = st.sampled_from([time(13, 45), time(15), time(16), time(18)])
EXISTING = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=6),  # day offset from Monday
        st.integers(min_value=6 * 12, max_value=17 * 12),  # start in 5-minute steps
        st.integers(min_value=1, max_value=36),  # length in 5-minute steps
        st.sampled_from(list(AppointmentStatus)),
    ),
    max_size=12,
)


@settings(max_examples=25)
@given(
    existing=EXISTING,
    opens=HOURS,
    closes=CLOSES,
    minutes=st.sampled_from([15, 30, 45, 60, 75, 90]),
    absent_day=st.none() | st.integers(min_value=0, max_value=6),
    not_before_minutes=st.integers(min_value=0, max_value=3 * 24 * 60),
)
def test_property_free_slots_are_never_refused(
    ctx, existing, opens, closes, minutes, absent_day, not_before_minutes
):
    """free_slots never suggests a time that appointment_book would refuse."""
    with transaction.atomic():
        location = Location.objects.filter(pk=ctx.org.location.pk)
        location.update(opens_at=opens, closes_at=closes)
        loc = location.get()
        other = ctx.other_pathway()
        placed: list[tuple] = []
        for day_offset, start5, length5, status in existing:
            start = at(MON + timedelta(days=day_offset), 0) + timedelta(minutes=5 * start5)
            end = start + timedelta(minutes=5 * length5)
            busy = status in ("booked", "attended", "no_show")
            if busy and any(s < end and e > start for s, e in placed):
                continue  # the database (on PostgreSQL) would refuse this row itself
            if busy:
                placed.append((start, end))
            Appointment.objects.create(
                pathway=other,
                citizen=other.citizen,
                staff=ctx.therapist,
                location=loc,
                start=start,
                end=end,
                status=status,
            )
        if absent_day is not None:
            day = MON + timedelta(days=absent_day)
            AbsenceFactory(staff=ctx.therapist, start_date=day, end_date=day)
        not_before = NOW + timedelta(minutes=not_before_minutes)

        slots = free_slots(
            staff=ctx.therapist,
            first_day=MON,
            last_day=MON + timedelta(days=6),
            duration_minutes=minutes,
            default_location=None,
            not_before=not_before,
            limit=100,
        )

        for slot in slots:
            assert slot.end - slot.start == timedelta(minutes=minutes)
            assert (slot.start.minute - loc.opens_at.minute) % SLOT_GRID_MINUTES == 0
            assert (
                calendar_problems(
                    staff=ctx.therapist, location=slot.location, start=slot.start, end=slot.end
                )
                == []
            )
        for slot in {
            s.start: s for s in slots[:1] + slots[-1:] + slots[len(slots) // 2 :][:1]
        }.values():
            with transaction.atomic():
                ctx.book(slot.start, minutes, location=slot.location, now=not_before)
                transaction.set_rollback(True)
        transaction.set_rollback(True)


def test_extra_capacity_is_bookable_working_time(therapist, org_a, frozen):
    """A manager's extra block on a Saturday makes that Saturday bookable, and only it."""
    saturday = TODAY + timedelta(days=5)
    assert saturday.weekday() == 5
    start = at(saturday, 9)
    assert calendar_problems(
        staff=therapist, location=org_a.location, start=start, end=start + timedelta(hours=1)
    )
    ExtraCapacity.objects.create(
        staff=therapist,
        location=org_a.location,
        date=saturday,
        start_time=time(9),
        end_time=time(12),
    )
    assert not calendar_problems(
        staff=therapist, location=org_a.location, start=start, end=start + timedelta(hours=1)
    )
    windows = free_windows(
        staff_ids=[therapist.pk], first_day=saturday, last_day=saturday, default_location=None
    )
    assert [(w.start, w.end, w.extra) for w in windows] == [(start, at(saturday, 12), True)]
