"""From free windows to the candidates the engine works with: grid cells, groups and classes.

How one therapist's appointments are kept from overlapping
----------------------------------------------------------
A free window is cut to the booking grid (``Problem.grid_minutes``, on the local wall clock): it
starts at its first grid point and holds ``units`` whole cells. An appointment of ``m`` minutes
books ``ceil(m / grid)`` cells, starting on a grid point, so a 50-minute first visit blocks an
hour. With that rule a set of appointments fits in one window exactly when their cells add up to
no more than the window's cells: they are then laid back to back from the window's start (most
urgent first). Overlaps can therefore only arise *within* a window, and only from the sum of
lengths: that is a knapsack constraint, which a network flow cannot express when lengths differ.

What we do instead of cutting windows into fixed blocks up front (which wastes time whenever
lengths are mixed) or handing the overlap constraint to CP-SAT (which does not scale to a
region, see ``engine``):

* Windows of one therapist on one day at one location (and of one kind, regular or extra) form a
  *group*. Referral lengths form *classes* (distinct cell counts, longest first).
* The flow sees, per group, a chain of capacities: at most ``C[g, k]`` referrals of class ``k``
  or longer, where ``C`` is either the **relaxation** ``sum over windows floor(cells / size_k)``
  (every real packing obeys it, so the flow's optimum is a true lower bound and its max-flow a
  true upper bound on how many can be offered in time) or a **restriction**: the windows cut
  into blocks and ``C[g, k]`` the number of blocks of size ≥ ``size_k``. A referral may use any
  block at least its length; those sets of blocks are nested, so by Hall's theorem every flow
  that obeys the chain packs, and it is still a flow. ``cap_restricted`` cuts each window
  longest class first; ``plan.restrict_around`` cuts around the referrals the flow wanted
  there.
* The engine starts with every group relaxed, packs each group's referrals into its windows, and
  restricts only the groups that did not pack, then solves again (one to four rounds in the
  benchmark). With one appointment length (every GOP first visit is 60 minutes) relaxation and
  restriction coincide and the first flow is exact. With mixed lengths the relaxation is not
  tight: the benchmark's 150-referral week with 60- and 45-minute visits has its proven
  optimum 0.8 % above the relaxed bound. The first cut of each group (``restrict_around``)
  left the plan 2.2 % above that optimum; choosing among every group's maximal cuts
  (``plan.cut_options``, ``engine._improve_cuts``) reaches it.

Overlapping windows of one therapist (two locations at once, an extra block on top of working
hours) are made disjoint first: the window that starts earlier keeps the overlap (a regular one
before an extra one at the same start). Windows are split at local midnight, so each has one day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from .model import LEVEL_SPECIALISED, Problem, Referral, Therapist

URGENT_AREA = "neurological"


def qualifies(therapist: Therapist, referral: Referral) -> bool:
    """Whether ``therapist`` may take ``referral``.

    No area: anyone. An area: the therapist must work in it, at the referral's level or above
    (a level-3 therapist in an area may see levels 1–3 there).
    """
    if not referral.area:
        return True
    have = therapist.competencies.get(referral.area)
    return have is not None and have >= referral.level


def urgency(referral: Referral) -> int:
    """1 for an ordinary referral, 3 for neurological or specialised, 5 for both."""
    return 1 + 2 * (referral.area == URGENT_AREA) + 2 * (referral.level >= LEVEL_SPECIALISED)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar day of an aware datetime in ``tz`` (what the 7-day rule counts)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the 7-day rule needs an aware datetime")
    return moment.astimezone(tz).date()


def days_late(deadline: date | None, start: datetime, tz: ZoneInfo) -> int:
    """Calendar days between the deadline and the local day of ``start``; 0 if on time.

    Calendar days, not 24-hour periods: 23:59 on the deadline day is on time, 00:00 the next day
    is one day late, also across a DST change (a 23- or 25-hour day is still one day).
    """
    if deadline is None:
        return 0
    return max(0, (local_date(start, tz) - deadline).days)


def last_day(referral: Referral, horizon_days: int) -> date:
    """The last day a time may still be offered: deadline (or earliest) + the late horizon."""
    return (referral.deadline or referral.earliest) + timedelta(days=horizon_days)


def units_for(minutes: int, grid: int) -> int:
    return -(-minutes // grid)


def grid_ceil(moment: datetime, grid: int, tz: ZoneInfo) -> datetime:
    """The first grid point at or after ``moment``, in UTC, the grid counted on the local wall
    clock (the time zone's offset at ``moment``)."""
    local = moment.astimezone(tz)
    offset = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    wall = int(local.timestamp()) + offset
    if local.microsecond:
        wall += 1
    step = grid * 60
    aligned = -(-wall // step) * step
    return datetime.fromtimestamp(aligned - offset, UTC)


def _split_at_midnight(
    start: datetime, end: datetime, tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` (UTC) cut at each local midnight."""
    pieces = []
    cursor = start
    while cursor < end:
        next_day = local_date(cursor, tz) + timedelta(days=1)
        midnight = datetime.combine(next_day, time(0), tzinfo=tz).astimezone(UTC)
        piece_end = min(end, midnight)
        pieces.append((cursor, piece_end))
        cursor = piece_end
    return pieces


@dataclass(frozen=True, slots=True)
class Window:
    """A free window after normalisation: one day, starting on the grid, ``units`` cells long."""

    therapist: int  # index into Prepared.therapists
    location_id: int
    extra: bool
    day: date
    start: datetime  # UTC
    units: int
    group: int


@dataclass(frozen=True, slots=True)
class Group:
    """A therapist's windows on one day at one location, of one kind (regular or extra)."""

    therapist: int
    day: date
    location_id: int
    extra: bool
    td: int  # index of the therapist-day
    windows: tuple[int, ...]  # indices into Prepared.windows, by start


def cut_blocks(units: int, sizes: np.ndarray) -> list[int]:
    """A window cut into consecutive blocks, the longest class that still fits first."""
    blocks = []
    left = units
    for size in sizes:  # longest first
        while left >= size:
            blocks.append(int(size))
            left -= int(size)
    return blocks


class Prepared:
    """Everything the engine derives from a ``Problem``, sorted so that results are repeatable."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.tz = ZoneInfo(problem.tz)
        self.grid = int(problem.grid_minutes)
        if self.grid <= 0:
            raise ValueError("grid_minutes must be positive")
        self.referrals: list[Referral] = sorted(problem.referrals, key=lambda r: r.id)
        ids = [r.id for r in self.referrals]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate referral id")
        for r in self.referrals:
            if r.minutes <= 0:
                raise ValueError(f"referral {r.id}: minutes must be positive")
        self.therapists: list[Therapist] = sorted(problem.therapists, key=lambda t: t.id)
        self.t_index = {t.id: i for i, t in enumerate(self.therapists)}
        if len(self.t_index) != len(self.therapists):
            raise ValueError("duplicate therapist id")
        self._windows_and_groups()
        self._classes()
        self._days()
        self._eligibility()

    # --- windows, groups, therapist-days ---------------------------------------------------
    def _windows_and_groups(self) -> None:
        by_t: dict[int, list] = defaultdict(list)
        for w in self.problem.windows:
            if w.start.tzinfo is None or w.end.tzinfo is None:
                raise ValueError("free windows need aware datetimes")
            # All arithmetic in UTC: Python adds, subtracts and compares aware datetimes that
            # share a tzinfo on the wall clock, which is wrong across a DST change.
            start, end = w.start.astimezone(UTC), w.end.astimezone(UTC)
            if w.therapist_id in self.t_index and end > start:
                by_t[self.t_index[w.therapist_id]].append((start, w.extra, w.location_id, end))
        pieces: list[tuple[int, date, int, bool, datetime, int]] = []
        for t in sorted(by_t):
            cursor: datetime | None = None
            for w_start, extra, loc, w_end in sorted(by_t[t]):
                start = w_start if cursor is None else max(w_start, cursor)
                if start >= w_end:
                    continue
                cursor = w_end if cursor is None else max(cursor, w_end)
                for p0, p1 in _split_at_midnight(start, w_end, self.tz):
                    s0 = grid_ceil(p0, self.grid, self.tz)
                    units = int((p1 - s0).total_seconds()) // (60 * self.grid)
                    if units > 0:
                        pieces.append((t, local_date(s0, self.tz), loc, extra, s0, units))
        pieces.sort(key=lambda p: (p[0], p[1], p[2], p[3], p[4]))
        group_of: dict[tuple, int] = {}
        members: list[list[int]] = []
        td_of: dict[tuple[int, date], int] = {}
        self.windows: list[Window] = []
        for t, day, loc, extra, s0, units in pieces:
            key = (t, day, loc, extra)
            if key not in group_of:
                group_of[key] = len(members)
                members.append([])
                td_of.setdefault((t, day), len(td_of))
            members[group_of[key]].append(len(self.windows))
            self.windows.append(Window(t, loc, extra, day, s0, units, group_of[key]))
        self.groups: list[Group] = [
            Group(t, day, loc, extra, td_of[(t, day)], tuple(members[g]))
            for (t, day, loc, extra), g in sorted(group_of.items(), key=lambda kv: kv[1])
        ]
        self.td_keys: list[tuple[int, date]] = sorted(td_of, key=lambda k: td_of[k])
        self.td_cap = np.array(
            [
                max(
                    0, self.therapists[t].max_new_per_day - self.therapists[t].new_already.get(d, 0)
                )
                for t, d in self.td_keys
            ],
            dtype=np.int64,
        )
        self.td_t = np.array([t for t, _ in self.td_keys], dtype=np.int64)
        # Load balance counts new citizens against what each therapist could take in the period.
        n_t = len(self.therapists)
        self.t_cap = np.zeros(n_t, dtype=np.int64)
        self.t_base = np.zeros(n_t, dtype=np.int64)
        for t, d in self.td_keys:
            th = self.therapists[t]
            self.t_cap[t] += max(0, th.max_new_per_day)
            self.t_base[t] += min(max(0, th.new_already.get(d, 0)), max(0, th.max_new_per_day))
        self.t_room = np.bincount(self.td_t, weights=self.td_cap, minlength=n_t).astype(np.int64)

    # --- appointment length classes and group capacities ----------------------------------
    def _classes(self) -> None:
        self.r_units = np.array(
            [units_for(r.minutes, self.grid) for r in self.referrals], dtype=np.int64
        )
        self.sizes = np.array(sorted(set(self.r_units.tolist()), reverse=True), dtype=np.int64)
        pos = {int(s): k for k, s in enumerate(self.sizes)}
        self.r_class = np.array([pos[int(u)] for u in self.r_units], dtype=np.int64)
        n_g, n_k = len(self.groups), len(self.sizes)
        self.cap_relaxed = np.zeros((n_g, n_k), dtype=np.int64)
        self.cap_restricted = np.zeros((n_g, n_k), dtype=np.int64)
        if n_g and n_k:
            w_group = np.array([w.group for w in self.windows], dtype=np.int64)
            w_units = np.array([w.units for w in self.windows], dtype=np.int64)
            for k, size in enumerate(self.sizes):
                self.cap_relaxed[:, k] = np.bincount(
                    w_group, weights=w_units // size, minlength=n_g
                )
            for w in self.windows:
                blocks = np.array(cut_blocks(w.units, self.sizes), dtype=np.int64)
                if blocks.size:
                    self.cap_restricted[w.group] += (blocks[None, :] >= self.sizes[:, None]).sum(
                        axis=1
                    )
        # A group whose relaxation equals its restriction packs whatever the flow sends it.
        self.g_exact = np.all(self.cap_relaxed == self.cap_restricted, axis=1)

    # --- day numbers -------------------------------------------------------------------------
    def _days(self) -> None:
        days = [g.day for g in self.groups] + [r.earliest for r in self.referrals]
        self.day0 = min(days) if days else date(2000, 1, 1)
        self.g_t = np.array([g.therapist for g in self.groups], dtype=np.int64)
        self.g_day = np.array([(g.day - self.day0).days for g in self.groups], dtype=np.int64)
        self.g_loc = np.array([g.location_id for g in self.groups], dtype=np.int64)
        self.g_extra = np.array([g.extra for g in self.groups], dtype=bool)
        self.g_td = np.array([g.td for g in self.groups], dtype=np.int64)
        self.g_open = self.td_cap[self.g_td] > 0 if len(self.groups) else np.zeros(0, dtype=bool)

    def day_number(self, day: date) -> int:
        return (day - self.day0).days

    # --- which groups each referral may use -------------------------------------------------
    def _eligibility(self) -> None:
        """``eligible[i]``: the groups referral ``i`` may use (competence, days, length, room)."""
        horizon = self.problem.late_horizon_days
        qual_cache: dict[tuple[str, int], np.ndarray] = {}
        self.eligible: list[np.ndarray] = []
        self.r_urgency = np.array([urgency(r) for r in self.referrals], dtype=np.int64)
        self.r_first = np.array(
            [self.day_number(r.earliest) for r in self.referrals], dtype=np.int64
        )
        self.r_last = np.array(
            [self.day_number(last_day(r, horizon)) for r in self.referrals], dtype=np.int64
        )
        for i, r in enumerate(self.referrals):
            key = (r.area, r.level)
            if key not in qual_cache:
                qual_cache[key] = np.array([qualifies(t, r) for t in self.therapists], dtype=bool)
            qual = qual_cache[key]
            if not len(self.groups):
                self.eligible.append(np.zeros(0, dtype=np.int64))
                continue
            mask = (
                qual[self.g_t]
                & self.g_open
                & (self.g_day >= self.r_first[i])
                & (self.g_day <= self.r_last[i])
                & (self.cap_relaxed[:, self.r_class[i]] > 0)
            )
            for d in r.unavailable_days:
                mask &= self.g_day != self.day_number(d)
            self.eligible.append(np.flatnonzero(mask))
        self.qualified = {key: np.flatnonzero(q) for key, q in qual_cache.items()}

    def deadline_number(self, i: int) -> int | None:
        r = self.referrals[i]
        return None if r.deadline is None else self.day_number(r.deadline)


def therapist_loads(prep: Prepared, groups_used: Mapping[int, int] | list[int]) -> np.ndarray:
    """New citizens per therapist in a plan, given the group of each placed referral."""
    used = np.array(list(groups_used), dtype=np.int64)
    if not used.size:
        return np.zeros(len(prep.therapists), dtype=np.int64)
    return np.bincount(prep.g_t[used], minlength=len(prep.therapists)).astype(np.int64)
