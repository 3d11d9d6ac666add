"""The programme rules without a database: session plans, completion, missed sessions in a row."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forlob.programmes import rules
from forlob.programmes.models import SessionDefinition
from tests.helpers import at

MONDAY = date(2026, 6, 8)


def definition(kind: str = "group", count: int = 1, minutes: int = 60, **kw) -> SessionDefinition:
    return SessionDefinition(
        title=kw.pop("title", "Træning"), kind=kind, count=count, duration_minutes=minutes, **kw
    )


def gain() -> list[SessionDefinition]:
    """GAIN as seeded: 3 group sessions of 2 h in weeks 0, 3, 7; 5 talks of 30 min."""
    return [
        definition("group", 3, 120, title="Gruppeforløb", unit="week", offsets=[0, 3, 7]),
        definition(
            "individual", 5, 30, title="Individuel samtale", unit="week", offsets=[1, 2, 4, 5, 6]
        ),
    ]


def test_gain_sessions_fall_in_weeks_0_3_and_7_on_the_start_weekday_for_two_hours():
    plan = rules.plan_sessions(start_date=MONDAY, start_time=time(13, 0), definitions=gain())
    assert [(p.number, p.day) for p in plan] == [
        (1, date(2026, 6, 8)),
        (2, date(2026, 6, 29)),
        (3, date(2026, 7, 27)),
    ]
    assert [(p.start, p.end) for p in plan] == [
        (at(p.day, 13), at(p.day, 15)) for p in plan
    ]  # the wall clock, whatever the offset from UTC


def test_twice_weekly_training_and_education_on_the_same_day_follow_each_other():
    training = definition(
        "group", 4, 60, title="Træning", unit="day", offsets=[0, 3, 7, 10], professions=["physio"]
    )
    education = definition("group", 2, 45, title="Undervisning", unit="week", offsets=[0, 1])
    plan = rules.plan_sessions(
        start_date=MONDAY, start_time=time(10, 0), definitions=[training, education]
    )
    assert [(p.number, p.definition.title, p.start, p.end) for p in plan] == [
        (1, "Træning", at(MONDAY, 10), at(MONDAY, 11)),
        (2, "Undervisning", at(MONDAY, 11), at(MONDAY, 11, 45)),
        (3, "Træning", at(date(2026, 6, 11), 10), at(date(2026, 6, 11), 11)),
        (4, "Træning", at(date(2026, 6, 15), 10), at(date(2026, 6, 15), 11)),
        (5, "Undervisning", at(date(2026, 6, 15), 11), at(date(2026, 6, 15), 11, 45)),
        (6, "Træning", at(date(2026, 6, 18), 10), at(date(2026, 6, 18), 11)),
    ]


def test_without_offsets_sessions_come_every_interval_from_the_first_offset():
    weekly = definition("group", 3, 60, unit="week", first_offset=1, interval=2)
    assert weekly.offset_days() == [7, 21, 35]
    daily = definition("group", 3, 60, unit="day", interval=2)
    assert daily.offset_days() == [0, 2, 4]


def test_a_plan_across_the_change_to_winter_time_keeps_the_wall_clock():
    # 25 October 2026: clocks go back; the session a week later still starts at 10:00 local.
    weekly = definition("group", 2, 120, unit="week", offsets=[0, 1])
    plan = rules.plan_sessions(
        start_date=date(2026, 10, 20), start_time=time(10, 0), definitions=[weekly]
    )
    assert [p.start for p in plan] == [at(date(2026, 10, 20), 10), at(date(2026, 10, 27), 10)]
    assert [(p.end - p.start).total_seconds() for p in plan] == [7200, 7200]


def test_sessions_that_would_run_past_midnight_are_refused():
    long = definition("group", 1, 480, unit="week", offsets=[0])
    with pytest.raises(rules.SessionsDoNotFitTheDay):
        rules.plan_sessions(start_date=MONDAY, start_time=time(17, 0), definitions=[long])


def test_individual_sessions_are_not_in_the_group_plan_and_numbered_by_week():
    talks = rules.plan_talks(gain())
    assert [(t.number, t.offset_days) for t in talks] == [
        (1, 7),
        (2, 14),
        (3, 28),
        (4, 35),
        (5, 42),
    ]
    start = definition("individual", 1, 45, title="Start", unit="week", offsets=[0])
    end = definition("individual", 1, 45, title="Slut", unit="week", offsets=[8])
    assert [t.definition.title for t in rules.plan_talks([end, start])] == ["Start", "Slut"]


# --- completion -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "planned", "percent", "meets"),
    [
        (6, 8, 75, True),  # GAIN: 6 of 8 is exactly 75 %
        (5, 8, 75, False),
        (17, 22, 75, True),  # KOL: 16.5 rounds up to 17
        (16, 22, 75, False),
        (0, 8, 0, True),
        (8, 8, 100, True),
        (0, 0, 75, False),  # nothing planned: nothing completed
    ],
)
def test_completion_rule(attended, planned, percent, meets):
    assert rules.meets_completion(attended=attended, planned=planned, min_percent=percent) is meets


@given(planned=st.integers(1, 60), percent=st.integers(0, 100))
def test_sessions_needed_is_the_fewest_that_meet_the_rule(planned, percent):
    needed = rules.sessions_needed(planned=planned, min_percent=percent)
    assert rules.meets_completion(attended=needed, planned=planned, min_percent=percent)
    if needed > 0:
        assert not rules.meets_completion(attended=needed - 1, planned=planned, min_percent=percent)


# --- missed in a row ------------------------------------------------------------------------------

P, A, C, N = rules.PRESENT, rules.ABSENT, rules.CANCELLED, None


@pytest.mark.parametrize(
    ("marks", "run"),
    [
        ([], 0),
        ([P, P], 0),
        ([P, A], 1),
        ([P, A, C], 2),  # a cancellation in advance is a missed session too
        ([A, A, P], 0),  # back again: the run is over
        ([P, A, N, A], 2),  # a session not registered yet neither counts nor breaks the run
        ([N, N], 0),
        ([A, A, A, P, A], 1),
    ],
)
def test_missed_in_a_row_counts_the_latest_run(marks, run):
    assert rules.missed_in_a_row(marks) == run


def test_flag_after_n():
    assert rules.is_flagged([P, A, A], 2)
    assert not rules.is_flagged([P, A, A], 3)
    assert not rules.is_flagged([A, A, P], 2)


@given(st.lists(st.sampled_from([P, A, C, N]), max_size=30))
def test_missed_in_a_row_never_exceeds_the_missed_sessions_and_ends_at_presence(marks):
    run = rules.missed_in_a_row(marks)
    assert run <= sum(1 for m in marks if m in (A, C))
    registered = [m for m in marks if m is not None]
    assert all(m in (A, C) for m in registered[len(registered) - run :])
    if run < len(registered):
        assert registered[len(registered) - run - 1] == P
