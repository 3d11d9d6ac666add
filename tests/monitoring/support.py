"""Hand-built data for the key figures: pathways with given dates, statuses and people."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from forlob.core.choices import Profession, Role
from forlob.core.models import Municipality, Team, User
from forlob.monitoring.filters import Filters, Period
from forlob.pathways.models import CLOSED_STATUSES, Pathway, PathwayStatus
from forlob.referrals.models import Referral
from tests.factories import PathwayFactory, ReferralFactory, UserFactory, dropout_reason
from tests.helpers import at

S = PathwayStatus
JULY_15 = date(2026, 7, 15)


def month(y: int, m: int, today: date = JULY_15, **kw: object) -> Filters:
    return Filters(period=Period.month(y, m), today=today, **kw)  # type: ignore[arg-type]


def year(y: int, today: date = JULY_15, **kw: object) -> Filters:
    return Filters(period=Period.year(y), today=today, **kw)  # type: ignore[arg-type]


def gop(municipality: Municipality, discharge: date, **kwargs: object) -> Referral:
    return ReferralFactory(
        citizen__municipality=municipality,
        discharge_date=discharge,
        received_date=discharge,
        **kwargs,
    )


def offer(referral: Referral, start: datetime, **kwargs: object) -> Pathway:
    """A pathway for ``referral`` whose first offered time is ``start``."""
    from forlob.referrals.rules import offered_within

    return PathwayFactory(
        referral=referral,
        status=S.BOOKED,
        first_offered_at=start,
        first_offered_start=start,
        first_offer_within_deadline=offered_within(referral.offer_deadline, start),
        **kwargs,
    )


def pathway(
    municipality: Municipality,
    *,
    created: datetime,
    status: str = S.ACTIVE,
    ended: datetime | None = None,
    type_code: str = "gop",
    reason: str = "",
    literacy: str = "",
    team: Team | None = None,
    responsible: User | None = None,
    **kwargs: object,
) -> Pathway:
    """A pathway created (and ended) at the given moments, for a new citizen of ``municipality``."""
    extra: dict[str, object] = {}
    if type_code == "chronic":
        extra["referral__chronic_disease"] = kwargs.pop("disease", "copd")
    p = PathwayFactory(
        referral__citizen__municipality=municipality,
        referral__citizen__health_literacy=literacy,
        referral__type_code=type_code,
        status=status,
        team=team,
        responsible=responsible,
        dropout_reason=dropout_reason(reason) if reason else None,
        **extra,
        **kwargs,
    )
    if status in CLOSED_STATUSES and ended is None:
        raise AssertionError("a closed pathway needs ``ended``")
    Pathway.objects.filter(pk=p.pk).update(created_at=created, ended_at=ended)
    p.refresh_from_db()
    return p


def day(y: int, m: int, d: int, hh: int = 12) -> datetime:
    return at(date(y, m, d), hh)


@pytest.fixture
def analyst(org_a) -> User:
    return UserFactory(
        municipality=org_a.municipality,
        roles=[Role.ANALYST],
        profession=Profession.ADMINISTRATIVE,
        first_name="Anne",
        last_name="Analytiker",
    )


@pytest.fixture
def homecare_worker(org_a) -> User:
    return UserFactory(municipality=org_a.municipality, roles=[Role.HOMECARE_WORKER])
