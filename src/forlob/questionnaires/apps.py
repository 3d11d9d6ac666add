from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnairesConfig(AppConfig):
    name = "forlob.questionnaires"
    verbose_name = _("Questionnaires")

    def ready(self) -> None:
        from forlob.core import panels, periodic
        from forlob.questionnaires import panels as own_panels
        from forlob.questionnaires.kpis import register_kpis
        from forlob.questionnaires.tasks import invite_satisfaction

        panels.register("citizen", own_panels.citizen_panel)
        panels.register("pathway", own_panels.pathway_panel)
        register_kpis()  # response rates and positive share on the management dashboard
        # Hourly: pathways completed recently get the satisfaction survey (idempotent).
        periodic.register("questionnaires.invite_satisfaction", 60 * 60, invite_satisfaction)
