from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "forlob.referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from forlob.access.relations import Relation, register

        # A new referral is a relation for the team it is addressed to (or, unassigned, for the
        # municipality's intake); a rejected one for the grace period after it was closed. An
        # accepted referral lives on as its pathway's relation.
        register(
            Relation(
                name="referral",
                model="referrals.Referral",
                live=lambda since: Q(status="new") | Q(closed_at__gte=since),
                municipality="municipality",
                staff=("created_by",),
                team="team",
                unassigned=Q(team__isnull=True),
                sender="created_by",
            )
        )
