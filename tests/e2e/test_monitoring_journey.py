"""A manager filters the dashboard to a team and a quarter, clicks a tile into the list behind it,
asks for the annual report, and downloads the PDF once the worker has made it."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from forlob.core.choices import Profession, Role
from forlob.core.models import Location, Municipality, RoleAssignment, Team, Unit, User
from forlob.monitoring.filters import COPENHAGEN, Period
from forlob.pathways.models import PathwayStatus
from tests.monitoring.support import pathway

PASSWORD = "journey-pass-2026"


def previous_quarter(today: date) -> Period:
    """The last whole quarter: its days are all in the past, whatever the time of day."""
    this = Period.quarter(today.year, (today.month - 1) // 3 + 1)
    return this.previous()


@pytest.fixture
def manager(reference_data: None, settings, tmp_path) -> User:
    settings.FORLOB_REPORTS_DIR = tmp_path / "reports"
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    unit = Unit.objects.create(municipality=municipality, name="Genoptræning")
    ortho = Team.objects.create(unit=unit, name="Team Ortopædi")
    neuro = Team.objects.create(unit=unit, name="Team Neurologi")
    Location.objects.create(municipality=municipality, name="Sundhedshuset")
    quarter = previous_quarter(timezone.localdate())
    start = datetime.combine(quarter.start, time(10), tzinfo=COPENHAGEN)
    # In the quarter: Team Ortopædi 3 completed + 1 dropped out; Team Neurologi 2 dropped out.
    for i, (team, status) in enumerate(
        [
            (ortho, PathwayStatus.COMPLETED),
            (ortho, PathwayStatus.COMPLETED),
            (ortho, PathwayStatus.COMPLETED),
            (ortho, PathwayStatus.DROPPED_OUT),
            (neuro, PathwayStatus.DROPPED_OUT),
            (neuro, PathwayStatus.DROPPED_OUT),
        ]
    ):
        pathway(
            municipality,
            created=start - timedelta(days=30),
            status=status,
            ended=start + timedelta(days=i + 1),
            reason="opt_out_general" if status == PathwayStatus.DROPPED_OUT else "",
            team=team,
        )
    user = User.objects.create_user(
        username="leder",
        password=PASSWORD,
        first_name="Kirsten",
        last_name="Leder",
        municipality=municipality,
        profession=Profession.OTHER,
    )
    RoleAssignment.objects.create(user=user, role=Role.MANAGER)
    return user


def test_manager_filters_clicks_through_and_downloads_the_annual_report(page, manager):
    base = page.base_url
    quarter = previous_quarter(timezone.localdate())
    q = (quarter.start.month - 1) // 3 + 1

    page.goto(f"{base}/login/")
    page.fill("#id_username", "leder")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/")

    # The dashboard from the menu, then filtered to one team and the last quarter.
    page.locator("nav a[href='/monitoring/']").click()
    page.wait_for_url(f"{base}/monitoring/")
    filters = page.get_by_test_id("filters")
    filters.locator("select[name=period]").select_option("quarter")
    filters.locator("input[name=year]").fill(str(quarter.start.year))
    filters.locator("select[name=quarter]").select_option(str(q))
    filters.locator("select[name=team]").select_option(label="Team Ortopædi")
    filters.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/monitoring/\?.*quarter="))
    assert "team=" in page.url and "leder" not in page.url.split("?")[1]

    tile = page.get_by_test_id("tile-completion_rate")
    assert tile.get_by_test_id("value").inner_text() == "75,0 %"  # 3 of 4 in Team Ortopædi
    assert "Team Ortopædi" in page.get_by_test_id("filter-words").inner_text()
    # The definition is reachable by keyboard: a <details> in the tile.
    tile.locator("details summary").click()
    assert (
        "Numerator" in tile.locator("details").inner_text()
        or tile.locator("details p").is_visible()
    )
    # The chart is drawn by the vendored vega-embed, with a table of the same numbers.
    page.locator("#chart-completion_rate[data-rendered=true] svg").wait_for()
    page.get_by_test_id("detail-completion_rate").locator("summary").first.click()
    assert page.get_by_test_id("chart-table-completion_rate").is_visible()

    # Click the figure: the four pathways behind it, pseudonymised for a manager.
    tile.get_by_test_id("value").click()
    page.wait_for_url(re.compile(r"/monitoring/list/completion_rate/\?"))
    listing = page.get_by_test_id("drill-list")
    assert listing.locator("tbody tr").count() == 4
    assert listing.get_by_test_id("pseudonym").count() == 4
    assert listing.get_by_test_id("named").count() == 0

    # The annual report: asked for, made by the worker, downloaded.
    page.goto(f"{base}/monitoring/")
    page.get_by_role("link", name=re.compile("rsrapport|Annual report")).first.click()
    form = page.get_by_test_id("report-form")
    form.locator("input[name=year]").fill(str(quarter.start.year))
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/monitoring/reports/\d+/$"))
    assert page.get_by_test_id("report-status").get_attribute("data-status") == "queued"

    call_command("worker", once=True)  # the background worker, run here in the test's thread

    download_link = page.get_by_test_id("report-download")
    download_link.wait_for(timeout=20_000)  # htmx polls the status every 2 seconds
    with page.expect_download() as info:
        download_link.click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    assert info.value.suggested_filename.endswith(".pdf")
