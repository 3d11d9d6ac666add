"""Key figures on hand-built data: the 7-day KPI and the inbox counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from forlob.core.choices import DiagnosisArea
from forlob.monitoring.selectors import (
    OfferShare,
    gop_offered_within_deadline,
    inbox_counts,
    month_bounds,
)
from forlob.pathways.models import PathwayStatus
from forlob.referrals.models import Referral
from forlob.scheduling.services import appointment_book, appointment_decline
from tests.factories import CitizenFactory, PathwayFactory, ReferralFactory
from tests.helpers import at, local

pytestmark = pytest.mark.django_db

JUNE = date(2026, 6, 1)
AREAS = [a.value for a in DiagnosisArea]
ORTHO, MED, NEURO = DiagnosisArea.ORTHOPAEDIC, DiagnosisArea.MEDICAL, DiagnosisArea.NEUROLOGICAL


def kpi(actor, month=JUNE, today=date(2026, 7, 15)) -> dict[str, OfferShare]:
    rows = gop_offered_within_deadline(actor=actor, month_start=month, today=today)
    assert len(rows) == len(AREAS) + 1
    return dict(zip([*AREAS, "total"], rows, strict=True))


def numbers(row: OfferShare) -> tuple[int, int, int]:
    return (row.within, row.decided, row.pending)


def gop(municipality, discharge: date, area=ORTHO, **kwargs) -> Referral:
    return ReferralFactory(
        citizen__municipality=municipality,
        discharge_date=discharge,
        received_date=discharge,
        diagnosis_area=area,
        **kwargs,
    )


def offered(referral: Referral, start: datetime) -> None:
    """Give the referral a pathway whose first offer was ``start`` (as booking would record it)."""
    from forlob.referrals.rules import offered_within

    PathwayFactory(
        referral=referral,
        status=PathwayStatus.BOOKED,
        first_offered_at=start - timedelta(days=1),
        first_offered_start=start,
        first_offer_within_deadline=offered_within(referral.offer_deadline, start),
    )


# --- month_bounds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "bounds"),
    [
        (date(2026, 6, 1), (date(2026, 6, 1), date(2026, 7, 1))),
        (date(2026, 6, 30), (date(2026, 6, 1), date(2026, 7, 1))),
        (date(2026, 12, 31), (date(2026, 12, 1), date(2027, 1, 1))),
        (date(2028, 2, 29), (date(2028, 2, 1), date(2028, 3, 1))),
    ],
)
def test_month_bounds(day, bounds):
    assert month_bounds(day) == bounds


# --- gop_offered_within_deadline ------------------------------------------------------------------


def test_empty_month_has_no_share_and_no_division_by_zero(manager):
    rows = kpi(manager)
    for row in rows.values():
        assert numbers(row) == (0, 0, 0)
        assert row.share is None
        assert row.percent is None
    assert rows["total"].label  # a label for the total row, whatever the language


def test_worked_example_per_area_and_total(manager, org_a, org_b):
    m = org_a.municipality
    # Orthopaedic: one offered within, one offered too late, one never offered and overdue.
    r = gop(m, date(2026, 6, 10))  # deadline 17 June
    offered(r, local(2026, 6, 17, 23, 30))  # the deadline day, late evening: within
    r = gop(m, date(2026, 6, 10))
    offered(r, local(2026, 6, 18, 0, 15))  # 15 minutes too late
    gop(m, date(2026, 6, 20))  # deadline 27 June has passed on 15 July: decided, missed
    # Medical: one offered within, one pending (deadline not passed on "today").
    r = gop(m, date(2026, 6, 2), area=MED)
    offered(r, at(date(2026, 6, 3), 10))
    gop(m, date(2026, 6, 30), area=MED)  # deadline 7 July; today 5 July: pending
    # Neurological: only a rejected plan, which is outside the population.
    gop(m, date(2026, 6, 5), area=NEURO, status=Referral.Status.REJECTED, reject_reason="duplicate")
    # Outside the population: other municipality, other type, other months.
    gop(org_b.municipality, date(2026, 6, 10))
    ReferralFactory(citizen__municipality=m, type_code="free_physio")
    gop(m, date(2026, 5, 31))
    gop(m, date(2026, 7, 1))

    rows = kpi(manager, today=date(2026, 7, 5))

    assert numbers(rows[ORTHO]) == (1, 3, 0)
    assert rows[ORTHO].percent == 33
    assert numbers(rows[MED]) == (1, 1, 1)
    assert rows[MED].share == 1.0
    assert numbers(rows[NEURO]) == (0, 0, 0)
    assert rows[NEURO].share is None
    assert numbers(rows["total"]) == (2, 4, 1)
    assert rows["total"].share == 0.5
    assert rows["total"].percent == 50


def test_pending_becomes_decided_when_the_deadline_passes(manager, org_a):
    gop(org_a.municipality, date(2026, 6, 10))  # deadline 17 June, never offered
    on_deadline = kpi(manager, today=date(2026, 6, 17))["total"]
    after = kpi(manager, today=date(2026, 6, 18))["total"]
    assert numbers(on_deadline) == (0, 0, 1)
    assert on_deadline.share is None
    assert numbers(after) == (0, 1, 0)
    assert after.share == 0.0
    assert after.percent == 0


def test_offered_is_decided_even_before_the_deadline(manager, org_a):
    r = gop(org_a.municipality, date(2026, 6, 10))
    offered(r, at(date(2026, 6, 12), 9))
    total = kpi(manager, today=date(2026, 6, 11))["total"]
    assert numbers(total) == (1, 1, 0)
    assert total.percent == 100


def test_accepted_but_not_yet_offered_is_counted_like_new(manager, org_a):
    r = gop(org_a.municipality, date(2026, 6, 10))
    PathwayFactory(referral=r)  # pathway exists, no time offered yet
    assert numbers(kpi(manager, today=date(2026, 6, 12))["total"]) == (0, 0, 1)
    assert numbers(kpi(manager, today=date(2026, 6, 20))["total"]) == (0, 1, 0)


@pytest.mark.parametrize(
    ("discharge", "month", "counted"),
    [
        (date(2026, 6, 30), JUNE, True),  # last day of the month belongs to it ...
        (date(2026, 6, 30), date(2026, 7, 1), False),  # ... even though its deadline is in July
        (date(2026, 6, 1), JUNE, True),
        (date(2026, 5, 31), JUNE, False),
        (date(2026, 7, 1), JUNE, False),
        (date(2026, 12, 31), date(2026, 12, 1), True),
        (date(2027, 1, 1), date(2026, 12, 1), False),
    ],
)
def test_month_is_the_discharge_month(manager, org_a, discharge, month, counted):
    gop(org_a.municipality, discharge)
    total = kpi(manager, month=month, today=date(2027, 3, 1))["total"]
    assert total.decided == (1 if counted else 0)


def test_kpi_through_real_bookings_counts_a_declined_first_offer(therapist, manager, org_a):
    """The law counts the time *offered*: a declined first offer in time stays within."""
    from forlob.pathways.services import pathway_create_from_referral

    now = local(2026, 6, 1, 7)
    r = gop(org_a.municipality, date(2026, 5, 30))  # deadline 6 June
    pathway = pathway_create_from_referral(
        actor=therapist, referral=r, responsible=therapist, team=None, at=now
    )
    first = appointment_book(
        actor=therapist, pathway=pathway, staff=therapist, location=org_a.location,
        start=at(date(2026, 6, 2), 10), duration_minutes=60, now=now,
    )  # fmt: skip
    appointment_decline(actor=therapist, appointment=first, now=now)
    appointment_book(
        actor=therapist, pathway=pathway, staff=therapist, location=org_a.location,
        start=at(date(2026, 6, 9), 10), duration_minutes=60, now=now,
    )  # fmt: skip
    assert numbers(kpi(manager, month=date(2026, 5, 1))["total"]) == (1, 1, 0)


def test_kpi_is_scoped_to_the_actors_municipality(manager, outsider, org_a):
    gop(org_a.municipality, date(2026, 6, 10))
    assert kpi(manager)["total"].decided == 1
    assert kpi(outsider)["total"].decided == 0


# --- inbox_counts ---------------------------------------------------------------------------------


def test_inbox_counts(manager, org_a, org_b):
    today = date(2026, 6, 15)
    m = org_a.municipality
    citizen = CitizenFactory(municipality=m)

    def new(deadline_offset: int | None, **kwargs) -> Referral:
        if deadline_offset is None:
            return ReferralFactory(citizen=citizen, type_code="chronic", chronic_disease="copd")
        discharge = today + timedelta(days=deadline_offset - 7)
        return ReferralFactory(citizen=citizen, discharge_date=discharge, **kwargs)

    new(-8)  # overdue by 8 days
    new(-1)  # overdue since yesterday
    new(0)  # due today: soon
    new(1)  # soon
    new(2)  # soon
    new(3)  # neither
    new(None)  # no deadline: waiting only
    new(-3, status=Referral.Status.ACCEPTED)  # has a pathway: not in the inbox
    new(-3, status=Referral.Status.REJECTED, reject_reason="sent_in_error")
    ReferralFactory(citizen__municipality=org_b.municipality, discharge_date=today - timedelta(10))

    counts = inbox_counts(actor=manager, today=today)
    assert (counts.waiting, counts.overdue, counts.due_within_2_days) == (7, 2, 3)


def test_inbox_counts_empty(manager):
    counts = inbox_counts(actor=manager, today=date(2026, 6, 15))
    assert (counts.waiting, counts.overdue, counts.due_within_2_days) == (0, 0, 0)
