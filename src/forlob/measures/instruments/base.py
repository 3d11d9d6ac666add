"""What every instrument is made of: its data, a validation and a pure scoring function.

An instrument never touches the database. ``validate(values)`` takes what a form or an import
sends (numbers as ints or digit strings) and returns the normalised values Forløb stores, or raises
``django.core.exceptions.ValidationError`` with a message per field key (Danish through the
catalogue). ``score(values, context)`` takes normalised values and returns a ``Score``: one
primary number, an optional secondary number and instrument-specific details (an EQ-5D profile,
chair-stand reference band, FSIII area summaries ...), all of them stored with the record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MESSAGE_WHOLE_NUMBER = gettext_noop("Enter a whole number from %(min)d to %(max)d.")
MESSAGE_REQUIRED = gettext_noop("This field is required.")
MESSAGE_NOT_A_FORM = gettext_noop("The values could not be read.")

ONE_DECIMAL = Decimal("0.1")


def round1(value: Decimal) -> Decimal:
    """Round half up to one decimal, as a therapist does by hand (5.25 → 5.3)."""
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def shown(value: Decimal | None, decimals: int) -> Decimal | None:
    """A stored score with the decimals its measure is read with (3.500 → 3.5, 12.000 → 12)."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value: object) -> str:
    """A number as the UI shows it (Danish decimal comma), "–" for nothing."""
    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except ArithmeticError:
            return value
    return formats.number_format(value)


def whole_number(value: object, low: int, high: int, *, also: tuple[int, ...] = ()) -> int:
    """``value`` (int or digit string) as an int within ``low``–``high`` (or one of ``also``).

    Raises a bare ``ValidationError`` (the caller names the field): booleans, fractions, text
    and numbers outside the range are refused.
    """
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    if number is None or not (low <= number <= high or number in also):
        raise ValidationError(_(MESSAGE_WHOLE_NUMBER) % {"min": low, "max": high}, code="range")
    return number


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class Measure:
    """One number an instrument yields, and how to read a change in it.

    ``mid`` is the published minimal important difference: a change of at least this much is
    clinically meaningful. ``None`` where no such value can be cited for the instrument: the
    change is then shown without a verdict.
    """

    label: Any  # lazy translation
    higher_is_better: bool
    mid: Decimal | None = None
    decimals: int = 0


@dataclass(frozen=True)
class Context:
    """Facts about the citizen some instruments need (chair-stand norms by age and sex)."""

    age: int | None = None
    sex: str | None = None  # "female" / "male", as on the citizen


@dataclass(frozen=True)
class Score:
    primary: Decimal
    secondary: Decimal | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Instrument:
    code: str
    name: Any  # short name shown in lists ("COPM", "Barthel-20")
    description: Any
    primary: Measure
    secondary: Measure | None
    validate: Callable[[Mapping[str, Any]], dict[str, Any]]
    score: Callable[[Mapping[str, Any], Context], Score]
    summary: Callable[[Decimal | None, Decimal | None, Mapping[str, Any]], str]
    # The keys a municipality may load licensed wording for (``InstrumentText.item_key``).
    text_keys: frozenset[str]
    licensed: bool = False

    def evaluate(
        self, values: Mapping[str, Any], context: Context | None = None
    ) -> tuple[dict[str, Any], Score]:
        """Validate and score in one go: (normalised values, score)."""
        if not isinstance(values, Mapping):
            raise ValidationError(_(MESSAGE_NOT_A_FORM), code="invalid")
        clean = self.validate(values)
        return clean, self.score(clean, context or Context())


def direction(change: Decimal | None, higher_is_better: bool) -> str | None:
    """ "better", "worse" or "same" for a change; None when there is nothing to compare."""
    if change is None:
        return None
    if change == 0:
        return "same"
    return "better" if (change > 0) == higher_is_better else "worse"


def meaningful(change: Decimal | None, measure: Measure) -> bool | None:
    """Whether a change reaches the measure's minimal important difference (either way).

    None when the measure has no citable minimal important difference, or nothing to compare.
    """
    if change is None or measure.mid is None:
        return None
    return abs(change) >= measure.mid


def collect(errors: dict[str, list[ValidationError]]) -> None:
    """Raise all collected field errors at once (a form shows each beside its field)."""
    if errors:
        raise ValidationError(errors)
