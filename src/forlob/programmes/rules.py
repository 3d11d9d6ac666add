"""The programme rules as plain functions: session plans, completion, missed sessions in a row.

No database here: the services and selectors feed these with rows they have read, and the tests
check them directly.

* **Session plan.** Group session *i* of a definition lies ``offset_days()[i]`` days after the
  class's start date and starts at the class's start time. Several group sessions on the same day
  follow one another without a break, in the order of the definitions (e.g. KOL: training
  10:00–11:00, then patient education 11:00–12:00). Sessions are numbered 1, 2, … in time order.
* **Individual sessions** (e.g. GAIN's five talks) are numbered after the week they belong in;
  each is booked as an appointment on the citizen's pathway.
* **Completion.** A citizen completes when the sessions attended (group sessions present, plus
  individual sessions attended) are at least ``min_percent`` of the sessions planned for the
  citizen (the class's group sessions that were not cancelled, plus the programme's individual
  sessions). A session not attended is missed, whether the citizen cancelled in advance or
  simply did not come.
* **Flag.** A citizen is flagged when the *latest* registered sessions were ``n`` or more missed
  in a row (absent or cancelled in advance); unregistered sessions are passed over, a session
  attended ends the run. The flag says "call this citizen now", so it clears when they come back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from django.utils import timezone

PRESENT = "present"
ABSENT = "absent"
CANCELLED = "cancelled"
MISSED = frozenset({ABSENT, CANCELLED})
MINUTES_PER_DAY = 24 * 60


class Definition(Protocol):
    """What the plan needs of a session definition (``models.SessionDefinition``)."""

    title: str
    kind: str
    count: int
    duration_minutes: int

    def offset_days(self) -> list[int]: ...


@dataclass(frozen=True)
class PlannedSession:
    number: int
    definition: Definition
    day: date
    start: datetime
    end: datetime


@dataclass(frozen=True)
class PlannedTalk:
    """An individual session: its number, definition and the day its week begins."""

    number: int
    definition: Definition
    offset_days: int


class SessionsDoNotFitTheDay(ValueError):
    """Stacked group sessions would run past midnight."""


def _aware(day: date, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(minute // 60, minute % 60)))


def plan_sessions(
    *, start_date: date, start_time: time, definitions: Iterable[Definition]
) -> list[PlannedSession]:
    """The group sessions of a class starting on ``start_date`` at ``start_time``."""
    items: list[tuple[date, int, int, Definition]] = []
    for d_index, definition in enumerate(definitions):
        if definition.kind != "group":
            continue
        for i, offset in enumerate(definition.offset_days()):
            items.append((start_date + timedelta(days=offset), d_index, i, definition))
    items.sort(key=lambda item: item[:3])
    planned: list[PlannedSession] = []
    cursor: dict[date, int] = {}
    first_minute = start_time.hour * 60 + start_time.minute
    for number, (day, _d, _i, definition) in enumerate(items, start=1):
        begin = cursor.get(day, first_minute)
        finish = begin + definition.duration_minutes
        if finish >= MINUTES_PER_DAY:
            raise SessionsDoNotFitTheDay(day)
        cursor[day] = finish
        planned.append(
            PlannedSession(number, definition, day, _aware(day, begin), _aware(day, finish))
        )
    return planned


def plan_talks(definitions: Iterable[Definition]) -> list[PlannedTalk]:
    """The individual sessions of a programme, numbered in the order of their weeks."""
    items: list[tuple[int, int, int, Definition]] = []
    for d_index, definition in enumerate(definitions):
        if definition.kind != "individual":
            continue
        for i, offset in enumerate(definition.offset_days()):
            items.append((offset, d_index, i, definition))
    items.sort(key=lambda item: item[:3])
    return [PlannedTalk(n, item[3], item[0]) for n, item in enumerate(items, start=1)]


def missed_in_a_row(marks: Sequence[str | None]) -> int:
    """How many of the latest registered sessions were missed in a row (marks in time order)."""
    run = 0
    for mark in reversed(marks):
        if mark is None:
            continue
        if mark in MISSED:
            run += 1
        else:
            break
    return run


def is_flagged(marks: Sequence[str | None], flag_after: int) -> bool:
    return missed_in_a_row(marks) >= flag_after


def attendance_share(attended: int, planned: int) -> float | None:
    """Sessions attended as a share of the sessions planned (None when nothing is planned)."""
    if planned <= 0:
        return None
    return attended / planned


def meets_completion(*, attended: int, planned: int, min_percent: int) -> bool:
    """Whether ``attended`` of ``planned`` sessions meets the rule "at least ``min_percent`` %".

    Integer arithmetic, so 6 of 8 is exactly 75 % (no floating-point near misses).
    """
    if planned <= 0:
        return False
    return attended * 100 >= min_percent * planned


def sessions_needed(*, planned: int, min_percent: int) -> int:
    """The fewest sessions that meet the rule (e.g. 6 of 8 at 75 %)."""
    return -(-min_percent * planned // 100)
