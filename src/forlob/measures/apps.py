from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "forlob.measures"
    verbose_name = _("Measures")

    def ready(self) -> None:
        from forlob.core.panels import register
        from forlob.measures.panels import pathway_panel

        # Measures hang on pathways, which already carry the care relation: no relation of
        # their own is registered.
        register("pathway", pathway_panel)
