"""The writes of everyday rehabilitation, one function per step of the flow.

Each is one transaction and writes its audit row in it. State changes of the pathway go
through ``forlob.pathways.services`` (create, assign, transition); nothing here writes a pathway
status by hand:

    application ─► pathway *referred* (no team: the municipality's intake)
    no rehabilitation potential ─► *cancelled*
    start meeting planned ─► *booked*; held ─► *active*
    end evaluation ─► *completed*, or *dropped out* with a reason at any open stage
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.core.choices import Role
from forlob.core.models import Provider, User
from forlob.homecare import rules
from forlob.homecare.models import (
    Assessment,
    CareGroup,
    Criterion,
    DropoutCause,
    Goal,
    Grant,
    HomecareService,
    HomecareSettings,
    Outcome,
    Performer,
    PlanAction,
    ProfessionalEvaluation,
    Progress,
    ProviderChoice,
    RehabCase,
    ResponsibleProfession,
    ServiceLine,
    Stage,
    StartMeeting,
    SubGoal,
    Visit,
    WeeklyEvaluation,
    week_monday,
)
from forlob.measures import fsiii
from forlob.pathways.models import DropoutReason, PathwayStatus
from forlob.pathways.services import (
    pathway_assign,
    pathway_create_from_referral,
    pathway_transition,
)
from forlob.referrals.models import ReferralType
from forlob.referrals.services import referral_register_by_cpr

MESSAGE_FUTURE = gettext_noop("The date cannot be in the future.")
MESSAGE_BEFORE_APPLICATION = gettext_noop("The date cannot be before the application was received.")
MESSAGE_NEW_CITIZEN_MINUTES = gettext_noop(
    "A citizen new to home care had no help before: leave the minutes empty or 0."
)
MESSAGE_ASSESSMENT_LOCKED = gettext_noop(
    "The assessment can no longer be changed: the case has been granted or closed."
)
MESSAGE_DECIDE_POTENTIAL = gettext_noop("Decide whether the citizen has rehabilitation potential.")
MESSAGE_EXCLUSION_NEEDED = gettext_noop(
    "Choose at least one exclusion criterion when there is no rehabilitation potential."
)
MESSAGE_CRITERION_TEXT = gettext_noop("Describe the criterion “%(name)s”.")
MESSAGE_UNKNOWN_LEVEL = gettext_noop("Choose a level 0–4 or 9 (not relevant).")
MESSAGE_SHADOW_NEEDED = gettext_noop(
    "Record the shadow assessment: the help the citizen would otherwise have been granted."
)
MESSAGE_SERVICE_TWICE = gettext_noop("Each service only once.")
MESSAGE_NOT_GRANTABLE = gettext_noop(
    "A grant needs an assessment with rehabilitation potential, and the case must be open."
)
MESSAGE_PACKAGE_NEEDED = gettext_noop("Choose a rehabilitation package.")
MESSAGE_EXTRA_MINUTES_NEEDED = gettext_noop("Give the extra minutes per visit (1–120).")
MESSAGE_START_BEFORE_APPLICATION = gettext_noop(
    "The grant cannot start before the application was received."
)
MESSAGE_NOT_GRANTED = gettext_noop("The case has no grant yet.")
MESSAGE_CASE_CLOSED = gettext_noop("The case has ended.")
MESSAGE_PROVIDER_ELSEWHERE = gettext_noop("Choose one of the municipality's approved providers.")
MESSAGE_NO_PROVIDER = gettext_noop("The citizen has not chosen a provider yet.")
MESSAGE_PROFESSIONAL = gettext_noop(
    "The responsible professional must be a %(profession)s of the municipality, as the grant says."
)
MESSAGE_CONTACT_PERSON = gettext_noop("The contact person must work for the chosen provider.")
MESSAGE_MEETING_BEFORE_GRANT = gettext_noop("The start meeting cannot be before the grant.")
MESSAGE_HELD_IN_FUTURE = gettext_noop("A meeting in the future cannot have been held.")
MESSAGE_FSIII_NEEDED = gettext_noop(
    "Link a goal that is not a COPM activity to a functional ability (FSIII)."
)
MESSAGE_UNKNOWN_FSIII = gettext_noop("Choose a functional ability from the list.")
MESSAGE_GOAL_HAS_EVALUATIONS = gettext_noop("The goal has evaluations and cannot be removed.")
MESSAGE_NOT_STARTED = gettext_noop(
    "The rehabilitation has not started: the start meeting is not held."
)
MESSAGE_AFTER_NEEDED = gettext_noop(
    "Record the help granted afterwards (service and minutes a week)."
)
MESSAGE_NO_HELP_AFTER = gettext_noop("A self-reliant citizen gets no help afterwards.")
MESSAGE_CAUSE_NEEDED = gettext_noop("Choose why the citizen dropped out.")
MESSAGE_CAUSE_TEXT = gettext_noop("Describe the reason.")
MESSAGE_NO_HOMECARE_ACTIONS = gettext_noop(
    "The plan has no actions for home-care staff, so there are no visits to plan."
)
MESSAGE_VISIT_FUTURE = gettext_noop("A visit in the future cannot be completed yet.")
MESSAGE_VISIT_NOT_PLANNED = gettext_noop("Only a planned visit can be completed.")
MESSAGE_BEFORE_START_MEETING = gettext_noop("The date cannot be before the start meeting.")
MESSAGE_OUTCOME_NEEDED = gettext_noop("Choose the outcome.")
MESSAGE_PROGRESS_NEEDED = gettext_noop("Choose how it went.")

# The pathway's dropout reason (KL Gateway Rehab's managed list) for each everyday-rehab cause.
DROPOUT_REASON_CODES: dict[str, str] = {
    DropoutCause.ILLNESS: "opt_out_other_illness",
    DropoutCause.HOSPITAL: "event_ends_pathway",
    DropoutCause.DEATH: "event_ends_pathway",
    DropoutCause.DECLINED: "opt_out_general",
    DropoutCause.OTHER: "event_ends_pathway",
}


@dataclass(frozen=True)
class Line:
    """A service line as the forms hand it over."""

    service: HomecareService
    weekly_minutes: int


def _audit(actor: User, case: RehabCase, operation: str, obj: object | None = None) -> None:
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation=operation,
        citizen_id=case.citizen_id,
        obj=obj if obj is not None else case,
    )


def _lock(case: RehabCase) -> RehabCase:
    return (
        RehabCase.objects.select_for_update(of=("self",))
        .select_related("pathway", "assessment", "grant", "start_meeting")
        .get(pk=case.pk)
    )


def _not_future(value: date, today: date, field: str) -> None:
    if value > today:
        raise ValidationError({field: _(MESSAGE_FUTURE)})


def _check_lines(lines: Sequence[Line], field: str) -> None:
    services = [line.service.pk for line in lines]
    if len(services) != len(set(services)):
        raise ValidationError({field: _(MESSAGE_SERVICE_TWICE)})


def _replace_lines(case: RehabCase, purpose: str, lines: Sequence[Line]) -> None:
    case.service_lines.filter(purpose=purpose).delete()
    ServiceLine.objects.bulk_create(
        ServiceLine(
            case=case, purpose=purpose, service=line.service, weekly_minutes=line.weekly_minutes
        )
        for line in lines
    )


def _open_granted(case: RehabCase) -> Grant:
    stage = case.stage
    if stage in (Stage.ENDED, Stage.NOT_GRANTED):
        raise ValidationError(_(MESSAGE_CASE_CLOSED), code="closed")
    grant = getattr(case, "grant", None)
    if grant is None:
        raise ValidationError(_(MESSAGE_NOT_GRANTED), code="not_granted")
    return grant


# --- 1. application and assessment --------------------------------------------------------------


@transaction.atomic
def application_register(
    *,
    actor: User,
    cpr: str,
    kind: str,
    received_on: date,
    is_existing_homecare: bool,
    today: date,
    weekly_minutes_before: int | None = None,
    application_text: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
) -> RehabCase:
    """Register an application for help (or a re-assessment) as an everyday-rehab referral.

    The referral becomes a pathway at once (status referred, no team yet: the municipality's
    intake); the case hangs off it. A citizen unknown to the municipality is registered from the
    CPR number in the same transaction (``referral_register_by_cpr``).
    """
    if not is_existing_homecare and weekly_minutes_before:
        raise ValidationError({"weekly_minutes_before": _(MESSAGE_NEW_CITIZEN_MINUTES)})
    referral = referral_register_by_cpr(
        actor=actor,
        cpr=cpr,
        referral_type=ReferralType.objects.get(code=ReferralType.EVERYDAY_REHAB),
        received_date=received_on,
        today=today,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        sender=str(_("Application for help")),
        note=application_text,
    )
    pathway = pathway_create_from_referral(
        actor=actor, referral=referral, responsible=None, team=None
    )
    case = RehabCase.objects.create(
        citizen_id=referral.citizen_id,
        municipality_id=referral.municipality_id,
        pathway=pathway,
        kind=kind,
        received_on=received_on,
        is_existing_homecare=is_existing_homecare,
        weekly_minutes_before=(weekly_minutes_before if is_existing_homecare else 0),
        application_text=application_text.strip(),
        created_by=actor,
    )
    _audit(actor, case, "homecare_application_register")
    return case


@transaction.atomic
def assessment_save(
    *,
    actor: User,
    case: RehabCase,
    assessed_on: date,
    has_potential: bool | None,
    today: date,
    fsiii_levels: dict[str, int] | None = None,
    notes: str = "",
    criteria: Iterable[Criterion] = (),
    criteria_text: str = "",
    shadow_lines: Sequence[Line] = (),
) -> Assessment:
    """The assessor's overall assessment, the decision on potential and the shadow assessment.

    No potential closes the application: its pathway is cancelled (the citizen gets ordinary,
    compensating help outside this case). With potential, the shadow assessment is required:
    it is what the economic effect is measured against.
    """
    case = _lock(case)
    if case.stage not in (Stage.ASSESSMENT, Stage.GRANT):
        raise ValidationError(_(MESSAGE_ASSESSMENT_LOCKED), code="locked")
    errors: dict[str, str] = {}
    if assessed_on > today:
        errors["assessed_on"] = _(MESSAGE_FUTURE)
    elif assessed_on < case.received_on:
        errors["assessed_on"] = _(MESSAGE_BEFORE_APPLICATION)
    levels = {code: int(level) for code, level in (fsiii_levels or {}).items()}
    for code, level in levels.items():
        if code not in fsiii.ITEMS or level not in fsiii.LEVELS:
            errors[f"fsiii_{code}"] = _(MESSAGE_UNKNOWN_LEVEL)
    criteria = list(criteria)
    if has_potential is None:
        errors["has_potential"] = _(MESSAGE_DECIDE_POTENTIAL)
    elif has_potential is False and not any(c.kind == Criterion.Kind.EXCLUSION for c in criteria):
        errors["criteria"] = _(MESSAGE_EXCLUSION_NEEDED)
    for criterion in criteria:
        if criterion.needs_text and not criteria_text.strip():
            errors["criteria_text"] = _(MESSAGE_CRITERION_TEXT) % {"name": criterion.name}
    if has_potential and not shadow_lines:
        errors["shadow"] = _(MESSAGE_SHADOW_NEEDED)
    if errors:
        raise ValidationError(errors)
    _check_lines(shadow_lines, "shadow")

    assessment, _created = Assessment.objects.update_or_create(
        case=case,
        defaults={
            "assessed_on": assessed_on,
            "assessor": actor,
            "fsiii_levels": levels,
            "notes": notes.strip(),
            "has_potential": has_potential,
            "criteria_text": criteria_text.strip() if any(c.needs_text for c in criteria) else "",
        },
    )
    assessment.criteria.set(criteria)
    _replace_lines(case, ServiceLine.Purpose.SHADOW, shadow_lines if has_potential else ())
    _audit(actor, case, "homecare_assessment_save", assessment)
    if has_potential is False:
        pathway_transition(
            actor=actor,
            pathway=case.pathway,
            to_status=PathwayStatus.CANCELLED,
            note=str(_("No rehabilitation potential")),
        )
    return assessment


# --- 2. grant -----------------------------------------------------------------------------------


@transaction.atomic
def grant_save(
    *,
    actor: User,
    case: RehabCase,
    start: date,
    today: date,
    end: date | None = None,
    time_model: str = Grant.TimeModel.PACKAGE,
    package: int | None = None,
    extra_minutes_per_visit: int | None = None,
    start_allowance_minutes: int = 0,
    responsible_profession: str = ResponsibleProfession.THERAPIST,
) -> Grant:
    """Grant (or adjust) the time-limited course: period, extra time, who is responsible.

    Without an end the grant runs the municipality's default length; it never runs longer than
    the municipality's maximum. The decision date is the day of the first grant.
    """
    case = _lock(case)
    assessment = getattr(case, "assessment", None)
    if (
        assessment is None
        or not assessment.has_potential
        or case.stage in (Stage.ENDED, Stage.NOT_GRANTED)
    ):
        raise ValidationError(_(MESSAGE_NOT_GRANTABLE), code="not_grantable")
    settings = HomecareSettings.for_municipality(case.municipality_id)
    errors: dict[str, str] = {}
    if start < case.received_on:
        errors["start"] = _(MESSAGE_START_BEFORE_APPLICATION)
    if time_model == Grant.TimeModel.PACKAGE:
        if package not in Grant.Package.values:
            errors["package"] = _(MESSAGE_PACKAGE_NEEDED)
        extra_minutes_per_visit = None
    else:
        if not extra_minutes_per_visit or not 1 <= extra_minutes_per_visit <= 120:
            errors["extra_minutes_per_visit"] = _(MESSAGE_EXTRA_MINUTES_NEEDED)
        package = None
    if errors:
        raise ValidationError(errors)
    start, end = rules.grant_period(
        start=start, end=end, default_weeks=settings.default_weeks, max_weeks=settings.max_weeks
    )
    grant, created = Grant.objects.update_or_create(
        case=case,
        defaults={
            "start": start,
            "end": end,
            "time_model": time_model,
            "package": package,
            "extra_minutes_per_visit": extra_minutes_per_visit,
            "start_allowance_minutes": start_allowance_minutes,
            "responsible_profession": responsible_profession,
        },
        create_defaults={
            "decided_on": today,
            "decided_by": actor,
            "start": start,
            "end": end,
            "time_model": time_model,
            "package": package,
            "extra_minutes_per_visit": extra_minutes_per_visit,
            "start_allowance_minutes": start_allowance_minutes,
            "responsible_profession": responsible_profession,
        },
    )
    _audit(actor, case, "homecare_grant_save" if created else "homecare_grant_change", grant)
    return grant


# --- 3. provider choice and 4. start meeting ----------------------------------------------------


@transaction.atomic
def provider_choose(
    *, actor: User, case: RehabCase, provider: Provider, chosen_on: date, today: date
) -> ProviderChoice:
    """The citizen's free choice of provider; the pathway is delivered by it from now on.

    A change of provider cancels the old provider's planned visits from today on: the new
    provider's staff plan their own.
    """
    case = _lock(case)
    _open_granted(case)
    if provider.municipality_id != case.municipality_id or not provider.is_active:
        raise ValidationError({"provider": _(MESSAGE_PROVIDER_ELSEWHERE)})
    _not_future(chosen_on, today, "chosen_on")
    if chosen_on < case.received_on:
        raise ValidationError({"chosen_on": _(MESSAGE_BEFORE_APPLICATION)})
    choice = ProviderChoice.objects.create(
        case=case, provider=provider, chosen_on=chosen_on, recorded_by=actor
    )
    if case.provider_id is not None and case.provider_id != provider.pk:
        case.visits.filter(status=Visit.Status.PLANNED, date__gte=today).exclude(
            provider=provider
        ).update(status=Visit.Status.CANCELLED)
    case.provider = provider
    case.provider_chosen_on = chosen_on
    case.save(update_fields=["provider", "provider_chosen_on"])
    pathway_assign(
        actor=actor,
        pathway=case.pathway,
        responsible=case.pathway.responsible,
        team=case.pathway.team,
        provider=provider,
    )
    _audit(actor, case, "homecare_provider_choose", choice)
    return choice


def professionals_for(municipality_id: int | None, profession: str) -> list[User]:
    """The municipality's own therapists or nurses (never a provider's staff)."""
    role = Role.NURSE if profession == ResponsibleProfession.NURSE else Role.THERAPIST
    return list(
        User.objects.filter(
            municipality_id=municipality_id,
            provider__isnull=True,
            is_active=True,
            role_assignments__role=role,
        )
        .distinct()
        .order_by("first_name", "last_name")
    )


@transaction.atomic
def start_meeting_save(
    *,
    actor: User,
    case: RehabCase,
    date_: date,
    professional: User,
    contact_person: User,
    today: date,
    citizen_present: bool = True,
    relatives: str = "",
    held: bool = False,
) -> StartMeeting:
    """Plan or record the start meeting; it is due within the municipality's number of days.

    Planning it books the pathway and makes the professional responsible (with the team); when
    it has been held the pathway is active. A late meeting is allowed but shown as late.
    """
    case = _lock(case)
    grant = _open_granted(case)
    if case.provider_id is None:
        raise ValidationError(_(MESSAGE_NO_PROVIDER), code="no_provider")
    errors: dict[str, str] = {}
    allowed = {u.pk for u in professionals_for(case.municipality_id, grant.responsible_profession)}
    if professional.pk not in allowed:
        errors["professional"] = _(MESSAGE_PROFESSIONAL) % {
            "profession": ResponsibleProfession(grant.responsible_profession).label.lower()
        }
    if contact_person.provider_id != case.provider_id or not contact_person.is_active:
        errors["contact_person"] = _(MESSAGE_CONTACT_PERSON)
    if date_ < grant.decided_on:
        errors["date"] = _(MESSAGE_MEETING_BEFORE_GRANT)
    existing = getattr(case, "start_meeting", None)
    held = held or bool(existing and existing.held)
    if held and date_ > today:
        errors["held"] = _(MESSAGE_HELD_IN_FUTURE)
    if errors:
        raise ValidationError(errors)
    settings = HomecareSettings.for_municipality(case.municipality_id)
    meeting, _created = StartMeeting.objects.update_or_create(
        case=case,
        defaults={
            "date": date_,
            "professional": professional,
            "contact_person": contact_person,
            "citizen_present": citizen_present,
            "relatives": relatives.strip(),
            "held": held,
            "deadline": rules.start_meeting_deadline(
                granted_on=grant.decided_on, days=settings.start_meeting_days
            ),
        },
    )
    pathway = pathway_assign(
        actor=actor,
        pathway=case.pathway,
        responsible=professional,
        team=professional.team,
        provider=case.provider,
    )
    if pathway.status == PathwayStatus.REFERRED:
        pathway = pathway_transition(
            actor=actor,
            pathway=pathway,
            to_status=PathwayStatus.BOOKED,
            note=str(_("Start meeting")),
        )
    if held and pathway.status == PathwayStatus.BOOKED:
        pathway_transition(
            actor=actor,
            pathway=pathway,
            to_status=PathwayStatus.ACTIVE,
            note=str(_("Start meeting held")),
        )
    _audit(actor, case, "homecare_start_meeting_save", meeting)
    return meeting


# --- 5. the plan ----------------------------------------------------------------------------------


def _plan_editable(case: RehabCase) -> None:
    _open_granted(case)


@transaction.atomic
def goal_add(
    *,
    actor: User,
    case: RehabCase,
    kind: str,
    title: str,
    fsiii_item: str = "",
    citizen_words: str = "",
    sub_goals: Iterable[str] = (),
) -> Goal:
    """A goal set with the citizen: a COPM activity, or a goal linked to an FSIII item."""
    case = _lock(case)
    _plan_editable(case)
    if fsiii_item and fsiii_item not in fsiii.ITEMS:
        raise ValidationError({"fsiii_item": _(MESSAGE_UNKNOWN_FSIII)})
    if kind == Goal.Kind.FREE and not fsiii_item:
        raise ValidationError({"fsiii_item": _(MESSAGE_FSIII_NEEDED)})
    order = (case.goals.aggregate(m=Max("ordering"))["m"] or 0) + 1
    goal = Goal.objects.create(
        case=case,
        kind=kind,
        title=title.strip(),
        fsiii_item=fsiii_item,
        citizen_words=citizen_words.strip(),
        ordering=order,
    )
    SubGoal.objects.bulk_create(
        SubGoal(goal=goal, text=text.strip()[:200], ordering=i)
        for i, text in enumerate(t for t in sub_goals if t.strip())
    )
    _audit(actor, case, "homecare_goal_add", goal)
    return goal


@transaction.atomic
def goal_remove(*, actor: User, case: RehabCase, goal: Goal) -> None:
    case = _lock(case)
    _plan_editable(case)
    if goal.evaluations.exists():
        raise ValidationError(_(MESSAGE_GOAL_HAS_EVALUATIONS), code="has_evaluations")
    _audit(actor, case, "homecare_goal_remove", goal)
    goal.delete()


@transaction.atomic
def action_add(
    *,
    actor: User,
    case: RehabCase,
    what: str,
    who: str,
    times_per_week: int,
    goal: Goal | None = None,
    how: str = "",
) -> PlanAction:
    case = _lock(case)
    _plan_editable(case)
    action = PlanAction.objects.create(
        case=case,
        goal=goal,
        what=what.strip(),
        who=who,
        times_per_week=times_per_week,
        how=how.strip(),
    )
    _audit(actor, case, "homecare_action_add", action)
    return action


@transaction.atomic
def action_remove(*, actor: User, case: RehabCase, action: PlanAction) -> None:
    case = _lock(case)
    _plan_editable(case)
    _audit(actor, case, "homecare_action_remove", action)
    action.delete()


# --- weekly evaluations by home-care staff --------------------------------------------------------


@transaction.atomic
def weekly_evaluation_record(
    *, actor: User, case: RehabCase, goal: Goal, progress: int, text: str, today: date
) -> tuple[WeeklyEvaluation, bool]:
    """This week's evaluation of one goal; a second one in the same week replaces the first."""
    case = _lock(case)
    _open_granted(case)
    if case.stage != Stage.ACTIVE:
        raise ValidationError(_(MESSAGE_NOT_STARTED), code="not_started")
    if progress not in Progress.values:
        raise ValidationError({"progress": _(MESSAGE_PROGRESS_NEEDED)})
    evaluation, created = WeeklyEvaluation.objects.update_or_create(
        goal=goal,
        week=week_monday(today),
        defaults={
            "progress": progress,
            "text": text.strip()[:500],
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        },
    )
    _audit(actor, case, "homecare_weekly_evaluation", evaluation)
    return evaluation, created


