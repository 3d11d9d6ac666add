from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "forlob.scheduling"
    verbose_name = _("Scheduling")

    def ready(self) -> None:
        from forlob.access.relations import Relation, register
        from forlob.scheduling.models import BUSY_STATUSES
        from forlob.scheduling.reminders import register_source as register_reminder_source

        # The therapist meeting the citizen (and that therapist's team) may read the record
        # from booking until the grace period after the appointment.
        register(
            Relation(
                name="appointment",
                model="scheduling.Appointment",
                live=lambda since: Q(end__gte=since, status__in=BUSY_STATUSES),
                municipality="citizen__municipality",
                staff=("staff",),
                team="staff__team",
                provider="staff__provider",
                sender="pathway__referral__created_by",
            )
        )
        register_reminder_source()  # booked appointments get SMS/e-mail reminders
