"""Calendars: staff members' weekly working hours and their absences, one row each.

``type`` says which a row is: ``arbejdstid`` (working hours: weekday, from, to, location) or
``fravær`` (absence: from date, to date, kind). Staff are named by user name and must be users of
the importing user's municipality.

Idempotence: the working hours in the file *replace* the weekly working hours of each staff
member the file gives working hours for (rows already there are kept, rows not in the file are
removed, and the preview counts them); staff with only absence rows keep their working hours.
An absence already registered with the same dates and kind is left alone; others are added.
Appointments already booked are not moved: check the calendars after a change of hours.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import gettext_noop

from forlob.core.models import Location, User
from forlob.imports.models import ImportKind
from forlob.imports.parsing import (
    NEW,
    UNCHANGED,
    Context,
    Item,
    Kind,
    Progress,
    Row,
    choices,
    saving,
)
from forlob.imports.tabular import Column, normalise
from forlob.scheduling.models import Absence, Weekday, WorkingHours

MESSAGE_UNKNOWN_USER = gettext_noop("No active user of your municipality has this user name.")
MESSAGE_END_BEFORE_START = gettext_noop("The end must come after the start.")
MESSAGE_TOO_LONG_ABSENCE = gettext_noop("An absence can be at most a year; split it.")
MESSAGE_UNKNOWN_LOCATION = gettext_noop("No active location of your municipality has this name.")
MESSAGE_ONLY_ABSENCE = gettext_noop("Only for absences: leave it empty on a row of working hours.")
MESSAGE_ONLY_HOURS = gettext_noop("Only for working hours: leave it empty on a row of absence.")
MESSAGE_OVERLAP = gettext_noop(
    "Overlaps the working hours in row %(other)d (same staff member and weekday)."
)
MESSAGE_DUPLICATE_ABSENCE = gettext_noop("The same absence is also in row %(other)d.")

HOURS, ABSENCE = "working_hours", "absence"
TYPE_CHOICES = choices(
    [(HOURS, "working hours"), (ABSENCE, "absence")],
    arbejdstid="working_hours",
    arbejdstider="working_hours",
    fravaer="absence",
    fravaersperiode="absence",
)
HOURS_ONLY = ("weekday", "start_time", "end_time", "location")
ABSENCE_ONLY = ("start_date", "end_date", "absence_kind")

COLUMNS = (
    Column(
        "username",
        "brugernavn",
        True,
        _l("The staff member's user name (a user of your municipality)."),
        aliases=("user",),
        example=("tove.terapeut", "tove.terapeut", "tove.terapeut"),
    ),
    Column(
        "type",
        "type",
        True,
        _l("arbejdstid (weekly working hours) or fravær (absence)."),
        aliases=("kind", "slags"),
        example=("arbejdstid", "arbejdstid", "fravær"),
    ),
    Column(
        "weekday",
        "ugedag",
        False,
        _l("Working hours: mandag … søndag (also man, tir, … or 1–7, Monday = 1)."),
        example=("mandag", "tirsdag", ""),
    ),
    Column(
        "start_time",
        "fra",
        False,
        _l("Working hours: from, HH:MM."),
        aliases=("from",),
        example=("08:00", "08:00", ""),
    ),
    Column(
        "end_time",
        "til",
        False,
        _l("Working hours: to, HH:MM (after from)."),
        aliases=("to",),
        example=("15:30", "15:30", ""),
    ),
    Column(
        "location",
        "sted",
        False,
        _l("Working hours: the location's name; empty = none in particular."),
        aliases=("lokation", "location"),
    ),
    Column(
        "start_date",
        "fra_dato",
        False,
        _l("Absence: first day, YYYY-MM-DD (also DD-MM-YYYY)."),
        aliases=("from_date", "startdato"),
        example=("", "", "2026-07-06"),
    ),
    Column(
        "end_date",
        "til_dato",
        False,
        _l("Absence: last day (inclusive); empty = the first day only."),
        aliases=("to_date", "slutdato"),
        example=("", "", "2026-07-24"),
    ),
    Column(
        "absence_kind",
        "fraværstype",
        False,
        _l("Absence: ferie, syg, kursus or andet; empty = ferie."),
        aliases=("absence_type", "fravaerstype"),
        example=("", "", "ferie"),
    ),
)


def _weekdays() -> dict[str, int]:
    out = choices(Weekday.choices)
    danish = ("man", "tir", "ons", "tor", "fre", "lør", "søn")
    english = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for number, (da, en) in enumerate(zip(danish, english, strict=True)):
        out[normalise(da)] = number
        out[normalise(en)] = number
        out[str(number + 1)] = number  # ISO: Monday = 1
    return out


@dataclass
class CalendarRow:
    type: str
    staff_id: int
    weekday: int | None = None
    start_time: time | None = None
    end_time: time | None = None
    location_id: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    absence_kind: str = ""

    def hours_key(self) -> tuple[object, ...]:
        return (self.weekday, self.start_time, self.end_time, self.location_id)

    def absence_key(self) -> tuple[object, ...]:
        return (self.start_date, self.end_date, self.absence_kind)


class CalendarsKind(Kind):
    key = ImportKind.CALENDARS
    columns = COLUMNS
    preview_columns = (
        "username",
        "type",
        "weekday",
        "start_time",
        "end_time",
        "start_date",
        "end_date",
    )

    def start(self, ctx: Context) -> None:
        ctx.state["users"] = dict(
            User.objects.filter(municipality=ctx.municipality, is_active=True).values_list(
                "username", "pk"
            )
        )
        ctx.state["locations"] = {
            normalise(name): pk
            for pk, name in Location.objects.filter(
                municipality=ctx.municipality, is_active=True
            ).values_list("pk", "name")
        }
        ctx.state["weekdays"] = _weekdays()
        ctx.state["kinds"] = choices(Absence.Kind.choices)

    def row(self, ctx: Context, row: Row) -> Item | None:
        s = ctx.state
        username = row.text("username", 150, required=True)
        staff_id = s["users"].get(username)
        if username and staff_id is None:
            row.error("username", _(MESSAGE_UNKNOWN_USER))
        kind = row.choice("type", TYPE_CHOICES, shown=("arbejdstid", "fravær"), required=True)
        data = CalendarRow(type=kind or "", staff_id=staff_id or 0)
        if kind == HOURS:
            for key in ABSENCE_ONLY:
                if row.raw(key):
                    row.error(key, _(MESSAGE_ONLY_ABSENCE))
            data.weekday = row.choice(
                "weekday", s["weekdays"], shown=("mandag", "…", "søndag"), required=True
            )
            data.start_time = row.time("start_time", required=True)
            data.end_time = row.time("end_time", required=True)
            if data.start_time and data.end_time and data.end_time <= data.start_time:
                row.error("end_time", _(MESSAGE_END_BEFORE_START))
            if row.raw("location"):
                data.location_id = s["locations"].get(normalise(row.raw("location")))
                if data.location_id is None:
                    row.error("location", _(MESSAGE_UNKNOWN_LOCATION))
        elif kind == ABSENCE:
            for key in HOURS_ONLY:
                if row.raw(key):
                    row.error(key, _(MESSAGE_ONLY_HOURS))
            data.start_date = row.date("start_date", required=True)
            data.end_date = row.date("end_date") or data.start_date
            if data.start_date and data.end_date:
                if data.end_date < data.start_date:
                    row.error("end_date", _(MESSAGE_END_BEFORE_START))
                elif (data.end_date - data.start_date).days > 366:
                    row.error("end_date", _(MESSAGE_TOO_LONG_ABSENCE))
            kinds = s["kinds"]
            data.absence_kind = (
                row.choice("absence_kind", kinds, shown=("ferie", "syg", "kursus", "andet"))
                or Absence.Kind.HOLIDAY
            )
        if row.failed:
            return None
        return Item(row=row.number, data=data)

    def finish(self, ctx: Context) -> None:
        items = ctx.result.items
        hours: dict[int, list[Item]] = defaultdict(list)
        absences: dict[int, dict[tuple[object, ...], int]] = defaultdict(dict)
        for item in items:
            d: CalendarRow = item.data
            if d.type == HOURS:
                for other in hours[d.staff_id]:
                    o: CalendarRow = other.data
                    if (
                        o.weekday == d.weekday
                        and o.start_time < d.end_time  # type: ignore[operator]
                        and d.start_time < o.end_time  # type: ignore[operator]
                    ):
                        ctx.error(item.row, "start_time", _(MESSAGE_OVERLAP) % {"other": other.row})
                        break
                else:
                    hours[d.staff_id].append(item)
            else:
                seen = absences[d.staff_id]
                if d.absence_key() in seen:
                    ctx.error(
                        item.row,
                        "start_date",
                        _(MESSAGE_DUPLICATE_ABSENCE) % {"other": seen[d.absence_key()]},
                    )
                else:
                    seen[d.absence_key()] = item.row

        existing_hours: dict[int, set[tuple[object, ...]]] = defaultdict(set)
        for wh in WorkingHours.objects.filter(staff_id__in=list(hours)):
            existing_hours[wh.staff_id].add(
                (wh.weekday, wh.start_time, wh.end_time, wh.location_id)
            )
        existing_absences: set[tuple[object, ...]] = set(
            Absence.objects.filter(staff_id__in=list(absences)).values_list(
                "staff_id", "start_date", "end_date", "kind"
            )
        )
        kept: dict[int, set[tuple[object, ...]]] = defaultdict(set)
        for item in items:
            d = item.data
            if d.type == HOURS and d.hours_key() in existing_hours[d.staff_id]:
                item.status = UNCHANGED
                kept[d.staff_id].add(d.hours_key())
            elif d.type == ABSENCE and (d.staff_id, *d.absence_key()) in existing_absences:
                item.status = UNCHANGED
        ctx.result.extra["removed"] = sum(
            len(existing_hours[staff] - kept[staff]) for staff in hours
        )

    def write(self, ctx: Context, items: list[Item], progress: Progress) -> dict[str, int]:
        wanted: dict[int, set[tuple[object, ...]]] = defaultdict(set)
        for item in items:
            if item.data.type == HOURS:
                wanted[item.data.staff_id].add(item.data.hours_key())
        removed = 0
        for wh in WorkingHours.objects.filter(staff_id__in=list(wanted)):
            key = (wh.weekday, wh.start_time, wh.end_time, wh.location_id)
            if key not in wanted[wh.staff_id]:
                wh.delete()
                removed += 1
        todo = [i for i in items if i.status == NEW]
        for done, item in enumerate(todo, start=1):
            d: CalendarRow = item.data
            with saving(item.row):
                if d.type == HOURS:
                    WorkingHours.objects.create(
                        staff_id=d.staff_id,
                        weekday=d.weekday,
                        start_time=d.start_time,
                        end_time=d.end_time,
                        location_id=d.location_id,
                    )
                else:
                    Absence.objects.create(
                        staff_id=d.staff_id,
                        start_date=d.start_date,
                        end_date=d.end_date,
                        kind=d.absence_kind,
                    )
            progress(done, len(todo))
        return {NEW: len(todo), UNCHANGED: len(items) - len(todo), "removed": removed}
