from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "forlob.imports"
    verbose_name = _("Bulk import")

    def ready(self) -> None:
        from forlob.core import periodic
        from forlob.imports.services import import_jobs_expire

        # Hourly: an uploaded file that nobody imported is removed after a day (it may hold CPR
        # numbers; it should not lie around).
        periodic.register("imports.expire", 60 * 60, import_jobs_expire)
