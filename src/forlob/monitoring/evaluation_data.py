"""What an evaluation compares: outcomes and characteristics per pathway, from the database.

**Outcome registry.** An outcome is a function from pathway ids to one number per pathway (a
pathway without the outcome is simply absent). Apps register theirs, so the evaluation page never
needs to know how homecare or measures store their data::

    from forlob.monitoring.evaluation_data import Outcome, register_outcome
    register_outcome(Outcome(
        code="homecare_minutes_change",
        label=_("Change in weekly home-care minutes"),
        description=_("Minutes a week granted after the pathway minus before it."),
        wording=Wording(more=..., less=..., unit=gettext_noop("minutes a week")),
        values=lambda pathway_ids: {pathway_id: minutes, ...},
    ))

Built in (registered on first use): completion of a pathway (every app's pathways), the change in
weekly home-care minutes (when the homecare app has its ``RehabCase`` with service lines) and the
change in each measure's score from start to end (when the measures app has ``MeasureRecord``).
A *covariate* registry works the same way; "function" (starting function level, 0–4) is filled
from the FSIII mean level at the start when the measures app has it.

Units are pathways of the actor's municipality; the index date of a pathway is when it started
(``started_at``, else when it was created). Aggregates only: no names leave this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import F, Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from forlob.citizens.age import age_on
from forlob.monitoring.evaluation import Unit, Wording
from forlob.monitoring.filters import midnight
from forlob.pathways.models import Pathway, PathwayStatus

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str | Promise
    description: str | Promise
    wording: Wording
    values: Callable[[Sequence[int]], dict[int, float]]
    binary: bool = False


@dataclass(frozen=True)
class Covariate:
    code: str  # "function" is the one the matching knows
    label: str | Promise
    values: Callable[[Sequence[int]], dict[int, float]]


_OUTCOMES: dict[str, Outcome] = {}
_COVARIATES: dict[str, Covariate] = {}
_builtins_loaded = False


def register_outcome(outcome: Outcome) -> None:
    """Declare an outcome (idempotent by code)."""
    _OUTCOMES[outcome.code] = outcome


def register_covariate(covariate: Covariate) -> None:
    _COVARIATES[covariate.code] = covariate


def outcomes() -> list[Outcome]:
    _load_builtins()
    return list(_OUTCOMES.values())


def get_outcome(code: str) -> Outcome | None:
    _load_builtins()
    return _OUTCOMES.get(code)


def covariates() -> dict[str, Covariate]:
    _load_builtins()
    return dict(_COVARIATES)


# --- built-in outcomes ----------------------------------------------------------------------------


def completion_values(pathway_ids: Sequence[int]) -> dict[int, float]:
    """1 for a completed pathway, 0 for one the citizen dropped out of; open or cancelled
    pathways have no outcome yet (cancelled: never started, so neither completed nor dropped)."""
    rows = Pathway.objects.filter(
        pk__in=list(pathway_ids),
        status__in=(PathwayStatus.COMPLETED, PathwayStatus.DROPPED_OUT),
    ).values_list("pk", "status")
    return {pk: 1.0 if status == PathwayStatus.COMPLETED else 0.0 for pk, status in rows}


COMPLETION = Outcome(
    code="completion",
    label=_("Completion of the pathway"),
    description=_(
        "Share of the ended pathways that were completed (not dropped out of). Open and "
        "cancelled pathways are not counted."
    ),
    wording=Wording(
        more=gettext_noop(
            "A share %(value)s percentage points higher of the citizens in the intervention "
            "group completed their pathway than of comparable citizens"
        ),
        less=gettext_noop(
            "A share %(value)s percentage points lower of the citizens in the intervention "
            "group completed their pathway than of comparable citizens"
        ),
        unit=gettext_noop("percentage points"),
        scale=100.0,
        decimals=1,
    ),
    values=completion_values,
    binary=True,
)

HOMECARE_WORDING = Wording(
    more=gettext_noop(
        "Citizens in the intervention group used on average %(value)s minutes more home care "
        "a week than comparable citizens"
    ),
    less=gettext_noop(
        "Citizens in the intervention group used on average %(value)s minutes less home care "
        "a week than comparable citizens"
    ),
    unit=gettext_noop("minutes a week"),
    decimals=0,
)

MEASURE_WORDING = Wording(
    more=gettext_noop(
        "The score of citizens in the intervention group rose on average %(value)s points more "
        "than that of comparable citizens"
    ),
    less=gettext_noop(
        "The score of citizens in the intervention group rose on average %(value)s points less "
        "than that of comparable citizens"
    ),
    unit=gettext_noop("points"),
    decimals=1,
)


def _homecare_outcome() -> Outcome | None:
    """Change in weekly home-care minutes, from the homecare app if it has what is needed."""
    try:
        from django.db.models import Sum

        from forlob.homecare.models import RehabCase, ServiceLine
    except ImportError:
        return None
    needed = {"pathway", "weekly_minutes_before", "outcome"}
    if not needed <= {f.name for f in RehabCase._meta.get_fields()}:
        return None

    def values(pathway_ids: Sequence[int]) -> dict[int, float]:
        """Minutes a week granted after the rehabilitation minus before it (ended cases with
        both known; no help afterwards counts as 0 minutes)."""
        rows = (
            RehabCase.objects.filter(
                pathway_id__in=list(pathway_ids), weekly_minutes_before__isnull=False
            )
            .exclude(outcome="")
            .annotate(
                after=Coalesce(
                    Sum(
                        "service_lines__weekly_minutes",
                        filter=Q(service_lines__purpose=ServiceLine.Purpose.AFTER),
                    ),
                    0,
                )
            )
            .values_list("pathway_id", "after", "weekly_minutes_before")
        )
        return {pk: float(after - before) for pk, after, before in rows}

    return Outcome(
        code="homecare_minutes_change",
        label=_("Change in weekly home-care minutes"),
        description=_(
            "Minutes of home care a week granted after the everyday rehabilitation minus the "
            "minutes before it (ended cases where both are known)."
        ),
        wording=HOMECARE_WORDING,
        values=values,
    )


def _measure_records() -> tuple[type, type] | None:
    try:
        from forlob.measures.models import MeasureRecord, TimePoint
    except ImportError:
        return None
    return MeasureRecord, TimePoint


def _measure_scores(
    instrument: str, time_point: str, pathway_ids: Sequence[int]
) -> dict[int, float]:
    """The newest non-skipped primary score per pathway for the instrument at the time point."""
    loaded = _measure_records()
    if loaded is None:
        return {}
    record_model, _time_point = loaded
    scores: dict[int, float] = {}
    rows = (
        record_model.objects.filter(
            pathway_id__in=list(pathway_ids),
            instrument=instrument,
            time_point=time_point,
            skipped=False,
        )
        .order_by("pathway_id", "measured_on", "recorded_at", "id")
        .values_list("pathway_id", "primary_score")
    )
    for pk, score in rows:  # ordered: the newest one wins
        if score is not None:
            scores[pk] = float(score)
    return scores


def _measure_outcomes() -> list[Outcome]:
    loaded = _measure_records()
    if loaded is None:
        return []
    try:
        from forlob.measures.instruments import INSTRUMENTS
    except ImportError:
        return []
    _record, time_point = loaded
    result = []
    for code, instrument in INSTRUMENTS.items():

        def values(pathway_ids: Sequence[int], code: str = code) -> dict[int, float]:
            start = _measure_scores(code, time_point.START, pathway_ids)
            end = _measure_scores(code, time_point.END, pathway_ids)
            return {pk: end[pk] - start[pk] for pk in start.keys() & end.keys()}

        result.append(
            Outcome(
                code=f"measure_{code}",
                label=_("Change in %(instrument)s from start to end")
                % {"instrument": instrument.name},
                description=_(
                    "The score at the end minus the score at the start (the newest recording of "
                    "each); pathways without both are not counted."
                ),
                wording=MEASURE_WORDING,
                values=values,
            )
        )
    return result


def _function_covariate() -> Covariate | None:
    if _measure_records() is None:
        return None

    def values(pathway_ids: Sequence[int]) -> dict[int, float]:
        loaded = _measure_records()
        assert loaded is not None
        return _measure_scores("fsiii", loaded[1].START, pathway_ids)

    return Covariate(
        code="function",
        label=_("Starting function level (FSIII mean level at the start)"),
        values=values,
    )


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    _OUTCOMES.setdefault(COMPLETION.code, COMPLETION)
    homecare = _homecare_outcome()
    if homecare is not None:
        _OUTCOMES.setdefault(homecare.code, homecare)
    for outcome in _measure_outcomes():
        _OUTCOMES.setdefault(outcome.code, outcome)
    function = _function_covariate()
    if function is not None:
        _COVARIATES.setdefault(function.code, function)


# --- groups and units -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupFilter:
    """Which pathways form a group: type, programme (chronic disease), team and period."""

    pathway_type: str = ""  # ReferralType code; "" = any
    programme: str = ""  # chronic disease of the referral; "" = any
    team_id: int | None = None
    start: date | None = None  # index date from (inclusive)
    end: date | None = None  # index date to (inclusive)


def group_pathways(*, municipality_id: int, group: GroupFilter) -> QuerySet[Pathway]:
    qs = Pathway.objects.filter(municipality_id=municipality_id).annotate(
        index_at=Coalesce(F("started_at"), F("created_at"))
    )
    if group.pathway_type:
        qs = qs.filter(pathway_type__code=group.pathway_type)
    if group.programme:
        qs = qs.filter(referral__chronic_disease=group.programme)
    if group.team_id:
        qs = qs.filter(team_id=group.team_id)
    if group.start:
        qs = qs.filter(index_at__gte=midnight(group.start))
    if group.end:
        qs = qs.filter(index_at__lt=midnight(date.fromordinal(group.end.toordinal() + 1)))
    return qs


@dataclass(frozen=True)
class Collected:
    units: list[Unit]
    without_outcome_treated: int
    without_outcome_control: int


def _units(
    rows: list[dict[str, object]],
    outcome: Outcome,
    *,
    treated_ids: set[int],
    function: Covariate | None,
) -> Collected:
    ids = [int(r["pk"]) for r in rows]  # type: ignore[call-overload]
    values = outcome.values(ids) if ids else {}
    levels = function.values(ids) if function is not None and ids else {}
    citizens = {r["citizen_id"] for r in rows}
    first = dict(
        Pathway.objects.filter(citizen_id__in=citizens)
        .values("citizen_id")
        .annotate(first=Min(Coalesce(F("started_at"), F("created_at"))))
        .values_list("citizen_id", "first")
    )
    units, missing_t, missing_c = [], 0, 0
    for r in rows:
        pk = int(r["pk"])  # type: ignore[call-overload]
        treated = pk in treated_ids
        if pk not in values:
            if treated:
                missing_t += 1
            else:
                missing_c += 1
            continue
        index_at: datetime = r["index_at"]  # type: ignore[assignment]
        index_day = index_at.astimezone(COPENHAGEN).date()
        units.append(
            Unit(
                outcome=values[pk],
                treated=treated,
                age=age_on(r["citizen__birth_date"], index_day),  # type: ignore[arg-type]
                sex=str(r["citizen__sex"]),
                new_citizen=first.get(r["citizen_id"]) == index_at,
                function_level=levels.get(pk),
                district=str(r["team__name"] or ""),
                index_date=index_day,
            )
        )
    return Collected(
        units=units, without_outcome_treated=missing_t, without_outcome_control=missing_c
    )


_FIELDS = ("pk", "citizen_id", "citizen__birth_date", "citizen__sex", "team__name", "index_at")


def matching_units(
    *,
    municipality_id: int,
    outcome: Outcome,
    intervention: GroupFilter,
    comparison: GroupFilter,
    use_function: bool = False,
) -> Collected:
    """Units of the intervention group and of the comparison pool (minus the intervention).

    ``new_citizen``: the pathway is the citizen's first in the municipality (no earlier one).
    """
    treated = list(
        group_pathways(municipality_id=municipality_id, group=intervention).values(*_FIELDS)
    )
    treated_ids = {int(r["pk"]) for r in treated}
    pool = [
        r
        for r in group_pathways(municipality_id=municipality_id, group=comparison).values(*_FIELDS)
        if int(r["pk"]) not in treated_ids
    ]
    function = covariates().get("function") if use_function else None
    return _units([*treated, *pool], outcome, treated_ids=treated_ids, function=function)


def stepped_wedge_units(
    *, municipality_id: int, outcome: Outcome, group: GroupFilter, team_ids: Sequence[int]
) -> Collected:
    """Units of the group in the chosen teams (districts); ``district`` is the team's name."""
    rows = list(
        group_pathways(municipality_id=municipality_id, group=group)
        .filter(team_id__in=list(team_ids))
        .values(*_FIELDS)
    )
    return _units(rows, outcome, treated_ids=set(), function=None)
