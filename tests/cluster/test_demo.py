"""The demo's cluster data: four municipalities, plausible volumes and shares, nothing ahead."""

from __future__ import annotations

import random
from datetime import date
from types import SimpleNamespace

import pytest

from forlob.cluster import selectors
from forlob.cluster.models import FollowUpVisit, HospitalEvent, PopulationFigure
from forlob.demo import cluster as demo
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


@pytest.fixture
def result(org_a):
    citizens = [CitizenFactory(municipality=org_a.municipality) for _ in range(40)]
    b = SimpleNamespace(rng=random.Random(1), today=TODAY, scale=0.25,
                        municipality=org_a.municipality, citizens=citizens)  # fmt: skip
    return demo.extend(b), org_a.municipality


def test_four_municipalities_with_population_and_a_year_of_events(result):
    counts, randers = result
    codes = set(HospitalEvent.objects.values_list("municipality__code", flat=True).distinct())
    assert codes == {"730", "710", "707", "706"}
    assert PopulationFigure.objects.filter(year=2026).count() == 4
    assert counts["hospital_events"] == HospitalEvent.objects.count() > 2000
    dates = HospitalEvent.objects.values_list("event_date", flat=True)
    assert max(dates) <= TODAY and min(dates) >= date(2025, 6, 2)
    # Linked events belong to the demo's own citizens of Randers only.
    linked = HospitalEvent.objects.filter(citizen__isnull=False)
    assert linked.exists()
    assert set(linked.values_list("municipality", flat=True).distinct()) == {randers.pk}


def test_shares_are_plausible(result):
    _counts, randers = result
    admissions = HospitalEvent.objects.filter(activity_code="admit-inpatient")
    preventable = admissions.filter(preventable_group__isnull=False).count() / admissions.count()
    assert 0.08 <= preventable <= 0.18
    overview = selectors.municipality_overview(municipality=randers, year=2026, today=TODAY)
    months = overview.months[:4]  # January–April: the readmission window has passed
    readmitted = sum(m.readmissions.numerator for m in months)
    discharged = sum(m.readmissions.denominator for m in months)
    assert 0.07 <= readmitted / discharged <= 0.2
    visits = FollowUpVisit.objects.all()
    screened = visits.filter(screened=True).count() / visits.count()
    assert 0.35 <= screened <= 0.55
    assert not visits.filter(discharge__age__lt=78).exists()
    assert not visits.filter(visit_done_on__gt=TODAY).exists()
    assert selectors.audit_candidates(municipality_id=randers.pk, period_start=date(2026, 1, 1))
