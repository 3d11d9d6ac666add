"""A coordinator proposes times for the whole inbox, books them all and sees the KPI reach 100 %."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from forlob.core.choices import DiagnosisArea, GopLevel, Role
from forlob.core.models import Competency, Location, Municipality, RoleAssignment, Team, Unit, User
from forlob.referrals.models import Referral
from forlob.scheduling.models import WorkingHours
from tests.factories import ReferralFactory

PASSWORD = "journey-pass-2026"


@pytest.fixture
def inbox(reference_data: None) -> list[Referral]:
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    unit = Unit.objects.create(municipality=municipality, name="Genoptræning")
    team = Team.objects.create(unit=unit, name="Team Ortopædi")
    location = Location.objects.create(
        municipality=municipality, name="Sundhedshuset", opens_at=time(0), closes_at=time(23, 59)
    )
    coordinator = User.objects.create_user(
        username="koordinator", password=PASSWORD, municipality=municipality, team=team
    )
    RoleAssignment.objects.create(user=coordinator, role=Role.COORDINATOR)
    for name in ("Tove", "Kaj"):
        therapist = User.objects.create_user(
            username=name.lower(), first_name=name, municipality=municipality, team=team
        )
        RoleAssignment.objects.create(user=therapist, role=Role.THERAPIST)
        Competency.objects.create(
            staff=therapist,
            diagnosis_area=DiagnosisArea.ORTHOPAEDIC,
            max_level=GopLevel.SPECIALISED,
        )
        # Around the clock every day, so the journey passes whenever CI runs it.
        for weekday in range(7):
            WorkingHours.objects.create(
                staff=therapist,
                weekday=weekday,
                start_time=time(0),
                end_time=time(23, 59),
                location=location,
            )
    today = timezone.localdate()
    return [
        ReferralFactory(
            citizen__municipality=municipality,
            diagnosis_area=DiagnosisArea.ORTHOPAEDIC,
            gop_level=GopLevel.BASAL,
            received_date=today,
            discharge_date=today - timedelta(days=days_ago),
            team=None,
        )
        for days_ago in (0, 1, 2, 0)
    ]


def test_propose_accept_all_and_see_the_kpi(page, inbox) -> None:
    base = page.base_url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "koordinator")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/")
    assert "0/0" in page.get_by_test_id("gop-kpi").locator("tr.total").inner_text()

    page.goto(f"{base}/referrals/")
    page.get_by_test_id("propose").click()
    page.wait_for_url(f"{base}/calendar/proposals/*/")
    rows = page.get_by_test_id("proposals").locator("tbody tr")
    assert rows.count() == len(inbox)
    assert "4 af 4" in page.get_by_test_id("summary").inner_text()

    page.get_by_test_id("accept-all").click()
    page.wait_for_url(f"{base}/calendar/proposals/*/")
    assert page.get_by_test_id("proposals").locator(".badge.ok").count() == len(inbox)
    assert page.get_by_test_id("accept-all").count() == 0

    page.get_by_role("link", name="Overblik").click()
    total = page.get_by_test_id("gop-kpi").locator("tr.total").inner_text()
    assert "100 %" in total and "4/4" in total
    assert Referral.objects.filter(status=Referral.Status.ACCEPTED).count() == len(inbox)
