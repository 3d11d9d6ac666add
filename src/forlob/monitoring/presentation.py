"""How a KPI's numbers are shown: formatted values, trend, target status, sparkline.

Shared by the dashboard, the annual report and the Excel export, so "–" for no data, one decimal
for percentages and the Danish number format are the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from forlob.monitoring.kpis import Direction, Kpi, KpiResult, Point, Unit

if TYPE_CHECKING:
    from forlob.monitoring.filters import Filters

NO_VALUE = "–"
EPSILON = 1e-9


def _dec(value: float, places: int = 1) -> str:
    """Rounded (Django's number_format alone cuts the digits off) and localised."""
    return number_format(round(value, places), places)


def fmt(value: float | None, unit: Unit) -> str:
    """A value in its unit, Danish style ("91,5 %", "1.234", "4,5 dage"); "–" for no value."""
    if value is None:
        return NO_VALUE
    if unit == Unit.PERCENT:
        return f"{_dec(value * 100)} %"
    if unit == Unit.COUNT:
        return number_format(round(value), 0, force_grouping=True)
    if unit == Unit.DAYS:
        return _("%(value)s days") % {"value": _dec(value)}
    if unit == Unit.MINUTES:
        return _("%(value)s min") % {"value": number_format(round(value), 0, force_grouping=True)}
    return _dec(value)


def fmt_count(value: float | None) -> str:
    return NO_VALUE if value is None else number_format(round(value), 0, force_grouping=True)


def fmt_change(change: float | None) -> str:
    """A relative change as a signed percentage ("+4,2 %")."""
    if change is None:
        return NO_VALUE
    sign = "+" if change > EPSILON else ("−" if change < -EPSILON else "±")
    return f"{sign}{_dec(abs(change) * 100)} %"


def fmt_delta(delta: float, unit: Unit) -> str:
    """A difference between two values of ``unit`` ("+2,1 procentpoint", "−3", "+0,5 dage")."""
    sign = "+" if delta > EPSILON else ("−" if delta < -EPSILON else "±")
    size = abs(delta)
    if unit == Unit.PERCENT:
        return _("%(sign)s%(value)s percentage points") % {
            "sign": sign,
            "value": _dec(size * 100),
        }
    return f"{sign}{fmt(size, unit)}"


def target_status(kpi: Kpi, result: KpiResult) -> str:
    """ "met", "missed", or "" when there is no target, no value or no direction to judge."""
    if result.target is None or result.value is None or kpi.direction == Direction.NEUTRAL:
        return ""
    if kpi.direction == Direction.UP:
        return "met" if result.value >= result.target - EPSILON else "missed"
    return "met" if result.value <= result.target + EPSILON else "missed"


def trend(kpi: Kpi, result: KpiResult) -> tuple[str, bool | None]:
    """("up" | "down" | "flat" | "", better?) of the value against the previous period."""
    if result.value is None or result.previous is None:
        return "", None
    delta = result.value - result.previous
    if abs(delta) < EPSILON:
        return "flat", None
    direction = "up" if delta > 0 else "down"
    if kpi.direction == Direction.NEUTRAL:
        return direction, None
    return direction, (delta > 0) == (kpi.direction == Direction.UP)


def sparkline(points: tuple[Point, ...], width: int = 120, height: int = 28) -> str:
    """SVG polyline points for the months that have a value; "" with fewer than two."""
    known = [(i, p.value) for i, p in enumerate(points) if p.value is not None]
    if len(known) < 2:
        return ""
    values = [v for _i, v in known]
    low, high = min(values), max(values)
    spread = high - low or 1.0
    step = width / max(len(points) - 1, 1)
    pad = 3
    return " ".join(
        f"{i * step:.1f},{pad + (height - 2 * pad) * (1 - (v - low) / spread):.1f}"
        for i, v in known
    )


@dataclass(frozen=True)
class Tile:
    kpi: Kpi
    result: KpiResult
    value_text: str
    target_text: str
    target_word: str  # "Target", or "Expected" for a figure that is not judged (volume)
    status: str
    trend: str
    trend_better: bool | None
    trend_text: str
    previous_text: str
    reference_text: str
    numerator_text: str
    denominator_text: str
    sparkline: str
    query: str  # the filters as GET parameters, for the click-through links


def tile(kpi: Kpi, result: KpiResult, filters: Filters) -> Tile:
    direction, better = trend(kpi, result)
    delta = (
        fmt_delta(result.value - result.previous, kpi.unit)
        if result.value is not None and result.previous is not None
        else ""
    )
    if result.target is not None:
        target_text = fmt(result.target, kpi.unit)
    else:
        target_text = str(kpi.target_label) if kpi.target_label else ""
    return Tile(
        kpi=kpi,
        result=result,
        value_text=fmt(result.value, kpi.unit),
        target_text=target_text,
        target_word=_("Expected") if kpi.direction == Direction.NEUTRAL else _("Target"),
        status=target_status(kpi, result),
        trend=direction,
        trend_better=better,
        trend_text=delta,
        previous_text=fmt(result.previous, kpi.unit),
        reference_text=fmt(result.reference, kpi.unit) if result.reference_label else "",
        numerator_text=fmt_count(result.numerator),
        denominator_text=fmt_count(result.denominator),
        sparkline=sparkline(result.series),
        query=filters.query(),
    )
