"""The LP relaxation of the optimiser's network, solved with GLOP.

For a pure min-cost flow the LP relaxation has integral optimal vertices (the node-arc incidence
matrix is totally unimodular), so its optimum equals the flow's integer optimum, which is what
``solve`` reports as ``Result.lower_bound``. This module solves the same LP independently with
GLOP (a simplex code that knows nothing of flows) so the benchmark and the tests can show it.
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
