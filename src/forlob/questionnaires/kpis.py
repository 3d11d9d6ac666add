"""The questionnaire KPIs on the management dashboard (``monitoring.kpis`` registry).

The same definitions as the start-page tiles and the tracking page (``selectors``): an
invitation counts in the period it was *sent*; the response rate is answered / (answered +
expired), open invitations are pending; the positive share is positive / responses with a
verdict. The dashboard's team filter applies (the invitation's team); the other filters
(location, diagnosis area, pathway type, provider) do not narrow questionnaires.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forlob.core.models import User
from forlob.monitoring.filters import Filters, Period, series_months
from forlob.monitoring.kpis import (
    NUMERATOR,
    Direction,
    Kpi,
    KpiResult,
    Point,
    Unit,
    register,
    share,
)
from forlob.pathways.models import Pathway
from forlob.questionnaires.models import Invitation, Purpose
from forlob.questionnaires.selectors import (
    QUESTIONNAIRE_RESPONSE_TARGET,
    SATISFACTION_POSITIVE_TARGET,
    SATISFACTION_RESPONSE_TARGET,
    _counts,
)


def _invitations(
    actor: User, filters: Filters, period: Period, purpose: str | None
) -> QuerySet[Invitation]:
    rows = Invitation.objects.filter(
        period.datetime_q("sent_at"), municipality_id=actor.municipality_id
    )
    if filters.team_id is not None:
        rows = rows.filter(team_id=filters.team_id)
    if purpose is not None:
        rows = rows.filter(version__questionnaire__purpose=purpose)
    return rows


def _row(actor: User, filters: Filters, period: Period, purpose: str | None) -> dict[str, int]:
    return _invitations(actor, filters, period, purpose).aggregate(**_counts(timezone.now()))


def _population(purpose: str | None, numerator: Q, denominator: Q):
    """The pathways behind a rate: those whose invitation (sent in the period) is in the
    numerator or denominator. Invitations sent without a pathway are counted but not listed."""

    def population(actor: User, filters: Filters, part: str, key: str) -> QuerySet[Pathway]:
        wanted = numerator if part == NUMERATOR else denominator
        invitations = _invitations(actor, filters, filters.period, purpose).filter(wanted)
        return Pathway.objects.filter(questionnaire_invitations__in=invitations).distinct()

    return population


_ANSWERED = Q(answered_at__isnull=False)
_DECIDED = Q(answered_at__isnull=False) | Q(expires_at__lte=Now())


def _result(
    actor: User, filters: Filters, *, purpose: str | None, num: str, den: str, target: float
) -> KpiResult:
    now_row = _row(actor, filters, filters.period, purpose)
    before = _row(actor, filters, filters.period.previous(), purpose)
    series = []
    for month in series_months(filters.period, filters.today):
        r = _row(actor, filters, month, purpose)
        series.append(Point(month.start, share(r[num], r[den]), r[num], r[den]))
    return KpiResult(
        value=share(now_row[num], now_row[den]),
        previous=share(before[num], before[den]),
        target=target,
        numerator=now_row[num],
        denominator=now_row[den],
        series=tuple(series),
        pending=now_row["sent"] - now_row["decided"] if den == "decided" else 0,
    )


def kpi_satisfaction_response_rate(actor: User, filters: Filters) -> KpiResult:
    """Satisfaction survey response rate (target 75 %).

    Population: satisfaction-survey invitations of the municipality sent in the period.
    Numerator: answered. Denominator: answered or expired unanswered; open ones are pending.
    """
    return _result(
        actor,
        filters,
        purpose=Purpose.SATISFACTION,
        num="answered",
        den="decided",
        target=SATISFACTION_RESPONSE_TARGET,
    )


def kpi_satisfaction_positive(actor: User, filters: Filters) -> KpiResult:
    """Share of positive satisfaction answers (target 95 %).

    Population: answered satisfaction-survey invitations sent in the period. Numerator:
    responses that are positive (more than half of the answered scored questions positive).
    Denominator: responses with at least one scored question answered.
    """
    return _result(
        actor,
        filters,
        purpose=Purpose.SATISFACTION,
        num="positive",
        den="scored",
        target=SATISFACTION_POSITIVE_TARGET,
    )


def kpi_questionnaire_response_rate(actor: User, filters: Filters) -> KpiResult:
    """Questionnaire response rate, all questionnaires (target 90 %).

    Population: every questionnaire invitation of the municipality sent in the period.
    Numerator: answered. Denominator: answered or expired unanswered; open ones are pending.
    """
    return _result(
        actor,
        filters,
        purpose=None,
        num="answered",
        den="decided",
        target=QUESTIONNAIRE_RESPONSE_TARGET,
    )


def _has_invitations(actor: User) -> bool:
    return Invitation.objects.filter(municipality_id=actor.municipality_id).exists()


KPIS: tuple[Kpi, ...] = (
    Kpi(
        code="satisfaction_response_rate",
        label=_("Satisfaction survey response rate"),
        compute=kpi_satisfaction_response_rate,
        population=_population(Purpose.SATISFACTION, _ANSWERED, _DECIDED),
        unit=Unit.PERCENT,
        direction=Direction.UP,
        target_label=_("75 %"),
        numerator_label=_("answered"),
        denominator_label=_("answered or expired"),
        app_label="questionnaires",
        has_data=_has_invitations,
        order=80,
    ),
    Kpi(
        code="satisfaction_positive",
        label=_("Positive satisfaction answers"),
        compute=kpi_satisfaction_positive,
        population=_population(
            Purpose.SATISFACTION,
            _ANSWERED & Q(response__positive=True),
            _ANSWERED & Q(response__positive__isnull=False),
        ),
        unit=Unit.PERCENT,
        direction=Direction.UP,
        target_label=_("95 %"),
        numerator_label=_("positive"),
        denominator_label=_("answered"),
        app_label="questionnaires",
        has_data=_has_invitations,
        order=81,
    ),
    Kpi(
        code="questionnaire_response_rate",
        label=_("Questionnaire response rate"),
        compute=kpi_questionnaire_response_rate,
        population=_population(None, _ANSWERED, _DECIDED),
        unit=Unit.PERCENT,
        direction=Direction.UP,
        target_label=_("90 %"),
        numerator_label=_("answered"),
        denominator_label=_("answered or expired"),
        app_label="questionnaires",
        has_data=_has_invitations,
        order=82,
    ),
)


def register_kpis() -> None:
    for kpi in KPIS:
        register(kpi)
