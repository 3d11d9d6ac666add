"""Worked examples for each rule and each part of the objective, optimiser against baseline."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from forlob.scheduling.optimiser import engine, plan
from forlob.scheduling.optimiser.costs import Costs
from forlob.scheduling.optimiser.instances import generate
from forlob.scheduling.optimiser.lp import lp_bound, mip_optimum
from forlob.scheduling.optimiser.model import FreeWindow, Problem, Reason, Shortfall
from forlob.scheduling.optimiser.slots import Prepared

from .builders import MONDAY, at, problem, referral, therapist, window
from .checks import assert_feasible

TUESDAY, WEDNESDAY, THURSDAY = (MONDAY + timedelta(days=d) for d in (1, 2, 3))


def test_first_come_first_served_gives_away_the_time_a_later_referral_needed() -> None:
    """Referral 1 arrived first with a week to go; referral 2 arrived later and must be seen
    Monday. The only Monday time is worth more to 2: the optimiser gives 1 Thursday instead."""
    p = problem(
        [
            referral(1, day=MONDAY - timedelta(days=1), deadline=MONDAY + timedelta(days=6)),
            referral(2, deadline=MONDAY),
        ],
        [therapist(1, max_new_per_day=1)],
        [window(1, MONDAY, 8, 9), window(1, THURSDAY, 8, 9)],
    )
    best, fcfs = engine.solve(p), engine.greedy(p)
    assert_feasible(p, best)
    assert_feasible(p, fcfs)
    assert {x.referral_id: x.start for x in best.proposals} == {
        1: at(THURSDAY, 8),
        2: at(MONDAY, 8),
    }
    assert (best.within_deadline, fcfs.within_deadline) == (2, 1)
    assert best.bound_within_deadline == fcfs.bound_within_deadline == 2
    assert engine.max_within_deadline(p) == 2
    assert best.objective < fcfs.objective
    assert fcfs.solver == "greedy" and fcfs.lower_bound is None
    assert best.solver == "flow" and best.lower_bound == best.objective
    # Greedy's referral 2 waits until Thursday: three days late, and the shortfall says so.
    (late,) = [x for x in fcfs.proposals if not x.within_deadline]
    assert (late.referral_id, late.days_late, fcfs.total_days_late) == (2, 3, 3)
    assert fcfs.shortfall == (Shortfall("", 0, 1, 1.0),)
    assert best.shortfall == ()


def test_competence_area_and_level() -> None:
    """A specialised neurological referral waits for the one therapist who may take it."""
    p = problem(
        [referral(1, deadline=WEDNESDAY, area="neurological", level=3)],
        [
            therapist(1, competencies={"neurological": 2, "orthopaedic": 3}),
            therapist(2, competencies={"neurological": 3}),
        ],
        [window(1, MONDAY, 8, 12), window(2, TUESDAY, 13, 14)],
    )
    for result in (engine.solve(p), engine.greedy(p)):
        (offer,) = result.proposals
        assert (offer.therapist_id, offer.start) == (2, at(TUESDAY, 13))
        assert Reason.COMPETENCE in offer.reasons


def test_no_one_qualified_means_unassigned_and_a_shortfall() -> None:
    p = problem(
        [referral(7, deadline=WEDNESDAY, area="medical", level=2, minutes=90)],
        [therapist(1, competencies={"medical": 1})],
        [window(1, MONDAY, 8, 16)],
    )
    result = engine.solve(p)
    assert result.proposals == ()
    assert result.unassigned == (7,)
    assert result.bound_within_deadline == 0
    assert result.shortfall == (Shortfall("medical", 2, 1, 1.5),)


def test_room_for_new_citizens_per_day() -> None:
    """Two new citizens a day, one already booked on Monday: one more on Monday, then Tuesday."""
    p = problem(
        [referral(i, deadline=TUESDAY) for i in (1, 2, 3)],
        [therapist(1, max_new_per_day=2, new_already={MONDAY: 1})],
        [window(1, MONDAY, 8, 16), window(1, TUESDAY, 8, 16)],
    )
    for result in (engine.solve(p), engine.greedy(p)):
        assert_feasible(p, result)
        days = sorted(x.start.date() for x in result.proposals)
        assert days == [MONDAY, TUESDAY, TUESDAY]


def test_unavailable_days_and_earliest_are_kept() -> None:
    p = problem(
        [referral(1, deadline=THURSDAY, unavailable_days=frozenset({TUESDAY}), earliest=TUESDAY)],
        [therapist(1)],
        [window(1, d, 8, 9) for d in (MONDAY, TUESDAY, WEDNESDAY)],
    )
    for result in (engine.solve(p), engine.greedy(p)):
        (offer,) = result.proposals
        assert offer.start == at(WEDNESDAY, 8)


def test_urgent_referrals_get_the_earlier_day_at_equal_deadlines() -> None:
    """One time Monday, one Tuesday, both within the deadline: the neurological referral gets
    Monday although the orthopaedic one arrived first."""
    staff = [therapist(1, competencies={"neurological": 3, "orthopaedic": 3}, max_new_per_day=1)]
    p = problem(
        [
            referral(
                1,
                day=MONDAY - timedelta(days=1),
                earliest=MONDAY,
                deadline=WEDNESDAY,
                area="orthopaedic",
                level=1,
            ),
            referral(2, deadline=WEDNESDAY, area="neurological", level=2),
        ],
        staff,
        [window(1, MONDAY, 8, 9), window(1, TUESDAY, 8, 9)],
    )
    result = engine.solve(p)
    by_id = {x.referral_id: x for x in result.proposals}
    assert by_id[2].start == at(MONDAY, 8)
    assert Reason.URGENT_FIRST in by_id[2].reasons
    assert Reason.URGENT_FIRST not in by_id[1].reasons
    assert engine.greedy(p).proposals[0].start == at(MONDAY, 8)  # greedy: referral 1 first


def test_urgent_first_within_a_window() -> None:
    """In one window the most urgent referral takes the first time of the day."""
    p = problem(
        [
            referral(1, deadline=MONDAY, area="orthopaedic", level=1),
            referral(2, deadline=MONDAY, area="orthopaedic", level=3),
        ],
        [therapist(1, competencies={"orthopaedic": 3})],
        [window(1, MONDAY, 8, 10)],
    )
    by_id = {x.referral_id: x for x in engine.solve(p).proposals}
    assert (by_id[2].start, by_id[1].start) == (at(MONDAY, 8), at(MONDAY, 9))


def test_preferred_location_and_known_therapist() -> None:
    staff = [therapist(1), therapist(2)]
    windows = [window(1, MONDAY, 8, 9, location=1), window(2, MONDAY, 8, 9, location=2)]
    prefers_2 = problem([referral(1, deadline=MONDAY, preferred_location_id=2)], staff, windows)
    (offer,) = engine.solve(prefers_2).proposals
    assert (offer.location_id, offer.therapist_id) == (2, 2)
    assert Reason.PREFERRED_LOCATION in offer.reasons

    knows_1 = problem([referral(1, deadline=MONDAY, known_therapist_id=1)], staff, windows)
    (offer,) = engine.solve(knows_1).proposals
    assert offer.therapist_id == 1
    assert Reason.CONTINUITY in offer.reasons


def test_the_deadline_outranks_the_preferred_location() -> None:
    p = problem(
        [referral(1, deadline=MONDAY, preferred_location_id=2)],
        [therapist(1)],
        [window(1, MONDAY, 8, 9, location=1), window(1, TUESDAY, 8, 9, location=2)],
    )
    (offer,) = engine.solve(p).proposals
    assert offer.within_deadline and offer.location_id == 1
    assert Reason.PREFERRED_LOCATION not in offer.reasons


def test_new_citizens_go_to_the_least_loaded_therapist() -> None:
    """Therapist 1 already has three new citizens this week, therapist 2 none."""
    busy = {MONDAY + timedelta(days=d): 1 for d in range(3)}
    p = problem(
        [referral(1, deadline=MONDAY)],
        [therapist(1, max_new_per_day=2, new_already=busy), therapist(2, max_new_per_day=2)],
        [window(t, MONDAY + timedelta(days=d), 8, 12) for t in (1, 2) for d in range(3)],
    )
    (offer,) = engine.solve(p).proposals
    assert offer.therapist_id == 2
    assert Reason.BALANCED_LOAD in offer.reasons
    assert engine.greedy(p).proposals[0].therapist_id == 1  # greedy: lowest id at equal time


def test_extra_capacity_only_when_needed() -> None:
    staff = [therapist(1, max_new_per_day=3)]
    windows = [window(1, MONDAY, 8, 9), window(1, MONDAY, 16, 17, extra=True)]
    one = problem([referral(1, deadline=MONDAY)], staff, windows)
    (offer,) = engine.solve(one).proposals
    assert offer.start == at(MONDAY, 8) and Reason.EXTRA_CAPACITY not in offer.reasons
    two = problem([referral(1, deadline=MONDAY), referral(2, deadline=MONDAY)], staff, windows)
    result = engine.solve(two)
    assert result.within_deadline == 2
    assert [
        Reason.EXTRA_CAPACITY in x.reasons for x in sorted(result.proposals, key=lambda x: x.start)
    ] == [False, True]


@pytest.mark.parametrize(
    ("minutes", "fits"),
    [((45, 45), 2), ((60, 30), 2), ((30, 30, 30), 3), ((60, 45), 1), ((50, 40), 1)],
)
def test_appointments_of_different_lengths_share_a_window_end_to_end(
    minutes: tuple[int, ...], fits: int
) -> None:
    """A 90-minute window holds appointments end to end, each starting on the 15-minute grid
    (so a 50-minute one blocks an hour: 50 + 40 does not fit)."""
    p = problem(
        [referral(i + 1, deadline=MONDAY, minutes=m) for i, m in enumerate(minutes)],
        [therapist(1, max_new_per_day=5)],
        [window(1, MONDAY, 8, 9.5)],
    )
    for result in (engine.solve(p), engine.greedy(p)):
        assert_feasible(p, result)
        assert result.within_deadline == fits


def test_the_bound_counts_time_not_how_it_packs() -> None:
    """60 + 45 minutes in a 90-minute window: the relaxed bound allows both (each fits, and two
    45s would), the plan can only offer one. The bound is an upper bound, not a promise."""
    p = problem(
        [referral(1, deadline=MONDAY), referral(2, deadline=MONDAY, minutes=45)],
        [therapist(1)],
        [window(1, MONDAY, 8, 9.5)],
    )
    result = engine.solve(p)
    assert result.within_deadline == 1
    assert result.bound_within_deadline == 2
    assert result.objective > result.lower_bound


def test_cut_options_are_the_maximal_ways_to_fill_a_window() -> None:
    """Classes of 4 and 3 cells (60 and 45 minutes): a 9-cell window (2 h 15) holds two hours
    or three 45s — not one hour and one 45, which two hours dominate."""
    p = problem(
        [referral(1, deadline=MONDAY), referral(2, deadline=MONDAY, minutes=45)],
        [therapist(1)],
        [window(1, MONDAY, 8, 10.25)],
    )
    prep = Prepared(p)
    chains = sorted(
        tuple(int(c) for c in plan.block_caps(prep, cut)) for cut in plan.cut_options(prep, 0)
    )
    assert chains == [(0, 3), (2, 2)]


@pytest.mark.parametrize("seed", [1, 12])
def test_choosing_better_cuts_reaches_the_proven_optimum(seed: int, monkeypatch) -> None:
    """Mixed 60- and 45-minute visits: the first cut of each crowded window keeps what the
    relaxed flow wanted there, which can cost the plan (even a referral in time); trying the
    other maximal cuts finds SCIP's proven optimum on these instances."""
    p = generate(
        seed=seed, referrals=30, therapists=6, locations=1, busy_share=0.9,
        holiday_share=0.1, gop_minutes=(60, 45),
    )  # fmt: skip
    optimum, _, proved = mip_optimum(p, time_limit_s=60)
    assert proved
    improved = engine.solve(p)
    assert_feasible(p, improved)
    assert improved.objective == optimum
    monkeypatch.setattr(engine, "IMPROVE_ARC_SOLVES", 0)
    first_cut = engine.solve(p)
    assert first_cut.objective > improved.objective