# --- 6. mid-way and end evaluation --------------------------------------------------------------


@transaction.atomic
def midway_save(
    *, actor: User, case: RehabCase, date_: date, text: str, today: date
) -> ProfessionalEvaluation:
    case = _lock(case)
    _open_granted(case)
    if case.stage != Stage.ACTIVE:
        raise ValidationError(_(MESSAGE_NOT_STARTED), code="not_started")
    _not_future(date_, today, "date")
    if date_ < case.start_meeting.date:
        raise ValidationError({"date": _(MESSAGE_BEFORE_START_MEETING)})
    evaluation, _created = ProfessionalEvaluation.objects.update_or_create(
        case=case,
        kind=ProfessionalEvaluation.Kind.MIDWAY,
        defaults={"date": date_, "text": text.strip(), "by": actor},
    )
    _audit(actor, case, "homecare_midway_evaluation", evaluation)
    return evaluation


def _dropout_reason(cause: str) -> DropoutReason:
    code = DROPOUT_REASON_CODES.get(cause, "event_ends_pathway")
    reason = DropoutReason.objects.filter(code=code).first()
    return reason or DropoutReason.objects.filter(is_active=True).order_by("ordering").first()


@transaction.atomic
def end_save(
    *,
    actor: User,
    case: RehabCase,
    date_: date,
    outcome: str,
    today: date,
    text: str = "",
    dropout_cause: str = "",
    dropout_text: str = "",
    after_lines: Sequence[Line] = (),
) -> ProfessionalEvaluation:
    """The end evaluation with the outcome and the help granted afterwards; ends the pathway.

    Self-reliant means no help afterwards; less, same and more help need the help granted
    afterwards (it is what the shadow assessment is compared with). Dropping out is possible at
    any open stage and needs a reason; completing needs the start meeting held.
    """
    case = _lock(case)
    _open_granted(case)
    errors: dict[str, str] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _(MESSAGE_OUTCOME_NEEDED)
    if date_ > today:
        errors["date"] = _(MESSAGE_FUTURE)
    elif date_ < case.received_on:
        errors["date"] = _(MESSAGE_BEFORE_APPLICATION)
    if outcome == Outcome.DROPPED_OUT:
        if dropout_cause not in DropoutCause.values:
            errors["dropout_cause"] = _(MESSAGE_CAUSE_NEEDED)
        elif dropout_cause == DropoutCause.OTHER and not dropout_text.strip():
            errors["dropout_text"] = _(MESSAGE_CAUSE_TEXT)
    else:
        dropout_cause, dropout_text = "", ""
        if case.stage != Stage.ACTIVE:
            errors["outcome"] = _(MESSAGE_NOT_STARTED)
        elif outcome == Outcome.SELF_RELIANT and after_lines:
            errors["after"] = _(MESSAGE_NO_HELP_AFTER)
        elif outcome in (Outcome.LESS_HELP, Outcome.SAME_HELP, Outcome.MORE_HELP) and not (
            after_lines
        ):
            errors["after"] = _(MESSAGE_AFTER_NEEDED)
    if errors:
        raise ValidationError(errors)
    _check_lines(after_lines, "after")

    evaluation, _created = ProfessionalEvaluation.objects.update_or_create(
        case=case,
        kind=ProfessionalEvaluation.Kind.END,
        defaults={"date": date_, "text": text.strip(), "by": actor},
    )
    _replace_lines(case, ServiceLine.Purpose.AFTER, after_lines)
    case.outcome = outcome
    case.dropout_cause = dropout_cause
    case.dropout_text = dropout_text.strip()
    case.ended_on = date_
    case.save(update_fields=["outcome", "dropout_cause", "dropout_text", "ended_on"])
    case.visits.filter(status=Visit.Status.PLANNED, date__gte=today).update(
        status=Visit.Status.CANCELLED
    )
    if outcome == Outcome.DROPPED_OUT:
        pathway_transition(
            actor=actor,
            pathway=case.pathway,
            to_status=PathwayStatus.DROPPED_OUT,
            dropout_reason=_dropout_reason(dropout_cause),
            note=(dropout_text or DropoutCause(dropout_cause).label)[:500],
        )
    else:
        pathway_transition(
            actor=actor,
            pathway=case.pathway,
            to_status=PathwayStatus.COMPLETED,
            note=str(Outcome(outcome).label),
        )
    _audit(actor, case, "homecare_end_evaluation", evaluation)
    return evaluation


