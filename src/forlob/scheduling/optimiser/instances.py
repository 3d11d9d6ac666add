"""Synthetic booking problems, reproducible from a seed (for the benchmark and the tests).

The shape follows a municipal re-training unit: therapists work Monday–Friday 8:00–15:30 at a
home location (some days at another one), most of each day already taken by existing
appointments so the free time comes in gaps; some are on holiday for one or two weeks; a few
have opened an extra-capacity block after hours. Referrals arrive over a week, a GOP plan
usually one to four days after discharge, so the 7-day deadline leaves three to seven days;
nine in ten are GOP referrals with an area and level, the rest have no legal deadline.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .model import (
    LEVEL_ADVANCED,
    LEVEL_BASAL,
    LEVEL_NONE,
    LEVEL_SPECIALISED,
    FreeWindow,
    Problem,
    Referral,
    Therapist,
)
from .slots import qualifies

AREAS = ("orthopaedic", "medical", "neurological")
# Monday 23 March 2026: the horizon crosses the change to summer time on Sunday 29 March.
DEFAULT_TODAY = date(2026, 3, 23)


def generate(
    *,
    seed: int,
    referrals: int,
    therapists: int,
    locations: int,
    today: date = DEFAULT_TODAY,
    referral_days: int = 7,
    weeks: int = 6,
    busy_share: float = 0.62,
    holiday_share: float = 0.1,
    gop_minutes: tuple[int, ...] = (60,),
    other_minutes: tuple[int, ...] = (60, 60, 60, 60, 45, 30),
    tz: str = "Europe/Copenhagen",
) -> Problem:
    """A problem with ``referrals`` arriving over ``referral_days`` from ``today``.

    ``busy_share`` is the chance that the next stretch of a working day is an existing
    appointment rather than a gap; ``holiday_share`` the share of therapists away for one or
    two weeks of the horizon. First appointments last one of ``gop_minutes`` for a GOP referral
    (the seeded GOP type: 60) and one of ``other_minutes`` otherwise (the seeded types' mix).
    """
    rng = random.Random(seed)
    zone = ZoneInfo(tz)
    last = today + timedelta(weeks=weeks)
    location_ids = list(range(1, locations + 1))

    staff: list[Therapist] = []
    home: dict[int, int] = {}
    away: dict[int, set[date]] = {}
    for t in range(1, therapists + 1):
        main = rng.choices(AREAS, weights=(5, 3, 2))[0]
        level = rng.choices((LEVEL_BASAL, LEVEL_ADVANCED, LEVEL_SPECIALISED), weights=(3, 4, 3))[0]
        comp = {main: level}
        if rng.random() < 0.4:
            other = rng.choice([a for a in AREAS if a != main])
            comp[other] = rng.randint(LEVEL_BASAL, level)
        new_already: dict[date, int] = {}
        day = today
        while day <= last:
            if day.weekday() < 5:
                x = rng.random()
                if x < 0.1:
                    new_already[day] = 2
                elif x < 0.4:
                    new_already[day] = 1
            day += timedelta(days=1)
        staff.append(
            Therapist(
                id=t,
                competencies=comp,
                max_new_per_day=rng.choices((2, 3, 4), weights=(2, 5, 3))[0],
                new_already=new_already,
            )
        )
        home[t] = rng.choice(location_ids)
        away[t] = set()
        if rng.random() < holiday_share:
            start = today + timedelta(days=rng.randint(-3, 7 * weeks - 10))
            for k in range(rng.choice((7, 14))):
                away[t].add(start + timedelta(days=k))

    def at(day: date, minutes: int) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).replace(
            hour=minutes // 60, minute=minutes % 60
        )

    windows: list[FreeWindow] = []
    day = today
    while day <= last:
        if day.weekday() < 5:
            for t in range(1, therapists + 1):
                if day in away[t]:
                    continue
                loc = home[t] if rng.random() < 0.8 else rng.choice(location_ids)
                cursor, end = 8 * 60, 15 * 60 + 30
                while cursor < end:
                    if rng.random() < busy_share:
                        cursor += rng.choice((30, 45, 60, 60, 90))
                    else:
                        gap = rng.choice((15, 30, 45, 60, 75, 90, 120))
                        stop = min(cursor + gap, end)
                        windows.append(FreeWindow(t, loc, at(day, cursor), at(day, stop)))
                        cursor += gap
                if rng.random() < 0.03:
                    windows.append(
                        FreeWindow(t, loc, at(day, 15 * 60 + 30), at(day, 17 * 60), True)
                    )
        day += timedelta(days=1)

    cases: list[Referral] = []
    for r in range(1, referrals + 1):
        received = today + timedelta(days=rng.randrange(referral_days))
        if rng.random() < 0.9:
            discharge = received - timedelta(days=rng.choice((0, 1, 1, 2, 2, 3, 4)))
            deadline: date | None = discharge + timedelta(days=7)
            area = rng.choices(AREAS, weights=(5, 3, 2))[0]
            level = rng.choices(
                (LEVEL_BASAL, LEVEL_ADVANCED, LEVEL_SPECIALISED), weights=(50, 35, 15)
            )[0]
        else:
            deadline, area, level = None, "", LEVEL_NONE
        minutes = rng.choice(gop_minutes if deadline else other_minutes)
        preferred = rng.choice(location_ids) if rng.random() < 0.4 else None
        unavailable: set[date] = set()
        if rng.random() < 0.15:
            weekdays = set(rng.sample(range(5), rng.choice((1, 2))))
            d = received
            while d <= last:
                if d.weekday() in weekdays:
                    unavailable.add(d)
                d += timedelta(days=1)
        referral = Referral(
            id=r,
            received=received,
            earliest=received,
            deadline=deadline,
            minutes=minutes,
            area=area,
            level=level,
            preferred_location_id=preferred,
            unavailable_days=frozenset(unavailable),
        )
        if rng.random() < 0.08:
            able = [t.id for t in staff if qualifies(t, referral)]
            if able:
                referral = replace(referral, known_therapist_id=rng.choice(able))
        cases.append(referral)
    return Problem(referrals=tuple(cases), therapists=tuple(staff), windows=tuple(windows), tz=tz)
