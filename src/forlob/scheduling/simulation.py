"""Replaying the past year's GOPs: first come, first served against the booking optimiser.

For each of the past weeks, the hospital re-training plans (GOPs) received that week are booked
again from scratch, once by the first-come-first-served rule (``engine.greedy``: each plan in the
order it came in takes the earliest time it can) and once by the optimiser (``engine.solve``),
into the therapists' calendars as they were. The share offered a first time within 7 days of
discharge under each rule, beside the share actually achieved, tells a manager what the
optimiser is worth on their own data.

The calendar a week is replayed into, and its simplifications:

* Free time is what ``scheduling.selectors.free_windows`` gives (working hours and extra capacity
  within opening hours, minus absences and every busy appointment), with the *first
  appointments of the replayed plans* put back: those are the times being re-decided. Every
  other appointment stays where it was, including other citizens' first times and the
  replayed citizens' own follow-ups and re-booked times (in reality they would have moved with
  the first time; replaying them too would need the whole course of each pathway).
* Each week is replayed on its own against that calendar: the previous week's plans keep the
  times they really got, not the ones the replay gave them. So the weeks do not compound, and a
  week's shares say what a better plan for *that week's* plans could have achieved.
* The therapists are today's (``therapists_for``) with today's competencies and daily cap of new
  citizens; staff who left during the year are missing, new staff count for the whole year.
* A plan can be offered a time from the day after it arrived, and never before the day after
  discharge (training starts at home). Times after the deadline are looked for up to
  ``LATE_DAYS`` later; a plan with none there counts as not offered in time either way.
* Plans rejected at intake (another municipality's, duplicates, free choice elsewhere) are left
  out: they never needed a time.

Nothing here reads or shows a citizen: only ids and dates go into the optimiser, and only
counts come out, so nothing is audited.
"""

from __future__ import annotations

import dataclasses
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from forlob.core.models import Location, Municipality, User
from forlob.referrals.models import Referral, ReferralType
from forlob.scheduling.models import BUSY_STATUSES, Appointment, SimulationRun
from forlob.scheduling.optimiser import model as opt
from forlob.scheduling.proposals import optimiser_referral, optimiser_therapists
from forlob.scheduling.selectors import free_windows, therapists_for

DEFAULT_WEEKS = 52
# How far past its deadline the replay looks for a time: far enough that the rules behave as
# they would (first come, first served takes a late time and so blocks a later plan's), short
# enough to keep each week's problem small.
LATE_DAYS = 7

Solver = Callable[[opt.Problem], opt.Result]


@dataclass(frozen=True)
class WeekReplay:
    monday: date
    referrals: int  # GOPs received that week (the denominator)
    actual: int  # offered a first time within the deadline, as it really happened
    greedy: int  # ... by first come, first served in the replay
    optimiser: int  # ... by the optimiser in the replay
    bound: int  # at most possible within the deadline (the optimiser's max-flow bound)

    def as_dict(self) -> dict[str, object]:
        return {**dataclasses.asdict(self), "monday": self.monday.isoformat()}


@dataclass(frozen=True)
class Replay:
    weeks: tuple[WeekReplay, ...]
    seconds: float  # wall clock for the whole replay, database reads included
    solver_seconds: dict[str, float]  # time inside each engine, summed over the weeks

    def total(self, what: str) -> int:
        return sum(getattr(w, what) for w in self.weeks)

    def share(self, what: str) -> float | None:
        """Share of the replayed GOPs offered a time within the deadline: ``what`` is
        ``actual``, ``greedy``, ``optimiser`` or ``bound``. None without any GOP."""
        n = self.total("referrals")
        return None if n == 0 else self.total(what) / n

    def totals(self) -> dict[str, object]:
        return {
            "referrals": self.total("referrals"),
            **{k: self.total(k) for k in ("actual", "greedy", "optimiser", "bound")},
            **{f"{k}_share": self.share(k) for k in ("actual", "greedy", "optimiser", "bound")},
            "solver_seconds": {k: round(v, 3) for k, v in self.solver_seconds.items()},
        }


def replay_mondays(today: date, weeks: int) -> list[date]:
    """The Mondays of the ``weeks`` whole weeks before the week of ``today``, oldest first."""
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=n) for n in range(weeks, 0, -1)]


