"""Patient: the citizen (DK core patient; CPR as ``urn:oid:1.2.208.176.1.2``).

Search by CPR number only with ``POST /fhir/Patient/_search`` (form body ``identifier=
urn:oid:1.2.208.176.1.2|<cpr>``): a CPR number never goes in a URL, where proxies and logs keep it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from forlob.access.policy import Action
from forlob.citizens.models import Citizen
from forlob.fhir import codes
from forlob.fhir.build import coding, day, meta
from forlob.fhir.registry import Context, ResourceType, register

GENDER = {Citizen.Sex.FEMALE: "female", Citizen.Sex.MALE: "male"}


def to_fhir(citizen: Citizen, ctx: Context) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(citizen.pk),
        "meta": meta(None),
        "name": [
            {
                "use": "official",
                "family": citizen.last_name,
                "given": [citizen.first_name],
            }
        ],
        "gender": GENDER.get(citizen.sex, "unknown"),
        "birthDate": day(citizen.birth_date),
        "managingOrganization": {
            "identifier": {"system": codes.MUNICIPALITY_CODE, "value": citizen.municipality.code},
            "display": citizen.municipality.name,
        },
    }
    if ctx.sees_cpr:
        resource["identifier"] = [{"use": "official", "system": codes.CPR, "value": citizen.cpr}]
    telecom = []
    if citizen.phone:
        telecom.append({"system": "phone", "value": citizen.phone, "use": "mobile"})
    if citizen.email:
        telecom.append({"system": "email", "value": citizen.email})
    if telecom:
        resource["telecom"] = telecom
    if citizen.address or citizen.postal_code:
        resource["address"] = [
            {
                "use": "home",
                "line": [citizen.address] if citizen.address else [],
                "postalCode": citizen.postal_code or None,
                "city": citizen.city or None,
                "extension": [
                    {
                        "url": "http://hl7.dk/fhir/core/StructureDefinition/dk-core-municipalityCodes",
                        "valueCodeableConcept": {
                            "coding": [
                                coding(
                                    "urn:oid:1.2.208.176.1.3",
                                    citizen.municipality.code,
                                    citizen.municipality.name,
                                )
                            ]
                        },
                    }
                ],
            }
        ]
        resource["address"][0] = {k: v for k, v in resource["address"][0].items() if v}
    if not resource["meta"]:
        del resource["meta"]
    return resource


def _sent_by(actor: Any) -> Q:
    from forlob.referrals.models import Referral

    return Q(pk__in=Referral.objects.filter(created_by=actor).values("citizen"))


register(
    ResourceType(
        name="Patient",
        queryset=lambda: Citizen.objects.select_related("municipality"),
        to_fhir=to_fhir,
        documentation=(
            "The citizen. Search by CPR number with POST Patient/_search and a form body "
            "`identifier=urn:oid:1.2.208.176.1.2|<cpr>` (never in the URL). The CPR identifier "
            "is given to readers who may open the whole record and to the system that sent the "
            "citizen's referral."
        ),
        action=Action.VIEW_CITIZEN,
        citizen="",
        sender=_sent_by,
        patient=None,
        ordering=("last_name", "first_name", "pk"),
    )
)
