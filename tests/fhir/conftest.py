"""FHIR test support: system accounts with tokens, a client that speaks FHIR JSON, and
GGOP resources shaped as KL Gateway Rehab's examples."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client

from forlob.fhir import codes
from forlob.fhir.services import integration_create

CPR_NEW = "0101401234"  # not registered anywhere: the referral registers the citizen


@dataclass
class FhirClient:
    secret: str | None

    @property
    def client(self) -> Client:
        headers = {"authorization": f"Bearer {self.secret}"} if self.secret else {}
        return Client(headers=headers)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get("/fhir/" + path, params or {})

    def post(self, path: str, body: object) -> Any:
        return self.client.post(
            "/fhir/" + path, json.dumps(body), content_type="application/fhir+json"
        )


@pytest.fixture
def hospital(org_a):
    """Regionshospitalet Randers' system, sending to municipality A."""
    integration, token = integration_create(
        municipality=org_a.municipality,
        name="Regionshospitalet Randers",
        kind="hospital",
        sor_code="227871000016001",
    )
    return FhirClient(token.secret), integration.account


@pytest.fixture
def other_hospital(org_a):
    integration, token = integration_create(
        municipality=org_a.municipality, name="Aarhus Universitetshospital", kind="hospital"
    )
    return FhirClient(token.secret), integration.account


def ggop(
    identifier: str = "ggop-1",
    *,
    cpr: str = CPR_NEW,
    discharge: date = date(2026, 5, 30),
    level: tuple[str, ...] = (codes.GGOP_GENERAL, codes.GGOP_BASAL),
    diagnosis: str = "DS721",
    contained: bool = True,
) -> dict[str, Any]:
    """A GGOP ServiceRequest with its Patient, Organization and Condition contained."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "urn:oid:1.2.208.176.7.1.10.99", "value": identifier}],
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [{"system": codes.KL_CODES, "code": c}]} for c in level],
        "code": {"coding": [{"system": codes.KL_CODES, "code": codes.SERVICE_TRAINING}]},
        "subject": {"reference": "#p"},
        "requester": {"reference": "#o"},
        "authoredOn": "2026-05-29",
        "reasonReference": [{"reference": "#c"}],
        "extension": [{"url": codes.EXT_DISCHARGE_DATE, "valueDate": discharge.isoformat()}],
    }
    if contained:
        resource["contained"] = [
            {
                "resourceType": "Patient",
                "id": "p",
                "identifier": [{"system": codes.CPR, "value": cpr}],
                "name": [{"use": "official", "family": "Berggren", "given": ["Ruddi"]}],
            },
            {
                "resourceType": "Organization",
                "id": "o",
                "identifier": [{"system": codes.SOR, "value": "227871000016001"}],
                "name": "Ortopædkirurgisk afdeling, Regionshospitalet Randers",
            },
            {
                "resourceType": "Condition",
                "id": "c",
                "code": {
                    "coding": [
                        {
                            "system": "urn:oid:1.2.208.176.2.4.12",
                            "code": diagnosis,
                            "display": "Pertrokantær femurfraktur",
                        }
                    ]
                },
                "subject": {"reference": "#p"},
            },
        ]
    return resource


def transaction(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:00000000-0000-0000-0000-{i:012d}",
                "resource": r,
                "request": {"method": "POST", "url": r["resourceType"]},
            }
            for i, r in enumerate(resources)
        ],
    }
