"""The evaluation page's form (GET: it only reads)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from forlob.core.models import Team
from forlob.monitoring.evaluation_data import GroupFilter, covariates, outcomes
from forlob.referrals.models import ChronicDisease, ReferralType

DESIGNS = [
    ("matching", _("Comparison group by matching")),
    ("stepped_wedge", _("Stepwise roll-out across districts (stepped wedge)")),
]
METHODS = [
    ("coarsened", _("Coarsened exact matching (age bands)")),
    ("exact", _("Exact matching (age in years)")),
]
MODELS = [
    ("fixed", _("Fixed effects for period and district")),
    ("mixed", _("Mixed model: random effect per district")),
]
PERIODS = [("month", _("Month")), ("quarter", _("Quarter"))]
COVARIATE_CHOICES = [
    ("age", _("Age")),
    ("sex", _("Sex")),
    ("new", _("New vs existing citizen")),
    ("function", _("Starting function level")),
]

MESSAGE_END_BEFORE_START = _("The end lies before the start.")
MESSAGE_NO_STARTS = _("Give at least one district a start date.")


def _date(label: object) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class EvaluationForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"))
    design = forms.ChoiceField(label=_("Design"), choices=DESIGNS, initial="matching")

    type = forms.ChoiceField(label=_("Pathway type"), required=False)
    programme = forms.ChoiceField(label=_("Programme"), required=False)
    team = forms.TypedChoiceField(label=_("Team (district)"), coerce=int, required=False)
    start = _date(_("Started from"))
    end = _date(_("Started until"))

    comparison_type = forms.ChoiceField(label=_("Pathway type"), required=False)
    comparison_team = forms.TypedChoiceField(label=_("Team (district)"), coerce=int, required=False)
    comparison_start = _date(_("Started from"))
    comparison_end = _date(_("Started until"))
    method = forms.ChoiceField(
        label=_("Matching"), choices=METHODS, initial="coarsened", required=False
    )
    match_on = forms.MultipleChoiceField(
        label=_("Match on"),
        choices=COVARIATE_CHOICES,
        initial=["age", "sex", "new"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, initial="month", required=False)
    model = forms.ChoiceField(label=_("Model"), choices=MODELS, initial="fixed", required=False)

    def __init__(self, data: object, *, municipality_id: int | None, **kwargs: object) -> None:
        super().__init__(data, **kwargs)  # type: ignore[arg-type]
        self.fields["outcome"].choices = [(o.code, o.label) for o in outcomes()]
        types = [("", _("All types")), *ReferralType.objects.values_list("code", "name")]
        self.fields["type"].choices = types
        self.fields["comparison_type"].choices = types
        self.fields["programme"].choices = [("", _("All programmes")), *ChronicDisease.choices]
        self.teams = list(
            Team.objects.filter(unit__municipality_id=municipality_id).order_by("name")
        )
        team_choices = [("", _("All teams")), *((t.pk, t.name) for t in self.teams)]
        self.fields["team"].choices = team_choices
        self.fields["comparison_team"].choices = team_choices
        if "function" not in covariates():
            self.fields["match_on"].choices = [c for c in COVARIATE_CHOICES if c[0] != "function"]
        for team in self.teams:
            self.fields[f"start_{team.pk}"] = _date(team.name)

    def start_fields(self) -> list[forms.BoundField]:
        return [self[f"start_{t.pk}"] for t in self.teams]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        # Choices left empty take their defaults (a bookmarked or hand-written query).
        for name in ("method", "period", "model"):
            if not data.get(name):
                data[name] = self.fields[name].initial
        for a, b in (("start", "end"), ("comparison_start", "comparison_end")):
            if data.get(a) and data.get(b) and data[b] < data[a]:
                self.add_error(b, MESSAGE_END_BEFORE_START)
        if data.get("design") == "stepped_wedge" and not self.starts():
            self.add_error(None, MESSAGE_NO_STARTS)
        return data

    def intervention(self) -> GroupFilter:
        d = self.cleaned_data
        return GroupFilter(
            pathway_type=d.get("type") or "",
            programme=d.get("programme") or "",
            team_id=d.get("team") or None,
            start=d.get("start"),
            end=d.get("end"),
        )

    def comparison(self) -> GroupFilter:
        """The comparison pool: its own filters; the period defaults to the intervention's."""
        d = self.cleaned_data
        return GroupFilter(
            pathway_type=d.get("comparison_type") or "",
            team_id=d.get("comparison_team") or None,
            start=d.get("comparison_start") or d.get("start"),
            end=d.get("comparison_end") or d.get("end"),
        )

    def starts(self) -> dict[str, date]:
        """District (team name) → the date the intervention started there."""
        data = getattr(self, "cleaned_data", {})
        return {t.name: data[f"start_{t.pk}"] for t in self.teams if data.get(f"start_{t.pk}")}

    def team_ids(self) -> list[int]:
        return [t.pk for t in self.teams]
