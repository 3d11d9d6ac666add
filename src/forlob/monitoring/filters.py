"""Periods and filters of the key figures: what the dashboard's filter form, the click-through
lists, the annual report and the API all pass to a KPI.

A period is a half-open range of calendar days ``[start, end)`` in Copenhagen time. Month,
quarter and year periods are month-aligned, so "the previous period" and "the same period last
year" are well defined; a custom period's previous period is the same number of days before it.
Datetime fields (a pathway's creation or end) are compared with the aware midnights of those
days, never converted row by row: the queries stay index-friendly on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q
from django.utils import formats
from django.utils.translation import gettext as _

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
SERIES_MONTHS = 12  # months in a trend (sparkline, chart)


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def midnight(day: date) -> datetime:
    """The aware start of ``day`` in Copenhagen."""
    return datetime.combine(day, time(0), tzinfo=COPENHAGEN)


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date  # inclusive
    end: date  # exclusive

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        return cls(PeriodKind.MONTH, start, add_months(start, 1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        start = date(year, 3 * (quarter - 1) + 1, 1)
        return cls(PeriodKind.QUARTER, start, add_months(start, 3))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(PeriodKind.YEAR, date(year, 1, 1), date(year + 1, 1, 1))

    @classmethod
    def custom(cls, start: date, last: date) -> Period:
        """From ``start`` to ``last``, both included."""
        return cls(PeriodKind.CUSTOM, start, last + timedelta(days=1))

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def shifted(self, months: int) -> Period:
        """The same period ``months`` earlier or later (month-aligned kinds only)."""
        return replace(self, start=add_months(self.start, months), end=add_months(self.end, months))

    def previous(self) -> Period:
        """The period just before: last month, last quarter, last year, or as many days before."""
        if self.kind == PeriodKind.CUSTOM:
            return replace(self, start=self.start - timedelta(days=self.days), end=self.start)
        months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[self.kind]
        return self.shifted(-months)

    def last_year(self) -> Period:
        """The same days one year earlier (29 February becomes 28 February)."""
        if self.kind != PeriodKind.CUSTOM:
            return self.shifted(-12)
        return replace(self, start=_year_before(self.start), end=_year_before(self.end))

    def label(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return str(self.start.year)
        if self.kind == PeriodKind.QUARTER:
            return _("Q%(quarter)d %(year)d") % {
                "quarter": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        if self.kind == PeriodKind.MONTH:
            return formats.date_format(self.start, "F Y").capitalize()
        first = formats.date_format(self.start, "j. M Y")
        return f"{first}–{formats.date_format(self.last_day, 'j. M Y')}"

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def date_q(self, field: str) -> Q:
        """Rows whose date ``field`` lies in the period."""
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})

    def datetime_q(self, field: str) -> Q:
        """Rows whose datetime ``field`` lies in the period (Copenhagen days)."""
        return Q(**{f"{field}__gte": midnight(self.start), f"{field}__lt": midnight(self.end)})


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def series_months(period: Period, today: date) -> list[Period]:
    """The months of a trend: the 12 months up to the period's end, never past this month."""
    last_month = min(add_months(period.last_day, 0), add_months(today, 0))
    first = add_months(last_month, -(SERIES_MONTHS - 1))
    return [Period.month((m := add_months(first, i)).year, m.month) for i in range(SERIES_MONTHS)]


PROVIDER_OWN = "own"  # the municipality's own units (no provider on the pathway)


