"""Reference data of the cluster app. Hospital events, follow-up visits and audit cases hold
citizen data and are deliberately not here (the admin bypasses the access check and the log)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.cluster.models import ImprovementTheme, PopulationFigure, PreventableDiagnosisGroup
from forlob.cluster.services import preventable_reclassify

MESSAGE_RECLASSIFIED = gettext_noop("The figures now follow the list: %(count)d events changed.")


@admin.register(PreventableDiagnosisGroup)
class PreventableDiagnosisGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "icd10_codes", "ordering", "is_active"]
    list_editable = ["ordering", "is_active"]

    def _reclassify(self, request: HttpRequest) -> None:
        changed = preventable_reclassify()
        self.message_user(request, _(MESSAGE_RECLASSIFIED) % {"count": changed}, messages.INFO)

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self._reclassify(request)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        self._reclassify(request)

    def delete_queryset(self, request: HttpRequest, queryset: object) -> None:
        super().delete_queryset(request, queryset)  # type: ignore[arg-type]
        self._reclassify(request)


@admin.register(PopulationFigure)
class PopulationFigureAdmin(admin.ModelAdmin):
    list_display = ["municipality", "year", "population_65_plus", "source"]
    list_filter = ["municipality", "year"]


@admin.register(ImprovementTheme)
class ImprovementThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "ordering", "is_active"]
    list_editable = ["ordering", "is_active"]
