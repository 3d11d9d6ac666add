"""Key figures. Each KPI is one function whose docstring is its definition.

Aggregates are scoped to the actor's municipality: managers and analysts may see them without
any care role, but they never list individual citizens from here.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from forlob.core.choices import DiagnosisArea
from forlob.core.models import User
from forlob.monitoring.buckets import Buckets
from forlob.monitoring.filters import (
    COPENHAGEN,
    Filters,
    Period,
    PeriodKind,
    midnight,
    series_months,
)
from forlob.monitoring.kpis import NUMERATOR, KpiResult, Point, Row, Table, share
from forlob.monitoring.models import KpiSettings
from forlob.pathways.models import Pathway, PathwayStatus
from forlob.referrals.models import Referral, ReferralType


@dataclass(frozen=True)
class InboxCounts:
    waiting: int
    overdue: int
    due_within_2_days: int


def inbox_counts(*, actor: User, today: date) -> InboxCounts:
    """Referrals waiting for a pathway in the actor's municipality.

    waiting: status new. overdue: new and the offer deadline lies before today.
    due_within_2_days: new, deadline today, tomorrow or the day after.
    """
    row = Referral.objects.filter(
        municipality_id=actor.municipality_id, status=Referral.Status.NEW
    ).aggregate(
        waiting=Count("pk"),
        overdue=Count("pk", filter=Q(offer_deadline__lt=today)),
        soon=Count(
            "pk",
            filter=Q(offer_deadline__gte=today, offer_deadline__lte=today + timedelta(days=2)),
        ),
    )
    return InboxCounts(
        waiting=row["waiting"], overdue=row["overdue"], due_within_2_days=row["soon"]
    )


@dataclass(frozen=True)
class OfferShare:
    label: str
    decided: int  # denominator
    within: int  # numerator
    pending: int  # not yet offered, deadline not passed: not counted either way

    @property
    def share(self) -> float | None:
        return None if self.decided == 0 else self.within / self.decided

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)


def month_bounds(day: date) -> tuple[date, date]:
    """First day of ``day``'s month and first day of the next month."""
    first = day.replace(day=1)
    nxt = (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )
    return first, nxt


def gop_referrals(actor: User) -> QuerySet[Referral]:
    """The GOP population: re-training plans received by the actor's municipality, not rejected."""
    return Referral.objects.filter(
        municipality_id=actor.municipality_id, referral_type__code=ReferralType.GOP
    ).exclude(status=Referral.Status.REJECTED)


def gop_within_q() -> Q:
    """Numerator of the 7-day rule: the first time offered lay on or before the deadline."""
    return Q(pathway__first_offer_within_deadline=True)


def gop_decided_q(today: date) -> Q:
    """Denominator of the 7-day rule: offered, or never offered and the deadline has passed."""
    return Q(pathway__first_offered_at__isnull=False) | Q(offer_deadline__lt=today)


def gop_offered_within_deadline(*, actor: User, month_start: date, today: date) -> list[OfferShare]:
    """Share of GOP citizens offered a first training time within 7 days of discharge.

    Population: hospital re-training plans (GOP) received by the actor's municipality with a
    discharge date in the month beginning ``month_start``, except rejected ones (other
    municipality, sent in error, duplicate, free choice elsewhere).
    Numerator: those whose first offered time lies on or before the offer deadline.
    Denominator: those that are *decided*: offered, or not offered and the deadline has passed
    (``today`` is after it). Plans still open within their deadline are "pending" and not counted.
    One row per diagnosis area, then a total row. Target: 100 %.
    """
    month_end = month_bounds(month_start)[1]
    within, decided = gop_within_q(), gop_decided_q(today)
    rows = (
        gop_referrals(actor)
        .filter(discharge_date__gte=month_start, discharge_date__lt=month_end)
        .values("diagnosis_area")
        .annotate(
            decided=Count("pk", filter=decided),
            within=Count("pk", filter=within),
            pending=Count("pk", filter=~decided),
        )
    )
    by_area = {r["diagnosis_area"]: r for r in rows}
    result = []
    for area in DiagnosisArea:
        r = by_area.get(area.value, {"decided": 0, "within": 0, "pending": 0})
        result.append(
            OfferShare(
                label=str(area.label),
                decided=r["decided"],
                within=r["within"],
                pending=r["pending"],
            )
        )
    result.append(
        OfferShare(
            label=str(_("All areas")),
            decided=sum(r.decided for r in result),
            within=sum(r.within for r in result),
            pending=sum(r.pending for r in result),
        )
    )
    return result


