"""One form per instrument, plus the skip form.

Instrument fields are plain text inputs (numbers, radio groups): the instrument's own
``validate`` decides what is valid and says so in one message per field, so the form and an
import can never disagree. Labels are the app's short descriptions unless the municipality has
loaded licensed wording (``InstrumentText``), which then replaces them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forlob.measures import fsiii as fsiii_data
from forlob.measures.instruments import (
    INSTRUMENTS,
    Instrument,
    barthel,
    chair_stand,
    copm,
    eq5d5l,
    fsiii,
)
from forlob.measures.models import SkipReason


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _number(low: int, high: int, **attrs: object) -> forms.CharField:
    return forms.CharField(
        required=False,
        widget=forms.NumberInput(attrs={"min": low, "max": high, "inputmode": "numeric", **attrs}),
    )


class MeasureForm(forms.Form):
    """Common part: the date of the measurement; subclasses add the instrument's fields."""

    instrument: Instrument
    template = ""

    measured_on = forms.DateField(label=_("Measured on"), widget=DateInput())

    def __init__(self, *args: Any, texts: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("measured_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.texts = dict(texts or {})
        self.clean_values: dict[str, Any] | None = None
        self.build()

    def build(self) -> None:
        """Add the instrument's fields."""

    def text(self, key: str, default: object) -> object:
        """The licensed wording of ``key`` when loaded, else the app's short label."""
        return self.texts.get(key) or default

    @property
    def title(self) -> object:
        return self.text("title", self.instrument.name)

    def raw_values(self) -> dict[str, Any]:
        """What was typed, shaped as the instrument's values."""
        raise NotImplementedError

    def field_for(self, key: str) -> str | None:
        """The form field showing errors of a value key (None: above the form)."""
        return key if key in self.fields else None

    def add_instrument_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                field = None if key == NON_FIELD_ERRORS else self.field_for(key)
                for error in errors:
                    self.add_error(field, error)
        else:
            for message in exc.messages:
                self.add_error(None, message)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            self.clean_values = self.instrument.validate(self.raw_values())
        except ValidationError as exc:
            self.add_instrument_errors(exc)
        return cleaned


class CopmForm(MeasureForm):
    instrument = copm.INSTRUMENT
    template = "measures/forms/copm.html"

    def build(self) -> None:
        for row in range(1, copm.MAX_ACTIVITIES + 1):
            self.fields[copm.field_name("activity", row)] = forms.CharField(
                required=False,
                max_length=copm.ACTIVITY_MAX_LENGTH,
                label=self.text("activity", copm.LABELS["activity"]),
            )
            for key in copm.RATINGS:
                self.fields[copm.field_name(key, row)] = _number(copm.LOW, copm.HIGH)
                self.fields[copm.field_name(key, row)].label = self.text(key, copm.LABELS[key])

    @property
    def headings(self) -> list[object]:
        return [self.text(k, copm.LABELS[k]) for k in ("activity", *copm.RATINGS)]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "number": row,
                "fields": [self[copm.field_name(k, row)] for k in ("activity", *copm.RATINGS)],
            }
            for row in range(1, copm.MAX_ACTIVITIES + 1)
        ]

    def raw_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "activities": [
                {k: data.get(copm.field_name(k, row)) for k in ("activity", *copm.RATINGS)}
                for row in range(1, copm.MAX_ACTIVITIES + 1)
            ]
        }

    def field_for(self, key: str) -> str | None:
        return None if key == "activities" else super().field_for(key)


class BarthelForm(MeasureForm):
    instrument = barthel.INSTRUMENT
    template = "measures/forms/radio_groups.html"

    def build(self) -> None:
        for item in barthel.ITEMS:
            choices = [
                (str(n), f"{n} · {self.text(f'{item.key}.{n}', label)}")
                for n, label in enumerate(item.options)
            ]
            self.fields[item.key] = forms.CharField(
                required=False,
                label=self.text(item.key, item.label),
                widget=forms.RadioSelect(choices=choices),
            )

    @property
    def groups(self) -> list[forms.BoundField]:
        return [self[item.key] for item in barthel.ITEMS]

    def raw_values(self) -> dict[str, Any]:
        return {item.key: self.cleaned_data.get(item.key) for item in barthel.ITEMS}


