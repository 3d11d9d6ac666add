"""Trend charts as Vega-Lite specifications, built with Altair.

The same specification is drawn in the browser by the vendored vega-embed (static/vendor/) and
rendered to SVG for the PDF report by vl-convert, so the screen and the paper agree. Months are
labelled on the server ("jan. 26"), so neither renderer needs a Danish locale of its own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from forlob.monitoring.kpis import Kpi, KpiResult, Unit
from forlob.monitoring.presentation import fmt

BRAND, REFERENCE, TARGET = "#0b5c7a", "#8a96a3", "#b3261e"


def month_label(day: object) -> str:
    """ "jan. 2026": the month in tables and tooltips."""
    return formats.date_format(day, "M Y")


def month_tick(day: date, first: bool) -> str:
    """The chart's axis: "dec 25", "jan 26", "feb", "mar" ... (year at the start and in January)."""
    name = formats.date_format(day, "M").rstrip(".")[:3].lower()
    return f"{name} {day:%y}" if first or day.month == 1 else name


def chart_rows(kpi: Kpi, result: KpiResult) -> list[dict[str, Any]]:
    """The table behind the chart: one row per month (the accessible view shows the same)."""
    return [
        {
            "month": p.month.isoformat(),
            "label": month_label(p.month),
            "tick": month_tick(p.month, first=i == 0),
            "value": p.value,
            "value_text": fmt(p.value, kpi.unit),
            "reference": p.reference,
            "reference_text": fmt(p.reference, kpi.unit) if p.reference is not None else "",
        }
        for i, p in enumerate(result.series)
    ]


def trend_spec(kpi: Kpi, result: KpiResult, *, width: int | str = "container") -> dict[str, Any]:
    """A line per month (and a grey comparison line, and a dashed target) as Vega-Lite JSON."""
    import altair as alt

    this = str(kpi.label)
    rows = chart_rows(kpi, result)
    data = [
        {
            "label": r["label"],
            "tick": r["tick"],
            "series": this,
            "value": r["value"],
            "text": r["value_text"],
        }
        for r in rows
        if r["value"] is not None
    ]
    if any(r["reference"] is not None for r in rows):
        name = result.reference_label or _("Comparison")
        data += [
            {
                "label": r["label"],
                "tick": r["tick"],
                "series": name,
                "value": r["reference"],
                "text": r["reference_text"],
            }
            for r in rows
            if r["reference"] is not None
        ]
    percent = kpi.unit == Unit.PERCENT
    y_axis = alt.Axis(format=".0%") if percent else alt.Axis()
    months = [r["tick"] for r in rows]
    two_series = any(d["series"] != this for d in data)
    line = (
        alt.Chart(alt.Data(values=data))
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("tick:O", sort=months, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "value:Q",
                title=None,
                axis=y_axis,
                scale=alt.Scale(domain=[0, 1]) if percent else alt.Scale(zero=True),
            ),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(
                    domain=[this, *({d["series"] for d in data} - {this})], range=[BRAND, REFERENCE]
                ),
                legend=alt.Legend(orient="bottom", title=None, labelLimit=320)
                if two_series
                else None,
            ),
            tooltip=[
                alt.Tooltip("label:N", title=_("Month")),
                alt.Tooltip("series:N", title=_("Series")),
                alt.Tooltip("text:N", title=_("Value")),
            ],
        )
    )
    layers: list[Any] = [line]
    # A target for the whole period (a count) is not a monthly level: no line for it.
    if result.target is not None and kpi.unit != Unit.COUNT:
        layers.append(
            alt.Chart(
                alt.Data(values=[{"target": result.target, "text": fmt(result.target, kpi.unit)}])
            )
            .mark_rule(strokeDash=[5, 4], color=TARGET)
            .encode(
                y="target:Q",
                tooltip=[alt.Tooltip("text:N", title=_("Target"))],
            )
        )
    chart = alt.layer(*layers).properties(width=width, height=180)
    return chart.to_dict(validate=False)