# =================================================================================================
# The dashboard's key figures. Each ``kpi_*`` function is one KPI: its docstring is the definition
# shown on the dashboard, in the report and in the API (numerator, denominator, period). Each
# ``*_population`` function gives the rows behind the figure for the click-through list.
#
# Every figure is computed in a bounded number of queries whatever the amount of data: the
# current period, the previous period, a comparison period and the twelve months of the trend
# come from *one* grouped query (buckets.py), breakdowns included. Datetimes are compared with
# the aware midnights of the period's days (filters.py).
# =================================================================================================


def _split_key(key: str) -> tuple[str, str]:
    dim, _sep, value = key.partition("=")
    return dim, value


def kpi_settings(municipality_id: int | None) -> KpiSettings:
    """The municipality's targets, or the defaults when it has set none (not saved)."""
    found = KpiSettings.objects.filter(municipality_id=municipality_id).first()
    return found or KpiSettings(municipality_id=municipality_id)


def _rate_series(
    b: Buckets, rows: list[dict], months: list[Period], num: str, den: str
) -> tuple[Point, ...]:
    points = []
    for m in months:
        n, d = b.total(rows, m, num), b.total(rows, m, den)
        points.append(Point(month=m.start, value=share(n, d), numerator=n, denominator=d))
    return tuple(points)


# --- 1. the 7-day rule ----------------------------------------------------------------------------


def _gop_filtered(actor: User, filters: Filters) -> QuerySet[Referral]:
    return gop_referrals(actor).filter(filters.referral_q())


def kpi_gop_offer_share(actor: User, filters: Filters) -> KpiResult:
    """Share of re-training plans (GOP) offered a first time within 7 days of discharge.

    Population: GOPs received by the municipality, not rejected, with a discharge date in the
    period. Numerator: those whose first offered time lies on or before the offer deadline
    (discharge + 7 calendar days; a time offered and declined still counts). Denominator: those
    that are decided — offered, or not offered and the deadline has passed. Plans not yet offered
    whose deadline has not passed are pending and not counted. Target: 100 %.
    """
    period, previous = filters.period, filters.period.previous()
    months = series_months(period, filters.today)
    within, decided = gop_within_q(), gop_decided_q(filters.today)
    b = Buckets(Referral, "discharge_date", [period, previous, *months])
    rows = b.rows(
        _gop_filtered(actor, filters),
        ["diagnosis_area"],
        {
            "num": Count("pk", filter=within),
            "den": Count("pk", filter=decided),
            "pending": Count("pk", filter=~decided),
        },
    )

    def area_row(area: DiagnosisArea) -> Row:
        n = b.total(rows, period, "num", lambda r: r["diagnosis_area"] == area.value)
        d = b.total(rows, period, "den", lambda r: r["diagnosis_area"] == area.value)
        return Row(
            label=str(area.label), value=share(n, d), numerator=n, denominator=d,
            key=f"area={area.value}",
        )  # fmt: skip

    num, den = b.total(rows, period, "num"), b.total(rows, period, "den")
    return KpiResult(
        value=share(num, den),
        previous=share(b.total(rows, previous, "num"), b.total(rows, previous, "den")),
        target=1.0,
        numerator=num,
        denominator=den,
        pending=b.total(rows, period, "pending"),
        series=_rate_series(b, rows, months, "num", "den"),
        tables=(
            Table(
                title=_("By diagnosis area"),
                rows=tuple(area_row(a) for a in DiagnosisArea),
                value_header=_("Within 7 days"),
                numerator_header=_("Offered in time"),
                denominator_header=_("Decided"),
            ),
        ),
    )


