"""A therapist logs in, registers a GOP, books the first time within the deadline, sees the KPI."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.utils import timezone

from forlob.core.choices import Role
from forlob.core.models import Location, Municipality, RoleAssignment, Team, Unit, User
from forlob.scheduling.models import WorkingHours

PASSWORD = "journey-pass-2026"


@pytest.fixture
def therapist(reference_data: None) -> User:
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    unit = Unit.objects.create(municipality=municipality, name="Genoptræning")
    team = Team.objects.create(unit=unit, name="Team Ortopædi")
    location = Location.objects.create(
        municipality=municipality, name="Sundhedshuset", opens_at=time(0), closes_at=time(23, 59)
    )
    user = User.objects.create_user(
        username="terapeut",
        password=PASSWORD,
        first_name="Tove",
        last_name="Terapeut",
        municipality=municipality,
        team=team,
    )
    RoleAssignment.objects.create(user=user, role=Role.THERAPIST)
    # Working every day around the clock, so the journey passes whenever CI runs it.
    for weekday in range(7):
        WorkingHours.objects.create(
            staff=user,
            weekday=weekday,
            start_time=time(0),
            end_time=time(23, 59),
            location=location,
        )
    return user


def test_register_gop_book_first_time_and_see_kpi(page, therapist: User) -> None:
    base = page.base_url
    today = timezone.localdate()

    page.goto(f"{base}/")
    assert "/login/" in page.url  # login required everywhere
    page.fill("#id_username", "terapeut")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/")

    # The KPI before: no GOP decided this month.
    kpi = page.get_by_test_id("gop-kpi")
    assert "0/0" in kpi.locator("tr.total").inner_text()

    # Register a GOP. A bad CPR first: a Danish message, what was typed stays, nothing saved.
    page.get_by_role("link", name="Ny henvisning").first.click()
    page.fill("#id_cpr", "310299-1234")
    page.fill("#id_first_name", "Karen")
    page.fill("#id_last_name", "Jensen")
    page.select_option(
        "#id_referral_type", label="Genoptræning efter udskrivelse (genoptræningsplan)"
    )
    page.fill("#id_received_date", today.isoformat())
    page.fill("#id_discharge_date", today.isoformat())
    page.select_option("#id_gop_level", "basal")
    page.select_option("#id_diagnosis_area", "orthopaedic")
    page.get_by_role("button", name="Registrér henvisning").click()
    assert page.locator("[data-field=cpr] .error").inner_text().startswith("CPR-nummeret")
    assert page.input_value("#id_first_name") == "Karen"

    page.fill("#id_cpr", "010150-1234")
    page.get_by_role("button", name="Registrér henvisning").click()
    page.wait_for_url(re.compile(r"/referrals/\d+/$"))
    deadline = page.get_by_test_id("deadline").inner_text()
    assert "7 dage tilbage" in deadline

    # The referral waits in the inbox.
    page.goto(f"{base}/referrals/")
    assert "Karen Jensen" in page.get_by_test_id("inbox").inner_text()
    assert "010150-1234" not in page.content()  # masked outside the citizen page
    page.get_by_role("link", name="Karen Jensen").click()

    # Create the pathway with myself responsible, then book the first suggested time.
    page.select_option("#id_responsible", label="Tove Terapeut")
    page.get_by_role("button", name="Opret forløb").click()
    page.wait_for_url(re.compile(r"/pathways/\d+/$"))
    page.get_by_test_id("suggestions").get_by_role("button").first.click()
    page.wait_for_url(re.compile(r"/pathways/\d+/$"))
    assert page.get_by_test_id("pathway-status").inner_text() == "Booket"
    assert "inden for fristen" in page.get_by_test_id("first-offer").inner_text()

    # The start page now shows 1 of 1 offered in time.
    page.get_by_role("link", name="Overblik").click()
    total = page.get_by_test_id("gop-kpi").locator("tr.total").inner_text()
    assert "100 %" in total and "1/1" in total
