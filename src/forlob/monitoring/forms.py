"""The dashboard's filter form, the report request and the dataset export."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from forlob.core.choices import DiagnosisArea
from forlob.core.models import Location, Provider, Team, Unit
from forlob.monitoring.filters import PROVIDER_OWN, Filters, Period, PeriodKind, default_period
from forlob.referrals.models import ReferralType

MESSAGE_END_BEFORE_START = gettext_noop("The end date must not be before the start date.")
MESSAGE_CUSTOM_NEEDS_DATES = gettext_noop("Give both a start and an end date for your own period.")
MESSAGE_PERIOD_TOO_LONG = gettext_noop("A period can be at most 5 years long.")
MESSAGE_KEY_TOO_SHORT = gettext_noop(
    "The export key must be at least %(min)d characters. Use the same key as the other "
    "municipalities to get the same pseudonyms."
)
KEY_MIN_LENGTH = 12
YEAR_MIN, YEAR_MAX = 2000, 2100
MONTHS = [(m, m) for m in range(1, 13)]


def _year_field(label: str, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        widget=forms.NumberInput(attrs={"style": "width:6em"}),
    )


class FilterForm(forms.Form):
    """GET parameters of the dashboard. Ids and codes only: no personal data in a URL."""

    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        choices=[
            (PeriodKind.YEAR.value, gettext_lazy("Year")),
            (PeriodKind.QUARTER.value, gettext_lazy("Quarter")),
            (PeriodKind.MONTH.value, gettext_lazy("Month")),
            (PeriodKind.CUSTOM.value, gettext_lazy("Own period")),
        ],
    )
    year = _year_field(gettext_lazy("Year"))
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "–"), (1, "1"), (2, "2"), (3, "3"), (4, "4")],
    )
    month = forms.TypedChoiceField(
        label=gettext_lazy("Month"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "–"), *MONTHS],
    )
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=gettext_lazy("All units"),
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        required=False,
        queryset=Team.objects.none(),
        empty_label=gettext_lazy("All teams"),
    )
    location = forms.ModelChoiceField(
        label=gettext_lazy("Location"),
        required=False,
        queryset=Location.objects.none(),
        empty_label=gettext_lazy("All locations"),
    )
    area = forms.ChoiceField(label=gettext_lazy("Diagnosis area"), required=False)
    type = forms.ChoiceField(label=gettext_lazy("Pathway type"), required=False)
    provider = forms.ChoiceField(label=gettext_lazy("Provider"), required=False)

    def __init__(self, *args: object, municipality_id: int | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].queryset = Unit.objects.filter(municipality_id=municipality_id)
        self.fields["team"].queryset = Team.objects.filter(
            unit__municipality_id=municipality_id
        ).select_related("unit")
        self.fields["location"].queryset = Location.objects.filter(municipality_id=municipality_id)
        self.fields["area"].choices = [("", _("All areas")), *DiagnosisArea.choices]
        self.fields["type"].choices = [
            ("", _("All types")),
            *ReferralType.objects.order_by("ordering", "name").values_list("code", "name"),
        ]
        self.fields["provider"].choices = [
            ("", _("All")),
            (PROVIDER_OWN, _("Own units")),
            *(
                (str(pk), name)
                for pk, name in Provider.objects.filter(
                    municipality_id=municipality_id
                ).values_list("pk", "name")
            ),
        ]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("period") == PeriodKind.CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_(MESSAGE_CUSTOM_NEEDS_DATES), code="custom_dates")
            if end < start:
                self.add_error("end", _(MESSAGE_END_BEFORE_START))
            elif (end - start).days > 5 * 366:
                self.add_error("end", _(MESSAGE_PERIOD_TOO_LONG))
        return data

    def filters(self, today: date) -> Filters:
        """The filters asked for; the defaults (this year, everything) where the form is invalid."""
        if not self.is_bound or not self.is_valid():
            return Filters(period=default_period(today), today=today)
        d = self.cleaned_data
        return Filters(
            period=period_from(d, today),
            today=today,
            team_id=d["team"].pk if d.get("team") else None,
            unit_id=d["unit"].pk if d.get("unit") else None,
            location_id=d["location"].pk if d.get("location") else None,
            diagnosis_area=d.get("area") or "",
            pathway_type=d.get("type") or "",
            provider=d.get("provider") or "",
        )


def period_from(d: dict[str, object], today: date) -> Period:
    kind = d.get("period") or PeriodKind.YEAR
    year = d.get("year") or today.year
    assert isinstance(year, int)
    if kind == PeriodKind.CUSTOM:
        return Period.custom(d["start"], d["end"])  # type: ignore[arg-type]
    if kind == PeriodKind.QUARTER:
        quarter = d.get("quarter") or (today.month - 1) // 3 + 1
        return Period.quarter(year, quarter)  # type: ignore[arg-type]
    if kind == PeriodKind.MONTH:
        month = d.get("month") or today.month
        return Period.month(year, month)  # type: ignore[arg-type]
    return Period.year(year)


class ReportForm(forms.Form):
    year = _year_field(gettext_lazy("Year"), required=True)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("The whole year")), (1, "1"), (2, "2"), (3, "3"), (4, "4")],
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=gettext_lazy("The whole municipality"),
    )

    def __init__(self, *args: object, municipality_id: int | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].queryset = Unit.objects.filter(municipality_id=municipality_id)


class DatasetForm(forms.Form):
    year = _year_field(gettext_lazy("Year"), required=True)
    key = forms.CharField(
        label=gettext_lazy("Export key"),
        # A secret: not written back into the page when the form has an error.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=gettext_lazy(
            "Agreed with the other municipalities; never stored. The same key gives the same "
            "pseudonyms in every export."
        ),
        strip=True,
    )

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if len(key) < KEY_MIN_LENGTH:
            raise forms.ValidationError(
                _(MESSAGE_KEY_TOO_SHORT) % {"min": KEY_MIN_LENGTH}, code="key_too_short"
            )
        return key
