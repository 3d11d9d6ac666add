"""EQ-5D-5L (EuroQol): five dimensions of health at five levels, and the EQ VAS.

The citizen places themself at level 1 (no problems) to 5 (extreme problems / unable) on
mobility, self-care, usual activities, pain/discomfort and anxiety/depression, and rates their
health today on the EQ VAS from 0 (worst imaginable) to 100 (best imaginable).

Stored: the profile (the five levels as a string, "11223"), the level-sum score (5–25, lower is
better; a descriptive summary, not a preference weight) and the VAS. Also the index value by the
Danish EQ-5D-5L value set (Jensen CE, Sørensen SS, Gudex C, Jensen MB, Pedersen KM, Ehlers LH.
The Danish EQ-5D-5L Value Set: A Hybrid Model Using cTTO and DCE Data. Appl Health Econ Health
Policy 2021;19(4):579–591): 1 minus the decrement of each dimension's level, no constant. The
decrements below are the published ones (Aalborg University's DCHI page of the value set, and
the same figures in the ``eq5d`` R package's value-set table); with them the worst state 55555
is −0.758 (the paper reports −0.757 from unrounded coefficients).

No minimal important difference is flagged: published ones for EQ-5D-5L differ by population and
value set, and none is established for the level sum.

EQ-5D is licensed (EuroQol): the labels here are short descriptions of our own, never the
questionnaire's wording. A municipality with a licence loads the official text as
``InstrumentText`` rows (keys ``<dimension>``, ``<dimension>.<level>``, ``vas``).
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

CODE = "eq5d5l"
LEVELS = (1, 2, 3, 4, 5)
VAS_MIN, VAS_MAX = 0, 100


@dataclass(frozen=True)
class Dimension:
    key: str
    label: Any


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("mobility", _lazy("Mobility")),
    Dimension("self_care", _lazy("Self-care")),
    Dimension("usual_activities", _lazy("Usual activities")),
    Dimension("pain_discomfort", _lazy("Pain / discomfort")),
    Dimension("anxiety_depression", _lazy("Anxiety / depression")),
)
LEVEL_LABELS: dict[int, Any] = {
    1: _lazy("1 – none"),
    2: _lazy("2 – slight"),
    3: _lazy("3 – moderate"),
    4: _lazy("4 – severe"),
    5: _lazy("5 – extreme"),
}
VAS_LABEL = _lazy("Health today, 0–100 (VAS)")
TEXT_KEYS = frozenset(
    {"title", "vas"}
    | {d.key for d in DIMENSIONS}
    | {f"{d.key}.{level}" for d in DIMENSIONS for level in LEVELS}
)

# Danish EQ-5D-5L value set (Jensen et al. 2021): decrement per dimension for levels 2–5.
DANISH_VALUE_SET: dict[str, tuple[Decimal, Decimal, Decimal, Decimal]] = {
    "mobility": (Decimal("0.041"), Decimal("0.054"), Decimal("0.157"), Decimal("0.220")),
    "self_care": (Decimal("0.035"), Decimal("0.050"), Decimal("0.144"), Decimal("0.209")),
    "usual_activities": (Decimal("0.033"), Decimal("0.040"), Decimal("0.139"), Decimal("0.174")),
    "pain_discomfort": (Decimal("0.048"), Decimal("0.094"), Decimal("0.381"), Decimal("0.537")),
    "anxiety_depression": (Decimal("0.072"), Decimal("0.191"), Decimal("0.430"), Decimal("0.618")),
}


def validate(values: Mapping[str, Any]) -> dict[str, int]:
    """Five levels 1–5 and the VAS 0–100, all required."""
    errors: dict[str, list[ValidationError]] = {}
    clean: dict[str, int] = {}
    for key, low, high in [(d.key, 1, 5) for d in DIMENSIONS] + [("vas", VAS_MIN, VAS_MAX)]:
        raw = values.get(key)
        if is_blank(raw):
            errors[key] = [ValidationError(_(MESSAGE_REQUIRED), code="required")]
            continue
        try:
            clean[key] = whole_number(raw, low, high)
        except ValidationError as exc:
            errors[key] = [exc]
    collect(errors)
    return clean


def profile(values: Mapping[str, Any]) -> str:
    """The health state as five digits in the instrument's order ("11223")."""
    return "".join(str(values[d.key]) for d in DIMENSIONS)


def level_sum(values: Mapping[str, Any]) -> int:
    """The level-sum score: the five levels added up, 5 (no problems) to 25."""
    return sum(values[d.key] for d in DIMENSIONS)


def danish_index(values: Mapping[str, Any]) -> Decimal:
    """The index value by the Danish value set: 1 minus each dimension's decrement."""
    value = Decimal(1)
    for d in DIMENSIONS:
        level = values[d.key]
        if level > 1:
            value -= DANISH_VALUE_SET[d.key][level - 2]
    return value


def score(values: Mapping[str, Any], context: Context | None = None) -> Score:
    return Score(
        primary=Decimal(level_sum(values)),
        secondary=Decimal(values["vas"]),
        details={"profile": profile(values), "index_dk": str(danish_index(values))},
    )


def summary(primary: Decimal | None, secondary: Decimal | None, details: Mapping) -> str:
    return _("profile %(profile)s · level sum %(sum)s · VAS %(vas)s · index (DK) %(index)s") % {
        "profile": details.get("profile", "–"),
        "sum": number(primary),
        "vas": number(secondary),
        "index": number(details.get("index_dk")),
    }


INSTRUMENT = Instrument(
    code=CODE,
    name=_lazy("EQ-5D-5L"),
    description=_lazy("Health status in five dimensions and health today (VAS)"),
    primary=Measure(_lazy("EQ-5D level sum (5–25)"), higher_is_better=False),
    secondary=Measure(_lazy("EQ VAS (0–100)"), higher_is_better=True),
    validate=validate,
    score=score,
    summary=summary,
    text_keys=TEXT_KEYS,
    licensed=True,
)
