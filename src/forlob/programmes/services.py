"""Writes on classes: create (sessions into the calendars), move and cancel sessions, enrol from the
waiting list, register attendance, book individual sessions, drop out, complete the class.

Races we guard against:

* Two bookings of the same staff member at once (a class being created while a colleague books an
  appointment, two classes created together). Every service that puts time in a calendar locks
  the staff rows first (``select_for_update``, in id order), the same lock
  ``scheduling.services.appointment_book`` takes, and checks for clashes under it. On PostgreSQL
  an exclusion constraint on ``SessionStaff`` (migration 0003) is the backstop against
  overlapping sessions; on SQLite every transaction takes the write lock at BEGIN.
* Two enrolments into the last place. ``class_enrol`` locks the class row before it counts.

Lock order, always: staff, then class, then referral, then pathway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.core.choices import Profession
from forlob.core.models import Location, Team, User
from forlob.pathways.models import OPEN_STATUSES, DropoutReason, Pathway, PathwayStatus
from forlob.pathways.services import (
    allowed_transitions,
    apply_transition,
    pathway_create_from_referral,
    pathway_transition,
)
from forlob.programmes import rules
from forlob.programmes.calendar import Slot, location_clashes, shorten, staff_clashes
from forlob.programmes.models import (
    Attendance,
    AttendanceStatus,
    ClassSession,
    ClassStatus,
    Enrolment,
    EnrolmentStatus,
    IndividualSession,
    Programme,
    ProgrammeClass,
    SessionDefinition,
    SessionStaff,
    SessionStatus,
)
from forlob.programmes.selectors import (
    definitions_of,
    places_taken,
    progress_for,
    referral_matches,
    required_professions,
)
from forlob.referrals import rules as referral_rules
from forlob.referrals.models import Referral
from forlob.scheduling.models import BUSY_STATUSES
from forlob.scheduling.services import appointment_book

MESSAGE_PROGRAMME_INACTIVE = gettext_noop("This programme is no longer offered.")
MESSAGE_OTHER_MUNICIPALITY = gettext_noop(
    "The location, team or staff belong to another municipality."
)
MESSAGE_NO_STAFF = gettext_noop("Choose the staff of the class.")
MESSAGE_STAFF_NOT_ALLOWED = gettext_noop("%(staff)s cannot run classes here.")
MESSAGE_PROFESSION_MISSING = gettext_noop("The class needs a %(profession)s among its staff.")
MESSAGE_CAPACITY = gettext_noop("The capacity must be between 1 and %(max)d.")
MESSAGE_START_TOO_EARLY = gettext_noop("A class cannot start more than %(days)d days ago.")
MESSAGE_START_TOO_LATE = gettext_noop("A class must start within a year.")
MESSAGE_NO_GROUP_SESSIONS = gettext_noop("The programme has no group sessions.")
MESSAGE_DAY_TOO_FULL = gettext_noop(
    "The sessions of %(day)s would last past midnight; choose an earlier start time."
)
MESSAGE_STAFF_OVERLAP = gettext_noop("A staff member already has a session at that time.")
MESSAGE_CLASS_CLOSED = gettext_noop("The class has been completed; it can no longer be changed.")
MESSAGE_SESSION_CANCELLED = gettext_noop("The session has been cancelled.")
MESSAGE_SESSION_STARTED = gettext_noop("A session that has begun can no longer be moved.")
MESSAGE_MOVE_IN_PAST = gettext_noop("A session cannot be moved into the past.")
MESSAGE_SESSION_HAS_ATTENDANCE = gettext_noop(
    "Citizens have been registered as present; the session cannot be cancelled."
)
MESSAGE_CLASS_FULL = gettext_noop("The class is full (%(taken)d of %(capacity)d places taken).")
MESSAGE_CLASS_ENDED = gettext_noop("The class has ended; no one can be enrolled any more.")
MESSAGE_NOT_MATCHING = gettext_noop("The referral does not match the programme of this class.")
MESSAGE_ALREADY_ENROLLED = gettext_noop("The citizen is already enrolled in this class.")
MESSAGE_PATHWAY_ENROLLED = gettext_noop("The citizen is already enrolled in “%(class)s”.")
MESSAGE_PATHWAY_CLOSED = gettext_noop("The pathway of this referral is closed.")
MESSAGE_REFERRAL_REJECTED = gettext_noop("This referral has been rejected.")
MESSAGE_WRONG_SESSION = gettext_noop("The session belongs to another class.")
MESSAGE_NOT_ENROLLED = gettext_noop("The citizen is no longer enrolled in the class.")
MESSAGE_NOT_STARTED = gettext_noop(
    "Presence can be registered once the session has begun; a cancellation at any time."
)
MESSAGE_UNKNOWN_STATUS = gettext_noop("Choose present, absent or cancelled in advance.")
MESSAGE_REASON_REQUIRED = gettext_noop("Choose a dropout reason.")
MESSAGE_REASON_FOR = gettext_noop("Choose a dropout reason for %(citizen)s.")
MESSAGE_NOT_ENDED = gettext_noop("The class can be completed when its last session has ended.")
MESSAGE_ATTENDANCE_MISSING = gettext_noop(
    "Register attendance at session %(numbers)s before completing the class."
)
MESSAGE_NO_TALKS = gettext_noop("The programme has no individual sessions.")
MESSAGE_ALL_TALKS_BOOKED = gettext_noop("All individual sessions have been booked.")
MESSAGE_TALK_NUMBER = gettext_noop("Choose one of the programme's individual sessions.")
MESSAGE_TALK_TAKEN = gettext_noop("Individual session %(number)d has been booked already.")
MESSAGE_MODE = gettext_noop("This session can be held: %(modes)s.")
MESSAGE_TALK_STAFF = gettext_noop("Choose one of the class's staff who may hold this session.")

MAX_CAPACITY = 100
START_GRACE_DAYS = 14  # a class that began a few days ago may still be registered


def _today(now: datetime) -> date:
    return timezone.localtime(now).date()


# --- creating a class and moving its sessions ----------------------------------------------------


def _lock_staff(staff_ids: Sequence[int]) -> None:
    """The same row lock ``appointment_book`` takes, in id order (no deadlock between us)."""
    list(User.objects.select_for_update().filter(pk__in=sorted(set(staff_ids))).order_by("pk"))


def _session_staff(definition: SessionDefinition | None, staff: Sequence[User]) -> list[User]:
    """Who of the class's staff takes part in a session: the professions it names (all if none)."""
    wanted = set(definition.professions) if definition is not None else set()
    chosen = [u for u in staff if u.profession in wanted]
    return chosen or list(staff)


