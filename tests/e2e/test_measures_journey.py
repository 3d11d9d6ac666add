"""A therapist records COPM at the start and the end of a pathway and sees the change flagged.

Texts are found by test ids and form field names, not by Danish wording (the catalogue of the
measures app is merged later).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import timezone

from forlob.citizens.models import Citizen
from forlob.core.choices import Role
from forlob.core.models import Municipality, RoleAssignment, Team, Unit, User
from forlob.measures.models import MeasureRecord
from forlob.pathways.services import pathway_create_from_referral
from forlob.referrals.models import Referral, ReferralType

PASSWORD = "journey-pass-2026"


@pytest.fixture
def pathway(reference_data: None):
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    unit = Unit.objects.create(municipality=municipality, name="Genoptræning")
    team = Team.objects.create(unit=unit, name="Team Hverdagsrehabilitering")
    user = User.objects.create_user(
        username="terapeut",
        password=PASSWORD,
        first_name="Tove",
        last_name="Terapeut",
        municipality=municipality,
        team=team,
    )
    RoleAssignment.objects.create(user=user, role=Role.THERAPIST)
    citizen = Citizen.objects.create(
        cpr="0203521234",
        first_name="Inger",
        last_name="Mølgaard",
        birth_date=date(1952, 3, 2),
        sex=Citizen.Sex.FEMALE,
        municipality=municipality,
        is_test_person=True,
    )
    referral = Referral.objects.create(
        citizen=citizen,
        referral_type=ReferralType.objects.get(code=ReferralType.EVERYDAY_REHAB),
        municipality=municipality,
        received_date=timezone.localdate(),
    )
    return pathway_create_from_referral(actor=user, referral=referral, responsible=user, team=team)


def fill_row(page, row: int, activity: str | None, importance, performance, satisfaction) -> None:
    if activity is not None:
        page.fill(f"[name=activity_{row}]", activity)
    if importance is not None:
        page.fill(f"[name=importance_{row}]", str(importance))
    page.fill(f"[name=performance_{row}]", str(performance))
    page.fill(f"[name=satisfaction_{row}]", str(satisfaction))


def test_copm_start_and_end_show_a_meaningful_change(page, pathway) -> None:
    base = page.base_url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "terapeut")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/pathways/{pathway.pk}/")
    panel = page.get_by_test_id("measures-panel")
    panel.get_by_test_id("record-copm-start").click()
    page.wait_for_url(re.compile(r"/measures/pathway/\d+/copm/start/$"))

    # A mistake first: a rating of 11 and a missing one. The page says so, keeps what was typed.
    fill_row(page, 1, "Gå tur med rollator", 9, 3, 2)
    fill_row(page, 2, "Lave aftensmad", 7, 11, "")
    page.get_by_test_id("save-measure").click()
    assert page.locator("[data-field=performance_2] .error").is_visible()
    assert page.locator("[data-field=satisfaction_2] .error").is_visible()
    assert page.input_value("[name=activity_1]") == "Gå tur med rollator"
    assert page.input_value("[name=performance_2]") == "11"
    assert MeasureRecord.objects.count() == 0

    fill_row(page, 2, None, None, 4, 3)
    page.get_by_test_id("save-measure").click()
    page.wait_for_url(re.compile(rf"/pathways/{pathway.pk}/$"))
    assert page.get_by_test_id("cell-copm-start").inner_text().strip()  # shows the result

    # At the end: the same activities come prefilled; the citizen rates them again.
    page.get_by_test_id("record-copm-end").click()
    page.wait_for_url(re.compile(r"/measures/pathway/\d+/copm/end/$"))
    assert page.input_value("[name=activity_1]") == "Gå tur med rollator"
    assert page.input_value("[name=activity_2]") == "Lave aftensmad"
    assert page.input_value("[name=performance_1]") == ""
    fill_row(page, 1, None, None, 6, 5)
    fill_row(page, 2, None, None, 6, 4)
    page.get_by_test_id("save-measure").click()
    page.wait_for_url(re.compile(rf"/pathways/{pathway.pk}/$"))

    # performance 3.5 → 6.0 (+2.5) and satisfaction 2.5 → 4.5 (+2.0): both clinically meaningful
    performance = page.get_by_test_id("change-copm-1")
    satisfaction = page.get_by_test_id("change-copm-2")
    assert re.search(r"\+2[,.]5", performance.inner_text())
    assert performance.get_by_test_id("meaningful").is_visible()
    assert satisfaction.get_by_test_id("meaningful").is_visible()
    assert MeasureRecord.objects.filter(pathway=pathway, skipped=False).count() == 2


def test_a_measure_the_citizen_declines_is_skipped_with_a_reason(page, pathway) -> None:
    base = page.base_url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "terapeut")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/measures/pathway/{pathway.pk}/barthel20/start/")
    page.get_by_test_id("skip-link").click()
    page.check("input[name=reason][value=declined]")
    page.get_by_test_id("save-skip").click()
    page.wait_for_url(re.compile(rf"/pathways/{pathway.pk}/$"))
    assert page.get_by_test_id("cell-barthel20-start").locator(".badge").is_visible()
    record = MeasureRecord.objects.get()
    assert (record.skipped, record.skip_reason) == (True, "declined")
