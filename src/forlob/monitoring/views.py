"""Management information: the dashboard, click-through lists, Excel exports.

The dashboard shows aggregates only and needs "see key figures" (managers, analysts,
coordinators, clinicians). The lists behind a figure apply access row by row (drilldown.py).
Reports and the shared dataset are in report_views.py.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from forlob.access.models import AccessLog
from forlob.access.policy import Action, can
from forlob.access.services import audit_record
from forlob.core.models import User
from forlob.core.xlsx import dated_filename, workbook_response
from forlob.monitoring import kpis
from forlob.monitoring.charts import chart_rows, trend_spec
from forlob.monitoring.drilldown import drill_all, drill_page
from forlob.monitoring.exports import write_kpis, write_list
from forlob.monitoring.filters import Filters
from forlob.monitoring.forms import FilterForm
from forlob.monitoring.kpis import DENOMINATOR, NUMERATOR, Kpi
from forlob.monitoring.presentation import Tile, tile


def require_aggregates(request: HttpRequest) -> None:
    if not can(request.user, Action.VIEW_AGGREGATES):
        raise PermissionDenied


def filters_from(request: HttpRequest) -> tuple[FilterForm, Filters]:
    today = timezone.localdate()
    mid = request.user.municipality_id
    form = FilterForm(request.GET or None, municipality_id=mid)
    filters = form.filters(today)
    if not form.is_bound:  # show what is shown: this year, everything
        form = FilterForm(initial=filters.params(), municipality_id=mid)
    return form, filters


def compute_tiles(actor: User, filters: Filters) -> list[Tile]:
    return [tile(kpi, kpi.compute(actor, filters), filters) for kpi in kpis.available(actor)]


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    require_aggregates(request)
    form, filters = filters_from(request)
    tiles = compute_tiles(request.user, filters)
    charts = [
        {
            "tile": t,
            "id": f"chart-{t.kpi.code}",
            "spec": trend_spec(t.kpi, t.result),
            "rows": chart_rows(t.kpi, t.result),
        }
        for t in tiles
        if t.result.series
    ]
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "filter_words": filters.describe(),
            "tiles": tiles,
            "charts": charts,
            "chart_specs": {c["id"]: c["spec"] for c in charts},
            "query": filters.query(),
            "may_export": can(request.user, Action.EXPORT),
        },
    )


def _kpi_or_404(request: HttpRequest, code: str) -> Kpi:
    kpi = kpis.get(code)
    if kpi is None or not kpi.drillable or kpi not in kpis.available(request.user):
        raise Http404
    return kpi


def _part(request: HttpRequest) -> str:
    part = request.GET.get("part", DENOMINATOR)
    return part if part in (NUMERATOR, DENOMINATOR) else DENOMINATOR


def _key(request: HttpRequest) -> str:
    key = request.GET.get("key", "")
    return key if len(key) <= 60 else ""


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


def _list_title(kpi: Kpi, part: str, key: str) -> str:
    label = kpi.numerator_label if part == NUMERATOR else kpi.denominator_label
    title = str(kpi.label)
    if label:
        title += f" – {label}"
    return title


@require_GET
def kpi_list(request: HttpRequest, code: str) -> HttpResponse:
    """The pathways behind a figure (named, pseudonymised or only counted: see drilldown.py)."""
    require_aggregates(request)
    kpi = _kpi_or_404(request, code)
    _form, filters = filters_from(request)
    part, key = _part(request), _key(request)
    page = drill_page(request.user, kpi, filters, part=part, key=key, page=_page_number(request))
    response = render(
        request,
        "monitoring/list.html",
        {
            "kpi": kpi,
            "page": page,
            "part": part,
            "key": key,
            "title": _list_title(kpi, part, key),
            "filter_words": filters.describe(),
            "query": filters.query(part=part, key=key),
            "dashboard_query": filters.query(),
        },
    )
    add_never_cache_headers(response)  # names of citizens: not kept in a shared cache
    return response


@require_GET
def kpi_list_xlsx(request: HttpRequest, code: str) -> FileResponse:
    """The same list as an Excel workbook (every visible row, audited as shown)."""
    require_aggregates(request)
    kpi = _kpi_or_404(request, code)
    _form, filters = filters_from(request)
    part, key = _part(request), _key(request)
    named = can(request.user, Action.VIEW_CITIZEN)
    return workbook_response(
        dated_filename(f"forlob-{kpi.code}"),
        lambda out: write_list(
            drill_all(request.user, kpi, filters, part=part, key=key),
            title=_list_title(kpi, part, key),
            filters=filters,
            named=named,
            out=out,
        ),
    )


@require_GET
def kpis_xlsx(request: HttpRequest) -> FileResponse:
    """Every key figure with its monthly series and breakdowns (aggregates: no citizen)."""
    require_aggregates(request)
    _form, filters = filters_from(request)
    tiles = compute_tiles(request.user, filters)
    audit_record(actor=request.user, kind=AccessLog.Kind.READ, operation="monitoring_kpi_export")
    return workbook_response(
        dated_filename("forlob-noegletal"), lambda out: write_kpis(tiles, filters=filters, out=out)
    )
