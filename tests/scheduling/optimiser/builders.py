"""Small builders for hand-made booking problems (times on the Copenhagen wall clock)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from forlob.scheduling.optimiser.model import FreeWindow, Problem, Referral, Therapist

CPH = ZoneInfo("Europe/Copenhagen")
MONDAY = date(2026, 6, 1)  # Monday 1 June 2026 (summer time)


def at(day: date, hh: int, mm: int = 0, *, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=CPH).replace(fold=fold)


def window(
    therapist: int, day: date, h0: float, h1: float, *, location: int = 1, extra: bool = False
) -> FreeWindow:
    """A free window from ``h0`` to ``h1`` o'clock (fractions are minutes: 8.5 = 8:30)."""

    def clock(h: float) -> datetime:
        return at(day, int(h), round((h - int(h)) * 60))

    return FreeWindow(therapist, location, clock(h0), clock(h1), extra)


def referral(
    id: int, *, day: date = MONDAY, deadline: date | None = None, **kw: object
) -> Referral:
    defaults: dict[str, object] = {
        "received": day,
        "earliest": day,
        "deadline": deadline,
        "minutes": 60,
    }
    defaults.update(kw)
    return Referral(id=id, **defaults)  # type: ignore[arg-type]


def therapist(id: int, **kw: object) -> Therapist:
    return Therapist(id=id, **kw)  # type: ignore[arg-type]


def problem(
    referrals: list[Referral], therapists: list[Therapist], windows: list[FreeWindow], **kw: object
) -> Problem:
    return Problem(tuple(referrals), tuple(therapists), tuple(windows), **kw)  # type: ignore[arg-type]
