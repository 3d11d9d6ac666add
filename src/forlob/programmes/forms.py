from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forlob.core.models import Location, Team, User
from forlob.pathways.models import DropoutReason
from forlob.programmes.models import AttendanceStatus, Programme, SessionMode


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        profession = obj.get_profession_display()
        return f"{obj} ({profession.lower()})" if profession else str(obj)


class ClassForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("programme"), queryset=Programme.objects.none(), empty_label="—"
    )
    location = forms.ModelChoiceField(
        label=_("location"), queryset=Location.objects.none(), empty_label="—"
    )
    start_date = forms.DateField(
        label=_("start date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The sessions follow the programme's plan from this day."),
    )
    start_time = forms.TimeField(
        label=_("start time"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
    )
    capacity = forms.IntegerField(
        label=_("capacity"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Empty: the programme's default."),
    )
    staff = StaffChoiceField(
        label=_("staff"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    team = forms.ModelChoiceField(
        label=_("team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("the lead's team"),
    )
    name = forms.CharField(
        label=_("name"), max_length=150, required=False, help_text=_("Empty: programme and date.")
    )

    def __init__(
        self,
        *args: object,
        municipality_id: int | None,
        staff: object,
        programmes: object,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["location"].queryset = Location.objects.filter(
            municipality_id=municipality_id, is_active=True
        )
        self.fields["staff"].queryset = staff
        self.fields["team"].queryset = Team.objects.filter(unit__municipality_id=municipality_id)


class EnrolForm(forms.Form):
    referral = forms.IntegerField(min_value=1)


class SessionMoveForm(forms.Form):
    date = forms.DateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label=_("time"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
    )
    location = forms.ModelChoiceField(
        label=_("location"), queryset=Location.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args: object, municipality_id: int | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(
            municipality_id=municipality_id, is_active=True
        )


class AttendanceForm(forms.Form):
    session = forms.IntegerField(min_value=1)
    status = forms.ChoiceField(choices=AttendanceStatus.choices)


class DropOutForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("dropout reason"),
        queryset=DropoutReason.objects.filter(is_active=True),
        empty_label="—",
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class TalkForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("with"), queryset=User.objects.none(), empty_label="—")
    date = forms.DateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label=_("time"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
    )
    mode = forms.ChoiceField(label=_("how"), choices=SessionMode.choices)
    number = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: object, staff: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff


class CompleteForm(forms.Form):
    """One dropout reason per citizen who does not meet the completion rule."""

    def __init__(self, *args: object, enrolments: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        reasons = DropoutReason.objects.filter(is_active=True)
        for enrolment in enrolments:  # type: ignore[attr-defined]
            self.fields[f"reason_{enrolment.pk}"] = forms.ModelChoiceField(
                label=enrolment.citizen.full_name,
                queryset=reasons,
                required=False,
                empty_label="—",
            )

    def reasons(self) -> dict[int, DropoutReason | None]:
        return {
            int(name.removeprefix("reason_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("reason_")
        }
