"""A therapist without a care relation finds a citizen by CPR and breaks the glass.

The record stays closed (404) until the therapist writes a reason; then it opens, and the
access waits in the administrators' review queue with that reason.
"""

from __future__ import annotations

import pytest

from forlob.access.models import AccessLog, BreakGlassAccess
from forlob.core.choices import Role
from forlob.core.models import Municipality, RoleAssignment, Team, Unit, User
from forlob.pathways.models import PathwayStatus
from tests.factories import CitizenFactory, PathwayFactory

PASSWORD = "journey-pass-2026"
REASON = "Vagtlægen ringer: akut fald, har brug for genoptræningsplanen nu."


@pytest.fixture
def setting(reference_data: None) -> tuple[User, object]:
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    unit = Unit.objects.create(municipality=municipality, name="Genoptræning")
    ortho = Team.objects.create(unit=unit, name="Team Ortopædi")
    neuro = Team.objects.create(unit=unit, name="Team Neurologi")
    user = User.objects.create_user(
        username="kaj", password=PASSWORD, municipality=municipality, team=neuro
    )
    RoleAssignment.objects.create(user=user, role=Role.THERAPIST)
    citizen = CitizenFactory(municipality=municipality, first_name="Karen", last_name="Zacho")
    PathwayFactory(
        referral__citizen=citizen, team=ortho, status=PathwayStatus.ACTIVE, responsible=None
    )
    return user, citizen


def test_break_the_glass_from_a_cpr_search(page, setting) -> None:
    user, citizen = setting
    base = page.base_url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "kaj")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/")

    # No relation: the record answers like a missing page.
    response = page.goto(f"{base}/citizens/{citizen.pk}/")
    assert response.status == 404
    assert "Zacho" not in page.content()

    page.goto(f"{base}/citizens/")
    page.fill("#id_query", citizen.cpr)
    page.get_by_role("button", name="Søg").click()
    outside = page.get_by_test_id("outside")
    assert "Karen Zacho" in outside.inner_text()

    # Too short a reason: refused, and what was typed is still there.
    outside.locator("textarea").fill("akut")
    outside.get_by_role("button").click()
    assert page.locator("textarea").input_value() == "akut"
    assert "Zacho" not in page.content()

    page.locator("textarea").fill(REASON)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/citizens/{citizen.pk}/")
    assert "Karen Zacho" in page.locator("h1").inner_text()

    grant = BreakGlassAccess.objects.get()
    assert (grant.actor_id, grant.reason, grant.review) == (user.pk, REASON, "pending")
    assert AccessLog.objects.filter(operation="break_glass", reason=REASON).count() == 1
