"""Calendar commitments of other apps (``scheduling.busy``) are neither offered nor booked over."""

from __future__ import annotations

from datetime import timedelta

import pytest

from forlob.scheduling import busy
from forlob.scheduling.selectors import free_windows
from forlob.scheduling.services import MESSAGE_OVERLAP, calendar_problems
from tests.helpers import TODAY, at, tr

pytestmark = pytest.mark.usefixtures("frozen")

TUE = TODAY + timedelta(days=1)


@pytest.fixture
def group_session(monkeypatch, therapist):
    """A two-hour group session for the therapist on Tuesday 10–12, from a registered source."""
    monkeypatch.setattr(busy, "_sources", [])
    session = (therapist.pk, at(TUE, 10), at(TUE, 12))

    def source(staff_ids, start, end):
        return (
            [session] if session[0] in staff_ids and start < session[2] and end > session[1] else []
        )

    busy.register(source)
    busy.register(source)  # idempotent
    assert len(busy._sources) == 1
    return session


def test_free_windows_leave_out_registered_commitments(therapist, org_a, group_session):
    windows = free_windows(
        staff_ids=[therapist.pk], first_day=TUE, last_day=TUE, default_location=org_a.location
    )
    assert [(w.start, w.end) for w in windows] == [
        (at(TUE, 8), at(TUE, 10)),
        (at(TUE, 12), at(TUE, 16)),
    ]


def test_booking_over_a_registered_commitment_is_refused(therapist, org_a, group_session):
    overlapping = calendar_problems(
        staff=therapist, location=org_a.location, start=at(TUE, 11, 30), end=at(TUE, 12, 30)
    )
    assert overlapping == [tr(MESSAGE_OVERLAP)]
    assert (
        calendar_problems(
            staff=therapist, location=org_a.location, start=at(TUE, 12), end=at(TUE, 13)
        )
        == []
    )
