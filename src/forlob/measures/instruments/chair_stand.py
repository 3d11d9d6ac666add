"""30-second chair stand test (Senior Fitness Test, Rikli and Jones).

The number of full stands from a chair (seat about 43 cm, arms crossed) in 30 seconds; higher is
better. Recorded as a whole number 0–60.

Reference bands: the "normal range" (25th–75th percentile) of community-dwelling adults aged
60–94 by five-year age group and sex, from Rikli RE, Jones CJ. Functional fitness normative
scores for community-residing older adults, ages 60–94. J Aging Phys Act 1999;7:162–181 (also in
their Senior Fitness Test Manual). Below the band is flagged "below normal range". Outside
60–94, or without the citizen's sex, no band is given.

Clinically meaningful change: 2 stands, the major clinically important improvement of 2.0–2.6
repetitions found in hip osteoarthritis after physiotherapy (Wright AA, Cook CE, Baxter GD,
Dockerty JD, Abbott JH. A comparison of 3 methodological approaches to defining major clinically
important improvement of 4 performance measures in patients with hip osteoarthritis. J Orthop
Sports Phys Ther 2011;41(5):319–327); the lowest estimate is used.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    is_blank,
    number,
    whole_number,
)

CODE = "chairstand30"
MAX_COUNT = 60
MEANINGFUL_CHANGE = Decimal(2)
LABEL = _lazy("Full stands in 30 seconds")
TEXT_KEYS = frozenset({"title", "count", "instructions"})

# (lowest age, highest age): {"female": (25th, 75th percentile), "male": (...)}
NORMS: dict[tuple[int, int], dict[str, tuple[int, int]]] = {
    (60, 64): {"female": (12, 17), "male": (14, 19)},
    (65, 69): {"female": (11, 16), "male": (12, 18)},
    (70, 74): {"female": (10, 15), "male": (12, 17)},
    (75, 79): {"female": (10, 15), "male": (11, 17)},
    (80, 84): {"female": (9, 14), "male": (10, 15)},
    (85, 89): {"female": (8, 13), "male": (8, 14)},
    (90, 94): {"female": (4, 11), "male": (7, 12)},
}


def validate(values: Mapping[str, Any]) -> dict[str, int]:
    raw = values.get("count")
    if is_blank(raw):
        raise ValidationError({"count": [_(MESSAGE_REQUIRED)]}, code="required")
    try:
        return {"count": whole_number(raw, 0, MAX_COUNT)}
    except ValidationError as exc:
        raise ValidationError({"count": [exc]}) from None


def reference_band(age: int | None, sex: str | None) -> tuple[int, int] | None:
    """The normal range (25th–75th percentile) for this age and sex, or None if not covered."""
    if age is None or sex not in ("female", "male"):
        return None
    for (low, high), bands in NORMS.items():
        if low <= age <= high:
            return bands[sex]
    return None


def below_normal(count: int, age: int | None, sex: str | None) -> bool | None:
    """True below the band, False within or above it, None where no band applies."""
    band = reference_band(age, sex)
    return None if band is None else count < band[0]


def score(values: Mapping[str, Any], context: Context | None = None) -> Score:
    context = context or Context()
    count = values["count"]
    band = reference_band(context.age, context.sex)
    details: dict[str, Any] = {}
    if band is not None:
        details = {"band": list(band), "below_normal": count < band[0], "age": context.age}
    return Score(primary=Decimal(count), details=details)


def summary(primary: Decimal | None, secondary: Decimal | None, details: Mapping) -> str:
    text = _("%(count)s stands") % {"count": number(primary)}
    band = details.get("band")
    if band:
        text += " · " + _("normal range %(low)s–%(high)s") % {"low": band[0], "high": band[1]}
        if details.get("below_normal"):
            text += " · " + _("below normal range")
    return text


INSTRUMENT = Instrument(
    code=CODE,
    name=_lazy("30-second chair stand"),
    description=_lazy("Lower-body strength: full stands from a chair in 30 seconds"),
    primary=Measure(_lazy("Chair stands in 30 s"), higher_is_better=True, mid=MEANINGFUL_CHANGE),
    secondary=None,
    validate=validate,
    score=score,
    summary=summary,
    text_keys=TEXT_KEYS,
)
