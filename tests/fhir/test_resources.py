"""The resource mappings a receiving system relies on: codes, references, statuses, and scope.

Everything is read through the real endpoint with API tokens. The data is the shared ``case``
(a GOP pathway with an appointment and a GAIN class, and an everyday-rehabilitation case with a
provider, a goal with two sub-goals and FSIII levels), taken one step further: the appointment
and the group session attended, measures recorded, the satisfaction survey answered.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from forlob.core.models import Provider
from forlob.core.tokens import api_token_create
from forlob.fhir import codes, registry
from forlob.fhir.services import integration_create
from forlob.homecare.models import Progress
from forlob.homecare.services import weekly_evaluation_record
from forlob.measures.services import measure_record, measure_skip
from forlob.pathways.models import DropoutReason, PathwayStatus
from forlob.pathways.services import pathway_transition
from forlob.programmes.services import attendance_set
from forlob.questionnaires.models import (
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
)
from forlob.questionnaires.services import answers_save, invitation_create, response_submit
from forlob.questionnaires.shipped import SATISFACTION_CODE
from forlob.scheduling.services import appointment_book, appointment_register_attendance
from tests.factories import dropout_reason
from tests.fhir.conftest import FhirClient
from tests.helpers import NOW, TODAY, at
from tests.homecare.support import provider, provider_user

pytestmark = pytest.mark.django_db

SNOMED = "http://snomed.info/sct"
KL_FSIII_GOAL = "e6f35a88-6665-4471-9dce-9a98854532b4"


def _client(user) -> FhirClient:
    return FhirClient(api_token_create(user=user, name="test", days=1).secret)


def _ok(response) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    return response.json()


def _ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def _by_id(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["resource"]["id"]: e["resource"] for e in bundle.get("entry", [])}


def _extension(resource: dict[str, Any], url: str) -> dict[str, Any]:
    (found,) = [e for e in resource.get("extension", []) if e["url"] == url]
    return found


def _answer_everything(invitation) -> None:
    raw: dict[int, list[str]] = {}
    for question in invitation.version.questions.prefetch_related("options"):
        if question.is_choice:
            raw[question.pk] = [str(question.options.all()[0].pk)]
        elif question.kind == QuestionKind.SCALE:
            raw[question.pk] = [str(question.scale_max)]
        else:
            raw[question.pk] = ["Fint forløb"]
    answers_save(invitation=invitation, raw=raw, now=NOW)


@pytest.fixture
def data(case, therapist):
    """The case after a few weeks: sessions delivered, measures taken, survey answered."""
    appointment_register_attendance(
        actor=therapist, appointment=case.appointment, attended=True, now=case.appointment.end
    )
    session = case.enrolment.programme_class.sessions.get()
    attendance = attendance_set(
        actor=therapist,
        session=session,
        enrolment=case.enrolment,
        status="present",
        now=session.start + timedelta(minutes=30),
    )
    eq5d = measure_record(
        actor=therapist,
        pathway=case.pathway,
        instrument="eq5d5l",
        time_point="start",
        values={
            "mobility": 2,
            "self_care": 1,
            "usual_activities": 3,
            "pain_discomfort": 2,
            "anxiety_depression": 1,
            "vas": 70,
        },
        measured_on=TODAY,
        at=NOW,
    )
    barthel = measure_record(
        actor=therapist,
        pathway=case.pathway,
        instrument="barthel20",
        time_point="start",
        values={
            "bowels": 2,
            "bladder": 2,
            "grooming": 1,
            "toilet": 2,
            "feeding": 2,
            "transfer": 3,
            "mobility": 2,
            "dressing": 1,
            "stairs": 1,
            "bathing": 0,
        },
        measured_on=TODAY,
        at=NOW,
    )
    skipped = measure_skip(
        actor=therapist,
        pathway=case.pathway,
        instrument="copm",
        time_point="start",
        reason="declined",
        measured_on=TODAY,
        at=NOW,
    )
    invitation = invitation_create(
        actor=therapist,
        citizen=case.citizen,
        questionnaire=Questionnaire.objects.get(municipality=None, code=SATISFACTION_CODE),
        channel="tablet",
        pathway=case.pathway,
        now=NOW,
    ).invitation
    _answer_everything(invitation)
    response = response_submit(invitation=invitation, now=NOW)
    weekly_evaluation_record(
        actor=therapist,
        case=case.rehab,
        goal=case.rehab_goal,
        progress=Progress.REACHED,
        text="Går i bad selv.",
        today=TODAY,
    )
    case.pathway.refresh_from_db()
    return SimpleNamespace(
        case=case,
        attendance=attendance,
        session=session,
        eq5d=eq5d,
        barthel=barthel,
        skipped=skipped,
        response=response,
        assessment=case.rehab.assessment,
        sub_goals=list(case.rehab_goal.sub_goals.order_by("ordering", "pk")),
    )


@pytest.fixture
def reader(therapist) -> FhirClient:
    return _client(therapist)


@pytest.fixture
def provider_system(case):
    """The system of the provider the rehab citizen chose."""
    _integration, token = integration_create(
        municipality=case.rehab.municipality,
        name="Privat Pleje Matrix ApS",
        kind="provider",
        provider=case.rehab.provider,
    )
    return FhirClient(token.secret)


# --- every type ---------------------------------------------------------------------------------


def test_every_type_searches_to_a_valid_bundle_and_every_entry_reads_back(data, reader) -> None:
    for name in registry.types():
        bundle = _ok(reader.get(name, {"_count": 100}))
        Bundle.model_validate(bundle)
        if name in {"Encounter", "CarePlan", "Goal", "Condition", "Observation"}:
            assert bundle["total"] > 0, name
        for entry in bundle.get("entry", []):
            resource = entry["resource"]
            assert entry["fullUrl"].endswith(f"/{name}/{resource['id']}")
            assert _ok(reader.get(f"{name}/{resource['id']}")) == resource
    assert _ok(reader.get("Questionnaire"))["total"] >= 2  # the two shipped ones
    assert _ok(reader.get("QuestionnaireResponse"))["total"] == 1


def test_ids_of_one_part_do_not_open_another(data, reader) -> None:
    appointment = data.case.appointment
    assert reader.get(f"Encounter/a{appointment.pk}").status_code == 200
    assert reader.get(f"Encounter/{appointment.pk}").status_code == 404
    assert reader.get(f"Encounter/x{appointment.pk}").status_code == 404
    assert reader.get(f"Encounter/s{appointment.pk + 10_000}").status_code == 404
    only = _ok(reader.get("Encounter", {"_id": f"a{appointment.pk}"}))
    assert _ids(only) == [f"a{appointment.pk}"]
    assert reader.get("Encounter", {"_id": "x1"}).status_code == 400


def test_paging_runs_across_the_parts_of_a_type(data, reader) -> None:
    first = _ok(reader.get("Encounter", {"_count": 1}))
    assert first["total"] == 2
    assert [link["relation"] for link in first["link"]] == ["self", "next"]
    second = _ok(reader.get("Encounter", {"_count": 1, "_offset": 1}))
    assert _ids(first) + _ids(second) == [
        f"a{data.case.appointment.pk}",
        f"s{data.attendance.pk}",
    ]


# --- Encounter ----------------------------------------------------------------------------------


def test_attended_appointments_and_group_sessions_are_kl_encounters(
    data, reader, therapist, org_a
) -> None:
    case = data.case
    appointment_book(  # booked, not delivered: no Encounter
        actor=therapist,
        pathway=case.pathway,
        staff=therapist,
        location=org_a.location,
        start=at(TODAY + timedelta(days=2), 10),
        duration_minutes=45,
        now=NOW,
    )
    bundle = _ok(reader.get("Encounter", {"patient": f"Patient/{case.citizen.pk}"}))
    found = _by_id(bundle)
    assert set(found) == {f"a{case.appointment.pk}", f"s{data.attendance.pk}"}
    for encounter in found.values():
        assert encounter["meta"]["profile"] == [codes.PROFILE_ENCOUNTER]
        assert encounter["status"] == "finished"
        assert encounter["class"]["system"] == codes.ACT_CODE
        assert encounter["class"]["code"] == "AMB"
        assert encounter["subject"] == {"reference": f"Patient/{case.citizen.pk}"}
        based_on = _extension(encounter, codes.EXT_BASED_ON_CARE_PLAN)
        assert based_on["valueReference"] == {"reference": f"CarePlan/p{case.pathway.pk}"}
    visit = found[f"a{case.appointment.pk}"]
    assert visit["period"] == {
        "start": "2026-06-02T10:00:00+02:00",
        "end": "2026-06-02T11:00:00+02:00",
    }
    assert found[f"s{data.attendance.pk}"]["period"]["start"] == "2026-08-03T10:00:00+02:00"
    august = _ok(reader.get("Encounter", {"date": "ge2026-08"}))
    assert _ids(august) == [f"s{data.attendance.pk}"]


def test_the_referring_hospital_reads_the_encounters_of_its_own_referrals(
    data, hospital, other_hospital
) -> None:
    client, account = hospital
    data.case.referral.created_by = account
    data.case.referral.save(update_fields=["created_by"])
    assert set(_ids(_ok(client.get("Encounter")))) == {
        f"a{data.case.appointment.pk}",
        f"s{data.attendance.pk}",
    }
    assert client.get("CarePlan").status_code == 403
    assert client.get("Observation").status_code == 403
    other, _account = other_hospital
    assert _ok(other.get("Encounter"))["total"] == 0
    assert other.get(f"Encounter/a{data.case.appointment.pk}").status_code == 404


# --- CarePlan -----------------------------------------------------------------------------------


def test_a_gop_pathway_is_a_kl_140_care_plan(data, reader) -> None:
    case = data.case
    plan = _ok(reader.get(f"CarePlan/p{case.pathway.pk}"))
    assert plan["meta"]["profile"] == [codes.PROFILE_CARE_PLAN]
    assert plan["status"] == "active"
    assert plan["intent"] == "plan"
    assert plan["category"][0]["coding"][0]["system"] == codes.KL_CODES
    assert plan["category"][0]["coding"][0]["code"] == codes.CARE_PLAN_INTERVENTION
    assert plan["period"] == {"start": "2026-06-01"}
    assert _extension(plan, codes.EXT_BASED_ON_SERVICE_REQUEST)["valueReference"] == {
        "reference": f"ServiceRequest/{case.referral.pk}"
    }
    (activity,) = plan["activity"]
    detail = activity["detail"]
    assert detail["status"] == "in-progress"
    assert "statusReason" not in detail
    # The attended appointment (60 min) and the class's group session (120 min).
    assert detail["scheduledTiming"]["repeat"] == {
        "count": 2,
        "duration": 60,
        "durationUnit": "min",
    }
    assert detail["performer"][0]["display"] == case.pathway.team.name


@pytest.mark.parametrize(
    ("reason", "kl_code"),
    [
        ("opt_out_transport_cost", "f8436c2e-af1c-44fe-939d-473b518dd01d"),
        ("no_contact_or_no_show", "ef491570-7884-4acd-bcf7-43d6b2c64762"),
        ("no_need_professional", "a63b6aa6-7d56-4e67-a5b3-d73f6d262af5"),
        (None, codes.CANCELLATION_DEFAULT),  # a reason the municipality added itself
    ],
)
def test_a_dropout_carries_the_kl_cancellation_type(data, reader, therapist, reason, kl_code):
    if reason is None:
        chosen = DropoutReason.objects.create(code="moved_abroad", name="Flyttet til udlandet")
    else:
        chosen = dropout_reason(reason)
    pathway_transition(
        actor=therapist,
        pathway=data.case.pathway,
        to_status=PathwayStatus.DROPPED_OUT,
        dropout_reason=chosen,
        at=NOW + timedelta(days=3),
    )
    plan = _ok(reader.get(f"CarePlan/p{data.case.pathway.pk}"))
    assert plan["status"] == "revoked"
    assert plan["period"]["end"] == "2026-06-04"
    detail = plan["activity"][0]["detail"]
    assert detail["status"] == "stopped"
    kl, ours = detail["statusReason"]["coding"]
    assert (kl["system"], kl["code"]) == (codes.KL_CODES, kl_code)
    assert kl["display"] == codes.CANCELLATION_TYPES[kl_code]
    assert (ours["system"], ours["code"]) == (codes.LOCAL_DROPOUT_REASON, chosen.code)


def test_a_newly_referred_gop_claims_the_profile_only_with_planned_contacts(
    case, reader, therapist
) -> None:
    from forlob.pathways.services import pathway_create_from_referral
    from tests.factories import ReferralFactory

    referral = ReferralFactory(citizen=case.citizen)
    pathway = pathway_create_from_referral(
        actor=therapist, referral=referral, responsible=therapist, team=therapist.team, at=NOW
    )
    plan = _ok(reader.get(f"CarePlan/p{pathway.pk}"))
    assert "meta" not in plan  # nothing planned yet: KL's repeat.count cannot be given
    assert plan["activity"][0]["detail"]["status"] == "not-started"
    assert "scheduledTiming" not in plan["activity"][0]["detail"]


def test_an_everyday_rehabilitation_plan_names_its_goals_provider_and_actions(data, reader):
    case = data.case.rehab
    grant = case.grant
    plan = _ok(reader.get(f"CarePlan/h{case.pk}"))
    assert "meta" not in plan  # not a §140 plan
    assert plan["status"] == "active"
    assert plan["category"][0]["coding"][0] == {
        "system": codes.LOCAL_REFERRAL_TYPE,
        "code": "everyday_rehab",
        "display": case.pathway.pathway_type.name,
    }
    assert plan["period"] == {"start": grant.start.isoformat(), "end": grant.end.isoformat()}
    assert plan["author"] == {"display": "Privat Pleje Matrix ApS"}
    assert plan["goal"] == [{"reference": f"Goal/g{data.case.rehab_goal.pk}"}]
    (activity,) = plan["activity"]
    assert activity["detail"]["status"] == "in-progress"
    assert activity["detail"]["description"].startswith("Træne bad med støtte")
    assert activity["detail"]["scheduledTiming"]["repeat"] == {
        "frequency": 3,
        "period": 1,
        "periodUnit": "wk",
    }
    assert activity["detail"]["goal"] == [{"reference": f"Goal/g{data.case.rehab_goal.pk}"}]
    # The pathway of the rehab case is no second CarePlan.
    assert reader.get(f"CarePlan/p{case.pathway_id}").status_code == 404


# --- Goal and Condition -------------------------------------------------------------------------


def test_goals_and_sub_goals_follow_kl_common(data, reader) -> None:
    goal = data.case.rehab_goal
    found = _by_id(_ok(reader.get("Goal", {"patient": f"Patient/{data.case.citizen.pk}"})))
    assert set(found) == {f"g{goal.pk}", *(f"s{s.pk}" for s in data.sub_goals)}
    main = found[f"g{goal.pk}"]
    assert main["lifecycleStatus"] == "active"
    assert main["category"][0]["coding"][0] == {
        "system": codes.KL_CODES,
        "code": KL_FSIII_GOAL,
        "display": "FSIII indsatsmål",
    }
    assert main["description"] == {"text": "Tage bad selv"}
    assert main["addresses"] == [{"reference": f"Condition/J1.1-{data.assessment.pk}"}]
    assert main["achievementStatus"]["coding"][0]["code"] == "achieved"
    assert main["note"] == [{"text": "Jeg vil gerne kunne gå i bad uden hjælp."}]
    assert main["expressedBy"] == {"reference": f"Patient/{data.case.citizen.pk}"}
    first = found[f"s{data.sub_goals[0].pk}"]
    assert first["description"] == {"text": "Stå ved håndvasken i 5 minutter"}
    relationship = _extension(first, "http://hl7.org/fhir/StructureDefinition/goal-relationship")
    parts = {e["url"]: e for e in relationship["extension"]}
    assert parts["type"]["valueCodeableConcept"]["text"] == "based-on"
    assert parts["target"]["valueReference"] == {"reference": f"Goal/g{goal.pk}"}
    assert "goal-relationship" not in str(main.get("extension", ""))


def test_the_goal_lifecycle_follows_the_case(data, reader, therapist) -> None:
    from forlob.homecare.models import Outcome
    from forlob.homecare.services import end_save

    end_save(
        actor=therapist,
        case=data.case.rehab,
        date_=TODAY,
        outcome=Outcome.SELF_RELIANT,
        text="Klarer bad selv.",
        today=TODAY,
    )
    goal = _ok(reader.get(f"Goal/g{data.case.rehab_goal.pk}"))
    assert goal["lifecycleStatus"] == "completed"
    plan = _ok(reader.get(f"CarePlan/h{data.case.rehab.pk}"))
    assert plan["status"] == "completed"


def test_fsiii_levels_are_conditions_with_kl_severity(data, reader) -> None:
    assessment = data.assessment
    assessment.fsiii_levels = {**assessment.fsiii_levels, "J2.2": 9, "J4.5": 0}
    assessment.save(update_fields=["fsiii_levels"])
    found = _by_id(_ok(reader.get("Condition", {"patient": f"Patient/{data.case.citizen.pk}"})))
    expected = {
        "J1.1": ("B4", "Svære begrænsninger"),  # level 3
        "J1.3": ("B3", "Moderate begrænsninger"),  # level 2
        "J3.8": ("B3", "Moderate begrænsninger"),
        "J4.5": ("B1", "Ingen/ubetydelige begrænsninger"),  # level 0; J2.2 (9) is no condition
    }
    assert set(found) == {f"{item}-{assessment.pk}" for item in expected}
    for item, (severity, display) in expected.items():
        condition = found[f"{item}-{assessment.pk}"]
        assert condition["code"]["coding"][0]["system"] == codes.FSIII == "urn:oid:1.2.208.176.2.21"
        assert condition["code"]["coding"][0]["code"] == item
        assert condition["severity"]["coding"][0] == {
            "system": codes.FSIII,
            "code": severity,
            "display": display,
        }
        assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
        assert condition["subject"] == {"reference": f"Patient/{data.case.citizen.pk}"}
        assert condition["recordedDate"] == assessment.assessed_on.isoformat()
    assert found[f"J3.8-{assessment.pk}"]["code"]["coding"][0]["display"] == "Gå"
    assert found[f"J4.5-{assessment.pk}"]["code"]["coding"][0]["display"] == "Følelsesfunktioner"
    assert reader.get(f"Condition/J2.2-{assessment.pk}").status_code == 404
    assert reader.get(f"Condition/J9.9-{assessment.pk}").status_code == 404


# --- Observation --------------------------------------------------------------------------------


def test_measures_are_observations_with_local_and_snomed_codes(data, reader) -> None:
    bundle = _ok(reader.get("Observation", {"patient": f"Patient/{data.case.citizen.pk}"}))
    found = _by_id(bundle)
    assert set(found) == {str(data.eq5d.pk), str(data.barthel.pk)}  # the skipped one is not
    eq5d = found[str(data.eq5d.pk)]
    assert eq5d["status"] == "final"
    assert eq5d["category"][0]["coding"][0]["code"] == "survey"
    assert eq5d["code"]["coding"][0]["system"] == codes.LOCAL_INSTRUMENT
    assert eq5d["code"]["coding"][0]["code"] == "eq5d5l.level-sum"
    assert eq5d["valueQuantity"]["value"] == 9
    assert eq5d["effectiveDateTime"] == "2026-06-01"
    assert eq5d["subject"] == {"reference": f"Patient/{data.case.citizen.pk}"}
    time_point = _extension(eq5d, f"{codes.LOCAL}/StructureDefinition/time-point")
    assert time_point["valueCoding"]["code"] == "start"
    pathway = _extension(eq5d, f"{codes.LOCAL}/StructureDefinition/pathway")
    assert pathway["valueReference"] == {"reference": f"EpisodeOfCare/{data.case.pathway.pk}"}
    components = {
        coding["code"]: component
        for component in eq5d["component"]
        for coding in component["code"]["coding"]
    }
    assert components["736535009"]["valueQuantity"]["value"] == 70  # EQ VAS (SNOMED CT)
    assert components["eq5d5l.vas"] is components["736535009"]
    index = components["736534008"]["valueQuantity"]["value"]
    assert Decimal(str(index)) == Decimal(data.eq5d.details["index_dk"])
    assert components["eq5d5l.mobility"]["valueInteger"] == 2
    assert components["eq5d5l.profile"]["valueString"] == "21321"
    barthel = found[str(data.barthel.pk)]
    assert barthel["code"]["coding"][0]["code"] == "barthel20.total"
    assert barthel["valueQuantity"]["value"] == 16
    assert "http://loinc.org" not in str(bundle)  # no LOINC code fits how we score these


def test_an_fsiii_measure_codes_its_items_in_fsiii(case, reader, therapist) -> None:
    record = measure_record(
        actor=therapist,
        pathway=case.pathway,
        instrument="fsiii",
        time_point="start",
        values={"J1.1": 3, "J3.8": 9},
        measured_on=TODAY,
        at=NOW,
    )
    observation = _ok(reader.get(f"Observation/{record.pk}"))
    items = {
        c["code"]["coding"][0]["code"]: c["valueCodeableConcept"]["coding"][0]["code"]
        for c in observation["component"]
        if c["code"]["coding"][0]["system"] == codes.FSIII
    }
    assert items == {"J1.1": "B4", "J3.8": "B6"}


# --- Questionnaire ------------------------------------------------------------------------------


def test_the_answered_survey_points_at_its_questionnaire_version(data, reader) -> None:
    response = _ok(reader.get(f"QuestionnaireResponse/{data.response.pk}"))
    version = data.response.version
    url = f"{codes.LOCAL_QUESTIONNAIRE}/{SATISFACTION_CODE}"
    assert response["questionnaire"] == f"{url}|{version.number}"
    assert response["status"] == "completed"
    assert response["subject"] == {"reference": f"Patient/{data.case.citizen.pk}"}
    questionnaire = _ok(reader.get(f"Questionnaire/{version.pk}"))
    assert questionnaire["url"] == url
    assert questionnaire["version"] == str(version.number)
    assert questionnaire["status"] == "active"
    items = {item["linkId"]: item for item in questionnaire["item"]}
    first = version.questions.order_by("order").first()
    assert items[f"q{first.pk}"]["type"] == "choice"
    options = [o["valueCoding"] for o in items[f"q{first.pk}"]["answerOption"]]
    answered = {item["linkId"]: item for item in response["item"]}
    (chosen,) = answered[f"q{first.pk}"]["answer"]
    assert chosen["valueCoding"] == options[0]
    for item in response["item"]:
        assert item["linkId"] in items


def test_questionnaires_are_open_to_key_figure_readers_but_answers_are_not(data, manager) -> None:
    client = _client(manager)
    assert _ok(client.get("Questionnaire"))["total"] >= 2
    assert client.get("QuestionnaireResponse").status_code == 403


def test_a_municipality_sees_its_own_questionnaires_and_the_shared_ones(
    data, reader, org_a, outsider
) -> None:
    own = Questionnaire.objects.create(
        municipality=org_a.municipality, code="opfolgning", name="Opfølgning", purpose="other"
    )
    version = QuestionnaireVersion.objects.create(
        questionnaire=own, number=1, status="published", published_at=NOW
    )
    Question.objects.create(
        version=version, order=1, kind=QuestionKind.SCALE, text="Hvor godt går det?",
        scale_min=0, scale_max=10, scale_min_label="Dårligt", scale_max_label="Godt",
    )  # fmt: skip
    ours = _ok(reader.get(f"Questionnaire/{version.pk}"))
    assert ours["url"] == f"{codes.LOCAL_QUESTIONNAIRE}/730/opfolgning"
    (item,) = ours["item"]
    assert item["type"] == "integer"
    assert {e["url"]: e["valueInteger"] for e in item["extension"]} == {
        "http://hl7.org/fhir/StructureDefinition/minValue": 0,
        "http://hl7.org/fhir/StructureDefinition/maxValue": 10,
    }
    theirs = _client(outsider)
    assert theirs.get(f"Questionnaire/{version.pk}").status_code == 404
    assert str(version.pk) not in _ids(_ok(theirs.get("Questionnaire", {"_count": 100})))


# --- access -------------------------------------------------------------------------------------


def test_a_provider_system_reads_its_own_plan_and_goals_but_not_the_record(
    data, provider_system
) -> None:
    case = data.case
    client = provider_system
    assert _ids(_ok(client.get("CarePlan"))) == [f"h{case.rehab.pk}"]
    assert client.get(f"CarePlan/p{case.pathway.pk}").status_code == 404
    assert len(_ok(client.get("Goal"))["entry"]) == 3
    assert client.get(f"Goal/s{data.sub_goals[1].pk}").status_code == 200
    # The FSIII levels belong to the municipality's assessment (homecare/access.py).
    assert _ok(client.get("Condition"))["total"] == 0
    assert client.get(f"Condition/J1.1-{data.assessment.pk}").status_code == 404
    for closed in ("EpisodeOfCare", "Observation", "QuestionnaireResponse", "Encounter"):
        assert client.get(closed).status_code == 403, closed


def test_another_providers_staff_see_nothing_of_the_plan(data) -> None:
    case = data.case
    other = provider(case.rehab.municipality, "Anden Pleje ApS", kind=Provider.Kind.PRIVATE)
    client = _client(provider_user(other, first_name="Otto"))
    assert _ok(client.get("CarePlan"))["total"] == 0
    assert _ok(client.get("Goal"))["total"] == 0
    assert client.get(f"CarePlan/h{case.rehab.pk}").status_code == 404
    assert client.get(f"Goal/g{case.rehab_goal.pk}").status_code == 404


def test_another_municipality_gets_empty_searches_and_404s(data, outsider, reader) -> None:
    client = _client(outsider)
    for name in ("Encounter", "CarePlan", "Goal", "Condition", "Observation"):
        assert _ok(client.get(name))["total"] == 0, name
        for resource_id in _ids(_ok(reader.get(name))):
            assert client.get(f"{name}/{resource_id}").status_code == 404, resource_id
    assert _ok(client.get("QuestionnaireResponse"))["total"] == 0
    assert client.get(f"QuestionnaireResponse/{data.response.pk}").status_code == 404
