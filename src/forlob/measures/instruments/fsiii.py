"""FSIII functional-ability assessment: the items of ``forlob.measures.fsiii`` rated 0–4 or 9.

Each assessed item gets a level of limitation, 0 (none) to 4 (total), or 9 when the item is not
relevant for the citizen. Items may be left out (not assessed). Per area the summary is the mean
level of the relevant items (9 and unassessed left out, one decimal) and the number of items at
level 3 or 4 (severe or total limitation). Lower is better.

Stored: primary = the mean level over all relevant items, secondary = the number of items at 3
or more; details = the per-area summaries. No minimal important difference is published for
FSIII levels, so changes are shown without a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from forlob.measures import fsiii as data
from forlob.measures.instruments.base import (
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

CODE = "fsiii"
NOT_RELEVANT = data.NOT_RELEVANT
SEVERE = 3  # levels from here on count as severe or total limitation
TEXT_KEYS = frozenset({"title", *data.ITEMS})

MESSAGE_LEVEL = gettext_noop("Choose a level from 0 to 4, or 9 (not relevant).")
MESSAGE_NOTHING_RATED = gettext_noop("Rate at least one item with a level from 0 to 4.")
MESSAGE_UNKNOWN_ITEM = gettext_noop("Unknown FSIII item.")


def validate(values: Mapping[str, Any]) -> dict[str, int]:
    """``{"J1.1": 2, "J3.8": 9, ...}``: known items only, 0–4 or 9; blank means not assessed."""
    errors: dict[str, list[ValidationError]] = {}
    clean: dict[str, int] = {}
    for code, raw in values.items():
        if code not in data.ITEMS:
            errors.setdefault("__all__", []).append(
                ValidationError(_(MESSAGE_UNKNOWN_ITEM), code="unknown")
            )
            continue
        if is_blank(raw):
            continue
        try:
            clean[code] = whole_number(raw, 0, 4, also=(NOT_RELEVANT,))
        except ValidationError:
            errors[code] = [ValidationError(_(MESSAGE_LEVEL), code="range")]
    if not errors and not any(level != NOT_RELEVANT for level in clean.values()):
        errors["__all__"] = [ValidationError(_(MESSAGE_NOTHING_RATED), code="required")]
    collect(errors)
    # In FSIII's own order, so stored values read the same way every time.
    return {code: clean[code] for code in data.ITEMS if code in clean}


@dataclass(frozen=True)
class AreaSummary:
    code: str
    label: str
    mean: Decimal | None  # mean level of the relevant items; None if none is relevant
    severe: int  # items at level 3 or 4
    relevant: int  # items rated 0–4
    not_relevant: int  # items rated 9


def summarise(values: Mapping[str, int]) -> list[AreaSummary]:
    """One summary per FSIII area that has at least one assessed item, in FSIII's order."""
    result = []
    for area in data.AREAS:
        levels = [values[item.code] for item in area.items if item.code in values]
        if not levels:
            continue
        relevant = [level for level in levels if level != NOT_RELEVANT]
        result.append(
            AreaSummary(
                code=area.code,
                label=area.label,
                mean=round1(Decimal(sum(relevant)) / len(relevant)) if relevant else None,
                severe=sum(1 for level in relevant if level >= SEVERE),
                relevant=len(relevant),
                not_relevant=len(levels) - len(relevant),
            )
        )
    return result


def overall_mean(values: Mapping[str, int]) -> Decimal:
    relevant = [level for level in values.values() if level != NOT_RELEVANT]
    return round1(Decimal(sum(relevant)) / len(relevant))


def score(values: Mapping[str, Any], context: Context | None = None) -> Score:
    areas = summarise(values)
    return Score(
        primary=overall_mean(values),
        secondary=Decimal(sum(a.severe for a in areas)),
        details={
            "areas": [{**asdict(a), "mean": None if a.mean is None else str(a.mean)} for a in areas]
        },
    )


def summary(primary: Decimal | None, secondary: Decimal | None, details: Mapping) -> str:
    text = _("mean level %(mean)s · %(severe)s items at level 3–4") % {
        "mean": number(primary),
        "severe": number(secondary),
    }
    areas = [f"{a['code']} {number(a['mean'])}" for a in details.get("areas", []) if a.get("mean")]
    return f"{text} ({', '.join(areas)})" if areas else text


INSTRUMENT = Instrument(
    code=CODE,
    name=_lazy("FSIII functional ability"),
    description=_lazy("Functional-ability areas rated 0–4 (lower is better), 9 = not relevant"),
    primary=Measure(_lazy("FSIII mean level (0–4)"), higher_is_better=False, decimals=1),
    secondary=Measure(_lazy("FSIII items at level 3–4"), higher_is_better=False),
    validate=validate,
    score=score,
    summary=summary,
    text_keys=TEXT_KEYS,
)
