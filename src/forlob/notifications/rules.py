"""The rules of reminding, as plain functions: when a reminder is due, quiet hours, retries.

All times are aware datetimes; wall-clock rules (quiet hours) are read in Europe/Copenhagen.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

# An SMS due in the quiet hours goes out this long before they begin (20:45 for 21:00).
QUIET_MARGIN = timedelta(minutes=15)
# A reminder whose due time passed less than this long ago (the worker was down, or the
# appointment was booked just now) is still sent; one that is later than that is not planned.
LATE_GRACE = timedelta(minutes=30)
# Retries: the n-th failed attempt waits BASE * FACTOR**(n-1): 1, 5, 25 minutes by default.
BACKOFF_FACTOR = 5


def in_quiet_hours(moment: datetime, quiet_start: time, quiet_end: time) -> bool:
    """Whether ``moment`` (Copenhagen wall clock) lies in ``[quiet_start, quiet_end)``.

    The window may pass midnight (21:00–08:00); equal ends mean no quiet hours.
    """
    t = moment.astimezone(COPENHAGEN).time()
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= t < quiet_end
    return t >= quiet_start or t < quiet_end


def before_quiet_hours(moment: datetime, quiet_start: time, quiet_end: time) -> datetime:
    """``moment`` moved earlier, to just before the quiet hours it lies in (else unchanged)."""
    if not in_quiet_hours(moment, quiet_start, quiet_end):
        return moment
    local = moment.astimezone(COPENHAGEN)
    day = local.date()
    # In a window over midnight, the small hours belong to the quiet period that began the
    # evening before.
    if quiet_start > quiet_end and local.time() < quiet_end:
        day -= timedelta(days=1)
    return datetime.combine(day, quiet_start, tzinfo=COPENHAGEN) - QUIET_MARGIN


def end_of_quiet_hours(moment: datetime, quiet_start: time, quiet_end: time) -> datetime:
    """The moment the quiet hours that ``moment`` lies in end."""
    local = moment.astimezone(COPENHAGEN)
    day = local.date()
    if quiet_start > quiet_end and local.time() >= quiet_start:
        day += timedelta(days=1)
    return datetime.combine(day, quiet_end, tzinfo=COPENHAGEN)


def reminder_due(
    *,
    start: datetime,
    offset: timedelta,
    now: datetime,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
) -> datetime | None:
    """When to send the reminder ``offset`` before ``start``, or None if it is too late.

    With quiet hours (SMS), a due time inside them moves earlier, to before they begin. If that
    has already passed (booked late in the evening for the next morning), the reminder goes when
    the quiet hours end, provided that is still before the start. A due time that passed more
    than ``LATE_GRACE`` ago is not planned: a later offset (or none) will do.
    """
    due = start - offset
    quiet = quiet_start is not None and quiet_end is not None
    if quiet and in_quiet_hours(due, quiet_start, quiet_end):  # type: ignore[arg-type]
        earlier = before_quiet_hours(due, quiet_start, quiet_end)  # type: ignore[arg-type]
        if earlier >= now - LATE_GRACE:
            return earlier
        later = end_of_quiet_hours(due, quiet_start, quiet_end)  # type: ignore[arg-type]
        return later if now - LATE_GRACE <= later < start else None
    if due < now - LATE_GRACE or due >= start:
        return None
    return due


def retry_delay(attempts: int, base_seconds: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1 → base, 2 → 5×base, ...)."""
    return timedelta(seconds=base_seconds * BACKOFF_FACTOR ** max(attempts - 1, 0))


_SEPARATORS = re.compile(r"[\s\-().]")


def msisdn(phone: str) -> str | None:
    """A phone number as the gateway wants it (country code, digits only), or None.

    Danish numbers have 8 digits and may be written with +45 / 0045 and spaces; foreign numbers
    need their country code (+ or 00) and have 8–15 digits in all.
    """
    raw = _SEPARATORS.sub("", phone or "")
    if raw.startswith("+"):
        raw = raw[1:]
    elif raw.startswith("00"):
        raw = raw[2:]
    elif len(raw) == 8:
        raw = "45" + raw
    if not raw.isdigit() or not raw.isascii():
        return None
    if raw.startswith("45"):
        return raw if len(raw) == 10 else None
    return raw if 8 <= len(raw) <= 15 else None
