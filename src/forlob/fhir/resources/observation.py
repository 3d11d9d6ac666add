"""Observation: a measure taken on a pathway (COPM, Barthel-20, EQ-5D-5L, 30-s chair stand, FSIII).

One Observation per stored score (a skipped measure is no observation). ``code`` is the
instrument's primary score, ``<instrument>.<score>`` (``copm.performance``, ``barthel20.total``)
in our local system ``https://forlob.dk/fhir/CodeSystem/instrument``: no public code
fits these instruments as Forløb scores them (LOINC's Barthel total, 96761-2, is the 0–100
Barthel Index, not Barthel-20's 0–20; COPM, EQ-5D-5L's level sum and the chair stand count have
no LOINC code we could verify). The primary score is ``valueQuantity``; the secondary score,
further scores and the items are components coded ``<instrument>.<name>`` in the same system.
Where SNOMED CT has a concept we add it beside ours: EQ VAS (736535009) and the EQ-5D-5L index
value (736534008). FSIII items are coded in FSIII itself, their levels as FSIII B-codes (as the
Condition resource does).

``effectiveDateTime`` is the day measured, ``issued`` the moment recorded. The time point
(start, midway, end, follow-up) and the pathway (``EpisodeOfCare``) travel in two extensions of
ours, ``…/StructureDefinition/time-point`` and ``…/StructureDefinition/pathway``: Observation
has no element for either (``partOf`` cannot point at an EpisodeOfCare).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from forlob.fhir import codes
from forlob.fhir.build import coding, day, instant, patient_ref, ref
from forlob.fhir.registry import Context, ResourceType, register
from forlob.fhir.resources.condition import item_coding, severity_coding
from forlob.measures.instruments import barthel, chair_stand, copm, eq5d5l
from forlob.measures.instruments import fsiii as fsiii_instrument
from forlob.measures.instruments.base import shown
from forlob.measures.models import MeasureRecord

SNOMED = "http://snomed.info/sct"
EXT_TIME_POINT = f"{codes.LOCAL}/StructureDefinition/time-point"
EXT_PATHWAY = f"{codes.LOCAL}/StructureDefinition/pathway"
LOCAL_TIME_POINT = f"{codes.LOCAL}/CodeSystem/time-point"

CATEGORY = {  # observation-category: questionnaires and rating scales are "survey"
    copm.CODE: "survey",
    barthel.CODE: "survey",
    eq5d5l.CODE: "survey",
    fsiii_instrument.CODE: "survey",
    chair_stand.CODE: "exam",
}
CATEGORY_DISPLAY = {"survey": "Survey", "exam": "Exam"}
# The local code of each instrument's primary and secondary score.
SCORE_NAMES = {
    copm.CODE: ("performance", "satisfaction"),
    barthel.CODE: ("total", None),
    eq5d5l.CODE: ("level-sum", "vas"),
    chair_stand.CODE: ("stands", None),
    fsiii_instrument.CODE: ("mean-level", "severe-items"),
}
EQ_VAS = coding(SNOMED, "736535009", "EuroQol visual analogue score")
EQ5D5L_INDEX = coding(SNOMED, "736534008", "EuroQol five dimension five level index value")


def _number(value: Decimal | None, decimals: int) -> int | float | None:
    rounded = shown(value, decimals)
    if rounded is None:
        return None
    return int(rounded) if decimals == 0 else float(rounded)


def _quantity(value: int | float | None, unit: str, ucum: str = "{score}") -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": ucum}


def local(code: str, display: object | None = None) -> dict[str, Any]:
    return coding(codes.LOCAL_INSTRUMENT, code, str(display) if display is not None else None)


def _component(
    codings: list[dict[str, Any]], text: str | None = None, **value: Any
) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": codings}
    if text:
        concept["text"] = text
    return {"code": concept, **value}


def _items(record: MeasureRecord) -> list[dict[str, Any]]:
    """The instrument's answers as components."""
    values, code = record.values, record.instrument
    if code == barthel.CODE:
        return [
            _component([local(f"{code}.{item.key}", item.label)], valueInteger=values[item.key])
            for item in barthel.ITEMS
            if item.key in values
        ]
    if code == eq5d5l.CODE:
        out = [
            _component([local(f"{code}.{d.key}", d.label)], valueInteger=values[d.key])
            for d in eq5d5l.DIMENSIONS
            if d.key in values
        ]
        if "profile" in record.details:
            out.append(
                _component(
                    [local(f"{code}.profile", "profile")], valueString=record.details["profile"]
                )
            )
        if "index_dk" in record.details:
            out.append(
                _component(
                    [local(f"{code}.index-dk", "index (Danish value set)"), EQ5D5L_INDEX],
                    valueQuantity=_quantity(
                        float(Decimal(record.details["index_dk"])), "index", "1"
                    ),
                )
            )
        return out
    if code == copm.CODE:
        return [
            _component(
                [local(f"{code}.activity.{rating}", copm.LABELS[rating])],
                activity["activity"],
                valueInteger=activity[rating],
            )
            for activity in values.get("activities", [])
            for rating in copm.RATINGS
        ]
    if code == fsiii_instrument.CODE:
        return [
            _component(
                [item_coding(item)], valueCodeableConcept={"coding": [severity_coding(level)]}
            )
            for item, level in values.items()
            if level in (0, 1, 2, 3, 4, 9)
        ]
    return []