def test_overlapping_windows_of_one_therapist_are_used_once() -> None:
    """The same hour offered at two locations (and again as an extra block) is one hour."""
    p = problem(
        [referral(i, deadline=MONDAY) for i in (1, 2, 3)],
        [therapist(1, max_new_per_day=5)],
        [
            window(1, MONDAY, 8, 9, location=1),
            window(1, MONDAY, 8, 9, location=2),
            window(1, MONDAY, 8.5, 10, location=2, extra=True),
        ],
    )
    for result in (engine.solve(p), engine.greedy(p)):
        assert_feasible(p, result)
        assert result.within_deadline == 2  # 8:00-9:00 and 9:00-10:00


def test_windows_off_the_grid_start_at_the_next_grid_point() -> None:
    p = problem(
        [referral(1, deadline=MONDAY)],
        [therapist(1)],
        [FreeWindow(1, 1, at(MONDAY, 8, 10), at(MONDAY, 9, 10)), window(1, MONDAY, 10, 11)],
    )
    (offer,) = engine.solve(p).proposals
    assert offer.start == at(MONDAY, 10)  # 8:15-9:15 would end after the window


def test_same_input_same_plan_whatever_the_order() -> None:
    p = generate(seed=3, referrals=60, therapists=12, locations=2, busy_share=0.85)
    shuffled = Problem(
        referrals=tuple(reversed(p.referrals)),
        therapists=tuple(reversed(p.therapists)),
        windows=tuple(reversed(p.windows)),
        tz=p.tz,
    )
    first, again, other = engine.solve(p), engine.solve(p), engine.solve(shuffled)
    assert replace(first, seconds=0) == replace(again, seconds=0) == replace(other, seconds=0)
    assert replace(engine.greedy(p), seconds=0) == replace(engine.greedy(shuffled), seconds=0)


