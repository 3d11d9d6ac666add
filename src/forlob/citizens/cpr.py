"""CPR numbers (det centrale personregister): parsing, validation, masking.

A CPR number is DDMMYY-SSSS. The century follows from the first digit of the sequence part
(CPR-kontoret's table, valid since 1968). Modulus-11 is NOT checked: since 2007 numbers are issued
that fail it. The last digit is odd for men and even for women.

Never log or show a full CPR number outside the citizen's own page: use ``mask``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_CPR_RE = re.compile(r"^\s*(\d{6})-?(\d{4})\s*$", re.ASCII)

MESSAGE_FORMAT = _("A CPR number has 10 digits, written DDMMYY-SSSS.")
MESSAGE_DATE = _("The CPR number does not contain a valid date of birth.")


@dataclass(frozen=True)
class Cpr:
    digits: str  # exactly 10 digits, no dash
    birth_date: date

    @property
    def is_male(self) -> bool:
        return int(self.digits[-1]) % 2 == 1

    def formatted(self) -> str:
        return f"{self.digits[:6]}-{self.digits[6:]}"

    def masked(self) -> str:
        return mask(self.digits)


def century(year2: int, seq_first_digit: int) -> int:
    """The century a two-digit birth year belongs to, from the first sequence digit."""
    if seq_first_digit in (0, 1, 2, 3):
        return 1900
    if seq_first_digit in (4, 9):
        return 2000 if year2 <= 36 else 1900
    # 5, 6, 7, 8
    return 2000 if year2 <= 57 else 1800


def parse(value: str) -> Cpr:
    """Parse and validate a CPR number; raises ``ValidationError`` with a Danish message.

    The message never repeats the number itself.
    """
    match = _CPR_RE.match(value or "")
    if not match:
        raise ValidationError(MESSAGE_FORMAT, code="cpr_format")
    digits = match.group(1) + match.group(2)
    day, month, year2 = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    year = century(year2, int(digits[6])) + year2
    try:
        born = date(year, month, day)
    except ValueError:
        raise ValidationError(MESSAGE_DATE, code="cpr_date") from None
    return Cpr(digits=digits, birth_date=born)


def mask(digits: str) -> str:
    """``010190-****``: the date part stays readable, the sequence part is hidden."""
    clean = (digits or "").replace("-", "")
    if len(clean) != 10:
        return "******-****"
    return f"{clean[:6]}-****"


def validate_cpr(value: str) -> None:
    parse(value)