def to_fhir(record: MeasureRecord, ctx: Context) -> dict[str, Any]:
    definition = record.instrument_def
    primary_name, secondary_name = SCORE_NAMES.get(record.instrument, ("score", "second-score"))
    category = CATEGORY.get(record.instrument, "survey")
    components = []
    if definition.secondary is not None and record.secondary_score is not None:
        codings = [local(f"{record.instrument}.{secondary_name}", definition.secondary.label)]
        if record.instrument == eq5d5l.CODE:
            codings.append(EQ_VAS)
        components.append(
            _component(
                codings,
                valueQuantity=_quantity(
                    _number(record.secondary_score, definition.secondary.decimals),
                    str(definition.secondary.label),
                ),
            )
        )
    components += _items(record)
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(record.pk),
        "extension": [
            {
                "url": EXT_TIME_POINT,
                "valueCoding": coding(
                    LOCAL_TIME_POINT, record.time_point, record.get_time_point_display()
                ),
            },
            {"url": EXT_PATHWAY, "valueReference": ref("EpisodeOfCare", record.pathway_id)},
        ],
        "status": "final",
        "category": [
            {"coding": [coding(codes.OBSERVATION_CATEGORY, category, CATEGORY_DISPLAY[category])]}
        ],
        "code": {
            "coding": [local(f"{record.instrument}.{primary_name}", definition.primary.label)],
            "text": str(definition.name),
        },
        "subject": patient_ref(record.citizen_id),
        "effectiveDateTime": day(record.measured_on),
        "issued": instant(record.recorded_at),
        "valueQuantity": _quantity(
            _number(record.primary_score, definition.primary.decimals),
            str(definition.primary.label),
        ),
    }
    if record.recorded_by_id:
        resource["performer"] = [{"display": str(record.recorded_by)}]
    if record.instrument == chair_stand.CODE and record.details.get("band"):
        low, high = record.details["band"]
        resource["referenceRange"] = [
            {
                "low": _quantity(low, "stands", "{stands}"),
                "high": _quantity(high, "stands", "{stands}"),
                "text": "25.–75. percentil for alder og køn",
            }
        ]
    if components:
        resource["component"] = components
    return resource


register(
    ResourceType(
        name="Observation",
        queryset=lambda: MeasureRecord.objects.filter(skipped=False).select_related("recorded_by"),
        to_fhir=to_fhir,
        documentation=(
            "A measure score (COPM, Barthel-20, EQ-5D-5L, 30-s chair stand, FSIII) with its "
            "items as components, coded in https://forlob.dk/fhir/CodeSystem/instrument "
            "(SNOMED CT beside it where one exists); time point and pathway as extensions."
        ),
        date="measured_on",
        ordering=("measured_on", "recorded_at", "pk"),
    )
)
