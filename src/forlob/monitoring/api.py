"""Key figures over the JSON API. Each figure is its selector in ``monitoring/selectors.py``, so
the API, the overview page and the reports agree by construction."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from forlob.access.policy import Action, can
from forlob.core.api import ERRORS, actor_of
from forlob.core.choices import DiagnosisArea
from forlob.monitoring import selectors as kpi

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
