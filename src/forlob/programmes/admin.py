"""Programme templates are managed data. Classes, enrolments and attendance are citizen data and
stay out of the admin (it would bypass the access check and the audit log)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from forlob.core.choices import Profession
from forlob.programmes.models import Programme, SessionDefinition, SessionMode


class SessionDefinitionForm(forms.ModelForm):
    modes = forms.MultipleChoiceField(
        label=_("modes"), choices=SessionMode.choices, widget=forms.CheckboxSelectMultiple
    )
    professions = forms.MultipleChoiceField(
        label=_("professions"),
        choices=Profession.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = SessionDefinition
        fields = [
            "order",
            "title",
            "kind",
            "count",
            "duration_minutes",
            "modes",
            "unit",
            "offsets",
            "first_offset",
            "interval",
            "professions",
        ]


class SessionDefinitionInline(admin.StackedInline):
    model = SessionDefinition
    form = SessionDefinitionForm
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    inlines = [SessionDefinitionInline]
    list_display = [
        "name",
        "code",
        "lead_profession",
        "duration_weeks",
        "default_capacity",
        "completion_min_percent",
        "flag_after_missed",
        "is_active",
    ]
    list_editable = ["is_active"]
    filter_horizontal = ["referral_types"]
