"""Independent checks of a booking plan against the problem's hard rules.

Written from the rules, not from the engine's code: the tests must catch a plan that breaks a
rule even if the engine's own bookkeeping believes it is fine.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from forlob.scheduling.optimiser.model import Problem, Result


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def assert_feasible(problem: Problem, result: Result) -> None:
    """Every proposal keeps every hard rule; every referral is proposed or unassigned, once."""
    tz = ZoneInfo(problem.tz)
    referrals = {r.id: r for r in problem.referrals}
    therapists = {t.id: t for t in problem.therapists}
    proposed = [p.referral_id for p in result.proposals]
    assert len(proposed) == len(set(proposed)), "a referral proposed twice"
    assert set(proposed).isdisjoint(result.unassigned)
    assert set(proposed) | set(result.unassigned) == set(referrals)

    per_day: Counter[tuple[int, date]] = Counter()
    by_therapist = defaultdict(list)
    within = late_total = 0
    for p in result.proposals:
        r = referrals[p.referral_id]
        t = therapists[p.therapist_id]
        day = local_day(p.start, tz)
        # Competence: no area needs nothing; an area needs the therapist in it at the level.
        if r.area:
            assert r.area in t.competencies, (r, t)
            assert t.competencies[r.area] >= r.level, (r, t)
        # The appointment lies inside one free window of that therapist at that location.
        # (Compared in UTC: Python compares datetimes that share a tzinfo on the wall clock.)
        start, end = p.start.astimezone(UTC), p.end.astimezone(UTC)
        assert end - start == timedelta(minutes=r.minutes)
        assert any(
            w.therapist_id == t.id
            and w.location_id == p.location_id
            and w.start.astimezone(UTC) <= start
            and end <= w.end.astimezone(UTC)
            for w in problem.windows
        ), p
        # On the booking grid of the local wall clock.
        local = p.start.astimezone(tz)
        assert (local.hour * 60 + local.minute) % problem.grid_minutes == 0 and local.second == 0
        # Allowed days.
        assert day >= r.earliest
        assert day not in r.unavailable_days
        assert day <= (r.deadline or r.earliest) + timedelta(days=problem.late_horizon_days)
        # Lateness in calendar days in Copenhagen.
        expected_late = 0 if r.deadline is None else max(0, (day - r.deadline).days)
        assert p.days_late == expected_late
        assert p.within_deadline == (r.deadline is not None and day <= r.deadline)
        within += p.within_deadline
        late_total += p.days_late
        per_day[(t.id, day)] += 1
        by_therapist[t.id].append(p)
    for (tid, day), count in per_day.items():
        t = therapists[tid]
        assert count <= t.max_new_per_day - t.new_already.get(day, 0), (tid, day)
    for props in by_therapist.values():
        props.sort(key=lambda p: p.start.astimezone(UTC))
        for a, b in pairwise(props):
            assert a.end.astimezone(UTC) <= b.start.astimezone(UTC), f"overlap: {a} / {b}"
    assert result.within_deadline == within
    assert result.total_days_late == late_total
    assert result.within_deadline <= result.bound_within_deadline
    for p in result.proposals:
        r = referrals[p.referral_id]
        if r.deadline is not None or r.area:  # within/late or competence always applies
            assert p.reasons, p
