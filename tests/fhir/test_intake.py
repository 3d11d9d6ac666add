"""Referrals in over FHIR: a GGOP lands in the intake inbox with its deadline, once."""

from __future__ import annotations

from datetime import date

import pytest

from forlob.access.models import AccessLog
from forlob.citizens.models import Citizen
from forlob.core.choices import DiagnosisArea, GopLevel
from forlob.fhir import codes
from forlob.referrals.models import Referral
from tests.factories import CitizenFactory, make_cpr
from tests.fhir.conftest import CPR_NEW, FhirClient, ggop, transaction

pytestmark = pytest.mark.django_db


def issues(response) -> list[dict]:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"]


def test_a_ggop_lands_in_the_inbox_with_its_deadline(hospital, frozen) -> None:
    client, account = hospital
    response = client.post("ServiceRequest", ggop())
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/fhir+json")
    referral = Referral.objects.get()
    assert response["Location"].endswith(f"/fhir/ServiceRequest/{referral.pk}")
    assert referral.status == Referral.Status.NEW
    assert referral.team is None  # the municipality's intake inbox
    assert referral.referral_type.code == "gop"
    assert referral.discharge_date == date(2026, 5, 30)
    assert referral.offer_deadline == date(2026, 6, 6)  # discharge + 7 calendar days
    assert referral.gop_level == GopLevel.BASAL
    assert referral.diagnosis_area == DiagnosisArea.ORTHOPAEDIC  # from DS721 (S72.1)
    assert "SOR 227871000016001" in referral.sender
    assert referral.created_by == account
    assert referral.citizen.first_name == "Ruddi"
    assert referral.citizen.cpr == CPR_NEW
    body = response.json()
    assert body["status"] == "active"
    assert {c["coding"][0]["code"] for c in body["category"]} >= {
        codes.GGOP_GENERAL,
        codes.GGOP_BASAL,
    }
    assert AccessLog.objects.filter(operation="referral_register", actor=account).count() == 1


def test_sending_the_same_request_twice_creates_one_referral(hospital, frozen) -> None:
    client, _account = hospital
    first = client.post("ServiceRequest", ggop())
    again = client.post("ServiceRequest", ggop())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Referral.objects.count() == 1
    assert Citizen.objects.count() == 1


def test_another_sender_cannot_reuse_an_identifier(hospital, other_hospital, frozen) -> None:
    hospital[0].post("ServiceRequest", ggop())
    response = other_hospital[0].post("ServiceRequest", ggop())
    assert response.status_code == 409
    assert issues(response)[0]["code"] == "duplicate"
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ((codes.GGOP_GENERAL, codes.GGOP_ADVANCED), GopLevel.ADVANCED),
        ((codes.GGOP_SPECIALISED,), GopLevel.SPECIALISED),
        ((codes.GGOP_REHABILITATION,), GopLevel.SPECIALISED),
    ],
)
def test_ggop_types_map_to_levels(hospital, frozen, level, expected) -> None:
    assert hospital[0].post("ServiceRequest", ggop(level=level)).status_code == 201
    assert Referral.objects.get().gop_level == expected


@pytest.mark.parametrize(
    ("diagnosis", "area"),
    [("DI634", DiagnosisArea.NEUROLOGICAL), ("DJ441", DiagnosisArea.MEDICAL)],
)
def test_diagnosis_area_follows_the_focus_condition(hospital, frozen, diagnosis, area) -> None:
    assert hospital[0].post("ServiceRequest", ggop(diagnosis=diagnosis)).status_code == 201
    assert Referral.objects.get().diagnosis_area == area


def test_errors_are_all_reported_with_their_locations_and_nothing_is_written(hospital) -> None:
    bad = ggop(level=(codes.GGOP_GENERAL,))  # almen without basal/avanceret
    del bad["identifier"]
    bad["extension"] = []
    bad["contained"][0]["identifier"][0]["value"] = "3213213213"  # no such date of birth
    response = hospital[0].post("ServiceRequest", bad)
    assert response.status_code == 422
    where = {i["expression"][0] for i in issues(response)}
    assert "ServiceRequest.identifier" in where
    assert "ServiceRequest.category" in where
    assert any(w.startswith("ServiceRequest.subject") for w in where)
    # The bad CPR number is never echoed back.
    assert "3213213213" not in response.content.decode()
    assert Referral.objects.count() == 0
    assert Citizen.objects.count() == 0


