"""Key figures over the JSON API. Each figure is its selector in ``monitoring/selectors.py``, so
the API, the overview page and the reports agree by construction."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from forlob.access.policy import Action, can
from forlob.core.api import ERRORS, ApiValidationError, Id, actor_of
from forlob.core.choices import DiagnosisArea
from forlob.core.models import User
from forlob.monitoring import kpis
from forlob.monitoring import selectors as kpi
from forlob.monitoring.filters import Filters, PeriodKind
from forlob.monitoring.forms import FilterForm
from forlob.monitoring.kpis import Direction, Kpi, KpiResult, Unit
from forlob.monitoring.presentation import target_status, trend

router = Router(tags=["key figures"])


class MonthQuery(Schema):
    month: str | None = Field(
        None,
        pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$",
        description="YYYY-MM (1900–2099). Default: the current month.",
    )


class OfferShareRow(Schema):
    area: str = Field(description="Diagnosis area code, or `all` for the total row.")
    label: str
    decided: int = Field(description="Denominator: offered, or not offered and deadline passed.")
    within: int = Field(description="Numerator: first offered time on or before the deadline.")
    pending: int = Field(description="Not yet offered, deadline not passed: not counted.")
    share: float | None = Field(description="within / decided; null when nothing is decided.")


class OfferShareOut(Schema):
    month: str
    rows: list[OfferShareRow]


@router.get(
    "/kpis/gop-offer-share",
    response={200: OfferShareOut, **ERRORS},
    url_name="kpi_gop_offer_share",
    summary="Share of GOP citizens offered a first time within 7 days of discharge",
    description=kpi.gop_offered_within_deadline.__doc__,
)
def gop_offer_share(request: HttpRequest, q: Query[MonthQuery]) -> OfferShareOut:
    actor = actor_of(request)
    if not can(actor, Action.VIEW_AGGREGATES):
        raise PermissionDenied
    today = timezone.localdate()
    if q.month:
        year, month = (int(part) for part in q.month.split("-"))
        month_start = date(year, month, 1)
    else:
        month_start = today.replace(day=1)
    rows = kpi.gop_offered_within_deadline(actor=actor, month_start=month_start, today=today)
    areas = [a.value for a in DiagnosisArea] + ["all"]
    return OfferShareOut(
        month=f"{month_start:%Y-%m}",
        rows=[
            OfferShareRow(
                area=area,
                label=row.label,
                decided=row.decided,
                within=row.within,
                pending=row.pending,
                share=row.share,
            )
            for area, row in zip(areas, rows, strict=True)
        ],
    )


# --- the KPI registry -----------------------------------------------------------------------------
#
# Every registered key figure the actor may see (``kpis.available``), computed by its own selector
# over the dashboard's filters: the same numbers as /monitoring/, the annual report and the Excel
# export. The query parameters are the dashboard's (monitoring/forms.py ``FilterForm``) and are
# validated by that form, so a filter means the same here as on the page.

FIRST_DAY = date(FilterForm.base_fields["year"].min_value, 1, 1)  # type: ignore[attr-defined]
LAST_DAY = date(FilterForm.base_fields["year"].max_value, 12, 31)  # type: ignore[attr-defined]

PeriodKindName = Literal["year", "quarter", "month", "custom"]
UnitName = Literal["percent", "days", "count", "ratio", "minutes"]
DirectionName = Literal["up", "down", "neutral"]
assert set(PeriodKindName.__args__) == set(PeriodKind)  # type: ignore[attr-defined]
assert set(UnitName.__args__) == set(Unit)  # type: ignore[attr-defined]
assert set(DirectionName.__args__) == set(Direction)  # type: ignore[attr-defined]


class KpiFilters(Schema):
    """The dashboard's filters. Default: this year, the whole municipality."""

    period: PeriodKindName | None = Field(
        None, description="year (default), quarter, month, or custom (give start and end)."
    )
    year: int | None = Field(None, ge=FIRST_DAY.year, le=LAST_DAY.year)
    quarter: int | None = Field(None, ge=1, le=4, description="With period=quarter.")
    month: int | None = Field(None, ge=1, le=12, description="With period=month (1–12).")
    start: date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY, description="period=custom.")
    end: date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="period=custom, included; ≤ 5 years."
    )
    unit: Id | None = Field(None, description="A unit of your municipality.")
    team: Id | None = Field(None, description="A team of your municipality.")
    location: Id | None = Field(None, description="A location of your municipality.")
    area: DiagnosisArea | None = Field(None, description="Diagnosis area.")
    type: str | None = Field(
        None, pattern=r"^[a-z0-9_-]{1,30}$", description="Pathway (referral) type code."
    )
    provider: str | None = Field(
        None,
        pattern=r"^(own|[1-9][0-9]{0,17})$",
        description="`own` (the municipality's own units) or a provider's id.",
    )