def _earliest(referral: Referral) -> date:
    """The first day a replayed plan can be offered: the day after it arrived, and after
    discharge."""
    return max(referral.received_date, referral.discharge_date or referral.received_date) + (
        timedelta(days=1)
    )


def _merge(windows: Iterable[opt.FreeWindow]) -> list[opt.FreeWindow]:
    """Join windows of one therapist at one location that touch or overlap.

    A first appointment put back between two free stretches makes one stretch of them, so a new
    time may span the seam. A joined window counts as extra capacity if any part of it was.
    """
    merged: list[opt.FreeWindow] = []
    for w in sorted(windows, key=lambda w: (w.therapist_id, w.location_id, w.start)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.therapist_id == w.therapist_id
            and last.location_id == w.location_id
            and w.start <= last.end
        ):
            merged[-1] = dataclasses.replace(
                last, end=max(last.end, w.end), extra=last.extra or w.extra
            )
        else:
            merged.append(w)
    return sorted(merged, key=lambda w: (w.start, w.therapist_id))


def replay(
    *,
    municipality: Municipality,
    today: date,
    weeks: int = DEFAULT_WEEKS,
    greedy: Solver | None = None,
    solve: Solver | None = None,
) -> Replay:
    """Replay the GOPs of the ``weeks`` whole weeks before ``today``'s week (see the module).

    Definition of each share: numerator, the week's GOPs (received Monday–Sunday, not rejected)
    offered a first time on or before their offer deadline; denominator, all of the week's GOPs.
    ``actual`` counts the first time really offered (``Pathway.first_offer_within_deadline``);
    ``greedy`` and ``optimiser`` the replays; ``bound`` the most any plan could achieve.
    """
    if greedy is None or solve is None:
        from forlob.scheduling.optimiser import engine  # OR-Tools is heavy: load on use

        greedy = greedy or engine.greedy
        solve = solve or engine.solve
    started = clock.perf_counter()
    mondays = replay_mondays(today, weeks)
    referrals_by_week: dict[date, list[Referral]] = defaultdict(list)
    for r in (
        Referral.objects.filter(
            municipality=municipality,
            referral_type__code=ReferralType.GOP,
            received_date__gte=mondays[0] if mondays else today,
            received_date__lt=mondays[-1] + timedelta(days=7) if mondays else today,
        )
        .exclude(status=Referral.Status.REJECTED)
        .select_related("referral_type", "pathway")
        .order_by("received_date", "pk")
    ):
        referrals_by_week[r.received_date - timedelta(days=r.received_date.weekday())].append(r)
    all_refs = [r for refs in referrals_by_week.values() for r in refs]

    # The first appointments being re-decided: put back into the calendar, and off the daily
    # count of new citizens.
    firsts: dict[int, list[tuple[int, int, datetime, datetime]]] = defaultdict(list)
    for referral_id, staff_id, location_id, start, end in Appointment.objects.filter(
        pathway__referral__in=[r.pk for r in all_refs],
        is_first=True,
        status__in=BUSY_STATUSES,
    ).values_list("pathway__referral_id", "staff_id", "location_id", "start", "end"):
        firsts[referral_id].append((staff_id, location_id, start, end))

    users = list(therapists_for(municipality_id=municipality.pk))
    default_location = (
        Location.objects.filter(municipality=municipality, is_active=True).order_by("pk").first()
    )
    ranges = {}
    for m in mondays:
        refs = referrals_by_week.get(m, [])
        if refs:
            first_day = min(_earliest(r) for r in refs)
            last_day = max(max(r.offer_deadline or _earliest(r) for r in refs), first_day)
            ranges[m] = (first_day, last_day + timedelta(days=LATE_DAYS))
    windows_by_day: dict[date, list[opt.FreeWindow]] = defaultdict(list)
    if ranges:
        for w in free_windows(
            staff_ids=[u.pk for u in users],
            first_day=min(a for a, _b in ranges.values()),
            last_day=max(b for _a, b in ranges.values()),
            default_location=default_location,
        ):
            windows_by_day[timezone.localdate(w.start)].append(
                opt.FreeWindow(w.staff_id, w.location_id, w.start, w.end, w.extra)
            )

    results: list[WeekReplay] = []
    solver_seconds: Counter[str] = Counter()
    for m in mondays:
        refs = referrals_by_week.get(m, [])
        actual = sum(
            1
            for r in refs
            if getattr(r, "pathway", None) is not None and r.pathway.first_offer_within_deadline
        )
        if not refs:
            results.append(WeekReplay(m, 0, 0, 0, 0, 0))
            continue
        first_day, last_day = ranges[m]
        problem = _week_problem(
            refs=refs,
            users=users,
            firsts=firsts,
            windows_by_day=windows_by_day,
            first_day=first_day,
            last_day=last_day,
        )
        by_rule = greedy(problem)
        best = solve(problem)
        solver_seconds["greedy"] += by_rule.seconds
        solver_seconds["optimiser"] += best.seconds
        results.append(
            WeekReplay(
                monday=m,
                referrals=len(refs),
                actual=actual,
                greedy=by_rule.within_deadline,
                optimiser=best.within_deadline,
                bound=best.bound_within_deadline,
            )
        )
    return Replay(
        weeks=tuple(results),
        seconds=clock.perf_counter() - started,
        solver_seconds=dict(solver_seconds),
    )


