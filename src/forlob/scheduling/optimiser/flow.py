"""The network: referrals → group capacity chains → therapist-days → therapists → sink.

Nodes, in this order (ids are positions, so the network is the same for the same input):

* one per referral, supply 1;
* per group ``g`` a chain over the length classes that fit in it, longest first: a referral of
  class ``k`` enters at ``(g, k)``; the arc ``(g, k) → (g, k+1)`` (the last one → the
  therapist-day) carries every referral of class ``k`` or longer and has capacity ``C[g, k]``
  (relaxed or restricted, see ``slots``);
* one per therapist-day, arc to its therapist with capacity ``max_new_per_day - new_already``;
* one per therapist, with parallel unit arcs to the sink costing the balance marginals;
* the sink, demand ``n``. Each referral also has an arc straight to the sink (no time offered).

The max-flow bound uses the same referral arcs restricted to days on or before the deadline,
the relaxed chains and the therapist-day capacities: it is an upper bound on how many referrals
any plan can offer in time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from .costs import Costs
from .slots import Prepared


@dataclass
class Network:
    n_nodes: int
    sink: int
    tails: np.ndarray
    heads: np.ndarray
    caps: np.ndarray
    costs: np.ndarray
    supplies: np.ndarray  # per node
    n_referral_arcs: int
    arc_referral: np.ndarray  # per referral arc: referral index
    arc_group: np.ndarray  # per referral arc: group index
    arc_within: np.ndarray  # per referral arc: on or before a deadline
    chain_arcs: list[np.ndarray]  # per group: arc ids of its chain, class order
    chain_classes: list[np.ndarray]  # per group: the classes of those arcs
    td_first: int  # first therapist-day node
    td_arc_first: int  # first therapist-day → therapist arc


def build(prep: Prepared, costs: Costs) -> Network:
    n = len(prep.referrals)
    n_g, n_k = len(prep.groups), len(prep.sizes)
    # Chain nodes: group g has classes kmin[g] .. n_k - 1 (those with room for one referral).
    positive = prep.cap_relaxed > 0
    has_any = positive.any(axis=1) if n_k else np.zeros(n_g, dtype=bool)
    kmin = np.where(has_any, positive.argmax(axis=1) if n_k else 0, n_k)
    length = n_k - kmin
    chain_base = n + np.concatenate(([0], np.cumsum(length)[:-1])) if n_g else np.zeros(0, np.int64)
    n_chain = int(length.sum())
    td_first = n + n_chain
    n_td = len(prep.td_keys)
    t_first = td_first + n_td
    n_t = len(prep.therapists)
    sink = t_first + n_t

    tails, heads, caps, cost_parts = [], [], [], []
    arc_referral, arc_group = [], []
    for i in range(n):
        groups = prep.eligible[i]
        if not groups.size:
            continue
        tails.append(np.full(groups.size, i, dtype=np.int64))
        heads.append(chain_base[groups] + prep.r_class[i] - kmin[groups])
        caps.append(np.ones(groups.size, dtype=np.int64))
        cost_parts.append(costs.arc_costs(i, groups))
        arc_referral.append(np.full(groups.size, i, dtype=np.int64))
        arc_group.append(groups)
    n_ref_arcs = int(sum(a.size for a in arc_referral))
    arc_referral_a = np.concatenate(arc_referral) if arc_referral else np.zeros(0, np.int64)
    arc_group_a = np.concatenate(arc_group) if arc_group else np.zeros(0, np.int64)
    deadline = costs.r_deadline[arc_referral_a]
    arc_within = costs.r_has_deadline[arc_referral_a] & (prep.g_day[arc_group_a] <= deadline)

    # Chains.
    chain_arcs: list[np.ndarray] = []
    chain_classes: list[np.ndarray] = []
    next_arc = n_ref_arcs
    c_t, c_h, c_c = [], [], []
    for g in range(n_g):
        ks = np.arange(kmin[g], n_k, dtype=np.int64)
        if not ks.size:  # no window of the group holds even the shortest appointment
            chain_arcs.append(ks)
            chain_classes.append(ks)
            continue
        nodes = chain_base[g] + np.arange(ks.size, dtype=np.int64)
        nxt = np.append(nodes[1:], td_first + prep.groups[g].td)
        c_t.append(nodes)
        c_h.append(nxt)
        c_c.append(prep.cap_relaxed[g, ks])
        chain_arcs.append(np.arange(next_arc, next_arc + ks.size, dtype=np.int64))
        chain_classes.append(ks)
        next_arc += ks.size
    if c_t:
        tails += c_t
        heads += c_h
        caps += c_c
        cost_parts.append(np.zeros(int(sum(a.size for a in c_t)), dtype=np.int64))

    # Therapist-days → therapists.
    td_arc_first = next_arc
    tails.append(td_first + np.arange(n_td, dtype=np.int64))
    heads.append(t_first + prep.td_t)
    caps.append(prep.td_cap.copy())
    cost_parts.append(np.zeros(n_td, dtype=np.int64))
    # Therapists → sink, one unit arc per marginal balance cost.
    for t, marg in enumerate(costs.marginals):
        if marg.size:
            tails.append(np.full(marg.size, t_first + t, dtype=np.int64))
            heads.append(np.full(marg.size, sink, dtype=np.int64))
            caps.append(np.ones(marg.size, dtype=np.int64))
            cost_parts.append(marg)
    # Referrals → sink: no time offered.
    tails.append(np.arange(n, dtype=np.int64))
    heads.append(np.full(n, sink, dtype=np.int64))
    caps.append(np.ones(n, dtype=np.int64))
    cost_parts.append(np.array([costs.unassigned_cost(i) for i in range(n)], dtype=np.int64))

    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n] = 1
    supplies[sink] = -n
    return Network(
        n_nodes=sink + 1,
        sink=sink,
        tails=np.concatenate(tails),
        heads=np.concatenate(heads),
        caps=np.concatenate(caps),
        costs=np.concatenate(cost_parts),
        supplies=supplies,
        n_referral_arcs=n_ref_arcs,
        arc_referral=arc_referral_a,
        arc_group=arc_group_a,
        arc_within=arc_within,
        chain_arcs=chain_arcs,
        chain_classes=chain_classes,
        td_first=td_first,
        td_arc_first=td_arc_first,
    )


def min_cost_solver(net: Network) -> tuple[min_cost_flow.SimpleMinCostFlow, np.ndarray]:
    mcf = min_cost_flow.SimpleMinCostFlow()
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(
        net.tails.astype(np.int32),
        net.heads.astype(np.int32),
        net.caps.astype(np.int64),
        net.costs.astype(np.int64),
    )
    mcf.set_nodes_supplies(np.arange(net.n_nodes, dtype=np.int32), net.supplies)
    return mcf, np.asarray(arcs)


def solve_min_cost(mcf: min_cost_flow.SimpleMinCostFlow) -> int:
    status = mcf.solve()
    if status != mcf.OPTIMAL:  # every referral can always go to the sink: this is a bug
        raise RuntimeError(f"min-cost flow failed: {status}")
    return int(mcf.optimal_cost())


def assignment(net: Network, mcf: min_cost_flow.SimpleMinCostFlow, n: int) -> list[int]:
    """Each referral's group in the current flow, or -1."""
    group_of = [-1] * n
    if net.n_referral_arcs:
        flows = np.asarray(mcf.flows(np.arange(net.n_referral_arcs, dtype=np.int32)))
        for a in np.flatnonzero(flows):
            group_of[int(net.arc_referral[a])] = int(net.arc_group[a])
    return group_of


def max_within(prep: Prepared, net: Network) -> int:
    """The most referrals with a deadline that can be offered a time on or before it."""
    if not net.arc_within.any():
        return 0
    source = net.n_nodes
    within = np.flatnonzero(net.arc_within)
    referrals = np.unique(net.arc_referral[within])
    chain = np.concatenate(net.chain_arcs) if net.chain_arcs else np.zeros(0, np.int64)
    n_td = len(prep.td_keys)
    tails = np.concatenate(
        [
            np.full(referrals.size, source, dtype=np.int64),
            net.tails[within],
            net.tails[chain],
            net.td_first + np.arange(n_td, dtype=np.int64),
        ]
    )
    heads = np.concatenate(
        [
            referrals,
            net.heads[within],
            net.heads[chain],
            np.full(n_td, net.sink, dtype=np.int64),
        ]
    )
    caps = np.concatenate(
        [np.ones(referrals.size, np.int64), net.caps[within], net.caps[chain], prep.td_cap]
    )
    mf = max_flow.SimpleMaxFlow()
    mf.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64))
    status = mf.solve(source, net.sink)
    if status != mf.OPTIMAL:
        raise RuntimeError(f"max flow failed: {status}")
    return int(mf.optimal_flow())