@dataclass(frozen=True)
class ClassDraft:
    """What a user typed for a new class, before it is checked."""

    programme: Programme
    location: Location
    start_date: date
    start_time: time
    staff: Sequence[User]
    capacity: int | None = None
    team: Team | None = None
    name: str = ""


@transaction.atomic
def class_create(*, actor: User, draft: ClassDraft, now: datetime | None = None) -> ProgrammeClass:
    """Create a class and put its group sessions into the staff calendars, or refuse naming
    every clash (an appointment, another class's session, an absence, hours off, a closed
    location). Nothing is written when anything is refused."""
    now = now or timezone.now()
    today = _today(now)
    programme = draft.programme
    municipality_id = actor.municipality_id
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not programme.is_active:
        error("programme", _(MESSAGE_PROGRAMME_INACTIVE))
    if draft.location.municipality_id != municipality_id or not draft.location.is_active:
        error("location", _(MESSAGE_OTHER_MUNICIPALITY))
    if draft.team is not None and draft.team.unit.municipality_id != municipality_id:
        error("team", _(MESSAGE_OTHER_MUNICIPALITY))
    capacity = draft.capacity or programme.default_capacity
    if not 1 <= capacity <= MAX_CAPACITY:
        error("capacity", _(MESSAGE_CAPACITY) % {"max": MAX_CAPACITY})
    if draft.start_date < today - timedelta(days=START_GRACE_DAYS):
        error("start_date", _(MESSAGE_START_TOO_EARLY) % {"days": START_GRACE_DAYS})
    elif draft.start_date > today + timedelta(days=366):
        error("start_date", _(MESSAGE_START_TOO_LATE))
    staff = sorted(set(draft.staff), key=lambda u: (u.first_name, u.last_name, u.pk))
    if not staff:
        error("staff", _(MESSAGE_NO_STAFF))
    for member in staff:
        if (
            member.municipality_id != municipality_id
            or member.provider_id is not None
            or not member.is_active
        ):
            error("staff", _(MESSAGE_STAFF_NOT_ALLOWED) % {"staff": member})
    definitions = definitions_of(programme)
    professions = {m.profession for m in staff}
    for needed in required_professions(programme, definitions):
        if needed not in professions:
            error(
                "staff",
                _(MESSAGE_PROFESSION_MISSING)
                % {"profession": str(Profession(needed).label).lower()},
            )
    try:
        plan = rules.plan_sessions(
            start_date=draft.start_date, start_time=draft.start_time, definitions=definitions
        )
    except rules.SessionsDoNotFitTheDay as exc:
        error("start_time", _(MESSAGE_DAY_TOO_FULL) % {"day": exc.args[0]})
        plan = []
    if not plan and "start_time" not in errors:
        error("programme", _(MESSAGE_NO_GROUP_SESSIONS))
    if errors:
        raise ValidationError(errors)

    _lock_staff([m.pk for m in staff])
    slots = [
        Slot(member, p.number, p.start, p.end)
        for p in plan
        for member in _session_staff(p.definition, staff)  # type: ignore[arg-type]
    ]
    problems = location_clashes(
        location=draft.location, sessions=[(p.number, p.start, p.end) for p in plan]
    ) + staff_clashes(slots=slots)
    if problems:
        raise ValidationError(shorten(problems), code="clash")

    lead = next((m for m in staff if m.profession == programme.lead_profession), staff[0])
    klass = ProgrammeClass.objects.create(
        programme=programme,
        municipality_id=municipality_id,
        team=draft.team or lead.team,
        location=draft.location,
        name=(draft.name or f"{programme.name} {draft.start_date:%d.%m.%Y}")[:150],
        start_date=draft.start_date,
        start_time=draft.start_time,
        end_date=timezone.localtime(plan[-1].end).date(),
        capacity=capacity,
        lead=lead,
        created_by=actor,
    )
    klass.staff.set(staff)
    sessions = ClassSession.objects.bulk_create(
        [
            ClassSession(
                programme_class=klass,
                definition=p.definition,  # type: ignore[misc]
                number=p.number,
                title=p.definition.title,
                mode=p.definition.default_mode,  # type: ignore[attr-defined]
                location=draft.location,
                start=p.start,
                end=p.end,
            )
            for p in plan
        ]
    )
    try:
        with transaction.atomic():
            SessionStaff.objects.bulk_create(
                [
                    SessionStaff(session=s, staff=member, start=s.start, end=s.end)
                    for s, p in zip(sessions, plan, strict=True)
                    for member in _session_staff(p.definition, staff)  # type: ignore[arg-type]
                ]
            )
    except IntegrityError:
        # The PostgreSQL exclusion constraint caught an overlap the lock should have prevented.
        raise ValidationError(_(MESSAGE_STAFF_OVERLAP), code="clash") from None
    return klass


