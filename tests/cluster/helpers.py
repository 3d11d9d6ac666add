"""Building hospital events for the cluster tests: CSV text, FHIR bundles and rows directly."""

from __future__ import annotations

import json
from datetime import date
from itertools import count

from forlob.cluster.diagnoses import classify
from forlob.cluster.importing import CSV_HEADER
from forlob.cluster.models import (
    ActivityCode,
    FollowUpVisit,
    HospitalEvent,
    ImportBatch,
    PreventableDiagnosisGroup,
    Sector,
)
from forlob.cluster.pseudonym import person_key
from forlob.core.models import Municipality
from tests.factories import make_cpr

_ids = count(1)

ADMIT = ActivityCode.ADMIT_INPATIENT
DISCHARGE = ActivityCode.DISCHARGE_INPATIENT_HOME


def cpr_aged(age: int, on: date = date(2026, 1, 1), serial: int = 123) -> str:
    """A CPR number of someone ``age`` years old on ``on`` (born 15 days before, that year)."""
    born = date(on.year - age - 1, 12, 17)
    return make_cpr(born, serial=serial)


def csv_bytes(
    rows: list[dict[str, str]], *, delimiter: str = ";", header: list[str] | None = None
) -> bytes:
    header = header or CSV_HEADER
    lines = [delimiter.join(header)]
    for row in rows:
        lines.append(delimiter.join(row.get(c, "") for c in header))
    return ("\n".join(lines) + "\n").encode("utf-8")


def csv_row(**values: str) -> dict[str, str]:
    """A valid row: an inpatient admission in Randers (730) on 2 March 2026."""
    n = next(_ids)
    row = {
        "event_id": f"E{n}",
        "encounter_id": f"S{n}",
        "activity_code": "admit-inpatient",
        "event_date": "2026-03-02",
        "municipality_code": "730",
        "cpr": cpr_aged(80),
        "sector": "somatic",
        "diagnosis_code": "DJ189",
        "diagnosis_group": "",
    }
    row.update(values)
    return row


def batch() -> ImportBatch:
    existing = ImportBatch.objects.first()
    return existing or ImportBatch.objects.create(source=ImportBatch.Source.CSV)


def event(
    municipality: Municipality,
    day: date,
    code: str = ADMIT,
    *,
    person: str = "p1",
    age: int = 80,
    sex: str = "female",
    sector: str = Sector.SOMATIC,
    diagnosis: str = "",
    encounter: str = "",
    citizen: object = None,
    follow_up: bool | None = None,
) -> HospitalEvent:
    """One event written directly; ``person`` is any text (hashed like a CPR number)."""
    groups = list(PreventableDiagnosisGroup.objects.filter(is_active=True))
    group = classify(diagnosis, "", groups)
    e = HospitalEvent.objects.create(
        identifier=f"T{next(_ids)}",
        encounter_identifier=encounter,
        activity_code=code,
        event_date=day,
        municipality=municipality,
        citizen=citizen,  # type: ignore[misc]
        person_key=person_key(person),
        age=age,
        sex=sex,
        sector=sector,
        diagnosis_code=diagnosis,
        preventable_group=group,
        source=ImportBatch.Source.CSV,
        batch=batch(),
    )
    if follow_up or (follow_up is None and code == DISCHARGE and age >= 78):
        FollowUpVisit.objects.create(
            discharge=e,
            municipality=municipality,
            citizen=citizen,  # type: ignore[misc]
        )
    return e


def stay(
    municipality: Municipality, admitted: date, discharged: date, **kw: object
) -> tuple[HospitalEvent, HospitalEvent]:
    """An admission and its discharge (same stay id)."""
    encounter = kw.pop("encounter", None) or f"STAY{next(_ids)}"
    return (
        event(municipality, admitted, ADMIT, encounter=encounter, **kw),  # type: ignore[arg-type]
        event(municipality, discharged, DISCHARGE, encounter=encounter, **kw),  # type: ignore[arg-type]
    )


# --- FHIR ---------------------------------------------------------------------------------------

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
MUNICIPALITY_EXT = "http://hl7.dk/fhir/core/StructureDefinition/dk-core-municipalityCodes"
MUNICIPALITY_CS = "http://hl7.dk/fhir/core/CodeSystem/dk-core-municipality-codes"
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
MEDCOM = "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-activityCodes"


def patient(n: int, cpr: str, municipality_code: str = "0730") -> dict[str, object]:
    return {
        "fullUrl": f"urn:uuid:patient-{n}",
        "resource": {
            "resourceType": "Patient",
            "identifier": [{"system": CPR_SYSTEM, "value": cpr}],
            "address": [
                {
                    "extension": [
                        {
                            "url": MUNICIPALITY_EXT,
                            "valueCodeableConcept": {
                                "coding": [{"system": MUNICIPALITY_CS, "code": municipality_code}]
                            },
                        }
                    ]
                }
            ],
        },
    }


def encounter(
    n: int,
    *,
    status: str = "finished",
    klass: str = "IMP",
    start: str = "2026-03-02T10:00:00+01:00",
    end: str | None = "2026-03-06T12:00:00+01:00",
    diagnosis: str = "DN390",
    sector: str | None = None,
) -> dict[str, object]:
    resource: dict[str, object] = {
        "resourceType": "Encounter",
        "identifier": [{"system": "urn:example:rhr", "value": f"ENC-{n}"}],
        "status": status,
        "class": {"system": ACT, "code": klass},
        "subject": {"reference": f"urn:uuid:patient-{n}"},
        "period": {"start": start, **({"end": end} if end else {})},
        "reasonCode": [{"coding": [{"system": "urn:oid:1.2.208.176.2.4", "code": diagnosis}]}],
    }
    if sector:
        resource["serviceType"] = {
            "coding": [
                {"system": "https://forlob.dk/fhir/CodeSystem/hospital-sector", "code": sector}
            ]
        }
    return {"fullUrl": f"urn:uuid:encounter-{n}", "resource": resource}


def bundle(*entries: dict[str, object], kind: str = "collection") -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": kind, "entry": list(entries)}).encode(
        "utf-8"
    )
