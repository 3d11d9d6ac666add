"""Barthel-20: the Barthel Index in Collin and Wade's 0–20 version.

Collin C, Wade DT, Davies S, Horne V. The Barthel ADL Index: a reliability study. Int Disabil
Stud 1988;10(2):61–63. Ten activities of daily living, each with its own range; the total is
0 (fully dependent) to 20 (independent in all ten). Higher is better.

Minimal clinically important difference: 1.85 points on the 0–20 scale (Hsieh Y-W et al.
Establishing the minimal clinically important difference of the Barthel Index in stroke
patients. Neurorehabil Neural Repair 2007;21(3):233–238). Totals are whole numbers, so a change
of 2 points or more is flagged. The estimate comes from stroke rehabilitation; it is the only
published one we can cite and is shown as such.

The option labels are short descriptions of our own; a municipality can load its preferred
wording as ``InstrumentText`` (keys ``<item>`` and ``<item>.<score>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from forlob.measures.instruments.base import (
    MESSAGE_REQUIRED,
    Context,
    Instrument,
    Measure,
    Score,
    collect,
    is_blank,
    number,
    whole_number,
)

CODE = "barthel20"
MAX_TOTAL = 20
MEANINGFUL_CHANGE = Decimal(2)  # 1.85 (Hsieh et al. 2007) on a whole-number scale


@dataclass(frozen=True)
class BarthelItem:
    key: str
    label: Any
    options: tuple[Any, ...]  # label of score 0, 1, ...

    @property
    def max_score(self) -> int:
        return len(self.options) - 1


ITEMS: tuple[BarthelItem, ...] = (
    BarthelItem(
        "bowels",
        _lazy("Bowels"),
        (_lazy("Incontinent"), _lazy("Occasional accident"), _lazy("Continent")),
    ),
    BarthelItem(
        "bladder",
        _lazy("Bladder"),
        (
            _lazy("Incontinent or catheter, unable to manage"),
            _lazy("Occasional accident"),
            _lazy("Continent"),
        ),
    ),
    BarthelItem(
        "grooming",
        _lazy("Grooming"),
        (_lazy("Needs help with personal care"), _lazy("Independent (face, hair, teeth, shaving)")),
    ),
    BarthelItem(
        "toilet",
        _lazy("Toilet use"),
        (_lazy("Dependent"), _lazy("Needs some help"), _lazy("Independent")),
    ),
    BarthelItem(
        "feeding",
        _lazy("Feeding"),
        (_lazy("Unable"), _lazy("Needs help, e.g. cutting"), _lazy("Independent")),
    ),
    BarthelItem(
        "transfer",
        _lazy("Transfer (bed to chair and back)"),
        (
            _lazy("Unable"),
            _lazy("Major help (one or two people)"),
            _lazy("Minor help"),
            _lazy("Independent"),
        ),
    ),
    BarthelItem(
        "mobility",
        _lazy("Mobility (indoors)"),
        (
            _lazy("Immobile"),
            _lazy("Wheelchair independent"),
            _lazy("Walks with help of one person"),
            _lazy("Independent (may use an aid)"),
        ),
    ),
    BarthelItem(
        "dressing",
        _lazy("Dressing"),
        (_lazy("Dependent"), _lazy("Needs help, does about half"), _lazy("Independent")),
    ),
    BarthelItem(
        "stairs",
        _lazy("Stairs"),
        (_lazy("Unable"), _lazy("Needs help"), _lazy("Independent")),
    ),
    BarthelItem(
        "bathing",
        _lazy("Bathing"),
        (_lazy("Dependent"), _lazy("Independent")),
    ),
)
ITEM_BY_KEY = {item.key: item for item in ITEMS}
TEXT_KEYS = frozenset(
    {"title"}
    | {item.key for item in ITEMS}
    | {f"{item.key}.{n}" for item in ITEMS for n in range(item.max_score + 1)}
)


def validate(values: Mapping[str, Any]) -> dict[str, int]:
    """All ten items, each a whole number within its own range."""
    errors: dict[str, list[ValidationError]] = {}
    clean: dict[str, int] = {}
    for item in ITEMS:
        raw = values.get(item.key)
        if is_blank(raw):
            errors[item.key] = [ValidationError(_(MESSAGE_REQUIRED), code="required")]
            continue
        try:
            clean[item.key] = whole_number(raw, 0, item.max_score)
        except ValidationError as exc:
            errors[item.key] = [exc]
    collect(errors)
    return clean


def total(values: Mapping[str, Any]) -> int:
    """The Barthel-20 total: the sum of the ten item scores (0–20)."""
    return sum(values[item.key] for item in ITEMS)


def score(values: Mapping[str, Any], context: Context | None = None) -> Score:
    return Score(primary=Decimal(total(values)))


def summary(primary: Decimal | None, secondary: Decimal | None, details: Mapping) -> str:
    return f"{number(primary)}/{MAX_TOTAL}"


INSTRUMENT = Instrument(
    code=CODE,
    name=_lazy("Barthel-20"),
    description=_lazy("Activities of daily living, 0–20 (higher is more independent)"),
    primary=Measure(_lazy("Barthel-20 total"), higher_is_better=True, mid=MEANINGFUL_CHANGE),
    secondary=None,
    validate=validate,
    score=score,
    summary=summary,
    text_keys=TEXT_KEYS,
)
