"""Property tests on random small problems: hard rules, never worse than greedy, bounds hold.

The problems span the change to summer time (Sunday 29 March 2026), with windows off the grid,
overlapping windows, extra blocks, full days, unavailable days and deadlines already passed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from forlob.scheduling.optimiser import engine
from forlob.scheduling.optimiser.lp import mip_optimum
from forlob.scheduling.optimiser.model import FreeWindow, Problem, Referral, Therapist

from .checks import assert_feasible

CPH = ZoneInfo("Europe/Copenhagen")
BASE = date(2026, 3, 25)  # Wednesday; the horizon crosses the DST change
AREAS = ("orthopaedic", "medical", "neurological")
DAYS = 10


def day(offset: int) -> date:
    return BASE + timedelta(days=offset)


@st.composite
def problems(draw: st.DrawFn, lengths: st.SearchStrategy[int] | None = None) -> Problem:
    if lengths is None:
        lengths = st.sampled_from((30, 45, 60))
    n_t = draw(st.integers(1, 4))
    therapists = [
        Therapist(
            id=t,
            competencies=draw(
                st.dictionaries(st.sampled_from(AREAS), st.integers(1, 3), max_size=3)
            ),
            max_new_per_day=draw(st.integers(0, 3)),
            new_already=draw(
                st.dictionaries(st.integers(0, DAYS - 1).map(day), st.integers(0, 3), max_size=3)
            ),
        )
        for t in range(1, n_t + 1)
    ]
    windows = []
    for _ in range(draw(st.integers(0, 14))):
        start = datetime.combine(day(draw(st.integers(0, DAYS - 1))), time(0), tzinfo=CPH).replace(
            hour=draw(st.integers(6, 19)), minute=draw(st.sampled_from((0, 0, 15, 30, 45, 10)))
        )
        # Real time, so a window over the DST change is as long as it says.
        end = (
            start.astimezone(ZoneInfo("UTC")) + timedelta(minutes=15 * draw(st.integers(1, 12)))
        ).astimezone(CPH)
        windows.append(
            FreeWindow(
                therapist_id=draw(st.integers(1, n_t)),
                location_id=draw(st.integers(1, 2)),
                start=start,
                end=end,
                extra=draw(st.booleans()) and draw(st.booleans()),
            )
        )
    referrals = []
    for r in range(1, draw(st.integers(1, 8)) + 1):
        received = draw(st.integers(0, 3))
        earliest = received + draw(st.integers(0, 2))
        deadline = draw(st.none() | st.integers(-1, 5).map(lambda d, e=earliest: day(e + d)))
        area = draw(st.sampled_from(("", *AREAS)))
        referrals.append(
            Referral(
                id=r * 7,
                received=day(received),
                earliest=day(earliest),
                deadline=deadline,
                minutes=draw(lengths),
                area=area,
                level=draw(st.integers(0, 3)) if area else 0,
                preferred_location_id=draw(st.none() | st.integers(1, 2)),
                unavailable_days=frozenset(
                    draw(st.sets(st.integers(0, DAYS - 1).map(day), max_size=3))
                ),
                known_therapist_id=draw(st.none() | st.integers(1, n_t)),
            )
        )
    return Problem(
        referrals=tuple(referrals),
        therapists=tuple(therapists),
        windows=tuple(windows),
        late_horizon_days=draw(st.integers(0, 5)),
    )


@given(problems())
def test_no_proposal_breaks_a_hard_rule(problem: Problem) -> None:
    assert_feasible(problem, engine.solve(problem))
    assert_feasible(problem, engine.greedy(problem))


@given(problems())
def test_the_optimiser_is_never_worse_than_greedy(problem: Problem) -> None:
    best, fcfs = engine.solve(problem), engine.greedy(problem)
    assert best.within_deadline >= fcfs.within_deadline
    with_deadline = sum(r.deadline is not None for r in problem.referrals)
    if fcfs.within_deadline == with_deadline:
        assert best.within_deadline == with_deadline
    assert best.objective <= fcfs.objective
    assert best.lower_bound is not None and best.lower_bound <= best.objective
    assert best.bound_within_deadline == fcfs.bound_within_deadline
    assert best.bound_within_deadline == engine.max_within_deadline(problem)


@given(problems(lengths=st.just(60)))
def test_with_one_appointment_length_the_flow_is_exact(problem: Problem) -> None:
    """No knapsack left: the max-flow bound is met and the plan's cost is its LP bound."""
    result = engine.solve(problem)
    assert result.within_deadline == result.bound_within_deadline
    assert result.objective == result.lower_bound


@given(problems())
def test_bounds_bracket_the_true_optimum(problem: Problem) -> None:
    """An exact MIP of the same problem (every window's knapsack modelled) lies between the
    flow's bound and the plan; with one length the plan is that optimum."""
    result = engine.solve(problem)
    optimum, _, proved = mip_optimum(problem, time_limit_s=20)
    assert optimum is not None and proved
    assert result.lower_bound <= round(optimum) <= result.objective
    if len({r.minutes for r in problem.referrals}) == 1:
        assert result.objective == round(optimum)
