"""Formatting key figures in templates, the same way as everywhere else (presentation.py)."""

from __future__ import annotations

from django import template

from forlob.monitoring.kpis import Kpi
from forlob.monitoring.presentation import NO_VALUE, fmt, fmt_change, fmt_count

register = template.Library()


@register.simple_tag
def kpi_value(value: float | None, kpi: Kpi) -> str:
    return fmt(value, kpi.unit)


@register.simple_tag
def count(value: float | None) -> str:
    return fmt_count(value)


@register.simple_tag
def cell(value: object) -> str:
    """A further cell of a breakdown row: counts as counts, fractions as a change in percent."""
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return fmt_count(value)
    if isinstance(value, float):
        return fmt_change(value)
    return str(value)
