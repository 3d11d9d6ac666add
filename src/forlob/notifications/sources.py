"""Upcoming events that citizens are reminded of, gathered from the apps that own them.

``scheduling`` owns appointments and ``programmes`` owns class sessions; each registers a source
in its ``AppConfig.ready()`` and the reminder planner asks every source for the events starting
in a time range. Registering twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ReminderEvent:
    key: str  # stable and unique per event, e.g. "appointment:12" or "session:7:citizen:3"
    citizen_id: int
    start: datetime
    what: str  # short Danish text for the message, e.g. "genoptræning" or "KOL-hold, session 3"
    where: str  # location name (or "telefon"/"video")
    team_id: int | None = None


ReminderSource = Callable[[datetime, datetime], Iterable[ReminderEvent]]

_sources: list[ReminderSource] = []


def register(source: ReminderSource) -> None:
    if source not in _sources:
        _sources.append(source)


def events_between(start: datetime, end: datetime) -> list[ReminderEvent]:
    """Every registered event starting in ``[start, end)``, earliest first."""
    events = [event for source in _sources for event in source(start, end)]
    return sorted(events, key=lambda e: (e.start, e.key))
