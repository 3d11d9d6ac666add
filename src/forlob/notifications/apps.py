from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "forlob.notifications"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from forlob.core import panels, periodic
        from forlob.notifications.panels import citizen_panel
        from forlob.notifications.services import plan_job

        # Every minute: queue reminders for upcoming events, cancel those whose event is gone.
        periodic.register("plan-reminders", 60, plan_job)
        panels.register("citizen", citizen_panel)
