"""Search parameters shared by every type: ``patient``, ``date``, ``_count``, ``_offset``.

``date`` follows FHIR's prefixes (eq, ne is not supported, lt, le, gt, ge, and sa/eb are not
supported) on a value of precision year, month, day or second: ``date=ge2026-06`` means on or
after 1 June 2026, Copenhagen time. Parameters we do not know are refused with an
OperationOutcome (rather than silently ignored, which would return more than was asked for).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import DateTimeField, QuerySet
from django.utils.translation import gettext as _

from forlob.fhir.build import COPENHAGEN
from forlob.fhir.errors import FhirError, Issue

DEFAULT_COUNT = 20
MAX_COUNT = 100
COMMON = {"_count", "_offset", "_format", "_summary"}
_DATE = re.compile(
    r"^(?P<prefix>eq|lt|le|gt|ge)?(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2})"
    r"(T(?P<time>\d{2}:\d{2}(:\d{2})?)(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@dataclass(frozen=True)
class Range:
    start: datetime
    end: datetime  # exclusive


def parse_date(value: str, param: str = "date") -> tuple[str, Range]:
    match = _DATE.match(value)
    if match is None:
        raise FhirError.one(
            400, "value",
            _("%(param)s must be a date such as 2026-06-01, with an optional prefix "
              "eq, lt, le, gt or ge.") % {"param": param},
            param,
        )  # fmt: skip
    prefix = match["prefix"] or "eq"
    try:
        year = int(match["year"])
        if match["time"]:
            text = f"{match['year']}-{match['month']}-{match['day']}T{match['time']}"
            moment = datetime.fromisoformat(text + (match["tz"] or "").replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=COPENHAGEN)
            return prefix, Range(moment, moment + timedelta(seconds=1))
        if match["day"]:
            first = date(year, int(match["month"]), int(match["day"]))
            after = first + timedelta(days=1)
        elif match["month"]:
            first = date(year, int(match["month"]), 1)
            after = date(year + (first.month == 12), first.month % 12 + 1, 1)
        else:
            first, after = date(year, 1, 1), date(year + 1, 1, 1)
    except ValueError:
        raise FhirError.one(
            400, "value", _("%(param)s is not a real date.") % {"param": param}, param
        ) from None
    return prefix, Range(_midnight(first), _midnight(after))


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=COPENHAGEN)


def date_filter(qs: QuerySet, field: str, values: list[str]) -> QuerySet:
    """Every value must hold (FHIR: repeated parameters are AND)."""
    is_datetime = isinstance(_field_of(qs.model, field), DateTimeField)
    for value in values:
        prefix, rng = parse_date(value)
        start: Any = rng.start if is_datetime else rng.start.date()
        end: Any = rng.end if is_datetime else rng.end.date()
        if not is_datetime and rng.end - rng.start < timedelta(days=1):  # a moment: its day
            end = start + timedelta(days=1)
        lookups = {
            "eq": {f"{field}__gte": start, f"{field}__lt": end},
            "lt": {f"{field}__lt": start},
            "le": {f"{field}__lt": end},
            "gt": {f"{field}__gte": end},
            "ge": {f"{field}__gte": start},
        }[prefix]
        qs = qs.filter(**lookups)
    return qs


def _field_of(model: Any, path: str) -> Any:
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    return model._meta.get_field(parts[-1])


def patient_id(values: list[str]) -> int:
    if len(values) != 1:
        raise FhirError.one(400, "value", _("Give patient once."), "patient")
    value = values[0].removeprefix("Patient/")
    if not value.isdigit() or len(value) > 12:
        raise FhirError.one(
            400, "value", _("patient must be a Patient id (Patient/123); search by CPR number "
                            "with POST Patient/_search."), "patient",
        )  # fmt: skip
    return int(value)


def paging(params: dict[str, list[str]]) -> tuple[int, int]:
    def number(name: str, default: int, low: int, high: int) -> int:
        raw = params.get(name, [str(default)])[-1]
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise FhirError.one(
                400, "value",
                _("%(name)s must be a whole number from %(low)d to %(high)d.")
                % {"name": name, "low": low, "high": high},
                name,
            )  # fmt: skip
        return int(raw)

    return number("_count", DEFAULT_COUNT, 1, MAX_COUNT), number("_offset", 0, 0, 10_000_000)


def unknown(params: dict[str, list[str]], allowed: set[str]) -> list[Issue]:
    return [
        Issue("not-supported", _("Unknown search parameter."), name)
        for name in params
        if name not in allowed | COMMON
    ]
