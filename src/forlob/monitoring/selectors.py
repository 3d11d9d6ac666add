"""Key figures. Each KPI is one function whose docstring is its definition.

Aggregates are scoped to the actor's municipality: managers and analysts may see them without
any care role, but they never list individual citizens from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from forlob.core.choices import DiagnosisArea
from forlob.core.models import User
from forlob.referrals.models import Referral, ReferralType


@dataclass(frozen=True)
class InboxCounts:
    waiting: int
    overdue: int
    due_within_2_days: int


def inbox_counts(*, actor: User, today: date) -> InboxCounts:
    """Referrals waiting for a pathway in the actor's municipality.

    waiting: status new. overdue: new and the offer deadline lies before today.
    due_within_2_days: new, deadline today, tomorrow or the day after.
    """
    row = Referral.objects.filter(
        municipality_id=actor.municipality_id, status=Referral.Status.NEW
    ).aggregate(
        waiting=Count("pk"),
        overdue=Count("pk", filter=Q(offer_deadline__lt=today)),
        soon=Count(
            "pk",
            filter=Q(offer_deadline__gte=today, offer_deadline__lte=today + timedelta(days=2)),
        ),
    )
    return InboxCounts(
        waiting=row["waiting"], overdue=row["overdue"], due_within_2_days=row["soon"]
    )


@dataclass(frozen=True)
class OfferShare:
    label: str
    decided: int  # denominator
    within: int  # numerator
    pending: int  # not yet offered, deadline not passed: not counted either way

    @property
    def share(self) -> float | None:
        return None if self.decided == 0 else self.within / self.decided

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)


def month_bounds(day: date) -> tuple[date, date]:
    """First day of ``day``'s month and first day of the next month."""
    first = day.replace(day=1)
    nxt = (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )
    return first, nxt


def gop_offered_within_deadline(*, actor: User, month_start: date, today: date) -> list[OfferShare]:
    """Share of GOP citizens offered a first training time within 7 days of discharge.

    Population: hospital re-training plans (GOP) received by the actor's municipality with a
    discharge date in the month beginning ``month_start``, except rejected ones (other
    municipality, sent in error, duplicate, free choice elsewhere).
    Numerator: those whose first offered time lies on or before the offer deadline.
    Denominator: those that are *decided*: offered, or not offered and the deadline has passed
    (``today`` is after it). Plans still open within their deadline are "pending" and not counted.
    One row per diagnosis area, then a total row. Target: 100 %.
    """
    month_end = month_bounds(month_start)[1]
    offered = Q(pathway__first_offered_at__isnull=False)
    within = Q(pathway__first_offer_within_deadline=True)
    decided = offered | Q(offer_deadline__lt=today)
    rows = (
        Referral.objects.filter(
            municipality_id=actor.municipality_id,
            referral_type__code=ReferralType.GOP,
            discharge_date__gte=month_start,
            discharge_date__lt=month_end,
        )
        .exclude(status=Referral.Status.REJECTED)
        .values("diagnosis_area")
        .annotate(
            decided=Count("pk", filter=decided),
            within=Count("pk", filter=within),
            pending=Count("pk", filter=~decided),
        )
    )
    by_area = {r["diagnosis_area"]: r for r in rows}
    result = []
    for area in DiagnosisArea:
        r = by_area.get(area.value, {"decided": 0, "within": 0, "pending": 0})
        result.append(
            OfferShare(
                label=str(area.label),
                decided=r["decided"],
                within=r["within"],
                pending=r["pending"],
            )
        )
    result.append(
        OfferShare(
            label=str(_("All areas")),
            decided=sum(r.decided for r in result),
            within=sum(r.within for r in result),
            pending=sum(r.pending for r in result),
        )
    )
    return result
