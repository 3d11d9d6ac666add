"""COPM, the Canadian Occupational Performance Measure (Law et al., CAOT).

The citizen names up to five activities that matter to them and are hard to do now, rates how
important each is (1–10), and then rates their *performance* of and *satisfaction* with each
(1–10). The scores are the mean performance and the mean satisfaction: the sum divided by the
number of activities, to one decimal. At re-assessment the same activities are rated again; the
change is re-assessment mean minus first mean, and a change of 2 points or more is clinically
meaningful (Law et al., COPM manual; Carswell et al. 2004, Can J Occup Ther 71(4):210–222).

COPM is licensed (CAOT): Forløb stores the structure and the numbers; the labels here are short
descriptions of our own. A municipality with a licence loads the official wording as
``InstrumentText`` rows (keys in ``TEXT_KEYS``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from forlob.measures.instruments.base import (
    MESSAGE_REQUIRED,
    Context,
    Instrument,
    Measure,
    Score,
    collect,
    is_blank,
    number,
    round1,
    whole_number,
)

CODE = "copm"
MAX_ACTIVITIES = 5
LOW, HIGH = 1, 10
MEANINGFUL_CHANGE = Decimal(2)
ACTIVITY_MAX_LENGTH = 200
RATINGS = ("importance", "performance", "satisfaction")

MESSAGE_NO_ACTIVITY = gettext_noop("Name at least one activity the citizen wants to work on.")
MESSAGE_TOO_MANY = gettext_noop("COPM has at most 5 prioritised activities.")
MESSAGE_NAME_MISSING = gettext_noop("Name the activity these ratings belong to.")
MESSAGE_DUPLICATE = gettext_noop("This activity is already on the list.")
MESSAGE_TOO_LONG = gettext_noop("Keep the activity to at most 200 characters.")

LABELS = {
    "activity": _lazy("Activity"),
    "importance": _lazy("Importance (1–10)"),
    "performance": _lazy("Performance (1–10)"),
    "satisfaction": _lazy("Satisfaction (1–10)"),
}
TEXT_KEYS = frozenset({"title", "instructions", *LABELS})


def field_name(key: str, row: int) -> str:
    """The form field (and error key) of ``key`` in activity row ``row`` (1-based)."""
    return f"{key}_{row}"


def _normal_name(activity: str) -> str:
    return " ".join(activity.split()).casefold()


def validate(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"activities": [{"activity", "importance", "performance", "satisfaction"}, ...]}``.

    Rows without an activity and without ratings are ignored (the form's empty rows). A row with
    ratings needs its activity named; a named activity needs all three ratings (1–10).
    """
    rows = values.get("activities")
    if not isinstance(rows, Sequence) or isinstance(rows, str):
        raise ValidationError({"activities": [_(MESSAGE_NO_ACTIVITY)]}, code="required")
    errors: dict[str, list[ValidationError]] = {}
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    filled = [
        (i, row)
        for i, row in enumerate(rows, 1)
        if isinstance(row, Mapping)
        and not all(is_blank(row.get(k)) for k in ("activity", *RATINGS))
    ]
    if len(filled) > MAX_ACTIVITIES:
        raise ValidationError({"activities": [_(MESSAGE_TOO_MANY)]}, code="too_many")
    for i, row in filled:
        activity = " ".join(str(row.get("activity") or "").split())
        if not activity:
            errors.setdefault(field_name("activity", i), []).append(
                ValidationError(_(MESSAGE_NAME_MISSING), code="required")
            )
        elif len(activity) > ACTIVITY_MAX_LENGTH:
            errors.setdefault(field_name("activity", i), []).append(
                ValidationError(_(MESSAGE_TOO_LONG), code="max_length")
            )
        elif _normal_name(activity) in seen:
            errors.setdefault(field_name("activity", i), []).append(
                ValidationError(_(MESSAGE_DUPLICATE), code="duplicate")
            )
        seen.add(_normal_name(activity))
        ratings: dict[str, int] = {}
        for key in RATINGS:
            raw = row.get(key)
            if is_blank(raw):
                errors.setdefault(field_name(key, i), []).append(
                    ValidationError(_(MESSAGE_REQUIRED), code="required")
                )
                continue
            try:
                ratings[key] = whole_number(raw, LOW, HIGH)
            except ValidationError as exc:
                errors.setdefault(field_name(key, i), []).append(exc)
        clean.append({"activity": activity, **ratings})
    if not filled:
        errors.setdefault("activities", []).append(
            ValidationError(_(MESSAGE_NO_ACTIVITY), code="required")
        )
    collect(errors)
    return {"activities": clean}


