from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomecareConfig(AppConfig):
    name = "forlob.homecare"
    verbose_name = _("Everyday rehabilitation")