def gop_offer_share_population(
    actor: User, filters: Filters, part: str, key: str
) -> QuerySet[Referral]:
    """Decided GOPs of the period (numerator: those offered in time)."""
    qs = _gop_filtered(actor, filters).filter(
        filters.period.date_q("discharge_date"), gop_decided_q(filters.today)
    )
    if part == NUMERATOR:
        qs = qs.filter(gop_within_q())
    dim, value = _split_key(key)
    if dim == "area":
        qs = qs.filter(diagnosis_area=value)
    return qs


# --- 2. days to the first offer -------------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def kpi_gop_median_days(actor: User, filters: Filters) -> KpiResult:
    """Median number of days from discharge to the first time offered, for GOPs.

    Population: GOPs received by the municipality, not rejected, discharged in the period and
    offered a first time. Days: the calendar day of the first offered time (Copenhagen) minus
    the discharge date. The median is the middle value (average of the two middle values when
    their number is even). No offered plan in the period: no value. The rule: at most 7 days.
    """
    period, previous = filters.period, filters.period.previous()
    months = series_months(period, filters.today)
    span = Period(
        PeriodKind.CUSTOM,
        min(p.start for p in (period, previous, *months)),
        max(p.end for p in (period, previous, *months)),
    )
    rows = (
        _gop_filtered(actor, filters)
        .filter(span.date_q("discharge_date"), pathway__first_offered_start__isnull=False)
        .values_list("discharge_date", "pathway__first_offered_start", "diagnosis_area")
    )
    days = [
        (discharged, float((offered.astimezone(COPENHAGEN).date() - discharged).days), area)
        for discharged, offered, area in rows
    ]

    def values(p: Period, area: str | None = None) -> list[float]:
        return [d for when, d, a in days if p.contains(when) and (area is None or a == area)]

    current = values(period)
    by_area = tuple(
        Row(
            label=str(area.label),
            value=_median(v := values(period, area.value)),
            denominator=len(v),
            key=f"area={area.value}",
        )
        for area in DiagnosisArea
    )
    return KpiResult(
        value=_median(current),
        previous=_median(values(previous)),
        denominator=len(current),
        series=tuple(
            Point(month=m.start, value=_median(v := values(m)), denominator=len(v)) for m in months
        ),
        tables=(
            Table(
                title=_("By diagnosis area"),
                rows=by_area,
                value_header=_("Median days"),
                denominator_header=_("Offered"),
            ),
        ),
    )


def gop_median_days_population(
    actor: User, filters: Filters, part: str, key: str
) -> QuerySet[Referral]:
    """GOPs of the period that were offered a first time."""
    qs = _gop_filtered(actor, filters).filter(
        filters.period.date_q("discharge_date"), pathway__first_offered_start__isnull=False
    )
    dim, value = _split_key(key)
    if dim == "area":
        qs = qs.filter(diagnosis_area=value)
    return qs


# --- 3. volume ------------------------------------------------------------------------------------


def _pathways(actor: User, filters: Filters) -> QuerySet[Pathway]:
    return Pathway.objects.filter(municipality_id=actor.municipality_id).filter(filters.pathway_q())


def _with_types(rows: list[dict]) -> list[dict]:
    """Name the pathway types of grouped rows (one small query instead of a join per row:
    grouping by the id alone lets the database drive the query from the pathways)."""
    types = {t.pk: t for t in ReferralType.objects.only("pk", "code", "name", "ordering")}
    for r in rows:
        t = types[r["pathway_type_id"]]
        r.update(
            pathway_type__code=t.code, pathway_type__name=t.name, pathway_type__ordering=t.ordering
        )
    return rows


def _with_reasons(rows: list[dict]) -> list[dict]:
    """Name the dropout reasons of grouped rows (see ``_with_types``)."""
    from forlob.pathways.models import DropoutReason

    reasons = {d.pk: d for d in DropoutReason.objects.only("pk", "code", "name", "ordering")}
    for r in rows:
        d = reasons.get(r["dropout_reason_id"])
        r.update(
            dropout_reason__code=d.code if d else "",
            dropout_reason__name=d.name if d else "",
            dropout_reason__ordering=d.ordering if d else 0,
        )
    return rows