def _open_class(programme_class: ProgrammeClass) -> None:
    if programme_class.status != ClassStatus.OPEN:
        raise ValidationError(_(MESSAGE_CLASS_CLOSED), code="class_closed")


@transaction.atomic
def session_move(
    *,
    actor: User,
    session: ClassSession,
    start: datetime,
    location: Location | None = None,
    now: datetime | None = None,
) -> ClassSession:
    """Move a session that has not begun to another time (and place); same length, same staff."""
    now = now or timezone.now()
    staff_ids = list(session.staffing.values_list("staff_id", flat=True))
    _lock_staff(staff_ids)
    locked = (
        ClassSession.objects.select_for_update()
        .select_related("programme_class")
        .get(pk=session.pk)
    )
    _open_class(locked.programme_class)
    if locked.is_cancelled:
        raise ValidationError(_(MESSAGE_SESSION_CANCELLED), code="cancelled")
    if locked.start <= now:
        raise ValidationError(_(MESSAGE_SESSION_STARTED), code="started")
    if start <= now:
        raise ValidationError({"date": _(MESSAGE_MOVE_IN_PAST)})
    location = location or locked.location
    if location.municipality_id != locked.programme_class.municipality_id or not location.is_active:
        raise ValidationError({"location": _(MESSAGE_OTHER_MUNICIPALITY)})
    end = start + (locked.end - locked.start)
    staff = list(User.objects.filter(pk__in=staff_ids))
    problems = location_clashes(location=location, sessions=[(locked.number, start, end)])
    problems += staff_clashes(
        slots=[Slot(member, locked.number, start, end) for member in staff],
        exclude_session_id=locked.pk,
    )
    if problems:
        raise ValidationError(shorten(problems), code="clash")
    locked.start, locked.end, locked.location = start, end, location
    locked.save(update_fields=["start", "end", "location"])
    try:
        with transaction.atomic():
            locked.staffing.update(start=start, end=end)
    except IntegrityError:
        raise ValidationError(_(MESSAGE_STAFF_OVERLAP), code="clash") from None
    _refresh_end_date(locked.programme_class)
    return locked


