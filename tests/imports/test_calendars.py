"""Calendars: weekly working hours replace a staff member's, absences are added once."""

from __future__ import annotations

from datetime import date, time

from forlob.imports.kinds import calendars as kind
from forlob.imports.parsing import MESSAGE_BAD_CHOICE, MESSAGE_BAD_TIME, NEW, UNCHANGED
from forlob.scheduling.models import Absence, WorkingHours
from tests.helpers import tr
from tests.imports.conftest import csv_bytes, xlsx_bytes
from tests.imports.helpers import check, problems, run

HEADER = ["brugernavn", "type", "ugedag", "fra", "til", "sted", "fra_dato", "til_dato",
          "fraværstype"]  # fmt: skip


def hours(user, day="mandag", start="8:00", end="15.30", place=""):
    return [user.username, "arbejdstid", day, start, end, place, "", "", ""]


def absence(user, start="2026-07-06", end="2026-07-24", what="ferie"):
    return [user.username, "fravær", "", "", "", "", start, end, what]


def test_working_hours_replace_the_staff_members_week(org_a, therapist):
    assert WorkingHours.objects.filter(staff=therapist).count() == 5  # Mon–Fri 8–16
    rows = [
        HEADER,
        hours(therapist, "man", "08:00", "16:00", org_a.location.name),  # kept as it was
        hours(therapist, "tirsdag", "9", "14"),
        hours(therapist, "3", "12:00", "18:00"),  # ISO weekday 3 = Wednesday
        absence(therapist),
    ]
    result = check("calendars", csv_bytes(rows), org_a)
    assert problems(result) == []
    assert [i.status for i in result.items] == [UNCHANGED, NEW, NEW, NEW]
    assert result.counts()["removed"] == 4  # Tue–Fri 8–16 go

    result, counts = run("calendars", csv_bytes(rows), org_a)
    assert counts == {NEW: 3, UNCHANGED: 1, "removed": 4}
    week = list(
        WorkingHours.objects.filter(staff=therapist).values_list(
            "weekday", "start_time", "end_time"
        )
    )
    assert week == [(0, time(8), time(16)), (1, time(9), time(14)), (2, time(12), time(18))]
    assert list(Absence.objects.filter(staff=therapist).values_list("start_date", "kind")) == [
        (date(2026, 7, 6), "holiday")
    ]

    result, counts = run("calendars", csv_bytes(rows), org_a)  # again: nothing to do
    assert counts == {NEW: 0, UNCHANGED: 4, "removed": 0}
    assert Absence.objects.count() == 1


def test_absence_rows_alone_leave_the_working_hours(org_a, therapist):
    run("calendars", csv_bytes([HEADER, absence(therapist, "2026-06-10", "", "syg")]), org_a)
    assert WorkingHours.objects.filter(staff=therapist).count() == 5
    sick = Absence.objects.get(staff=therapist)
    assert (sick.start_date, sick.end_date, sick.kind) == (date(2026, 6, 10),) * 2 + ("sick",)


def test_excel_times(org_a, therapist):
    rows = [HEADER, [therapist.username, "arbejdstid", "fredag", time(7, 30), time(12), None]]
    result, _counts = run("calendars", xlsx_bytes(rows), org_a)
    assert problems(result) == []
    assert WorkingHours.objects.get(staff=therapist).start_time == time(7, 30)


def test_errors_name_row_and_column(org_a, therapist, outsider):
    rows = [
        HEADER,
        hours(outsider),  # 2: a user of another municipality
        hours(therapist, "funday"),  # 3
        hours(therapist, "tirsdag", "14:00", "9:00"),  # 4
        hours(therapist, "onsdag", "25:00"),  # 5
        [*hours(therapist, "torsdag")[:6], "2026-07-01", "", ""],  # 6: absence field
        absence(therapist, "2026-07-10", "2026-07-01"),  # 7
        [therapist.username, "ferie?", "", "", "", "", "", "", ""],  # 8
        hours(therapist, "mandag", "8", "12"),  # 9: fine
        hours(therapist, "mandag", "11", "13"),  # 10: overlaps 9
        absence(therapist),  # 11: fine
        absence(therapist),  # 12: twice
        hours(therapist, "fredag", place="Månen"),  # 13
    ]
    result = check("calendars", csv_bytes(rows), org_a)
    assert [(r, letter, column, m) for r, letter, column, m in problems(result)] == [
        (2, "A", "brugernavn", tr(kind.MESSAGE_UNKNOWN_USER)),
        (3, "C", "ugedag", tr(MESSAGE_BAD_CHOICE) % {"values": "mandag, …, søndag"}),
        (4, "E", "til", tr(kind.MESSAGE_END_BEFORE_START)),
        (5, "D", "fra", tr(MESSAGE_BAD_TIME)),
        (6, "G", "fra_dato", tr(kind.MESSAGE_ONLY_ABSENCE)),
        (7, "H", "til_dato", tr(kind.MESSAGE_END_BEFORE_START)),
        (8, "B", "type", tr(MESSAGE_BAD_CHOICE) % {"values": "arbejdstid, fravær"}),
        (13, "F", "sted", tr(kind.MESSAGE_UNKNOWN_LOCATION)),
        (10, "D", "fra", tr(kind.MESSAGE_OVERLAP) % {"other": 9}),
        (12, "G", "fra_dato", tr(kind.MESSAGE_DUPLICATE_ABSENCE) % {"other": 11}),
    ]
