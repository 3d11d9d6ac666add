"""The dashboard page: who may see it, what a tile shows, and a bounded number of queries."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.monitoring import kpis
from forlob.monitoring.kpis import Direction, Kpi, KpiResult, Point, Unit
from forlob.pathways.models import PathwayStatus
from tests.factories import AppointmentFactory, TeamFactory, TherapistFactory
from tests.helpers import at
from tests.monitoring.support import S, day, gop, offer, pathway

pytestmark = pytest.mark.usefixtures("frozen")  # today: Monday 1 June 2026

URL = reverse("monitoring:dashboard")


def test_anonymous_is_sent_to_login(client_for):
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_roles_without_key_figures_are_refused(client_for, homecare_worker):
    assert client_for(homecare_worker).get(URL).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_wrong_method_is_405(client_for, manager, method):
    assert getattr(client_for(manager), method)(URL).status_code == 405


@pytest.mark.parametrize("who", ["manager", "analyst", "therapist"])
def test_everyone_with_key_figures_sees_every_tile(client_for, request, who):
    response = client_for(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    # Every KPI with data; other apps' KPIs appear once their data exists (tested there).
    for kpi in kpis.available(request.getfixturevalue(who)):
        assert f'data-testid="tile-{kpi.code}"' in html
    assert {k.code for k in kpis.registered() if k.app_label == "monitoring"} <= {
        k.code for k in kpis.available(request.getfixturevalue(who))
    }


def test_a_tile_shows_value_target_trend_and_definition(client_for, manager, org_a):
    m = org_a.municipality
    for d in (1, 2, 3):  # May 2026: three GOPs, two offered in time
        r = gop(m, date(2026, 5, d))
        offer(r, at(date(2026, 5, d + (1 if d < 3 else 10)), 9))
    r = gop(m, date(2026, 4, 1))  # April: the previous period, missed
    offer(r, at(date(2026, 4, 20), 9))

    response = client_for(manager).get(URL, {"period": "month", "year": "2026", "month": "5"})

    assert response.status_code == 200
    tiles = {t.kpi.code: t for t in response.context["tiles"]}
    t = tiles["gop_offer_share"]
    assert t.result.value == pytest.approx(2 / 3)
    assert t.value_text == "66,7 %"
    assert t.target_text == "100,0 %"
    assert t.status == "missed"
    assert (t.trend, t.trend_better) == ("up", True)
    assert t.sparkline  # April and May have values
    html = response.content.decode()
    tile_html = html.split('data-testid="tile-gop_offer_share"')[1].split("</article>")[0]
    definition = kpis.get("gop_offer_share").definition_text
    assert "Numerator" in definition and "Denominator" in definition
    # The definition on hover (title) and for keyboard users (a <details>).
    assert 'title="Share of re-training plans' in tile_html
    assert "<details" in tile_html and "Numerator" in tile_html
    assert "66,7 %" in tile_html
    # Every number clicks through to the list behind it, with the filters and no personal data.
    links = re.findall(r'href="([^"]+)"', tile_html)
    list_url = reverse("monitoring:list", args=["gop_offer_share"])
    assert any(u.startswith(list_url) and "part=numerator" in u for u in links)
    assert any(u.startswith(list_url) and "part=denominator" in u for u in links)
    assert all("month=5" in u for u in links if u.startswith(list_url))


def test_empty_municipality_shows_dashes_not_errors(client_for, manager):
    response = client_for(manager).get(URL)
    assert response.status_code == 200
    for t in response.context["tiles"]:
        if t.kpi.code != "pathway_volume":
            assert t.value_text == "–", t.kpi.code
        assert t.status == ""


def test_charts_are_vega_lite_specs_with_a_table_of_the_same_numbers(client_for, manager, org_a):
    pathway(org_a.municipality, created=day(2026, 5, 4))
    response = client_for(manager).get(URL)
    html = response.content.decode()
    specs = json.loads(
        re.search(r'<script id="chart-specs" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    volume = specs["chart-pathway_volume"]
    assert volume["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    values = [
        v for layer in [volume, *volume["layer"]] for v in layer.get("data", {}).get("values", [])
    ]
    may = [
        v
        for v in values
        if v["tick"] == "maj" and v["series"] == str(kpis.get("pathway_volume").label)
    ]
    assert may and may[0]["value"] == 1
    table = html.split('data-testid="chart-table-pathway_volume"')[1].split("</table>")[0]
    assert table.count("<tr>") == 13  # header + 12 months
    # Vendored scripts, never a CDN.
    assert "/static/vendor/vega-embed/vega-embed.min.js" in html
    assert "cdn." not in html and "jsdelivr" not in html


def test_the_dashboard_names_no_citizen_and_writes_no_audit_row(client_for, manager, org_a):
    p = pathway(org_a.municipality, created=day(2026, 5, 4))
    before = AccessLog.objects.count()
    html = client_for(manager).get(URL).content.decode()
    assert p.citizen.last_name not in html and p.citizen.first_name not in html
    assert p.citizen.cpr[:6] not in html
    assert AccessLog.objects.count() == before


def test_filters_are_applied_and_shown(client_for, manager, org_a):
    other = TeamFactory(unit=org_a.unit, name="Team Neuro")
    pathway(org_a.municipality, created=day(2026, 5, 4), team=org_a.team)
    pathway(org_a.municipality, created=day(2026, 5, 5), team=other)
    response = client_for(manager).get(
        URL, {"period": "quarter", "year": "2026", "quarter": "2", "team": other.pk}
    )
    tiles = {t.kpi.code: t for t in response.context["tiles"]}
    assert tiles["pathway_volume"].result.value == 1
    assert "Team Neuro" in response.content.decode().split('data-testid="filter-words"')[1][:200]


def test_invalid_filters_show_errors_and_fall_back(client_for, manager):
    response = client_for(manager).get(
        URL, {"period": "custom", "start": "2026-05-10", "end": "2026-05-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["filters"].period.start == date(2026, 1, 1)


# --- the registry: another app's KPI appears without touching the dashboard -----------------------


def _other_kpi(actor, filters) -> KpiResult:
    """Satisfaction: answered / invited (a stand-in for the questionnaires app)."""
    return KpiResult(value=0.8, previous=0.7, target=0.75, series=(Point(date(2026, 5, 1), 0.8),))


@pytest.fixture
def registered_kpi():
    kpi = Kpi(
        code="test_satisfaction",
        label="Satisfaction response rate",
        compute=_other_kpi,
        unit=Unit.PERCENT,
        direction=Direction.UP,
        app_label="questionnaires",
        has_data=lambda actor: actor.municipality_id is not None,
        order=55,
    )
    kpis.register(kpi)
    yield kpi
    kpis.unregister(kpi.code)


def test_another_apps_kpi_shows_as_a_tile(client_for, manager, registered_kpi):
    response = client_for(manager).get(URL)
    tiles = {t.kpi.code: t for t in response.context["tiles"]}
    t = tiles["test_satisfaction"]
    assert (t.value_text, t.target_text, t.status) == ("80,0 %", "75,0 %", "met")
    assert "Satisfaction: answered / invited" in response.content.decode()
    # Not drillable (no population): the value is not a link, and the list answers 404.
    assert (
        client_for(manager).get(reverse("monitoring:list", args=["test_satisfaction"])).status_code
        == 404
    )


def test_a_kpi_is_hidden_when_its_app_is_missing_or_has_no_data(manager, registered_kpi):
    assert registered_kpi in kpis.available(manager)
    kpis.register(Kpi(**{**registered_kpi.__dict__, "has_data": lambda actor: False}))
    assert kpis.get("test_satisfaction") not in kpis.available(manager)
    kpis.register(Kpi(**{**registered_kpi.__dict__, "app_label": "not_installed"}))
    assert kpis.get("test_satisfaction") not in kpis.available(manager)


# --- performance: a bounded number of queries whatever the data -----------------------------------


def _data(org, n: int, offset: int) -> None:
    """``n`` pathways of every kind across teams, staff, reasons and literacy levels."""
    m = org.municipality
    staff = [TherapistFactory(municipality=m, team=org.team) for _ in range(3)]
    teams = [org.team, TeamFactory(unit=org.unit)]
    for i in range(n):
        d = date(2026, 1 + (i % 5), 1 + (i + offset) % 27)
        r = gop(m, d, diagnosis_area=["orthopaedic", "medical", "neurological"][i % 3])
        p = offer(
            r, at(d + timedelta(days=i % 10), 10), team=teams[i % 2], responsible=staff[i % 3]
        )
        AppointmentFactory(
            pathway=p,
            staff=staff[i % 3],
            location=org.location,
            start=at(d, 8) + timedelta(hours=i % 7, days=offset),
        )
        status = [S.COMPLETED, S.DROPPED_OUT, S.ACTIVE][i % 3]
        pathway(
            m,
            created=day(2025, 1 + i % 12, 3),
            status=status,
            ended=day(2026, 1 + i % 5, 2) if status != PathwayStatus.ACTIVE else None,
            reason=["no_need_citizen", "opt_out_general", ""][i % 3]
            if status == S.DROPPED_OUT
            else "",
            literacy=["low", "medium", "high", ""][i % 4],
            type_code=["chronic", "coordination", "gop"][i % 3],
            team=teams[i % 2],
            responsible=staff[(i + 1) % 3],
        )


def _count_queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_queries_do_not_grow_with_the_data(client_for, manager, org_a):
    c = client_for(manager)
    _data(org_a, 6, 0)
    small = _count_queries(c)
    _data(org_a, 30, 7)
    large = _count_queries(c)
    assert small == large
    assert large <= 45


def test_dashboard_query_budget(client_for, manager, org_a, django_assert_max_num_queries):
    _data(org_a, 12, 0)
    c = client_for(manager)
    c.get(URL)  # warm the session
    with django_assert_max_num_queries(45):
        response = c.get(
            URL, {"team": org_a.team.pk, "period": "quarter", "year": "2026", "quarter": "1"}
        )
    assert response.status_code == 200