@transaction.atomic
def session_cancel(
    *, actor: User, session: ClassSession, now: datetime | None = None
) -> ClassSession:
    """Cancel a session: out of the calendars, not counted for completion, no reminders."""
    locked = (
        ClassSession.objects.select_for_update()
        .select_related("programme_class")
        .get(pk=session.pk)
    )
    _open_class(locked.programme_class)
    if locked.is_cancelled:
        raise ValidationError(_(MESSAGE_SESSION_CANCELLED), code="cancelled")
    if locked.attendances.filter(status=AttendanceStatus.PRESENT).exists():
        raise ValidationError(_(MESSAGE_SESSION_HAS_ATTENDANCE), code="has_attendance")
    locked.status = SessionStatus.CANCELLED
    locked.save(update_fields=["status"])
    locked.staffing.update(is_active=False)
    _refresh_end_date(locked.programme_class)
    return locked


def _refresh_end_date(programme_class: ProgrammeClass) -> None:
    last = programme_class.sessions.filter(status=SessionStatus.PLANNED).order_by("-end").first()
    end_date = timezone.localtime(last.end).date() if last else None
    if end_date != programme_class.end_date:
        programme_class.end_date = end_date
        programme_class.save(update_fields=["end_date"])


# --- enrolment --------------------------------------------------------------------------------


def _advance(*, actor: User, pathway: Pathway, to: str, at: datetime) -> None:
    """Move a locked pathway forward to ``to`` (booked or active) along the state machine."""
    steps = {PathwayStatus.BOOKED: [PathwayStatus.BOOKED], PathwayStatus.ACTIVE: [
        PathwayStatus.BOOKED, PathwayStatus.ACTIVE]}[to]  # fmt: skip
    order = [PathwayStatus.REFERRED, PathwayStatus.BOOKED, PathwayStatus.ACTIVE]
    for step in steps:
        if pathway.status in order and order.index(pathway.status) < order.index(step):
            apply_transition(actor=actor, pathway=pathway, to_status=step, at=at)


