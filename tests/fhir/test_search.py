"""Search, paging, the CapabilityStatement and the endpoint's manners (errors, limits)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from forlob.access.models import AccessLog
from forlob.core.tokens import api_token_create
from forlob.scheduling.models import AppointmentStatus
from tests.factories import AppointmentFactory, CitizenFactory, PathwayFactory, ReferralFactory
from tests.fhir.conftest import FhirClient
from tests.helpers import TODAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(therapist) -> FhirClient:
    return FhirClient(api_token_create(user=therapist, name="t", days=1).secret)


@pytest.fixture
def week(therapist, org_a) -> list:
    """Five appointments of one citizen, one per day from today, in the therapist's care."""
    citizen = CitizenFactory(municipality=org_a.municipality)
    pathway = PathwayFactory(
        referral=ReferralFactory(citizen=citizen), responsible=therapist, team=org_a.team
    )
    return [
        AppointmentFactory(
            pathway=pathway,
            staff=therapist,
            location=org_a.location,
            start=at(TODAY + timedelta(days=d), 9),
        )
        for d in range(5)
    ]


def ids(bundle: dict) -> list[int]:
    return [int(e["resource"]["id"]) for e in bundle.get("entry", [])]


def test_date_prefixes_select_the_right_days(reader, week) -> None:
    def found(*dates: str) -> list[int]:
        return ids(reader.get("Appointment", {"date": list(dates)}).json())

    pks = [a.pk for a in week]
    day = lambda n: (TODAY + timedelta(days=n)).isoformat()  # noqa: E731
    assert found(day(1)) == [pks[1]]
    assert found(f"ge{day(3)}") == pks[3:]
    assert found(f"gt{day(3)}") == pks[4:]
    assert found(f"lt{day(1)}") == pks[:1]
    assert found(f"le{day(1)}") == pks[:2]
    assert found(f"ge{day(1)}", f"lt{day(3)}") == pks[1:3]
    assert found(f"{TODAY:%Y-%m}") == [a.pk for a in week if a.start.month == TODAY.month]


def test_paging_follows_next_links_to_every_row_once(reader, week) -> None:
    seen: list[int] = []
    page = reader.get("Appointment", {"_count": 2}).json()
    assert page["total"] == 5
    while True:
        seen += ids(page)
        nxt = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not nxt:
            break
        page = reader.client.get(nxt[0].replace("http://testserver", "")).json()
    assert sorted(seen) == sorted(a.pk for a in week)


def test_every_row_returned_is_audited_as_a_read(reader, therapist, week) -> None:
    reader.get("Appointment", {"_count": 3})
    rows = AccessLog.objects.filter(actor=therapist, operation="fhir_search_Appointment")
    assert rows.count() == 3
    assert set(rows.values_list("citizen_id", flat=True)) == {week[0].citizen_id}


@pytest.mark.parametrize(
    "params",
    [{"nonsense": "1"}, {"date": "yesterday"}, {"date": "2026-02-30"}, {"_count": "0"},
     {"_count": "1000"}, {"patient": "Karen"}, {"_id": "x"}],
)  # fmt: skip
def test_bad_search_parameters_are_refused_clearly(reader, params) -> None:
    response = reader.get("Appointment", params)
    assert response.status_code == 400
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["expression"][0] in params


def test_cpr_search_only_by_post(reader, case, frozen) -> None:
    token = f"urn:oid:1.2.208.176.1.2|{case.citizen.cpr}"
    refused = reader.get("Patient", {"identifier": token})
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["code"] == "security"
    response = reader.client.post(
        "/fhir/Patient/_search", {"identifier": token}
    )  # form-encoded body
    assert response.status_code == 200
    bundle = response.json()
    assert ids(bundle) == [case.citizen.pk]
    assert case.citizen.cpr not in bundle["link"][0]["url"]


def test_patient_reads_carry_cpr_only_for_readers_of_the_record(reader, case, frozen) -> None:
    patient = reader.get(f"Patient/{case.citizen.pk}").json()
    assert patient["identifier"][0]["value"] == case.citizen.cpr
    assert patient["name"][0]["family"] == "Zacho"


def test_capability_statement_lists_every_type_and_is_public() -> None:
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    response = FhirClient(None).get("metadata")
    assert response.status_code == 200
    body = response.json()
    CapabilityStatement.model_validate(body)
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert {"Patient", "ServiceRequest", "EpisodeOfCare", "Appointment"} <= types
    service_request = next(r for r in body["rest"][0]["resource"] if r["type"] == "ServiceRequest")
    assert {"read", "search-type", "create"} == {i["code"] for i in service_request["interaction"]}


def test_unknown_types_and_methods_answer_operation_outcomes(reader) -> None:
    assert reader.get("Medication").status_code == 404
    assert reader.get("Medication").json()["resourceType"] == "OperationOutcome"
    response = reader.client.delete("/fhir/Appointment/1")
    assert response.status_code == 405
    assert response.json()["resourceType"] == "OperationOutcome"
    assert reader.get("Appointment/abc").status_code == 404


def test_cancelled_appointments_say_so(reader, week) -> None:
    week[0].status = AppointmentStatus.CANCELLED
    week[0].save()
    resource = reader.get(f"Appointment/{week[0].pk}").json()
    assert resource["status"] == "cancelled"
    assert resource["cancelationReason"]["text"]


def test_requests_over_the_token_limit_get_429_with_retry_after(reader) -> None:
    with override_settings(FORLOB_API_RATE_LIMIT=2):
        statuses = [reader.get("Appointment").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        response = reader.get("Appointment")
        assert int(response["Retry-After"]) >= 1
        assert response.json()["issue"][0]["code"] == "throttled"
