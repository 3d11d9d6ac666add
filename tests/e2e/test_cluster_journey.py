"""An analyst uploads hospital events, reads the overview, draws the audit and records themes.

Dates are relative to the real clock (the live server does not see a frozen one): all events lie
in the last full quarter, which the audit list shows by default and which has always passed.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from forlob.cluster.importing import CSV_HEADER
from forlob.cluster.models import AuditCase, HospitalEvent
from forlob.core.choices import Role
from forlob.core.models import Municipality, RoleAssignment, User
from tests.factories import make_cpr

PASSWORD = "journey-pass-2026"


def last_full_quarter(today: date) -> date:
    current = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    before = current - timedelta(days=1)
    return date(before.year, (before.month - 1) // 3 * 3 + 1, 1)


@pytest.fixture
def analyst(reference_data: None) -> User:
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    user = User.objects.create_user(
        username="analytiker",
        password=PASSWORD,
        first_name="Anna",
        last_name="Analytiker",
        municipality=municipality,
    )
    RoleAssignment.objects.create(user=user, role=Role.ANALYST)
    return user


def events_csv(quarter: date) -> bytes:
    """Person 1: four stays in the quarter (an audit candidate, readmitted within 30 days);
    person 2: one stay with pneumonia (preventable, aged 80)."""
    often = make_cpr(date(1944, 5, 17), serial=321)
    once = make_cpr(date(quarter.year - 81, 1, 2), serial=122)
    rows = []
    for i, start in enumerate((1, 16, 31, 46)):
        admitted = quarter + timedelta(days=start)
        rows.append([f"A{i}", f"S{i}", "admit-inpatient", admitted.isoformat(), "730", often,
                     "somatic", "DI500", "", "", ""])  # fmt: skip
        rows.append([f"U{i}", f"S{i}", "discharge-inpatient-home",
                     (admitted + timedelta(days=3)).isoformat(), "730", often, "somatic",
                     "DI500", "", "ja", "ja"])  # fmt: skip
    day = quarter + timedelta(days=60)
    rows.append(["A9", "S9", "admit-inpatient", day.isoformat(), "0730", once, "somatisk",
                 "J18.9", "Lungebetændelse", "", ""])  # fmt: skip
    lines = [";".join(CSV_HEADER), *(";".join(r) for r in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_upload_overview_and_audit(page, analyst: User) -> None:
    base = page.base_url
    quarter = last_full_quarter(timezone.localdate())

    page.goto(f"{base}/login/")
    page.fill("#id_username", "analytiker")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base}/")

    # Upload: a file with a bad row is refused as a whole, with the line named.
    page.goto(f"{base}/cluster/import/")
    bad = events_csv(quarter).replace(b"DI500;;ja;ja", b"DI500;;ja;maybe", 1)
    page.set_input_files("#id_file", files=[{"name": "bad.csv", "mimeType": "text/csv",
                                             "buffer": bad}])  # fmt: skip
    page.locator("main form button[type=submit]").click()
    errors = page.get_by_test_id("import-errors").inner_text()
    assert re.search(r"\b3\b", errors) and "follow_up_consent" in errors
    assert HospitalEvent.objects.count() == 0

    page.set_input_files("#id_file", files=[{"name": "ok.csv", "mimeType": "text/csv",
                                             "buffer": events_csv(quarter)}])  # fmt: skip
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/cluster/")
    assert HospitalEvent.objects.count() == 9

    # The overview of the quarter's year: 4 discharges, 3 of them readmitted, 1 preventable.
    page.select_option("#id_year", str(quarter.year))
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cluster/\?"))
    total = page.locator('tr[data-month="total"]')
    assert total.locator('[data-figure="discharges"]').inner_text().strip() == "4"
    assert total.locator('[data-figure="preventable"]').inner_text().strip() == "1"
    assert total.locator('[data-figure="readmissions"]').inner_text().startswith("3")
    assert "75" in total.locator('[data-figure="readmissions"]').inner_text()
    assert page.locator("#definitions dt").count() >= 4  # the plain explanations

    # The audit list of the last full quarter: draw, open the case, record themes.
    page.goto(f"{base}/cluster/audit/")
    page.get_by_test_id("audit-draw").click()
    page.wait_for_url(re.compile(r"/cluster/audit/\?quarter="))
    cases = page.get_by_test_id("audit-cases")
    assert cases.locator("tbody tr").count() == 1
    cases.locator("tbody tr a.button").click()
    page.wait_for_url(re.compile(r"/cluster/audit/\d+/$"))
    assert page.get_by_test_id("audit-events").locator("tbody tr").count() == 8
    page.locator('input[name="themes"]').nth(1).check()
    page.fill("#id_findings", "Hjertesvigt uden opfølgning efter udskrivelse.")
    page.locator("form.audit-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cluster/audit/\?quarter="))
    case = AuditCase.objects.get()
    assert case.themes.count() == 1 and case.findings.startswith("Hjertesvigt")
    assert case.themes.get().name in page.get_by_test_id("audit-cases").inner_text()
