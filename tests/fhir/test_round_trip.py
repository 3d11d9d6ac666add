"""Round trips: what we export validates and, imported again, reproduces the referral; and a
hand-written resource shaped like the R4 specification's ServiceRequest example is refused
with locations, not half-imported."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.servicerequest import ServiceRequest

from forlob.core.tokens import api_token_create
from forlob.fhir.services import integration_create
from forlob.referrals.models import Referral
from tests.factories import CitizenFactory, register_referral
from tests.fhir.conftest import FhirClient
from tests.helpers import TODAY

pytestmark = pytest.mark.django_db


def test_export_then_import_reproduces_the_referral(therapist, org_a, org_b, frozen) -> None:
    citizen = CitizenFactory(municipality=org_a.municipality, first_name="Ebba", last_name="Lund")
    original = register_referral(
        actor=therapist,
        citizen=citizen,
        discharge_date=TODAY - timedelta(days=1),
        gop_level="advanced",
        diagnosis_area="neurological",
        diagnosis_text="DI634 Hjerneinfarkt",
    )
    reader = FhirClient(api_token_create(user=therapist, name="t", days=1).secret)
    request = reader.get(f"ServiceRequest/{original.pk}").json()
    patient = reader.get(f"Patient/{citizen.pk}").json()
    ServiceRequest.model_validate(request)
    Patient.model_validate(patient)

    # The citizen moves: municipality B's hospital account sends our export on as it is.
    patient["identifier"][0]["value"] = "0202451235"
    _integration, token = integration_create(
        municipality=org_b.municipality, name="Hospital B", kind="hospital"
    )
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"http://elsewhere/fhir/Patient/{patient['id']}",
                "resource": patient,
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": f"http://elsewhere/fhir/ServiceRequest/{request['id']}",
                "resource": request,
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
        ],
    }
    original.external_id = None
    original.save()
    response = FhirClient(token.secret).post("", bundle)
    assert response.status_code == 200, response.content
    copy = Referral.objects.exclude(pk=original.pk).get()
    for field in (
        "discharge_date", "gop_level", "diagnosis_area", "offer_deadline", "diagnosis_text",
    ):  # fmt: skip
        assert getattr(copy, field) == getattr(original, field), field
    assert copy.referral_type == original.referral_type
    assert copy.municipality == org_b.municipality
    assert (copy.citizen.first_name, copy.citizen.last_name) == ("Ebba", "Lund")


def test_the_specifications_service_request_example_is_refused_with_locations(hospital) -> None:
    """Shaped as the R4 spec's ServiceRequest/example (a lab order): valid FHIR, not a referral
    we can take — every missing piece is named, nothing is written."""
    example = {
        "resourceType": "ServiceRequest",
        "id": "example",
        "status": "completed",
        "intent": "order",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "35542-4"}]},
        "subject": {"reference": "Patient/example"},
        "requester": {"reference": "Practitioner/example"},
    }
    ServiceRequest.model_validate(example)
    response = hospital[0].post("ServiceRequest", example)
    assert response.status_code == 400
    where = {i["expression"][0] for i in response.json()["issue"]}
    expected = {"ServiceRequest.status", "ServiceRequest.identifier", "ServiceRequest.category"}
    assert expected <= where
    assert Referral.objects.count() == 0
