"""FHIR R4 Encounter bundles: good bundles, invalid structure, wrong codes."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from forlob.cluster import importing as imp
from forlob.cluster.models import FollowUpVisit, HospitalEvent, ImportBatch
from forlob.cluster.services import hospital_events_import
from tests.cluster.helpers import MEDCOM, bundle, cpr_aged, encounter, patient
from tests.helpers import tr

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org_a")]
TODAY = date(2026, 6, 1)


def run(content: bytes):
    from django.contrib.auth.models import AnonymousUser

    return hospital_events_import(actor=AnonymousUser(), content=content, today=TODAY)


def errors_of(content: bytes) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        run(content)
    assert not HospitalEvent.objects.exists()
    assert not ImportBatch.objects.exists()
    return exc.value.messages


def at(index: int, path: str) -> str:
    return tr(imp.LOCATION_ENTRY) % {"index": index, "path": f"entry[{index}].resource.{path}"}


def test_a_finished_and_an_ongoing_encounter(org_a, org_b):
    old, young = cpr_aged(84, on=date(2026, 3, 2)), cpr_aged(50, on=date(2026, 3, 2))
    content = bundle(
        encounter(1, diagnosis="DN390"),
        patient(1, old),
        encounter(2, status="in-progress", end=None, diagnosis="DF321", sector="psychiatric"),
        patient(2, young, municipality_code="0710"),
    )
    result = run(content)
    assert result.batch.source == ImportBatch.Source.FHIR
    events = {e.identifier: e for e in HospitalEvent.objects.all()}
    assert set(events) == {"ENC-1#admit", "ENC-1#discharge", "ENC-2#admit"}
    admit, discharge = events["ENC-1#admit"], events["ENC-1#discharge"]
    assert (admit.activity_code, admit.event_date) == ("admit-inpatient", date(2026, 3, 2))
    assert (discharge.activity_code, discharge.event_date) == (
        "discharge-inpatient-home",
        date(2026, 3, 6),
    )
    assert admit.encounter_identifier == discharge.encounter_identifier == "ENC-1"
    assert (admit.age, admit.municipality, admit.preventable_group.code) == (
        84,
        org_a.municipality,
        "urinary_tract_infection",
    )
    ongoing = events["ENC-2#admit"]
    assert (ongoing.municipality, ongoing.sector) == (org_b.municipality, "psychiatric")
    assert FollowUpVisit.objects.get().discharge == discharge


def test_resending_the_now_finished_encounter_adds_only_its_discharge(org_a):
    cpr = cpr_aged(70)
    run(bundle(encounter(1, status="in-progress", end=None), patient(1, cpr)))
    result = run(bundle(encounter(1), patient(1, cpr)))
    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    assert HospitalEvent.objects.count() == 2


def test_the_date_is_the_copenhagen_date():
    # 23:30 UTC on 1 March is 00:30 on 2 March in Copenhagen.
    run(bundle(encounter(1, start="2026-03-01T23:30:00Z", end=None, status="in-progress"),
               patient(1, cpr_aged(70))))  # fmt: skip
    assert HospitalEvent.objects.get().event_date == date(2026, 3, 2)


def test_not_json_and_not_a_bundle():
    assert errors_of(b"{nope") == [f"{tr(imp.LOCATION_FILE)}: {tr(imp.MESSAGE_NOT_JSON)}"]
    patient_only = json.dumps({"resourceType": "Patient"}).encode()
    assert errors_of(patient_only) == [f"{tr(imp.LOCATION_FILE)}: {tr(imp.MESSAGE_NOT_BUNDLE)}"]
    assert errors_of(bundle(patient(1, cpr_aged(70)))) == [
        f"{tr(imp.LOCATION_FILE)}: {tr(imp.MESSAGE_NO_ENCOUNTERS)}"
    ]


def test_invalid_structure_names_the_field_path():
    enc = encounter(1)
    del enc["resource"]["class"]  # type: ignore[attr-defined]
    enc["resource"]["period"] = {"start": "yesterday"}  # type: ignore[index]
    messages = errors_of(bundle(patient(1, cpr_aged(70)), enc))
    assert (
        f"{tr(imp.LOCATION_ENTRY) % {'index': 1, 'path': 'entry[1].resource.class'}}: "
        + tr(imp.MESSAGE_FHIR_MISSING)
        in messages
    )
    assert any(
        m.startswith(
            tr(imp.LOCATION_ENTRY) % {"index": 1, "path": "entry[1].resource.period.start"}
        )
        for m in messages
    )


def test_codes_we_rely_on_are_checked():
    cpr = cpr_aged(70)
    wrong = [
        encounter(0, klass="AMB"),  # an outpatient visit: not an admission
        encounter(1, status="planned"),
        encounter(2, status="finished", end=None),
        encounter(3, start="2026-03-06T10:00:00+01:00", end="2026-03-02T10:00:00+01:00"),
        encounter(4, start="2026-07-01", status="in-progress", end=None),  # in the future
    ]
    entries = []
    for n, enc in enumerate(wrong):
        entries += [enc, patient(n, cpr)]
    messages = errors_of(bundle(*entries))
    assert messages == [
        f"{at(0, 'class')}: {tr(imp.MESSAGE_CLASS)}",
        f"{at(2, 'status')}: {tr(imp.MESSAGE_STATUS)}",
        f"{at(4, 'period.end')}: {tr(imp.MESSAGE_NO_END)}",
        f"{at(6, 'period.end')}: {tr(imp.MESSAGE_END_BEFORE_START)}",
        f"{at(8, 'period.start')}: {tr(imp.MESSAGE_FUTURE_DATE)}",
    ]


def test_the_patient_must_be_there_with_a_cpr_number_and_a_known_municipality():
    cpr = cpr_aged(70)
    no_cpr = patient(1, cpr)
    no_cpr["resource"]["identifier"] = [{"system": "urn:other", "value": cpr}]  # type: ignore[index]
    bad_cpr = patient(2, "3102991234")
    messages = errors_of(
        bundle(
            encounter(0),  # its patient is missing
            encounter(1),
            no_cpr,
            encounter(2),
            bad_cpr,
            encounter(3),
            patient(3, cpr, municipality_code="0999"),
            encounter(4, sector="dental"),
            patient(4, cpr),
        )
    )
    assert messages == [
        f"{at(0, 'subject')}: {tr(imp.MESSAGE_NO_SUBJECT)}",
        f"{at(1, 'subject')}: {tr(imp.MESSAGE_NO_CPR)}",
        f"{at(3, 'subject')}: {tr(imp.MESSAGE_NO_CPR)}",
        f"{at(5, 'subject')}: {tr(imp.MESSAGE_NO_MUNICIPALITY)}",
        f"{at(7, 'serviceType')}: {tr(imp.MESSAGE_SECTOR_CODE)}",
    ]
    assert "3102991234" not in "".join(messages) and cpr not in "".join(messages)


def _provenance(code: str) -> dict[str, object]:
    return {
        "resource": {
            "resourceType": "Provenance",
            "target": [{"reference": "urn:uuid:header"}],
            "recorded": "2026-03-06T12:00:00+01:00",
            "activity": {"coding": [{"system": MEDCOM, "code": code}]},
            "agent": [{"who": {"reference": "urn:uuid:sender"}}],
        }
    }


def test_medcom_activity_codes_are_checked():
    cpr = cpr_aged(70)
    ok = bundle(
        encounter(1), patient(1, cpr), _provenance("admit-inpatient"),
        _provenance("discharge-inpatient-home"), kind="message",
    )  # fmt: skip
    assert run(ok).created == 2
    HospitalEvent.objects.all().delete()
    ImportBatch.objects.all().delete()
    bad = bundle(
        encounter(1, status="in-progress", end=None), patient(1, cpr),
        _provenance("discharge-inpatient-home"), _provenance("cancel-admit-inpatient"),
        _provenance("discharge-to-the-moon"), kind="message",
    )  # fmt: skip
    assert errors_of(bad) == [
        f"{at(2, 'activity')}: {tr(imp.MESSAGE_ACTIVITY_MISMATCH)}",
        f"{at(3, 'activity')}: {tr(imp.MESSAGE_ACTIVITY_CODE)}",
        f"{at(4, 'activity')}: {tr(imp.MESSAGE_ACTIVITY_CODE)}",
    ]
