"""Reads for everyday rehabilitation: worklists, driving lists, a case's plan and economics, and
the unit-level figures.

Each figure is one function whose docstring is its definition (numerator, denominator,
period), so the figures page, a report and an export agree by construction. Figures count
cases of one municipality and never name a citizen.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from forlob.access.policy import citizens_in_scope
from forlob.core.models import Provider, User
from forlob.homecare import rules
from forlob.homecare.access import cases_for, is_provider_staff, visits_for
from forlob.homecare.models import (
    ApplicationKind,
    Goal,
    HomecareSettings,
    Outcome,
    PlanAction,
    ProfessionalEvaluation,
    RehabCase,
    ServiceLine,
    Stage,
    StartMeeting,
    Visit,
    WeeklyEvaluation,
)
from forlob.pathways.models import OPEN_STATUSES

# --- one case -----------------------------------------------------------------------------------


def service_minutes(case: RehabCase, purpose: str) -> int | None:
    """Minutes a week of the case's service lines of ``purpose`` (None: no lines)."""
    total = case.service_lines.filter(purpose=purpose).aggregate(t=Sum("weekly_minutes"))["t"]
    return total


def case_economics(case: RehabCase) -> rules.Economics:
    """Before, shadow-assessed and after minutes a week, at the municipality's hourly rate."""
    settings = HomecareSettings.for_municipality(case.municipality_id)
    shadow = service_minutes(case, ServiceLine.Purpose.SHADOW)
    after = None
    if case.outcome:
        after = service_minutes(case, ServiceLine.Purpose.AFTER) or 0
    return rules.Economics(
        before=case.weekly_minutes_before,
        shadow=shadow,
        after=after,
        hourly_rate=settings.hourly_rate,
    )


def case_goals(case: RehabCase) -> list[Goal]:
    """The plan's goals with sub-goals, actions and evaluations (newest first)."""
    return list(
        case.goals.prefetch_related(
            "sub_goals",
            "actions",
            Prefetch(
                "evaluations",
                queryset=WeeklyEvaluation.objects.select_related("recorded_by"),
            ),
        )
    )


def case_actions(case: RehabCase) -> list[PlanAction]:
    return list(case.actions.select_related("goal"))


def professional_evaluations(case: RehabCase) -> dict[str, ProfessionalEvaluation]:
    return {e.kind: e for e in case.professional_evaluations.select_related("by")}


def service_lines(case: RehabCase, purpose: str) -> list[ServiceLine]:
    return list(case.service_lines.filter(purpose=purpose).select_related("service"))


def case_visits(case: RehabCase) -> QuerySet[Visit]:
    return case.visits.exclude(status=Visit.Status.CANCELLED).select_related("staff")


def provider_staff(provider_id: int | None) -> list[User]:
    """The provider's active staff, key persons for rehabilitation first."""
    if provider_id is None:
        return []
    users = User.objects.filter(provider_id=provider_id, is_active=True).annotate(
        key=Count(
            "rehab_key_roles",
            filter=Q(rehab_key_roles__provider_id=provider_id, rehab_key_roles__is_active=True),
        )
    )
    return list(users.order_by("-key", "first_name", "last_name"))


# --- worklists ----------------------------------------------------------------------------------


@dataclass
class StageGroup:
    stage: Stage
    cases: list[RehabCase] = field(default_factory=list)


def worklist(*, actor: User) -> list[StageGroup]:
    """The open cases the actor may see, by stage (a provider's staff: their provider's only)."""
    qs = (
        cases_for(actor)
        .filter(citizen__in=citizens_in_scope(actor), ended_on__isnull=True)
        .filter(pathway__status__in=OPEN_STATUSES)
        .select_related(
            "citizen", "provider", "assessment", "grant", "start_meeting", "pathway__responsible"
        )
        .order_by("received_on", "pk")
    )
    groups = {s: StageGroup(s) for s in Stage if s not in (Stage.ENDED, Stage.NOT_GRANTED)}
    for case in qs:
        stage = case.stage
        if stage in groups:
            groups[stage].cases.append(case)
    if is_provider_staff(actor):
        return [groups[Stage.START_MEETING], groups[Stage.ACTIVE]]
    return list(groups.values())


def citizen_cases(*, actor: User, citizen_id: int) -> list[RehabCase]:
    return list(
        cases_for(actor)
        .filter(citizen_id=citizen_id)
        .select_related("provider", "assessment", "grant", "start_meeting")
    )


# --- driving lists ------------------------------------------------------------------------------


def providers_for(actor: User) -> list[Provider]:
    """The providers whose driving lists the actor may open (a provider's staff: their own)."""
    if is_provider_staff(actor):
        return list(Provider.objects.filter(pk=actor.provider_id))
    return list(Provider.objects.filter(municipality_id=actor.municipality_id, is_active=True))


