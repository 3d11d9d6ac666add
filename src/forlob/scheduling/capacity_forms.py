"""The form for opening extra capacity; the rules live in ``capacity_services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forlob.core.models import Location, User
from forlob.scheduling.selectors import therapists_for


class ExtraCapacityForm(forms.Form):
    staff = forms.ModelChoiceField(
        label=_("staff member"), queryset=User.objects.none(), empty_label="—"
    )
    location = forms.ModelChoiceField(
        label=_("location"), queryset=Location.objects.none(), empty_label="—"
    )
    date = forms.DateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("from"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        label=_("to"), widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")
    )
    note = forms.CharField(
        label=_("note"),
        max_length=200,
        required=False,
        help_text=_("For example: holiday cover for Team Ortopædi."),
    )

    def __init__(self, *args: object, municipality_id: int | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Only the actor's own municipality is offered; the service checks again.
        self.fields["staff"].queryset = therapists_for(municipality_id=municipality_id)
        self.fields["location"].queryset = Location.objects.filter(
            municipality_id=municipality_id, is_active=True
        )
