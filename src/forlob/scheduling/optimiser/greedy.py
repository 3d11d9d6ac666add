"""The first-come-first-served baseline: what a coordinator does by hand today.

Referrals in the order they were received (then by id); each gets the earliest start on the
grid, over all therapists who may take it, that respects every hard rule: competence, its
allowed days, the therapist's remaining room for new citizens that day, and no overlap with
what was booked before it. Ties at the same start go to the lowest therapist id, then location.
It never looks ahead, so an early referral can take the only time a later, tighter one had.

It uses the same slot rule as the optimiser (an appointment books whole grid cells, laid from a
window's start), so every plan greedy finds is one the optimiser's relaxation contains.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .plan import Placement
from .slots import Prepared


def greedy_placements(prep: Prepared) -> list[Placement]:
    n_w = len(prep.windows)
    if not n_w:
        return []
    w_start = np.array([int(w.start.timestamp()) // 60 for w in prep.windows], dtype=np.int64)
    w_units = np.array([w.units for w in prep.windows], dtype=np.int64)
    w_group = np.array([w.group for w in prep.windows], dtype=np.int64)
    w_td = prep.g_td[w_group]
    t_ids = np.array([t.id for t in prep.therapists], dtype=np.int64)
    w_tid = t_ids[prep.g_t[w_group]]
    w_loc = prep.g_loc[w_group]
    by_day: dict[int, list[int]] = defaultdict(list)
    for w in range(n_w):
        by_day[int(prep.g_day[w_group[w]])].append(w)
    day_windows = {d: np.array(ws, dtype=np.int64) for d, ws in by_day.items()}

    used = np.zeros(n_w, dtype=np.int64)
    td_left = prep.td_cap.copy()
    allowed = np.zeros(len(prep.groups), dtype=bool)
    placements: list[Placement] = []
    order = sorted(
        range(len(prep.referrals)), key=lambda i: (prep.referrals[i].received, prep.referrals[i].id)
    )
    for i in order:
        groups = prep.eligible[i]
        if not groups.size:
            continue
        allowed[groups] = True
        size = int(prep.r_units[i])
        for d in np.unique(prep.g_day[groups]):
            ws = day_windows[int(d)]
            ok = allowed[w_group[ws]] & (w_units[ws] - used[ws] >= size) & (td_left[w_td[ws]] > 0)
            if not ok.any():
                continue
            cand = ws[ok]
            start = w_start[cand] + used[cand] * prep.grid
            best = cand[np.lexsort((cand, w_loc[cand], w_tid[cand], start))[0]]
            placements.append((i, int(best), int(used[best])))
            used[best] += size
            td_left[w_td[best]] -= 1
            break
        allowed[groups] = False
    return placements
