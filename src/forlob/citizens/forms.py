from django import forms
from django.utils.translation import gettext_lazy as _


class CitizenSearchForm(forms.Form):
    query = forms.CharField(
        label=_("Name or CPR number"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 3}))


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need access now?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Emergency access is logged with your reason and reviewed by an administrator."
        ),
    )