def _change(now: float, before: float) -> float | None:
    """Relative change from ``before`` to ``now``; None when there was nothing before."""
    return None if not before else (now - before) / before


def kpi_pathway_volume(actor: User, filters: Filters) -> KpiResult:
    """Number of new pathways, compared with the same period last year and the growth target.

    Count: pathways of the municipality created in the period (the day the referral became a
    pathway, Copenhagen time), of every status including cancelled. Comparison: the same period
    one year earlier. Expected: last year's count plus the expected yearly growth (5 % unless the
    municipality set another), rounded; none when last year had no pathways.
    """
    period, previous, last_year = (
        filters.period,
        filters.period.previous(),
        filters.period.last_year(),
    )
    growth = kpi_settings(actor.municipality_id).volume_growth_percent
    months = series_months(period, filters.today)
    b = Buckets(
        Pathway,
        "created_at",
        [period, previous, last_year, *months, *(m.last_year() for m in months)],
    )
    rows = _with_types(b.rows(_pathways(actor, filters), ["pathway_type_id"], {"n": Count("pk")}))
    cur, ly = b.total(rows, period, "n"), b.total(rows, last_year, "n")
    types = sorted(
        {
            (r["pathway_type__ordering"], r["pathway_type__name"], r["pathway_type__code"])
            for r in rows
        }
    )
    by_type = []
    for _order, name, code in types:
        n = b.total(rows, period, "n", lambda r, c=code: r["pathway_type__code"] == c)
        before = b.total(rows, last_year, "n", lambda r, c=code: r["pathway_type__code"] == c)
        if n or before:
            by_type.append(
                Row(label=name, value=n, key=f"type={code}", extra=(before, _change(n, before)))
            )
    return KpiResult(
        value=cur,
        previous=b.total(rows, previous, "n"),
        target=round(ly * (1 + growth / 100)) if ly else None,
        numerator=cur,
        reference=ly,
        reference_label=_("Same period last year"),
        note=_("Expected growth: %(growth)d %% a year") % {"growth": growth},
        series=tuple(
            Point(
                month=m.start,
                value=b.total(rows, m, "n"),
                reference=b.total(rows, m.last_year(), "n"),  # the same month last year
            )
            for m in months
        ),
        tables=(
            Table(
                title=_("By type"),
                rows=tuple(by_type),
                value_header=_("New pathways"),
                extra_headers=(_("Same period last year"), _("Change")),
            ),
        ),
    )


def pathway_volume_population(
    actor: User, filters: Filters, part: str, key: str
) -> QuerySet[Pathway]:
    """Pathways created in the period."""
    qs = _pathways(actor, filters).filter(filters.period.datetime_q("created_at"))
    dim, value = _split_key(key)
    if dim == "type":
        qs = qs.filter(pathway_type__code=value)
    return qs


# --- 4. completion and dropout --------------------------------------------------------------------

COMPLETED_Q = Q(status=PathwayStatus.COMPLETED)
DROPPED_Q = Q(status=PathwayStatus.DROPPED_OUT)
FINISHED_Q = COMPLETED_Q | DROPPED_Q


def _finished(actor: User, filters: Filters) -> QuerySet[Pathway]:
    return _pathways(actor, filters).filter(FINISHED_Q)


def _programme_label(code: str) -> str:
    from forlob.referrals.models import ChronicDisease

    return str(ChronicDisease(code).label) if code in ChronicDisease.values else code


