"""A care coordinator imports referrals (a bad file first, then a good one) and a large calendar
file that the worker checks and imports while the page shows its progress.

Dates are relative to the real clock: the live server does not see a frozen one.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from forlob.core.choices import Profession, Role
from forlob.core.models import Location, Municipality, RoleAssignment, Team, Unit, User
from forlob.referrals.models import Referral
from forlob.scheduling.models import WorkingHours
from tests.factories import make_cpr

PASSWORD = "journey-pass-2026"


@pytest.fixture
def coordinator(reference_data: None, settings, tmp_path) -> User:
    settings.FORLOB_IMPORTS_DIR = tmp_path / "imports"
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    unit = Unit.objects.create(municipality=municipality, name="Genoptræning")
    Team.objects.create(unit=unit, name="Team Ortopædi")
    Location.objects.create(municipality=municipality, name="Sundhedshuset")
    user = User.objects.create_user(
        username="koordinator",
        password=PASSWORD,
        first_name="Kirsten",
        last_name="Koordinator",
        municipality=municipality,
        profession=Profession.NURSE,
    )
    RoleAssignment.objects.create(user=user, role=Role.COORDINATOR)
    for i in range(40):
        staff = User.objects.create_user(
            username=f"terapeut{i:02d}", municipality=municipality, first_name=f"T{i}"
        )
        RoleAssignment.objects.create(user=staff, role=Role.THERAPIST)
    return user


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def referrals_csv(today: date, *, bad: bool) -> bytes:
    rows = [["ekstern_id", "cpr", "fornavn", "efternavn", "henvisningstype", "modtaget",
             "udskrevet", "niveau", "diagnoseområde"]]  # fmt: skip
    for i in range(3):
        rows.append([f"EPJ-{i}", make_cpr(date(1940 + i, 3, 4), 120 + i), "Borger", f"Nr{i}",
                     "gop", today.isoformat(), (today - timedelta(days=1)).isoformat(), "basal",
                     "ortopædkirurgisk"])  # fmt: skip
    if bad:
        rows[3][7] = "ekspert"  # row 4, column H
    return as_csv(rows)


def calendars_csv() -> bytes:
    rows = [["brugernavn", "type", "ugedag", "fra", "til", "sted"]]
    for i in range(40):
        for day in ("mandag", "tirsdag", "onsdag", "torsdag", "fredag"):
            rows.append([f"terapeut{i:02d}", "arbejdstid", day, "08:00", "15:30", "Sundhedshuset"])
    return as_csv(rows)


def upload(page, kind: str, name: str, content: bytes) -> None:
    page.goto(f"{page.base_url}/import/")
    page.select_option("#id_kind", kind)
    page.set_input_files(
        "#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_test_id("import-upload").locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/import/\d+/$"))


def test_coordinator_imports_referrals_and_a_large_calendar(page, coordinator, settings) -> None:
    base = page.base_url
    today = timezone.localdate()
    page.goto(f"{base}/login/")
    page.fill("#id_username", "koordinator")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    page.locator("nav").get_by_role("link", name=re.compile("Import")).click()
    page.wait_for_url(f"{base}/import/")

    # A bad file: the error names row 4, column H; no import button; nothing saved.
    upload(page, "referrals", "henvisninger.csv", referrals_csv(today, bad=True))
    errors = page.get_by_test_id("import-error-list").inner_text()
    assert re.search(r"\b4\b", errors) and "H – niveau" in errors
    assert page.get_by_test_id("import-commit").count() == 0
    preview = page.get_by_test_id("import-preview")
    assert preview.locator('tr[data-status="error"]').count() == 1
    assert "-****" in preview.inner_text()
    assert Referral.objects.count() == 0

    # The corrected file: preview, import, done.
    upload(page, "referrals", "henvisninger.csv", referrals_csv(today, bad=False))
    assert page.get_by_test_id("import-preview").locator('tr[data-status="new"]').count() == 3
    page.get_by_test_id("import-commit").click()
    page.get_by_test_id("import-summary").wait_for()
    assert Referral.objects.count() == 3

    # A large calendar file: the worker checks it, then imports it; the page follows along.
    settings.FORLOB_IMPORT_SYNC_BYTES = 1000
    settings.FORLOB_IMPORT_SYNC_ROWS = 50
    upload(page, "calendars", "kalendere.csv", calendars_csv())
    status = page.get_by_test_id("import-status")
    assert status.get_attribute("data-status") == "parse_queued"
    assert page.get_by_test_id("import-progress").count() == 1

    call_command("worker", once=True)  # the background worker, run here in the test's thread
    page.get_by_test_id("import-commit").wait_for(timeout=20_000)  # htmx polled, then reloaded
    assert "200" in page.get_by_test_id("import-ready").inner_text()
    page.get_by_test_id("import-commit").click()
    page.wait_for_url(re.compile(r"/import/\d+/$"))
    assert page.get_by_test_id("import-status").get_attribute("data-status") == "commit_queued"

    call_command("worker", once=True)
    page.get_by_test_id("import-summary").wait_for(timeout=20_000)
    assert WorkingHours.objects.count() == 200