@dataclass(frozen=True)
class Filters:
    """What a key figure is computed over, besides the actor's municipality.

    ``provider`` is "" (all), ``"own"`` (pathways the municipality delivers itself) or a
    provider's id as text. ``today`` decides what is "decided" (a deadline passed) and where a
    trend stops; tests pass it, views use the local date.
    """

    period: Period
    today: date
    team_id: int | None = None
    unit_id: int | None = None
    location_id: int | None = None
    diagnosis_area: str = ""
    pathway_type: str = ""
    provider: str = ""

    def with_period(self, period: Period) -> Filters:
        return replace(self, period=period)

    def params(self) -> dict[str, str]:
        """The filters as GET parameters (ids and codes only: never personal data)."""
        p = self.period
        out: dict[str, str] = {"period": p.kind.value}
        if p.kind == PeriodKind.CUSTOM:
            out["start"] = p.start.isoformat()
            out["end"] = p.last_day.isoformat()
        else:
            out["year"] = str(p.start.year)
            if p.kind == PeriodKind.MONTH:
                out["month"] = str(p.start.month)
            elif p.kind == PeriodKind.QUARTER:
                out["quarter"] = str((p.start.month - 1) // 3 + 1)
        for key, value in (
            ("team", self.team_id),
            ("unit", self.unit_id),
            ("location", self.location_id),
            ("area", self.diagnosis_area),
            ("type", self.pathway_type),
            ("provider", self.provider),
        ):
            if value:
                out[key] = str(value)
        return out

    def query(self, **more: str) -> str:
        params = self.params()
        params.update({k: v for k, v in more.items() if v})
        return urlencode(params)

    # --- the filters as query conditions -------------------------------------------------------

    def pathway_q(self, prefix: str = "") -> Q:
        """The non-period filters on a Pathway queryset (``prefix`` for a relation to one)."""
        from forlob.scheduling.models import Appointment

        q = Q()
        if self.team_id:
            q &= Q(**{f"{prefix}team_id": self.team_id})
        if self.unit_id:
            q &= Q(**{f"{prefix}team__unit_id": self.unit_id})
        if self.diagnosis_area:
            q &= Q(**{f"{prefix}referral__diagnosis_area": self.diagnosis_area})
        if self.pathway_type:
            q &= Q(**{f"{prefix}pathway_type__code": self.pathway_type})
        if self.provider == PROVIDER_OWN:
            q &= Q(**{f"{prefix}provider__isnull": True})
        elif self.provider:
            q &= Q(**{f"{prefix}provider_id": int(self.provider)})
        if self.location_id:
            outer = f"{prefix}pk" if prefix else "pk"
            q &= Exists(
                Appointment.objects.filter(pathway=OuterRef(outer), location_id=self.location_id)
            )
        return q

    def referral_q(self) -> Q:
        """The non-period filters on a Referral queryset.

        Team: the pathway's team, or for a referral without a pathway the referral's own team.
        Location and provider: through the pathway (a referral without one matches neither,
        except "own" provider, which a referral handled here by default is).
        """
        from forlob.scheduling.models import Appointment

        q = Q()
        if self.team_id:
            q &= Q(pathway__team_id=self.team_id) | Q(pathway__isnull=True, team_id=self.team_id)
        if self.unit_id:
            q &= Q(pathway__team__unit_id=self.unit_id) | Q(
                pathway__isnull=True, team__unit_id=self.unit_id
            )
        if self.diagnosis_area:
            q &= Q(diagnosis_area=self.diagnosis_area)
        if self.pathway_type:
            q &= Q(referral_type__code=self.pathway_type)
        if self.provider == PROVIDER_OWN:
            q &= Q(pathway__isnull=True) | Q(pathway__provider__isnull=True)
        elif self.provider:
            q &= Q(pathway__provider_id=int(self.provider))
        if self.location_id:
            q &= Exists(
                Appointment.objects.filter(
                    pathway__referral=OuterRef("pk"), location_id=self.location_id
                )
            )
        return q

    def describe(self) -> list[str]:
        """The active filters in words (for the report and the list headings)."""
        from forlob.core.choices import DiagnosisArea
        from forlob.core.models import Location, Provider, Team, Unit
        from forlob.referrals.models import ReferralType

        words = [self.period.label()]
        if self.unit_id:
            words.append(str(Unit.objects.filter(pk=self.unit_id).first() or ""))
        if self.team_id:
            words.append(str(Team.objects.filter(pk=self.team_id).first() or ""))
        if self.location_id:
            words.append(str(Location.objects.filter(pk=self.location_id).first() or ""))
        if self.diagnosis_area and self.diagnosis_area in DiagnosisArea.values:
            words.append(str(DiagnosisArea(self.diagnosis_area).label))
        if self.pathway_type:
            words.append(str(ReferralType.objects.filter(code=self.pathway_type).first() or ""))
        if self.provider == PROVIDER_OWN:
            words.append(_("Own units"))
        elif self.provider:
            words.append(str(Provider.objects.filter(pk=int(self.provider)).first() or ""))
        return [w for w in words if w]


def default_period(today: date) -> Period:
    """The dashboard opens on the current year (to date)."""
    return Period.year(today.year)