def _completion_tables(b: Buckets, rows: list[dict], period: Period) -> tuple[Table, ...]:
    """Completion by pathway type and, for chronic-disease pathways, by programme."""
    by_type: dict[str, list] = {}
    by_programme: dict[str, list] = {}
    current = b.segments_of(period)
    for r in sorted(
        (r for r in rows if r["_seg"] in current),
        key=lambda r: (r["pathway_type__ordering"], r["pathway_type__name"]),
    ):
        t = by_type.setdefault(r["pathway_type__code"], [r["pathway_type__name"], 0, 0])
        t[1] += r["done"]
        t[2] += r["all"] - r["done"]
        disease = r["referral__chronic_disease"]
        if disease:
            p = by_programme.setdefault(disease, [_programme_label(disease), 0, 0])
            p[1] += r["done"]
            p[2] += r["all"] - r["done"]

    def table_rows(groups: dict[str, list], dim: str) -> tuple[Row, ...]:
        return tuple(
            Row(
                label=label,
                value=share(done, done + dropped),
                numerator=done,
                denominator=done + dropped,
                key=f"{dim}={code}",
                extra=(dropped,),
            )
            for code, (label, done, dropped) in groups.items()
        )

    headers = {
        "value_header": _("Completion rate"),
        "numerator_header": _("Completed"),
        "denominator_header": _("Ended"),
        "extra_headers": (_("Dropped out"),),
    }
    tables = [Table(title=_("By pathway type"), rows=table_rows(by_type, "type"), **headers)]
    if by_programme:
        tables.append(
            Table(title=_("By programme"), rows=table_rows(by_programme, "programme"), **headers)
        )
    return tuple(tables)


def kpi_completion_rate(actor: User, filters: Filters) -> KpiResult:
    """Completion rate: pathways completed out of those that ended, completed or dropped out.

    Population: pathways of the municipality that ended in the period (the day they were
    completed or dropped out). Numerator: completed. Denominator: completed + dropped out.
    Cancelled pathways (referred in error, moved away) are neither. Target: the baseline year's
    completion rate for the same filters, raised by 10 % (relative, at most 100 %; the baseline
    year and the increase are set per municipality, default the year before).
    """
    period, previous = filters.period, filters.period.previous()
    settings_row = kpi_settings(actor.municipality_id)
    baseline = Period.year(settings_row.completion_baseline_year or period.start.year - 1)
    months = series_months(period, filters.today)
    b = Buckets(Pathway, "ended_at", [period, previous, baseline, *months])
    rows = _with_types(
        b.rows(
            _finished(actor, filters),
            ["pathway_type_id", "referral__chronic_disease"],
            {"done": Count("pk", filter=COMPLETED_Q), "all": Count("pk")},
        )
    )
    done, ended = b.total(rows, period, "done"), b.total(rows, period, "all")
    baseline_rate = share(b.total(rows, baseline, "done"), b.total(rows, baseline, "all"))
    uplift = settings_row.completion_uplift_percent
    return KpiResult(
        value=share(done, ended),
        previous=share(b.total(rows, previous, "done"), b.total(rows, previous, "all")),
        target=None if baseline_rate is None else min(1.0, baseline_rate * (1 + uplift / 100)),
        numerator=done,
        denominator=ended,
        reference=baseline_rate,
        reference_label=_("Baseline %(year)d") % {"year": baseline.start.year},
        note=_("Target: baseline %(year)d + %(uplift)d %%")
        % {"year": baseline.start.year, "uplift": uplift},
        series=_rate_series(b, rows, months, "done", "all"),
        tables=_completion_tables(b, rows, period),
    )


def kpi_dropout_rate(actor: User, filters: Filters) -> KpiResult:
    """Dropout rate: pathways dropped out of those that ended, completed or dropped out.

    Population: pathways of the municipality that ended in the period. Numerator: dropped out
    (with the reason recorded, KL's cancellation types). Denominator: completed + dropped out;
    cancelled pathways are neither. Lower is better; the reasons show where to act.
    """
    period, previous = filters.period, filters.period.previous()
    months = series_months(period, filters.today)
    b = Buckets(Pathway, "ended_at", [period, previous, *months])
    rows = _with_reasons(
        b.rows(
            _finished(actor, filters),
            ["dropout_reason_id"],
            {"dropped": Count("pk", filter=DROPPED_Q), "all": Count("pk")},
        )
    )
    dropped, ended = b.total(rows, period, "dropped"), b.total(rows, period, "all")
    reasons: dict[str, list] = {}
    current = b.segments_of(period)
    for r in rows:
        if r["_seg"] in current and r["dropped"]:
            code = r["dropout_reason__code"] or "-"
            entry = reasons.setdefault(
                code, [r["dropout_reason__ordering"] or 0, r["dropout_reason__name"], 0]
            )
            entry[2] += r["dropped"]
    reason_rows = tuple(
        Row(
            label=name or _("No reason recorded"),
            value=share(n, dropped),
            numerator=n,
            key=f"reason={code}",
        )
        for code, (_order, name, n) in sorted(reasons.items(), key=lambda i: (-i[1][2], i[1][0]))
    )
    return KpiResult(
        value=share(dropped, ended),
        previous=share(b.total(rows, previous, "dropped"), b.total(rows, previous, "all")),
        numerator=dropped,
        denominator=ended,
        series=_rate_series(b, rows, months, "dropped", "all"),
        tables=(
            Table(
                title=_("Dropout reasons"),
                rows=reason_rows,
                value_header=_("Share of dropouts"),
                numerator_header=_("Dropped out"),
            ),
        ),
    )


