"""The managers' capacity view: expected GOPs, hours for new citizens, and the weeks at risk.

Three reads, each a key figure with its definition in the docstring (as in
``monitoring/selectors.py``):

* ``forecast_referrals``: how many hospital re-training plans (GOP) are expected per week and
  diagnosis area (and level) over the next weeks, from the same weeks last year;
* ``available_hours``: how many first appointments the therapists can take per week, per
  competence, from their calendars as they stand (working hours, extra capacity, absences and
  what is already booked);
* ``assess`` / ``weeks_at_risk``: the weeks where the expected plans needing a competence exceed
  the first appointments that therapists with that competence can offer: the 7-day rule is at
  risk there, and a manager can open extra capacity (``capacity_services``) before it happens.

Everything here is aggregate: no citizen is named, so nothing is audited.

The planning weeks are whole ISO weeks (Monday to Sunday), starting with the first Monday on or
after ``today``: the current week's referrals are the intake inbox's business, the capacity view
looks ahead.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Min
from django.utils import timezone

from forlob.core.choices import GOP_LEVEL_RANK, DiagnosisArea, GopLevel
from forlob.core.models import Competency, Location, Municipality
from forlob.referrals.models import Referral, ReferralType
from forlob.scheduling.models import BUSY_STATUSES, Appointment
from forlob.scheduling.selectors import SLOT_GRID_MINUTES, free_windows, therapists_for

DEFAULT_WEEKS = 12
# The municipality's planning assumption: 5 % more pathways a year within the same budget
# (DOMAIN.md, "Rules and targets").
DEFAULT_GROWTH = 0.05
# Last year's week and its two neighbours, weighted 1-2-1: one odd week (an Easter that fell a
# week earlier, a stray batch of plans) does not dominate the forecast, and the seasonal shape
# (the July and December dips) survives.
SMOOTHING: tuple[tuple[int, int], ...] = ((-1, 1), (0, 2), (1, 1))
# 52 weeks back lands on the same weekday (ISO week numbers shift by one at most after a
# 53-week year).
YEAR = timedelta(weeks=52)
FALLBACK_FIRST_MINUTES = 60

AREAS: tuple[str, ...] = tuple(a.value for a in DiagnosisArea)
LEVELS: tuple[str, ...] = tuple(lv.value for lv in GopLevel)  # basal, advanced, specialised
RANK_LEVEL: dict[int, str] = {GOP_LEVEL_RANK[GopLevel(lv)]: lv for lv in LEVELS}

Competence = tuple[str, str]  # (diagnosis area, GOP level)


def planning_mondays(today: date, weeks: int = DEFAULT_WEEKS) -> list[date]:
    """The Mondays of the ``weeks`` whole weeks that begin on or after ``today``."""
    first = today + timedelta(days=(7 - today.weekday()) % 7)
    return [first + timedelta(weeks=n) for n in range(weeks)]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _gop_first_minutes() -> int:
    """Length of a GOP's first appointment: the referral type's setting (an administrator's)."""
    minutes = (
        ReferralType.objects.filter(code=ReferralType.GOP)
        .values_list("first_appointment_minutes", flat=True)
        .first()
    )
    return minutes or FALLBACK_FIRST_MINUTES


# --- the forecast ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekForecast:
    """Expected GOP referrals in the week beginning ``monday``, per (area, level)."""

    monday: date
    expected: Mapping[Competence, float]
    history_weeks: int  # how many of last year's weeks (0–3) the forecast rests on

    @property
    def iso_week(self) -> int:
        return self.monday.isocalendar().week

    def for_area(self, area: str) -> float:
        return sum(v for (a, _level), v in self.expected.items() if a == area)

    @property
    def total(self) -> float:
        return sum(self.expected.values())


def forecast_referrals(
    *,
    municipality: Municipality,
    today: date,
    weeks: int = DEFAULT_WEEKS,
    growth: float = DEFAULT_GROWTH,
) -> list[WeekForecast]:
    """Expected GOP referrals per planning week, diagnosis area and level.

    Definition, for the week beginning Monday M: the GOPs the municipality *received*
    (``received_date``) in the weeks beginning M − 53, M − 52 and M − 51 weeks, weighted 1-2-1
    (``SMOOTHING``), times ``1 + growth`` (default the 5 %/year target). Rejected plans (another
    municipality's, sent in error, duplicates, free choice elsewhere) never needed a time and are
    left out; a plan without a level counts as basal, one without an area is left out.

    Only whole weeks of history count: a week that began before the municipality's first GOP
    was received, or has not ended yet, is left out and the weights of the others are scaled
    up. Without any history the forecast is 0 (``history_weeks`` says so).
    """
    mondays = planning_mondays(today, weeks)
    base_weeks = {
        m: [(m - YEAR + timedelta(weeks=offset), weight) for offset, weight in SMOOTHING]
        for m in mondays
    }
    gops = Referral.objects.filter(
        municipality=municipality, referral_type__code=ReferralType.GOP
    ).exclude(status=Referral.Status.REJECTED)
    history_start = gops.aggregate(first=Min("received_date"))["first"]
    all_bases = [b for pairs in base_weeks.values() for b, _w in pairs]
    counts: dict[date, Counter[Competence]] = defaultdict(Counter)
    if history_start is not None and all_bases:
        rows = (
            gops.filter(
                received_date__gte=min(all_bases),
                received_date__lte=max(all_bases) + timedelta(days=6),
            )
            .exclude(diagnosis_area="")
            .values_list("received_date", "diagnosis_area", "gop_level")
        )
        for received, area, level in rows:
            counts[_monday(received)][(area, level or GopLevel.BASAL)] += 1

    result = []
    for m in mondays:
        usable = [
            (b, w)
            for b, w in base_weeks[m]
            if history_start is not None and b >= history_start and b + timedelta(days=6) < today
        ]
        total_weight = sum(w for _b, w in usable)
        expected: dict[Competence, float] = {}
        if total_weight:
            for competence in itertools.product(AREAS, LEVELS):
                mean = sum(w * counts[b][competence] for b, w in usable) / total_weight
                expected[competence] = mean * (1 + growth)
        else:
            expected = {c: 0.0 for c in itertools.product(AREAS, LEVELS)}
        result.append(WeekForecast(monday=m, expected=expected, history_weeks=len(usable)))
    return result


# --- the capacity -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TherapistWeek:
    """One therapist's first-appointment capacity in one week."""

    staff_id: int
    competencies: Mapping[str, int]  # area -> highest level as a rank (1 basal .. 3 specialised)
    slots: int  # first appointments that fit in the week
    extra_slots: int  # of which only fit because of extra capacity blocks

    def can_take(self, area: str, level: str) -> bool:
        return self.competencies.get(area, 0) >= GOP_LEVEL_RANK[GopLevel(level)]


@dataclass(frozen=True)
class WeekCapacity:
    """First appointments the therapists can offer in the week beginning ``monday``."""

    monday: date
    first_minutes: int  # length of a GOP's first appointment
    therapists: tuple[TherapistWeek, ...]

    def slots_for(self, area: str, level: str = GopLevel.BASAL) -> int:
        """First appointments offered by therapists competent for ``area`` at ``level`` or
        above. A therapist competent in several areas counts in each (see ``assess``)."""
        return sum(t.slots for t in self.therapists if t.can_take(area, level))

    def hours_for(self, area: str, level: str = GopLevel.BASAL) -> float:
        return self.slots_for(area, level) * self.first_minutes / 60

    @property
    def slots(self) -> int:
        """First appointments offered by anyone competent in some diagnosis area."""
        return sum(t.slots for t in self.therapists)

    @property
    def hours(self) -> float:
        return self.slots * self.first_minutes / 60

    @property
    def extra_hours(self) -> float:
        return sum(t.extra_slots for t in self.therapists) * self.first_minutes / 60


def _fits(start: datetime, end: datetime, minutes: int) -> int:
    """How many appointments of ``minutes`` fit end to end in a window, starting on the grid."""
    local = timezone.localtime(start)
    grid = SLOT_GRID_MINUTES * 60
    past = (local.minute * 60 + local.second) % grid + local.microsecond / 1e6
    first = start + timedelta(seconds=(grid - past) % grid)
    return max(0, int((end - first).total_seconds() // (minutes * 60)))


def available_hours(
    *, municipality: Municipality, today: date, weeks: int = DEFAULT_WEEKS
) -> list[WeekCapacity]:
    """Capacity for *new* GOP citizens per planning week, per therapist (and so per competence).

    What counts as capacity: the 7-day rule needs a *first* appointment, and a therapist can take
    only so many new citizens a day (``User.max_new_citizens_per_day``; the rest of the day goes
    to citizens already in training). So, per therapist and day:

        first appointments = min(fits, max_new_citizens_per_day − first appointments booked)

    where ``fits`` counts the GOP first appointments (``ReferralType.first_appointment_minutes``,
    60 by default) that fit end to end, on the 15-minute grid, into the day's *free windows*
    (``scheduling.selectors.free_windows``): working hours and opened extra capacity, cut to the
    location's opening hours, minus absences (holidays and courses planned ahead are known) and
    minus every appointment already booked. Hours are those first appointments × their length.

    Why free windows rather than raw working hours: in the next weeks the calendars are already
    filling with follow-up times, and a therapist whose day is full cannot take a new citizen
    however long the day is. Further ahead, where little is booked yet, the daily cap is what
    limits, which is the right answer there too: follow-ups will be booked into the rest.

    Only therapists with a GOP competency (``core.Competency``) are counted: a GOP can only go to
    one of them. Other kinds of new citizens (chronic disease, free physiotherapy) share the same
    daily cap once booked; until they are booked they are not subtracted, so read the figure as
    the most the GOPs can get.
    """
    mondays = planning_mondays(today, weeks)
    first_minutes = _gop_first_minutes()
    competencies: dict[int, dict[str, int]] = defaultdict(dict)
    therapists = list(therapists_for(municipality_id=municipality.pk))
    for staff_id, area, level in Competency.objects.filter(
        staff__in=[t.pk for t in therapists]
    ).values_list("staff_id", "diagnosis_area", "max_level"):
        competencies[staff_id][area] = GOP_LEVEL_RANK.get(level, 0)
    therapists = [t for t in therapists if competencies.get(t.pk)]
    if not mondays or not therapists:
        return [WeekCapacity(m, first_minutes, ()) for m in mondays]
    first_day, last_day = mondays[0], mondays[-1] + timedelta(days=6)
    ids = [t.pk for t in therapists]
    default_location = (
        Location.objects.filter(municipality=municipality, is_active=True).order_by("pk").first()
    )

    fits: Counter[tuple[int, date]] = Counter()
    fits_regular: Counter[tuple[int, date]] = Counter()
    for w in free_windows(
        staff_ids=ids, first_day=first_day, last_day=last_day, default_location=default_location
    ):
        key = (w.staff_id, timezone.localdate(w.start))
        n = _fits(w.start, w.end, first_minutes)
        fits[key] += n
        if not w.extra:
            fits_regular[key] += n
    booked_first: Counter[tuple[int, date]] = Counter()
    for staff_id, start in Appointment.objects.filter(
        staff_id__in=ids,
        is_first=True,
        status__in=BUSY_STATUSES,
        start__gte=timezone.make_aware(datetime.combine(first_day, datetime.min.time())),
        start__lt=timezone.make_aware(
            datetime.combine(last_day + timedelta(days=1), datetime.min.time())
        ),
    ).values_list("staff_id", "start"):
        booked_first[(staff_id, timezone.localdate(start))] += 1

    cap = {t.pk: t.max_new_citizens_per_day for t in therapists}
    slots: Counter[tuple[int, date]] = Counter()  # (staff, monday)
    extra: Counter[tuple[int, date]] = Counter()
    for (staff_id, day), n in fits.items():
        room = max(0, cap[staff_id] - booked_first[(staff_id, day)])
        taken = min(n, room)
        slots[(staff_id, _monday(day))] += taken
        extra[(staff_id, _monday(day))] += taken - min(fits_regular[(staff_id, day)], room)
    return [
        WeekCapacity(
            monday=m,
            first_minutes=first_minutes,
            therapists=tuple(
                TherapistWeek(
                    staff_id=t.pk,
                    competencies=dict(competencies[t.pk]),
                    slots=slots[(t.pk, m)],
                    extra_slots=extra[(t.pk, m)],
                )
                for t in therapists
            ),
        )
        for m in mondays
    ]


# --- the risk -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortage:
    """A group of referrals that needs more first appointments than its therapists can offer.

    ``needs`` maps each area in the group to the lowest level included (level and above)."""

    needs: Mapping[str, str]
    expected: float  # referrals
    slots: int  # first appointments the therapists competent for some part of it can offer

    @property
    def short(self) -> float:
        return self.expected - self.slots

    @property
    def label(self) -> str:
        """E.g. "Neurological (Specialised+), Medical (Basal+)"."""
        return ", ".join(
            f"{DiagnosisArea(area).label} ({GopLevel(level).label}+)"
            for area, level in self.needs.items()
        )


@dataclass(frozen=True)
class AreaWeek:
    area: str
    expected: float  # GOP referrals
    hours_needed: float  # expected × length of a first appointment
    hours_available: float  # therapists competent in the area at some level
    hours_short: float  # how much the week's shortfall would shrink without this area's plans
    shortage: Shortage | None  # the smallest short group this area is part of, when at risk

    @property
    def label(self) -> str:
        return str(DiagnosisArea(self.area).label)

    @property
    def at_risk(self) -> bool:
        return self.shortage is not None


@dataclass(frozen=True)
class WeekAssessment:
    monday: date
    history_weeks: int
    areas: tuple[AreaWeek, ...]
    expected: float
    hours_needed: float
    hours_available: float  # everyone with a GOP competency, each counted once
    extra_hours: float  # of which from extra capacity blocks
    hours_short: float  # first appointments that cannot be placed, in hours (0: none)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def iso_week(self) -> int:
        return self.monday.isocalendar().week

    @property
    def at_risk(self) -> bool:
        return self.hours_short > 0


# Floating-point slack: an expected 3.0000000001 against 3 slots is not a shortage.
_EPSILON = 1e-9

Thresholds = tuple[int, ...]  # per area in AREAS: the lowest level rank in the group, 0 = not in it


def _groups(fc: WeekForecast, cap: WeekCapacity) -> dict[Thresholds, Shortage]:
    """Every group "area A at level ≥ a, area B at level ≥ b, ...": its expected referrals and
    the first appointments of the therapists competent for some part of it."""
    groups = {}
    for thresholds in itertools.product(range(len(LEVELS) + 1), repeat=len(AREAS)):
        needs = {area: RANK_LEVEL[t] for area, t in zip(AREAS, thresholds, strict=True) if t}
        if not needs:
            continue
        expected = sum(
            v
            for (area, level), v in fc.expected.items()
            if area in needs
            and GOP_LEVEL_RANK[GopLevel(level)] >= GOP_LEVEL_RANK[GopLevel(needs[area])]
        )
        slots = sum(
            t.slots
            for t in cap.therapists
            if any(t.can_take(area, level) for area, level in needs.items())
        )
        groups[thresholds] = Shortage(needs=needs, expected=expected, slots=slots)
    return groups


def assess(forecast: list[WeekForecast], capacity: list[WeekCapacity]) -> list[WeekAssessment]:
    """Each planning week: expected demand against capacity, per area, and whether it is at risk.

    Definition. A *group* of referrals is "area A at level ≥ a, area B at level ≥ b, ..." (63
    groups for 3 areas × 3 levels); its supply is the first appointments that the therapists
    competent for *some* part of it can offer in the week. The week's shortfall is the largest
    excess of expected referrals over supply of any group (0 if none exceeds it). By the
    deficiency version of Hall's theorem that is exactly how many first appointments cannot be
    placed however the plans are matched to therapists, so it is also the least extra time, of
    the right competence, that closes the gap. The week is *at risk* when it is above 0.
    Checking each competence on its own is not enough: a therapist competent in two areas
    would be counted in both.

    An area is at risk when the week's shortfall would shrink without that area's plans (its
    ``hours_short`` says by how much); an area whose plans can all be placed in some best
    matching is not. Its ``shortage`` names the smallest group, containing the area, that is
    short because of it: the competence to open extra capacity for.

    The 7-day window is taken as the week itself: the plans received in a week are offered times
    in that week's capacity. In steady state this is exact (Friday's plans take next Monday's
    times, last Friday's took this Monday's); around a holiday read it as an approximation.
    """
    by_monday = {c.monday: c for c in capacity}
    result = []
    for fc in forecast:
        cap = by_monday.get(fc.monday) or WeekCapacity(fc.monday, FALLBACK_FIRST_MINUTES, ())
        hour = cap.first_minutes / 60
        groups = _groups(fc, cap)

        def short(thresholds: Thresholds, groups: dict[Thresholds, Shortage] = groups) -> float:
            group = groups.get(thresholds)
            return 0.0 if group is None else group.short

        shortfall = max(0.0, *(g.short for g in groups.values()))
        areas = []
        for i, area in enumerate(AREAS):
            without = max(0.0, *(short(k) for k in groups if not k[i]))
            # Groups where this area's plans make the difference (short with them, not without).
            culprits = [
                g
                for k, g in groups.items()
                if k[i] and g.short > max(0.0, short((*k[:i], 0, *k[i + 1 :]))) + _EPSILON
            ]
            at_risk = shortfall - without > _EPSILON
            expected = fc.for_area(area)
            areas.append(
                AreaWeek(
                    area=area,
                    expected=expected,
                    hours_needed=expected * hour,
                    hours_available=cap.hours_for(area),
                    hours_short=(shortfall - without) * hour if at_risk else 0.0,
                    shortage=min(culprits, key=lambda g: (len(g.needs), -g.short))
                    if at_risk
                    else None,
                )
            )
        result.append(
            WeekAssessment(
                monday=fc.monday,
                history_weeks=fc.history_weeks,
                areas=tuple(areas),
                expected=fc.total,
                hours_needed=fc.total * hour,
                hours_available=cap.hours,
                extra_hours=cap.extra_hours,
                hours_short=shortfall * hour if shortfall > _EPSILON else 0.0,
            )
        )
    return result


def capacity_overview(
    *,
    municipality: Municipality,
    today: date,
    weeks: int = DEFAULT_WEEKS,
    growth: float = DEFAULT_GROWTH,
) -> list[WeekAssessment]:
    """The capacity page's table: every planning week, at risk or not."""
    return assess(
        forecast_referrals(municipality=municipality, today=today, weeks=weeks, growth=growth),
        available_hours(municipality=municipality, today=today, weeks=weeks),
    )


def weeks_at_risk(
    *,
    municipality: Municipality,
    today: date,
    weeks: int = DEFAULT_WEEKS,
    growth: float = DEFAULT_GROWTH,
) -> list[WeekAssessment]:
    """The planning weeks where the 7-day rule is at risk (see ``assess`` for the definition)."""
    return [
        w
        for w in capacity_overview(
            municipality=municipality, today=today, weeks=weeks, growth=growth
        )
        if w.at_risk
    ]
