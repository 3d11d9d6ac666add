"""Forms of the audit pages. Each one that takes a CPR number is posted, never put in a URL."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forlob.access.models import AccessLog, BreakGlassAccess
from forlob.access.selectors import OPERATION_LABELS, operation_label
from forlob.citizens import cpr as cprlib

MESSAGE_PERIOD = _("The period ends before it starts.")


def _cpr_field(*, required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Citizen's CPR number"),
        required=required,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


def _clean_cpr(value: str) -> str:
    return cprlib.parse(value).digits if value else ""


class _PeriodForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", MESSAGE_PERIOD)
        return data


class AuditFilterForm(_PeriodForm):
    """The administrator's search in the log. ``keep_citizen`` keeps the citizen chosen before."""

    username = forms.CharField(label=_("User name"), required=False, max_length=150)
    operation = forms.CharField(
        label=_("Operation"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"list": "audit-operations", "autocomplete": "off"}),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("All")), *AccessLog.Outcome.choices],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *AccessLog.Kind.choices]
    )
    break_glass_only = forms.BooleanField(label=_("Only emergency access"), required=False)
    cpr = _cpr_field(required=False)
    keep_citizen = forms.BooleanField(required=False, initial=True)

    def clean_cpr(self) -> str:
        return _clean_cpr(self.cleaned_data.get("cpr", ""))

    @staticmethod
    def operations() -> list[tuple[str, str]]:
        """Known operation codes with their description, for the field's suggestion list."""
        return [(code, operation_label(code)) for code in sorted(OPERATION_LABELS)]


class InsightForm(_PeriodForm):
    """Which citizen the report is for (by CPR number, as the citizen's request gives it)."""

    cpr = _cpr_field(required=True)

    field_order = ["cpr", "date_from", "date_to"]

    def clean_cpr(self) -> str:
        return _clean_cpr(self.cleaned_data.get("cpr", ""))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (BreakGlassAccess.Review.JUSTIFIED, _("Justified")),
            (BreakGlassAccess.Review.NOT_JUSTIFIED, _("Not justified")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the access was not justified."),
    )