def _week_problem(
    *,
    refs: list[Referral],
    users: list[User],
    firsts: dict[int, list[tuple[int, int, datetime, datetime]]],
    windows_by_day: dict[date, list[opt.FreeWindow]],
    first_day: date,
    last_day: date,
) -> opt.Problem:
    """One week's plans, and the calendar from their earliest day to the last deadline + late."""
    therapists = [
        t for t in optimiser_therapists(users, first_day, last_day) if t.competencies
    ]  # a GOP always needs a competence: the others would only slow the solver down
    ids = {t.id for t in therapists}
    put_back: list[opt.FreeWindow] = []
    not_new: dict[int, Counter[date]] = defaultdict(Counter)
    for r in refs:
        for staff_id, location_id, start, end in firsts.get(r.pk, ()):
            day = timezone.localdate(start)
            if staff_id in ids and first_day <= day <= last_day:
                put_back.append(opt.FreeWindow(staff_id, location_id, start, end))
                not_new[staff_id][day] += 1
    windows = [
        w
        for n in range((last_day - first_day).days + 1)
        for w in windows_by_day.get(first_day + timedelta(days=n), ())
        if w.therapist_id in ids
    ]
    therapists = [
        dataclasses.replace(
            t,
            new_already={
                d: k - not_new[t.id][d]
                for d, k in t.new_already.items()
                if k - not_new[t.id][d] > 0
            },
        )
        if not_new.get(t.id)
        else t
        for t in therapists
    ]
    return opt.Problem(
        # The adapter's conversion, with the replay's own first day (not "today").
        referrals=tuple(
            dataclasses.replace(optimiser_referral(r, today=_earliest(r)), earliest=_earliest(r))
            for r in refs
        ),
        therapists=tuple(therapists),
        windows=tuple(_merge(windows + put_back)),
        late_horizon_days=LATE_DAYS,
    )


def simulation_run_save(
    *, municipality: Municipality, weeks: int, result: Replay, actor: User | None = None
) -> SimulationRun:
    """Keep a replay's result for the capacity page."""
    return SimulationRun.objects.create(
        municipality=municipality,
        created_by=actor,
        weeks=weeks,
        totals=result.totals(),
        per_week=[w.as_dict() for w in result.weeks],
        seconds=round(result.seconds, 3),
    )


def simulation_run_create(
    *,
    municipality: Municipality,
    actor: User | None = None,
    weeks: int = DEFAULT_WEEKS,
    today: date | None = None,
) -> SimulationRun:
    """Replay the past ``weeks`` and keep the result.

    Deliberately not one transaction: the replay only reads, and on SQLite a transaction holds
    the database's write lock from its start, which would stop every booking for as long as the
    replay runs. Only the final insert writes.
    """
    today = today or timezone.localdate()
    result = replay(municipality=municipality, today=today, weeks=weeks)
    return simulation_run_save(municipality=municipality, weeks=weeks, result=result, actor=actor)
