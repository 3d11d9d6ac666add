"""The booking optimiser's data: plain dataclasses in, proposals out. No Django here.

The adapter (``scheduling/proposals.py``) builds a ``Problem`` from the database; the engine
(``scheduling/optimiser/engine.py``) returns a ``Result``; the benchmark (``bench/booking.py``)
and the property tests build problems directly. Times are timezone-aware datetimes; days are
calendar days in ``Problem.tz`` (Europe/Copenhagen), which is what the 7-day rule counts.

Reasons are codes (see ``Reason``); the adapter turns them into Danish text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

# GOP levels as ranks: a therapist with level 3 in an area may see levels 1–3 in it.
LEVEL_NONE, LEVEL_BASAL, LEVEL_ADVANCED, LEVEL_SPECIALISED = 0, 1, 2, 3


class Reason(StrEnum):
    COMPETENCE = "competence"  # the therapist's competence matches area and level
    WITHIN_DEADLINE = "within_deadline"  # offered on or before the deadline
    LATE = "late"  # no time within the deadline could be found for this referral
    URGENT_FIRST = "urgent_first"  # neurological/specialised placed early at equal deadline
    CONTINUITY = "continuity"  # the therapist the citizen already knows
    PREFERRED_LOCATION = "preferred_location"  # the citizen's preferred location
    BALANCED_LOAD = "balanced_load"  # spreads new citizens across therapists
    EXTRA_CAPACITY = "extra_capacity"  # uses an opened extra-capacity block


@dataclass(frozen=True)
class Referral:
    id: int
    received: date  # first come, first served order for the greedy baseline
    earliest: date  # no offer before this day (normally today; tomorrow if today is full)
    deadline: date | None  # None: no legal deadline (non-GOP types)
    minutes: int  # length of the first appointment
    area: str = ""  # "orthopaedic" | "medical" | "neurological" | "" (no requirement)
    level: int = LEVEL_NONE  # required level in ``area``
    preferred_location_id: int | None = None
    unavailable_days: frozenset[date] = frozenset()
    known_therapist_id: int | None = None  # continuity: the therapist the citizen knows


@dataclass(frozen=True)
class Therapist:
    id: int
    competencies: Mapping[str, int] = field(default_factory=dict)  # area -> highest level
    max_new_per_day: int = 4
    new_already: Mapping[date, int] = field(default_factory=dict)  # new citizens booked per day


@dataclass(frozen=True)
class FreeWindow:
    """A stretch of free time: within working hours and opening hours, minus absences and
    existing appointments. ``extra`` marks an opened extra-capacity block."""

    therapist_id: int
    location_id: int
    start: datetime
    end: datetime
    extra: bool = False


@dataclass(frozen=True)
class Problem:
    referrals: tuple[Referral, ...]
    therapists: tuple[Therapist, ...]
    windows: tuple[FreeWindow, ...]
    tz: str = "Europe/Copenhagen"
    grid_minutes: int = 15
    # How many days past its deadline (or past ``earliest`` when there is none) a referral may
    # still be offered a time; later than that it is reported as unassigned.
    late_horizon_days: int = 21


@dataclass(frozen=True)
class Proposal:
    referral_id: int
    therapist_id: int
    location_id: int
    start: datetime
    end: datetime
    within_deadline: bool
    days_late: int  # 0 when within the deadline or without one
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Shortfall:
    """Capacity that would have let late referrals be offered in time."""

    area: str
    level: int
    referrals: int
    hours: float  # therapist-hours of this competence needed on or before the deadlines


@dataclass(frozen=True)
class Result:
    proposals: tuple[Proposal, ...]
    unassigned: tuple[int, ...]  # referral ids without any possible time within the horizon
    within_deadline: int  # referrals with a deadline offered on or before it
    total_days_late: int
    bound_within_deadline: int  # max-flow bound: the most that could be offered in time
    objective: int  # the engine's cost of this plan (lower is better)
    lower_bound: int | None  # LP bound of that cost (None for the greedy baseline)
    shortfall: tuple[Shortfall, ...]
    solver: str  # "flow", "flow+cp-sat" or "greedy"
    seconds: float
