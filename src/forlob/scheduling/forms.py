from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forlob.core.models import Location, User


class BookingForm(forms.Form):
    staff = forms.ModelChoiceField(
        label=_("therapist"), queryset=User.objects.none(), empty_label="—"
    )
    location = forms.ModelChoiceField(
        label=_("location"), queryset=Location.objects.none(), empty_label="—"
    )
    date = forms.DateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label=_("time"), widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(label=_("duration (minutes)"), min_value=5, max_value=480)

    def __init__(
        self, *args: object, therapists: object, municipality_id: int | None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = therapists
        self.fields["location"].queryset = Location.objects.filter(
            municipality_id=municipality_id, is_active=True
        )
