"""Everyday rehabilitation end to end, in the browser.

The assessor registers an application with the shadow assessment and grants a course; the
citizen chooses a private provider and the start meeting is held; the therapist writes the plan
and plans the visits; the provider's staff member logs in on a phone (375 × 740), sees only her
provider's citizens on today's driving list and records a weekly evaluation; the therapist ends
the course with its outcome, and the unit figures change.

Selectors are ids and test ids (the Danish catalogue for this app is merged later). The course
starts today with a daily action, so there is a visit today whatever the weekday or hour.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import timezone

from forlob.core.choices import Profession, Role
from forlob.core.models import Municipality, Provider, RoleAssignment, Team, Unit, User
from forlob.homecare.models import CareGroup, Criterion, HomecareService, RehabCase
from tests.factories import make_cpr
from tests.homecare.support import build_case

PASSWORD = "journey-pass-2026"
PHONE = {"width": 375, "height": 740}


def _user(username: str, role: str, municipality: Municipality, **extra: object) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, municipality=municipality, **extra
    )
    RoleAssignment.objects.create(user=user, role=role)
    return user


@pytest.fixture
def world(reference_data: None) -> dict[str, object]:
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    team = Team.objects.create(
        unit=Unit.objects.create(municipality=municipality, name="Rehabilitering"),
        name="Team Hverdagsrehabilitering",
    )
    assessor = _user(
        "visitator", Role.ASSESSOR, municipality, first_name="Vibeke", last_name="Visitator"
    )
    therapist = _user(
        "terapeut",
        Role.THERAPIST,
        municipality,
        first_name="Tove",
        last_name="Terapeut",
        team=team,
        profession=Profession.OCCUPATIONAL_THERAPIST,
    )
    private = Provider.objects.create(
        municipality=municipality, name="Privat Pleje A/S", kind=Provider.Kind.PRIVATE
    )
    rival = Provider.objects.create(
        municipality=municipality, name="Anden Pleje ApS", kind=Provider.Kind.PRIVATE
    )
    staff = _user(
        "privat",
        Role.PROVIDER_STAFF,
        municipality,
        first_name="Pia",
        last_name="Privat",
        provider=private,
    )
    CareGroup.objects.create(provider=private, name="Gruppe Øst").members.add(staff)
    rival_staff = _user(
        "anden",
        Role.PROVIDER_STAFF,
        municipality,
        first_name="Otto",
        last_name="Anden",
        provider=rival,
    )
    # Another provider's citizen with a visit today: must never show on Pia's list.
    other = build_case(
        assessor=assessor,
        professional=therapist,
        provider=rival,
        contact_person=rival_staff,
        times_per_week=7,
        today=timezone.localdate(),
    )
    return {
        "assessor": assessor,
        "therapist": therapist,
        "private": private,
        "staff": staff,
        "other": other,
    }


def login(browser, base: str, username: str, viewport: dict | None = None):
    context = browser.new_context(
        locale="da-DK",
        timezone_id="Europe/Copenhagen",
        viewport=viewport or {"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")
    return page


def ended_total(page, base: str) -> int:
    page.goto(f"{base}/home-rehabilitation/figures/")
    return int(page.get_by_test_id("ended-total").inner_text())


def test_everyday_rehabilitation_journey(browser, live_server, world) -> None:
    base = live_server.url
    today = timezone.localdate()

    # --- the assessor: application, assessment with shadow assessment, grant --------------
    a = login(browser, base, "visitator")
    assert ended_total(a, base) == 0
    a.goto(f"{base}/home-rehabilitation/")
    a.get_by_test_id("new-application").click()
    cpr = make_cpr(date(1941, 3, 9), 246)
    a.fill("#id_cpr", f"{cpr[:6]}-{cpr[6:]}")
    a.fill("#id_first_name", "Karla")
    a.fill("#id_last_name", "Kirk")
    a.check("#id_kind_0")  # personal care
    a.check("#id_is_existing_homecare_1")  # new to home care
    a.fill("#id_application_text", "Kan ikke komme i bad efter faldet.")
    a.get_by_test_id("register-application").click()
    a.wait_for_url(re.compile(r"/home-rehabilitation/cases/\d+/assessment/$"))
    case = RehabCase.objects.get(citizen__first_name="Karla")
    assert cpr not in a.url

    a.select_option("#id_fsiii_J1_1", "3")
    a.check("#id_has_potential_0")
    a.check(f"input[name=criteria][value='{Criterion.objects.get(code='motivated').pk}']")
    a.fill("#id_notes", "Fortroligt: datteren er bekymret for endnu et fald.")
    bath = HomecareService.objects.get(name="Personlig hygiejne og bad")
    a.select_option("#id_shadow-0-service", str(bath.pk))
    a.fill("#id_shadow-0-weekly_minutes", "150")
    a.get_by_test_id("save-assessment").click()
    a.wait_for_url(re.compile(r"/assessment/#grant$"))
    assert a.input_value("#id_start") == today.isoformat()
    a.get_by_test_id("save-grant").click()
    a.wait_for_url(re.compile(rf"/home-rehabilitation/cases/{case.pk}/$"))
    assert "8" in a.get_by_test_id("grant-period").inner_text()

    # --- the citizen chooses the private provider; the start meeting is held --------------
    a.select_option("#id_provider", str(world["private"].pk))
    a.get_by_test_id("provider-form").locator("button").click()
    a.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    assert "Privat Pleje A/S" in a.get_by_test_id("case-provider").inner_text()
    a.select_option("#id_professional", str(world["therapist"].pk))
    a.select_option("#id_contact_person", str(world["staff"].pk))
    a.check("#id_held")
    a.get_by_test_id("meeting-form").locator("button").click()
    a.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    assert a.get_by_test_id("case-stage").get_attribute("class").endswith("hc-stage-active")

    # --- the therapist writes the plan and plans the visits --------------------------------
    t = login(browser, base, "terapeut")
    t.goto(f"{base}/home-rehabilitation/cases/{case.pk}/plan/")
    t.check("#id_kind_0")  # COPM
    t.fill("#id_title", "Tage bad selv")
    t.select_option("#id_fsiii_item", "J1.1")
    t.fill("#id_citizen_words", "Jeg vil gerne i bad uden at vente på hjælp.")
    t.fill("#id_sub_goals", "Stå ved håndvasken\nVaske overkroppen selv")
    t.get_by_test_id("goal-form").locator("button").click()
    t.wait_for_url(re.compile(r"/plan/$"))
    goal = case.goals.get()
    t.select_option("#id_goal", str(goal.pk))
    t.fill("#id_what", "Bad med guidning, Karla gør selv")
    t.select_option("#id_who", "provider_staff")
    t.fill("#id_times_per_week", "7")
    t.get_by_test_id("action-form").locator("button").click()
    t.wait_for_url(re.compile(r"/plan/$"))
    t.get_by_test_id("plan-visits").click()
    t.wait_for_url(re.compile(r"/plan/$"))
    assert case.visits.filter(date=today).count() == 1

    # --- the provider's staff member on her phone ------------------------------------------
    p = login(browser, base, "privat", viewport=PHONE)
    p.goto(f"{base}/home-rehabilitation/driving-list/")
    visits = p.get_by_test_id("visit")
    assert visits.count() == 1
    card = visits.first
    assert "Karla Kirk" in card.get_by_test_id("visit-citizen").inner_text()
    assert card.get_by_test_id("rehab-marking").is_visible()
    assert "Bad med guidning" in card.get_by_test_id("visit-actions").inner_text()
    assert world["other"].citizen.full_name not in p.content()  # another provider's citizen
    assert p.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    card.get_by_test_id("evaluate-link").click()
    p.wait_for_url(re.compile(rf"/cases/{case.pk}/evaluations/$"))
    assert "Fortroligt" not in p.content()  # never the assessor's notes
    assert p.get_by_test_id("tab-assessment").count() == 0
    section = p.get_by_test_id("goal-evaluation").first
    section.locator("input[name=progress][value='3']").check()
    section.locator("textarea[name=text]").fill("Vaskede overkroppen selv i dag.")
    section.get_by_test_id("save-evaluation").click()
    p.wait_for_url(re.compile(r"/evaluations/#goal-\d+$"))
    assert p.get_by_test_id("this-week").is_visible()
    assert p.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The assessment is not hers to open.
    response = p.goto(f"{base}/home-rehabilitation/cases/{case.pk}/assessment/")
    assert response.status == 404

    # --- the therapist ends the course; the figures change ---------------------------------
    t.goto(f"{base}/home-rehabilitation/cases/{case.pk}/review/")
    assert "Vaskede overkroppen selv i dag." in t.content()
    t.check("#id_outcome_0")  # self-reliant
    t.fill("#id_text", "Klarer bad selv.")
    t.get_by_test_id("save-end").click()
    t.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    assert t.get_by_test_id("case-outcome").is_visible()
    assert ended_total(t, base) == 1
    assert t.get_by_test_id("outcome-self_reliant").locator(".value").inner_text() == "100 %"
    assert t.get_by_test_id("saved-per-week").inner_text().startswith("150")
    for page in (a, t, p):
        page.context.close()