def _ended_population(actor: User, filters: Filters, key: str) -> QuerySet[Pathway]:
    qs = _finished(actor, filters).filter(filters.period.datetime_q("ended_at"))
    dim, value = _split_key(key)
    if dim == "type":
        qs = qs.filter(pathway_type__code=value)
    elif dim == "programme":
        qs = qs.filter(referral__chronic_disease=value)
    elif dim == "reason":
        qs = qs.filter(DROPPED_Q)
        qs = (
            qs.filter(dropout_reason__isnull=True)
            if value == "-"
            else qs.filter(dropout_reason__code=value)
        )
    elif dim == "literacy":
        qs = qs.filter(citizen__health_literacy="" if value == "-" else value)
    return qs


def completion_population(actor: User, filters: Filters, part: str, key: str) -> QuerySet[Pathway]:
    """Pathways that ended in the period (numerator: the completed ones)."""
    qs = _ended_population(actor, filters, key)
    return qs.filter(COMPLETED_Q) if part == NUMERATOR else qs


def dropout_population(actor: User, filters: Filters, part: str, key: str) -> QuerySet[Pathway]:
    """Pathways that ended in the period (numerator: the dropped-out ones)."""
    qs = _ended_population(actor, filters, key)
    return qs.filter(DROPPED_Q) if part == NUMERATOR else qs


# --- 5. health literacy ---------------------------------------------------------------------------

LITERACY_LEVELS = ("low", "medium", "high", "")


def kpi_completion_low_literacy(actor: User, filters: Filters) -> KpiResult:
    """Completion rate of citizens with low health literacy, beside the other levels.

    Population: pathways of the municipality that ended (completed or dropped out) in the
    period, by the citizen's latest health-literacy screening (low, medium, high, not assessed).
    Numerator: completed. Denominator: completed + dropped out. The figure is the rate for low
    literacy; the comparison is the rate for high literacy. Equal rates mean equal outcomes.
    """
    from forlob.citizens.models import HealthLiteracy

    period, previous = filters.period, filters.period.previous()
    months = series_months(period, filters.today)
    b = Buckets(Pathway, "ended_at", [period, previous, *months])
    rows = b.rows(
        _finished(actor, filters),
        ["citizen__health_literacy"],
        {"done": Count("pk", filter=COMPLETED_Q), "all": Count("pk")},
    )

    def level(value: str) -> Callable[[dict], bool]:
        return lambda r: r["citizen__health_literacy"] == value

    def rate(p: Period, value: str) -> tuple[int, int]:
        return b.total(rows, p, "done", level(value)), b.total(rows, p, "all", level(value))

    labels = {**{v: str(label) for v, label in HealthLiteracy.choices}, "": _("Not assessed")}
    table_rows = []
    for value in LITERACY_LEVELS:
        n, d = rate(period, value)
        table_rows.append(
            Row(label=labels[value], value=share(n, d), numerator=n, denominator=d,
                key=f"literacy={value or '-'}")
        )  # fmt: skip
    low, low_prev, high = rate(period, "low"), rate(previous, "low"), rate(period, "high")
    series = []
    for m in months:
        n, d = rate(m, "low")
        series.append(Point(month=m.start, value=share(n, d), numerator=n, denominator=d))
    return KpiResult(
        value=share(*low),
        previous=share(*low_prev),
        numerator=low[0],
        denominator=low[1],
        reference=share(*high),
        reference_label=_("High health literacy"),
        series=tuple(series),
        tables=(
            Table(
                title=_("Completion by health literacy"),
                rows=tuple(table_rows),
                value_header=_("Completion rate"),
                numerator_header=_("Completed"),
                denominator_header=_("Ended"),
            ),
        ),
    )