def test_structure_errors_name_the_element(hospital) -> None:
    bad = ggop()
    bad["authoredOn"] = {"not": "a date"}
    response = hospital[0].post("ServiceRequest", bad)
    assert response.status_code == 400
    assert any(i["expression"][0] == "ServiceRequest.authoredOn" for i in issues(response))


def test_missing_discharge_date_is_refused_for_a_ggop(hospital) -> None:
    bad = ggop()
    bad["extension"] = []
    response = hospital[0].post("ServiceRequest", bad)
    assert response.status_code == 422
    assert [i["expression"][0] for i in issues(response)] == ["ServiceRequest.extension"]


def test_a_citizen_of_another_municipality_is_refused_without_saying_where(hospital, org_b) -> None:
    elsewhere = CitizenFactory(municipality=org_b.municipality)
    response = hospital[0].post("ServiceRequest", ggop(cpr=elsewhere.cpr))
    assert response.status_code == 422
    text = response.content.decode()
    assert org_b.municipality.name not in text and elsewhere.cpr not in text
    assert Referral.objects.count() == 0


def test_a_gp_referral_names_our_referral_type(hospital, frozen) -> None:
    resource = ggop("gp-1", diagnosis="DJ441")
    resource["category"] = [{"coding": [{"system": codes.LOCAL_REFERRAL_TYPE, "code": "chronic"}]}]
    resource["extension"] = []
    response = hospital[0].post("ServiceRequest", resource)
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert referral.referral_type.code == "chronic"
    assert referral.chronic_disease == "copd"  # from J44.1


def test_a_transaction_bundle_is_all_or_nothing(hospital, frozen) -> None:
    good = ggop("b-1", cpr=make_cpr(date(1950, 3, 1), 1001))
    bad = ggop("b-2", cpr=make_cpr(date(1951, 4, 2), 1002))
    bad["extension"] = []
    response = hospital[0].post("", transaction(good, bad))
    assert response.status_code == 422
    assert [i["expression"][0] for i in issues(response)] == ["Bundle.entry[1].resource.extension"]
    assert Referral.objects.count() == 0
    assert Citizen.objects.count() == 0


def test_a_transaction_bundle_registers_every_referral(hospital, frozen) -> None:
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": codes.CPR, "value": make_cpr(date(1944, 8, 9), 1003)}],
        "name": [{"use": "official", "family": "Holm", "given": ["Inger"]}],
    }
    first = ggop("t-1", cpr=make_cpr(date(1950, 3, 1), 1001))
    second = ggop("t-2", contained=False)
    second["contained"] = [first["contained"][2]]
    second["reasonReference"] = [{"reference": "#c"}]
    second["subject"] = {"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"}
    second["requester"] = {"display": "Almen praksis Vestergade"}
    response = hospital[0].post("", transaction(patient, first, second))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in body["entry"]]
    assert statuses == ["200 OK", "201 Created", "201 Created"]
    assert Referral.objects.count() == 2
    holm = Citizen.objects.get(last_name="Holm")
    assert body["entry"][0]["response"]["location"] == f"Patient/{holm.pk}"
    # Sent again: nothing new, every entry 200.
    again = hospital[0].post("", transaction(patient, first, second)).json()
    assert [e["response"]["status"] for e in again["entry"]] == ["200 OK"] * 3
    assert Referral.objects.count() == 2


def test_only_transaction_bundles_of_referrals_are_accepted(hospital) -> None:
    batch = transaction(ggop())
    batch["type"] = "batch"
    assert hospital[0].post("", batch).status_code == 400
    observation = transaction({"resourceType": "Observation", "status": "final", "code": {}})
    response = hospital[0].post("", observation)
    assert response.status_code == 400


def test_staff_without_the_right_to_register_cannot_post(client_for, manager) -> None:
    from forlob.core.tokens import api_token_create

    secret = api_token_create(user=manager, name="t", days=1).secret
    response = FhirClient(secret).post("ServiceRequest", ggop())
    assert response.status_code == 403
    assert issues(response)[0]["code"] == "forbidden"


def test_without_a_token_the_answer_is_an_operation_outcome() -> None:
    response = FhirClient(None).post("ServiceRequest", ggop())
    assert response.status_code == 401
    assert issues(response)[0]["code"] == "login"
    assert FhirClient("flb_wrong").get("Patient").status_code == 401


def test_a_body_that_is_not_json_is_refused(hospital) -> None:
    response = hospital[0].client.post(
        "/fhir/ServiceRequest", "{not json", content_type="application/fhir+json"
    )
    assert response.status_code == 400
    assert issues(response)[0]["code"] == "structure"
