"""Reads of the cluster app. Each figure is one function whose docstring is its definition.

The figures are aggregates over the imported hospital events (see ``cluster/README.md``):
counts per calendar month of the event date. Only *inpatient* admissions and discharges count
(MedCom ``admit-inpatient`` and ``discharge-inpatient-home``); acute ambulatory stays and leave
are stored but are not admissions. ``sector`` "" means somatic and psychiatric together.
Cluster figures are shared between the municipalities of the cluster (aggregates only); lists
that name people are scoped by ``forlob.access`` in the views.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from forlob.cluster.models import (
    ADMISSION_CODES,
    DISCHARGE_CODES,
    AuditCase,
    FollowUpVisit,
    HospitalEvent,
    PopulationFigure,
)
from forlob.core.models import Municipality

READMISSION_DAYS = 30
PREVENTABLE_MIN_AGE = 65
AUDIT_MIN_ADMISSIONS = 4  # "more than 3 admissions within 3 months"


# --- periods --------------------------------------------------------------------------------------


def next_month(day: date) -> date:
    first = day.replace(day=1)
    return date(first.year + 1, 1, 1) if first.month == 12 else first.replace(month=first.month + 1)


def months_of_year(year: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, 13)]


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_end(start: date) -> date:
    """The first day after the quarter beginning ``start``."""
    return next_month(next_month(next_month(start)))


@dataclass(frozen=True)
class Share:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    @property
    def percent(self) -> float | None:
        v = self.value
        return None if v is None else round(100 * v, 1)


def _events(municipality_id: int, start: date, end: date, sector: str) -> QuerySet[HospitalEvent]:
    qs = HospitalEvent.objects.filter(
        municipality_id=municipality_id, event_date__gte=start, event_date__lt=end
    )
    return qs.filter(sector=sector) if sector else qs


def _per_month(qs: QuerySet, date_field: str = "event_date") -> dict[date, int]:
    rows = qs.annotate(m=TruncMonth(date_field)).values("m").annotate(n=Count("pk")).order_by()
    return {r["m"] if isinstance(r["m"], date) else r["m"].date(): r["n"] for r in rows}


# --- the figures ----------------------------------------------------------------------------------


def months_with_data(
    *, municipality_id: int, start: date, end: date, sector: str = ""
) -> set[date]:
    """Months in [start, end) with at least one imported event of any kind for the municipality.

    A month without any event is shown as "no data" rather than as zero: nothing was imported.
    """
    return set(_per_month(_events(municipality_id, start, end, sector)))


def discharges(
    *, municipality_id: int, start: date, end: date, sector: str = ""
) -> dict[date, int]:
    """Discharges (udskrivelser) per month.

    Counted: inpatient discharges home (``discharge-inpatient-home``) of people of the
    municipality, by the calendar month of the discharge date, for discharge dates in
    [start, end). Months without any are absent (read as 0).
    """
    return _per_month(
        _events(municipality_id, start, end, sector).filter(activity_code__in=DISCHARGE_CODES)
    )


def admissions(
    *, municipality_id: int, start: date, end: date, sector: str = ""
) -> dict[date, int]:
    """Admissions (indlæggelser) per month: inpatient admissions (``admit-inpatient``) of people
    of the municipality by the calendar month of the admission date, for dates in [start, end)."""
    return _per_month(
        _events(municipality_id, start, end, sector).filter(activity_code__in=ADMISSION_CODES)
    )


def _preventable_stay() -> Q:
    """The admission's own diagnosis is preventable, or another event of the same stay's is."""
    same_stay = HospitalEvent.objects.filter(
        encounter_identifier=OuterRef("encounter_identifier"),
        preventable_group__isnull=False,
    )
    return Q(preventable_group__isnull=False) | (~Q(encounter_identifier="") & Q(Exists(same_stay)))


def preventable_admissions_65(
    *, municipality_id: int, start: date, end: date, sector: str = ""
) -> dict[date, int]:
    """Preventable admissions of people aged 65+ per month (the numerator of the rate).

    Counted: inpatient admissions (``admit-inpatient``) with admission date in [start, end) of
    people of the municipality aged 65 or more on the admission day, whose hospital stay has a
    diagnosis in an active group of the preventable-diagnosis list (the admission's own
    diagnosis, or that of another event of the same stay, e.g. the discharge). By calendar month
    of the admission date.
    """
    qs = _events(municipality_id, start, end, sector).filter(
        activity_code__in=ADMISSION_CODES, age__gte=PREVENTABLE_MIN_AGE
    )
    return _per_month(qs.filter(_preventable_stay()))


def population_65(*, municipality_id: int, year: int) -> int | None:
    """Citizens aged 65+ in the municipality on 1 January of ``year`` (managed figure), or None."""
    return (
        PopulationFigure.objects.filter(municipality_id=municipality_id, year=year)
        .values_list("population_65_plus", flat=True)
        .first()
    )


def per_1000(count: int, population: int | None) -> float | None:
    """``count`` per 1,000 of ``population``; None when the population is unknown or zero."""
    if not population:
        return None
    return 1000 * count / population


@dataclass(frozen=True)
class Readmissions(Share):
    complete: bool = True  # the 30-day window after every discharge of the month has passed


def readmissions_30d(
    *, municipality_id: int, start: date, end: date, today: date, sector: str = ""
) -> dict[date, Readmissions]:
    """30-day readmissions (genindlæggelser) per month of discharge.

    Denominator: the month's inpatient discharges home of people of the municipality (as
    ``discharges``). Numerator: those of them followed by an inpatient admission of the same
    person (same person key, whichever municipality) on one of the 30 days after the discharge
    day (day 1–30; an admission on the discharge day itself counts as a transfer, not a
    readmission). With a sector chosen, both the discharge and the admission are of that sector.
    ``complete`` is False while the 30 days after the month's last day have not all passed:
    the figure may still grow.
    """
    discharges_qs = _events(municipality_id, start, end, sector).filter(
        activity_code__in=DISCHARGE_CODES
    )
    rows = list(discharges_qs.values_list("person_key", "event_date"))
    result: dict[date, Readmissions] = {}
    if not rows:
        return result
    persons = {p for p, _d in rows}
    later = HospitalEvent.objects.filter(
        activity_code__in=ADMISSION_CODES,
        event_date__gt=start,
        event_date__lte=end + timedelta(days=READMISSION_DAYS),
        person_key__in=persons,
    )
    if sector:
        later = later.filter(sector=sector)
    admitted: dict[str, list[date]] = defaultdict(list)
    for person, day in later.values_list("person_key", "event_date"):
        admitted[person].append(day)
    for days in admitted.values():
        days.sort()
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for person, day in rows:
        month = day.replace(day=1)
        counts[month][1] += 1
        days = admitted.get(person, [])
        i = bisect.bisect_right(days, day)  # first admission strictly after the discharge day
        if i < len(days) and days[i] <= day + timedelta(days=READMISSION_DAYS):
            counts[month][0] += 1
    for month, (readmitted, total) in counts.items():
        last_day = next_month(month) - timedelta(days=1)
        result[month] = Readmissions(
            numerator=readmitted,
            denominator=total,
            complete=today > last_day + timedelta(days=READMISSION_DAYS),
        )
    return result


@dataclass(frozen=True)
class FollowUpCounts:
    discharged: int = 0  # denominator
    screened: int = 0
    consented: int = 0
    agreed: int = 0
    done: int = 0

    @property
    def screening(self) -> Share:
        return Share(self.screened, self.discharged)


def follow_up_counts(*, municipality_id: int, start: date, end: date) -> dict[date, FollowUpCounts]:
    """Follow-up home visits per month of discharge, and the screening rate.

    Denominator ("discharged 78+"): inpatient discharges home in [start, end) of people of the
    municipality aged 78 or more on the discharge day (one follow-up row each). Screened: the
    hospital screened the citizen (yes); consented: the citizen consented; agreed: a visit was
    agreed; done: the visit was carried out. Screening rate = screened / discharged 78+.
    """
    rows = (
        FollowUpVisit.objects.filter(
            municipality_id=municipality_id,
            discharge__event_date__gte=start,
            discharge__event_date__lt=end,
        )
        .annotate(m=TruncMonth("discharge__event_date"))
        .values("m")
        .annotate(
            discharged=Count("pk"),
            screened=Count("pk", filter=Q(screened=True)),
            consented=Count("pk", filter=Q(consent=True)),
            agreed=Count("pk", filter=Q(visit_agreed_on__isnull=False)),
            done=Count("pk", filter=Q(visit_done_on__isnull=False)),
        )
        .order_by()
    )
    return {
        (r["m"] if isinstance(r["m"], date) else r["m"].date()): FollowUpCounts(
            discharged=r["discharged"],
            screened=r["screened"],
            consented=r["consented"],
            agreed=r["agreed"],
            done=r["done"],
        )
        for r in rows
    }


# --- the overview page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureRow:
    """The figures of one month (or a whole year) for one municipality."""

    label: date | int
    has_data: bool
    admissions: int
    discharges: int
    preventable_65: int
    population_65: int | None
    readmissions: Readmissions
    follow_up: FollowUpCounts

    @property
    def preventable_per_1000(self) -> float | None:
        return per_1000(self.preventable_65, self.population_65)


@dataclass(frozen=True)
class Overview:
    municipality: Municipality
    year: int
    sector: str
    population_65: int | None
    months: list[FigureRow] = field(default_factory=list)
    total: FigureRow | None = None


def _sum_rows(label: int, rows: list[FigureRow], population: int | None) -> FigureRow:
    return FigureRow(
        label=label,
        has_data=any(r.has_data for r in rows),
        admissions=sum(r.admissions for r in rows),
        discharges=sum(r.discharges for r in rows),
        preventable_65=sum(r.preventable_65 for r in rows),
        population_65=population,
        readmissions=Readmissions(
            numerator=sum(r.readmissions.numerator for r in rows),
            denominator=sum(r.readmissions.denominator for r in rows),
            complete=all(r.readmissions.complete for r in rows),
        ),
        follow_up=FollowUpCounts(
            discharged=sum(r.follow_up.discharged for r in rows),
            screened=sum(r.follow_up.screened for r in rows),
            consented=sum(r.follow_up.consented for r in rows),
            agreed=sum(r.follow_up.agreed for r in rows),
            done=sum(r.follow_up.done for r in rows),
        ),
    )


def municipality_overview(
    *, municipality: Municipality, year: int, today: date, sector: str = ""
) -> Overview:
    """Every figure of one municipality for each month of ``year`` and for the year as a whole.

    The yearly rate per 1,000 is the year's preventable admissions over the population 65+ of
    1 January; the yearly readmission share is the sum of readmitted over the sum of discharges.
    """
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    kw = {"municipality_id": municipality.pk, "start": start, "end": end}
    with_data = months_with_data(**kw, sector=sector)
    admitted = admissions(**kw, sector=sector)
    discharged = discharges(**kw, sector=sector)
    preventable = preventable_admissions_65(**kw, sector=sector)
    readmitted = readmissions_30d(**kw, sector=sector, today=today)
    follow = follow_up_counts(**kw)
    population = population_65(municipality_id=municipality.pk, year=year)
    months = [
        FigureRow(
            label=m,
            has_data=m in with_data,
            admissions=admitted.get(m, 0),
            discharges=discharged.get(m, 0),
            preventable_65=preventable.get(m, 0),
            population_65=population,
            readmissions=readmitted.get(
                m,
                Readmissions(
                    0,
                    0,
                    complete=today > next_month(m) - timedelta(days=1) + timedelta(days=30),
                ),
            ),
            follow_up=follow.get(m, FollowUpCounts()),
        )
        for m in months_of_year(year)
    ]
    return Overview(
        municipality=municipality,
        year=year,
        sector=sector,
        population_65=population,
        months=months,
        total=_sum_rows(year, months, population),
    )


def cluster_municipalities(*, include: int | None = None) -> list[Municipality]:
    """The municipalities with hospital events or population figures (the cluster)."""
    ids = set(HospitalEvent.objects.values_list("municipality_id", flat=True).distinct())
    ids |= set(PopulationFigure.objects.values_list("municipality_id", flat=True).distinct())
    if include is not None:
        ids.add(include)
    return list(Municipality.objects.filter(pk__in=ids).order_by("name"))


def cluster_overview(
    *, year: int, today: date, sector: str = "", include: int | None = None
) -> list[Overview]:
    """``municipality_overview`` for every municipality of the cluster (the totals compare)."""
    return [
        municipality_overview(municipality=m, year=year, today=today, sector=sector)
        for m in cluster_municipalities(include=include)
    ]


# --- audit ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditCandidate:
    person_key: str
    admissions: int
    age: int
    sex: str
    citizen_id: int | None


def audit_candidates(
    *, municipality_id: int, period_start: date, preventable_only: bool = False
) -> list[AuditCandidate]:
    """People with more than 3 inpatient admissions in the quarter beginning ``period_start``.

    Counted: inpatient admissions (``admit-inpatient``) registered for the municipality with the
    admission date in the quarter; with ``preventable_only``, only admissions whose stay has a
    preventable diagnosis (as in ``preventable_admissions_65``, any age). Four or more qualify.
    Age, sex and citizen link are those of the person's last admission in the quarter. Ordered
    by person key (stable), so a seeded sample is reproducible.
    """
    qs = HospitalEvent.objects.filter(
        municipality_id=municipality_id,
        activity_code__in=ADMISSION_CODES,
        event_date__gte=period_start,
        event_date__lt=quarter_end(period_start),
    )
    if preventable_only:
        qs = qs.filter(_preventable_stay())
    by_person: dict[str, list[tuple[date, int, int, str, int | None]]] = defaultdict(list)
    for row in qs.values_list("person_key", "event_date", "id", "age", "sex", "citizen_id"):
        by_person[row[0]].append(row[1:])
    result = []
    for person in sorted(by_person):
        rows = sorted(by_person[person])
        if len(rows) < AUDIT_MIN_ADMISSIONS:
            continue
        _day, _pk, age, sex, citizen_id = rows[-1]
        result.append(
            AuditCandidate(
                person_key=person, admissions=len(rows), age=age, sex=sex, citizen_id=citizen_id
            )
        )
    return result


def audit_cases(
    *, municipality_id: int, period_start: date, preventable_only: bool
) -> list[AuditCase]:
    return list(
        AuditCase.objects.filter(
            municipality_id=municipality_id,
            period_start=period_start,
            preventable_only=preventable_only,
        )
        .select_related("citizen", "recorded_by")
        .prefetch_related("themes")
    )


def audit_case_events(case: AuditCase) -> list[HospitalEvent]:
    """The person's hospital events in the case's quarter and the 30 days after (no identity)."""
    return list(
        HospitalEvent.objects.filter(
            person_key=case.person_key,
            event_date__gte=case.period_start,
            event_date__lt=quarter_end(case.period_start) + timedelta(days=READMISSION_DAYS),
        )
        .select_related("preventable_group", "municipality")
        .order_by("event_date", "id")
    )


# --- follow-up list -------------------------------------------------------------------------------


FOLLOW_UP_FILTERS = ("all", "not_screened", "awaiting_visit", "done")


def follow_up_visits(
    *, municipality_id: int, month_start: date, status: str = "all"
) -> list[FollowUpVisit]:
    """Follow-up rows of the municipality's discharges 78+ in the month, newest discharge first.

    ``status``: ``not_screened`` (screening unknown), ``awaiting_visit`` (consented, visit not
    done), ``done`` (visit done), else all.
    """
    qs = FollowUpVisit.objects.filter(
        municipality_id=municipality_id,
        discharge__event_date__gte=month_start,
        discharge__event_date__lt=next_month(month_start),
    ).select_related("discharge", "citizen")
    if status == "not_screened":
        qs = qs.filter(screened__isnull=True)
    elif status == "awaiting_visit":
        qs = qs.filter(consent=True, visit_done_on__isnull=True)
    elif status == "done":
        qs = qs.filter(visit_done_on__isnull=False)
    return list(qs.order_by("-discharge__event_date", "id"))
