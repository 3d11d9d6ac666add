"""The KPI registry: every key figure the dashboard, the annual report and the exports show.

A KPI is registered once, by the app that owns its data, and everything else follows: a tile on
``/monitoring/``, a trend chart with its table, a row in the annual report with generated
commentary, a sheet in the Excel export, and the click-through list of the pathways behind it.

To add a KPI from another app (questionnaires, homecare, ...), in that app's
``AppConfig.ready()``::

    from forlob.monitoring.kpis import Direction, Kpi, Unit, register

    register(Kpi(
        code="satisfaction_response_rate",
        label=gettext_lazy("Satisfaction survey response rate"),
        compute=satisfaction_response_rate,  # (actor, filters) -> KpiResult; docstring = definition
        unit=Unit.PERCENT,
        direction=Direction.UP,
        target_label=gettext_lazy("75 %"),
        population=satisfaction_population,   # optional: (actor, filters, part, key) -> QuerySet
        app_label="questionnaires",
        has_data=lambda actor: Questionnaire.objects.filter(...).exists(),  # optional
        order=50,
    ))

``compute`` returns a ``KpiResult``: the value for ``filters.period``, the previous period's value,
the target (a number in the unit, or None), a monthly series (``filters.series_months``), and
optional breakdown tables whose rows carry a drill ``key``. ``population`` returns the rows behind
the figure, *unscoped by access* but limited to the actor's municipality: a queryset of
``pathways.Pathway`` or ``referrals.Referral``; ``part`` is ``"numerator"`` or ``"denominator"``
(everything behind the figure) and ``key`` a breakdown row's key. The click-through view applies
access itself (names only for citizens the user has a care relation to, pseudonyms otherwise).
Values of ``Unit.PERCENT`` are shares between 0 and 1; None means "no data" and shows as "–".
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.apps import apps

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from forlob.core.models import User
    from forlob.monitoring.filters import Filters


class Unit(StrEnum):
    PERCENT = "percent"  # a share 0..1
    DAYS = "days"
    COUNT = "count"
    RATIO = "ratio"  # e.g. pathways per therapist
    MINUTES = "minutes"


class Direction(StrEnum):
    UP = "up"  # higher is better
    DOWN = "down"  # lower is better
    NEUTRAL = "neutral"  # neither (volume, caseload): no judgement


NUMERATOR = "numerator"
DENOMINATOR = "denominator"
PARTS = (NUMERATOR, DENOMINATOR)


@dataclass(frozen=True)
class Point:
    """One month of a trend."""

    month: date  # first day
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    reference: float | None = None  # a comparison line, e.g. the same month last year


@dataclass(frozen=True)
class Row:
    """One row of a breakdown table; ``key`` opens its click-through list (empty: none)."""

    label: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    key: str = ""
    extra: tuple[Any, ...] = ()  # further cells, shown as they are (counts, labels)


@dataclass(frozen=True)
class Table:
    title: str
    rows: tuple[Row, ...]
    value_header: str = ""
    numerator_header: str = ""
    denominator_header: str = ""
    extra_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class KpiResult:
    value: float | None
    previous: float | None = None
    target: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    series: tuple[Point, ...] = ()
    tables: tuple[Table, ...] = ()
    # A second comparison besides the previous period (e.g. the same period last year).
    reference: float | None = None
    reference_label: str = ""
    # A short explanation of the target or of what is not counted (e.g. "3 pending").
    note: str = ""
    pending: int = 0


Compute = Callable[["User", "Filters"], KpiResult]
Population = Callable[["User", "Filters", str, str], "QuerySet[Any]"]


@dataclass(frozen=True)
class Kpi:
    code: str
    label: str
    compute: Compute
    unit: Unit
    direction: Direction = Direction.UP
    target_label: str = ""
    definition: str = ""  # default: the compute function's docstring
    population: Population | None = None
    numerator_label: str = ""
    denominator_label: str = ""
    app_label: str = "monitoring"
    has_data: Callable[[User], bool] | None = None
    order: int = 100
    tags: tuple[str, ...] = field(default=())

    @property
    def definition_text(self) -> str:
        return self.definition or inspect.cleandoc(self.compute.__doc__ or "")

    @property
    def drillable(self) -> bool:
        return self.population is not None


_registry: dict[str, Kpi] = {}


def register(kpi: Kpi) -> Kpi:
    """Add (or replace, by code) a KPI. Call from ``AppConfig.ready()``."""
    _registry[kpi.code] = kpi
    return kpi


def unregister(code: str) -> None:
    _registry.pop(code, None)


def get(code: str) -> Kpi | None:
    return _registry.get(code)


def registered() -> list[Kpi]:
    return sorted(_registry.values(), key=lambda k: (k.order, k.code))


def available(actor: User) -> list[Kpi]:
    """The KPIs to show: their app is installed and, when they say how, has data."""
    shown = []
    for kpi in registered():
        if not apps.is_installed(f"forlob.{kpi.app_label}") and not apps.is_installed(
            kpi.app_label
        ):
            continue
        if kpi.has_data is not None and not kpi.has_data(actor):
            continue
        shown.append(kpi)
    return shown


def share(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator; None when there is nothing to divide by."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator
