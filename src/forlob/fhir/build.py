"""Small builders shared by the resource mappings (references, codings, instants)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def ref(resource_type: str, pk: int | str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"reference": f"{resource_type}/{pk}"}
    if display:
        out["display"] = display
    return out


def patient_ref(citizen_id: int) -> dict[str, Any]:
    return ref("Patient", citizen_id)


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = str(display)
    return out


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"coding": [coding(system, code, display)]}


def instant(value: datetime) -> str:
    """An aware datetime in Copenhagen time with its offset (FHIR dateTime/instant)."""
    return value.astimezone(COPENHAGEN).isoformat(timespec="seconds")


def day(value: date) -> str:
    return value.isoformat()


def period(start: datetime | date | None, end: datetime | date | None = None) -> dict[str, str]:
    out = {}
    for key, value in (("start", start), ("end", end)):
        if isinstance(value, datetime):
            out[key] = instant(value)
        elif isinstance(value, date):
            out[key] = day(value)
    return out


def meta(profile: str | None, last_updated: datetime | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if profile:
        out["profile"] = [profile]
    if last_updated:
        out["lastUpdated"] = instant(last_updated)
    return out