class PeriodOut(Schema):
    kind: PeriodKindName
    start: date
    end: date = Field(description="The period's last day (included).")
    label: str


class KpiOut(Schema):
    code: str
    label: str
    definition: str = Field(description="Numerator, denominator and period, in words.")
    unit: UnitName = Field(description="`percent` values are shares between 0 and 1.")
    direction: DirectionName = Field(description="Which way is better; neutral: not judged.")
    target: float | None = Field(description="In the unit; null when there is none.")
    target_label: str
    value: float | None = Field(description="For the period; null: no data.")
    previous: float | None = Field(description="The period before (last month, quarter, year).")
    numerator: float | None
    denominator: float | None
    reference: float | None = Field(description="A second comparison, see reference_label.")
    reference_label: str
    trend: Literal["up", "down", "flat"] | None = Field(description="value against previous.")
    trend_better: bool | None = Field(description="Is the trend good? null: not judged.")
    target_status: Literal["met", "missed"] | None
    note: str
    pending: int = Field(description="Not yet decided, so not counted (e.g. deadline ahead).")


class KpiListOut(Schema):
    period: PeriodOut
    items: list[KpiOut]


class KpiPointOut(Schema):
    month: str = Field(description="YYYY-MM")
    value: float | None
    numerator: float | None
    denominator: float | None
    reference: float | None


class KpiDetailOut(KpiOut):
    period: PeriodOut
    series: list[KpiPointOut] = Field(description="The 12 months up to the period's end.")


def _number(value: float | None) -> float | None:
    """A finite number or null (JSON has no NaN or infinity)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _filters(actor: User, q: KpiFilters) -> Filters:
    """The query as the dashboard's Filters, checked by the dashboard's own form (422 if not)."""
    data = {
        name: value.value if isinstance(value, DiagnosisArea) else value
        for name, value in q.model_dump().items()
        if value is not None
    }
    form = FilterForm(data, municipality_id=actor.municipality_id)
    if not form.is_valid():
        raise ApiValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    return form.filters(timezone.localdate())


def _period(filters: Filters) -> PeriodOut:
    p = filters.period
    return PeriodOut(kind=p.kind.value, start=p.start, end=p.last_day, label=p.label())


def _kpi_out(kpi: Kpi, result: KpiResult) -> dict[str, object]:
    direction, better = trend(kpi, result)
    return {
        "code": kpi.code,
        "label": str(kpi.label),
        "definition": kpi.definition_text,
        "unit": kpi.unit.value,
        "direction": kpi.direction.value,
        "target": _number(result.target),
        "target_label": str(kpi.target_label or ""),
        "value": _number(result.value),
        "previous": _number(result.previous),
        "numerator": _number(result.numerator),
        "denominator": _number(result.denominator),
        "reference": _number(result.reference),
        "reference_label": str(result.reference_label or ""),
        "trend": direction or None,
        "trend_better": better,
        "target_status": target_status(kpi, result) or None,
        "note": str(result.note or ""),
        "pending": int(result.pending or 0),
    }


def _require_aggregates(request: HttpRequest) -> User:
    actor = actor_of(request)
    if not can(actor, Action.VIEW_AGGREGATES):
        raise PermissionDenied
    return actor


@router.get(
    "/kpis",
    response={200: KpiListOut, **ERRORS},
    url_name="kpi_list",
    summary="Every key figure you may see, for a period and filters (as on the dashboard)",
)
def kpi_list(request: HttpRequest, q: Query[KpiFilters]) -> KpiListOut:
    actor = _require_aggregates(request)
    filters = _filters(actor, q)
    return KpiListOut(
        period=_period(filters),
        items=[KpiOut(**_kpi_out(k, k.compute(actor, filters))) for k in kpis.available(actor)],
    )


@router.get(
    "/kpis/{code}",
    response={200: KpiDetailOut, **ERRORS},
    url_name="kpi_detail",
    summary="One key figure with its monthly series",
)
def kpi_detail(
    request: HttpRequest,
    code: Annotated[str, Path(pattern=r"^[a-z0-9_]{1,60}$", description="The KPI's code.")],
    q: Query[KpiFilters],
) -> KpiDetailOut:
    actor = _require_aggregates(request)
    kpi = kpis.get(code)
    if kpi is None or kpi not in kpis.available(actor):
        raise Http404
    filters = _filters(actor, q)
    result = kpi.compute(actor, filters)
    return KpiDetailOut(
        **_kpi_out(kpi, result),
        period=_period(filters),
        series=[
            KpiPointOut(
                month=f"{p.month:%Y-%m}",
                value=_number(p.value),
                numerator=_number(p.numerator),
                denominator=_number(p.denominator),
                reference=_number(p.reference),
            )
            for p in result.series
        ],
    )
