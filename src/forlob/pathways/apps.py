from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PathwaysConfig(AppConfig):
    name = "forlob.pathways"
    verbose_name = _("Pathways")

    def ready(self) -> None:
        from forlob.access.relations import Relation, register
        from forlob.pathways.models import OPEN_STATUSES

        # An open pathway, or one closed within the grace period, ties the citizen to the
        # responsible therapist, the team and the delivering provider; one nobody has taken yet
        # belongs to the municipality's intake.
        register(
            Relation(
                name="pathway",
                model="pathways.Pathway",
                live=lambda since: Q(status__in=OPEN_STATUSES) | Q(ended_at__gte=since),
                municipality="municipality",
                staff=("responsible",),
                team="team",
                provider="provider",
                unassigned=Q(team__isnull=True, responsible__isnull=True, status__in=OPEN_STATUSES),
                sender="referral__created_by",
            )
        )
