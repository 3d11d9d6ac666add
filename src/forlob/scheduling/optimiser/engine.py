"""The booking optimiser for first appointments (the 7-day rule), pure Python, no Django.

``solve`` proposes a time for every referral it can; ``greedy`` is the first-come-first-served
baseline a coordinator works by today; ``max_within_deadline`` is the max-flow bound on how many
referrals any plan can offer in time. All three take the same ``Problem`` and are deterministic:
inputs are sorted by id and time, and OR-Tools' flow solvers give the same flow for the same
network.

How it solves
-------------
Offering first times is an assignment of referrals to candidate times with capacities (a
therapist's room for new citizens per day, the time in each free window): a network flow. The
network (``flow``) is solved exactly with OR-Tools' min-cost flow, the objective (``costs``)
in integers, tiered so that "as many as possible within the deadline" dominates by
construction. Only one rule breaks the flow structure: appointments of different lengths in
one window must fit end to end (a knapsack). ``slots`` explains how: each group of windows
starts with a *relaxed* capacity, the flow's referrals are packed into the windows, and only
groups that did not pack are switched to a *restricted* capacity (blocks) that always packs,
then the flow is solved again. With a single appointment length the first flow is exact.

The knapsack is handled inside the flow by relax-and-restrict rather than by CP-SAT. We tried
CP-SAT as the issue suggests (every assignment variable hinted from the flow, 8 workers) on the
150-referral week with 60- and 45-minute visits: it took 11 s to take up the hint and improved
it by 0.4 % in 30 s, while the same week costs the flow 0.1 s; at a region's size (a million
and more candidates) CP-SAT alone makes no progress over a greedy start in 60 s. Where the
restriction costs something it costs only the soft tier (earliness, balance, preferences): the
referrals offered in time meet the max-flow bound in every benchmark instance. With one
appointment length (every GOP first visit is 60 minutes) the first flow is exact. The benchmark
compares the plan with SCIP's proven optimum on the smaller instances and prints the gap.

``Result.solver`` says "flow"; should restricting groups ever make the flow's plan dearer than
greedy's, greedy's plan is returned and ``solver`` says "greedy", so ``solve`` is never worse
than the baseline.

Bounds
------
``lower_bound`` is the optimum of the relaxed network. Every real plan fits the relaxed
network, and a min-cost flow's constraint matrix is totally unimodular, so this integer optimum
*is* the LP relaxation's optimum (``lp.lp_bound`` solves the same LP with GLOP to show it; the
benchmark prints both). ``bound_within_deadline`` is the max flow through the relaxed network on
days up to each deadline: no plan offers more referrals in time.
"""

from __future__ import annotations

from time import perf_counter

import numpy as np

from . import flow
from .costs import Costs
from .greedy import greedy_placements
from .model import Problem, Result
from .plan import Placement, assemble, block_caps, members_of, pack, restrict_around
from .slots import Prepared, qualifies

__all__ = ["greedy", "max_within_deadline", "qualifies", "solve"]


def _groups(prep: Prepared, placements: list[Placement]) -> list[int]:
    group_of = [-1] * len(prep.referrals)
    for i, w, _ in placements:
        group_of[i] = prep.windows[w].group
    return group_of


def solve(problem: Problem, *, time_limit_s: float = 30.0) -> Result:
    """The best plan: most referrals within their deadline, then least delay, then the rest.

    ``time_limit_s`` bounds the relax-and-restrict rounds (usually one to four, each a flow):
    past half of it, every group that could still fail to pack is restricted at once, so one
    more flow finishes the job.
    """
    started = perf_counter()
    prep = Prepared(problem)
    costs = Costs(prep)
    net = flow.build(prep, costs)
    mcf, _ = flow.min_cost_solver(net)
    lower_bound = flow.solve_min_cost(mcf)
    objective = lower_bound
    blocks: dict[int, list[list[int]]] = {}  # the cut of each restricted group
    n = len(prep.referrals)
    while True:
        group_of = flow.assignment(net, mcf, n)
        placements, failing = pack(prep, group_of, blocks)
        if not failing:
            break
        members = members_of(group_of)
        if perf_counter() - started > time_limit_s / 2:
            # Out of time for rounds: cut every group that could still fail, so that the next
            # flow packs whatever it does.
            failing = [int(g) for g in np.flatnonzero(~prep.g_exact) if int(g) not in blocks]
        for g in failing:
            blocks[g] = restrict_around(prep, g, members.get(g, []))
            caps = block_caps(prep, blocks[g])
            for arc, k in zip(net.chain_arcs[g], net.chain_classes[g], strict=True):
                mcf.set_arc_capacity(int(arc), int(caps[k]))
        objective = flow.solve_min_cost(mcf)
    solver = "flow"
    if blocks:
        fallback = greedy_placements(prep)
        fallback_cost = costs.plan_cost(_groups(prep, fallback))
        if fallback_cost < objective:
            placements, objective, solver = fallback, fallback_cost, "greedy"
    bound = flow.max_within(prep, net)
    return assemble(
        prep,
        costs,
        placements,
        objective=objective,
        lower_bound=lower_bound,
        bound=bound,
        solver=solver,
        seconds=perf_counter() - started,
    )


def greedy(problem: Problem) -> Result:
    """First come, first served: in received order, each referral takes the earliest time."""
    started = perf_counter()
    prep = Prepared(problem)
    costs = Costs(prep)
    placements = greedy_placements(prep)
    objective = costs.plan_cost(_groups(prep, placements))
    seconds = perf_counter() - started  # the bound below is not part of greedy's work
    bound = flow.max_within(prep, flow.build(prep, costs))
    return assemble(
        prep,
        costs,
        placements,
        objective=objective,
        lower_bound=None,
        bound=bound,
        solver="greedy",
        seconds=seconds,
    )


def max_within_deadline(problem: Problem) -> int:
    """Max-flow bound: the most referrals that any plan can offer a time within the deadline."""
    prep = Prepared(problem)
    return flow.max_within(prep, flow.build(prep, Costs(prep)))
