"""Forms of everyday rehabilitation. They check shape; the rules live in ``services.py``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from forlob.citizens import cpr as cprlib
from forlob.core.models import Provider, User
from forlob.homecare.models import (
    ApplicationKind,
    CareGroup,
    Criterion,
    DropoutCause,
    Goal,
    Grant,
    HomecareService,
    Outcome,
    Performer,
    PlanAction,
    Progress,
    ResponsibleProfession,
)
from forlob.homecare.services import Line
from forlob.measures import fsiii

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def fsiii_field_name(code: str) -> str:
    return "fsiii_" + code.replace(".", "_")


def fsiii_choices(blank: str = "—") -> list[tuple[str, object]]:
    """FSIII items grouped by area, for a select."""
    return [("", blank)] + [
        (f"{area.code} {area.label}", [(i.code, f"{i.code} {i.label}") for i in area.items])
        for area in fsiii.AREAS
    ]


class ApplicationForm(forms.Form):
    cpr = forms.CharField(label=_("CPR number"), max_length=11)
    first_name = forms.CharField(label=_("first name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("last name"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    kind = forms.ChoiceField(
        label=_("applied for"), choices=ApplicationKind.choices, widget=forms.RadioSelect
    )
    received_on = forms.DateField(label=_("application received"), widget=DATE)
    is_existing_homecare = forms.TypedChoiceField(
        label=_("already receives home care"),
        choices=YES_NO,
        coerce=_yes_no,
        widget=forms.RadioSelect,
    )
    weekly_minutes_before = forms.IntegerField(
        label=_("granted minutes a week before"),
        min_value=0,
        max_value=10080,
        required=False,
        help_text=_("If known. Leave empty for a citizen new to home care."),
    )
    application_text = forms.CharField(
        label=_("what the citizen applies for"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def clean_cpr(self) -> str:
        return cprlib.parse(self.cleaned_data["cpr"]).digits


class LineForm(forms.Form):
    """One service line: a service from the managed list and minutes a week."""

    service = forms.ModelChoiceField(
        label=_("service"),
        queryset=HomecareService.objects.filter(is_active=True),
        required=False,
        empty_label="—",
    )
    weekly_minutes = forms.IntegerField(
        label=_("minutes a week"), min_value=1, max_value=10080, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        service, minutes = data.get("service"), data.get("weekly_minutes")
        if service and not minutes and "weekly_minutes" not in self.errors:
            self.add_error("weekly_minutes", _("Give the minutes a week."))
        if minutes and not service:
            self.add_error("service", _("Choose the service."))
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def lines(self) -> list[Line]:
        return [
            Line(service=f.cleaned_data["service"], weekly_minutes=f.cleaned_data["weekly_minutes"])
            for f in self.forms
            if f.cleaned_data.get("service") and f.cleaned_data.get("weekly_minutes")
        ]


def line_formset(
    data: Any = None, *, prefix: str, lines: list[Any] | None = None, blank: int = 3
) -> BaseLineFormSet:
    """A formset with the stored lines and ``blank`` empty rows to add more."""
    initial = [
        {"service": ln.service_id, "weekly_minutes": ln.weekly_minutes} for ln in lines or []
    ]
    formset_class = forms.formset_factory(
        LineForm, formset=BaseLineFormSet, extra=blank, max_num=12
    )
    return formset_class(data, prefix=prefix, initial=initial)


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("assessed on"), widget=DATE)
    has_potential = forms.TypedChoiceField(
        label=_("rehabilitation potential"),
        choices=YES_NO,
        coerce=_yes_no,
        widget=forms.RadioSelect,
    )
    criteria = forms.ModelMultipleChoiceField(
        label=_("inclusion and exclusion criteria"),
        queryset=Criterion.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    criteria_text = forms.CharField(
        label=_("other criterion, described"), max_length=300, required=False
    )
    notes = forms.CharField(
        label=_("overall assessment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("The assessor's notes. Never shown to the provider's staff."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = [("", "—")] + [(str(k), f"{k} {v}") for k, v in fsiii.LEVELS.items()]
        for item in fsiii.ITEMS.values():
            self.fields[fsiii_field_name(item.code)] = forms.TypedChoiceField(
                label=f"{item.code} {item.label}",
                choices=levels,
                coerce=int,
                empty_value=None,
                required=False,
            )

    def fsiii_areas(self) -> list[tuple[fsiii.FsiiiArea, list[forms.BoundField]]]:
        return [
            (area, [self[fsiii_field_name(item.code)] for item in area.items])
            for area in fsiii.AREAS
        ]

    def fsiii_levels(self) -> dict[str, int]:
        return {
            code: level
            for code in fsiii.ITEMS
            if (level := self.cleaned_data.get(fsiii_field_name(code))) is not None
        }

    @staticmethod
    def initial_for(assessment: Any, today: date) -> dict[str, Any]:
        if assessment is None:
            return {"assessed_on": today}
        initial: dict[str, Any] = {
            "assessed_on": assessment.assessed_on,
            "has_potential": {True: "yes", False: "no"}.get(assessment.has_potential),
            "criteria": list(assessment.criteria.all()),
            "criteria_text": assessment.criteria_text,
            "notes": assessment.notes,
        }
        for code, level in assessment.fsiii_levels.items():
            initial[fsiii_field_name(code)] = str(level)
        return initial


class GrantForm(forms.Form):
    start = forms.DateField(label=_("start"), widget=DATE)
    end = forms.DateField(
        label=_("end"),
        widget=DATE,
        required=False,
        help_text=_("Empty: the municipality's default length."),
    )
    time_model = forms.ChoiceField(
        label=_("extra time as"), choices=Grant.TimeModel.choices, widget=forms.RadioSelect
    )
    package = forms.TypedChoiceField(
        label=_("package"),
        choices=[("", "—"), *Grant.Package.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    extra_minutes_per_visit = forms.IntegerField(
        label=_("extra minutes per visit"), min_value=1, max_value=120, required=False
    )
    start_allowance_minutes = forms.IntegerField(
        label=_("start allowance (minutes)"), min_value=0, max_value=240, initial=0
    )
    responsible_profession = forms.ChoiceField(
        label=_("responsible professional"),
        choices=ResponsibleProfession.choices,
        widget=forms.RadioSelect,
    )


class ProviderChoiceForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=_("provider"), queryset=Provider.objects.none(), empty_label="—"
    )
    chosen_on = forms.DateField(label=_("chosen on"), widget=DATE)

    def __init__(self, *args: Any, municipality_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Provider.objects.filter(
            municipality_id=municipality_id, is_active=True
        )
        self.fields["provider"].label_from_instance = lambda p: (
            f"{p.name} ({p.get_kind_display().lower()})"
        )


class StartMeetingForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE)
    professional = forms.ModelChoiceField(
        label=_("responsible professional"), queryset=User.objects.none(), empty_label="—"
    )
    contact_person = forms.ModelChoiceField(
        label=_("the provider's contact person"), queryset=User.objects.none(), empty_label="—"
    )
    citizen_present = forms.BooleanField(label=_("citizen present"), required=False)
    relatives = forms.CharField(label=_("relatives present"), max_length=200, required=False)
    held = forms.BooleanField(label=_("the meeting has been held"), required=False)

    def __init__(
        self, *args: Any, professionals: list[User], contact_persons: list[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["professional"].queryset = User.objects.filter(
            pk__in=[u.pk for u in professionals]
        )
        self.fields["contact_person"].queryset = User.objects.filter(
            pk__in=[u.pk for u in contact_persons]
        )


class GoalForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind of goal"), choices=Goal.Kind.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(
        label=_("goal"),
        max_length=200,
        help_text=_("The COPM activity, or the goal in plain words."),
    )
    fsiii_item = forms.ChoiceField(
        label=_("functional ability (FSIII)"), choices=fsiii_choices(), required=False
    )
    citizen_words = forms.CharField(
        label=_("in the citizen's own words"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
    )
    sub_goals = forms.CharField(
        label=_("sub-goals"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line."),
        max_length=2000,
    )

    def sub_goal_lines(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["sub_goals"].splitlines() if line.strip()
        ]


class ActionForm(forms.Form):
    goal = forms.ModelChoiceField(
        label=_("goal"), queryset=Goal.objects.none(), required=False, empty_label="—"
    )
    what = forms.CharField(label=_("what"), max_length=300)
    who = forms.ChoiceField(label=_("who"), choices=Performer.choices)
    times_per_week = forms.IntegerField(
        label=_("times a week"), min_value=1, max_value=14, initial=3
    )
    how = forms.CharField(label=_("how"), max_length=300, required=False)

    def __init__(self, *args: Any, goals: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = goals


class GoalRefForm(forms.Form):
    goal = forms.ModelChoiceField(queryset=Goal.objects.none())

    def __init__(self, *args: Any, goals: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = goals


class ActionRefForm(forms.Form):
    action = forms.ModelChoiceField(queryset=PlanAction.objects.none())

    def __init__(self, *args: Any, actions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = actions


class WeeklyEvaluationForm(GoalRefForm):
    progress = forms.TypedChoiceField(
        label=_("progress"), choices=Progress.choices, coerce=int, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("short evaluation"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MidwayForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE)
    text = forms.CharField(label=_("evaluation"), widget=forms.Textarea(attrs={"rows": 4}))


class EndForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE)
    outcome = forms.ChoiceField(
        label=_("outcome"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    dropout_cause = forms.ChoiceField(
        label=_("reason for dropping out"),
        choices=[("", "—"), *DropoutCause.choices],
        required=False,
    )
    dropout_text = forms.CharField(label=_("reason, described"), max_length=300, required=False)
    text = forms.CharField(
        label=_("evaluation"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class DrivingListForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE, required=False)
    provider = forms.ModelChoiceField(
        label=_("provider"), queryset=Provider.objects.none(), required=False, empty_label=None
    )
    group = forms.ModelChoiceField(
        label=_("home-care group"),
        queryset=CareGroup.objects.none(),
        required=False,
        empty_label=_("all groups"),
    )
    mine = forms.BooleanField(label=_("only my visits"), required=False)

    def __init__(self, *args: Any, providers: list[Provider], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Provider.objects.filter(pk__in=[p.pk for p in providers])
        self.fields["group"].queryset = CareGroup.objects.filter(
            provider__in=[p.pk for p in providers]
        )


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("from"), widget=DATE, required=False)
    end = forms.DateField(label=_("to"), widget=DATE, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError(_("The period must start before it ends."))
        return data
