from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from forlob.cluster.models import ImprovementTheme, Sector

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A CSV file in the schema below, or a FHIR R4 Bundle of Encounters (JSON)."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it."),
                params={"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        return upload


SECTOR_CHOICES = [("", _("Somatic and psychiatric")), *Sector.choices]


class OverviewFilterForm(forms.Form):
    """The overview's filters (GET). Invalid values fall back to the defaults."""

    municipality = forms.TypedChoiceField(label=_("Municipality"), coerce=int, required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    sector = forms.ChoiceField(label=_("Sector"), choices=SECTOR_CHOICES, required=False)

    def __init__(
        self, data: object, *, municipalities: list, years: list[int], **kwargs: object
    ) -> None:
        super().__init__(data, **kwargs)  # type: ignore[arg-type]
        self.fields["municipality"].choices = [(m.pk, m.name) for m in municipalities]
        self.fields["year"].choices = [(y, str(y)) for y in years]


YES_NO = [("", "–"), ("yes", _("Yes")), ("no", _("No"))]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class FollowUpForm(forms.Form):
    """One row of the follow-up list: quick to fill in on a phone."""

    screened = forms.TypedChoiceField(
        label=_("Screened"), choices=YES_NO, coerce=_yes_no, empty_value=None, required=False
    )
    consent = forms.TypedChoiceField(
        label=_("Consent"), choices=YES_NO, coerce=_yes_no, empty_value=None, required=False
    )
    visit_agreed_on = forms.DateField(
        label=_("Visit agreed"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    visit_done_on = forms.DateField(
        label=_("Visit done"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: object, form_id: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # The row's inputs sit in table cells outside the <form>: tie them to it by id.
        if form_id:
            for form_field in self.fields.values():
                form_field.widget.attrs["form"] = form_id
                form_field.widget.attrs["aria-label"] = str(form_field.label)

    @staticmethod
    def initial_for(visit: object) -> dict[str, object]:
        def yn(v: bool | None) -> str:
            return "" if v is None else ("yes" if v else "no")

        return {
            "screened": yn(visit.screened),  # type: ignore[attr-defined]
            "consent": yn(visit.consent),  # type: ignore[attr-defined]
            "visit_agreed_on": visit.visit_agreed_on,  # type: ignore[attr-defined]
            "visit_done_on": visit.visit_done_on,  # type: ignore[attr-defined]
        }


class AuditPeriodForm(forms.Form):
    quarter = forms.CharField(required=False)
    preventable_only = forms.BooleanField(
        label=_("Only admissions with a preventable diagnosis"), required=False
    )

    def period_start(self, default: date) -> date:
        """``quarter`` as YYYY-Q (e.g. 2026-2) → the quarter's first day; else ``default``."""
        raw = (self.data.get("quarter") or "").strip()  # type: ignore[union-attr]
        try:
            year_text, q_text = raw.split("-")
            year, q = int(year_text), int(q_text)
            if 2000 <= year <= 2100 and 1 <= q <= 4:
                return date(year, 3 * (q - 1) + 1, 1)
        except ValueError:
            pass
        return default


class AuditCaseForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        label=_("Improvement themes"),
        queryset=ImprovementTheme.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    findings = forms.CharField(
        label=_("Findings and suggestions"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_(
            "Is the pathway coherent? Could the admissions have been prevented? Which patterns "
            "appear? Do not write names or CPR numbers."
        ),
    )
