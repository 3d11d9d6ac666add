"""GET /kpis and /kpis/{code}: the KPI registry over the API, with the dashboard's filters.

The numbers must be the dashboard's for the same user and filters (one selector per KPI), the
filters are checked by the dashboard's own form (a team of another municipality is refused), and
only roles that may see key figures get them.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.core.choices import Role
from forlob.monitoring import kpis
from tests.factories import TeamFactory, UserFactory
from tests.helpers import at
from tests.monitoring.support import gop, offer

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 1 June 2026

MAY = {"period": "month", "year": 2026, "month": 5}


@pytest.fixture
def may(org_a):
    """May 2026: three GOPs, two offered a first time within 7 days of discharge."""
    m = org_a.municipality
    for d in (1, 2, 3):
        r = gop(m, date(2026, 5, d))
        offer(r, at(date(2026, 5, d + (1 if d < 3 else 10)), 9))


def test_every_kpi_as_on_the_dashboard(client_for, api_for, manager, may):
    tiles = client_for(manager).get(reverse("monitoring:dashboard"), MAY).context["tiles"]
    before = AccessLog.objects.count()
    response = api_for(manager).get("/kpis", MAY)
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {
        "kind": "month",
        "start": "2026-05-01",
        "end": "2026-05-31",
        "label": body["period"]["label"],
    }
    assert [i["code"] for i in body["items"]] == [t.kpi.code for t in tiles]
    for item, t in zip(body["items"], tiles, strict=True):
        assert item["value"] == t.result.value, item["code"]
        assert item["previous"] == t.result.previous, item["code"]
        assert item["trend"] == (t.trend or None)
        assert item["target_status"] == (t.status or None)
        assert item["definition"] == t.kpi.definition_text
    gop_share = body["items"][0]
    assert (gop_share["code"], gop_share["unit"], gop_share["direction"]) == (
        "gop_offer_share",
        "percent",
        "up",
    )
    assert gop_share["value"] == pytest.approx(2 / 3)
    assert gop_share["target"] == 1.0 and gop_share["target_status"] == "missed"
    assert AccessLog.objects.count() == before  # figures only: nothing about a citizen


def test_one_kpi_with_its_monthly_series(api_for, manager, may):
    response = api_for(manager).get("/kpis/gop_offer_share", MAY)
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "gop_offer_share"
    assert body["value"] == pytest.approx(2 / 3)
    months = [p["month"] for p in body["series"]]
    assert len(months) == 12 and months[-1] == "2026-05" and months[0] == "2025-06"
    [point] = [p for p in body["series"] if p["month"] == "2026-05"]
    assert (point["numerator"], point["denominator"]) == (2, 3)


def test_the_default_period_is_this_year(api_for, manager, may):
    body = api_for(manager).get("/kpis").json()
    assert (body["period"]["kind"], body["period"]["start"]) == ("year", "2026-01-01")


def test_a_team_filter_narrows_the_figures(api_for, manager, org_a, may):
    other = TeamFactory(unit=org_a.unit, name="Team Neurologi")
    body = api_for(manager).get("/kpis/gop_offer_share", {**MAY, "team": other.pk}).json()
    assert body["value"] is None  # no GOP of that team


@pytest.mark.parametrize(
    "params,field",
    [
        ({"period": "custom", "start": "2026-01-01"}, "__all__"),  # no end
        ({"period": "custom", "start": "2026-05-01", "end": "2026-04-01"}, "end"),
        ({"period": "custom", "start": "2000-01-01", "end": "2010-01-01"}, "end"),  # > 5 years
        ({"period": "week"}, "period"),
        ({"month": 13}, "month"),
        ({"year": 1999}, "year"),
        ({"start": "1066-10-14"}, "start"),
        ({"area": "nonsense"}, "area"),
        ({"type": "no-such-type"}, "type"),
        ({"provider": "123456"}, "provider"),
        ({"team": 10**30}, "team"),
    ],
)
def test_bad_filters_are_422_with_the_field(api_for, manager, params, field):
    response = api_for(manager).get("/kpis", params)
    assert response.status_code == 422
    assert field in response.json()["fields"]


def test_another_municipalitys_team_is_refused(api_for, manager, org_b):
    theirs = TeamFactory(unit=org_b.unit)
    for path in ("/kpis", "/kpis/gop_offer_share"):
        response = api_for(manager).get(path, {"team": theirs.pk})
        assert response.status_code == 422
        assert list(response.json()["fields"]) == ["team"]


def test_unknown_code_is_404(api_for, manager):
    for code in ("nope", "gop_offer_share_x"):
        response = api_for(manager).get(f"/kpis/{code}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api_for(manager).get("/kpis/DROP TABLE").status_code in (404, 422)


def test_a_kpi_without_data_is_not_there(api_for, manager, monkeypatch):
    hidden = kpis.get("gop_offer_share")
    monkeypatch.setattr(kpis, "available", lambda actor: [k for k in kpis.registered()
                                                           if k is not hidden])  # fmt: skip
    assert api_for(manager).get("/kpis/gop_offer_share").status_code == 404
    codes = [i["code"] for i in api_for(manager).get("/kpis").json()["items"]]
    assert "gop_offer_share" not in codes


def test_only_roles_with_key_figures(api_for, org_a):
    worker = UserFactory(municipality=org_a.municipality, roles=[Role.HOMECARE_WORKER])
    for path in ("/kpis", "/kpis/gop_offer_share"):
        assert api_for(worker).get(path).status_code == 403
        assert api_for(None).get(path).status_code == 401
