"""The KPIs monitoring itself defines, on the data of referrals and pathways.

Registered in ``MonitoringConfig.ready``; other apps register theirs the same way (kpis.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from forlob.monitoring import selectors as s
from forlob.monitoring.kpis import Direction, Kpi, Unit, register

CORE_KPIS: tuple[Kpi, ...] = (
    Kpi(
        code="gop_offer_share",
        label=_("GOPs offered a first time within 7 days"),
        compute=s.kpi_gop_offer_share,
        population=s.gop_offer_share_population,
        unit=Unit.PERCENT,
        direction=Direction.UP,
        target_label=_("100 %"),
        numerator_label=_("offered within 7 days"),
        denominator_label=_("decided"),
        order=10,
    ),
    Kpi(
        code="gop_median_days",
        label=_("Median days to first offer (GOP)"),
        compute=s.kpi_gop_median_days,
        population=s.gop_median_days_population,
        unit=Unit.DAYS,
        direction=Direction.DOWN,
        denominator_label=_("offered"),
        order=20,
    ),
    Kpi(
        code="pathway_volume",
        label=_("New pathways"),
        compute=s.kpi_pathway_volume,
        population=s.pathway_volume_population,
        unit=Unit.COUNT,
        direction=Direction.NEUTRAL,
        target_label=_("+5 % a year"),
        order=30,
    ),
    Kpi(
        code="completion_rate",
        label=_("Completion rate"),
        compute=s.kpi_completion_rate,
        population=s.completion_population,
        unit=Unit.PERCENT,
        direction=Direction.UP,
        target_label=_("baseline + 10 %"),
        numerator_label=_("completed"),
        denominator_label=_("ended"),
        order=40,
    ),
    Kpi(
        code="dropout_rate",
        label=_("Dropout rate"),
        compute=s.kpi_dropout_rate,
        population=s.dropout_population,
        unit=Unit.PERCENT,
        direction=Direction.DOWN,
        numerator_label=_("dropped out"),
        denominator_label=_("ended"),
        order=45,
    ),
    Kpi(
        code="completion_low_literacy",
        label=_("Completion, low health literacy"),
        compute=s.kpi_completion_low_literacy,
        population=s.low_literacy_population,
        unit=Unit.PERCENT,
        direction=Direction.UP,
        numerator_label=_("completed"),
        denominator_label=_("ended"),
        order=60,
    ),
    Kpi(
        code="staff_caseload",
        label=_("Open pathways per therapist"),
        compute=s.kpi_staff_caseload,
        population=s.caseload_population,
        unit=Unit.RATIO,
        direction=Direction.NEUTRAL,
        numerator_label=_("open pathways"),
        denominator_label=_("responsible staff"),
        order=70,
    ),
)


def register_core() -> None:
    for kpi in CORE_KPIS:
        register(kpi)
