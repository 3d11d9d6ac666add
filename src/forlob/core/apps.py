from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "forlob.core"
    verbose_name = _("Organisation and staff")
