"""The booking optimiser's adapter: from the database to a ``Problem``, and proposals back.

"Propose times" on the intake inbox reads every unbooked referral the coordinator can see, the
municipality's therapists with their competencies and free windows, runs the optimiser
(``scheduling/optimiser``, pure Python, no Django) and stores the plan as ``BookingProposal``
rows. Accepting a proposal creates the pathway and books it through exactly the services a
manual booking uses (``pathway_create_from_referral``, ``appointment_book``): the same checks,
the same locks, the same audit.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.core.choices import GOP_LEVEL_RANK
from forlob.core.forms import first_error
from forlob.core.models import Competency, Location, User
from forlob.pathways.services import pathway_create_from_referral
from forlob.referrals.models import Referral
from forlob.referrals.selectors import referral_inbox
from forlob.scheduling.models import BUSY_STATUSES, Appointment, BookingProposal, ProposalRun
from forlob.scheduling.optimiser import model as opt
from forlob.scheduling.selectors import free_windows, suggestion_not_before, therapists_for
from forlob.scheduling.services import appointment_book

MESSAGE_ALREADY_HANDLED = gettext_noop("The referral has been handled since the proposal was made.")
MESSAGE_NOTHING_TO_PROPOSE = gettext_noop("There are no unbooked referrals to propose times for.")

REASON_TEXT = {
    opt.Reason.COMPETENCE: gettext_noop("competence matches area and level"),
    opt.Reason.WITHIN_DEADLINE: gettext_noop("within the deadline"),
    opt.Reason.LATE: gettext_noop("no time within the deadline"),
    opt.Reason.URGENT_FIRST: gettext_noop("urgent: placed early"),
    opt.Reason.CONTINUITY: gettext_noop("a therapist the citizen knows"),
    opt.Reason.PREFERRED_LOCATION: gettext_noop("the citizen's preferred location"),
    opt.Reason.BALANCED_LOAD: gettext_noop("spreads new citizens across therapists"),
    opt.Reason.EXTRA_CAPACITY: gettext_noop("uses extra capacity"),
}

# How far ahead free windows are read for referrals without a deadline.
NO_DEADLINE_DAYS = 14


def optimiser_referral(
    referral: Referral, *, today: date, horizon_end: date | None = None
) -> opt.Referral:
    """One Django referral as the optimiser sees it (its weekday wishes as dates up to
    ``horizon_end``)."""
    weekdays = referral.unavailable_weekday_set
    unavailable: set[date] = set()
    if weekdays and horizon_end is not None:
        day = today
        while day <= horizon_end:
            if day.weekday() in weekdays:
                unavailable.add(day)
            day += timedelta(days=1)
    return opt.Referral(
        id=referral.pk,
        received=referral.received_date,
        earliest=today,
        deadline=referral.offer_deadline,
        minutes=referral.referral_type.first_appointment_minutes,
        area=referral.diagnosis_area or "",
        level=GOP_LEVEL_RANK.get(referral.gop_level, opt.LEVEL_NONE),
        preferred_location_id=referral.preferred_location_id,
        unavailable_days=frozenset(unavailable),
    )


def optimiser_therapists(
    users: Iterable[User], first_day: date, last_day: date
) -> tuple[opt.Therapist, ...]:
    """Therapists with their competencies and the new citizens already booked per day."""
    users = list(users)
    ids = [u.pk for u in users]
    competencies: dict[int, dict[str, int]] = defaultdict(dict)
    for c in Competency.objects.filter(staff_id__in=ids):
        competencies[c.staff_id][c.diagnosis_area] = GOP_LEVEL_RANK.get(c.max_level, 0)
    new_already: dict[int, Counter[date]] = defaultdict(Counter)
    for staff_id, start in Appointment.objects.filter(
        staff_id__in=ids,
        is_first=True,
        status__in=BUSY_STATUSES,
        start__date__gte=first_day,
        start__date__lte=last_day,
    ).values_list("staff_id", "start"):
        new_already[staff_id][timezone.localdate(start)] += 1
    return tuple(
        opt.Therapist(
            id=u.pk,
            competencies=dict(competencies[u.pk]),
            max_new_per_day=u.max_new_citizens_per_day,
            new_already=dict(new_already[u.pk]),
        )
        for u in sorted(users, key=lambda u: u.pk)
    )


def build_problem(
    *, referrals: list[Referral], therapists: list[User], now: datetime
) -> opt.Problem:
    today = timezone.localdate(now)
    last_deadline = max((r.offer_deadline for r in referrals if r.offer_deadline), default=today)
    horizon = opt.Problem.late_horizon_days  # the dataclass default
    last_day = max(last_deadline, today + timedelta(days=NO_DEADLINE_DAYS)) + timedelta(
        days=horizon
    )
    problem_referrals = tuple(
        optimiser_referral(r, today=today, horizon_end=last_day) for r in referrals
    )
    default_location = (
        Location.objects.filter(municipality_id=therapists[0].municipality_id, is_active=True)
        .order_by("pk")
        .first()
        if therapists
        else None
    )
    windows = tuple(
        opt.FreeWindow(w.staff_id, w.location_id, w.start, w.end, w.extra)
        for w in free_windows(
            staff_ids=[t.pk for t in therapists],
            first_day=today,
            last_day=last_day,
            default_location=default_location,
            not_before=suggestion_not_before(now),
        )
    )
    return opt.Problem(
        referrals=problem_referrals,
        therapists=optimiser_therapists(therapists, today, last_day),
        windows=windows,
    )


@transaction.atomic
def proposals_create(*, actor: User, now: datetime | None = None) -> ProposalRun:
    """Run the optimiser over the actor's unbooked referrals and store its proposals."""
    now = now or timezone.now()
    referrals = list(referral_inbox(actor=actor).select_related("referral_type"))
    if not referrals:
        raise ValidationError(_(MESSAGE_NOTHING_TO_PROPOSE), code="nothing")
    therapists = list(therapists_for(municipality_id=actor.municipality_id))
    problem = build_problem(referrals=referrals, therapists=therapists, now=now)
    from forlob.scheduling.optimiser import engine  # the solver pulls in OR-Tools: load on use

    result = engine.solve(problem)
    by_id = {r.pk: r for r in referrals}
    run = ProposalRun.objects.create(
        municipality_id=actor.municipality_id,
        created_by=actor,
        referrals=len(referrals),
        with_deadline=sum(1 for r in referrals if r.offer_deadline),
        within_deadline=result.within_deadline,
        bound_within_deadline=result.bound_within_deadline,
        total_days_late=result.total_days_late,
        unassigned=list(result.unassigned),
        shortfall=[
            {"area": s.area, "level": s.level, "referrals": s.referrals, "hours": s.hours}
            for s in result.shortfall
        ],
        solver=result.solver,
        seconds=result.seconds,
    )
    BookingProposal.objects.bulk_create(
        BookingProposal(
            run=run,
            referral_id=p.referral_id,
            citizen_id=by_id[p.referral_id].citizen_id,
            staff_id=p.therapist_id,
            location_id=p.location_id,
            start=p.start,
            end=p.end,
            within_deadline=p.within_deadline,
            days_late=p.days_late,
            reasons=[str(r) for r in p.reasons],
        )
        for p in result.proposals
    )
    return run


