from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forlob.citizens import cpr as cprlib
from forlob.core.choices import DiagnosisArea, GopLevel
from forlob.core.models import Location, Team
from forlob.referrals.models import ChronicDisease, CoordinationArea, Referral, ReferralType
from forlob.referrals.services import ALLOWED_FIELDS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class ReferralForm(forms.Form):
    """A referral and, if the citizen is new to us, the citizen's name and phone."""

    cpr = forms.CharField(
        label=_("CPR number"),
        max_length=11,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "placeholder": "DDMMÅÅ-XXXX"}
        ),
    )
    first_name = forms.CharField(label=_("first name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("last name"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    referral_type = forms.ModelChoiceField(
        label=_("referral type"),
        queryset=ReferralType.objects.filter(is_active=True),
        empty_label="—",
    )
    received_date = forms.DateField(label=_("received"), widget=DATE_WIDGET)
    discharge_date = forms.DateField(
        label=_("discharged from hospital"), widget=DATE_WIDGET, required=False
    )
    gop_level = forms.ChoiceField(
        label=_("level"), choices=_blank(GopLevel.choices), required=False
    )
    diagnosis_area = forms.ChoiceField(
        label=_("diagnosis area"), choices=_blank(DiagnosisArea.choices), required=False
    )
    chronic_disease = forms.ChoiceField(
        label=_("disease"), choices=_blank(ChronicDisease.choices), required=False
    )
    coordination_area = forms.ChoiceField(
        label=_("coordination area"), choices=_blank(CoordinationArea.choices), required=False
    )
    sender = forms.CharField(label=_("sender"), max_length=200, required=False)
    diagnosis_text = forms.CharField(label=_("diagnosis"), max_length=200, required=False)
    team = forms.ModelChoiceField(
        label=_("team"), queryset=Team.objects.none(), required=False, empty_label="—"
    )
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    type_specific = (
        "discharge_date",
        "gop_level",
        "diagnosis_area",
        "chronic_disease",
        "coordination_area",
    )

    def __init__(self, *args: object, municipality_id: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(unit__municipality_id=municipality_id)
        # Tell the page which fields belong to which type (shown/hidden by a few lines of JS).
        self.type_fields = {
            str(rt.pk): list(ALLOWED_FIELDS.get(rt.code, self.type_specific))
            for rt in self.fields["referral_type"].queryset
        }
        self.type_labels = {
            str(rt.pk): rt.legal_basis for rt in self.fields["referral_type"].queryset
        }

    def clean_cpr(self) -> str:
        return cprlib.parse(self.cleaned_data["cpr"]).digits


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=_blank(Referral.RejectReason.choices))


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class PreferencesForm(forms.Form):
    """The citizen's wishes for the first appointment (used when times are proposed)."""

    preferred_location = forms.ModelChoiceField(
        label=_("preferred location"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=_("no preference"),
    )
    unavailable_weekdays = forms.TypedMultipleChoiceField(
        label=_("cannot come on"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: object, municipality_id: int | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_location"].queryset = Location.objects.filter(
            municipality_id=municipality_id, is_active=True
        )
