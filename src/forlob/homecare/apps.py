from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class HomecareConfig(AppConfig):
    name = "forlob.homecare"
    verbose_name = _("Everyday rehabilitation")

    def ready(self) -> None:
        from forlob.access.relations import Relation, register
        from forlob.core import panels
        from forlob.homecare import panels as homecare_panels
        from forlob.pathways.models import OPEN_STATUSES

        # An open everyday-rehabilitation case (or one ended within the grace period) ties the
        # citizen to the provider the citizen chose (all its staff: they carry out the plan), to
        # the responsible professional and the provider's contact person from the start meeting,
        # and to the professional's team.
        register(
            Relation(
                name="homecare_case",
                model="homecare.RehabCase",
                live=lambda since: (
                    Q(ended_on__isnull=True, pathway__status__in=OPEN_STATUSES)
                    | Q(pathway__ended_at__gte=since)
                ),
                municipality="municipality",
                staff=("start_meeting__professional", "start_meeting__contact_person"),
                team="pathway__team",
                provider="provider",
            )
        )
        # A home visit on a provider's driving list (from the grace period back to any time
        # ahead) ties the citizen to that provider and to the staff member making the visit.
        register(
            Relation(
                name="homecare_visit",
                model="homecare.Visit",
                live=lambda since: Q(date__gte=since.date()),
                municipality="citizen__municipality",
                staff=("staff",),
                provider="provider",
            )
        )
        panels.register("citizen", homecare_panels.citizen_panel)
        panels.register("pathway", homecare_panels.pathway_panel)
        from forlob.homecare.kpis import register_kpis

        register_kpis()  # outcomes and minutes saved on the management dashboard
