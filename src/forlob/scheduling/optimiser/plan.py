"""From a plan (each referral's group, or its exact window and cell) to a ``Result``.

Packing lays a group's referrals into its windows, back to back, most urgent first; the
reasons and the shortfall are worked out here for the optimiser and the greedy baseline alike,
so the two are explained and counted the same way.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import numpy as np

from .costs import Costs
from .model import Proposal, Reason, Result, Shortfall
from .slots import Prepared, cut_blocks

# (referral index, window index, first cell in the window)
Placement = tuple[int, int, int]

_DFS_NODES = 20_000


def _priority(prep: Prepared, i: int) -> tuple:
    r = prep.referrals[i]
    return (-int(prep.r_urgency[i]), r.deadline or r.earliest.max, r.received, r.id)


def _first_fit(items: list[int], sizes: dict[int, int], room: list[int]) -> list[int] | None:
    left = list(room)
    where = []
    for i in items:
        for w, free in enumerate(left):
            if free >= sizes[i]:
                left[w] -= sizes[i]
                where.append(w)
                break
        else:
            return None
    return where


def _exact(items: list[int], sizes: dict[int, int], room: list[int]) -> list[int] | None:
    """Bin packing by depth-first search (a group holds a handful of referrals)."""
    order = sorted(range(len(items)), key=lambda j: -sizes[items[j]])
    left = list(room)
    where = [0] * len(items)
    budget = [_DFS_NODES]

    def place(pos: int) -> bool:
        if pos == len(order):
            return True
        budget[0] -= 1
        if budget[0] < 0:
            return False
        j = order[pos]
        size = sizes[items[j]]
        tried: set[int] = set()
        for w, free in enumerate(left):
            if free >= size and free not in tried:
                tried.add(free)
                left[w] -= size
                where[j] = w
                if place(pos + 1):
                    return True
                left[w] += size
        return False

    return where if place(0) else None


def _blocks(items: list[int], sizes: dict[int, int], blocks: list[list[int]]) -> list[int]:
    """Largest referral into the smallest free block that holds it. Always succeeds when the
    counts obey the chain of the blocks (the sets of blocks a referral may use are nested, so
    Hall's condition is exactly the chain)."""
    free = sorted(
        (size, w, b) for w, sizes_w in enumerate(blocks) for b, size in enumerate(sizes_w)
    )
    taken = [False] * len(free)
    where = [0] * len(items)
    for j in sorted(range(len(items)), key=lambda j: -sizes[items[j]]):
        for b, (size, w, _) in enumerate(free):
            if not taken[b] and size >= sizes[items[j]]:
                taken[b] = True
                where[j] = w
                break
        else:
            raise AssertionError("restricted group did not pack")
    return where


def _fit(items: list[int], sizes: dict[int, int], room: list[int]) -> list[int] | None:
    return _first_fit(items, sizes, room) or _exact(items, sizes, room)


def restrict_around(prep: Prepared, g: int, items: list[int]) -> list[list[int]]:
    """Blocks for a group whose referrals did not pack: first as many of them as do pack, each
    in a block of its own length, then the rest of each window cut largest class first, so the
    flow keeps what it wanted where it can. Of two ways to choose them (longest first, shortest
    first) the one keeping more wins; at a tie the longest, which are the hardest to place
    elsewhere (a 90-minute window keeps its 60-minute visit rather than two 45s)."""
    room = [prep.windows[w].units for w in prep.groups[g].windows]
    sizes = {i: int(prep.r_units[i]) for i in items}
    best: tuple[list[int], list[int]] = ([], [])
    for longest_first in (True, False):
        kept: list[int] = []
        where: list[int] = []
        order = sorted(
            items, key=lambda i: ((-1 if longest_first else 1) * sizes[i], _priority(prep, i))
        )
        for i in order:
            fit = _fit([*kept, i], sizes, room)
            if fit is not None:
                kept, where = [*kept, i], fit
        if len(kept) > len(best[0]):
            best = (kept, where)
    blocks: list[list[int]] = [[] for _ in room]
    for i, w in zip(*best, strict=True):
        blocks[w].append(sizes[i])
    for w, units in enumerate(room):
        blocks[w] += cut_blocks(units - sum(blocks[w]), prep.sizes)
    return blocks


def _maximal(
    cuts: dict[tuple[int, ...], list[list[int]]],
) -> dict[tuple[int, ...], list[list[int]]]:
    """Keep the cuts whose chain of capacities no other cut dominates (holds at least as many
    referrals of every class and longer, and more of one)."""
    chains = list(cuts)
    return {
        c: cuts[c]
        for c in chains
        if not any(d != c and all(x >= y for x, y in zip(d, c, strict=True)) for d in chains)
    }


def cut_options(prep: Prepared, g: int, limit: int = 16) -> list[list[list[int]]]:
    """Every maximal way to cut group ``g``'s windows into blocks of the class lengths (at most
    ``limit``, in a fixed order): the restrictions the engine may choose between.

    A window of ``u`` cells holds ``n_k`` blocks of class ``k`` for each count vector that fits;
    a group's chain of capacities is the sum over its windows. Only cuts whose chain no other
    dominates are kept: a dominated cut allows a subset of the plans of the one dominating it.
    """
    sizes = [int(s) for s in prep.sizes]
    combos: dict[tuple[int, ...], list[list[int]]] = {(0,) * len(sizes): []}
    for w in prep.groups[g].windows:
        per_window: dict[tuple[int, ...], list[int]] = {}

        def counts(k: int, left: int, taken: list[int], per_window=per_window) -> None:
            if k == len(sizes) - 1:
                n = [*taken, left // sizes[k]]
                chain = tuple(int(c) for c in np.cumsum(n))
                per_window.setdefault(
                    chain, [s for s, m in zip(sizes, n, strict=True) for _ in range(m)]
                )
                return
            for m in range(left // sizes[k], -1, -1):
                counts(k + 1, left - m * sizes[k], [*taken, m])

        counts(0, prep.windows[w].units, [])
        merged: dict[tuple[int, ...], list[list[int]]] = {}
        for chain, blocks in sorted(combos.items()):
            for more, window_blocks in sorted(per_window.items()):
                key = tuple(a + b for a, b in zip(chain, more, strict=True))
                merged.setdefault(key, [*blocks, window_blocks])
        combos = _maximal(merged)
    return [combos[c] for c in sorted(combos)][:limit]


def block_caps(prep: Prepared, blocks: list[list[int]]) -> np.ndarray:
    """The chain capacities of a cut: per class, the blocks that hold a referral of that class."""
    sizes = np.array([b for bs in blocks for b in bs], dtype=np.int64)
    return (
        (sizes[None, :] >= prep.sizes[:, None]).sum(axis=1)
        if sizes.size
        else np.zeros(len(prep.sizes), np.int64)
    )


def pack_group(
    prep: Prepared, g: int, items: list[int], blocks: list[list[int]] | None
) -> list[Placement] | None:
    """Lay ``items`` (referral indices) into group ``g``'s windows, or None if they don't fit.
    ``blocks`` is the group's cut if it is restricted (then it always fits)."""
    windows = prep.groups[g].windows
    room = [prep.windows[w].units for w in windows]
    sizes = {i: int(prep.r_units[i]) for i in items}
    items = sorted(items, key=lambda i: _priority(prep, i))
    where = _first_fit(items, sizes, room)
    if where is None:
        by_size = sorted(items, key=lambda i: -sizes[i])
        fit = _first_fit(by_size, sizes, room)
        if fit is not None:
            items, where = by_size, fit
    if where is None:
        where = _exact(items, sizes, room)
    if where is None and blocks is not None:
        where = _blocks(items, sizes, blocks)
    if where is None:
        return None
    per_window: dict[int, list[int]] = defaultdict(list)
    for i, w in zip(items, where, strict=True):
        per_window[w].append(i)
    placements = []
    for w, members in per_window.items():
        offset = 0
        for i in sorted(members, key=lambda i: _priority(prep, i)):
            placements.append((i, windows[w], offset))
            offset += sizes[i]
    return placements


def members_of(group_of: list[int]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for i, g in enumerate(group_of):
        if g >= 0:
            members[g].append(i)
    return members


def pack(
    prep: Prepared, group_of: list[int], blocks: dict[int, list[list[int]]]
) -> tuple[list[Placement], list[int]]:
    """Pack every group; returns the placements and the groups that did not pack."""
    members = members_of(group_of)
    placements: list[Placement] = []
    failing: list[int] = []
    for g in sorted(members):
        packed = pack_group(prep, g, members[g], blocks.get(g))
        if packed is None:
            failing.append(g)
        else:
            placements += packed
    return placements, failing


def assemble(
    prep: Prepared,
    costs: Costs,
    placements: list[Placement],
    *,
    objective: int,
    lower_bound: int | None,
    bound: int,
    solver: str,
    seconds: float,
) -> Result:
    tz = prep.tz
    grid = timedelta(minutes=prep.grid)
    n = len(prep.referrals)
    at: dict[int, tuple[int, int]] = {i: (w, off) for i, w, off in placements}
    group_of = [prep.windows[at[i][0]].group if i in at else -1 for i in range(n)]

    # Load per therapist after the plan, as a share of what each could take in the period.
    loads = np.zeros(len(prep.therapists), dtype=np.int64)
    for g in group_of:
        if g >= 0:
            loads[prep.g_t[g]] += 1
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(prep.t_cap > 0, (prep.t_base + loads) / np.maximum(prep.t_cap, 1), np.inf)

    starts = {}
    for i, (w, off) in at.items():
        starts[i] = prep.windows[w].start + off * grid
    # Urgent first: the latest start among ordinary referrals per deadline (unassigned = never).
    latest_ordinary: dict = {}
    for i, r in enumerate(prep.referrals):
        if r.deadline is not None and prep.r_urgency[i] == 1:
            s = starts.get(i)
            key = r.deadline
            if s is None:
                latest_ordinary[key] = None  # an ordinary referral got nothing at all
            elif key not in latest_ordinary or (
                latest_ordinary[key] is not None and s > latest_ordinary[key]
            ):
                latest_ordinary[key] = s

    proposals = []
    within = 0
    total_late = 0
    for i in sorted(at):
        r = prep.referrals[i]
        w, _ = at[i]
        win = prep.windows[w]
        therapist = prep.therapists[win.therapist]
        start = starts[i]
        late = 0 if r.deadline is None else max(0, (win.day - r.deadline).days)
        in_time = r.deadline is not None and late == 0
        reasons: list[Reason] = []
        if r.area:
            reasons.append(Reason.COMPETENCE)
        if r.deadline is not None:
            reasons.append(Reason.WITHIN_DEADLINE if in_time else Reason.LATE)
        if r.deadline is not None and prep.r_urgency[i] > 1 and r.deadline in latest_ordinary:
            later = latest_ordinary[r.deadline]
            if later is None or start < later:
                reasons.append(Reason.URGENT_FIRST)
        if r.known_therapist_id is not None and therapist.id == r.known_therapist_id:
            reasons.append(Reason.CONTINUITY)
        if r.preferred_location_id is not None and win.location_id == r.preferred_location_id:
            reasons.append(Reason.PREFERRED_LOCATION)
        could = np.unique(prep.g_t[prep.eligible[i]])
        if could.size > 1 and util[win.therapist] <= util[could].mean() + 1e-9:
            reasons.append(Reason.BALANCED_LOAD)
        if win.extra:
            reasons.append(Reason.EXTRA_CAPACITY)
        within += in_time
        total_late += late
        proposals.append(
            Proposal(
                referral_id=r.id,
                therapist_id=therapist.id,
                location_id=win.location_id,
                start=start.astimezone(tz),
                end=(start + timedelta(minutes=r.minutes)).astimezone(tz),
                within_deadline=in_time,
                days_late=late,
                reasons=tuple(reasons),
            )
        )
    unassigned = tuple(prep.referrals[i].id for i in range(n) if i not in at)
    return Result(
        proposals=tuple(proposals),
        unassigned=unassigned,
        within_deadline=within,
        total_days_late=total_late,
        bound_within_deadline=bound,
        objective=objective,
        lower_bound=lower_bound,
        shortfall=shortfall(prep, at),
        solver=solver,
        seconds=seconds,
    )


def shortfall(prep: Prepared, at: dict[int, tuple[int, int]]) -> tuple[Shortfall, ...]:
    """Late or unplaced referrals that more capacity could have saved, by competence.

    A referral counts when some day from ``earliest`` to its deadline is not one of its
    unavailable days: a therapist of its area and level with time (and room for a new citizen)
    that day would have let it be offered in time. ``hours`` is the appointment time those
    referrals need, so it is the least extra therapist time of that competence that helps.
    """
    need: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, r in enumerate(prep.referrals):
        if r.deadline is None:
            continue
        if i in at and prep.windows[at[i][0]].day <= r.deadline:
            continue
        day, possible = r.earliest, False
        while day <= r.deadline:
            if day not in r.unavailable_days:
                possible = True
                break
            day += timedelta(days=1)
        if possible:
            need[(r.area, r.level)].append(r.minutes)
    return tuple(
        Shortfall(area=area, level=level, referrals=len(m), hours=round(sum(m) / 60, 2))
        for (area, level), m in sorted(need.items())
    )
