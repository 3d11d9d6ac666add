from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "forlob.programmes"
    verbose_name = _("Group programmes")

    def ready(self) -> None:
        from forlob.access.relations import Relation, register
        from forlob.core import panels
        from forlob.notifications import sources
        from forlob.programmes.calendar import session_busy
        from forlob.programmes.models import EnrolmentStatus
        from forlob.programmes.panels import citizen_panel
        from forlob.programmes.reminders import session_events
        from forlob.scheduling import busy

        # A citizen on a class is related to the class's staff (and their team) from enrolment
        # until the grace period after the enrolment ended (completed or dropped out).
        register(
            Relation(
                name="class_enrolment",
                model="programmes.Enrolment",
                live=lambda since: Q(status=EnrolmentStatus.ENROLLED) | Q(ended_at__gte=since),
                municipality="programme_class__municipality",
                staff=("programme_class__staff",),
                team="programme_class__team",
            )
        )
        busy.register(session_busy)
        sources.register(session_events)
        panels.register("citizen", citizen_panel)
