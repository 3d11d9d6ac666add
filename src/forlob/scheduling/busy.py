"""Commitments besides appointments that occupy a staff member's calendar.

Apps with calendar entries of their own (the group sessions of ``programmes``) register a source
in their ``AppConfig.ready()``. ``free_windows`` leaves those times out and the booking service
refuses to overlap them, so no app needs to import another to keep calendars free of double
bookings. Registering is idempotent, like ``access.relations.register``.

An app may also register an *entry* source (``register_entries``): the same commitments with a
stable id, a title and a place, for the staff member's own calendar feed (``scheduling/ical.py``).
Without one, the feed shows the app's busy times as plain "busy" blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# (staff_ids, start, end) -> (staff_id, busy_start, busy_end) for every commitment that overlaps.
BusySource = Callable[[Sequence[int], datetime, datetime], Iterable[tuple[int, datetime, datetime]]]

_sources: list[BusySource] = []


def register(source: BusySource) -> None:
    if source not in _sources:
        _sources.append(source)


def busy_intervals(
    staff_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[int, datetime, datetime]]:
    """Every registered commitment of ``staff_ids`` overlapping ``[start, end)``."""
    return [row for source in _sources for row in source(staff_ids, start, end)]


def is_busy(staff_id: int, start: datetime, end: datetime) -> bool:
    return any(b0 < end and b1 > start for _, b0, b1 in busy_intervals([staff_id], start, end))


@dataclass(frozen=True)
class CalendarEntry:
    """One commitment as it appears in the staff member's own calendar feed.

    It leaves Forløb for Outlook, Google and phones: ``summary`` and ``location`` must name no
    citizen and no health information (e.g. "Hold: KOL-hold, gang 3", the room's name).
    """

    staff_id: int
    start: datetime
    end: datetime
    uid: str  # stable across fetches and unique in the installation, e.g. "programme-session-7"
    summary: str
    location: str = ""
    cancelled: bool = False


EntrySource = Callable[[Sequence[int], datetime, datetime], Iterable[CalendarEntry]]

_entry_sources: list[EntrySource] = []


def register_entries(source: EntrySource) -> None:
    if source not in _entry_sources:
        _entry_sources.append(source)


def calendar_entries(
    staff_ids: Sequence[int], start: datetime, end: datetime
) -> list[CalendarEntry]:
    """Every registered entry of ``staff_ids`` overlapping ``[start, end)``."""
    return [row for source in _entry_sources for row in source(staff_ids, start, end)]
