"""A person's age in whole years on a given day (the birthday itself counts)."""

from __future__ import annotations

from datetime import date


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day``; a person born 29 February turns a year older on 1 March."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