def test_objective_is_the_plan_cost_and_the_lp_bound_is_the_flow_optimum() -> None:
    """The reported objective is what the cost function gives the plan, and GLOP, solving the
    same network as an LP, finds the flow's optimum: the bound is an LP bound."""
    p = generate(seed=5, referrals=40, therapists=8, locations=2, busy_share=0.8)
    result = engine.solve(p)
    prep = Prepared(p)
    index = {r.id: i for i, r in enumerate(prep.referrals)}
    group_of = [-1] * len(prep.referrals)
    for x in result.proposals:
        (w,) = [
            k
            for k, win in enumerate(prep.windows)
            if prep.therapists[win.therapist].id == x.therapist_id
            and win.start <= x.start < win.start + timedelta(minutes=win.units * prep.grid)
        ]
        group_of[index[x.referral_id]] = prep.windows[w].group
    assert Costs(prep).plan_cost(group_of) == result.objective
    value, _ = lp_bound(p)
    assert value is not None
    assert value == pytest.approx(result.lower_bound, rel=1e-9)
    assert result.lower_bound <= result.objective <= engine.greedy(p).objective


def test_naive_times_are_refused() -> None:
    from datetime import datetime

    p = problem(
        [referral(1)],
        [therapist(1)],
        [FreeWindow(1, 1, datetime(2026, 6, 1, 8), datetime(2026, 6, 1, 9))],
    )
    with pytest.raises(ValueError, match="aware"):
        engine.solve(p)