def _mean(activities: Sequence[Mapping[str, Any]], key: str) -> Decimal:
    return round1(Decimal(sum(a[key] for a in activities)) / len(activities))


@dataclass(frozen=True)
class CopmScore:
    performance: Decimal
    satisfaction: Decimal
    activities: int


def means(values: Mapping[str, Any]) -> CopmScore:
    """Mean performance and mean satisfaction (sum / number of activities, one decimal)."""
    activities = values["activities"]
    return CopmScore(
        performance=_mean(activities, "performance"),
        satisfaction=_mean(activities, "satisfaction"),
        activities=len(activities),
    )


def score(values: Mapping[str, Any], context: Context | None = None) -> Score:
    result = means(values)
    return Score(
        primary=result.performance,
        secondary=result.satisfaction,
        details={"activities": result.activities},
    )


@dataclass(frozen=True)
class CopmChange:
    """Change between two assessments over the activities rated both times."""

    before: CopmScore
    after: CopmScore
    performance: Decimal
    satisfaction: Decimal
    compared: int  # activities rated both times
    performance_meaningful: bool
    satisfaction_meaningful: bool

    @property
    def meaningful(self) -> bool:
        return self.performance_meaningful or self.satisfaction_meaningful


def change(before: Mapping[str, Any], after: Mapping[str, Any]) -> CopmChange | None:
    """Re-assessment minus first assessment, on the activities named both times.

    Activities are matched by name (case and spacing ignored). Means are taken over the matched
    activities, rounded to one decimal as on the score sheet, and the change is the difference
    of the rounded means. A change of 2 or more (either way) is clinically meaningful.
    None when no activity was rated both times.
    """
    later = {_normal_name(a["activity"]): a for a in after["activities"]}
    pairs = [
        (a, later[_normal_name(a["activity"])])
        for a in before["activities"]
        if _normal_name(a["activity"]) in later
    ]
    if not pairs:
        return None
    first = means({"activities": [a for a, _b in pairs]})
    second = means({"activities": [b for _a, b in pairs]})
    performance = second.performance - first.performance
    satisfaction = second.satisfaction - first.satisfaction
    return CopmChange(
        before=first,
        after=second,
        performance=performance,
        satisfaction=satisfaction,
        compared=len(pairs),
        performance_meaningful=abs(performance) >= MEANINGFUL_CHANGE,
        satisfaction_meaningful=abs(satisfaction) >= MEANINGFUL_CHANGE,
    )


def summary(primary: Decimal | None, secondary: Decimal | None, details: Mapping) -> str:
    return _("performance %(p)s · satisfaction %(s)s") % {
        "p": number(primary),
        "s": number(secondary),
    }


INSTRUMENT = Instrument(
    code=CODE,
    name=_lazy("COPM"),
    description=_lazy("The citizen's own prioritised activities: performance and satisfaction"),
    primary=Measure(
        _lazy("COPM performance"), higher_is_better=True, mid=MEANINGFUL_CHANGE, decimals=1
    ),
    secondary=Measure(
        _lazy("COPM satisfaction"), higher_is_better=True, mid=MEANINGFUL_CHANGE, decimals=1
    ),
    validate=validate,
    score=score,
    summary=summary,
    text_keys=TEXT_KEYS,
    licensed=True,
)
