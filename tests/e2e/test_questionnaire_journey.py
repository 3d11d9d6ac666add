"""A therapist makes a one-time link; the citizen answers the satisfaction survey on a phone
(375×740), leaves half-way and comes back to find the answers kept, submits; the therapist's
start page and the tracking page show the response rate updated."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forlob.core.choices import Role
from forlob.core.models import Municipality, RoleAssignment, Team, Unit, User
from forlob.pathways.models import PathwayStatus
from forlob.questionnaires.models import Invitation
from tests.factories import CitizenFactory, PathwayFactory, ReferralFactory

PASSWORD = "journey-pass-2026"
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def setup(reference_data: None) -> dict[str, object]:
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    unit = Unit.objects.create(municipality=municipality, name="Genoptræning")
    team = Team.objects.create(unit=unit, name="Team Ortopædi")
    user = User.objects.create_user(
        username="terapeut",
        password=PASSWORD,
        first_name="Tove",
        last_name="Terapeut",
        municipality=municipality,
        team=team,
    )
    RoleAssignment.objects.create(user=user, role=Role.THERAPIST)
    citizen = CitizenFactory(
        municipality=municipality, first_name="Karen", last_name="Zacho", phone=""
    )
    pathway = PathwayFactory(
        referral=ReferralFactory(citizen=citizen),
        responsible=user,
        team=team,
        status=PathwayStatus.ACTIVE,
        started_at=timezone.now(),
    )
    return {"citizen": citizen, "pathway": pathway}


def log_in(page, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "terapeut")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/")


def test_a_citizen_answers_the_satisfaction_survey_on_a_phone(page, browser, setup) -> None:
    base = page.base_url
    citizen = setup["citizen"]
    log_in(page, base)
    # Nothing sent yet this month: no rate.
    assert page.get_by_test_id("satisfaction-response-rate").inner_text().strip() == "–"

    # The therapist makes a link for the citizen (no phone number: shown here, once).
    page.goto(f"{base}/citizens/{citizen.pk}/")
    panel = page.get_by_test_id("questionnaire-panel")
    panel.locator("#id_questionnaire").select_option(label="Borgertilfredshed")
    panel.locator("#id_delivery").select_option("handed")
    panel.get_by_test_id("send-link").click()
    page.wait_for_url(re.compile(rf"/citizens/{citizen.pk}/$"))
    link = page.get_by_test_id("new-link").get_attribute("href")
    assert re.fullmatch(rf"{re.escape(base)}/q/[A-Za-z0-9_-]{{32}}/", link)
    page.reload()
    expect(page.get_by_test_id("new-link")).to_have_count(0)  # shown once

    # The citizen opens it on a phone: no login, first name only, fits the screen.
    phone = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen", viewport=PHONE)
    try:
        citizen_page = phone.new_page()
        citizen_page.set_default_timeout(15_000)
        citizen_page.goto(link)
        expect(citizen_page.get_by_role("heading", level=1)).to_have_text("Borgertilfredshed")
        expect(citizen_page.get_by_test_id("greeting")).to_contain_text("Karen")
        content = citizen_page.content()
        assert "Zacho" not in content and citizen.cpr[:6] not in content
        assert citizen_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        submit_box = citizen_page.get_by_test_id("submit").bounding_box()
        assert submit_box["height"] >= 44  # a finger-sized button

        # The first answer is saved the moment it is chosen; a reload keeps it.
        q1 = citizen_page.get_by_test_id("question-1")
        q1.get_by_label("Meget tilfreds").check()
        expect(q1.locator(".q-saved")).to_contain_text("✓")
        citizen_page.reload()
        expect(
            citizen_page.get_by_test_id("question-1").get_by_label("Meget tilfreds")
        ).to_be_checked()
        invitation = Invitation.objects.get()
        assert invitation.opened_at is not None and invitation.answered_at is None

        # The rest, then send.
        for number, label in (
            (2, "Ja, i høj grad"),
            (3, "Ja, i nogen grad"),
            (4, "Ja, i høj grad"),
        ):
            citizen_page.get_by_test_id(f"question-{number}").get_by_label(label).check()
        citizen_page.get_by_test_id("question-5").get_by_label("9", exact=True).check()
        citizen_page.get_by_test_id("question-6").get_by_label("Træningen").check()
        citizen_page.get_by_test_id("question-7").locator("textarea").fill("Tak for hjælpen.")
        citizen_page.get_by_test_id("submit").click()
        expect(citizen_page.get_by_test_id("closed-thanks")).to_be_visible()

        # The link is used up.
        citizen_page.goto(link)
        expect(citizen_page.get_by_test_id("closed-answered")).to_be_visible()
    finally:
        phone.close()

    invitation.refresh_from_db()
    assert invitation.response.positive is True

    # The therapist's start page and the tracking page show the response rate.
    page.goto(f"{base}/")
    expect(page.get_by_test_id("satisfaction-response-rate")).to_have_text("100 %")
    expect(page.get_by_test_id("questionnaire-response-rate")).to_have_text("100 %")
    page.goto(f"{base}/questionnaires/tracking/")
    expect(page.get_by_test_id("kpi-satisfaction-response")).to_have_text("100 %")
    expect(page.get_by_test_id("kpi-positive")).to_have_text("100 %")
    assert "Karen" not in page.get_by_test_id("tracking-groups").inner_text()
