"""A neuropsychologist creates a GAIN class, enrols citizens from the waiting list (the class
holds two), and registers attendance for the whole class in one screen, one click per citizen.

Robust to the wall clock: everyone works around the clock and the centre never closes, and the
class starts yesterday (a class that began a few days ago may still be registered), so its first
session has begun whenever the journey runs and its attendance can be taken.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forlob.citizens.models import Citizen
from forlob.core.choices import Profession, Role
from forlob.core.models import Location, Municipality, RoleAssignment, Team, Unit, User
from forlob.pathways.models import PathwayStatus
from forlob.programmes.models import Attendance, Enrolment, ProgrammeClass
from forlob.referrals.models import Referral, ReferralType
from forlob.scheduling.models import WorkingHours
from tests.factories import make_cpr

PASSWORD = "journey-pass-2026"


@pytest.fixture
def world(reference_data: None) -> dict[str, object]:
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    unit = Unit.objects.create(municipality=municipality, name="Sundhed og Genoptræning")
    team = Team.objects.create(unit=unit, name="Team Neurologi")
    location = Location.objects.create(
        municipality=municipality,
        name="Træningscenter Syd",
        opens_at=time(0),
        closes_at=time(23, 59),
    )
    staff = []
    for username, first, last, profession in (
        ("neuropsykolog", "Nina", "Neuropsykolog", Profession.NEUROPSYCHOLOGIST),
        ("fysio", "Frank", "Fysioterapeut", Profession.PHYSIOTHERAPIST),
        ("ergo", "Eva", "Ergoterapeut", Profession.OCCUPATIONAL_THERAPIST),
    ):
        user = User.objects.create_user(
            username=username,
            password=PASSWORD,
            first_name=first,
            last_name=last,
            municipality=municipality,
            team=team,
            profession=profession,
        )
        RoleAssignment.objects.create(user=user, role=Role.THERAPIST)
        for weekday in range(7):
            WorkingHours.objects.create(
                staff=user, weekday=weekday, start_time=time(0), end_time=time(23, 59)
            )
        staff.append(user)
    gain = ReferralType.objects.get(code=ReferralType.CONCUSSION)
    today = timezone.localdate()
    citizens = []
    for n, (first, last) in enumerate((("Asta", "Andersen"), ("Bo", "Bech"), ("Cille", "Carlsen"))):
        born = today.replace(year=today.year - 30 - n, day=1)
        citizen = Citizen.objects.create(
            cpr=make_cpr(born, 200 + n),
            first_name=first,
            last_name=last,
            birth_date=born,
            sex=Citizen.Sex.FEMALE,
            municipality=municipality,
            is_test_person=True,
        )
        Referral.objects.create(
            citizen=citizen,
            referral_type=gain,
            municipality=municipality,
            team=team,
            sender="Lægerne Vestergade",
            received_date=today - timedelta(days=10 - n),  # Asta waited longest
        )
        citizens.append(citizen)
    return {"staff": staff, "location": location, "citizens": citizens}


def test_create_gain_class_enrol_from_waiting_list_and_register_attendance(page, world) -> None:
    base = page.base_url
    yesterday = timezone.localdate() - timedelta(days=1)
    asta = world["citizens"][0]

    page.goto(f"{base}/")
    page.fill("#id_username", "neuropsykolog")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/")

    # The navigation leads to the classes; a new GAIN class with the three of us, two places.
    page.locator("nav a[href='/programmes/classes/']").click()
    page.wait_for_url(f"{base}/programmes/classes/")
    page.locator("a[href='/programmes/classes/new/']").first.click()
    page.select_option("#id_programme", label="GAIN hjernerystelse")
    page.select_option("#id_location", label="Træningscenter Syd")
    page.fill("#id_start_date", yesterday.isoformat())
    page.fill("#id_start_time", "08:00")
    page.fill("#id_capacity", "2")
    for user in world["staff"]:
        page.check(f"input[name=staff][value='{user.pk}']")
    page.locator("#class-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/programmes/classes/\d+/$"))

    klass = ProgrammeClass.objects.get()
    sessions = page.get_by_test_id("sessions").locator("tbody tr")
    expect(sessions).to_have_count(3)  # 3 group sessions of 2 hours: weeks 0, 3 and 7
    assert klass.lead.username == "neuropsykolog"

    # The waiting list: three citizens with a GAIN referral, the oldest referral first.
    waiting = page.get_by_test_id("waiting-list").get_by_test_id("waiting")
    expect(waiting).to_have_count(3)
    expect(waiting.first).to_contain_text("Asta Andersen")
    for _ in range(2):
        page.get_by_test_id("waiting-list").get_by_test_id("waiting").first.locator(
            "button"
        ).click()
        page.wait_for_load_state()
    enrolled = page.get_by_test_id("enrolled").get_by_test_id("enrolment")
    expect(enrolled).to_have_count(2)
    expect(page.get_by_test_id("places")).to_contain_text("2/2")
    # Full: Cille waits, and her button says no.
    expect(page.get_by_test_id("waiting-list").get_by_test_id("waiting")).to_have_count(1)
    expect(page.get_by_test_id("waiting").first).to_contain_text("Cille Carlsen")
    expect(page.get_by_test_id("waiting").first.locator("button")).to_be_disabled()
    assert Enrolment.objects.count() == 2

    # Attendance for session 1 (began yesterday): one screen, one click per citizen.
    page.get_by_test_id("session-1").locator("a[href*='/programmes/sessions/']").click()
    page.wait_for_url(re.compile(r"/programmes/sessions/\d+/$"))
    rows = page.get_by_test_id("attendance-row")
    expect(rows).to_have_count(2)
    asta_row = rows.filter(has_text="Asta Andersen")
    bo_row = rows.filter(has_text="Bo Bech")
    asta_row.locator("button[data-status=present]").click()
    expect(asta_row).to_have_attribute("data-mark", "present")
    expect(asta_row.locator("button[data-status=present]")).to_have_attribute(
        "aria-pressed", "true"
    )
    bo_row.locator("button[data-status=absent]").click()
    expect(bo_row).to_have_attribute("data-mark", "absent")
    # A change of mind is one more click.
    bo_row.locator("button[data-status=cancelled]").click()
    expect(bo_row).to_have_attribute("data-mark", "cancelled")
    assert page.url.endswith(f"/programmes/sessions/{klass.sessions.get(number=1).pk}/")  # htmx

    marks = dict(Attendance.objects.values_list("enrolment__citizen__first_name", "status"))
    assert marks == {"Asta": "present", "Bo": "cancelled"}
    asta_pathway = Enrolment.objects.get(citizen=asta).pathway
    assert asta_pathway.status == PathwayStatus.ACTIVE  # the first presence starts the pathway

    # The class page shows how it goes.
    page.get_by_role("link", name=klass.name).click()
    asta_progress = (
        page.get_by_test_id("enrolment").filter(has_text="Asta").get_by_test_id("progress")
    )
    expect(asta_progress).to_contain_text("1")
    expect(asta_progress).to_contain_text("100 %")