# --- 7. visits on the provider's driving list ---------------------------------------------------


def default_group(provider_id: int, staff: User | None) -> CareGroup | None:
    groups = CareGroup.objects.filter(provider_id=provider_id)
    if staff is not None:
        own = groups.filter(members=staff).first()
        if own is not None:
            return own
    return groups.first()


@transaction.atomic
def visits_generate(*, actor: User, case: RehabCase, today: date) -> int:
    """Put the grant's rehabilitation visits on the provider's driving list, from today on.

    As many visits a week as the most frequent action for home-care staff; each visit lists the
    actions that fall on it, spread evenly over the week; the extra time per visit follows the
    grant (package or minutes), and the first visit of the grant carries the start allowance.
    Planned visits from today on are replaced; past and completed ones stay. The contact person
    from the start meeting makes the visits (fixed, few carers).
    """
    case = _lock(case)
    grant = _open_granted(case)
    if case.provider_id is None:
        raise ValidationError(_(MESSAGE_NO_PROVIDER), code="no_provider")
    actions = list(case.actions.filter(who=Performer.PROVIDER_STAFF).order_by("pk"))
    if not actions:
        raise ValidationError(_(MESSAGE_NO_HOMECARE_ACTIONS), code="no_actions")
    settings = HomecareSettings.for_municipality(case.municipality_id)
    first = max(today, grant.start)
    case.visits.filter(status=Visit.Status.PLANNED, date__gte=first).delete()
    meeting = getattr(case, "start_meeting", None)
    staff = meeting.contact_person if meeting is not None else None
    if staff is not None and staff.provider_id != case.provider_id:
        staff = None
    group = default_group(case.provider_id, staff)
    per_week = min(max(a.times_per_week for a in actions), rules.MAX_VISITS_PER_WEEK)
    slots = rules.week_slots(per_week)
    extra = grant.minutes_per_visit(settings)
    has_earlier = case.visits.exclude(status=Visit.Status.CANCELLED).filter(date__lt=first).exists()
    # A visit already carried out today (or later) keeps its place; it is not planned again.
    done = set(
        case.visits.filter(status=Visit.Status.COMPLETED, date__gte=first).values_list(
            "date", "planned_time"
        )
    )
    has_earlier = has_earlier or bool(done)
    visits: list[Visit] = []
    assigned: list[list[PlanAction]] = []
    monday = week_monday(grant.start)
    while monday <= grant.end:
        week_actions: list[list[PlanAction]] = [[] for _ in slots]
        for action in actions:
            for index in rules.spread(action.times_per_week, len(slots)):
                week_actions[index].append(action)
        for slot, slot_actions in zip(slots, week_actions, strict=True):
            day = monday + timedelta(days=slot.weekday)
            planned_time = rules.visit_time(case.pk, slot.afternoon)
            if day < first or day > grant.end or (day, planned_time) in done:
                continue
            visits.append(
                Visit(
                    citizen_id=case.citizen_id,
                    provider_id=case.provider_id,
                    group=group,
                    case=case,
                    date=day,
                    planned_time=planned_time,
                    duration_minutes=settings.visit_minutes,
                    extra_minutes=extra,
                    staff=staff,
                    is_rehab=True,
                )
            )
            assigned.append(slot_actions)
        monday += timedelta(weeks=1)
    if visits and not has_earlier and first == grant.start:
        visits[0].extra_minutes += grant.start_allowance_minutes
    Visit.objects.bulk_create(visits)
    through = Visit.actions.through
    through.objects.bulk_create(
        through(visit_id=visit.pk, planaction_id=action.pk)
        for visit, slot_actions in zip(visits, assigned, strict=True)
        for action in slot_actions
    )
    _audit(actor, case, "homecare_visits_generate")
    return len(visits)


@transaction.atomic
def visit_complete(*, actor: User, visit: Visit, today: date) -> Visit:
    """Mark a visit on the driving list as carried out (it then counts for continuity)."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != Visit.Status.PLANNED:
        raise ValidationError(_(MESSAGE_VISIT_NOT_PLANNED), code="not_planned")
    if visit.date > today:
        raise ValidationError(_(MESSAGE_VISIT_FUTURE), code="future")
    visit.status = Visit.Status.COMPLETED
    if visit.staff_id is None:
        visit.staff = actor
    visit.save(update_fields=["status", "staff"])
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="homecare_visit_complete",
        citizen_id=visit.citizen_id,
        obj=visit,
    )
    return visit
