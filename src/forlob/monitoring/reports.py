"""The annual (or quarterly) report as a PDF: key figures, charts and generated commentary.

Built from the same registry as the dashboard (kpis.py), so report and dashboard agree. Charts
are the dashboard's Vega-Lite specifications rendered to SVG by vl-convert; the page is a Django
template laid out by WeasyPrint. The commentary is generated from the numbers: one sentence per
key figure saying whether its target was met, or how it moved when it has none.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from forlob.monitoring import kpis
from forlob.monitoring.charts import chart_rows, trend_spec
from forlob.monitoring.filters import Filters, Period
from forlob.monitoring.kpis import Direction
from forlob.monitoring.presentation import Tile, fmt, fmt_change, fmt_delta, tile

if TYPE_CHECKING:
    from forlob.monitoring.models import ReportRun

VL_VERSION = "v6_4"  # Altair 6.3 writes Vega-Lite 6.4 specifications
CHART_WIDTH = 440

Progress = Callable[[int, str], None]


def report_filters(run: ReportRun) -> Filters:
    period = Period.year(run.year) if run.quarter is None else Period.quarter(run.year, run.quarter)
    return Filters(period=period, today=timezone.localdate(), unit_id=run.unit_id)


def commentary(t: Tile) -> str:
    """One or two sentences in plain language on what the figure says against its target."""
    kpi, r = t.kpi, t.result
    label = str(kpi.label)
    if r.value is None:
        return _("%(label)s: no data in the period.") % {"label": label}
    words = {"label": label, "value": t.value_text, "target": t.target_text}
    if t.status == "met":
        text = _("%(label)s was %(value)s: the target of %(target)s was met.") % words
    elif t.status == "missed":
        gap = fmt_delta(abs(r.value - (r.target or 0.0)), kpi.unit).lstrip("+")
        text = _(
            "%(label)s was %(value)s: the target of %(target)s was not met (%(gap)s short)."
        ) % {
            **words,
            "gap": gap,
        }
    else:
        text = _("%(label)s was %(value)s.") % words
    if r.reference is not None and r.reference_label and kpi.unit == kpis.Unit.COUNT:
        change = fmt_change((r.value - r.reference) / r.reference) if r.reference else "–"
        text += " " + _("%(reference_label)s: %(reference)s (%(change)s); expected %(target)s.") % {
            "reference_label": r.reference_label,
            "reference": fmt(r.reference, kpi.unit),
            "change": change,
            "target": fmt(r.target, kpi.unit),
        }
    elif r.reference is not None and r.reference_label:
        text += " " + _("%(reference_label)s: %(reference)s.") % {
            "reference_label": r.reference_label,
            "reference": fmt(r.reference, kpi.unit),
        }
    if r.previous is not None and t.trend:
        if t.trend == "flat":
            text += " " + _("Unchanged from the previous period.")
        else:
            if t.trend_better is True:
                judgement = _("an improvement")
            elif t.trend_better is False:
                judgement = _("a deterioration")
            else:
                judgement = ""
            text += " " + (
                _("Compared with the previous period (%(previous)s): %(delta)s, %(judgement)s.")
                if judgement
                else _("Compared with the previous period (%(previous)s): %(delta)s.")
            ) % {"previous": t.previous_text, "delta": t.trend_text, "judgement": judgement}
    return text


@dataclass(frozen=True)
class ReportSection:
    tile: Tile
    commentary: str
    chart_uri: str  # SVG as a data URI ("" when the figure has no trend)
    rows: list[dict[str, object]]


def _svg_uri(t: Tile) -> str:
    import vl_convert

    svg = vl_convert.vegalite_to_svg(
        trend_spec(t.kpi, t.result, width=CHART_WIDTH), vl_version=VL_VERSION
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def summary(tiles: list[Tile]) -> str:
    judged = [t for t in tiles if t.status]
    met = [t for t in judged if t.status == "met"]
    if not judged:
        return _("No key figure with a target had data in the period.")
    return _("%(met)d of %(judged)d key figures with a target met it.") % {
        "met": len(met),
        "judged": len(judged),
    }


def build_pdf(run: ReportRun, progress: Progress) -> bytes:
    """Compute, draw and lay out the report; ``progress(percent, step)`` after each step."""
    import weasyprint

    # WeasyPrint reports every layout step at INFO; the worker's log needs only problems.
    for name in ("weasyprint", "weasyprint.progress"):
        logging.getLogger(name).setLevel(logging.WARNING)
    actor = run.requested_by
    filters = report_filters(run)
    available = kpis.available(actor)
    tiles: list[Tile] = []
    for i, kpi in enumerate(available):
        tiles.append(tile(kpi, kpi.compute(actor, filters), filters))
        progress(5 + 45 * (i + 1) // max(len(available), 1), _("Computing key figures"))
    sections = []
    for i, t in enumerate(tiles):
        sections.append(
            ReportSection(
                tile=t,
                commentary=commentary(t),
                chart_uri=_svg_uri(t) if t.result.series else "",
                rows=chart_rows(t.kpi, t.result),
            )
        )
        progress(50 + 35 * (i + 1) // max(len(tiles), 1), _("Drawing charts"))
    html = render_to_string(
        "monitoring/report_pdf.html",
        {
            "run": run,
            "municipality": run.municipality,
            "filters": filters,
            "filter_words": filters.describe(),
            "period_label": filters.period.label(),
            "sections": sections,
            "summary": summary(tiles),
            "met": [s for s in sections if s.tile.status == "met"],
            "missed": [s for s in sections if s.tile.status == "missed"],
            "generated": timezone.localtime(),
            "neutral": Direction.NEUTRAL,
        },
    )
    progress(90, _("Laying out the PDF"))
    return weasyprint.HTML(string=html).write_pdf()