def driving_list(
    *,
    actor: User,
    day: date,
    provider_id: int,
    group_id: int | None = None,
    only_mine: bool = False,
) -> list[Visit]:
    """The day's visits of one provider (and group), in time order, for citizens in scope."""
    qs = visits_for(actor).filter(
        provider_id=provider_id, date=day, citizen__in=citizens_in_scope(actor)
    )
    if group_id:
        qs = qs.filter(group_id=group_id)
    if only_mine:
        qs = qs.filter(staff=actor)
    return list(
        qs.exclude(status=Visit.Status.CANCELLED)
        .select_related("citizen", "staff", "group", "case")
        .prefetch_related(Prefetch("actions", queryset=PlanAction.objects.select_related("goal")))
        .order_by("planned_time", "pk")
    )


# --- figures ------------------------------------------------------------------------------------

OUTCOMES = list(Outcome)


@dataclass(frozen=True)
class OutcomeRow:
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, outcome: str) -> float | None:
        return self.counts.get(outcome, 0) / self.total if self.total else None

    @property
    def cells(self) -> list[tuple[str, int, int | None]]:
        """(outcome, count, percent) in the fixed order of ``Outcome``."""
        return [
            (
                o.value,
                self.counts.get(o.value, 0),
                None if not self.total else round(100 * self.counts.get(o.value, 0) / self.total),
            )
            for o in OUTCOMES
        ]


def ended_cases(*, municipality_id: int, start: date, end: date) -> QuerySet[RehabCase]:
    """Cases of the municipality that ended (with an outcome) from ``start`` to ``end``."""
    return RehabCase.objects.filter(
        municipality_id=municipality_id, ended_on__gte=start, ended_on__lte=end
    ).exclude(outcome="")


def _rows(qs: QuerySet[RehabCase], key: str, labels: dict[object, str]) -> list[OutcomeRow]:
    counts: dict[object, Counter[str]] = defaultdict(Counter)
    for value, outcome, n in qs.values_list(key, "outcome").annotate(n=Count("pk")).order_by():
        counts[value][outcome] += n
    return [
        OutcomeRow(label=str(labels.get(value, value)), counts=dict(counts[value]))
        for value in labels
        if value in counts
    ]


def outcome_shares(*, municipality_id: int, start: date, end: date) -> OutcomeRow:
    """Share of ended everyday-rehabilitation courses by outcome.

    Numerator: cases with each outcome (self-reliant, less, same, more help, dropped out).
    Denominator: cases of the municipality with an end evaluation dated within the period.
    Period: the end evaluation's date (``ended_on``), both ends included.
    """
    qs = ended_cases(municipality_id=municipality_id, start=start, end=end)
    counts = dict(qs.values_list("outcome").annotate(n=Count("pk")).order_by())
    return OutcomeRow(label=str(_("All")), counts=counts)


def outcome_shares_by_provider(*, municipality_id: int, start: date, end: date) -> list[OutcomeRow]:
    """Outcome shares per provider the citizen chose (as ``outcome_shares``, one row each).

    Numerator and denominator as ``outcome_shares``, restricted to cases with that provider at
    the end; cases that ended before a provider was chosen (dropped out early) are left out.
    """
    qs = ended_cases(municipality_id=municipality_id, start=start, end=end)
    labels = {p.pk: p.name for p in Provider.objects.filter(municipality_id=municipality_id)}
    return _rows(qs, "provider_id", labels)


def outcome_shares_by_provider_kind(
    *, municipality_id: int, start: date, end: date
) -> list[OutcomeRow]:
    """Outcome shares for municipal vs private providers (as ``outcome_shares``, one row each).

    Numerator and denominator as ``outcome_shares``, restricted to cases whose chosen provider
    is of that kind; cases without a provider are left out.
    """
    qs = ended_cases(municipality_id=municipality_id, start=start, end=end)
    return _rows(qs, "provider__kind", dict(Provider.Kind.choices))


def outcome_shares_by_homecare_status(
    *, municipality_id: int, start: date, end: date
) -> list[OutcomeRow]:
    """Outcome shares for citizens new to home care vs those already receiving it.

    Numerator and denominator as ``outcome_shares``, split by ``is_existing_homecare`` as the
    assessor registered it with the application.
    """
    qs = ended_cases(municipality_id=municipality_id, start=start, end=end)
    return _rows(
        qs,
        "is_existing_homecare",
        {False: _("New to home care"), True: _("Already in home care")},
    )


def outcome_shares_by_application_kind(
    *, municipality_id: int, start: date, end: date
) -> list[OutcomeRow]:
    """Outcome shares by what was applied for: personal care, practical help, re-assessment.

    Numerator and denominator as ``outcome_shares``, split by the application's kind.
    """
    qs = ended_cases(municipality_id=municipality_id, start=start, end=end)
    return _rows(qs, "kind", dict(ApplicationKind.choices))


