"""The CapabilityStatement at /fhir/metadata, generated from the resource registry."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from forlob.fhir import registry

SEARCH_COMMON = [
    {"name": "_id", "type": "token", "documentation": "Resource id(s), comma-separated."},
    {"name": "_count", "type": "number", "documentation": "Page size, 1–100 (default 20)."},
    {"name": "_offset", "type": "number", "documentation": "Rows to skip (the next link has it)."},
]


def capability_statement(base: str) -> dict[str, Any]:
    resources = []
    for name, rt in registry.types().items():
        params = list(SEARCH_COMMON)
        if rt.patient:
            params.append({
                "name": "patient", "type": "reference",
                "documentation": "The citizen: Patient/<id>.",
            })  # fmt: skip
        if rt.date:
            params.append({
                "name": "date", "type": "date",
                "documentation": "With prefix eq, lt, le, gt or ge; repeat for a range.",
            })  # fmt: skip
        if name == "Patient":
            params.append({
                "name": "identifier", "type": "token",
                "documentation": "CPR number, only with POST Patient/_search (never in a URL).",
            })  # fmt: skip
        params += [
            {"name": p.name, "type": p.kind, "documentation": p.documentation} for p in rt.params
        ]
        interactions = [{"code": "read"}, {"code": "search-type"}]
        if name == "ServiceRequest":
            interactions.append({
                "code": "create",
                "documentation": "Idempotent on identifier: sending the same request twice "
                "creates one referral (200 with the existing one).",
            })  # fmt: skip
        entry: dict[str, Any] = {
            "type": name,
            "documentation": rt.documentation,
            "interaction": interactions,
            "searchParam": params,
        }
        if rt.profile:
            entry["supportedProfile"] = [rt.profile]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().isoformat(timespec="seconds"),
        "publisher": "Forløb",
        "kind": "instance",
        "software": {"name": "Forløb", "version": "1"},
        "implementation": {"description": "Forløb FHIR R4 endpoint", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Authenticate with the API token of a system account "
                    "(Authorization: Bearer <token>); the account belongs to one organisation "
                    "and sees what the access policy gives it. Errors are OperationOutcomes."
                ),
                "security": {
                    "cors": False,
                    "description": "Bearer token of a Forløb system account.",
                },
                "resource": resources,
                "interaction": [
                    {
                        "code": "transaction",
                        "documentation": "A Bundle of ServiceRequests (with their Patient, "
                        "Organization and Condition entries): all registered, or none.",
                    }
                ],
            }
        ],
    }