@transaction.atomic
def class_enrol(
    *,
    actor: User,
    programme_class: ProgrammeClass,
    referral: Referral,
    now: datetime | None = None,
) -> Enrolment:
    """Enrol the citizen of a waiting-list referral. A new referral becomes a pathway (the class
    lead responsible); the pathway is booked, and its first offer is the class's next session."""
    now = now or timezone.now()
    klass = (
        ProgrammeClass.objects.select_for_update()
        .select_related("programme")
        .get(pk=programme_class.pk)
    )
    _open_class(klass)
    sessions = klass.sessions.filter(status=SessionStatus.PLANNED).order_by("start")
    last = sessions.last()
    if last is not None and last.end <= now:
        raise ValidationError(_(MESSAGE_CLASS_ENDED), code="ended")
    if referral.municipality_id != klass.municipality_id or not referral_matches(
        klass.programme, referral
    ):
        raise ValidationError(_(MESSAGE_NOT_MATCHING), code="not_matching")
    if klass.enrolments.filter(citizen_id=referral.citizen_id).exists():
        raise ValidationError(_(MESSAGE_ALREADY_ENROLLED), code="already_enrolled")
    taken = places_taken(klass)
    if taken >= klass.capacity:
        raise ValidationError(
            _(MESSAGE_CLASS_FULL) % {"taken": taken, "capacity": klass.capacity}, code="full"
        )
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status == Referral.Status.REJECTED:
        raise ValidationError(_(MESSAGE_REFERRAL_REJECTED), code="rejected")
    if referral.status == Referral.Status.NEW:
        pathway = pathway_create_from_referral(
            actor=actor, referral=referral, responsible=klass.lead, team=klass.team, at=now
        )
    else:
        pathway = Pathway.objects.get(referral=referral)
    pathway = Pathway.objects.select_for_update().get(pk=pathway.pk)
    if pathway.status not in OPEN_STATUSES:
        raise ValidationError(_(MESSAGE_PATHWAY_CLOSED), code="pathway_closed")
    other = (
        Enrolment.objects.filter(
            pathway=pathway, status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]
        )
        .select_related("programme_class")
        .first()
    )
    if other is not None:
        raise ValidationError(
            _(MESSAGE_PATHWAY_ENROLLED) % {"class": other.programme_class.name},
            code="pathway_enrolled",
        )
    _advance(actor=actor, pathway=pathway, to=PathwayStatus.BOOKED, at=now)
    if pathway.first_offered_at is None:
        offered = sessions.filter(start__gte=now).first() or sessions.first()
        if offered is not None:
            pathway.first_offered_at = now
            pathway.first_offered_start = offered.start
            pathway.first_offer_within_deadline = referral_rules.offered_within(
                pathway.offer_deadline, offered.start
            )
            pathway.save(
                update_fields=[
                    "first_offered_at",
                    "first_offered_start",
                    "first_offer_within_deadline",
                ]
            )
    enrolment = Enrolment.objects.create(
        programme_class=klass,
        pathway=pathway,
        citizen_id=pathway.citizen_id,
        enrolled_at=now,
        enrolled_by=actor,
    )
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="class_enrol",
        citizen_id=enrolment.citizen_id,
        obj=enrolment,
    )
    return enrolment


# --- attendance -------------------------------------------------------------------------------


@transaction.atomic
def attendance_set(
    *,
    actor: User,
    session: ClassSession,
    enrolment: Enrolment,
    status: str,
    now: datetime | None = None,
) -> Attendance:
    """Register one citizen's attendance at one session (or change it).

    Present or absent once the session has begun; cancelled in advance at any time. The first
    presence makes the pathway active.
    """
    now = now or timezone.now()
    if status not in AttendanceStatus.values:
        raise ValidationError({"status": _(MESSAGE_UNKNOWN_STATUS)})
    if session.programme_class_id != enrolment.programme_class_id:
        raise ValidationError(_(MESSAGE_WRONG_SESSION), code="wrong_session")
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if locked.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(_(MESSAGE_NOT_ENROLLED), code="not_enrolled")
    if session.is_cancelled:
        raise ValidationError(_(MESSAGE_SESSION_CANCELLED), code="cancelled")
    if status != AttendanceStatus.CANCELLED and session.start > now:
        raise ValidationError(_(MESSAGE_NOT_STARTED), code="not_started")
    attendance, _created = Attendance.objects.update_or_create(
        session=session,
        enrolment=locked,
        defaults={"status": status, "registered_at": now, "registered_by": actor},
    )
    if status == AttendanceStatus.PRESENT:
        pathway = Pathway.objects.select_for_update().get(pk=locked.pathway_id)
        if pathway.status in OPEN_STATUSES:
            _advance(actor=actor, pathway=pathway, to=PathwayStatus.ACTIVE, at=now)
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation=f"attendance_{status}",
        citizen_id=locked.citizen_id,
        obj=attendance,
    )
    return attendance


