"""When reminders are due (quiet hours, short notice), retry backoff, numbers, Danish texts."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forlob.notifications import rules
from forlob.notifications.sources import ReminderEvent
from forlob.notifications.texts import danish_datetime, reminder_email, reminder_sms
from tests.helpers import COPENHAGEN, local

QUIET = {"quiet_start": time(21), "quiet_end": time(8)}
TWO_HOURS = timedelta(hours=2)
TWO_DAYS = timedelta(days=2)


def test_due_is_the_offset_before_the_start():
    start = local(2026, 6, 4, 14, 0)
    due = rules.reminder_due(start=start, offset=TWO_HOURS, now=local(2026, 6, 1, 7), **QUIET)
    assert due == local(2026, 6, 4, 12, 0)


@pytest.mark.parametrize(
    ("start", "offset", "expected"),
    [
        # 08:30 appointment, 2 hours before is 06:30: the evening before, before 21:00.
        (local(2026, 6, 4, 8, 30), TWO_HOURS, local(2026, 6, 3, 20, 45)),
        # 22:30 is quiet too (evening side): same evening, before 21:00.
        (local(2026, 6, 6, 22, 30), timedelta(days=2), local(2026, 6, 4, 20, 45)),
        # exactly 21:00 is quiet; 20:59 is not
        (local(2026, 6, 4, 23, 0), TWO_HOURS, local(2026, 6, 4, 20, 45)),
        (local(2026, 6, 4, 22, 59), TWO_HOURS, local(2026, 6, 4, 20, 59)),
        # exactly 08:00 is allowed
        (local(2026, 6, 4, 10, 0), TWO_HOURS, local(2026, 6, 4, 8, 0)),
    ],
)
def test_sms_in_quiet_hours_moves_earlier(start, offset, expected):
    now = local(2026, 6, 1, 7)
    assert rules.reminder_due(start=start, offset=offset, now=now, **QUIET) == expected


def test_email_has_no_quiet_hours():
    start = local(2026, 6, 4, 8, 30)
    due = rules.reminder_due(start=start, offset=TWO_HOURS, now=local(2026, 6, 1, 7))
    assert due == local(2026, 6, 4, 6, 30)


def test_booked_late_evening_for_the_morning_goes_when_quiet_hours_end():
    """22:00 booking for 08:30: the evening slot has passed; 08:00 is still before the start."""
    now = local(2026, 6, 3, 22, 0)
    due = rules.reminder_due(start=local(2026, 6, 4, 8, 30), offset=TWO_HOURS, now=now, **QUIET)
    assert due == local(2026, 6, 4, 8, 0)
    # ... but an appointment at 07:30 (before the quiet hours end) gets no SMS at all.
    early = rules.reminder_due(start=local(2026, 6, 4, 7, 30), offset=TWO_HOURS, now=now, **QUIET)
    assert early is None


def test_a_passed_offset_is_not_planned_but_a_just_passed_one_is():
    start = local(2026, 6, 2, 10, 0)
    # Booked Monday 07:00 for Tuesday: "2 days before" was Sunday: too late.
    assert rules.reminder_due(start=start, offset=TWO_DAYS, now=local(2026, 6, 1, 7)) is None
    # The worker was down for ten minutes: still sent.
    now = local(2026, 6, 2, 8, 10)
    assert rules.reminder_due(start=start, offset=TWO_HOURS, now=now) == local(2026, 6, 2, 8)
    # ... but not an hour late.
    now = local(2026, 6, 2, 9, 0)
    assert rules.reminder_due(start=start, offset=TWO_HOURS, now=now) is None


def test_quiet_hours_keep_the_wall_clock_over_daylight_saving():
    # Sunday 25 October 2026 the clocks go back at 03:00; 06:00 is quiet, 20:45 the evening before.
    due = rules.reminder_due(
        start=local(2026, 10, 25, 8, 0), offset=TWO_HOURS, now=local(2026, 10, 20, 9), **QUIET
    )
    assert due == local(2026, 10, 24, 20, 45)
    assert due.astimezone(COPENHAGEN).utcoffset() == timedelta(hours=2)


@given(
    start_minutes=st.integers(min_value=0, max_value=60 * 24 * 20),
    offset_minutes=st.integers(min_value=1, max_value=60 * 24 * 14),
    now_minutes=st.integers(min_value=0, max_value=60 * 24 * 20),
)
def test_an_sms_is_never_due_in_quiet_hours_nor_after_the_start(
    start_minutes, offset_minutes, now_minutes
):
    base = local(2026, 3, 20, 0, 0)  # spans the spring daylight saving change
    start = base + timedelta(minutes=start_minutes)
    now = base + timedelta(minutes=now_minutes)
    due = rules.reminder_due(
        start=start, offset=timedelta(minutes=offset_minutes), now=now, **QUIET
    )
    if due is not None:
        assert not rules.in_quiet_hours(due, **QUIET)
        assert due < start
        assert due >= now - rules.LATE_GRACE
        assert due <= start - timedelta(minutes=offset_minutes) or rules.in_quiet_hours(
            start - timedelta(minutes=offset_minutes), **QUIET
        )


def test_retry_backoff_is_1_5_25_minutes():
    delays = [rules.retry_delay(n, 60) for n in (1, 2, 3)]
    assert delays == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25)]


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("12345678", "4512345678"),
        ("12 34 56 78", "4512345678"),
        ("+45 12 34 56 78", "4512345678"),
        ("004512345678", "4512345678"),
        ("+46 70 123 45 67", "46701234567"),
        ("1234567", None),
        ("+45 1234567", None),
        ("", None),
        ("tlf. 12345678", None),
        ("١٢٣٤٥٦٧٨", None),
    ],
)
def test_phone_numbers_become_msisdn(phone, expected):
    assert rules.msisdn(phone) == expected


EVENT = ReminderEvent(
    key="appointment:1",
    citizen_id=1,
    start=local(2026, 6, 2, 10, 0),
    what="Genoptræningen",
    where="Sundhedshuset",
)


def test_danish_dates():
    assert danish_datetime(local(2026, 6, 2, 10, 0)) == "tirsdag 2. juni kl. 10.00"
    assert danish_datetime(local(2026, 12, 27, 8, 5)) == "søndag 27. december kl. 08.05"


def test_reminder_text_names_time_place_and_phone_only():
    assert reminder_sms(EVENT, contact_phone="89 15 00 00") == (
        "Påmindelse: Du har en aftale hos Genoptræningen, Sundhedshuset, tirsdag 2. juni "
        "kl. 10.00. Kan du ikke komme, så ring på 89 15 00 00."
    )
    subject, body = reminder_email(EVENT)
    assert subject == "Påmindelse om din aftale tirsdag 2. juni kl. 10.00"
    assert "giv os besked" in body
