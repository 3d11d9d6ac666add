"""Reads on programmes and classes: lists, progress, the waiting list, a citizen's classes.

Every list of citizens goes through the actor's scope (``access.policy.citizens_in_scope``); the
views write the audit rows for what they show.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from forlob.access.policy import citizens_in_scope
from forlob.core.choices import Profession, Role
from forlob.core.models import User
from forlob.pathways.models import OPEN_STATUSES
from forlob.programmes import rules
from forlob.programmes.models import (
    Attendance,
    ClassSession,
    Enrolment,
    EnrolmentStatus,
    IndividualSession,
    Programme,
    ProgrammeClass,
    SessionDefinition,
    SessionStatus,
)
from forlob.referrals.models import Referral
from forlob.scheduling.models import AppointmentStatus

# An individual session's appointment as a mark in the attendance run.
TALK_MARKS = {
    AppointmentStatus.ATTENDED: rules.PRESENT,
    AppointmentStatus.NO_SHOW: rules.ABSENT,
    AppointmentStatus.DECLINED: rules.CANCELLED,
}


def active_programmes() -> QuerySet[Programme]:
    return Programme.objects.filter(is_active=True).prefetch_related(
        "definitions", "referral_types"
    )


def class_staff_candidates(*, municipality_id: int | None) -> QuerySet[User]:
    """Staff who can run a class: the municipality's own clinicians with a profession."""
    return (
        User.objects.filter(
            municipality_id=municipality_id,
            is_active=True,
            provider__isnull=True,
            role_assignments__role__in=[Role.THERAPIST, Role.NURSE, Role.COORDINATOR],
        )
        .exclude(profession="")
        .distinct()
        .order_by("first_name", "last_name")
    )


def classes_for(
    *, actor: User, status: str = "", programme_id: int | None = None
) -> QuerySet[ProgrammeClass]:
    """The classes of the actor's municipality, newest start first, with their head counts."""
    qs = ProgrammeClass.objects.filter(municipality_id=actor.municipality_id)
    if status:
        qs = qs.filter(status=status)
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    return (
        qs.select_related("programme", "location", "lead")
        .prefetch_related("staff")
        .annotate(
            taken=Count(
                "enrolments",
                filter=Q(
                    enrolments__status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]
                ),
                distinct=True,
            ),
            sessions_count=Count(
                "sessions", filter=Q(sessions__status=SessionStatus.PLANNED), distinct=True
            ),
        )
        .order_by("-start_date", "name")
    )


def places_taken(programme_class: ProgrammeClass) -> int:
    """Enrolled and completed citizens hold a place; those who dropped out free theirs."""
    return programme_class.enrolments.filter(
        status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]
    ).count()


def definitions_of(programme: Programme) -> list[SessionDefinition]:
    return list(programme.definitions.order_by("order", "pk"))


@dataclass
class Progress:
    """How an enrolment is going: sessions attended, missed in a row, the completion rule."""

    enrolment: Enrolment
    planned: int  # group sessions not cancelled + the programme's individual sessions
    held: int  # of those, the ones that have begun (group) or are registered (individual)
    attended: int
    streak: int  # missed in a row, latest first
    flag_after: int
    min_percent: int
    marks: dict[int, str] = field(default_factory=dict)  # session id -> attendance status
    unregistered: list[int] = field(default_factory=list)  # numbers of begun sessions
    talks: list[IndividualSession] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return self.enrolment.status == EnrolmentStatus.ENROLLED and self.streak >= self.flag_after

    @property
    def share(self) -> float | None:
        return rules.attendance_share(self.attended, self.held)

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)

    @property
    def meets_rule(self) -> bool:
        return rules.meets_completion(
            attended=self.attended, planned=self.planned, min_percent=self.min_percent
        )

    @property
    def needed(self) -> int:
        return rules.sessions_needed(planned=self.planned, min_percent=self.min_percent)