class Eq5dForm(MeasureForm):
    instrument = eq5d5l.INSTRUMENT
    template = "measures/forms/radio_groups.html"

    def build(self) -> None:
        for dimension in eq5d5l.DIMENSIONS:
            choices = [
                (str(level), self.text(f"{dimension.key}.{level}", label))
                for level, label in eq5d5l.LEVEL_LABELS.items()
            ]
            self.fields[dimension.key] = forms.CharField(
                required=False,
                label=self.text(dimension.key, dimension.label),
                widget=forms.RadioSelect(choices=choices),
            )
        self.fields["vas"] = _number(eq5d5l.VAS_MIN, eq5d5l.VAS_MAX)
        self.fields["vas"].label = self.text("vas", eq5d5l.VAS_LABEL)

    @property
    def groups(self) -> list[forms.BoundField]:
        return [self[d.key] for d in eq5d5l.DIMENSIONS] + [self["vas"]]

    def raw_values(self) -> dict[str, Any]:
        keys = [d.key for d in eq5d5l.DIMENSIONS] + ["vas"]
        return {key: self.cleaned_data.get(key) for key in keys}


class ChairStandForm(MeasureForm):
    instrument = chair_stand.INSTRUMENT
    template = "measures/forms/radio_groups.html"

    def build(self) -> None:
        self.fields["count"] = _number(0, chair_stand.MAX_COUNT)
        self.fields["count"].label = self.text("count", chair_stand.LABEL)

    @property
    def groups(self) -> list[forms.BoundField]:
        return [self["count"]]

    def raw_values(self) -> dict[str, Any]:
        return {"count": self.cleaned_data.get("count")}


def fsiii_field(code: str) -> str:
    return "item_" + code.replace(".", "_")


FSIII_CHOICES: list[tuple[str, object]] = [("", _("not assessed"))] + [
    (str(level), label) for level, label in fsiii_data.LEVELS.items()
]


class FsiiiForm(MeasureForm):
    instrument = fsiii.INSTRUMENT
    template = "measures/forms/fsiii.html"

    def build(self) -> None:
        for code, item in fsiii_data.ITEMS.items():
            self.fields[fsiii_field(code)] = forms.CharField(
                required=False,
                label=f"{code} {self.text(code, item.label)}",
                widget=forms.RadioSelect(choices=FSIII_CHOICES),
            )

    @property
    def levels(self) -> list[tuple[str, object]]:
        return FSIII_CHOICES

    @property
    def grid(self) -> list[dict[str, Any]]:
        """Per area its items, each with the options and which one is chosen."""
        areas = []
        for area in fsiii_data.AREAS:
            rows = []
            for item in area.items:
                bound = self[fsiii_field(item.code)]
                chosen = str(bound.value() or "")
                rows.append(
                    {
                        "field": bound,
                        "code": item.code,
                        "label": self.text(item.code, item.label),
                        "options": [
                            {"value": v, "label": label, "checked": v == chosen, "n": i}
                            for i, (v, label) in enumerate(FSIII_CHOICES)
                        ],
                    }
                )
            areas.append({"area": area, "rows": rows})
        return areas

    def raw_values(self) -> dict[str, Any]:
        return {code: self.cleaned_data.get(fsiii_field(code)) for code in fsiii_data.ITEMS}

    def field_for(self, key: str) -> str | None:
        return fsiii_field(key) if key in fsiii_data.ITEMS else None


FORMS: dict[str, type[MeasureForm]] = {
    copm.CODE: CopmForm,
    barthel.CODE: BarthelForm,
    eq5d5l.CODE: Eq5dForm,
    chair_stand.CODE: ChairStandForm,
    fsiii.CODE: FsiiiForm,
}
assert set(FORMS) == set(INSTRUMENTS), "every instrument needs a form"


class SkipForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the measure skipped?"),
        choices=SkipReason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        help_text=_("Required when the reason is “other”."),
    )
    measured_on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("measured_on", timezone.localdate())
        super().__init__(*args, **kwargs)
