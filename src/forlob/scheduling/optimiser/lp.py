"""The LP relaxation of the optimiser's network, solved with GLOP.

For a pure min-cost flow the LP relaxation has integral optimal vertices (the node-arc incidence
matrix is totally unimodular), so its optimum equals the flow's integer optimum, which is what
``solve`` reports as ``Result.lower_bound``. This module solves the same LP independently with
GLOP (a simplex code that knows nothing of flows) so the benchmark and the tests can show it.

``mip_optimum`` solves the booking problem itself exactly (SCIP, every window's knapsack
modelled), to measure how far the engine's plan is from the true optimum when appointment
lengths differ. It is far too slow for the engine at a region's size; the benchmark and the
property tests use it on small instances.
"""

from __future__ import annotations

from time import perf_counter

import numpy as np
from ortools.linear_solver import linear_solver_pb2, pywraplp

from . import flow
from .costs import Costs
from .model import Problem
from .slots import Prepared


def lp_bound(problem: Problem, *, time_limit_s: float = 600.0) -> tuple[float | None, float]:
    """GLOP's optimum of the relaxed network's LP, and the seconds it took (None if unsolved)."""
    started = perf_counter()
    prep = Prepared(problem)
    net = flow.build(prep, Costs(prep))
    model = linear_solver_pb2.MPModelProto()
    model.maximize = False
    for cap, cost in zip(net.caps.tolist(), net.costs.tolist(), strict=True):
        model.variable.add(
            lower_bound=0.0, upper_bound=float(cap), objective_coefficient=float(cost)
        )
    # One conservation row per node: flow out - flow in = supply.
    arcs = np.arange(net.tails.size)
    nodes = np.concatenate([net.tails, net.heads])
    coef = np.concatenate([np.ones(arcs.size), -np.ones(arcs.size)])
    var = np.concatenate([arcs, arcs])
    order = np.argsort(nodes, kind="stable")
    nodes, coef, var = nodes[order], coef[order], var[order]
    bounds = np.searchsorted(nodes, np.arange(net.n_nodes + 1))
    for v in range(net.n_nodes):
        lo, hi = int(bounds[v]), int(bounds[v + 1])
        supply = float(net.supplies[v])
        ct = model.constraint.add(lower_bound=supply, upper_bound=supply)
        ct.var_index.extend(var[lo:hi].tolist())
        ct.coefficient.extend(coef[lo:hi].tolist())
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None, perf_counter() - started
    solver.LoadModelFromProto(model)
    solver.SetTimeLimit(int(time_limit_s * 1000))
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return None, perf_counter() - started
    return solver.Objective().Value(), perf_counter() - started


def mip_optimum(
    problem: Problem, *, time_limit_s: float = 60.0
) -> tuple[float | None, float, bool]:
    """The exact optimum of the booking problem as a MIP (SCIP), for the benchmark and tests.

    Unlike the flow it models every window's knapsack (appointments end to end) exactly, so it
    says how far the relax-and-restrict plan is from the true optimum. Returns the best plan's
    cost (None if none was found), SCIP's best bound, and whether it proved optimality.
    """
    prep = Prepared(problem)
    costs = Costs(prep)
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        return None, float("-inf"), False
    objective = solver.Objective()
    in_window: dict[int, list] = {}
    in_day: dict[int, list] = {}
    in_therapist: dict[int, list] = {}
    for i in range(len(prep.referrals)):
        groups = prep.eligible[i]
        one = solver.Constraint(1, 1)
        for g, cost in zip(groups.tolist(), costs.arc_costs(i, groups).tolist(), strict=True):
            for w in prep.groups[g].windows:
                if prep.windows[w].units < prep.r_units[i]:
                    continue
                x = solver.BoolVar("")
                one.SetCoefficient(x, 1)
                objective.SetCoefficient(x, float(cost))
                in_window.setdefault(w, []).append((int(prep.r_units[i]), x))
                in_day.setdefault(prep.groups[g].td, []).append(x)
                in_therapist.setdefault(prep.groups[g].therapist, []).append(x)
        none = solver.NumVar(0, 1, "")
        one.SetCoefficient(none, 1)
        objective.SetCoefficient(none, float(costs.unassigned_cost(i)))
    for w, items in in_window.items():
        ct = solver.Constraint(0, prep.windows[w].units)
        for units, x in items:
            ct.SetCoefficient(x, units)
    for td, xs in in_day.items():
        ct = solver.Constraint(0, int(prep.td_cap[td]))
        for x in xs:
            ct.SetCoefficient(x, 1)
    for t, xs in in_therapist.items():
        # Load balance: the k-th new citizen costs marginals[k-1]; they grow with k, so the
        # cheapest fill first and continuous y is exact.
        ct = solver.Constraint(0, 0)
        for x in xs:
            ct.SetCoefficient(x, 1)
        for marginal in costs.marginals[t].tolist():
            y = solver.NumVar(0, 1, "")
            ct.SetCoefficient(y, -1)
            objective.SetCoefficient(y, float(marginal))
    objective.SetMinimization()
    solver.SetTimeLimit(int(time_limit_s * 1000))
    # Costs are integers: stop only when the gap is below one unit, not at SCIP's 0.01 %.
    solver.SetSolverSpecificParametersAsString("limits/gap = 0\nlimits/absgap = 0.5\n")
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None, objective.BestBound(), False
    return objective.Value(), objective.BestBound(), status == pywraplp.Solver.OPTIMAL