def attendance_all_present(
    *,
    actor: User,
    session: ClassSession,
    enrolments: Sequence[Enrolment],
    now: datetime | None = None,
) -> int:
    """Everyone of ``enrolments`` not registered yet was present (one click for a full class)."""
    now = now or timezone.now()
    if session.start > now:
        raise ValidationError(_(MESSAGE_NOT_STARTED), code="not_started")
    registered = set(session.attendances.values_list("enrolment_id", flat=True))
    todo = [
        e for e in enrolments if e.status == EnrolmentStatus.ENROLLED and e.pk not in registered
    ]
    with transaction.atomic():
        for e in todo:
            attendance_set(
                actor=actor, session=session, enrolment=e, status=AttendanceStatus.PRESENT, now=now
            )
    return len(todo)


# --- individual sessions -------------------------------------------------------------------------


@transaction.atomic
def talk_book(
    *,
    actor: User,
    enrolment: Enrolment,
    staff: User,
    start: datetime,
    mode: str,
    number: int | None = None,
    now: datetime | None = None,
) -> IndividualSession:
    """Book an individual session as an appointment on the citizen's pathway.

    Goes through ``scheduling.services.appointment_book``, so every booking rule (working hours,
    absences, no double booking, opening hours, a closed pathway) and its audit apply.
    """
    now = now or timezone.now()
    klass = enrolment.programme_class
    _open_class(klass)
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if locked.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(_(MESSAGE_NOT_ENROLLED), code="not_enrolled")
    plan = rules.plan_talks(definitions_of(klass.programme))
    if not plan:
        raise ValidationError(_(MESSAGE_NO_TALKS), code="no_talks")
    taken = set(
        locked.individual_sessions.filter(appointment__status__in=BUSY_STATUSES).values_list(
            "number", flat=True
        )
    )
    if number is None:
        talk = next((t for t in plan if t.number not in taken), None)
        if talk is None:
            raise ValidationError(_(MESSAGE_ALL_TALKS_BOOKED), code="all_booked")
    else:
        talk = next((t for t in plan if t.number == number), None)
        if talk is None:
            raise ValidationError({"number": _(MESSAGE_TALK_NUMBER)})
        if number in taken:
            raise ValidationError({"number": _(MESSAGE_TALK_TAKEN) % {"number": number}})
    definition: SessionDefinition = talk.definition  # type: ignore[assignment]
    if definition.modes and mode not in definition.modes:
        raise ValidationError(
            {"mode": _(MESSAGE_MODE) % {"modes": ", ".join(definition.mode_labels()).lower()}}
        )
    allowed = set(definition.professions)
    if not klass.staff.filter(pk=staff.pk).exists() or (
        allowed and staff.profession not in allowed
    ):
        raise ValidationError({"staff": _(MESSAGE_TALK_STAFF)})
    appointment = appointment_book(
        actor=actor,
        pathway=locked.pathway,
        staff=staff,
        location=klass.location,
        start=start,
        duration_minutes=definition.duration_minutes,
        now=now,
    )
    return IndividualSession.objects.create(
        enrolment=locked,
        definition=definition,
        number=talk.number,
        mode=mode,
        appointment=appointment,
    )


# --- leaving and completing ---------------------------------------------------------------------


def _close_pathway(
    *,
    actor: User,
    pathway: Pathway,
    to: str,
    at: datetime,
    reason: DropoutReason | None = None,
    note: str = "",
) -> None:
    locked = Pathway.objects.select_for_update().get(pk=pathway.pk)
    if locked.status not in OPEN_STATUSES:
        return  # closed already (from the pathway page): the class does not reopen it
    if to == PathwayStatus.COMPLETED and locked.status != PathwayStatus.ACTIVE:
        for step in (PathwayStatus.BOOKED, PathwayStatus.ACTIVE):
            if locked.status != step and step in allowed_transitions(locked.status):
                pathway_transition(actor=actor, pathway=locked, to_status=step, at=at)
                locked.refresh_from_db()
    pathway_transition(
        actor=actor, pathway=locked, to_status=to, dropout_reason=reason, note=note, at=at
    )


