"""The audit sample (reproducible, more than 3 admissions), the preventable list, the command."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from forlob.cluster import selectors
from forlob.cluster.diagnoses import classify, normalise_code
from forlob.cluster.models import AuditCase, HospitalEvent, PreventableDiagnosisGroup
from forlob.cluster.services import audit_sample_draw, audit_seed, preventable_reclassify
from tests.cluster.helpers import ADMIT, DISCHARGE, csv_bytes, csv_row, event, stay

pytestmark = pytest.mark.django_db
Q1 = date(2026, 1, 1)


def _admissions(m, person: str, days: list[int], **kw) -> None:
    for d in days:
        event(m, Q1 + timedelta(days=d), ADMIT, person=person, **kw)


def test_candidates_have_more_than_3_admissions_in_the_quarter(org_a, org_b):
    m = org_a.municipality
    _admissions(m, "four", [0, 20, 40, 89])  # 31 March is day 89: inside
    _admissions(m, "three", [0, 20, 40])
    _admissions(m, "spread", [0, 20, 40, 95])  # the fourth lies in April
    _admissions(org_b.municipality, "elsewhere", [0, 1, 2, 3])
    event(m, Q1, DISCHARGE, person="three")  # discharges are not admissions
    event(
        m,
        Q1,
        ADMIT,
        person="three",
    )  # but a fourth admission is
    keys = [c.person_key for c in selectors.audit_candidates(municipality_id=m.pk, period_start=Q1)]
    from forlob.cluster.pseudonym import person_key

    assert sorted(keys) == sorted([person_key("four"), person_key("three")])


def test_preventable_only_counts_preventable_stays(org_a):
    m = org_a.municipality
    _admissions(m, "lungs", [0, 10, 20, 30], diagnosis="DJ189")
    _admissions(m, "mixed", [0, 10, 20], diagnosis="DJ189")
    _admissions(m, "mixed", [30], diagnosis="DI219")
    found = selectors.audit_candidates(municipality_id=m.pk, period_start=Q1, preventable_only=True)
    assert [c.admissions for c in found] == [4]


def test_the_sample_is_five_and_reproducible(org_a, manager):
    m = org_a.municipality
    for i in range(12):
        _admissions(m, f"p{i:02d}", [0, 10, 20, 30], age=70 + i)
    candidates = selectors.audit_candidates(municipality_id=m.pk, period_start=Q1)
    expected = random.Random(audit_seed(m, Q1, False)).sample(candidates, k=5)
    cases = audit_sample_draw(actor=manager, period_start=Q1)
    assert [(c.rank, c.person_key) for c in cases] == [
        (i, c.person_key) for i, c in enumerate(expected, start=1)
    ]
    # Drawn anew on a copy of the data (deleted and drawn again): the same five.
    AuditCase.objects.all().delete()
    again = audit_sample_draw(actor=manager, period_start=Q1)
    assert [c.person_key for c in again] == [c.person_key for c in cases]
    # Another quarter or choice is another draw.
    assert audit_seed(m, Q1, True) != audit_seed(m, Q1, False)


def test_fewer_than_five_candidates_are_all_drawn(org_a, manager):
    _admissions(org_a.municipality, "only", [0, 1, 2, 3])
    assert len(audit_sample_draw(actor=manager, period_start=Q1)) == 1
    assert audit_sample_draw(actor=manager, period_start=date(2026, 4, 1)) == []


def test_codes_are_normalised_and_classified():
    assert normalise_code("j18.9") == "DJ189"
    assert normalise_code("DJ189") == "DJ189"
    assert normalise_code("D50.9") == "DD509"
    assert normalise_code("") == ""
    groups = list(PreventableDiagnosisGroup.objects.all())
    assert classify("DS720", "", groups).code == "fractures"
    assert classify("DD509", "", groups).code == "anaemia"
    assert classify("DI219", "", groups) is None
    assert classify("", "Tryksår", groups).code == "pressure_ulcers"
    assert classify("", "dehydration", groups).code == "dehydration"
    assert classify("", "", groups) is None


def test_changing_the_list_reclassifies_the_events(org_a):
    m = org_a.municipality
    heart = event(m, Q1, ADMIT, diagnosis="DI219")
    lungs = event(m, Q1, ADMIT, diagnosis="DJ189")
    assert (heart.preventable_group, lungs.preventable_group.code) == (
        None,
        "lower_respiratory_infection",
    )
    PreventableDiagnosisGroup.objects.filter(code="lower_respiratory_infection").update(
        is_active=False
    )
    PreventableDiagnosisGroup.objects.create(code="heart", name="Hjerte", icd10_codes="DI21")
    assert preventable_reclassify() == 2
    heart.refresh_from_db()
    lungs.refresh_from_db()
    assert (heart.preventable_group.code, lungs.preventable_group) == ("heart", None)


def test_admin_save_reclassifies(client, org_a, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "r@example.org", "x")
    client.force_login(admin_user)
    e = event(org_a.municipality, Q1, ADMIT, diagnosis="DI219")
    response = client.post(
        "/admin/cluster/preventablediagnosisgroup/add/",
        {
            "code": "heart",
            "name": "Hjerte",
            "icd10_codes": "DI21",
            "ordering": 10,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.preventable_group.code == "heart"


def test_the_command_imports_and_refuses(tmp_path, org_a, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([csv_row(event_id="C1", event_date="2026-01-02")]))
    call_command("import_hospital_events", str(good))
    assert HospitalEvent.objects.filter(identifier="C1").exists()
    assert "1 nye" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    cpr = "0101501234"
    bad.write_bytes(csv_bytes([csv_row(event_id="C2", cpr=cpr, event_date="nope")]))
    with pytest.raises(CommandError):
        call_command("import_hospital_events", str(bad))
    err = capsys.readouterr().err
    assert "event_date" in err and cpr not in err
    assert not HospitalEvent.objects.filter(identifier="C2").exists()
    with pytest.raises(CommandError):
        call_command("import_hospital_events", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError):
        call_command("import_hospital_events", str(good), user="nobody")


def test_a_recent_discharge_is_a_relation_until_the_grace_period(org_a, therapist, frozen):
    from forlob.access.policy import citizens_in_scope
    from tests.factories import CitizenFactory
    from tests.helpers import TODAY

    recent = CitizenFactory(municipality=org_a.municipality)
    older = CitizenFactory(municipality=org_a.municipality)
    agreed = CitizenFactory(municipality=org_a.municipality)
    young = CitizenFactory(municipality=org_a.municipality)
    stay(org_a.municipality, TODAY - timedelta(days=9), TODAY - timedelta(days=5), age=80,
         citizen=recent)  # fmt: skip
    event(org_a.municipality, TODAY - timedelta(days=45), DISCHARGE, age=80, citizen=older)
    v = event(org_a.municipality, TODAY - timedelta(days=45), DISCHARGE, age=80, citizen=agreed)
    v.follow_up.screened, v.follow_up.consent = True, True
    v.follow_up.visit_agreed_on = TODAY - timedelta(days=40)
    v.follow_up.save()
    event(org_a.municipality, TODAY - timedelta(days=2), DISCHARGE, age=60, citizen=young)
    scope = set(citizens_in_scope(therapist))
    assert scope == {recent, agreed}
