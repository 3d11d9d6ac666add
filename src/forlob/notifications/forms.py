from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OptOutForm(forms.Form):
    sms_opt_out = forms.BooleanField(label=_("No SMS reminders"), required=False)
    email_opt_out = forms.BooleanField(label=_("No e-mail reminders"), required=False)


class CalledForm(forms.Form):
    event_key = forms.CharField(max_length=100, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. will come, needs transport")}),
    )


class CallListFilterForm(forms.Form):
    days = forms.IntegerField(label=_("Days ahead"), min_value=1, max_value=14, required=False)
