"""The scripted exchange of issue #8: a hospital posts GOPs over FHIR, they appear in the
intake inbox with correct deadlines, get booked, and the hospital reads the Appointment back —
another organisation's token does not."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from forlob.access.models import AccessLog
from forlob.core.tokens import api_token_create
from forlob.fhir import codes
from forlob.pathways.services import pathway_create_from_referral
from forlob.referrals.models import Referral
from forlob.scheduling.services import appointment_book
from tests.factories import make_cpr
from tests.fhir.conftest import FhirClient, ggop, transaction
from tests.helpers import NOW, TODAY, at

pytestmark = pytest.mark.django_db


def test_hospital_sends_gops_municipality_books_hospital_reads_back(
    hospital, other_hospital, therapist, outsider, org_a, client_for, frozen
) -> None:
    client, account = hospital
    first = ggop("rhr-1", cpr=make_cpr(date(1941, 2, 3), 2001), discharge=TODAY - timedelta(days=1))
    second = ggop(
        "rhr-2", cpr=make_cpr(date(1939, 9, 9), 2002), discharge=TODAY + timedelta(days=3)
    )
    second["contained"][0]["name"][0]["family"] = "Dalgaard"
    response = client.post("", transaction(first, second))
    assert response.status_code == 200, response.content

    # In the inbox, with the deadline = discharge + 7 days.
    referrals = {r.external_id.split("|")[1]: r for r in Referral.objects.all()}
    assert referrals["rhr-1"].offer_deadline == TODAY + timedelta(days=6)
    assert referrals["rhr-2"].offer_deadline == TODAY + timedelta(days=10)
    inbox = client_for(therapist).get("/referrals/").content.decode()
    assert "Berggren" in inbox and "Dalgaard" in inbox

    # The municipality books the first one.
    referral = referrals["rhr-1"]
    pathway = pathway_create_from_referral(
        actor=therapist, referral=referral, responsible=therapist, team=org_a.team, at=NOW
    )
    appointment = appointment_book(
        actor=therapist,
        pathway=pathway,
        staff=therapist,
        location=org_a.location,
        start=at(TODAY + timedelta(days=2), 10),
        duration_minutes=60,
        now=NOW,
    )

    # The hospital reads the Appointment back, and the first offer on its ServiceRequest.
    found = client.get("Appointment", {"patient": f"Patient/{referral.citizen_id}"}).json()
    assert found["total"] == 1
    resource = found["entry"][0]["resource"]
    assert resource["id"] == str(appointment.pk)
    assert resource["status"] == "booked"
    assert resource["start"].startswith(f"{TODAY + timedelta(days=2)}T10:00")
    assert resource["basedOn"] == [{"reference": f"ServiceRequest/{referral.pk}"}]
    read = client.get(f"Appointment/{appointment.pk}")
    assert read.status_code == 200
    request = client.get(f"ServiceRequest/{referral.pk}").json()
    assert request["occurrencePeriod"]["start"] == resource["start"]
    episode = client.get(f"EpisodeOfCare/{pathway.pk}").json()
    assert episode["status"] == "planned"
    assert AccessLog.objects.filter(actor=account, operation="fhir_read_Appointment").count() == 1

    # Another organisation's token: nothing there.
    other = other_hospital[0]
    assert other.get(f"Appointment/{appointment.pk}").status_code == 404
    assert (
        other.get("Appointment", {"patient": f"Patient/{referral.citizen_id}"}).json()["total"] == 0
    )
    assert other.get(f"ServiceRequest/{referral.pk}").status_code == 404
    assert other.get(f"Patient/{referral.citizen_id}").status_code == 404
    # ... nor a person's token from another municipality.
    stranger = FhirClient(api_token_create(user=outsider, name="t", days=1).secret)
    assert stranger.get(f"Appointment/{appointment.pk}").status_code == 404
    # The hospital itself reads nothing else of the record: not another citizen's pathway.
    assert client.get("Observation").status_code == 403


def test_the_hospital_sees_only_what_came_of_its_own_referrals(hospital, case, frozen) -> None:
    """The citizen of ``case`` also has a pathway that the hospital did not refer: invisible."""
    client, _account = hospital
    sent = ggop("own-1", cpr=case.citizen.cpr)
    assert client.post("ServiceRequest", sent).status_code == 201
    patient = client.get(f"Patient/{case.citizen.pk}").json()
    assert patient["identifier"] == [
        {"use": "official", "system": codes.CPR, "value": case.citizen.cpr}
    ]
    requests = client.get("ServiceRequest", {"patient": str(case.citizen.pk)}).json()
    assert requests["total"] == 1  # not case.referral or case.pending
    assert client.get(f"EpisodeOfCare/{case.pathway.pk}").status_code == 404
    assert client.get(f"Appointment/{case.appointment.pk}").status_code == 404


def test_a_therapist_token_reads_the_same_as_the_pages(case, therapist, frozen) -> None:
    client = FhirClient(api_token_create(user=therapist, name="t", days=1).secret)
    assert client.get(f"EpisodeOfCare/{case.pathway.pk}").status_code == 200
    body = client.get("ServiceRequest", {"patient": f"Patient/{case.citizen.pk}"}).json()
    ids = {int(e["resource"]["id"]) for e in body["entry"]}
    assert ids == set(case.citizen.referrals.values_list("pk", flat=True))
    assert {case.referral.pk, case.pending.pk} <= ids
