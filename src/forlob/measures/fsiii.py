"""Fælles Sprog III (FSIII): the functional-ability areas and levels used in home care.

The areas (J1–J5) and their items follow KL's FSIII (code system ``urn:oid:1.2.208.176.2.21``,
published in KL common, ``hl7dk/KL-dk``). The codes here (``J1.1`` …) are FSIII's own
numbering, used as keys in Forløb's data; the FHIR mapping translates them. Labels are the
Danish FSIII terms, which are public.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FsiiiItem:
    code: str
    label: str


@dataclass(frozen=True)
class FsiiiArea:
    code: str
    label: str
    items: tuple[FsiiiItem, ...]


def _area(code: str, label: str, *items: str) -> FsiiiArea:
    return FsiiiArea(
        code, label, tuple(FsiiiItem(f"{code}.{i}", name) for i, name in enumerate(items, 1))
    )


AREAS: tuple[FsiiiArea, ...] = (
    _area(
        "J1",
        "Egenomsorg",
        "Vaske sig",
        "Kropspleje",
        "Af- og påklædning",
        "Drikke",
        "Fødeindtagelse",
        "Spise",
        "Varetage egen sundhed",
        "Gå på toilet",
    ),
    _area(
        "J2",
        "Praktiske opgaver",
        "Udføre praktiske opgaver i hjemmet",
        "Lave mad",
        "Udføre daglige rutiner",
        "Skaffe sig varer og tjenesteydelser",
    ),
    _area(
        "J3",
        "Mobilitet",
        "Løfte og bære",
        "Bevæge sig omkring",
        "Bruge transportmidler",
        "Færden i forskellige omgivelser",
        "Forflytte sig",
        "Ændre kropsstilling",
        "Muskelstyrke",
        "Gå",
        "Udholdenhed",
    ),
    _area(
        "J4",
        "Mentale funktioner",
        "Kommunikation",
        "Hukommelse",
        "Orienteringsevne",
        "Overordnede kognitive funktioner",
        "Emotionelle funktioner",
        "Energi og handlekraft",
        "Tilegne sig færdigheder",
        "Problemløsning",
    ),
    _area("J5", "Samfundsliv", "Lønnet beskæftigelse"),
)

ITEMS: dict[str, FsiiiItem] = {item.code: item for area in AREAS for item in area.items}
AREA_BY_CODE: dict[str, FsiiiArea] = {area.code: area for area in AREAS}

# Level of limitation. 9 = not relevant for the citizen (excluded from sums and means).
LEVELS: dict[int, object] = {
    0: _("No or negligible limitation"),
    1: _("Light limitation"),
    2: _("Moderate limitation"),
    3: _("Severe limitation"),
    4: _("Total limitation"),
    9: _("Not relevant"),
}
NOT_RELEVANT = 9


def area_of(item_code: str) -> FsiiiArea:
    """The area an item belongs to (``J3.8`` → J3 Mobilitet); KeyError for an unknown code."""
    if item_code not in ITEMS:
        raise KeyError(item_code)
    return AREA_BY_CODE[item_code.split(".", 1)[0]]