def low_literacy_population(
    actor: User, filters: Filters, part: str, key: str
) -> QuerySet[Pathway]:
    """Ended pathways of citizens with low health literacy (or the level in ``key``)."""
    qs = _ended_population(actor, filters, key or "literacy=low")
    return qs.filter(COMPLETED_Q) if part == NUMERATOR else qs


# --- 6. staff caseload ----------------------------------------------------------------------------


def _open_at(moment: datetime) -> Q:
    return Q(created_at__lt=moment) & (Q(ended_at__isnull=True) | Q(ended_at__gte=moment))


def caseload_moment(period: Period, now: datetime | None = None) -> datetime:
    """The end of the period, or now when the period has not ended yet."""
    return min(midnight(period.end), now or timezone.now())


def kpi_staff_caseload(actor: User, filters: Filters) -> KpiResult:
    """Open pathways per responsible therapist at the end of the period.

    Numerator: pathways of the municipality open at the end of the period (created before it,
    not yet completed, dropped out or cancelled) that have a responsible member of staff.
    Denominator: the number of different responsible staff among them. At the end of a period
    that has not ended yet: now. The responsible person is today's (changes are not dated).
    """
    now = timezone.now()
    months = series_months(filters.period, filters.today)
    moments = {
        "cur": caseload_moment(filters.period, now),
        "prev": caseload_moment(filters.period.previous(), now),
    }
    for i, m in enumerate(months):
        moments[f"m{i}"] = caseload_moment(m, now)
    aggregates = {}
    for name, moment in moments.items():
        aggregates[f"{name}_open"] = Count("pk", filter=_open_at(moment))
        aggregates[f"{name}_staff"] = Count("responsible", distinct=True, filter=_open_at(moment))
    # Only pathways that can be open at one of the moments: a bounded slice of the history.
    first, last = min(moments.values()), max(moments.values())
    base = _pathways(actor, filters).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=first),
        responsible__isnull=False,
        created_at__lt=last,
    )
    row = base.aggregate(**aggregates)
    per_staff = (
        base.filter(_open_at(moments["cur"]))
        .values("responsible", "responsible__first_name", "responsible__last_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "responsible__first_name", "responsible__last_name")
    )
    rows = tuple(
        Row(
            label=f"{r['responsible__first_name']} {r['responsible__last_name']}".strip(),
            value=r["n"],
            key=f"staff={r['responsible']}",
        )
        for r in per_staff
    )
    return KpiResult(
        value=share(row["cur_open"], row["cur_staff"]),
        previous=share(row["prev_open"], row["prev_staff"]),
        numerator=row["cur_open"],
        denominator=row["cur_staff"],
        series=tuple(
            Point(
                month=m.start,
                value=share(row[f"m{i}_open"], row[f"m{i}_staff"]),
                numerator=row[f"m{i}_open"],
                denominator=row[f"m{i}_staff"],
            )
            for i, m in enumerate(months)
        ),
        tables=(
            Table(title=_("Open pathways per staff member"), rows=rows, value_header=_("Open")),
        ),
    )


def caseload_population(actor: User, filters: Filters, part: str, key: str) -> QuerySet[Pathway]:
    """Pathways with a responsible member of staff, open at the end of the period."""
    qs = _pathways(actor, filters).filter(
        _open_at(caseload_moment(filters.period)), responsible__isnull=False
    )
    dim, value = _split_key(key)
    if dim == "staff" and value.isdigit():
        qs = qs.filter(responsible_id=int(value))
    return qs
