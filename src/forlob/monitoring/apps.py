from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "forlob.monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from forlob.monitoring.definitions import register_core

        register_core()
