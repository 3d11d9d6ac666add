"""Everyday-rehabilitation KPIs on the management dashboard (``monitoring.kpis`` registry).

The definitions are the unit-figure selectors' (``homecare.selectors``): a course counts in the
period of its end evaluation (``ended_on``). The dashboard's other filters (team, location,
diagnosis area, pathway type) do not narrow these; the provider filter is on the figures page.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from forlob.core.models import User
from forlob.homecare import selectors
from forlob.homecare.models import Outcome, RehabCase, ServiceLine
from forlob.monitoring.filters import Filters, Period, series_months
from forlob.monitoring.kpis import (
    NUMERATOR,
    Direction,
    Kpi,
    KpiResult,
    Point,
    Row,
    Table,
    Unit,
    register,
    share,
)
from forlob.pathways.models import Pathway


def _outcomes(actor: User, period: Period) -> selectors.OutcomeRow:
    return selectors.outcome_shares(
        municipality_id=actor.municipality_id, start=period.start, end=period.last_day
    )


def kpi_self_reliant(actor: User, filters: Filters) -> KpiResult:
    """Everyday rehabilitation ending self-reliant (no help afterwards).

    Population: everyday-rehabilitation courses of the municipality whose end evaluation is
    dated in the period. Numerator: outcome "self-reliant". Denominator: every ended course
    (self-reliant, less, same or more help, dropped out). The table shows every outcome.
    """
    now, before = _outcomes(actor, filters.period), _outcomes(actor, filters.period.previous())
    series = []
    for month in series_months(filters.period, filters.today):
        row = _outcomes(actor, month)
        n = row.counts.get(Outcome.SELF_RELIANT, 0)
        series.append(Point(month.start, share(n, row.total), n, row.total))
    rows = tuple(
        Row(label=str(Outcome(code).label), value=share(count, now.total), numerator=count)
        for code, count, _percent in now.cells
    )
    return KpiResult(
        value=share(now.counts.get(Outcome.SELF_RELIANT, 0), now.total),
        previous=share(before.counts.get(Outcome.SELF_RELIANT, 0), before.total),
        numerator=now.counts.get(Outcome.SELF_RELIANT, 0),
        denominator=now.total,
        series=tuple(series),
        tables=(Table(title=str(_("Outcomes")), rows=rows),),
    )


def kpi_minutes_saved(actor: User, filters: Filters) -> KpiResult:
    """Home-care minutes a week saved by everyday rehabilitation.

    Courses completed (not dropped out) with a shadow assessment whose end evaluation is dated
    in the period. Value: Σ shadow-assessed minutes a week − Σ minutes a week granted after the
    end; the note gives the annual value at the municipality's hourly rate.
    """

    def saved(period: Period) -> selectors.Savings:
        return selectors.minutes_saved(
            municipality_id=actor.municipality_id, start=period.start, end=period.last_day
        )

    now, before = saved(filters.period), saved(filters.period.previous())
    series = []
    for month in series_months(filters.period, filters.today):
        s = saved(month)
        series.append(Point(month.start, s.saved_per_week if s.cases else None, None, s.cases))
    return KpiResult(
        value=now.saved_per_week if now.cases else None,
        previous=before.saved_per_week if before.cases else None,
        denominator=now.cases,
        series=tuple(series),
        note=str(_("Annual value: %(value)s kr.") % {"value": f"{now.annual_value:,.0f}"})
        if now.cases
        else "",
    )


def _ended_pathways(actor: User, filters: Filters) -> QuerySet[Pathway]:
    cases = selectors.ended_cases(
        municipality_id=actor.municipality_id,
        start=filters.period.start,
        end=filters.period.last_day,
    )
    return Pathway.objects.filter(rehab_case__in=cases)


def self_reliant_population(
    actor: User, filters: Filters, part: str, key: str
) -> QuerySet[Pathway]:
    """The pathways of the courses that ended in the period (numerator: self-reliant)."""
    qs = _ended_pathways(actor, filters)
    return qs.filter(rehab_case__outcome=Outcome.SELF_RELIANT) if part == NUMERATOR else qs


def completed_population(actor: User, filters: Filters, part: str, key: str) -> QuerySet[Pathway]:
    """The pathways of the courses completed (not dropped out) in the period with a shadow
    assessment: the courses behind the minutes saved."""
    shadowed = ServiceLine.objects.filter(purpose=ServiceLine.Purpose.SHADOW).values("case_id")
    return (
        _ended_pathways(actor, filters)
        .exclude(rehab_case__outcome=Outcome.DROPPED_OUT)
        .filter(rehab_case__in=shadowed)
    )


def _has_cases(actor: User) -> bool:
    return RehabCase.objects.filter(municipality_id=actor.municipality_id).exists()


KPIS: tuple[Kpi, ...] = (
    Kpi(
        code="everyday_rehab_self_reliant",
        label=_("Everyday rehabilitation: self-reliant afterwards"),
        compute=kpi_self_reliant,
        population=self_reliant_population,
        unit=Unit.PERCENT,
        direction=Direction.UP,
        numerator_label=_("self-reliant"),
        denominator_label=_("ended"),
        app_label="homecare",
        has_data=_has_cases,
        order=90,
    ),
    Kpi(
        code="everyday_rehab_minutes_saved",
        label=_("Everyday rehabilitation: home-care minutes saved a week"),
        compute=kpi_minutes_saved,
        population=completed_population,
        unit=Unit.MINUTES,
        direction=Direction.UP,
        denominator_label=_("completed courses"),
        app_label="homecare",
        has_data=_has_cases,
        order=91,
    ),
)


def register_kpis() -> None:
    for kpi in KPIS:
        register(kpi)