CONTINUITY_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (1, 2),
    (3, 4),
    (5, 6),
    (7, 9),
    (10, None),
)


@dataclass(frozen=True)
class Continuity:
    buckets: list[tuple[str, int]]
    per_case: list[int]

    @property
    def cases(self) -> int:
        return len(self.per_case)

    @property
    def median(self) -> float | None:
        return statistics.median(self.per_case) if self.per_case else None

    @property
    def max_count(self) -> int:
        return max((n for _label, n in self.buckets), default=0)


def staff_per_case(*, municipality_id: int, start: date, end: date) -> dict[int, int]:
    """Case id → number of different staff members who carried out its rehabilitation visits."""
    rows = (
        Visit.objects.filter(
            case__in=ended_cases(municipality_id=municipality_id, start=start, end=end),
            is_rehab=True,
            status=Visit.Status.COMPLETED,
            staff__isnull=False,
        )
        .values("case_id")
        .annotate(n=Count("staff_id", distinct=True))
        .order_by()
    )
    return {r["case_id"]: r["n"] for r in rows}


def continuity(*, municipality_id: int, start: date, end: date) -> Continuity:
    """Continuity: how many different home-care staff visited each citizen during the course.

    Per case: the number of different staff members on the case's completed rehabilitation
    visits. Distribution over the cases that ended within the period (``ended_on``) and had at
    least one completed rehabilitation visit (the denominator), in buckets 1–2, 3–4, 5–6, 7–9,
    10 or more, with the median. Fewer is better: many carers undermine rehabilitation.
    """
    per_case = sorted(
        staff_per_case(municipality_id=municipality_id, start=start, end=end).values()
    )
    buckets = []
    for low, high in CONTINUITY_BUCKETS:
        label = f"{low}–{high}" if high else f"{low}+"
        buckets.append(
            (label, sum(1 for n in per_case if n >= low and (high is None or n <= high)))
        )
    return Continuity(buckets=buckets, per_case=per_case)


@dataclass(frozen=True)
class Savings:
    cases: int
    shadow: int
    after: int
    hourly_rate: Decimal
    before_cases: int = 0
    before: int = 0
    after_of_before_cases: int = 0

    @property
    def saved_per_week(self) -> int:
        return self.shadow - self.after

    @property
    def annual_value(self) -> Decimal:
        return rules.annual_value(self.saved_per_week, self.hourly_rate)

    @property
    def change_from_before(self) -> int:
        return self.after_of_before_cases - self.before


def minutes_saved(*, municipality_id: int, start: date, end: date) -> Savings:
    """Home-care minutes a week saved by everyday rehabilitation, and their annual value.

    Cases: completed courses (any outcome but dropped out) that ended within the period
    (``ended_on``) and have a shadow assessment. Saved = Σ shadow-assessed minutes a week (the
    help the citizens would otherwise have got) − Σ minutes a week granted after the end.
    Annual value = saved × 52 / 60 × the municipality's hourly rate. Beside it, for the cases
    whose minutes before the application are known: Σ after − Σ before.
    """
    qs = (
        ended_cases(municipality_id=municipality_id, start=start, end=end)
        .exclude(outcome=Outcome.DROPPED_OUT)
        .annotate(
            shadow=Sum(
                "service_lines__weekly_minutes",
                filter=Q(service_lines__purpose=ServiceLine.Purpose.SHADOW),
            ),
            after=Sum(
                "service_lines__weekly_minutes",
                filter=Q(service_lines__purpose=ServiceLine.Purpose.AFTER),
            ),
        )
        .filter(shadow__isnull=False)
    )
    shadow = after = before_cases = before = after_before = 0
    n = 0
    for case_shadow, case_after, case_before in qs.values_list(
        "shadow", "after", "weekly_minutes_before"
    ):
        n += 1
        shadow += case_shadow
        after += case_after or 0
        if case_before is not None:
            before_cases += 1
            before += case_before
            after_before += case_after or 0
    return Savings(
        cases=n,
        shadow=shadow,
        after=after,
        hourly_rate=HomecareSettings.for_municipality(municipality_id).hourly_rate,
        before_cases=before_cases,
        before=before,
        after_of_before_cases=after_before,
    )


@dataclass(frozen=True)
class Share:
    numerator: int
    denominator: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.numerator / self.denominator) if self.denominator else None


def start_meetings_in_time(*, municipality_id: int, start: date, end: date) -> Share:
    """Share of start meetings held within the deadline after the grant.

    Numerator: held start meetings dated on or before their deadline (grant date + the
    municipality's number of days). Denominator: held start meetings dated within the period.
    """
    qs = StartMeeting.objects.filter(
        case__municipality_id=municipality_id, held=True, date__gte=start, date__lte=end
    )
    total = qs.count()
    within = qs.filter(date__lte=F("deadline")).count()
    return Share(within, total)