def reason_texts(proposal: BookingProposal) -> list[str]:
    return [_(REASON_TEXT[opt.Reason(code)]) for code in proposal.reasons]


def proposal_accept(*, actor: User, proposal: BookingProposal) -> BookingProposal:
    """Book one proposal as a manual booking would; a failure is recorded on the proposal."""
    if proposal.status != BookingProposal.Status.PROPOSED:
        return proposal
    try:
        with transaction.atomic():
            referral = Referral.objects.select_for_update().get(pk=proposal.referral_id)
            if referral.status != Referral.Status.NEW:
                raise ValidationError(_(MESSAGE_ALREADY_HANDLED), code="handled")
            pathway = pathway_create_from_referral(
                actor=actor,
                referral=referral,
                responsible=proposal.staff,
                team=proposal.staff.team,
            )
            appointment = appointment_book(
                actor=actor,
                pathway=pathway,
                staff=proposal.staff,
                location=proposal.location,
                start=proposal.start,
                duration_minutes=int((proposal.end - proposal.start).total_seconds() // 60),
            )
            proposal.status = BookingProposal.Status.ACCEPTED
            proposal.appointment = appointment
            proposal.error = ""
            proposal.save(update_fields=["status", "appointment", "error"])
    except ValidationError as exc:
        proposal.status = BookingProposal.Status.FAILED
        proposal.error = first_error(exc)[:300]
        proposal.save(update_fields=["status", "error"])
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.WRITE,
            operation="proposal_accept",
            outcome=AccessLog.Outcome.DENIED,
            citizen_id=proposal.citizen_id,
            obj=proposal,
            reason=proposal.error,
        )
    return proposal


def proposals_accept_all(*, actor: User, run: ProposalRun) -> Counter[str]:
    """Accept every open proposal of a run, each in its own transaction; counts by outcome."""
    outcome: Counter[str] = Counter()
    for proposal in run.proposals.filter(status=BookingProposal.Status.PROPOSED).select_related(
        "staff__team", "location"
    ):
        outcome[proposal_accept(actor=actor, proposal=proposal).status] += 1
    return outcome