@transaction.atomic
def enrolment_drop_out(
    *,
    actor: User,
    enrolment: Enrolment,
    reason: DropoutReason | None,
    note: str = "",
    now: datetime | None = None,
) -> Enrolment:
    """The citizen leaves the class: the enrolment and the pathway end as dropped out."""
    now = now or timezone.now()
    if reason is None:
        raise ValidationError({"reason": _(MESSAGE_REASON_REQUIRED)})
    locked = (
        Enrolment.objects.select_for_update().select_related("programme_class").get(pk=enrolment.pk)
    )
    if locked.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(_(MESSAGE_NOT_ENROLLED), code="not_enrolled")
    locked.status = EnrolmentStatus.DROPPED_OUT
    locked.ended_at = now
    locked.dropout_reason = reason
    locked.note = note[:500]
    locked.save(update_fields=["status", "ended_at", "dropout_reason", "note"])
    _close_pathway(
        actor=actor,
        pathway=locked.pathway,
        to=PathwayStatus.DROPPED_OUT,
        at=now,
        reason=reason,
        note=note or locked.programme_class.name,
    )
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="enrolment_drop_out",
        citizen_id=locked.citizen_id,
        obj=locked,
    )
    return locked


@dataclass(frozen=True)
class CompletionResult:
    completed: int
    dropped_out: int


@transaction.atomic
def class_complete(
    *,
    actor: User,
    programme_class: ProgrammeClass,
    reasons: Mapping[int, DropoutReason | None],
    now: datetime | None = None,
) -> CompletionResult:
    """Apply the programme's completion rule when the class has ended.

    Every citizen still enrolled either completes (the rule is met) or drops out with the reason
    chosen for them (``reasons`` by enrolment id); each pathway is closed the same way through
    ``pathways.services.pathway_transition``, so the completion KPIs agree with the class.
    Refused while a session is still ahead or a begun session lacks attendance.
    """
    now = now or timezone.now()
    klass = (
        ProgrammeClass.objects.select_for_update()
        .select_related("programme")
        .get(pk=programme_class.pk)
    )
    _open_class(klass)
    if klass.sessions.filter(status=SessionStatus.PLANNED, end__gt=now).exists():
        raise ValidationError(_(MESSAGE_NOT_ENDED), code="not_ended")
    enrolled = list(
        klass.enrolments.filter(status=EnrolmentStatus.ENROLLED).select_related(
            "citizen", "pathway"
        )
    )
    progress = progress_for(enrolled, now=now)
    missing = sorted({n for p in progress.values() for n in p.unregistered})
    if missing:
        raise ValidationError(
            _(MESSAGE_ATTENDANCE_MISSING) % {"numbers": ", ".join(map(str, missing))},
            code="attendance_missing",
        )
    errors = {
        f"reason_{e.pk}": _(MESSAGE_REASON_FOR) % {"citizen": e.citizen.full_name}
        for e in enrolled
        if not progress[e.pk].meets_rule and reasons.get(e.pk) is None
    }
    if errors:
        raise ValidationError(errors)
    completed = dropped = 0
    for e in enrolled:
        if progress[e.pk].meets_rule:
            e.status = EnrolmentStatus.COMPLETED
            completed += 1
            _close_pathway(actor=actor, pathway=e.pathway, to=PathwayStatus.COMPLETED, at=now)
        else:
            e.status = EnrolmentStatus.DROPPED_OUT
            e.dropout_reason = reasons[e.pk]
            dropped += 1
            _close_pathway(
                actor=actor,
                pathway=e.pathway,
                to=PathwayStatus.DROPPED_OUT,
                at=now,
                reason=reasons[e.pk],
                note=klass.name,
            )
        e.ended_at = now
        e.save(update_fields=["status", "ended_at", "dropout_reason"])
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.WRITE,
            operation=f"enrolment_{e.status}",
            citizen_id=e.citizen_id,
            obj=e,
        )
    klass.status = ClassStatus.COMPLETED
    klass.completed_at = now
    klass.save(update_fields=["status", "completed_at"])
    return CompletionResult(completed=completed, dropped_out=dropped)
