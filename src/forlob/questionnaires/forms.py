from __future__ import annotations

from datetime import date

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from forlob.questionnaires.models import Delivery, Purpose, Question, QuestionKind
from forlob.questionnaires.services import OptionData, QuestionData

EXTRA_OPTION_ROWS = 3


class QuestionnaireForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=150)
    code = forms.CharField(
        label=_("code"),
        max_length=50,
        help_text=_("A short unique name without spaces, e.g. “tilfredshed-hold”."),
    )
    purpose = forms.ChoiceField(label=_("purpose"), choices=Purpose.choices)
    intro = forms.CharField(
        label=_("introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the citizen above the questions."),
    )


class IntroForm(forms.Form):
    intro = forms.CharField(
        label=_("introduction"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("question"), max_length=500)
    help_text = forms.CharField(label=_("explanation"), max_length=500, required=False)
    required = forms.BooleanField(label=_("must be answered"), required=False, initial=True)
    domain = forms.CharField(
        label=_("domain"),
        max_length=100,
        required=False,
        help_text=_("Health literacy: rated questions with the same domain are scored together."),
    )
    scale_min = forms.IntegerField(label=_("scale from"), required=False)
    scale_max = forms.IntegerField(label=_("scale to"), required=False)
    scale_min_label = forms.CharField(
        label=_("label at the lowest value"), max_length=100, required=False
    )
    scale_max_label = forms.CharField(
        label=_("label at the highest value"), max_length=100, required=False
    )
    positive_from = forms.IntegerField(
        label=_("positive from"),
        required=False,
        help_text=_("Scale: answers at or above this value count as positive (satisfaction)."),
    )

    @classmethod
    def initial_for(cls, question: Question) -> dict[str, object]:
        return {name: getattr(question, name) for name in cls.base_fields}


class OptionForm(forms.Form):
    label = forms.CharField(label=_("answer"), max_length=200, required=False)
    value = forms.IntegerField(label=_("value"), required=False)
    is_positive = forms.BooleanField(label=_("positive"), required=False)


OptionFormSet = forms.formset_factory(OptionForm, extra=EXTRA_OPTION_ROWS, max_num=20)


def option_formset(data: object = None, question: Question | None = None) -> forms.BaseFormSet:
    initial = (
        [
            {"label": o.label, "value": o.value, "is_positive": o.is_positive}
            for o in question.options.all()
        ]
        if question is not None
        else []
    )
    return OptionFormSet(data, initial=initial, prefix="options")


def question_data(form: QuestionForm, options: forms.BaseFormSet) -> QuestionData:
    """The validated forms as the service's input. Options without a value get their position."""
    cd = form.cleaned_data
    rows = [f.cleaned_data for f in options.forms if f.cleaned_data.get("label", "").strip()]
    return QuestionData(
        kind=cd["kind"],
        text=cd["text"],
        help_text=cd.get("help_text") or "",
        required=bool(cd.get("required")),
        domain=cd.get("domain") or "",
        scale_min=cd.get("scale_min"),
        scale_max=cd.get("scale_max"),
        scale_min_label=cd.get("scale_min_label") or "",
        scale_max_label=cd.get("scale_max_label") or "",
        positive_from=cd.get("positive_from"),
        options=tuple(
            OptionData(
                label=r["label"],
                value=r["value"] if r.get("value") is not None else i,
                is_positive=bool(r.get("is_positive")),
            )
            for i, r in enumerate(rows, start=1)
        ),
    )


class InviteForm(forms.Form):
    questionnaire = forms.ModelChoiceField(
        label=_("questionnaire"), queryset=None, empty_label=None
    )
    delivery = forms.ChoiceField(
        label=_("send the link by"),
        choices=[
            (Delivery.SMS, _("SMS")),
            (Delivery.EMAIL, _("E-mail")),
            (Delivery.HANDED, _("Show the link here")),
        ],
        required=False,
        initial=Delivery.SMS,
    )
    pathway = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, questionnaires: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = questionnaires


def month_choices(months: list[date]) -> list[tuple[str, str]]:
    return [
        (m.strftime("%Y-%m"), formats.date_format(m, "F Y").capitalize()) for m in reversed(months)
    ]


class TrackingFilterForm(forms.Form):
    questionnaire = forms.ModelChoiceField(
        label=_("questionnaire"), queryset=None, required=False, empty_label=_("All")
    )
    team = forms.ModelChoiceField(
        label=_("team"), queryset=None, required=False, empty_label=_("All")
    )
    month = forms.ChoiceField(label=_("month"), choices=(), required=False)

    def __init__(
        self,
        *args: object,
        questionnaires: object,
        teams: object,
        months: list[date],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = questionnaires
        self.fields["team"].queryset = teams
        self.fields["month"].choices = month_choices(months)

    def chosen_month(self, default: date) -> date:
        raw = self.cleaned_data.get("month") if self.is_valid() else None
        if not raw:
            return default
        year, month = raw.split("-")
        return date(int(year), int(month), 1)
