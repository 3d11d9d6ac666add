"""Reads on referrals: the intake inbox."""

from __future__ import annotations

from django.db.models import F, QuerySet

from forlob.access.policy import citizens_in_scope
from forlob.core.models import User
from forlob.referrals.models import Referral


def referral_inbox(
    *,
    actor: User,
    referral_type: str = "",
    diagnosis_area: str = "",
    team_id: int | None = None,
) -> QuerySet[Referral]:
    """New referrals waiting for a pathway, most urgent deadline first, then those without one."""
    qs = Referral.objects.filter(
        status=Referral.Status.NEW, citizen__in=citizens_in_scope(actor)
    ).select_related("citizen", "referral_type", "team")
    if referral_type:
        qs = qs.filter(referral_type__code=referral_type)
    if diagnosis_area:
        qs = qs.filter(diagnosis_area=diagnosis_area)
    if team_id:
        qs = qs.filter(team_id=team_id)
    return qs.order_by(F("offer_deadline").asc(nulls_last=True), "received_date", "pk")