def progress_for(
    enrolments: Sequence[Enrolment], *, now: datetime | None = None
) -> dict[int, Progress]:
    """Progress of each enrolment (any classes), in five queries whatever their number."""
    now = now or timezone.now()
    if not enrolments:
        return {}
    class_ids = {e.programme_class_id for e in enrolments}
    classes = {
        c.pk: c for c in ProgrammeClass.objects.filter(pk__in=class_ids).select_related("programme")
    }
    sessions: dict[int, list[ClassSession]] = defaultdict(list)
    for s in ClassSession.objects.filter(
        programme_class_id__in=class_ids, status=SessionStatus.PLANNED
    ).order_by("start", "number"):
        sessions[s.programme_class_id].append(s)
    talk_plans: dict[int, int] = {}
    definitions: dict[int, list[SessionDefinition]] = defaultdict(list)
    for d in SessionDefinition.objects.filter(
        programme_id__in={c.programme_id for c in classes.values()}
    ).order_by("order", "pk"):
        definitions[d.programme_id].append(d)
    for c in classes.values():
        talk_plans[c.programme_id] = len(rules.plan_talks(definitions[c.programme_id]))
    marks: dict[int, dict[int, str]] = defaultdict(dict)
    for enrolment_id, session_id, status in Attendance.objects.filter(
        enrolment__in=[e.pk for e in enrolments]
    ).values_list("enrolment_id", "session_id", "status"):
        marks[enrolment_id][session_id] = status
    talks: dict[int, list[IndividualSession]] = defaultdict(list)
    for talk in (
        IndividualSession.objects.filter(enrolment__in=[e.pk for e in enrolments])
        .select_related("appointment__staff")
        .order_by("number", "appointment__start")
    ):
        talks[talk.enrolment_id].append(talk)

    result: dict[int, Progress] = {}
    for e in enrolments:
        klass = classes[e.programme_class_id]
        programme = klass.programme
        own_marks = marks[e.pk]
        timeline: list[tuple[datetime, str | None]] = []
        held = attended = 0
        unregistered: list[int] = []
        for s in sessions[e.programme_class_id]:
            mark = own_marks.get(s.pk)
            if s.start <= now:
                held += 1
                if mark is None:
                    unregistered.append(s.number)
                timeline.append((s.start, mark))
            elif mark == rules.CANCELLED:  # a cancellation in advance is news already
                timeline.append((s.start, mark))
            attended += mark == rules.PRESENT
        live_talks = [t for t in talks[e.pk] if t.appointment.status != AppointmentStatus.CANCELLED]
        for t in live_talks:
            talk_mark = TALK_MARKS.get(t.appointment.status)
            if talk_mark in (rules.PRESENT, rules.ABSENT):  # a declined talk is booked again
                held += 1
                attended += talk_mark == rules.PRESENT
            if t.appointment.start <= now or talk_mark == rules.CANCELLED:
                timeline.append((t.appointment.start, talk_mark))
        timeline.sort(key=lambda item: item[0])
        result[e.pk] = Progress(
            enrolment=e,
            planned=len(sessions[e.programme_class_id]) + talk_plans[programme.pk],
            held=held,
            attended=attended,
            streak=rules.missed_in_a_row([m for _, m in timeline]),
            flag_after=programme.flag_after_missed,
            min_percent=programme.completion_min_percent,
            marks=own_marks,
            unregistered=unregistered,
            talks=live_talks,
        )
    return result


def class_enrolments(programme_class: ProgrammeClass, *, actor: User) -> list[Enrolment]:
    """The class's enrolments whose citizens the actor may see, enrolled first."""
    order = {
        EnrolmentStatus.ENROLLED: 0,
        EnrolmentStatus.COMPLETED: 1,
        EnrolmentStatus.DROPPED_OUT: 2,
    }
    rows = list(
        programme_class.enrolments.filter(citizen__in=citizens_in_scope(actor)).select_related(
            "citizen", "pathway", "dropout_reason"
        )
    )
    return sorted(rows, key=lambda e: (order[e.status], e.citizen.last_name, e.citizen.first_name))


def hidden_enrolments(programme_class: ProgrammeClass, *, actor: User) -> int:
    """How many enrolled citizens are outside the actor's relations (counted, never named)."""
    return programme_class.enrolments.exclude(citizen__in=citizens_in_scope(actor)).count()


def matching_referrals(programme: Programme) -> Q:
    """The referrals a programme takes: its types, and its disease where it names one."""
    condition = Q(referral_type__in=programme.referral_types.all())
    if programme.chronic_disease:
        condition &= Q(chronic_disease=programme.chronic_disease)
    return condition


def referral_matches(programme: Programme, referral: Referral) -> bool:
    if not programme.referral_types.filter(pk=referral.referral_type_id).exists():
        return False
    return not programme.chronic_disease or referral.chronic_disease == programme.chronic_disease


def waiting_list(*, actor: User, programme_class: ProgrammeClass) -> list[Referral]:
    """Citizens who could join the class: a matching referral in the class's municipality and the
    actor's scope, still new or with an open pathway, and not enrolled in a class yet.

    First come, first served: the oldest referral first.
    """
    enrolled_pathways = Enrolment.objects.filter(
        status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]
    ).values("pathway_id")
    return list(
        Referral.objects.filter(
            matching_referrals(programme_class.programme),
            municipality_id=programme_class.municipality_id,
            citizen__in=citizens_in_scope(actor),
        )
        .filter(
            Q(status=Referral.Status.NEW)
            | Q(status=Referral.Status.ACCEPTED, pathway__status__in=OPEN_STATUSES)
        )
        .exclude(pathway__in=enrolled_pathways)
        .exclude(citizen__enrolments__programme_class=programme_class)
        .select_related("citizen", "referral_type", "pathway")
        .order_by("received_date", "pk")
    )


def citizen_enrolments(citizen_id: int) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(citizen_id=citizen_id)
        .select_related("programme_class__programme", "programme_class__location", "dropout_reason")
        .order_by("-programme_class__start_date")
    )


def required_professions(
    programme: Programme, definitions: Iterable[SessionDefinition]
) -> list[str]:
    """The professions a class of ``programme`` needs among its staff: the lead's, then every
    profession a group session names."""
    needed = [programme.lead_profession] if programme.lead_profession else []
    for d in definitions:
        if d.is_group:
            needed += [p for p in d.professions if p in Profession.values]
    return list(dict.fromkeys(needed))
