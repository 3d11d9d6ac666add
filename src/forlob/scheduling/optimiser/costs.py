"""The objective, in integers (OR-Tools' min-cost flow works in int64).

A plan's cost is a sum of tiers, most important first:

T1 (a) ``M`` for every referral with a deadline that is not offered a time on or before it.
T2 (b) ``W_late`` per calendar day late; a referral left without any time counts as
   ``late_horizon_days + 1`` days late (worse than the latest time it could have had).
T4 weighted: (c) ``EARLY * urgency * days after earliest`` (urgency 1, 3 for neurological or
   specialised, 5 for both, so urgent referrals get the early days at equal deadlines);
   (d) load balance: a therapist's k-th new citizen in the period costs ``BALANCE *
   1000 * (already booked + k) // capacity`` (per mille of the therapist's new-citizen capacity
   in the period), which grows with k, so the flow fills the least-used therapists first (the
   marginal costs are non-decreasing, so parallel unit arcs model the convex sum exactly);
   (e) ``PREFERRED`` if not at the citizen's preferred location, ``KNOWN`` if not with the
   therapist the citizen knows, ``EXTRA`` for an opened extra-capacity block.

Why (a) always dominates: ``Z4`` is the largest T4 any plan can have (each referral's dearest
candidate plus every therapist filled to the brim), so two plans differ by less than ``Z4 + 1``
in T4. ``W_late = Z4 + 1`` makes one day of delay outweigh any T4 difference, so (b) is
lexicographic over (c)–(e) too. T2 ranges over ``[0, n * (horizon + 1)]`` days, so ``M = W_late *
n * (horizon + 1) + Z4 + 1`` exceeds any difference in T2 + T4: one more referral offered within
its deadline is worth more than everything below it together, whatever the instance.

If those weights would overflow OR-Tools' cost scaling (it multiplies costs by the number of
nodes; we keep below 2**62), ``W_late`` falls back to one referral's largest possible T4 plus
the largest marginal balance cost plus one ("compact" weights): a day of delay then still
outweighs everything that one referral can gain below it, and ``M`` is computed from the
compact ``W_late`` in the same way, so (a) still dominates strictly. At 1,000 referrals the
strict weights keep every plan's cost below 2**53, so an LP solver working in doubles sees the
same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .slots import Prepared

EARLY = 40  # (c) per day after earliest, per urgency point
BALANCE = 1  # (d) per mille of a therapist's new-citizen capacity
PREFERRED = 120  # (e) not at the preferred location
KNOWN = 80  # (e) not with the therapist the citizen knows
EXTRA = 20  # (e) uses an extra-capacity block

_COST_LIMIT = 2**62


class Costs:
    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        n = len(prep.referrals)
        self.horizon = int(prep.problem.late_horizon_days)
        self.r_deadline = np.array(
            [
                -(10**9) if r.deadline is None else prep.day_number(r.deadline)
                for r in prep.referrals
            ],
            dtype=np.int64,
        )
        self.r_has_deadline = np.array([r.deadline is not None for r in prep.referrals], dtype=bool)
        self.r_pref = np.array(
            [
                -1 if r.preferred_location_id is None else r.preferred_location_id
                for r in prep.referrals
            ],
            dtype=np.int64,
        )
        t_ids = np.array([t.id for t in prep.therapists], dtype=np.int64)
        self.g_tid = t_ids[prep.g_t] if len(prep.groups) else np.zeros(0, dtype=np.int64)
        self.r_known = np.array(
            [-1 if r.known_therapist_id is None else r.known_therapist_id for r in prep.referrals],
            dtype=np.int64,
        )
        # Balance: marginal cost of each therapist's k-th new citizen, k = 1..room.
        self.marginals: list[np.ndarray] = []
        for t in range(len(prep.therapists)):
            room = int(min(prep.t_room[t], n))
            cap = int(prep.t_cap[t])
            if room <= 0 or cap <= 0:
                self.marginals.append(np.zeros(0, dtype=np.int64))
                continue
            k = np.arange(1, room + 1, dtype=np.int64)
            self.marginals.append(BALANCE * (1000 * (prep.t_base[t] + k)) // cap)
        t4_max = [int(self.t4(i, prep.eligible[i]).max(initial=0)) for i in range(n)]
        balance_max = sum(int(m.sum()) for m in self.marginals)
        z4 = sum(t4_max) + balance_max
        self.w_late = z4 + 1
        self.m = self.w_late * n * (self.horizon + 1) + z4 + 1
        self.compact = False
        nodes = n + 4 * len(prep.groups) * max(1, len(prep.sizes)) + len(prep.td_keys) + 2
        if self.max_cost() * (nodes + 1) >= _COST_LIMIT:
            self.compact = True
            top_marginal = max((int(m.max()) for m in self.marginals if m.size), default=0)
            self.w_late = max(t4_max, default=0) + top_marginal + 1
            self.m = self.w_late * n * (self.horizon + 1) + z4 + 1
            if self.max_cost() * (nodes + 1) >= _COST_LIMIT:
                raise ValueError("instance too large for integer costs")

    def max_cost(self) -> int:
        return self.m + self.w_late * (self.horizon + 1)

    # --- per candidate ----------------------------------------------------------------------
    def t4(self, i: int, groups: np.ndarray) -> np.ndarray:
        """Tier 4 of referral ``i`` on each of ``groups``: earliness, preference, continuity."""
        p = self.prep
        cost = EARLY * p.r_urgency[i] * (p.g_day[groups] - p.r_first[i])
        if self.r_pref[i] >= 0:
            cost = cost + PREFERRED * (p.g_loc[groups] != self.r_pref[i])
        if self.r_known[i] >= 0:
            cost = cost + KNOWN * (self.g_tid[groups] != self.r_known[i])
        return (cost + EXTRA * p.g_extra[groups]).astype(np.int64)

    def late_days(self, i: int, groups: np.ndarray) -> np.ndarray:
        if not self.r_has_deadline[i]:
            return np.zeros(len(groups), dtype=np.int64)
        return np.maximum(0, self.prep.g_day[groups] - self.r_deadline[i])

    def arc_costs(self, i: int, groups: np.ndarray) -> np.ndarray:
        """Full cost of placing referral ``i`` in each of ``groups`` (balance excluded)."""
        late = self.late_days(i, groups)
        return self.m * (late > 0) + self.w_late * late + self.t4(i, groups)

    def unassigned_cost(self, i: int) -> int:
        return int(self.r_has_deadline[i]) * self.m + self.w_late * (self.horizon + 1)

    # --- a whole plan ------------------------------------------------------------------------
    def plan_cost(self, group_of: Sequence[int]) -> int:
        """The objective of a plan: ``group_of[i]`` is referral i's group, or -1 for none."""
        total = 0
        loads = np.zeros(len(self.prep.therapists), dtype=np.int64)
        for i, g in enumerate(group_of):
            if g < 0:
                total += self.unassigned_cost(i)
            else:
                total += int(self.arc_costs(i, np.array([g], dtype=np.int64))[0])
                loads[self.prep.g_t[g]] += 1
        for t, load in enumerate(loads):
            total += int(self.marginals[t][:load].sum())
        return total
