from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ClusterConfig(AppConfig):
    name = "forlob.cluster"
    verbose_name = _("Cluster data")

    def ready(self) -> None:
        from forlob.access.relations import Relation, register

        # A recent discharge of a citizen aged 78+ is a referral for a follow-up home visit: it
        # belongs to the municipality's intake (every municipal care user may open the record to
        # arrange the visit) from the discharge until the grace period has passed, and for as
        # long as an agreed visit is not yet done.
        register(
            Relation(
                name="follow_up_visit",
                model="cluster.FollowUpVisit",
                live=lambda since: (
                    Q(citizen__isnull=False)
                    & (
                        Q(discharge__event_date__gte=since.date())
                        | Q(visit_agreed_on__isnull=False, visit_done_on__isnull=True)
                    )
                ),
                municipality="municipality",
                staff=("updated_by",),
                unassigned=Q(pk__isnull=False),
            )
        )
